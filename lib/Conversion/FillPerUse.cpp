//===- FillPerUse.cpp - one fill per linalg op that starts from it --------===//
#include "hrmc/Conversion/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace mlir::hrm {
#define GEN_PASS_DEF_HRMFILLPERUSE
#include "hrmc/Conversion/Passes.h.inc"
} // namespace mlir::hrm

using namespace mlir;

namespace {

struct HrmFillPerUsePass
    : public mlir::hrm::impl::HrmFillPerUseBase<HrmFillPerUsePass> {
  void runOnOperation() override {
    SmallVector<linalg::FillOp> fills;
    getOperation()->walk([&](linalg::FillOp fill) {
      if (fill.hasPureTensorSemantics() && !fill->getResult(0).hasOneUse())
        fills.push_back(fill);
    });
    for (linalg::FillOp fill : fills) {
      SmallVector<OpOperand *> inits;
      for (OpOperand &use : fill->getResult(0).getUses())
        if (auto user = dyn_cast<linalg::LinalgOp>(use.getOwner()))
          if (user.isDpsInit(&use))
            inits.push_back(&use);
      // The first init keeps the original.
      for (size_t i = 1; i < inits.size(); ++i) {
        OpOperand *use = inits[i];
        OpBuilder b(use->getOwner());
        Value dest = fill.getOutputs()[0];
        if (auto empty = dest.getDefiningOp<tensor::EmptyOp>())
          dest = b.clone(*empty)->getResult(0);
        IRMapping mapping;
        mapping.map(fill.getOutputs()[0], dest);
        use->set(b.clone(*fill, mapping)->getResult(0));
      }
    }
  }
};

} // namespace
