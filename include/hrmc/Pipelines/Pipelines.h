//===- Pipelines.h - named hrm pass pipelines -------------------*- C++ -*-===//
#ifndef HRMC_PIPELINES_PIPELINES_H
#define HRMC_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

#include <string>

namespace hrmc {

struct CompileShape {
  int64_t batch = 1;
  int64_t seqLen = 0; // 0: the model's max_seq_len
  /// Build the KV-cached `decode` entry point (one new token per call, a
  /// cache of seqLen positions) instead of `logits` and `loss`.
  bool decode = false;
  /// Also build the training entry point `loss_grad` (hrm-autodiff).
  bool train = false;
};

/// hrm -> linalg on tensors with static shapes, loops as scf.for.
std::string hrmToLinalgPipeline(const CompileShape &shape);
/// linalg on tensors -> LLVM dialect for the host CPU, with the runtime's
/// packed entry points.
std::string linalgToCPUPipeline();
/// Both, as one textual pipeline that hrm-opt accepts.
std::string hrmToCPUPipeline(const CompileShape &shape);

/// Adds a textual pipeline to `pm`; false (with the reason in `error`) when
/// it does not parse.
bool addPipeline(mlir::OpPassManager &pm, llvm::StringRef pipeline,
                 std::string &error);

/// Registers `hrm-to-linalg` and `hrm-to-cpu` (options: batch, seq-len).
void registerHrmPipelines();

} // namespace hrmc

#endif // HRMC_PIPELINES_PIPELINES_H
