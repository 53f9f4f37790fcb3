//===- HostBookkeeping.cpp - deallocation bookkeeping on the stack --------===//
#include "hrmc/Conversion/Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Interfaces/FunctionInterfaces.h"

namespace mlir::hrm {
#define GEN_PASS_DEF_HRMHOSTBOOKKEEPING
#include "hrmc/Conversion/Passes.h.inc"
} // namespace mlir::hrm

using namespace mlir;

namespace {

struct HrmHostBookkeepingPass
    : public mlir::hrm::impl::HrmHostBookkeepingBase<HrmHostBookkeepingPass> {
  void runOnOperation() override {
    FunctionOpInterface func = getOperation();
    if (func.isExternal())
      return;
    Block &entry = func.getFunctionBody().front();
    SmallVector<memref::AllocOp> allocs;
    func.walk([&](memref::AllocOp alloc) {
      MemRefType type = alloc.getType();
      Type element = type.getElementType();
      if (type.hasStaticShape() && type.getLayout().isIdentity() &&
          (element.isIndex() || element.isInteger(1)) &&
          !alloc->getParentOfType<scf::ParallelOp>())
        allocs.push_back(alloc);
    });
    for (memref::AllocOp alloc : allocs) {
      // Every use must be on the host and the buffer freed by one dealloc in
      // its own block: then no two instances are ever live at once and one
      // stack slot in the entry block serves every iteration of a loop.
      SmallVector<Operation *> deallocs;
      bool hostOnly = true;
      for (Operation *user : alloc->getUsers()) {
        if (user->getParentOfType<scf::ParallelOp>())
          hostOnly = false;
        if (isa<memref::DeallocOp>(user))
          deallocs.push_back(user);
      }
      if (!hostOnly || deallocs.size() != 1 ||
          deallocs.front()->getBlock() != alloc->getBlock())
        continue;
      OpBuilder b(&entry, entry.begin());
      auto slot = memref::AllocaOp::create(b, alloc.getLoc(), alloc.getType(),
                                           alloc.getAlignmentAttr());
      deallocs.front()->erase();
      alloc.replaceAllUsesWith(slot.getResult());
      alloc.erase();
    }
  }
};

} // namespace
