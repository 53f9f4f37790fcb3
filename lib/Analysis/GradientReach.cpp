//===- GradientReach.cpp - ops a reverse sweep visits ---------------------===//
#include "hrmc/Analysis/GradientReach.h"
#include "hrm/HrmOps.h"

using namespace mlir;

llvm::SmallPtrSet<Operation *, 32> hrmc::opsReachingResults(Block &block) {
  llvm::SmallPtrSet<Operation *, 32> reached;
  SmallVector<Value> work(block.getTerminator()->getOperands());
  while (!work.empty()) {
    Operation *def = work.pop_back_val().getDefiningOp();
    if (!def || def->getBlock() != &block || isa<hrm::DetachOp>(def) ||
        !reached.insert(def).second)
      continue;
    def->walk([&](Operation *nested) {
      llvm::append_range(work, nested->getOperands());
    });
  }
  return reached;
}
