//===- HeapCounter.h - count the compiled code's heap use -------*- C++ -*-===//
#ifndef HRMC_TARGET_HEAPCOUNTER_H
#define HRMC_TARGET_HEAPCOUNTER_H

#include "llvm/Support/Error.h"

namespace llvm {
class Module;
} // namespace llvm

namespace hrmc {

/// Defines the allocation functions that finalize-memref-to-llvm
/// {use-generic-functions} declares (`_mlir_memref_to_llvm_alloc` / `_free`)
/// as malloc / free that keep the live and peak byte counts in the exported
/// global `hrm_heap_bytes` ({live, peak}, i64). The runtime reads it to
/// measure the peak activation memory of each entry point.
llvm::Error defineCountingAllocator(llvm::Module &module);

} // namespace hrmc

#endif // HRMC_TARGET_HEAPCOUNTER_H
