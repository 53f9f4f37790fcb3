//===- LossHead.cpp - the ops that serve only a tapped loss ---------------===//
#include "hrmc/Analysis/LossHead.h"

#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/SetVector.h"

using namespace mlir;
using namespace mlir::hrm;

SmallVector<Operation *> hrmc::lossHeadOf(CrossEntropyOp ce) {
  Block *block = ce->getBlock();
  llvm::SetVector<Operation *> chain;
  // The logits' producers; the targets, the sum and the step stay outside.
  SmallVector<Value> worklist{ce.getLogits()};
  while (!worklist.empty()) {
    Operation *def = worklist.pop_back_val().getDefiningOp();
    if (!def || def->getBlock() != block || !isPure(def) ||
        def->getNumRegions() || !chain.insert(def))
      continue;
    llvm::append_range(worklist, def->getOperands());
  }
  // Drop what serves anything else, until nothing changes.
  for (bool changed = true; changed;) {
    changed = false;
    for (Operation *op : chain.takeVector()) {
      bool servesOthers = llvm::any_of(op->getUsers(), [&](Operation *user) {
        return user != ce && !chain.contains(user) &&
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
