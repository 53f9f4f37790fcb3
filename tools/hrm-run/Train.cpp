//===- Train.cpp - hrm-run train: AdamW over a compiled loss_grad ---------===//
//
//   hrm-run train ARTIFACT --data TOKENS.bin --steps N [--checkpoint F]
//                 [--resume] [--params P] [--seed S] [--lr ...] ...
//
// Runs the artifact's `train_step` entry (gradients and AdamW compiled
// together, parameters and moments updated where the model runs) or its
// `loss_grad` entry followed by the runtime's AdamW on batches of a token
// file, validates on a held-out tail of the file, logs CSV, draws the loss
// curves as a PNG and writes checkpoints atomically. See docs/training.md.
//
//===----------------------------------------------------------------------===//
#include "Fail.h"
#include "Train.h"

#include "hrmrt/FileIO.h"
#include "hrmrt/Model.h"
#include "hrmrt/Npy.h"
#include "hrmrt/Optimizer.h"
#include "hrmrt/Plot.h"
#include "hrmrt/Safetensors.h"
#include "hrmrt/TokenFile.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <numeric>
#include <optional>
#include <random>
#include <utility>

using namespace llvm;
using hrmrt::HostTensor;
using hrmrt::Model;

static cl::SubCommand trainCmd("train",
                               "Train with AdamW on a token file (loss_grad)");
static cl::opt<std::string> artifact(cl::Positional, cl::Required,
                                     cl::desc("<artifact dir>"),
                                     cl::sub(trainCmd));
static cl::opt<std::string> dataPath("data",
                                     cl::desc("Token file (hrm-run prepare-data)"),
                                     cl::sub(trainCmd));
static cl::opt<int64_t> steps("steps", cl::desc("Optimizer steps in all"),
                              cl::init(100), cl::sub(trainCmd));
static cl::opt<std::string> initParams(
    "params", cl::desc("Start from these parameters (default: fresh init)"),
    cl::sub(trainCmd));
static cl::opt<std::string> checkpoint(
    "checkpoint",
    cl::desc("Checkpoint file (.safetensors: parameters, AdamW moments, "
             "step and data position)"),
    cl::sub(trainCmd));
static cl::opt<int64_t> checkpointEvery(
    "checkpoint-every", cl::desc("Steps between checkpoints (0: at the end)"),
    cl::init(0), cl::sub(trainCmd));
static cl::opt<bool> resume("resume",
                            cl::desc("Continue from --checkpoint"),
                            cl::sub(trainCmd));
static cl::opt<int64_t> stopAfter(
    "stop-after",
    cl::desc("Stop after this many steps of this invocation, as if killed "
             "(for testing --resume)"),
    cl::init(0), cl::sub(trainCmd));
static cl::opt<uint64_t> seed("seed",
                              cl::desc("Seed of the initialisation and of "
                                       "the batch order"),
                              cl::init(0), cl::sub(trainCmd));
static cl::opt<double> lr("lr", cl::desc("Peak learning rate"), cl::init(3e-3),
                          cl::sub(trainCmd));
static cl::opt<double> minLr("min-lr",
                             cl::desc("Final learning rate of the cosine "
                                      "schedule (default: lr / 10)"),
                             cl::init(-1), cl::sub(trainCmd));
static cl::opt<int64_t> warmup("warmup", cl::desc("Linear warm-up steps"),
                               cl::init(0), cl::sub(trainCmd));
static cl::opt<std::string> lrSchedule("lr-schedule",
                                       cl::desc("cosine or constant"),
                                       cl::init("cosine"), cl::sub(trainCmd));
static cl::opt<double> weightDecay("weight-decay",
                                   cl::desc("AdamW weight decay (matrices)"),
                                   cl::init(0.1), cl::sub(trainCmd));
static cl::opt<double> beta1("beta1", cl::init(0.9), cl::sub(trainCmd));
static cl::opt<double> beta2("beta2", cl::init(0.95), cl::sub(trainCmd));
static cl::opt<double> adamEps("eps", cl::init(1e-8), cl::sub(trainCmd));
static cl::opt<double> clip("clip",
                            cl::desc("Clip the global gradient norm (0: off)"),
                            cl::init(1.0), cl::sub(trainCmd));
static cl::opt<std::string> dumpSteps(
    "dump-steps",
    cl::desc("Write each step's batch (tokens.npy, targets.npy) and "
             "gradients (grad.<param>.npy, before clipping) into "
             "<folder>/step<k> (for checking the optimizer against PyTorch)"),
    cl::sub(trainCmd));
static cl::opt<std::string> optimizerKind(
    "optimizer",
    cl::desc("Where AdamW runs: compiled (the artifact's train_step, where "
             "the model runs: parameters and moments never leave the GPU), "
             "host (the runtime's, after loss_grad), or auto (compiled "
             "unless the artifact has no train_step or --dump-steps is "
             "given)"),
    cl::init("auto"), cl::sub(trainCmd));
static cl::opt<double> valFraction(
    "val-fraction", cl::desc("Tail of the token file held out"),
    cl::init(0.05), cl::sub(trainCmd));
static cl::opt<int64_t> valEvery("val-every",
                                 cl::desc("Steps between validations"),
                                 cl::init(50), cl::sub(trainCmd));
static cl::opt<int64_t> valBatches("val-batches",
                                   cl::desc("Batches per validation"),
                                   cl::init(4), cl::sub(trainCmd));
static cl::opt<std::string> logPath("log", cl::desc("CSV log file"),
                                    cl::sub(trainCmd));
static cl::opt<std::string> plotPath("plot",
                                     cl::desc("PNG of the loss curves (blue: "
                                              "train, orange: validation)"),
                                     cl::sub(trainCmd));

bool trainSelected() { return static_cast<bool>(trainCmd); }


namespace {

struct Row {
  int64_t step;
  double loss, val, lr, norm, tokensPerSecond;
  int64_t tripCount;  // the sampled loop count; 0 for a fixed one
  int64_t gradWindow; // the warmed-up gradient window; 0 for a fixed one
  // Halting or ACT: the halting's share of the loss (HRM's head loss or
  // ACT's ponder cost; `loss` is then the cross-entropy alone), and the
  // mean segments of the rows that halted at this step (halting) or the
  // mean ponder time of the positions (ACT); NaN otherwise.
  double haltLoss = NAN, haltSteps = NAN;
};

std::string csvLine(const Row &r) {
  auto real = [](double v, StringRef style) {
    return std::isnan(v)
               ? std::string()
               : formatv(("{0:" + style + "}").str().c_str(), v).str();
  };
  auto optional = [](int64_t v) { return v ? std::to_string(v) : ""; };
  return formatv("{0},{1:F6},{2},{3:E6},{4:F6},{5:F1},{6},{7},{8},{9}", r.step,
                 r.loss, real(r.val, "F6"), r.lr, r.norm, r.tokensPerSecond,
                 optional(r.tripCount), optional(r.gradWindow),
                 real(r.haltLoss, "F6"), real(r.haltSteps, "F3"))
      .str();
}

constexpr const char *kCsvHeader = "step,train_loss,val_loss,lr,grad_norm,"
                                   "tokens_per_s,trip_count,grad_window,"
                                   "halt_loss,halt_steps";

/// Rows of an earlier run's log up to `step`, so a resumed run continues it.
std::vector<Row> readLog(StringRef path, int64_t upTo) {
  std::vector<Row> rows;
  auto file = MemoryBuffer::getFile(path);
  if (!file)
    return rows;
  SmallVector<StringRef> lines;
  (*file)->getBuffer().split(lines, '\n', -1, false);
  for (StringRef line : ArrayRef(lines).drop_front()) {
    SmallVector<StringRef> f;
    line.split(f, ',');
    // 6: logs without trip_count, 7: without grad_window, 8: without the
    // halting columns.
    if (f.size() < 6 || f.size() > 10)
      continue;
    Row r{};
    if (f[0].getAsInteger(10, r.step) || r.step > upTo)
      continue;
    auto num = [](StringRef s) {
      double v = NAN;
      if (!s.empty())
        s.getAsDouble(v);
      return v;
    };
    r.loss = num(f[1]), r.val = num(f[2]), r.lr = num(f[3]), r.norm = num(f[4]);
    r.tokensPerSecond = num(f[5]);
    if (f.size() >= 7)
      f[6].getAsInteger(10, r.tripCount);
    if (f.size() >= 8)
      f[7].getAsInteger(10, r.gradWindow);
    if (f.size() == 10)
      r.haltLoss = num(f[8]), r.haltSteps = num(f[9]);
    rows.push_back(r);
  }
  return rows;
}

/// Halting's per-row position in the data: the sequence each row holds,
/// how many segments it has run on it, and whether it halted at the last.
struct HaltRows {
  std::vector<int64_t> sample, steps, halted;
  int64_t next = 0; // the next sequence to hand out

  explicit HaltRows(int64_t rows)
      : sample(rows, 0), steps(rows, 0), halted(rows, 1) {}
};

/// Outputs a training entry passes through after the loss and gradients:
/// the carried states, and the halting head's Q values and cross-entropy.
size_t passedThrough(const hrmrt::EntrySpec &spec) {
  return spec.carriedStates().size() + (spec.haltQOutput() ? 1 : 0) +
         (spec.lmLossOutput() ? 1 : 0) + (spec.actPonderOutput() ? 1 : 0);
}

std::string duration(double seconds) {
  int64_t s = static_cast<int64_t>(seconds + 0.5);
  return formatv("{0}:{1:2}:{2:2}", s / 3600, (s / 60) % 60, s % 60)
      .str();
}

} // namespace

/// The batch and gradients of loss_grad's last run, as .npy files.
static Error dumpStep(Model &model, int64_t step) {
  const hrmrt::Manifest &m = model.manifest();
  const hrmrt::EntrySpec *entry = m.findEntry("loss_grad");
  SmallString<256> dir(dumpSteps);
  sys::path::append(dir, "step" + Twine(step));
  if (std::error_code ec = sys::fs::create_directories(dir))
    return createStringError(ec, "cannot create %s", dir.c_str());
  auto path = [&](const Twine &name) {
    SmallString<256> p(dir);
    sys::path::append(p, name);
    return std::string(p);
  };
  const char *inputs[] = {"tokens.npy", "targets.npy"};
  for (size_t i = 0; i < 2; ++i)
    if (Error e = hrmrt::writeNpy(path(inputs[i]), hrmrt::DType::I32,
                                  entry->inputs[i].shape,
                                  model.input("loss_grad", i)))
      return e;
  for (auto [name, input] :
       {std::pair{"noise_draw.npy", entry->noiseDrawInput()},
        std::pair{"trip_count.npy", entry->tripCountInput()},
        std::pair{"grad_window.npy", entry->gradWindowInput()}})
    if (input)
      if (Error e = hrmrt::writeNpy(path(name), hrmrt::DType::I32, {},
                                    model.readInput("loss_grad", *input)))
        return e;
  for (auto [i, p] : llvm::enumerate(m.trainableParams()))
    if (Error e = hrmrt::writeNpy(path("grad." + p->tensor.name + ".npy"),
                                  hrmrt::DType::F32, p->tensor.shape,
                                  model.output("loss_grad", i + 1)))
      return e;
  return Error::success();
}

/// The first optimizer or schedule setting out of its range, as PyTorch's
/// AdamW checks them (a NaN is out of every range).
static std::optional<std::string> badHyperparameter() {
  auto within = [](double v, double lo, double hi, bool hiOpen) {
    return v >= lo && (hiOpen ? v < hi : v <= hi);
  };
  constexpr double inf = std::numeric_limits<double>::infinity();
  struct Range {
    const char *name;
    double value, lo, hi;
    bool hiOpen;
    const char *expected;
  } ranges[] = {
      {"lr", lr, 0, inf, true, "a finite number >= 0"},
      {"weight-decay", weightDecay, 0, inf, true, "a finite number >= 0"},
      {"beta1", beta1, 0, 1, true, "in [0, 1)"},
      {"beta2", beta2, 0, 1, true, "in [0, 1)"},
      {"eps", adamEps, 0, inf, true, "a finite number >= 0"},
      {"clip", clip, 0, inf, false, ">= 0 (0: off)"},
  };
  for (const Range &r : ranges)
    if (!within(r.value, r.lo, r.hi, r.hiOpen))
      return formatv("--{0} must be {1}, got {2}", r.name, r.expected,
                     optionValue(r.value))
          .str();
  // --min-lr's default (-1) means lr / 10.
  if (minLr.getNumOccurrences() && !within(minLr, 0, lr, false))
    return formatv("--min-lr must be in [0, --lr = {0}], got {1}",
                   optionValue(lr), optionValue(minLr))
        .str();
  struct Count {
    const char *name;
    int64_t value;
  } counts[] = {{"warmup", warmup},
                {"val-every", valEvery},
                {"checkpoint-every", checkpointEvery},
                {"stop-after", stopAfter}};
  for (const Count &c : counts)
    if (c.value < 0)
      return formatv("--{0} must be >= 0, got {1}", c.name, c.value).str();
  return std::nullopt;
}

int runTrain() {
  if (dataPath.empty())
    return fail("give the token file with --data (make it with `hrm-run "
                "prepare-data`)");
  if (resume && checkpoint.empty())
    return fail("--resume needs --checkpoint");
  if (lrSchedule != "cosine" && lrSchedule != "constant")
    return fail("--lr-schedule must be cosine or constant, got '" +
                lrSchedule + "'");
  if (optimizerKind != "auto" && optimizerKind != "compiled" &&
      optimizerKind != "host")
    return fail("--optimizer must be auto, compiled or host, got '" +
                optimizerKind + "'");
  if (optimizerKind == "compiled" && !dumpSteps.empty())
    return fail("--dump-steps needs the gradients, which --optimizer "
                "compiled keeps on the device; use --optimizer host");
  if (steps < 1 || valBatches < 1 || !(valFraction > 0 && valFraction < 1))
    return fail("--steps and --val-batches must be >= 1 and --val-fraction "
                "in (0, 1)");
  if (std::optional<std::string> bad = badHyperparameter())
    return fail(*bad);
  SmallString<256> manifestPath(artifact);
  sys::path::append(manifestPath, "manifest.json");
  Expected<hrmrt::Manifest> described = hrmrt::Manifest::load(manifestPath);
  if (!described)
    return fail(described.takeError());
  const hrmrt::Manifest &manifest = *described;
  const hrmrt::EntrySpec *grad = manifest.findEntry("loss_grad");
  const hrmrt::EntrySpec *lossEntry = manifest.findEntry("loss");
  if (!grad || !lossEntry)
    return fail(artifact + " has no training entry point: compile it with "
                           "`hrmc compile --train`");
  // Frozen parameters (HRM's fixed initial states) get no gradient and no
  // optimizer state.
  const std::vector<const hrmrt::ParamSpec *> trainable =
      manifest.trainableParams();
  if (grad->outputs.size() != trainable.size() + 1 + passedThrough(*grad))
    return fail("loss_grad returns " + Twine(grad->outputs.size()) +
                " tensors; expected the loss, one gradient per trainable "
                "parameter and the carried states");
  for (auto [i, p] : llvm::enumerate(trainable))
    if (grad->outputs[i + 1].name != "grad:" + p->tensor.name)
      return fail("loss_grad's output " + Twine(i + 1) + " is '" +
                  grad->outputs[i + 1].name +
                  "'; expected 'grad:" + p->tensor.name + "'");
  const hrmrt::EntrySpec *stepEntry = manifest.findEntry("train_step");
  if (optimizerKind == "compiled" && !stepEntry)
    return fail(artifact + " has no train_step entry point (compiled by an "
                           "older hrmc?); use --optimizer host");
  bool compiled = stepEntry && optimizerKind != "host" && dumpSteps.empty();
  StringRef trainEntry = compiled ? "train_step" : "loss_grad";
  // Only the entries a run uses get buffers: not both the compiled step's
  // and loss_grad's gradient outputs.
  Expected<std::unique_ptr<Model>> loaded =
      loadOnSelectedDevice(artifact, {trainEntry.str(), std::string("loss")});
  if (!loaded)
    return fail(loaded.takeError());
  Model &model = **loaded;
  // train_step's inputs by name: the moments and the hyperparameters.
  std::map<std::string, size_t> stepInput;
  if (compiled) {
    for (auto [i, t] : llvm::enumerate(stepEntry->inputs))
      stepInput[t.name] = i;
    for (const hrmrt::ParamSpec *p : trainable)
      for (const char *kind : {"adam.m.", "adam.v."})
        if (!stepInput.count(kind + p->tensor.name))
          return fail("train_step has no input '" + Twine(kind) +
                      p->tensor.name + "'");
    auto hyper = stepInput.find("adamw");
    if (hyper == stepInput.end() ||
        stepEntry->inputs[hyper->second].numElements() != hrmrt::kAdamWSlots ||
        stepEntry->inputs[hyper->second].dtype != hrmrt::DType::F64 ||
        stepEntry->outputs.size() != 2 + passedThrough(*stepEntry) ||
        stepEntry->outputs[1].dtype != hrmrt::DType::F64)
      return fail("train_step does not take the " + Twine(hrmrt::kAdamWSlots) +
                  " AdamW hyperparameters and return (loss, grad_norm)");
  }
  // Deep supervision (a description's `segments`): each batch trains that
  // many steps in a row.
  const hrmrt::EntrySpec &trainSpec = *manifest.findEntry(trainEntry);
  int64_t segments = trainSpec.segments.value_or(1);
  // Halting (HRM's adaptive computation time): each row runs 1 to
  // `segments` segments on its sequence, as the Q head decides, and takes
  // the next sequence when it halts.
  const std::optional<hrmrt::EntrySpec::HaltSpec> &halt = trainSpec.halt;
  int64_t b = manifest.batch, s = manifest.seqLen;
  HaltRows rows(b);
  const hrmrt::ParamSpec *embed = manifest.findParam("embed");
  int64_t vocab = embed ? embed->tensor.shape[0] : 0;

  Expected<hrmrt::TokenFile> data = hrmrt::TokenFile::read(dataPath);
  if (!data)
    return fail(data.takeError());
  if (static_cast<int64_t>(data->vocabSize) > vocab)
    return fail(dataPath + " has a vocabulary of " + Twine(data->vocabSize) +
                " tokens; the model's is " + Twine(vocab));
  int64_t total = data->tokens.size();
  int64_t window = b * s;
  int64_t valCount = std::max<int64_t>(
      static_cast<int64_t>(total * valFraction), window + 1);
  int64_t trainCount = total - valCount;
  int64_t batchesPerEpoch = (trainCount - 1) / window;
  if (batchesPerEpoch < 1)
    return fail(dataPath + " holds " + Twine(total) +
                " tokens: too few for one batch of " + Twine(b) + " x " +
                Twine(s + 1) + " plus a validation split");
  const int32_t *trainTokens = data->tokens.data();
  const int32_t *valTokens = data->tokens.data() + trainCount;
  int64_t valAvailable = std::min<int64_t>(valBatches, (valCount - 1) / window);
  if (valAvailable < 1)
    return fail("the validation split is too small for one batch");

  // Parameters, optimizer state and position.
  std::vector<hrmrt::TensorSpec> specs;
  for (const hrmrt::ParamSpec *p : trainable)
    specs.push_back(p->tensor);
  hrmrt::AdamW optimizer(specs);
  int64_t start = 0;
  if (resume) {
    auto tensors = hrmrt::readSafetensors(checkpoint);
    if (!tensors)
      return fail(tensors.takeError());
    if (Error e = model.loadParameters(checkpoint))
      return fail(std::move(e));
    std::map<std::string, const HostTensor *> byName;
    for (const HostTensor &t : *tensors)
      byName[t.spec.name] = &t;
    for (HostTensor &m : optimizer.moments()) {
      auto it = byName.find(m.spec.name);
      if (it == byName.end() || it->second->data.size() != m.data.size())
        return fail(checkpoint + ": no optimizer state '" + m.spec.name +
                    "' of the right size");
      m.data = it->second->data;
    }
    if (compiled)
      for (const HostTensor &m : optimizer.moments())
        std::memcpy(model.input("train_step", stepInput[m.spec.name]),
                    m.data.data(), m.data.size());
    auto step = byName.find("train.step");
    auto seedT = byName.find("train.seed");
    auto isCounter = [&](auto it) {
      return it != byName.end() &&
             it->second->spec.dtype == hrmrt::DType::I64 &&
             it->second->data.size() == sizeof(int64_t);
    };
    if (!isCounter(step) || !isCounter(seedT))
      return fail(checkpoint + ": not a training checkpoint (no train.step "
                               "and train.seed, one I64 each)");
    start = step->second->as<int64_t>()[0];
    if (start < 0 || start >= steps)
      return fail(checkpoint + " is at step " + Twine(start) + "; --steps " +
                  Twine(steps.getValue()) +
                  " leaves nothing to train (raise --steps to continue)");
    if (static_cast<uint64_t>(seedT->second->as<int64_t>()[0]) != seed)
      return fail(checkpoint + " was written with --seed " +
                  Twine(seedT->second->as<int64_t>()[0]) +
                  "; resume with the same seed");
    optimizer.setSteps(start);
    if (halt) {
      auto at = byName.find("train.halt.rows");
      auto next = byName.find("train.halt.next");
      if (at == byName.end() || next == byName.end() ||
          at->second->data.size() != size_t(3 * b * 8) ||
          next->second->data.size() != 8)
        return fail(checkpoint +
                    ": no halting state (train.halt.rows, "
                    "train.halt.next) for a batch of " +
                    Twine(b));
      const int64_t *v = at->second->as<int64_t>();
      for (int64_t r = 0; r < b; ++r)
        rows.sample[r] = v[3 * r], rows.steps[r] = v[3 * r + 1],
        rows.halted[r] = v[3 * r + 2];
      rows.next = next->second->as<int64_t>()[0];
    }
    // Rows inside their segments carry their states over the restart.
    if (start % segments != 0 || (halt && start > 0))
      for (auto [in, out] : trainSpec.carriedStates()) {
        auto it = byName.find("train." + trainSpec.inputs[in].name);
        if (it == byName.end() ||
            it->second->data.size() != trainSpec.inputs[in].bytes())
          return fail(checkpoint +
                      ": stopped inside a batch's segments, but "
                      "holds no state 'train." +
                      trainSpec.inputs[in].name + "' of the right size");
        std::memcpy(model.input(trainEntry, in), it->second->data.data(),
                    it->second->data.size());
      }
  } else if (!initParams.empty()) {
    if (Error e = model.loadParameters(initParams))
      return fail(std::move(e));
  } else {
    model.initParameters(seed);
  }
  if (compiled && !resume)
    for (const HostTensor &m : optimizer.moments())
      std::memset(model.input("train_step", stepInput[m.spec.name]), 0,
                  m.data.size());
  // The runtime's AdamW works on the host mirror of the parameters.
  std::vector<float *> params;
  std::vector<const float *> grads;
  if (!compiled) {
    for (const hrmrt::ParamSpec *p : trainable)
      params.push_back(static_cast<float *>(model.param(p->tensor.name)));
    for (size_t i = 0; i < trainable.size(); ++i)
      grads.push_back(
          static_cast<const float *>(model.output("loss_grad", i + 1)));
  }

  hrmrt::AdamWConfig config;
  config.lr = lr;
  config.minLr = minLr >= 0 ? minLr : lr / 10;
  config.warmup = warmup;
  config.totalSteps = steps;
  config.cosine = lrSchedule == "cosine";
  config.weightDecay = weightDecay;
  config.beta1 = beta1, config.beta2 = beta2, config.eps = adamEps;
  config.clipNorm = clip;

  auto saveCheckpoint = [&](int64_t step) -> Error {
    if (checkpoint.empty())
      return Error::success();
    // The compiled optimizer's state is on the model's device.
    if (Error e = model.syncToHost())
      return e;
    std::vector<HostTensor> owned;
    owned.reserve(manifest.params.size() + 2);
    for (const hrmrt::ParamSpec &spec : manifest.params) {
      HostTensor t;
      t.spec = spec.tensor;
      const auto *data = static_cast<const char *>(
          std::as_const(model).param(spec.tensor.name));
      t.data.assign(data, data + spec.tensor.bytes());
      owned.push_back(std::move(t));
    }
    if (compiled)
      for (HostTensor &m : optimizer.moments()) {
        const auto *data = static_cast<const char *>(
            model.readInput("train_step", stepInput[m.spec.name]));
        m.data.assign(data, data + m.data.size());
      }
    // Mid-batch (or, halting, always), the states the next segment
    // starts from.
    if (step % segments != 0 || halt)
      for (auto [in, out] : trainSpec.carriedStates()) {
        HostTensor t;
        t.spec = trainSpec.inputs[in];
        t.spec.name = "train." + t.spec.name;
        const auto *data =
            static_cast<const char *>(model.output(trainEntry, out));
        t.data.assign(data, data + t.spec.bytes());
        owned.push_back(std::move(t));
      }
    if (halt) {
      HostTensor at, next;
      at.spec = {"train.halt.rows", hrmrt::DType::I64, {b, 3}};
      next.spec = {"train.halt.next", hrmrt::DType::I64, {1}};
      std::vector<int64_t> v;
      for (int64_t r = 0; r < b; ++r)
        v.insert(v.end(), {rows.sample[r], rows.steps[r], rows.halted[r]});
      at.data.resize(v.size() * 8);
      std::memcpy(at.data.data(), v.data(), at.data.size());
      next.data.resize(8);
      std::memcpy(next.data.data(), &rows.next, 8);
      owned.push_back(std::move(at));
      owned.push_back(std::move(next));
    }
    for (auto [name, value] :
         {std::pair<const char *, int64_t>{"train.step", step},
          {"train.seed", static_cast<int64_t>(seed)}}) {
      HostTensor t;
      t.spec = {name, hrmrt::DType::I64, {1}};
      t.data.resize(8);
      std::memcpy(t.data.data(), &value, 8);
      owned.push_back(std::move(t));
    }
    std::vector<const HostTensor *> all;
    for (const HostTensor &t : owned)
      all.push_back(&t);
    for (const HostTensor &t : optimizer.moments())
      all.push_back(&t);
    return hrmrt::writeSafetensors(
        checkpoint, all,
        {{"format", "hrm-checkpoint"},
         {"model", manifest.model},
         {"data_position", std::to_string(step * window)}});
  };

  // Batch `k` of the run: a batch index of epoch k / batchesPerEpoch,
  // through that epoch's permutation (seeded by the seed and the epoch), so
  // the order depends on the step alone and a resumed run sees the same.
  std::vector<int64_t> order;
  int64_t orderEpoch = -1;
  auto batchStart = [&](int64_t k) {
    int64_t epoch = k / batchesPerEpoch;
    if (epoch != orderEpoch) {
      order.resize(batchesPerEpoch);
      std::iota(order.begin(), order.end(), 0);
      std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ULL + epoch);
      for (int64_t i = batchesPerEpoch - 1; i > 0; --i)
        std::swap(order[i], order[std::uniform_int_distribution<int64_t>(
                                0, i)(rng)]);
      orderEpoch = epoch;
    }
    return order[k % batchesPerEpoch] * window;
  };
  auto fill = [&](StringRef entry, const int32_t *tokens, int64_t at) {
    auto *in = static_cast<int32_t *>(model.input(entry, 0));
    auto *tg = static_cast<int32_t *>(model.input(entry, 1));
    for (int64_t i = 0; i < window; ++i) {
      in[i] = tokens[at + i];
      tg[i] = tokens[at + i + 1];
    }
  };
  // Halting: sequence n is row n % B of batch n / B of the run's order.
  auto fillRow = [&](StringRef entry, int64_t row, int64_t n) {
    int64_t at = batchStart(n / b) + (n % b) * s;
    auto *in = static_cast<int32_t *>(model.input(entry, 0)) + row * s;
    auto *tg = static_cast<int32_t *>(model.input(entry, 1)) + row * s;
    for (int64_t i = 0; i < s; ++i) {
      in[i] = trainTokens[at + i];
      tg[i] = trainTokens[at + i + 1];
    }
  };
  size_t valLoss = lossEntry->lmLossOutput().value_or(0);
  auto validate = [&]() -> Expected<double> {
    double sum = 0;
    for (int64_t k = 0; k < valAvailable; ++k) {
      fill("loss", valTokens, k * window);
      // Deep supervision: the last segment's loss (under halting, its
      // cross-entropy, every row running all segments).
      if (Error e = model.runSegments("loss"))
        return std::move(e);
      sum += *static_cast<const float *>(model.output("loss", valLoss));
    }
    return sum / valAvailable;
  };

  std::vector<Row> history;
  if (!logPath.empty())
    history = resume ? readLog(logPath, start) : std::vector<Row>{};
  auto writeLog = [&]() -> Error {
    if (logPath.empty())
      return Error::success();
    std::string text = std::string(kCsvHeader) + "\n";
    for (const Row &r : history)
      text += csvLine(r) + "\n";
    return hrmrt::writeFileAtomically(
        logPath, [&](raw_ostream &os) { os << text; });
  };
  auto writePlot = [&]() -> Error {
    if (plotPath.empty())
      return Error::success();
    hrmrt::Series train{"train", {31, 119, 180}, {}},
        val{"validation", {255, 127, 14}, {}};
    for (const Row &r : history) {
      train.points.push_back({double(r.step), r.loss});
      if (!std::isnan(r.val))
        val.points.push_back({double(r.step), r.val});
    }
    return hrmrt::writeLinePlot(plotPath, {train, val});
  };

  const std::optional<hrmrt::TripCountSpec> &tripCount =
      manifest.findEntry(trainEntry)->tripCount;
  const std::optional<hrmrt::GradWindowSpec> &gradWindow =
      manifest.findEntry(trainEntry)->gradWindow;
  int32_t lastWindow = 0;
  bool tty = sys::Process::StandardErrIsDisplayed();
  int64_t lineEvery = std::max<int64_t>(1, steps / 20);
  auto began = std::chrono::steady_clock::now();
  errs() << formatv("training {0} from step {1} to {2}: batch {3} x {4}, "
                    "{5} train / {6} validation tokens, {7} batches per "
                    "epoch, on {8}, AdamW {9}\n",
                    manifest.model, start, steps.getValue(), b, s, trainCount,
                    valCount, batchesPerEpoch, model.deviceName(),
                    compiled ? "compiled (train_step)" : "on the host");
  if (halt)
    errs() << formatv("halting: each sequence runs 1 to {0} segments, one "
                      "step each, until the Q head halts it (exploration "
                      "{1})\n",
                      segments, halt->exploration);
  else if (segments > 1)
    errs() << formatv("deep supervision: each batch trains {0} steps in a "
                      "row (segments), the states carried from one to the "
                      "next\n",
                      segments);
  int64_t ran = 0;
  int64_t peakHeap = -1;
  for (int64_t step = start; step < steps; ++step) {
    auto t0 = std::chrono::steady_clock::now();
    // Deep supervision: a batch for `segments` steps, each from the states
    // the last ended with (restored from the checkpoint after a resume).
    std::vector<int32_t> reset(b), lastRow(b);
    if (halt) {
      for (int64_t r = 0; r < b; ++r) {
        if (rows.halted[r]) {
          rows.sample[r] = rows.next++;
          rows.steps[r] = 0;
          reset[r] = 1;
        }
        lastRow[r] = ++rows.steps[r] >= segments;
        fillRow(trainEntry, r, rows.sample[r]);
      }
      model.beginSegment(trainEntry, reset, /*carry=*/step != start);
      model.setHaltLast(trainEntry, lastRow);
    } else {
      fill(trainEntry, trainTokens, batchStart(step / segments));
      model.beginSegment(trainEntry, step % segments == 0,
                         /*carry=*/step != start);
    }
    // Fresh noise each step (a noise initial state); the step alone picks
    // it, so a resumed run draws what the uninterrupted one did.
    model.setNoiseDraw(trainEntry, static_cast<int32_t>(step + 1));
    // So is the loop's count, where training samples it (Huginn).
    int32_t trip = 0;
    if (tripCount) {
      trip = tripCount->sample(seed, step + 1);
      model.setTripCount(trainEntry, trip);
    }
    // And the gradient window, where training warms it up (HRM-Text).
    int32_t k = 0;
    if (gradWindow) {
      k = gradWindow->at(step, steps);
      model.setGradWindow(trainEntry, k);
      if (k != lastWindow)
        errs() << formatv("step {0}: gradient window k = {1}\n", step + 1, k);
      lastWindow = k;
    }
    double rate = hrmrt::learningRate(config, optimizer.steps());
    if (compiled) {
      auto hyper = hrmrt::adamwHyperparameters(config, optimizer.steps());
      std::memcpy(model.input("train_step", stepInput["adamw"]), hyper.data(),
                  sizeof(hyper));
    }
    if (Error e = model.run(trainEntry))
      return fail(std::move(e));
    if (std::optional<Model::HeapUse> use = model.lastHeapUse())
      peakHeap = std::max(peakHeap, use->peakBytes);
    if (!dumpSteps.empty())
      if (Error e = dumpStep(model, step + 1))
        return fail(std::move(e));
    double loss = *static_cast<const float *>(model.output(trainEntry, 0));
    if (!std::isfinite(loss))
      return fail("the loss is " + formatv("{0}", loss).str() + " at step " + Twine(step + 1) +
                  "; lower --lr or raise --warmup");
    double norm;
    if (compiled) {
      norm = *static_cast<const double *>(model.output("train_step", 1));
      optimizer.setSteps(optimizer.steps() + 1);
    } else {
      norm = optimizer.step(config, params, grads);
      model.parametersChanged(); // written through `params`
    }
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
            .count();
    Row row{step + 1, loss, NAN, rate, norm, window / seconds, trip, k};
    if (halt) {
      // HRM's rule: halt at the last allowed segment, or where the head's
      // halt logit beats its continue logit once the row has run its least
      // count (2 to `segments` with the exploration probability, else 0).
      // The draw depends on the step and row alone, so --resume redraws it.
      const auto *q = static_cast<const float *>(
          model.output(trainEntry, *trainSpec.haltQOutput()));
      double halted = 0, sum = 0;
      for (int64_t r = 0; r < b; ++r) {
        std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ULL ^
                            uint64_t(step + 1) * 0xD1B54A32D192ED03ULL ^
                            uint64_t(r));
        int64_t least = 0;
        if (std::uniform_real_distribution<double>(0, 1)(rng) <
            halt->exploration)
          least = std::uniform_int_distribution<int64_t>(2, segments)(rng);
        rows.halted[r] =
            lastRow[r] || (q[2 * r] > q[2 * r + 1] && rows.steps[r] >= least);
        if (rows.halted[r])
          halted += 1, sum += rows.steps[r];
      }
      row.haltSteps = halted > 0 ? sum / halted : NAN;
    }
    // HRM's halting head and ACT's ponder cost add to the cross-entropy:
    // log it alone, as validation does, and their share apart.
    if (std::optional<size_t> lm = trainSpec.lmLossOutput()) {
      row.loss = *static_cast<const float *>(model.output(trainEntry, *lm));
      row.haltLoss = loss - row.loss;
    }
    if (std::optional<size_t> ponder = trainSpec.actPonderOutput())
      row.haltSteps =
          *static_cast<const float *>(model.output(trainEntry, *ponder));
    bool last = step + 1 == steps;
    if ((valEvery > 0 && (step + 1) % valEvery == 0) || last) {
      Expected<double> v = validate();
      if (!v)
        return fail(v.takeError());
      row.val = *v;
    }
    history.push_back(row);
    ++ran;

    double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - began)
            .count();
    double eta = elapsed / ran * (steps - step - 1);
    std::string status = formatv(
        "step {0}/{1} loss {2:F4}{3} lr {4:E2} {5:F0} tok/s ETA {6}", step + 1,
        steps.getValue(), row.loss,
        (std::isnan(row.val) ? std::string()
                             : formatv(" val {0:F4}", row.val).str()) +
            (std::isnan(row.haltSteps) ? std::string()
             : halt ? formatv(" halted at {0:F1} segments", row.haltSteps).str()
                    : formatv(" ponder {0:F2} steps", row.haltSteps).str()),
        rate, ran * window / elapsed, duration(eta));
    if (tty) {
      int width = 30, done = static_cast<int>(width * (step + 1) / steps);
      errs() << "\r[" << std::string(done, '=')
             << std::string(width - done, ' ') << "] " << status << "\033[K";
    } else if ((step + 1) % lineEvery == 0 || last || !std::isnan(row.val)) {
      errs() << "[" << (step + 1) * 100 / steps << "%] " << status << "\n";
    }

    bool stopping = stopAfter > 0 && ran == stopAfter;
    if ((checkpointEvery > 0 && (step + 1) % checkpointEvery == 0) || last) {
      if (Error e = saveCheckpoint(step + 1))
        return fail(std::move(e));
    }
    if (Error e = writeLog())
      return fail(std::move(e));
    if (stopping) {
      if (tty)
        errs() << "\n";
      errs() << "stopped after " << ran << " steps (--stop-after)\n";
      return 0;
    }
  }
  if (tty)
    errs() << "\n";
  if (Error e = writePlot())
    return fail(std::move(e));
  if (!checkpoint.empty())
    outs() << "checkpoint: " << checkpoint << " (step " << steps << ")\n";
  outs() << formatv("final: train loss {0:F4}, validation loss {1:F4}\n",
                    history.back().loss, history.back().val);
  if (peakHeap >= 0) {
    size_t momentBytes = 0;
    for (const hrmrt::HostTensor &t : optimizer.moments())
      momentBytes += t.data.size();
    constexpr double mib = 1024.0 * 1024.0;
    outs() << formatv(
        "memory: peak activations {0:F2} MiB (the heap of "
        "{3}), arena {1:F2} MiB (parameters, batches, "
        "{4}), AdamW moments {2:F2} MiB{5}\n",
        peakHeap / mib, model.arenaBytes() / mib, momentBytes / mib, trainEntry,
        compiled ? "moments" : "gradients", compiled ? " (in the arena)" : "");
  }
  return 0;
}
