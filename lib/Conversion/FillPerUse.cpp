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
      if (fill.hasPureTensorSemantics())
        fills.push_back(fill);
    });
    for (linalg::FillOp fill : fills) {
      SmallVector<OpOperand *> inits;
      for (OpOperand &use : fill->getResult(0).getUses())
        if (auto user = dyn_cast<linalg::LinalgOp>(use.getOwner()))
          if (user.isDpsInit(&use))
            inits.push_back(&use);
      // Every init gets a fill right before its op (CSE may have hoisted
      // the original far from it); the original goes if nothing else uses
      // it.
      for (OpOperand *use : inits) {
        OpBuilder b(use->getOwner());
        Value dest = fill.getOutputs()[0];
        if (auto empty = dest.getDefiningOp<tensor::EmptyOp>())
          dest = b.clone(*empty)->getResult(0);
        IRMapping mapping;
        mapping.map(fill.getOutputs()[0], dest);
        use->set(b.clone(*fill, mapping)->getResult(0));
      }
      if (fill->use_empty()) {
        Value dest = fill.getOutputs()[0];
        fill->erase();
        if (Operation *empty = dest.getDefiningOp<tensor::EmptyOp>())
          if (empty->use_empty())
            empty->erase();
      }
    }
  }
};

} // namespace
