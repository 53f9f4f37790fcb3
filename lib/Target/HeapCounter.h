//===- HeapCounter.h - count the compiled code's heap use -------*- C++ -*-===//
#ifndef HRMC_TARGET_HEAPCOUNTER_H
#define HRMC_TARGET_HEAPCOUNTER_H

#include "llvm/Support/Error.h"

namespace llvm {
class Module;
} // namespace llvm

namespace hrmc {

/// What the counting allocator allocates with: the C heap for CPU code; the
/// runtime's CUDA backend (device memory) for code that launches kernels.
struct HeapFunctions {
  const char *alloc = "malloc";
  const char *release = "free";
  /// `int64_t release(void *)` returns the size the block was allocated
  /// with, so no size header is written into the block: the host cannot
  /// store into a GPU's device memory.
  bool releaseReturnsSize = false;
};

/// Defines the allocation functions that finalize-memref-to-llvm
/// {use-generic-functions} declares (`_mlir_memref_to_llvm_alloc` / `_free`)
/// over `heap`, keeping the live and peak byte counts in the exported
/// global `hrm_heap_bytes` ({live, peak}, i64). The runtime reads it to
/// measure the peak activation memory of each entry point.
llvm::Error defineCountingAllocator(llvm::Module &module,
                                    const HeapFunctions &heap);

} // namespace hrmc

#endif // HRMC_TARGET_HEAPCOUNTER_H
