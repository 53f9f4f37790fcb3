//===- LossHead.h - the ops that serve only a tapped loss -------*- C++ -*-===//
#ifndef HRMC_ANALYSIS_LOSSHEAD_H
#define HRMC_ANALYSIS_LOSSHEAD_H

#include "hrm/HrmOps.h"

namespace hrmc {

/// The ops of `ce`'s block that its logits depend on and whose results
/// serve only it or each other, in block order: the head (and a final norm
/// that feeds only it, and a call of a function of such ops, a readout
/// module), which a step that does not tap need not run. The
/// head's logits may also leave by the block's terminator (saved for the
/// loss gradient, which reads them only where the step taps).
llvm::SmallVector<mlir::Operation *> lossHeadOf(mlir::hrm::CrossEntropyOp ce);

/// Whether a loss with listed taps counts `step`: listed with a weight (if
/// any) other than 0.
bool lossTapsAt(mlir::hrm::CrossEntropyOp ce, int64_t step);

} // namespace hrmc

#endif // HRMC_ANALYSIS_LOSSHEAD_H
