//===- FuseElementwise.cpp - elementwise fusion without recomputation -----===//
#include "hrmc/Conversion/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::hrm {
#define GEN_PASS_DEF_HRMFUSEELEMENTWISE
#include "hrmc/Conversion/Passes.h.inc"
} // namespace mlir::hrm

using namespace mlir;

namespace {

/// True when `op`'s body only yields one of its block arguments.
bool onlyMovesData(linalg::LinalgOp op) {
  Block *body = op.getBlock();
  if (!body || body->getOperations().size() != 1)
    return false;
  Operation *yield = body->getTerminator();
  return llvm::all_of(yield->getOperands(),
                      [&](Value v) { return v.getParentBlock() == body &&
                                            isa<BlockArgument>(v); });
}

bool shouldFuse(OpOperand *operand) {
  auto consumer = dyn_cast<linalg::LinalgOp>(operand->getOwner());
  auto producer = operand->get().getDefiningOp<linalg::LinalgOp>();
  if (!consumer || !producer)
    return false;
  if (consumer.getNumReductionLoops() == 0)
    return true;
  return onlyMovesData(producer);
}

struct HrmFuseElementwisePass
    : public mlir::hrm::impl::HrmFuseElementwiseBase<HrmFuseElementwisePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    linalg::populateElementwiseOpsFusionPatterns(patterns, shouldFuse);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
