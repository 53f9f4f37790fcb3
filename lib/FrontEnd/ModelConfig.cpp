//===- ModelConfig.cpp - model descriptions -------------------------------===//
#include "hrmc/FrontEnd/ModelConfig.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cmath>
#include <optional>

using namespace hrmc;
using namespace mlir::hrm;
namespace json = llvm::json;

namespace {

/// Reads typed keys from one JSON object, remembering which keys were asked
/// for so that any other key can be reported as unknown. Keeps the first
/// error only: one clear message beats a cascade.
class ObjectReader {
public:
  ObjectReader(const json::Object &object, std::string prefix,
               std::optional<std::string> &error, llvm::StringRef source)
      : object(object), prefix(std::move(prefix)), error(error),
        source(source) {}

  bool fail(llvm::StringRef key, const llvm::Twine &message) {
    if (!error)
      error = (source + ": key '" + prefix + key + "': " + message).str();
    return false;
  }

  const json::Value *get(llvm::StringRef key, bool required) {
    known.insert(key);
    const json::Value *value = object.get(key);
    if (!value && required)
      fail(key, "is required but missing");
    return value;
  }

  void integer(llvm::StringRef key, int64_t &out, bool required,
               int64_t min = 1) {
    const json::Value *value = get(key, required);
    if (!value)
      return;
    std::optional<int64_t> v = value->getAsInteger();
    if (!v)
      fail(key, llvm::formatv("expected an integer, got {0}", *value));
    else if (*v < min)
      fail(key, llvm::formatv("must be >= {0}, got {1}", min, *v));
    else
      out = *v;
  }

  void positiveNumber(llvm::StringRef key, double &out) {
    const json::Value *value = get(key, false);
    if (!value)
      return;
    std::optional<double> v = value->getAsNumber();
    if (!v)
      fail(key, llvm::formatv("expected a number, got {0}", *value));
    else if (!(*v > 0.0) || !std::isfinite(*v))
      fail(key, llvm::formatv("must be a positive number, got {0}", *v));
    else
      out = *v;
  }

  void boolean(llvm::StringRef key, bool &out) {
    const json::Value *value = get(key, false);
    if (!value)
      return;
    if (std::optional<bool> v = value->getAsBoolean())
      out = *v;
    else
      fail(key, llvm::formatv("expected true or false, got {0}", *value));
  }

  std::optional<llvm::StringRef> string(llvm::StringRef key, bool required) {
    const json::Value *value = get(key, required);
    if (!value)
      return std::nullopt;
    std::optional<llvm::StringRef> v = value->getAsString();
    if (!v)
      fail(key, llvm::formatv("expected a string, got {0}", *value));
    return v;
  }

  template <typename E>
  void choice(llvm::StringRef key, E &out,
              llvm::ArrayRef<std::pair<llvm::StringRef, E>> choices,
              bool required = false) {
    std::optional<llvm::StringRef> v = string(key, required);
    if (!v)
      return;
    for (const auto &[name, value] : choices)
      if (name == *v) {
        out = value;
        return;
      }
    std::string names;
    for (const auto &[name, value] : choices)
      names += (names.empty() ? "" : ", ") + name.str();
    fail(key, llvm::formatv("unknown value \"{0}\", expected one of: {1}", *v,
                            names));
  }

  const json::Object *nestedObject(llvm::StringRef key) {
    const json::Value *value = get(key, false);
    if (!value)
      return nullptr;
    const json::Object *v = value->getAsObject();
    if (!v)
      fail(key, llvm::formatv("expected an object, got {0}", *value));
    return v;
  }

  /// Reports the first key that no read asked for.
  void rejectUnknown(llvm::StringRef context) {
    for (const auto &entry : object)
      if (!known.contains(entry.first))
        fail(entry.first, "unknown key for " + context);
  }

private:
  const json::Object &object;
  std::string prefix;
  std::optional<std::string> &error;
  llvm::StringRef source;
  llvm::StringSet<> known;
};

/// Splits "kind(3)" into ("kind", 3); "kind" into ("kind", nullopt).
/// Returns false on malformed text.
bool splitKindCount(llvm::StringRef text, llvm::StringRef &kind,
                    std::optional<int64_t> &count) {
  count.reset();
  size_t open = text.find('(');
  if (open == llvm::StringRef::npos) {
    kind = text;
    return true;
  }
  kind = text.take_front(open);
  llvm::StringRef digits = text.drop_front(open + 1);
  if (!digits.consume_back(")"))
    return false;
  int64_t value;
  if (digits.getAsInteger(10, value))
    return false;
  count = value;
  return true;
}

void readSchedule(const json::Object &object,
                  LoopSchedule &schedule, std::optional<std::string> &error,
                  llvm::StringRef source) {
  ObjectReader reader(object, "schedule.", error, source);
  llvm::StringRef kind;
  std::optional<int64_t> count;
  if (std::optional<llvm::StringRef> unroll = reader.string("unroll", false)) {
    if (!splitKindCount(*unroll, kind, count))
      reader.fail("unroll", "malformed value \"" + *unroll + "\"");
    else if (kind == "rolled" && !count)
      schedule.unroll = UnrollKind::rolled;
    else if (kind == "full" && !count)
      schedule.unroll = UnrollKind::full;
    else if (kind == "factor" && count && *count >= 1)
      schedule = {UnrollKind::factor, *count, schedule.grad,
                  schedule.gradSteps, schedule.memory};
    else
      reader.fail("unroll", "unknown value \"" + *unroll +
                                "\", expected rolled, full or factor(k) "
                                "with k >= 1");
  }
  if (std::optional<llvm::StringRef> grad = reader.string("grad", false)) {
    if (!splitKindCount(*grad, kind, count))
      reader.fail("grad", "malformed value \"" + *grad + "\"");
    else if (kind == "full" && !count)
      schedule.grad = GradKind::full;
    else if (kind == "one_step" && !count)
      schedule.grad = GradKind::one_step;
    else if (kind == "truncated" && count && *count >= 1) {
      schedule.grad = GradKind::truncated;
      schedule.gradSteps = *count;
    } else if (kind == "slow_first" && count && *count >= 2) {
      schedule.grad = GradKind::slow_first;
      schedule.gradSteps = *count;
    } else
      reader.fail("grad", "unknown value \"" + *grad +
                              "\", expected full, one_step, truncated(k) "
                              "with k >= 1 or slow_first(k) with k >= 2");
  }
  reader.choice<MemoryPolicy>(
      "memory", schedule.memory,
      {{"keep", MemoryPolicy::keep}, {"recompute", MemoryPolicy::recompute}});
  reader.rejectUnknown("a schedule (unroll, grad, memory)");
}

void readTripCount(const json::Object &object, TripCountSampling &sampling,
                   std::optional<std::string> &error, llvm::StringRef source) {
  using Kind = TripCountSampling::Kind;
  ObjectReader reader(object, "train_trip_count.", error, source);
  reader.choice<Kind>("distribution", sampling.kind,
                      {{"lognormal_poisson", Kind::LogNormalPoisson},
                       {"uniform", Kind::Uniform}},
                      /*required=*/true);
  if (sampling.kind == Kind::LogNormalPoisson) {
    if (reader.get("mean", true))
      reader.positiveNumber("mean", sampling.mean);
    reader.positiveNumber("sigma", sampling.sigma);
  }
  reader.integer("min", sampling.min, false);
  // Bounds the compute of a step: a log-normal rate has a long tail.
  reader.integer("max", sampling.max, true);
  reader.rejectUnknown("train_trip_count (distribution, mean, sigma, min, "
                       "max)");
  if (!error && sampling.min > sampling.max)
    reader.fail("min", llvm::formatv("{0} exceeds max = {1}", sampling.min,
                                     sampling.max));
}

void readGradWarmup(const json::Object &object, GradWarmup &warmup,
                    std::optional<std::string> &error, llvm::StringRef source) {
  ObjectReader reader(object, "grad_warmup.", error, source);
  reader.integer("from", warmup.from, true);
  if (reader.get("fraction", true))
    reader.positiveNumber("fraction", warmup.fraction);
  reader.rejectUnknown("grad_warmup (from, fraction)");
  if (!error && warmup.fraction > 1.0)
    reader.fail("fraction", llvm::formatv("must be at most 1 (the whole run), "
                                          "got {0}",
                                          warmup.fraction));
}

void readHalting(const json::Object &object, Halting &halting,
                 std::optional<std::string> &error, llvm::StringRef source) {
  ObjectReader reader(object, "halting.", error, source);
  if (const json::Value *value = reader.get("exploration", false)) {
    std::optional<double> v = value->getAsNumber();
    if (!v || !(*v >= 0.0 && *v <= 1.0))
      reader.fail(
          "exploration",
          llvm::formatv("must be a probability in [0, 1], got {0}", *value));
    else
      halting.exploration = *v;
  }
  bool last = false;
  reader.choice<bool>("position", last, {{"first", false}, {"last", true}});
  halting.lastPosition = last;
  reader.positiveNumber("loss_weight", halting.lossWeight);
  reader.rejectUnknown("halting (exploration, position, loss_weight)");
}

void readAct(const json::Object &object, Act &act,
             std::optional<std::string> &error, llvm::StringRef source) {
  ObjectReader reader(object, "act.", error, source);
  if (const json::Value *value = reader.get("threshold", false)) {
    std::optional<double> v = value->getAsNumber();
    if (!v || !(*v > 0.0 && *v <= 1.0))
      reader.fail("threshold",
                  llvm::formatv("must be in (0, 1], got {0}", *value));
    else
      act.threshold = *v;
  }
  if (const json::Value *value = reader.get("ponder_weight", false)) {
    std::optional<double> v = value->getAsNumber();
    if (!v || !(*v >= 0.0))
      reader.fail("ponder_weight",
                  llvm::formatv("must be a number >= 0, got {0}", *value));
    else
      act.ponderWeight = *v;
  }
  if (const json::Value *value = reader.get("bias_init", false)) {
    if (std::optional<double> v = value->getAsNumber())
      act.biasInit = *v;
    else
      reader.fail("bias_init",
                  llvm::formatv("must be a number, got {0}", *value));
  }
  reader.rejectUnknown("act (threshold, ponder_weight, bias_init)");
}

/// The 1-based steps that tap, in increasing order (checked against the
/// count once it is known).
void readTapSteps(ObjectReader &r, llvm::StringRef key,
                  const json::Array &steps, ModelConfig &c) {
  for (const json::Value &step : steps) {
    std::optional<int64_t> s = step.getAsInteger();
    if (!s || *s < 1 || (!c.tapSteps.empty() && *s <= c.tapSteps.back())) {
      r.fail(key, llvm::formatv("the steps that tap must be increasing "
                                "integers >= 1, got {0}",
                                step));
      return;
    }
    c.tapSteps.push_back(*s);
  }
  if (c.tapSteps.empty())
    r.fail(key, "lists no step; use \"last\" for the last step's loss "
                "alone");
}

/// `loss_taps`: "last", "every_step", the steps that tap (their losses
/// averaged), or {"steps": [...], "weights": [...]} (weighted).
void readLossTaps(ObjectReader &r, ModelConfig &c,
                  std::optional<std::string> &error, llvm::StringRef source) {
  const json::Value *value = r.get("loss_taps", false);
  if (value && value->getAsArray()) {
    c.lossTaps = LossTaps::Steps;
    readTapSteps(r, "loss_taps", *value->getAsArray(), c);
    return;
  }
  if (!value || !value->getAsObject()) {
    r.choice<LossTaps>(
        "loss_taps", c.lossTaps,
        {{"last", LossTaps::Last}, {"every_step", LossTaps::EveryStep}});
    return;
  }
  c.lossTaps = LossTaps::Steps;
  ObjectReader taps(*value->getAsObject(), "loss_taps.", error, source);
  const json::Value *steps = taps.get("steps", true);
  const json::Value *weights = taps.get("weights", true);
  taps.rejectUnknown("loss_taps (steps, weights)");
  if (!steps || !weights || error)
    return;
  if (!steps->getAsArray() || !weights->getAsArray()) {
    taps.fail(steps->getAsArray() ? "weights" : "steps", "expected a list");
    return;
  }
  readTapSteps(taps, "steps", *steps->getAsArray(), c);
  for (const json::Value &w : *weights->getAsArray()) {
    std::optional<double> v = w.getAsNumber();
    if (!v || !(*v >= 0.0) || !std::isfinite(*v)) {
      taps.fail("weights", llvm::formatv("must be numbers >= 0, got {0}", w));
      return;
    }
    c.tapWeights.push_back(*v);
  }
  if (!error && c.tapWeights.size() != c.tapSteps.size())
    taps.fail("weights",
              llvm::formatv("{0} weights for {1} steps; give one per step",
                            c.tapWeights.size(), c.tapSteps.size()));
  else if (!error &&
           llvm::all_of(c.tapWeights, [](double w) { return w == 0; }))
    taps.fail("weights", "are all 0: the loss would be 0, with no gradient");
}

} // namespace

llvm::StringRef hrmc::stringifyArchitecture(Architecture arch) {
  switch (arch) {
  case Architecture::HRM:
    return "hrm";
  case Architecture::Transformer:
    return "transformer";
  case Architecture::Universal:
    return "universal";
  case Architecture::Looped:
    return "looped";
  case Architecture::FullyLooped:
    return "fully_looped";
  case Architecture::RecurrentDepth:
    return "recurrent_depth";
  }
  llvm_unreachable("unknown architecture");
}

int64_t ModelConfig::mlpHidden() const {
  double width = mlpExpansion * static_cast<double>(dModel);
  if (mlp == MlpKind::swiglu)
    width = width * 2.0 / 3.0;
  auto hidden = static_cast<int64_t>(std::ceil(width - 1e-9));
  return (hidden + mlpMultipleOf - 1) / mlpMultipleOf * mlpMultipleOf;
}

llvm::Expected<ModelConfig> hrmc::parseModelConfig(llvm::StringRef text,
                                                   llvm::StringRef source) {
  llvm::Expected<json::Value> parsed = json::parse(text);
  if (!parsed)
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(), "%s: invalid JSON: %s",
        source.str().c_str(), llvm::toString(parsed.takeError()).c_str());
  const json::Object *root = parsed->getAsObject();
  if (!root)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "%s: a model description must be a JSON "
                                   "object",
                                   source.str().c_str());

  ModelConfig c;
  c.source = source.str();
  std::optional<std::string> error;
  ObjectReader r(*root, "", error, source);

  if (std::optional<llvm::StringRef> name = r.string("name", false))
    c.name = name->str();
  r.choice<Architecture>("architecture", c.architecture,
                         {{"hrm", Architecture::HRM},
                          {"transformer", Architecture::Transformer},
                          {"universal", Architecture::Universal},
                          {"looped", Architecture::Looped},
                          {"fully_looped", Architecture::FullyLooped},
                          {"recurrent_depth", Architecture::RecurrentDepth}},
                         /*required=*/true);
  if (error)
    return llvm::createStringError(llvm::inconvertibleErrorCode(), *error);

  r.integer("vocab_size", c.vocabSize, true, 2);
  r.integer("d_model", c.dModel, true);
  r.integer("n_heads", c.nHeads, true);
  r.integer("max_seq_len", c.maxSeqLen, true);
  r.choice<MlpKind>("mlp", c.mlp,
                    {{"swiglu", MlpKind::swiglu}, {"gelu", MlpKind::gelu}});
  r.positiveNumber("mlp_expansion", c.mlpExpansion);
  r.integer("mlp_multiple_of", c.mlpMultipleOf, false);
  r.choice<NormPlacement>("norm", c.norm,
                          {{"pre", NormPlacement::Pre},
                           {"post", NormPlacement::Post},
                           {"sandwich", NormPlacement::Sandwich}});
  r.boolean("final_norm", c.finalNorm);
  r.boolean("norm_weight", c.normWeight);
  r.positiveNumber("norm_eps", c.normEps);
  r.choice<MaskKind>("attention_mask", c.mask,
                     {{"causal", MaskKind::causal},
                      {"bidirectional", MaskKind::bidirectional},
                      {"prefix", MaskKind::prefix}});
  if (c.mask == MaskKind::prefix)
    r.integer("prefix_len", c.prefixLen, true, 0);
  r.boolean("rope", c.rope);
  r.positiveNumber("rope_theta", c.ropeTheta);
  r.boolean("embed_scale", c.embedScale);
  r.boolean("tie_embeddings", c.tieEmbeddings);
  r.positiveNumber("init_std", c.initStd);

  switch (c.architecture) {
  case Architecture::HRM:
    r.integer("fast_layers", c.fastLayers, true);
    r.integer("slow_layers", c.slowLayers, true);
    r.integer("N", c.n, true);
    r.integer("T", c.t, true);
    r.choice<Injection>("injection", c.injection,
                        {{"add", Injection::Add},
                         {"concat_linear", Injection::ConcatLinear},
                         {"none", Injection::None}});
    r.choice<FastInjection>("fast_injection", c.fastInjection,
                            {{"slow+input", FastInjection::SlowAndInput},
                             {"slow", FastInjection::Slow}});
    r.choice<StateInit>("fast_init", c.fastInit,
                        {{"zeros", StateInit::Zeros},
                         {"fixed", StateInit::Fixed},
                         {"embedding", StateInit::Embedding}});
    r.choice<StateInit>("slow_init", c.slowInit,
                        {{"zeros", StateInit::Zeros},
                         {"fixed", StateInit::Fixed},
                         {"embedding", StateInit::Embedding}});
    r.boolean("train_initial_states", c.trainInitialStates);
    r.integer("segments", c.segments, false);
    if (const json::Object *halting = r.nestedObject("halting"))
      readHalting(*halting, c.halting.emplace(), error, source);
    break;
  case Architecture::Transformer:
    r.integer("n_layers", c.layers, true);
    break;
  case Architecture::Universal:
    c.layers = 1;
    r.integer("n_layers", c.layers, false);
    r.integer("steps", c.steps, true);
    r.boolean("step_embedding", c.stepEmbedding);
    break;
  case Architecture::Looped:
  case Architecture::FullyLooped:
    r.integer("n_layers", c.layers, true);
    r.integer("loops", c.steps, true);
    break;
  case Architecture::RecurrentDepth:
    r.integer("prelude_layers", c.preludeLayers, true);
    r.integer("core_layers", c.coreLayers, true);
    r.integer("coda_layers", c.codaLayers, true);
    r.integer("steps", c.steps, true);
    r.choice<StateInit>("state_init", c.stateInit,
                        {{"noise", StateInit::Noise},
                         {"zeros", StateInit::Zeros}});
    r.positiveNumber("state_std", c.stateStd);
    r.integer("state_seed", c.stateSeed, false, 0);
    break;
  }

  if (c.hasLoop()) {
    if (const json::Object *schedule = r.nestedObject("schedule"))
      readSchedule(*schedule, c.schedule, error, source);
  }
  if (c.architecture == Architecture::Looped ||
      c.architecture == Architecture::FullyLooped ||
      c.architecture == Architecture::RecurrentDepth)
    if (const json::Object *trip = r.nestedObject("train_trip_count"))
      readTripCount(*trip, c.trainTripCount.emplace(), error, source);
  if (c.architecture == Architecture::Universal ||
      c.architecture == Architecture::Looped ||
      c.architecture == Architecture::FullyLooped)
    if (const json::Object *act = r.nestedObject("act"))
      readAct(*act, c.act.emplace(), error, source);
  if (c.architecture != Architecture::Transformer)
    readLossTaps(r, c, error, source);
  if (c.hasLoop())
    if (const json::Object *warmup = r.nestedObject("grad_warmup"))
      readGradWarmup(*warmup, c.gradWarmup.emplace(), error, source);
  r.rejectUnknown(("a '" + stringifyArchitecture(c.architecture) +
                   "' description")
                      .str());
  if (error)
    return llvm::createStringError(llvm::inconvertibleErrorCode(), *error);

  // Constraints between keys.
  if (c.dModel % c.nHeads != 0)
    r.fail("n_heads", llvm::formatv("d_model = {0} is not divisible by "
                                    "n_heads = {1}",
                                    c.dModel, c.nHeads));
  else if (c.rope && (c.dModel / c.nHeads) % 2 != 0)
    r.fail("n_heads", llvm::formatv("RoPE needs an even head size; d_model / "
                                    "n_heads = {0}",
                                    c.dModel / c.nHeads));
  if (c.mask == MaskKind::prefix && c.prefixLen > c.maxSeqLen)
    r.fail("prefix_len", llvm::formatv("{0} exceeds max_seq_len = {1}",
                                       c.prefixLen, c.maxSeqLen));
  if (c.injection == Injection::None &&
      c.fastInjection != FastInjection::SlowAndInput)
    r.fail("fast_injection", "chooses what injection adds or concatenates; "
                             "injection = \"none\" injects nothing");
  // A model that never reads its tokens computes the same logits at every
  // position, whatever the text.
  else if (c.architecture == Architecture::HRM &&
           c.injection == Injection::None && c.slowInit != StateInit::Embedding)
    r.fail("injection", "the model would never read its tokens: without "
                        "injection the slow module, whose state makes the "
                        "logits, sees only its initial state; set slow_init "
                        "= \"embedding\"");
  else if (c.architecture == Architecture::HRM &&
           c.fastInjection == FastInjection::Slow &&
           c.fastInit != StateInit::Embedding &&
           c.slowInit != StateInit::Embedding)
    r.fail("fast_injection",
           "the model would never read its tokens: the input enters through "
           "the fast module's injection (`slow+input`) or an initial state "
           "= \"embedding\"");
  if (c.hasLoop()) {
    bool hrm = c.architecture == Architecture::HRM;
    const LoopSchedule &s = c.schedule;
    std::string problem = diagnoseLoopSchedule(
        s.unroll, s.unrollFactor, s.grad, s.gradSteps, hrm ? c.n : c.steps,
        hrm ? "N" : "steps", hrm ? c.t : 1, hrm ? c.n * c.t + c.n : c.steps);
    if (!problem.empty())
      r.fail("schedule", problem);
    else if (s.grad == GradKind::slow_first && !hrm)
      r.fail("schedule", "grad = slow_first(k) chooses between the slow and "
                         "the fast module of an hrm model; use truncated(k)");
  }
  if (c.gradWarmup) {
    const LoopSchedule &s = c.schedule;
    int64_t least = s.grad == GradKind::slow_first ? 2 : 1;
    if (s.grad != GradKind::truncated && s.grad != GradKind::slow_first)
      r.fail("grad_warmup", "warming up the gradient window needs "
                            "schedule.grad = \"truncated(k)\" or "
                            "\"slow_first(k)\" (k: the window it reaches)");
    else if (s.unroll != UnrollKind::rolled)
      r.fail("grad_warmup", "warming up the gradient window needs the loop "
                            "kept rolled (schedule.unroll = \"rolled\")");
    else if (c.gradWarmup->from < least || c.gradWarmup->from > s.gradSteps)
      r.fail("grad_warmup.from",
             llvm::formatv("must be in [{0}, {1}] (the schedule's k), got {2}",
                           least, s.gradSteps, c.gradWarmup->from));
  }
  if (c.trainInitialStates && c.fastInit != StateInit::Fixed &&
      c.slowInit != StateInit::Fixed)
    r.fail("train_initial_states",
           "only `fixed` initial states are parameters; set fast_init or "
           "slow_init to \"fixed\"");
  if (c.halting && c.segments < 2)
    r.fail("halting", "halting chooses how many of the `segments` a sequence "
                      "runs; set segments >= 2 (the most it may run)");
  // On an hrm description the steps that tap are cycles: the head reads
  // each cycle's slow state.
  bool hrm = c.architecture == Architecture::HRM;
  int64_t tapPoints = hrm ? c.n : c.steps;
  if (c.lossTaps == LossTaps::Steps && c.tapSteps.back() > tapPoints)
    r.fail("loss_taps", hrm ? llvm::formatv("cycle {0} is beyond N = {1}",
                                            c.tapSteps.back(), c.n)
                                  .str()
                            : llvm::formatv("step {0} is beyond the loop's {1}",
                                            c.tapSteps.back(), c.steps)
                                  .str());
  else if (c.lossTaps == LossTaps::Steps && !c.trainTripCount) {
    // (A sampled count is its own error below.) The window's steps are the last
    // ones; a tap before it adds its loss but no gradient.
    const LoopSchedule &s = c.schedule;
    // The last step that counts (a weight of 0 adds nothing).
    int64_t last = 0;
    for (size_t i = 0; i < c.tapSteps.size(); ++i)
      if (c.tapWeights.empty() || c.tapWeights[i] > 0)
        last = c.tapSteps[i];
    int64_t total = hrm ? c.n * c.t + c.n : c.steps;
    int64_t window =
        gradientApplications(s.grad, s.gradSteps, total, hrm ? 2 : 1);
    // The application that makes the tapped state: a cycle's slow one.
    bool reaches =
        hrm ? last * (c.t + 1) > total - window : last > total - window;
    if (hrm && s.grad == GradKind::slow_first)
      reaches = mlir::hrm::slowFirstSplit(s.gradSteps, c.n, c.t)
                    .hasGradient(/*isSlow=*/true, last - 1, c.n, c.t);
    if (!reaches)
      r.fail("loss_taps",
             llvm::formatv("every tapped {0} comes before the gradient "
                           "window (the last {1} of {2} {3}), so no "
                           "parameter would get a gradient",
                           hrm ? "cycle" : "step", window, total,
                           hrm ? "module applications" : "steps"));
  }
  if (c.act && c.lossTaps != LossTaps::Last)
    r.fail("loss_taps", "with act the output is the steps' states weighted "
                        "by their halting probabilities; a loss at every "
                        "step does not go with it");
  if (c.act && c.trainTripCount)
    r.fail("train_trip_count",
           "with act every position chooses how many of the loop's steps "
           "count; a sampled trip count does not go with it");
  else if (c.trainTripCount && c.lossTaps == LossTaps::Steps)
    r.fail("loss_taps", "losses at listed steps need the loop's fixed count "
                        "(a sampled one may end before them); they do not "
                        "go with train_trip_count (\"every_step\" does)");
  else if (c.trainTripCount) {
    if (c.schedule.unroll != UnrollKind::rolled)
      r.fail("train_trip_count", "a sampled trip count needs the loop kept "
                                 "rolled (schedule.unroll = \"rolled\")");
    else if (c.schedule.grad == GradKind::full)
      r.fail("train_trip_count",
             "a sampled trip count needs a bounded gradient window "
             "(schedule.grad = \"truncated(k)\" or \"one_step\")");
  }
  if (error)
    return llvm::createStringError(llvm::inconvertibleErrorCode(), *error);
  return c;
}

llvm::Expected<ModelConfig> hrmc::loadModelConfig(llvm::StringRef path) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer =
      llvm::MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!buffer)
    return llvm::createStringError(buffer.getError(), "%s: cannot read: %s",
                                   path.str().c_str(),
                                   buffer.getError().message().c_str());
  return parseModelConfig((*buffer)->getBuffer(), path);
}
