//===- LossHead.cpp - the ops that serve only a tapped loss ---------------===//
#include "hrmc/Analysis/LossHead.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/SetVector.h"

using namespace mlir;
using namespace mlir::hrm;

/// Whether `op` computes its results from its operands alone: a pure op
/// without regions, or a call of a function whose body is only such ops
/// (a module application after convert-hrm-to-func, such as recurrent
/// depth's coda).
static bool movable(Operation *op, int depth = 0) {
  if (auto call = dyn_cast<func::CallOp>(op)) {
    auto callee = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(
        call, call.getCalleeAttr());
    if (!callee || !callee.getBody().hasOneBlock() || depth > 8)
      return false;
    return llvm::all_of(
        callee.getBody().front().without_terminator(),
        [&](Operation &inner) { return movable(&inner, depth + 1); });
  }
  return isPure(op) && op->getNumRegions() == 0;
}

SmallVector<Operation *> hrmc::lossHeadOf(CrossEntropyOp ce) {
  Block *block = ce->getBlock();
  llvm::SetVector<Operation *> chain;
  // The logits' producers; the targets, the sum and the step stay outside.
  SmallVector<Value> worklist{ce.getLogits()};
  while (!worklist.empty()) {
    Operation *def = worklist.pop_back_val().getDefiningOp();
    if (!def || def->getBlock() != block || !movable(def) || !chain.insert(def))
      continue;
    llvm::append_range(worklist, def->getOperands());
  }
  // Drop what serves anything else, until nothing changes. The loss's
  // other operands (the step its guard compares, the targets, the sum)
  // count as something else.
  for (bool changed = true; changed;) {
    changed = false;
    for (Operation *op : chain.takeVector()) {
      bool servesOthers = llvm::any_of(op->getUses(), [&](OpOperand &use) {
        Operation *user = use.getOwner();
        if (user == ce)
          return use.get() != ce.getLogits();
        return !chain.contains(user) &&
               !(isa<LMHeadOp>(op) && user->getBlock() == block &&
                 user->hasTrait<OpTrait::IsTerminator>());
      });
      if (servesOthers)
        changed = true;
      else
        chain.insert(op);
    }
  }
  SmallVector<Operation *> ops(chain.begin(), chain.end());
  llvm::sort(ops,
             [](Operation *x, Operation *y) { return x->isBeforeInBlock(y); });
  return ops;
}

bool hrmc::lossTapsAt(CrossEntropyOp ce, int64_t step) {
  if (!ce.getTapSteps())
    return true;
  std::optional<ArrayRef<double>> weights = ce.getTapWeights();
  for (auto [n, tap] : llvm::enumerate(*ce.getTapSteps()))
    if (tap == step && (!weights || (*weights)[n] != 0))
      return true;
  return false;
}
