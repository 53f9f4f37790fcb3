//===- GPUThreadOrder.cpp - contiguous dimension on threadIdx.x -----------===//
#include "hrmc/Conversion/Passes.h"

#include "mlir/IR/PatternMatch.h"

namespace mlir::hrm {
#define GEN_PASS_DEF_HRMGPUTHREADORDER
#include "hrmc/Conversion/Passes.h.inc"
} // namespace mlir::hrm

using namespace mlir;

namespace {

struct HrmGPUThreadOrderPass
    : public mlir::hrm::impl::HrmGPUThreadOrderBase<HrmGPUThreadOrderPass> {
  void runOnOperation() override {
    SmallVector<scf::ParallelOp> loops;
    getOperation()->walk([&](scf::ParallelOp loop) {
      if (loop.getNumLoops() > 1 && loop.getInitVals().empty() &&
          !loop->getParentOfType<scf::ParallelOp>())
        loops.push_back(loop);
    });
    IRRewriter rewriter(&getContext());
    for (scf::ParallelOp loop : loops) {
      auto reversed = [](OperandRange range) {
        return llvm::to_vector(llvm::reverse(ValueRange(range)));
      };
      rewriter.setInsertionPoint(loop);
      auto outer = scf::ParallelOp::create(
          rewriter, loop.getLoc(), reversed(loop.getLowerBound()),
          reversed(loop.getUpperBound()), reversed(loop.getStep()));
      Block *body = outer.getBody();
      rewriter.eraseOp(body->getTerminator());
      SmallVector<Value> ivs = llvm::to_vector(llvm::reverse(
          ValueRange(body->getArguments())));
      rewriter.mergeBlocks(loop.getBody(), body, ivs);
      rewriter.eraseOp(loop);
    }
  }
};

} // namespace
