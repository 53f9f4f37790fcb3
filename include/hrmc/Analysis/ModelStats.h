//===- ModelStats.h - parameter, FLOP and memory counts ---------*- C++ -*-===//
//
// Counts for one hrm.model, derived from its IR (see docs/stats.md):
// matmul FLOPs only (norms, softmax and elementwise work are left out), and
// the activation elements the backward pass must hold.
//
//===----------------------------------------------------------------------===//
#ifndef HRMC_ANALYSIS_MODELSTATS_H
#define HRMC_ANALYSIS_MODELSTATS_H

#include "hrm/HrmOps.h"
#include "llvm/Support/JSON.h"

#include <optional>
#include <string>
#include <vector>

namespace hrmc {

/// A gradient and memory schedule to evaluate, overriding the model's.
struct GradientPlan {
  mlir::hrm::GradKind grad = mlir::hrm::GradKind::full;
  int64_t gradSteps = 0;
  mlir::hrm::MemoryPolicy memory = mlir::hrm::MemoryPolicy::keep;
  std::string name() const;
};

/// Costs of one training step of one sequence under one plan.
struct PlanStats {
  std::string plan;
  double applications = 0;     // module applications in the forward pass
  double gradApplications = 0; // of which carry gradient
  double trainFlops = 0;       // forward + backward (+ recompute)
  double activationElems = 0;  // held for the backward pass
};

struct ModelStats {
  std::string name;
  int64_t parameters = 0;
  int64_t parameterBytes = 0;
  int64_t frozenParameters = 0; // of `parameters`, those training keeps
  int64_t seqLen = 0;
  int64_t batch = 1;
  double forwardFlops = 0;    // per sequence
  int64_t activationBytes = 4; // bytes per activation element
  std::string schedule;       // the model's own, as written in the IR
  PlanStats own;              // under the model's own schedules
  std::vector<PlanStats> plans;

  double perToken(double perSequence) const { return perSequence / seqLen; }
  llvm::json::Value toJSON() const;
  void print(llvm::raw_ostream &os) const;
};

/// Computes the counts for `model` at `seqLen` (0: the model's max_seq_len)
/// under its own schedules and under full, truncated(`window`), (with a
/// hierarchical loop) slow_first(`window`) and one_step gradients with each
/// memory policy. Fails with a diagnostic when the
/// model has no @loss or @logits entry point.
mlir::FailureOr<ModelStats> computeModelStats(mlir::hrm::ModelOp model,
                                              int64_t seqLen, int64_t batch,
                                              int64_t window = 2);

} // namespace hrmc

#endif // HRMC_ANALYSIS_MODELSTATS_H
