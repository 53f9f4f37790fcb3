//===- RoundMatmulOperands.cpp - tensor-core operand rounding on the CPU --===//
#include "TensorCoreMatmul.h"
#include "hrmc/Conversion/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::hrm {
#define GEN_PASS_DEF_HRMROUNDMATMULOPERANDS
#include "hrmc/Conversion/Passes.h.inc"
} // namespace mlir::hrm

using namespace mlir;

namespace {

struct HrmRoundMatmulOperandsPass
    : public mlir::hrm::impl::HrmRoundMatmulOperandsBase<
          HrmRoundMatmulOperandsPass> {
  using Base::Base;

  void runOnOperation() override {
    if (failed(hrm::checkTensorCorePrecision(getOperation(), getArgument(),
                                             precision)))
      return signalPassFailure();
    bool bf16 = precision == "bf16";
    SmallVector<linalg::LinalgOp> work;
    getOperation()->walk([&](linalg::LinalgOp op) {
      if (hrm::matchTensorCoreMatmul(op, bf16 ? 16 : 4))
        work.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp op : work) {
      auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
      if (!generic) {
        rewriter.setInsertionPoint(op);
        FailureOr<linalg::GenericOp> g =
            linalg::generalizeNamedOp(rewriter, op);
        if (failed(g))
          continue;
        generic = *g;
      }
      Block *body = generic.getBody();
      rewriter.setInsertionPointToStart(body);
      for (unsigned i = 0; i < 2; ++i) {
        BlockArgument arg = body->getArgument(i);
        // Operands stored in bf16 are already what the tensor cores read.
        if (!arg.getType().isF32())
          continue;
        SmallVector<OpOperand *> uses = llvm::map_to_vector(
            arg.getUses(), [](OpOperand &use) { return &use; });
        Value rounded =
            hrm::roundToTensorCoreType(rewriter, generic.getLoc(), arg, bf16);
        for (OpOperand *use : uses)
          rewriter.modifyOpInPlace(use->getOwner(), [&] { use->set(rounded); });
      }
    }
  }
};

} // namespace
