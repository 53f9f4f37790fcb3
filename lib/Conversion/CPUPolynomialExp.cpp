//===- CPUPolynomialExp.cpp - math.exp as arithmetic LLVM can vectorize ---===//
//
// convert-math-to-llvm turns math.exp into llvm.exp, which the host backend
// calls libm's expf for, one element at a time: the loop vectorizer leaves
// loops with calls alone, and expf was a sixth of HRM-LM's CPU forward
// (softmax and SiLU). Upstream's polynomial approximation is plain
// arithmetic, so those loops vectorize.
//
//===----------------------------------------------------------------------===//
#include "hrmc/Conversion/Passes.h"

#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::hrm {
#define GEN_PASS_DEF_HRMCPUPOLYNOMIALEXP
#include "hrmc/Conversion/Passes.h.inc"
} // namespace mlir::hrm

using namespace mlir;

namespace {
struct HrmCPUPolynomialExpPass
    : public mlir::hrm::impl::HrmCPUPolynomialExpBase<HrmCPUPolynomialExpPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateMathPolynomialApproximationPatterns(patterns, [](StringRef name) {
      return name == math::ExpOp::getOperationName();
    });
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace
