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
  /// Attention's core as one loop nest with an online softmax
  /// (convert-hrm-to-linalg{fused-attention}); always on for the GPU.
  bool fusedAttention = false;
  /// f32, or tf32 / bf16 matmul operands with f32 accumulation: on the
  /// tensor cores in the CUDA library (hrm-matmul-to-mma-sync), rounded the
  /// same way in the CPU library (hrm-round-matmul-operands).
  std::string matmulPrecision = "f32";
  /// Split the CPU library's large loop nests across OpenMP threads
  /// (hrm-cpu-parallel, convert-scf-to-openmp); off: one thread.
  bool cpuParallel = true;
  /// f32 lanes of the target CPU's vectors (hrmc compile: 16 with AVX-512,
  /// 8 with AVX); the width of hrm-cpu-register-tile's vectors.
  int64_t cpuVectorWidth = 8;
};

/// hrm -> linalg on tensors with static shapes, loops as scf.for.
/// `forGPU` picks the lowerings that suit a GPU where the CPU's differ
/// (convert-hrm-to-linalg{parallel-embed-grad fused-attention}).
std::string hrmToLinalgPipeline(const CompileShape &shape, bool forGPU = false);
/// linalg on tensors -> LLVM dialect for the host CPU, with the runtime's
/// packed entry points; large loop nests on OpenMP threads with
/// `shape.cpuParallel`; the matmuls' operands rounded as
/// `shape.matmulPrecision` asks, and with bf16 the fused attention as the
/// tensor cores compute it (hrm-attention-to-mma-sync's host emulation).
std::string linalgToCPUPipeline(const CompileShape &shape);
/// Both, as one textual pipeline that hrm-opt accepts.
std::string hrmToCPUPipeline(const CompileShape &shape);

/// linalg on tensors -> GPU kernels (fused loop nests, 32 x 8 threads;
/// matmuls on the tensor cores unless `matmulPrecision` is f32), lowered
/// through NVVM to PTX for each of `chips` (gpu-module-to-binary, embedded
/// as assembly); host code in the LLVM dialect that launches them through
/// the `mgpu*` functions and allocates through `_mlir_memref_to_llvm_alloc`
/// (both from the runtime's CUDA backend).
std::string linalgToCUDAPipeline(llvm::ArrayRef<std::string> chips,
                                 llvm::StringRef matmulPrecision = "f32");
/// Whether that pipeline puts matmuls on wgmma: bf16 operands, and every
/// chip sm_90a (the kernels of all chips come from one module).
bool usesWgmma(llvm::ArrayRef<std::string> chips,
               llvm::StringRef matmulPrecision);
/// Where libdevice is looked for: $CUDA_HOME (or CUDA_ROOT, CUDA_PATH), else
/// /usr/local/cuda if it exists, else "".
std::string cudaToolkitPath();
std::string hrmToCUDAPipeline(const CompileShape &shape,
                              llvm::ArrayRef<std::string> chips);

/// Adds a textual pipeline to `pm`; false (with the reason in `error`) when
/// it does not parse.
bool addPipeline(mlir::OpPassManager &pm, llvm::StringRef pipeline,
                 std::string &error);

/// Registers `hrm-to-linalg`, `hrm-to-cpu` and `hrm-to-cuda`.
void registerHrmPipelines();

} // namespace hrmc

#endif // HRMC_PIPELINES_PIPELINES_H
