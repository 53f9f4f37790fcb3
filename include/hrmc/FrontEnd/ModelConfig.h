//===- ModelConfig.h - model descriptions -----------------------*- C++ -*-===//
//
// A model description (JSON, in the spirit of a Hugging Face config.json)
// parsed and checked. Every key is documented in docs/model-description.md.
//
//===----------------------------------------------------------------------===//
#ifndef HRMC_FRONTEND_MODELCONFIG_H
#define HRMC_FRONTEND_MODELCONFIG_H

#include "hrm/HrmAttrs.h"
#include "llvm/Support/Error.h"

#include <optional>
#include <string>

namespace hrmc {

enum class Architecture {
  HRM,            // fast/slow hierarchical recurrence
  Transformer,    // independent layers, no loop
  Universal,      // one shared stack looped, step embeddings
  Looped,         // shared stack, input injection norm(x0 + h)
  FullyLooped,    // restart from norm(x0), attention-query injection
  RecurrentDepth, // prelude / looped core / coda
};

enum class NormPlacement { Pre, Post, Sandwich };
/// How a module mixes its injection into its state at entry.
enum class Injection { Add, ConcatLinear, None };
/// What the fast module of an hrm model is injected with: the slow state
/// plus the input embedding (HRM's `zH + x`), or the slow state alone
/// (HRM-Text, whose slow state starts as the embedding).
enum class FastInjection { SlowAndInput, Slow };
enum class StateInit { Zeros, Fixed, Embedding, Noise };
/// Where a flat loop's training loss taps: the last step's output, or every
/// step's (the mean of their losses, each through the final norm and head).
enum class LossTaps { Last, EveryStep, Steps };

struct LoopSchedule {
  mlir::hrm::UnrollKind unroll = mlir::hrm::UnrollKind::rolled;
  int64_t unrollFactor = 0;
  mlir::hrm::GradKind grad = mlir::hrm::GradKind::full;
  int64_t gradSteps = 0;
  mlir::hrm::MemoryPolicy memory = mlir::hrm::MemoryPolicy::keep;
};

/// How training samples a flat loop's trip count per step
/// (`train_trip_count`); evaluation runs the description's own count.
struct TripCountSampling {
  enum class Kind {
    LogNormalPoisson, // Huginn: 1 + Poisson(e^tau), tau ~ N(log mean - s^2/2,
                      // s)
    Uniform,          // uniform over [min, max]
  };
  Kind kind = Kind::LogNormalPoisson;
  double mean = 0.0, sigma = 0.5;
  int64_t min = 1, max = 0; // every sample is clamped to [min, max]
};

/// HRM-Text's warm-up of the gradient window (`grad_warmup`): training
/// step s of S uses k(s) = from + floor(min(1, s / (fraction * S)) *
/// (k - from)), k that of the schedule's truncated(k) or slow_first(k).
struct GradWarmup {
  int64_t from = 0;
  double fraction = 0.0;
};

/// HRM's adaptive computation time (`halting`): after each segment a Q head
/// on one position decides, per sequence, whether to halt (and take a new
/// sequence) or run another segment; `segments` is the most a sequence
/// runs. Trained by Q-learning: halt toward "every token right", continue
/// toward the head's own value one segment later.
struct Halting {
  double exploration = 0.1;  // chance a sequence gets a random least count
  bool lastPosition = false; // the head reads position 0, or the last one
  double lossWeight = 0.5;   // the head's loss, added to the cross-entropy
};

/// Adaptive computation time per position, the Universal Transformer's
/// (`act`, on universal, looped and fully looped descriptions): a pondering
/// unit gives each position a halting probability per step; a position
/// halts once their sum passes `threshold`, and the output is the steps'
/// states weighted by those probabilities. The loop's count is the most a
/// position runs. Trained with a ponder cost on the steps taken.
struct Act {
  double threshold = 0.99;    // 1 - epsilon of Graves' ACT
  double ponderWeight = 0.01; // the ponder cost's weight in the loss
  double biasInit = 1.0;      // the pondering unit's bias at init
};

struct ModelConfig {
  std::string name = "model";
  /// Where the description came from (a file name): the IR's location, so
  /// that a lowering's error names the file.
  std::string source;
  Architecture architecture = Architecture::HRM;

  int64_t vocabSize = 0, dModel = 0, nHeads = 0, maxSeqLen = 0;
  mlir::hrm::MlpKind mlp = mlir::hrm::MlpKind::swiglu;
  double mlpExpansion = 4.0;
  int64_t mlpMultipleOf = 256;
  NormPlacement norm = NormPlacement::Pre;
  bool finalNorm = true, normWeight = false;
  double normEps = 1e-5;
  mlir::hrm::MaskKind mask = mlir::hrm::MaskKind::causal;
  int64_t prefixLen = 0;
  bool rope = true;
  double ropeTheta = 10000.0;
  bool embedScale = true, tieEmbeddings = false;
  double initStd = 0.0; // 0: 1/sqrt(fan_in) per matrix

  // hrm
  int64_t fastLayers = 0, slowLayers = 0, n = 0, t = 0;
  Injection injection = Injection::Add;
  FastInjection fastInjection = FastInjection::SlowAndInput;
  StateInit fastInit = StateInit::Zeros, slowInit = StateInit::Embedding;
  /// Whether `fixed` initial states are trained. HRM keeps them as frozen
  /// buffers: by default they are frozen parameters.
  bool trainInitialStates = false;
  /// Deep supervision: segments of N cycles per sequence, each one
  /// optimizer step, the states carried (detached) from one to the next.
  int64_t segments = 1;
  std::optional<Halting> halting;
  // transformer, universal, looped, fully_looped
  int64_t layers = 0, steps = 0;
  bool stepEmbedding = true;
  std::optional<Act> act; // universal, looped, fully_looped
  // recurrent_depth
  int64_t preludeLayers = 0, coreLayers = 0, codaLayers = 0;
  StateInit stateInit = StateInit::Noise;
  double stateStd = 1.0;
  int64_t stateSeed = 0;
  // looped, fully_looped, recurrent_depth: a trip count sampled per
  // training step (the loop's count becomes an entry input)
  std::optional<TripCountSampling> trainTripCount;
  std::optional<GradWarmup> gradWarmup;
  LossTaps lossTaps = LossTaps::Last; // universal, looped, fully_looped
  std::vector<int64_t> tapSteps;      // LossTaps::Steps: 1-based, increasing
  std::vector<double> tapWeights;     // LossTaps::Steps: empty, or per step

  LoopSchedule schedule;

  /// Hidden width of the MLP: expansion * d (times 2/3 for SwiGLU), rounded
  /// up to a multiple of mlp_multiple_of.
  int64_t mlpHidden() const;
  /// Whether the architecture has a loop (and so takes a schedule).
  bool hasLoop() const { return architecture != Architecture::Transformer; }
};

/// Parses a model description. Errors name `source` and the offending key.
llvm::Expected<ModelConfig> parseModelConfig(llvm::StringRef json,
                                             llvm::StringRef source);
/// Reads and parses the description in `path`.
llvm::Expected<ModelConfig> loadModelConfig(llvm::StringRef path);

llvm::StringRef stringifyArchitecture(Architecture arch);

} // namespace hrmc

#endif // HRMC_FRONTEND_MODELCONFIG_H
