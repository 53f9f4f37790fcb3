//===- FillPerUse.cpp - one fill per linalg op that starts from it --------===//
#include "hrmc/Conversion/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "llvm/ADT/SetVector.h"

namespace mlir::hrm {
#define GEN_PASS_DEF_HRMFILLPERUSE
#include "hrmc/Conversion/Passes.h.inc"
} // namespace mlir::hrm

using namespace mlir;

namespace {

/// Whether `use` starts a value its owner writes over: a linalg op's init,
/// a loop's initial iter_arg (a gradient sum, updated in place), or an
/// argument the callee writes (a sum passed into a backward function).
bool startsFrom(OpOperand &use, unsigned depth = 0) {
  Operation *owner = use.getOwner();
  if (auto linalgOp = dyn_cast<linalg::LinalgOp>(owner))
    return linalgOp.isDpsInit(&use);
  if (auto loop = dyn_cast<scf::ForOp>(owner))
    return use.getOperandNumber() >= loop.getNumControlOperands();
  auto call = dyn_cast<func::CallOp>(owner);
  // Backward functions pass sums one level down (step to module).
  if (!call || depth > 4)
    return false;
  auto callee = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(
      call, call.getCalleeAttr());
  if (!callee || callee.isExternal())
    return false;
  BlockArgument arg = callee.getArgument(use.getOperandNumber());
  return llvm::any_of(arg.getUses(), [&](OpOperand &argUse) {
    return startsFrom(argUse, depth + 1);
  });
}

struct HrmFillPerUsePass
    : public mlir::hrm::impl::HrmFillPerUseBase<HrmFillPerUsePass> {
  void runOnOperation() override {
    SmallVector<linalg::FillOp> fills;
    getOperation()->walk([&](linalg::FillOp fill) {
      if (fill.hasPureTensorSemantics())
        fills.push_back(fill);
    });
    for (linalg::FillOp fill : fills) {
      // By owner, and in operand order within one, so the clones come in
      // the order of the operands they start.
      llvm::SetVector<Operation *> owners;
      for (Operation *user : fill->getResult(0).getUsers())
        owners.insert(user);
      SmallVector<OpOperand *> inits;
      for (Operation *owner : owners)
        for (OpOperand &use : owner->getOpOperands())
          if (use.get() == fill->getResult(0) && startsFrom(use))
            inits.push_back(&use);
      // Every init gets a fill right before its op (CSE may have hoisted
      // the original far from it), so that it bufferizes to a fill of its
      // own buffer instead of a copy of a shared one; the original goes if
      // nothing else uses it.
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
