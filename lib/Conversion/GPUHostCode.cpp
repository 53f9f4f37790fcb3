//===- GPUHostCode.cpp - host code that touches buffers -> 1-thread loops -===//
#include "hrmc/Conversion/Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir::hrm {
#define GEN_PASS_DEF_HRMGPUHOSTCODE
#include "hrmc/Conversion/Passes.h.inc"
} // namespace mlir::hrm

using namespace mlir;

namespace {

/// Model data, as opposed to buffer-deallocation's bookkeeping (index and
/// i1 buffers the host reads itself).
bool isModelData(Value memref) {
  Type element = cast<MemRefType>(memref.getType()).getElementType();
  return !element.isIndex() && !element.isInteger(1);
}

/// Whether `op` can run inside a kernel; `touches` is set when it reads or
/// writes model data.
bool movable(Operation *op, bool &touches) {
  if (auto load = dyn_cast<memref::LoadOp>(op)) {
    touches = true;
    return isModelData(load.getMemRef());
  }
  if (auto store = dyn_cast<memref::StoreOp>(op)) {
    touches = true;
    return isModelData(store.getMemRef());
  }
  if (isa<scf::ForOp, scf::IfOp>(op)) {
    WalkResult r = op->walk([&](Operation *inner) {
      if (inner == op || isa<scf::YieldOp>(inner))
        return WalkResult::advance();
      return movable(inner, touches) ? WalkResult::advance()
                                     : WalkResult::interrupt();
    });
    return !r.wasInterrupted();
  }
  return op->getNumRegions() == 0 && isPure(op);
}

struct HrmGPUHostCodePass
    : public mlir::hrm::impl::HrmGPUHostCodeBase<HrmGPUHostCodePass> {
  void runOnOperation() override {
    // Outer blocks first: a loop moved whole takes its inner blocks along.
    SmallVector<Block *> blocks;
    getOperation()->walk<WalkOrder::PreOrder>([&](Operation *op) {
      if (isa<FunctionOpInterface, scf::ForOp, scf::IfOp>(op))
        for (Region &region : op->getRegions())
          for (Block &block : region)
            blocks.push_back(&block);
    });
    // Loops already on the GPU (parallel loops, hrm-matmul-to-mma-sync's
    // launches) are left alone.
    for (Block *block : blocks)
      if (!block->getParentOp()->getParentOfType<scf::ParallelOp>() &&
          !block->getParentOp()->getParentOfType<gpu::LaunchOp>())
        wrapRuns(*block);
  }

  /// Moves each maximal run of movable operations that touches model data
  /// and defines nothing used after it into `scf.parallel (0) to (1)`.
  void wrapRuns(Block &block) {
    SmallVector<Operation *> run;
    bool touches = false;
    auto flush = [&] {
      // Pure code at the end of a run whose results are used after it (the
      // deallocation's bookkeeping) stays out of it.
      while (!run.empty() && escapes(run) && isPure(run.back()))
        run.pop_back();
      if (touches && !run.empty() && !escapes(run))
        wrap(run);
      run.clear();
      touches = false;
    };
    for (Operation &op : llvm::make_early_inc_range(block)) {
      if (op.hasTrait<OpTrait::IsTerminator>()) {
        flush();
        continue;
      }
      // Constants need not move: they are hoisted above the run.
      if (op.hasTrait<OpTrait::ConstantLike>()) {
        if (!run.empty())
          op.moveBefore(run.front());
        continue;
      }
      // Only loops and memory accesses start a run (pure code alone stays).
      bool t = false;
      if (movable(&op, t) &&
          (!run.empty() || t || isa<scf::ForOp>(op))) {
        run.push_back(&op);
        touches |= t;
        continue;
      }
      flush();
    }
    flush();
  }

  static bool escapes(ArrayRef<Operation *> run) {
    llvm::SmallPtrSet<Operation *, 16> inside(run.begin(), run.end());
    Block *block = run.front()->getBlock();
    for (Operation *op : run)
      for (Operation *user : op->getUsers()) {
        Operation *top = block->findAncestorOpInBlock(*user);
        if (!top || !inside.contains(top))
          return true;
      }
    return false;
  }

  void wrap(ArrayRef<Operation *> run) {
    OpBuilder b(run.front());
    Location loc = run.front()->getLoc();
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    auto loop = scf::ParallelOp::create(b, loc, ValueRange{zero},
                                        ValueRange{one}, ValueRange{one});
    Operation *terminator = loop.getBody()->getTerminator();
    for (Operation *op : run)
      op->moveBefore(terminator);
  }
};

} // namespace
