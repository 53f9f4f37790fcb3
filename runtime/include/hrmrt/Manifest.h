//===- Manifest.h - the manifest of a compiled artifact ---------*- C++ -*-===//
#ifndef HRMRT_MANIFEST_H
#define HRMRT_MANIFEST_H

#include "hrmrt/GradWindow.h"
#include "hrmrt/Tensor.h"
#include "hrmrt/TripCount.h"

#include <optional>

namespace hrmrt {

struct InitSpec {
  std::string kind; // normal, trunc_normal, zeros, ones, constant
  double std = 0.0;
  double value = 0.0; // constant's
};

struct ParamSpec {
  TensorSpec tensor;
  InitSpec init;
  /// Kept at its initial value: no gradient, no optimizer state.
  bool frozen = false;
};

struct EntrySpec {
  std::string name;
  std::string symbol;
  std::vector<TensorSpec> inputs;
  std::vector<TensorSpec> outputs;
  /// The entry writes the parameters in place (a training step with its
  /// optimizer compiled in).
  bool updatesParams = false;

  /// How training samples its `trip_count` input, and what evaluation
  /// runs, when it has one.
  std::optional<TripCountSpec> tripCount;
  /// How training warms its `grad_window` input up, when it has one.
  std::optional<GradWindowSpec> gradWindow;

  /// Control inputs: I32 scalars the compiled host code reads, which the
  /// runtime sets rather than the data.
  std::optional<size_t> controlInput(llvm::StringRef name) const;
  /// The input of a model that samples a noise state saying which sample
  /// to draw (0, its value in a fresh arena, draws the seed's own).
  std::optional<size_t> noiseDrawInput() const {
    return controlInput("noise_draw");
  }
  /// The input of a model whose loop count training samples (Model::load
  /// sets it to tripCount->defaultCount).
  std::optional<size_t> tripCountInput() const {
    return controlInput("trip_count");
  }
  /// The input of an HRM whose gradient window training warms up
  /// (Model::load sets it to gradWindow->defaultWindow).
  std::optional<size_t> gradWindowInput() const {
    return controlInput("grad_window");
  }
  /// Deep supervision (a description's `segments`): the segments each
  /// batch runs, when the entry runs one segment (it then has a `reset`
  /// input and carried states in and out).
  std::optional<int64_t> segments;
  /// The input named `name` if it is a per-row mask (I32 [batch]).
  std::optional<size_t> rowMaskInput(llvm::StringRef name) const;
  /// The per-sequence reset mask (I32 [batch]) of a one-segment entry.
  std::optional<size_t> resetInput() const { return rowMaskInput("reset"); }
  /// The carried states: (input, output) pairs named "carry.<state>".
  std::vector<std::pair<size_t, size_t>> carriedStates() const;
  /// Adaptive computation time (a description's `halting`): the trainer
  /// halts a row, and gives it a new sequence, when the Q head says so.
  struct HaltSpec {
    double exploration = 0.0; // chance of a random least segment count
    int64_t maxSegments = 0;  // segments: the most a row runs
  };
  std::optional<HaltSpec> halt;
  /// The per-row "this is the last segment allowed" mask (I32 [batch]).
  std::optional<size_t> haltLastInput() const {
    return rowMaskInput("halt.last");
  }
  /// The halting head's [batch, 2] (halt, continue) logits.
  std::optional<size_t> haltQOutput() const;
  /// The cross-entropy alone, where the loss adds the head's (or ACT's
  /// ponder cost).
  std::optional<size_t> lmLossOutput() const;
  /// ACT's mean ponder time (steps taken plus remainder, per position).
  std::optional<size_t> actPonderOutput() const;
  /// Its inputs other than the control inputs and a segment's reset mask
  /// and carried states.
  size_t numDataInputs() const {
    return inputs.size() - (noiseDrawInput() ? 1 : 0) -
           (tripCountInput() ? 1 : 0) - (gradWindowInput() ? 1 : 0) -
           (resetInput() ? 1 : 0) - (haltLastInput() ? 1 : 0) -
           carriedStates().size();
  }
};

struct Manifest {
  std::string model;
  std::string library;
  /// The CUDA host library (`hrmc compile --target cuda`), or "".
  std::string cudaLibrary;
  /// The architecture of the PTX that library loads ("sm_80", "sm_90a"),
  /// or "" when the manifest does not say.
  std::string cudaChip;
  /// The CPU the host code was compiled for, and the vector extensions it
  /// may use (x86: "avx2", "fma", "avx512f", ...); empty when the manifest
  /// does not say.
  std::string cpu;
  std::vector<std::string> cpuFeatures;
  int64_t batch = 0;
  int64_t seqLen = 0;
  std::vector<ParamSpec> params;
  std::vector<EntrySpec> entries;

  const EntrySpec *findEntry(llvm::StringRef name) const;
  const ParamSpec *findParam(llvm::StringRef name) const;
  /// The parameters that are not frozen, in manifest order: those of the
  /// training entries' gradients and the optimizer's moments.
  std::vector<const ParamSpec *> trainableParams() const;

  static llvm::Expected<Manifest> parse(llvm::StringRef text,
                                        llvm::StringRef source);
  static llvm::Expected<Manifest> load(llvm::StringRef path);
};

} // namespace hrmrt

#endif // HRMRT_MANIFEST_H
