//===- Artifact.h - compiled artifacts: shared object + manifest -*- C++ -*-===//
#ifndef HRMC_TARGET_ARTIFACT_H
#define HRMC_TARGET_ARTIFACT_H

#include "hrmc/Pipelines/Pipelines.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"

#include <string>
#include <vector>

namespace hrmc {

struct ArtifactOptions {
  CompileShape shape;
  /// Target CPU for the host code ("" : the host's).
  std::string cpu;
  /// Write the LLVM dialect and LLVM IR next to the library.
  bool keepIntermediates = false;
  /// LLVM optimisation level of the host code, 0 to 3. Lower levels
  /// compile a training graph several times faster (the tests use 1).
  unsigned optLevel = 3;
  /// Also build the CUDA library (model.cuda.so) with PTX for these
  /// architectures; the first is the one the host code loads.
  std::vector<std::string> cudaChips;
};

/// f32 lanes of the widest vectors of `cpu` ("": this machine's): 16 with
/// AVX-512, 8 with AVX, else 4.
int64_t cpuVectorWidth(const std::string &cpu);

/// The manifest of a compile: the parameters (with init specs) of the one
/// hrm.model in `hrmModule`, and the entry points of `lowered`, that model
/// after `hrmToLinalgPipeline(shape)`.
llvm::Expected<llvm::json::Object> describeArtifact(mlir::ModuleOp hrmModule,
                                                    mlir::ModuleOp lowered,
                                                    const CompileShape &shape);

/// Compiles `module` (hrm IR) for the host CPU into `dir`: model.so,
/// manifest.json and the source as model.mlir; with `cudaChips`, also
/// model.cuda.so and the kernels' PTX under ptx/<chip>/. Files are written to
/// temporaries and renamed, so a failed compile leaves `dir` as it was.
llvm::Error compileCPUArtifact(mlir::ModuleOp module,
                               const ArtifactOptions &options,
                               llvm::StringRef dir);

} // namespace hrmc

#endif // HRMC_TARGET_ARTIFACT_H
