//===- hrm-run.cpp - run compiled hrm models ------------------------------===//
//
//   hrm-run init     ARTIFACT -o PARAMS.safetensors [--seed S]
//   hrm-run eval     ARTIFACT --params P --text FILE [--batches N]
//                    [--dump DIR]
//   hrm-run generate ARTIFACT --params P --prompt TEXT [--max-new-tokens N]
//                    [--temperature T] [--top-k K] [--top-p P] [--seed S]
//   hrm-run bench    ARTIFACT [--params P] [--iters N]
//   hrm-run memory   ARTIFACT [--params P] [--entry NAME]
//   hrm-run devices  (which devices this machine can run on)
//   Every subcommand takes --device auto|cpu|cuda.
//   hrm-run train-bpe --text FILE --vocab-size N -o DIR
//   hrm-run prepare-data FILE... -o TOKENS.bin [--tokenizer DIR]
//   hrm-run train    ARTIFACT --data TOKENS.bin --steps N [...] (Train.cpp)
//
// Tokens are bytes unless --tokenizer DIR names a GPT-2-style BPE
// (vocab.json + merges.txt). See docs/cli.md.
//
//===----------------------------------------------------------------------===//
#include "Fail.h"
#include "Train.h"

#include "hrmrt/FileIO.h"
#include "hrmrt/Model.h"
#include "hrmrt/Npy.h"
#include "hrmrt/TokenFile.h"
#include "hrmrt/Tokenizer.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <random>

using namespace llvm;
using hrmrt::Model;

static cl::SubCommand initCmd("init", "Write freshly initialised parameters");
static cl::SubCommand evalCmd("eval", "Mean next-token loss over a text");
static cl::SubCommand generateCmd("generate", "Sample a continuation");
static cl::SubCommand benchCmd("bench", "Time the forward pass");
static cl::SubCommand memoryCmd(
    "memory", "Measure each entry point's peak heap (activation) memory");
static cl::SubCommand devicesCmd("devices",
                                  "Say which devices can run models here");
static cl::SubCommand prepareCmd(
    "prepare-data", "Tokenise text files once into a token file for training");
static cl::SubCommand trainBPECmd(
    "train-bpe", "Learn a byte-level BPE tokenizer (vocab.json, merges.txt)");

static cl::opt<std::string> deviceOption(
    "device",
    cl::desc("auto (the GPU when the artifact has CUDA code and a device is "
             "usable, else the CPU), cpu or cuda"),
    cl::init("auto"), cl::sub(cl::SubCommand::getAll()));

static cl::opt<bool> cudaGraphOption(
    "cuda-graph",
    cl::desc("On the GPU, replay each entry point from a CUDA graph recorded "
             "on its second call (one launch per call)"),
    cl::init(false), cl::sub(cl::SubCommand::getAll()));

static cl::opt<unsigned> cpuThreadsOption(
    "cpu-threads",
    cl::desc("CPU threads a library compiled with OpenMP runs its large "
             "loop nests on (0: OMP_NUM_THREADS if set, else one per core)"),
    cl::init(0), cl::sub(cl::SubCommand::getAll()));

static Expected<hrmrt::Device> selectedDevice() {
  return hrmrt::parseDevice(deviceOption);
}

Expected<std::unique_ptr<Model>>
loadOnSelectedDevice(StringRef dir, ArrayRef<std::string> entries) {
  Expected<hrmrt::Device> device = selectedDevice();
  if (!device)
    return device.takeError();
  Expected<std::unique_ptr<Model>> model = Model::load(dir, *device, entries);
  if (model)
    (*model)->useCudaGraphs(cudaGraphOption);
  return model;
}

static cl::opt<std::string> artifact(cl::Positional, cl::Required,
                                     cl::desc("<artifact dir>"),
                                     cl::sub(initCmd), cl::sub(evalCmd),
                                     cl::sub(generateCmd), cl::sub(benchCmd),
                                     cl::sub(memoryCmd));
static cl::opt<std::string> output("o", cl::desc("Parameter file to write"),
                                   cl::sub(initCmd));
static cl::opt<uint64_t> seed("seed", cl::desc("Random seed"), cl::init(0),
                              cl::sub(initCmd), cl::sub(generateCmd));
static cl::opt<std::string> params("params",
                                   cl::desc("Parameters (.safetensors)"),
                                   cl::sub(evalCmd), cl::sub(generateCmd),
                                   cl::sub(benchCmd), cl::sub(memoryCmd));
static cl::opt<std::string> textFile("text", cl::desc("Text file"),
                                     cl::sub(evalCmd), cl::sub(trainBPECmd));
static cl::list<std::string> prepareInputs(cl::Positional, cl::OneOrMore,
                                           cl::desc("<text files>"),
                                           cl::sub(prepareCmd));
static cl::opt<std::string> prepareOutput("o", cl::desc("Token file to write"),
                                          cl::sub(prepareCmd));
static cl::opt<std::string> tokenizerDir(
    "tokenizer",
    cl::desc("Folder with a BPE tokenizer's vocab.json and merges.txt "
             "(default: byte tokens)"),
    cl::sub(evalCmd), cl::sub(generateCmd), cl::sub(prepareCmd));
static cl::opt<int64_t> bpeVocabSize("vocab-size",
                                     cl::desc("Tokens in the vocabulary"),
                                     cl::init(512), cl::sub(trainBPECmd));
static cl::opt<std::string> bpeOutput("o", cl::desc("Output folder"),
                                      cl::sub(trainBPECmd));
static cl::opt<int64_t> batches("batches",
                                cl::desc("Batches to evaluate (0: all)"),
                                cl::init(0), cl::sub(evalCmd));
static cl::opt<std::string> dumpDir(
    "dump", cl::desc("Write the first batch's tokens, targets and logits "
                     "(and, from a training artifact, every parameter "
                     "gradient) as .npy files into this folder"),
    cl::sub(evalCmd));
static cl::opt<int64_t> evalSegments(
    "segments",
    cl::desc("Deep supervision: how many segments the loss entry runs per "
             "batch, each from the last one's states (default: the "
             "description's `segments`; the logits always run all of them)"),
    cl::init(0), cl::sub(evalCmd));
static cl::opt<int32_t> noiseDraw(
    "noise-draw",
    cl::desc("Which sample of its noise initial state a recurrent-depth "
             "model draws (default 0; hrm-run train draws sample k at step k)"),
    cl::init(0), cl::sub(evalCmd));
static cl::opt<int32_t> tripCount(
    "trip-count",
    cl::desc("Steps the loop runs, in a model whose training samples its "
             "count (default: the description's)"),
    cl::init(0), cl::sub(evalCmd), cl::sub(generateCmd), cl::sub(benchCmd),
    cl::sub(memoryCmd));
static cl::opt<int32_t> gradWindow(
    "grad-window",
    cl::desc("Gradient window k of a model whose training warms it up "
             "(grad_warmup; default: the schedule's k)"),
    cl::init(0), cl::sub(evalCmd), cl::sub(benchCmd), cl::sub(memoryCmd));
static cl::opt<std::string> prompt("prompt", cl::desc("Prompt text"),
                                   cl::init(""), cl::sub(generateCmd));
static cl::opt<int64_t> maxNew("max-new-tokens",
                               cl::desc("Tokens to generate"), cl::init(64),
                               cl::sub(generateCmd));
static cl::opt<double> temperature(
    "temperature", cl::desc("Sampling temperature (0: greedy)"),
    cl::init(0.0), cl::sub(generateCmd));
static cl::opt<int64_t> topK("top-k",
                             cl::desc("Sample among the k likeliest (0: all)"),
                             cl::init(0), cl::sub(generateCmd));
static cl::opt<double>
    topP("top-p",
         cl::desc("Sample among the fewest likeliest tokens whose "
                  "probabilities sum to at least p (nucleus sampling; 1: all)"),
         cl::init(1.0), cl::sub(generateCmd));
static cl::opt<int64_t> iters("iters", cl::desc("Timed iterations"),
                              cl::init(10), cl::sub(benchCmd));
static cl::opt<std::string> memoryEntry(
    "entry",
    cl::desc("Measure only this entry point (the arena then holds only its "
             "buffers)"),
    cl::sub(memoryCmd));

/// Sets --trip-count on every entry that takes one.
static Error applyTripCount(Model &model) {
  if (tripCount.getNumOccurrences() == 0)
    return Error::success();
  if (tripCount < 1)
    return createStringError("--trip-count must be >= 1, got " +
                             Twine(tripCount));
  bool any = false;
  for (const hrmrt::EntrySpec &e : model.manifest().entries)
    any |= model.setTripCount(e.name, tripCount);
  if (!any)
    return createStringError(
        "--trip-count: model " + model.manifest().model +
        " runs a fixed count (its description has no train_trip_count)");
  return Error::success();
}

/// Sets --grad-window on every entry that takes one.
static Error applyGradWindow(Model &model) {
  if (gradWindow.getNumOccurrences() == 0)
    return Error::success();
  const hrmrt::GradWindowSpec *spec = nullptr;
  for (const hrmrt::EntrySpec &e : model.manifest().entries)
    if (e.gradWindow)
      spec = &*e.gradWindow;
  if (!spec)
    return createStringError(
        "--grad-window: model " + model.manifest().model +
        " has a fixed gradient window (its description has no grad_warmup)");
  if (gradWindow < spec->min || gradWindow > spec->max)
    return createStringError(
        formatv("--grad-window must be in [{0}, {1}] (grad_warmup.from and the "
                "schedule's k), got {2}",
                spec->min, spec->max, gradWindow.getValue()));
  for (const hrmrt::EntrySpec &e : model.manifest().entries)
    model.setGradWindow(e.name, gradWindow);
  return Error::success();
}

/// The logits entry: tokens [B, S] in, logits [B, S, V] out.
static Expected<const hrmrt::EntrySpec *> logitsEntry(const Model &model) {
  const hrmrt::EntrySpec *entry = model.manifest().findEntry("logits");
  if (!entry || entry->numDataInputs() != 1 || entry->outputs.size() != 1 ||
      entry->inputs[0].shape.size() != 2 ||
      entry->outputs[0].shape.size() != 3 ||
      entry->inputs[0].dtype != hrmrt::DType::I32)
    return createStringError("the artifact has no 'logits' entry taking I32 "
                             "tokens [B, S] to logits [B, S, V]");
  return entry;
}

static Expected<std::unique_ptr<Model>>
loadModel(bool needParams, ArrayRef<std::string> entries = {}) {
  Expected<std::unique_ptr<Model>> model =
      loadOnSelectedDevice(artifact, entries);
  if (!model)
    return model.takeError();
  if (!params.empty()) {
    if (Error e = (*model)->loadParameters(params))
      return std::move(e);
  } else if (needParams) {
    return createStringError("give the parameters with --params (make them "
                             "with `hrm-run init`)");
  }
  return model;
}

static int runInit() {
  if (output.empty())
    return fail("give the output file with -o");
  Expected<std::unique_ptr<Model>> model = Model::load(artifact);
  if (!model)
    return fail(model.takeError());
  (*model)->initParameters(seed);
  if (Error e = (*model)->saveParameters(output))
    return fail(std::move(e));
  int64_t count = 0;
  for (const hrmrt::ParamSpec &p : (*model)->manifest().params)
    count += p.tensor.numElements();
  outs() << "wrote " << (*model)->manifest().params.size() << " tensors ("
         << count << " parameters) to " << output << "\n";
  return 0;
}

static Expected<std::string> readText(StringRef path) {
  auto file = hrmrt::readFile(path);
  if (!file)
    return file.takeError();
  return (*file)->getBuffer().str();
}

/// The tokenizer --tokenizer names, or bytes; its vocabulary must fit the
/// model's.
static Expected<std::unique_ptr<hrmrt::Tokenizer>>
loadTokenizer(int64_t modelVocab) {
  std::unique_ptr<hrmrt::Tokenizer> tokenizer;
  if (tokenizerDir.empty()) {
    tokenizer = std::make_unique<hrmrt::ByteTokenizer>();
  } else {
    SmallString<256> vocab(tokenizerDir), merges(tokenizerDir);
    sys::path::append(vocab, "vocab.json");
    sys::path::append(merges, "merges.txt");
    auto bpe = hrmrt::BPETokenizer::load(vocab, merges);
    if (!bpe)
      return bpe.takeError();
    tokenizer = std::move(*bpe);
  }
  if (tokenizer->vocabSize() > modelVocab && !tokenizerDir.empty())
    return createStringError("the tokenizer in " + tokenizerDir + " has " +
                             Twine(tokenizer->vocabSize()) +
                             " tokens; the model's vocabulary has " +
                             Twine(modelVocab));
  return tokenizer;
}

static int runEval() {
  if (textFile.empty())
    return fail("give the text to evaluate with --text");
  Expected<std::unique_ptr<Model>> loaded = loadModel(true);
  if (!loaded)
    return fail(loaded.takeError());
  Model &model = **loaded;
  const hrmrt::EntrySpec *loss = model.manifest().findEntry("loss");
  Expected<const hrmrt::EntrySpec *> logits = logitsEntry(model);
  if (!logits)
    return fail(logits.takeError());
  if (!loss || loss->numDataInputs() != 2)
    return fail("the artifact has no 'loss' entry (tokens, targets)");
  if (batches < 0)
    return fail("--batches must be >= 0 (0: all), got " + Twine(batches));
  if (noiseDraw < 0)
    return fail("--noise-draw must be >= 0, got " + Twine(noiseDraw));
  if (evalSegments < 0 || (evalSegments > 0 && !loss->segments))
    return fail("--segments: " + Twine(evalSegments < 0
                                           ? "must be positive"
                                           : "the model does not run segments "
                                             "(its description has no "
                                             "`segments`)"));
  int64_t b = model.manifest().batch, s = model.manifest().seqLen;
  int64_t vocab = (*logits)->outputs[0].shape[2];
  for (StringRef entry : {"loss", "logits", "loss_grad"})
    model.setNoiseDraw(entry, noiseDraw);
  if (Error e = applyGradWindow(model))
    return fail(std::move(e));
  if (Error e = applyTripCount(model))
    return fail(std::move(e));
  Expected<std::unique_ptr<hrmrt::Tokenizer>> tokenizer = loadTokenizer(vocab);
  if (!tokenizer)
    return fail(tokenizer.takeError());
  Expected<std::string> text = readText(textFile);
  if (!text)
    return fail(text.takeError());
  std::vector<int32_t> tokens = (*tokenizer)->encode(*text);
  // Row r of batch k reads tokens [(kB + r)S, (kB + r)S + S] and predicts
  // the next token of each.
  int64_t available = (static_cast<int64_t>(tokens.size()) - 1) / (b * s);
  if (available == 0)
    return fail(textFile + " is too short for one batch of " + Twine(b) +
                " x " + Twine(s + 1) + " tokens");
  int64_t count = batches > 0 ? std::min<int64_t>(batches, available)
                              : available;
  double total = 0;
  double ponderTotal = 0; // ACT
  for (int64_t k = 0; k < count; ++k) {
    auto *in = static_cast<int32_t *>(model.input("loss", 0));
    auto *tg = static_cast<int32_t *>(model.input("loss", 1));
    for (int64_t r = 0; r < b; ++r)
      for (int64_t i = 0; i < s; ++i) {
        int64_t at = (k * b + r) * s + i;
        int32_t token = tokens[at], next = tokens[at + 1];
        if (token >= vocab || next >= vocab)
          return fail("token " + Twine(std::max(token, next)) +
                      " is outside the model's vocabulary of " +
                      Twine(vocab));
        in[r * s + i] = token;
        tg[r * s + i] = next;
      }
    // Deep supervision: the batch's segments, each from the states the
    // last ended with; the last segment's loss is the model's.
    if (Error e = model.runSegments("loss", evalSegments))
      return fail(std::move(e));
    // Under halting, the cross-entropy alone (the head's loss is training's).
    total += *static_cast<const float *>(
        model.output("loss", loss->lmLossOutput().value_or(0)));
    if (std::optional<size_t> ponder = loss->actPonderOutput())
      ponderTotal += *static_cast<const float *>(model.output("loss", *ponder));
    if (k == 0 && !dumpDir.empty()) {
      std::memcpy(model.input("logits", 0), in, b * s * sizeof(int32_t));
      if (Error e = model.run("logits"))
        return fail(std::move(e));
      if (std::error_code ec = sys::fs::create_directories(dumpDir))
        return fail("cannot create " + dumpDir + ": " + ec.message());
      auto path = [&](StringRef name) {
        SmallString<256> p(dumpDir);
        sys::path::append(p, name);
        return std::string(p);
      };
      std::vector<int64_t> shape2{b, s};
      if (Error e = hrmrt::writeNpy(path("tokens.npy"), hrmrt::DType::I32,
                                    shape2, in))
        return fail(std::move(e));
      if (Error e = hrmrt::writeNpy(path("targets.npy"), hrmrt::DType::I32,
                                    shape2, tg))
        return fail(std::move(e));
      if (Error e = hrmrt::writeNpy(path("logits.npy"), hrmrt::DType::F32,
                                    (*logits)->outputs[0].shape,
                                    model.output("logits", 0)))
        return fail(std::move(e));
      if (Error e = hrmrt::writeNpy(path("loss.npy"), hrmrt::DType::F32, {},
                                    model.output("loss", 0)))
        return fail(std::move(e));
      if (std::optional<size_t> ponder = loss->actPonderOutput())
        if (Error e = hrmrt::writeNpy(path("act_ponder.npy"), hrmrt::DType::F32,
                                      {}, model.output("loss", *ponder)))
          return fail(std::move(e));
      if (loss->noiseDrawInput())
        if (Error e = hrmrt::writeNpy(path("noise_draw.npy"), hrmrt::DType::I32,
                                      {}, &noiseDraw.getValue()))
          return fail(std::move(e));
      if (std::optional<size_t> trip = loss->tripCountInput())
        if (Error e = hrmrt::writeNpy(path("trip_count.npy"), hrmrt::DType::I32,
                                      {}, model.readInput("loss", *trip)))
          return fail(std::move(e));
      if (std::optional<size_t> window = loss->gradWindowInput())
        if (Error e =
                hrmrt::writeNpy(path("grad_window.npy"), hrmrt::DType::I32, {},
                                model.readInput("loss", *window)))
          return fail(std::move(e));
      if (std::optional<size_t> last = loss->haltLastInput())
        if (Error e = hrmrt::writeNpy(path("halt_last.npy"), hrmrt::DType::I32,
                                      loss->inputs[*last].shape,
                                      model.readInput("loss", *last)))
          return fail(std::move(e));
      // A training artifact also dumps the loss and every gradient.
      if (const hrmrt::EntrySpec *grad = model.manifest().findEntry("loss_grad")) {
        std::memcpy(model.input("loss_grad", 0), in, b * s * sizeof(int32_t));
        std::memcpy(model.input("loss_grad", 1), tg, b * s * sizeof(int32_t));
        if (Error e = model.runSegments("loss_grad", evalSegments))
          return fail(std::move(e));
        for (auto [i, out] : llvm::enumerate(grad->outputs)) {
          std::string name = out.name;
          std::replace(name.begin(), name.end(), ':', '.');
          if (Error e = hrmrt::writeNpy(path(name + ".npy"), out.dtype,
                                        out.shape, model.output("loss_grad", i)))
            return fail(std::move(e));
        }
      }
    }
  }
  double mean = total / count;
  // Bits per byte of the text covered, whatever the tokenizer.
  int64_t covered = count * b * s;
  double bytes = static_cast<double>((*tokenizer)->decode(std::vector<int32_t>(
                     tokens.begin() + 1, tokens.begin() + 1 + covered))
                     .size());
  outs() << formatv("loss {0:F4} nats/token ({1:F4} bits/byte) over {2} "
                    "batches of {3} x {4} tokens on {5}\n",
                    mean, mean * covered / bytes / std::log(2.0), count, b,
                    s, model.deviceName());
  if (loss->actPonderOutput())
    outs() << formatv("act: {0:F3} steps per position (mean ponder time: "
                      "steps taken plus the last one's remainder)\n",
                      ponderTotal / count);
  return 0;
}

/// Greedy at temperature 0, else softmax(logits / T) over the top k, then
/// over the fewest of those whose probabilities sum to at least top-p.
static int32_t sampleToken(const float *row, int64_t vocab,
                           std::mt19937_64 &rng) {
  if (temperature <= 0)
    return std::max_element(row, row + vocab) - row;
  std::vector<std::pair<float, int32_t>> ranked;
  for (int32_t v = 0; v < vocab; ++v)
    ranked.push_back({row[v], v});
  std::sort(ranked.begin(), ranked.end(), std::greater<>());
  if (topK > 0 && topK < vocab)
    ranked.resize(topK);
  std::vector<double> weights;
  double total = 0;
  for (auto &[logit, v] : ranked) {
    weights.push_back(std::exp((logit - ranked[0].first) / temperature));
    total += weights.back();
  }
  if (topP < 1) {
    // The likeliest first: keep up to the one that reaches p.
    double sum = 0;
    size_t keep = 0;
    while (keep < weights.size() && (keep == 0 || sum < topP * total))
      sum += weights[keep++];
    weights.resize(keep);
  }
  std::discrete_distribution<size_t> pick(weights.begin(), weights.end());
  return ranked[pick(rng)].second;
}

/// Generation through a `decode` entry (hrmc compile --decode): one token
/// per call, keys and values kept in the caches the entry updates in place
/// (on the GPU they never leave the device).
static int generateCached(Model &model, const hrmrt::EntrySpec &decode,
                          const hrmrt::Tokenizer &tokenizer,
                          std::vector<int32_t> context) {
  // The inputs by role; a noise_draw input stays 0, the loop runs its
  // nominal count whatever trip_count says, and the gradient window
  // changes nothing in a forward pass.
  if (tripCount.getNumOccurrences() && decode.tripCountInput())
    return fail("--trip-count: the KV-cached 'decode' entry runs the "
                "description's count; compile without --decode to generate "
                "with another");
  std::vector<size_t> in;
  for (size_t i = 0; i < decode.inputs.size(); ++i)
    if (i != decode.noiseDrawInput() && i != decode.tripCountInput() &&
        i != decode.gradWindowInput())
      in.push_back(i);
  if (in.size() != 4 || decode.outputs.size() != 1 ||
      !decode.inputs[in[1]].inout || !decode.inputs[in[2]].inout)
    return fail("the 'decode' entry should take (tokens, k_cache, v_cache, "
                "position), update the caches in place and return the "
                "logits (recompile the artifact with this hrmc)");
  int64_t vocab = decode.outputs[0].shape[2];
  int64_t capacity = decode.inputs[in[1]].shape[3];
  int64_t rows = decode.inputs[in[0]].numElements();
  size_t cacheBytes = decode.inputs[in[1]].bytes();
  std::memset(model.input("decode", in[1]), 0, cacheBytes);
  std::memset(model.input("decode", in[2]), 0, cacheBytes);
  std::mt19937_64 rng(seed);
  std::vector<int32_t> generated;
  size_t fed = 0;
  for (int64_t position = 0;; ++position) {
    if (position >= capacity) {
      errs() << "hrm-run: warning: the cache holds " << capacity
             << " positions; stopping there\n";
      break;
    }
    int32_t token = fed < context.size() ? context[fed] : generated.back();
    ++fed;
    auto *tokens = static_cast<int32_t *>(model.input("decode", in[0]));
    std::fill(tokens, tokens + rows, token);
    *static_cast<int32_t *>(model.input("decode", in[3])) = position;
    if (Error e = model.run("decode"))
      return fail(std::move(e));
    if (fed < context.size())
      continue; // still reading the prompt
    if (static_cast<int64_t>(generated.size()) == maxNew)
      break;
    generated.push_back(sampleToken(
        static_cast<const float *>(model.output("decode", 0)), vocab, rng));
  }
  outs() << prompt << tokenizer.decode(generated) << "\n";
  return 0;
}

static int runGenerate() {
  if (maxNew < 0)
    return fail("--max-new-tokens must be >= 0, got " + Twine(maxNew));
  if (!(temperature >= 0 && std::isfinite(temperature)))
    return fail("--temperature must be a finite number >= 0 (0: greedy), "
                "got " +
                optionValue(temperature));
  if (topK < 0)
    return fail("--top-k must be >= 0 (0: all), got " + Twine(topK));
  if (!(topP > 0 && topP <= 1))
    return fail("--top-p must be in (0, 1] (1: all), got " + optionValue(topP));
  Expected<std::unique_ptr<Model>> loaded = loadModel(true);
  if (!loaded)
    return fail(loaded.takeError());
  Model &model = **loaded;
  const hrmrt::EntrySpec *decode = model.manifest().findEntry("decode");
  Expected<const hrmrt::EntrySpec *> entry =
      decode ? Expected<const hrmrt::EntrySpec *>(decode) : logitsEntry(model);
  if (!entry)
    return fail(entry.takeError());
  int64_t s = model.manifest().seqLen;
  int64_t vocab = (*entry)->outputs[0].shape[2];
  Expected<std::unique_ptr<hrmrt::Tokenizer>> tokenizer = loadTokenizer(vocab);
  if (!tokenizer)
    return fail(tokenizer.takeError());
  std::vector<int32_t> context = (*tokenizer)->encode(prompt);
  for (int32_t t : context)
    if (t >= vocab)
      return fail("prompt token " + Twine(t) +
                  " is outside the model's vocabulary of " + Twine(vocab));
  if (context.empty())
    context = (*tokenizer)->encode("\n");
  if (Error e = applyTripCount(model))
    return fail(std::move(e));
  if (decode)
    return generateCached(model, *decode, **tokenizer, context);
  std::vector<int32_t> generated;
  std::mt19937_64 rng(seed);
  for (int64_t n = 0; n < maxNew; ++n) {
    // Causal attention: positions after the last token do not change its
    // logits, so the window is right-padded with zeros. Row 0 is used.
    int64_t start = std::max<int64_t>(0, context.size() - s);
    int64_t len = context.size() - start;
    auto *in = static_cast<int32_t *>(model.input("logits", 0));
    std::fill(in, in + (*entry)->inputs[0].numElements(), 0);
    std::copy(context.begin() + start, context.end(), in);
    if (Error e = model.run("logits"))
      return fail(std::move(e));
    const float *row =
        static_cast<const float *>(model.output("logits", 0)) +
        (len - 1) * vocab;
    int32_t next = sampleToken(row, vocab, rng);
    context.push_back(next);
    generated.push_back(next);
  }
  outs() << prompt << (*tokenizer)->decode(generated) << "\n";
  return 0;
}

/// The model with --params, or freshly initialised (seed 0) without.
static Expected<std::unique_ptr<Model>>
loadAnyParameters(ArrayRef<std::string> entries = {}) {
  Expected<std::unique_ptr<Model>> loaded = loadModel(false, entries);
  if (loaded && params.empty())
    (*loaded)->initParameters(0);
  return loaded;
}

static int runBench() {
  if (iters < 1)
    return fail("--iters must be >= 1, got " + Twine(iters));
  Expected<std::unique_ptr<Model>> loaded = loadAnyParameters();
  if (!loaded)
    return fail(loaded.takeError());
  Model &model = **loaded;
  Expected<const hrmrt::EntrySpec *> entry = logitsEntry(model);
  if (!entry)
    return fail(entry.takeError());
  if (Error e = applyGradWindow(model))
    return fail(std::move(e));
  if (Error e = applyTripCount(model))
    return fail(std::move(e));
  auto *in = static_cast<int32_t *>(model.input("logits", 0));
  int64_t tokens = (*entry)->inputs[0].numElements();
  int64_t vocab = (*entry)->outputs[0].shape[2];
  for (int64_t i = 0; i < tokens; ++i)
    in[i] = (i * 7919) % vocab;
  if (Error e = model.run("logits")) // warm-up
    return fail(std::move(e));
  std::vector<double> seconds;
  for (int64_t i = 0; i < iters; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    if (Error e = model.run("logits"))
      return fail(std::move(e));
    seconds.push_back(std::chrono::duration<double>(
                          std::chrono::steady_clock::now() - t0)
                          .count());
  }
  std::sort(seconds.begin(), seconds.end());
  double median = seconds[seconds.size() / 2];
  outs() << formatv("{0}: batch {1} x seq {2} on {6}: median {3:F3} ms per "
                    "forward, {4:F0} tokens/s ({5} iteration{7})\n",
                    model.manifest().model, model.manifest().batch,
                    model.manifest().seqLen, median * 1e3, tokens / median,
                    iters, model.deviceName(), iters == 1 ? "" : "s");
  if (std::optional<int64_t> launches = model.lastKernelLaunches())
    outs() << formatv("kernel launches per forward: {0}\n", *launches);
  return 0;
}

/// Runs each entry point once on zero inputs (token 0, position 0: valid
/// for every entry) and prints what its compiled code allocated.
static int runMemory() {
  // With --entry, only that entry's buffers are in the arena.
  std::vector<std::string> only;
  if (!memoryEntry.empty())
    only.push_back(memoryEntry);
  Expected<std::unique_ptr<Model>> loaded = loadAnyParameters(only);
  if (!loaded)
    return fail(loaded.takeError());
  Model &model = **loaded;
  if (Error e = applyGradWindow(model))
    return fail(std::move(e));
  if (Error e = applyTripCount(model))
    return fail(std::move(e));
  const hrmrt::Manifest &m = model.manifest();
  outs() << formatv("{0}: batch {1} x seq {2} on {4}; arena (parameters, "
                    "inputs, outputs): {3} bytes\n",
                    m.model, m.batch, m.seqLen, model.arenaBytes(),
                    model.deviceName());
  for (const hrmrt::EntrySpec &e : m.entries) {
    if (!memoryEntry.empty() && e.name != memoryEntry)
      continue;
    if (Error err = model.run(e.name))
      return fail(std::move(err));
    std::optional<Model::HeapUse> use = model.lastHeapUse();
    if (!use)
      return fail("the artifact does not count its heap use (compiled by an "
                  "older hrmc); compile it again");
    outs() << formatv("  {0}: peak heap {1} bytes ({2:F2} MiB), retained "
                      "{3} bytes",
                      e.name, use->peakBytes,
                      use->peakBytes / (1024.0 * 1024.0), use->retainedBytes);
    if (std::optional<int64_t> launches = model.lastKernelLaunches())
      outs() << formatv(", {0} kernel launches", *launches);
    outs() << "\n";
  }
  return 0;
}

static int runDevices() {
  outs() << "cpu: available\n";
  Expected<std::string> gpu = hrmrt::cudaDeviceName();
  if (!gpu) {
    outs() << "cuda: unavailable (" << toString(gpu.takeError()) << ")\n";
    return 0;
  }
  // The same backend, already loaded: it has a capability if it has a name.
  Expected<int> capability = hrmrt::cudaComputeCapability();
  if (!capability)
    return fail(capability.takeError());
  outs() << formatv("cuda: {0} (compute capability {1}.{2})\n", *gpu,
                    *capability / 10, *capability % 10);
  return 0;
}

static int runTrainBPE() {
  if (textFile.empty() || bpeOutput.empty())
    return fail("give the training text with --text and the output folder "
                "with -o");
  Expected<std::string> text = readText(textFile);
  if (!text)
    return fail(text.takeError());
  auto bpe = hrmrt::BPETokenizer::train(*text, bpeVocabSize);
  if (!bpe)
    return fail(bpe.takeError());
  if (Error e = (*bpe)->save(bpeOutput))
    return fail(std::move(e));
  size_t tokens = (*bpe)->encode(*text).size();
  outs() << formatv("{0} tokens ({1} merges) written to {2}; the text is {3} "
                    "bytes, {4} tokens ({5:F2} bytes/token)\n",
                    (*bpe)->vocabSize(), (*bpe)->numMerges(), bpeOutput,
                    text->size(), tokens,
                    static_cast<double>(text->size()) / tokens);
  return 0;
}

/// Concatenates the files (each followed by a blank line), tokenises them
/// and writes the token file.
static int runPrepareData() {
  if (prepareOutput.empty())
    return fail("give the token file to write with -o");
  Expected<std::unique_ptr<hrmrt::Tokenizer>> tokenizer =
      loadTokenizer(std::numeric_limits<int64_t>::max());
  if (!tokenizer)
    return fail(tokenizer.takeError());
  std::string text;
  for (const std::string &path : prepareInputs) {
    Expected<std::string> part = readText(path);
    if (!part)
      return fail(part.takeError());
    text += *part;
    text += "\n\n";
  }
  hrmrt::TokenFile file;
  file.vocabSize = (*tokenizer)->vocabSize();
  file.tokens = (*tokenizer)->encode(text);
  if (Error e = file.write(prepareOutput))
    return fail(std::move(e));
  outs() << formatv("{0} bytes from {1} files -> {2} tokens (vocabulary "
                    "{3}) in {4}\n",
                    text.size(), prepareInputs.size(), file.tokens.size(),
                    file.vocabSize, prepareOutput);
  return 0;
}

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  cl::ParseCommandLineOptions(argc, argv,
                              "hrm-run: run compiled hrm models\n");
  // libomp reads it when the first model library loads it.
  if (cpuThreadsOption > 0)
    ::setenv("OMP_NUM_THREADS", std::to_string(cpuThreadsOption).c_str(), 1);
  if (initCmd)
    return runInit();
  if (evalCmd)
    return runEval();
  if (generateCmd)
    return runGenerate();
  if (benchCmd)
    return runBench();
  if (memoryCmd)
    return runMemory();
  if (devicesCmd)
    return runDevices();
  if (trainBPECmd)
    return runTrainBPE();
  if (prepareCmd)
    return runPrepareData();
  if (trainSelected())
    return runTrain();
  return fail("give a subcommand: init, eval, generate, bench, memory, "
              "devices, train, prepare-data or train-bpe (see --help)");
}
