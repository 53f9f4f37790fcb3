//===- DeallocAfterLastUse.cpp - free temporaries at their last use -------===//
#include "hrmc/Conversion/Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"

namespace mlir::hrm {
#define GEN_PASS_DEF_HRMDEALLOCAFTERLASTUSE
#include "hrmc/Conversion/Passes.h.inc"
} // namespace mlir::hrm

using namespace mlir;

namespace {

/// The last op of `block` that uses `buffer` or a memref made from it (other
/// than `dealloc`); null if none; failure if an alias leaves the block.
FailureOr<Operation *> lastUse(Value buffer, Block *block, Operation *dealloc) {
  Operation *last = nullptr;
  SmallVector<Value> aliases{buffer};
  DenseSet<Value> seen{buffer};
  while (!aliases.empty()) {
    Value v = aliases.pop_back_val();
    for (Operation *user : v.getUsers()) {
      if (user == dealloc)
        continue;
      Operation *ancestor = block->findAncestorOpInBlock(*user);
      if (!ancestor || ancestor == block->getTerminator())
        return failure();
      if (!last || last->isBeforeInBlock(ancestor))
        last = ancestor;
      // Whatever a user inside a region passes on (a yield, a loop's
      // iter_args) leaves through its ancestor's results.
      for (Operation *op : {user, ancestor})
        for (Value r : op->getResults())
          if (isa<BaseMemRefType>(r.getType()) && seen.insert(r).second)
            aliases.push_back(r);
    }
  }
  return last;
}

struct HrmDeallocAfterLastUsePass
    : public mlir::hrm::impl::HrmDeallocAfterLastUseBase<
          HrmDeallocAfterLastUsePass> {
  void runOnOperation() override {
    SmallVector<memref::DeallocOp> deallocs;
    getOperation()->walk(
        [&](memref::DeallocOp dealloc) { deallocs.push_back(dealloc); });
    for (memref::DeallocOp dealloc : deallocs) {
      auto alloc = dealloc.getMemref().getDefiningOp<memref::AllocOp>();
      Block *block = dealloc->getBlock();
      if (!alloc || alloc->getBlock() != block)
        continue;
      FailureOr<Operation *> last = lastUse(alloc, block, dealloc);
      if (failed(last))
        continue;
      Operation *after = *last ? *last : alloc.getOperation();
      if (after->isBeforeInBlock(dealloc))
        dealloc->moveAfter(after);
    }
  }
};

} // namespace
