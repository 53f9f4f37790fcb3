//===- HrmAttrs.h - hrm enums and attributes --------------------*- C++ -*-===//
#ifndef HRM_HRMATTRS_H
#define HRM_HRMATTRS_H

#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinAttributes.h"

#include "hrm/HrmEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "hrm/HrmAttrs.h.inc"

namespace mlir::hrm {
/// Why an unroll/gradient schedule cannot drive a loop of `cycles`
/// iterations (called `cyclesName` in the message) of `cycleLength` steps
/// each and `applications` module applications in all; empty when it can.
/// Shared by the loop verifiers and the front end.
std::string diagnoseLoopSchedule(UnrollKind unroll, int64_t unrollFactor,
                                 GradKind grad, int64_t gradSteps,
                                 int64_t cycles, llvm::StringRef cyclesName,
                                 int64_t cycleLength, int64_t applications);

/// Module applications, out of `total` (of `distinctModules` kinds), that
/// carry gradient under `grad` with window `gradSteps`.
int64_t gradientApplications(GradKind grad, int64_t gradSteps, int64_t total,
                             int64_t distinctModules);

/// How many of the last applications of each module carry gradient under
/// grad = slow_first(k) in a hierarchical loop of n slow and n*t fast
/// applications: slow ones first, at least one fast one.
struct SlowFirstSplit {
  int64_t fast, slow;
  /// Whether the `index`th slow (or fast) application of a loop of n slow
  /// and n*t fast ones carries gradient.
  bool hasGradient(bool isSlow, int64_t index, int64_t n, int64_t t) const {
    return isSlow ? index >= n - slow : index >= n * t - fast;
  }
};
SlowFirstSplit slowFirstSplit(int64_t k, int64_t n, int64_t t);
} // namespace mlir::hrm

#endif // HRM_HRMATTRS_H
