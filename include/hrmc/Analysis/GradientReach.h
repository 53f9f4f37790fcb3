//===- GradientReach.h - ops a reverse sweep visits -------------*- C++ -*-===//
#ifndef HRMC_ANALYSIS_GRADIENTREACH_H
#define HRMC_ANALYSIS_GRADIENTREACH_H

#include "mlir/IR/Block.h"
#include "llvm/ADT/SmallPtrSet.h"

namespace hrmc {

/// The ops of `block` whose results reach its terminator's operands without
/// passing an hrm.detach, through operands or through values their regions
/// read: the only ops a gradient from the block's results can flow through.
llvm::SmallPtrSet<mlir::Operation *, 32> opsReachingResults(mlir::Block &block);

} // namespace hrmc

#endif // HRMC_ANALYSIS_GRADIENTREACH_H
