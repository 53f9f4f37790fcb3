//===- FuseElementwise.cpp - elementwise fusion without recomputation -----===//
#include "hrmc/Conversion/Passes.h"
#include "hrmc/Support/Remarks.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/MapVector.h"

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
    // linalg ops by the function they are in, counted for the remarks
    // only when they are on.
    bool remarks = getContext().getRemarkEngine() != nullptr;
    auto countOps = [&] {
      llvm::MapVector<Operation *, unsigned> n;
      if (!remarks)
        return n;
      getOperation()->walk([&](linalg::LinalgOp op) {
        Operation *fn = op->getParentOfType<FunctionOpInterface>();
        ++n[fn ? fn : getOperation()];
      });
      return n;
    };
    llvm::MapVector<Operation *, unsigned> before = countOps();
    RewritePatternSet patterns(&getContext());
    linalg::populateElementwiseOpsFusionPatterns(patterns, shouldFuse);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    // Fusion clones a producer into each consumer; one with other users
    // stays, so this counts the ops that went.
    llvm::MapVector<Operation *, unsigned> after = countOps();
    for (auto [fn, n] : before)
      if (unsigned left = after.lookup(fn); left < n)
        hrmc::remarkPassed(*this, "fused", fn)
            << remark::metric("ops-removed", n - left);
  }
};

} // namespace
