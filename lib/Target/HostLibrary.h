//===- HostLibrary.h - lowered module -> host shared object -----*- C++ -*-===//
#ifndef HRMC_TARGET_HOSTLIBRARY_H
#define HRMC_TARGET_HOSTLIBRARY_H

#include "HeapCounter.h"
#include "hrmc/Target/Artifact.h"

namespace hrmc {

/// Runs a textual pipeline on `module`.
llvm::Error runPipeline(mlir::ModuleOp module, llvm::StringRef pipeline);

/// Translates `lowered` (LLVM dialect, possibly with gpu.binary ops) to LLVM
/// IR, defines its counting allocator over `heap`, optimises it for the host
/// and links `dir/<stem>.so` (through a temporary). Returns the file name.
llvm::Expected<std::string> emitHostLibrary(mlir::ModuleOp lowered,
                                            const ArtifactOptions &options,
                                            llvm::StringRef dir,
                                            llvm::StringRef stem,
                                            const HeapFunctions &heap);

/// Checks that every entry of `manifest` has a packed entry in `lowered`
/// (LLVM dialect) whose C interface takes as many memref descriptors as
/// the manifest lists parameters, inputs and outputs: a result left in the
/// signature by mistake would make the runtime pass the wrong buffers.
llvm::Error checkEntrySignatures(mlir::ModuleOp lowered,
                                 const llvm::json::Object &manifest);

/// Lowers `module` (hrm IR) with hrmToCUDAPipeline, writes each kernel's PTX
/// to `dir/ptx/<chip>/`, checks it with ptxas when there is one, and links
/// the host side to `dir/model.cuda.so`. Returns the manifest's "cuda"
/// object (library, chips, kernels, ptxas report).
llvm::Expected<llvm::json::Object>
compileCUDALibrary(mlir::ModuleOp module, const ArtifactOptions &options,
                   llvm::StringRef dir, const llvm::json::Object &manifest);

} // namespace hrmc

#endif // HRMC_TARGET_HOSTLIBRARY_H
