//===- HrmLoopsToSCF.cpp - hrm loops -> scf.for ---------------------------===//
#include "hrm/HrmOps.h"
#include "hrmc/Conversion/Passes.h"

#include "mlir/IR/PatternMatch.h"

namespace mlir::hrm {
#define GEN_PASS_DEF_CONVERTHRMLOOPSTOSCF
#include "hrmc/Conversion/Passes.h.inc"
} // namespace mlir::hrm

using namespace mlir;
using namespace mlir::hrm;

namespace {

Value indexConstant(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantIndexOp::create(b, loc, value);
}

/// scf.for's builder adds a terminator only when there are no iter_args.
void dropTerminator(RewriterBase &rewriter, Block *body) {
  if (!body->empty() && body->back().hasTrait<OpTrait::IsTerminator>())
    rewriter.eraseOp(&body->back());
}

/// Moves the ops of a one-block loop region to the end of `dest` (the body
/// of an scf.for, without its terminator yet) with `args` for the block
/// arguments; returns what the region yields.
SmallVector<Value> inlineStep(RewriterBase &rewriter, Region &region,
                              Block *dest, ValueRange args) {
  Block &body = region.front();
  auto yield = cast<YieldOp>(body.getTerminator());
  rewriter.inlineBlockBefore(&body, dest, dest->end(), args);
  SmallVector<Value> results(yield.getValues());
  rewriter.eraseOp(yield);
  return results;
}

void lowerHierLoop(RewriterBase &rewriter, HierLoopOp loop) {
  Location loc = loop.getLoc();
  rewriter.setInsertionPoint(loop);
  Value zero = indexConstant(rewriter, loc, 0);
  Value one = indexConstant(rewriter, loc, 1);
  int64_t t = loop.getTAttr().getInt();
  Value n = indexConstant(rewriter, loc, loop.getNAttr().getInt());
  Value tSteps = indexConstant(rewriter, loc, t);

  auto cycles =
      scf::ForOp::create(rewriter, loc, zero, n, one, loop.getCarriedInits());
  Block *cycleBody = cycles.getBody();
  Value i = cycles.getInductionVar();
  Value slowState = cycleBody->getArgument(2);
  ValueRange accs = cycleBody->getArguments().drop_front(3);
  dropTerminator(rewriter, cycleBody);

  rewriter.setInsertionPointToEnd(cycleBody);
  auto fastSteps = scf::ForOp::create(rewriter, loc, zero, tSteps, one,
                                      ValueRange{cycleBody->getArgument(1)});
  Block *fastBody = fastSteps.getBody();
  dropTerminator(rewriter, fastBody);
  rewriter.setInsertionPointToEnd(fastBody);
  Value step = arith::AddIOp::create(
      rewriter, loc, arith::MulIOp::create(rewriter, loc, i, tSteps),
      fastSteps.getInductionVar());
  SmallVector<Value> fastArgs{step, fastBody->getArgument(1), slowState};
  llvm::append_range(fastArgs, accs);
  SmallVector<Value> fastNext =
      inlineStep(rewriter, loop.getFast(), fastBody, fastArgs);
  rewriter.setInsertionPointToEnd(fastBody);
  scf::YieldOp::create(rewriter, loc, fastNext);

  rewriter.setInsertionPointToEnd(cycleBody);
  Value fastState = fastSteps.getResult(0);
  SmallVector<Value> slowArgs{i, fastState, slowState};
  llvm::append_range(slowArgs, accs);
  SmallVector<Value> next{fastState};
  llvm::append_range(next,
                     inlineStep(rewriter, loop.getSlow(), cycleBody, slowArgs));
  rewriter.setInsertionPointToEnd(cycleBody);
  scf::YieldOp::create(rewriter, loc, next);
  rewriter.replaceOp(loop, cycles.getResults());
}

void lowerLoop(RewriterBase &rewriter, LoopOp loop) {
  Location loc = loop.getLoc();
  rewriter.setInsertionPoint(loop);
  Value count = loop.getCount();
  if (!count)
    count = indexConstant(rewriter, loc, loop.getStepsAttr().getInt());
  auto steps =
      scf::ForOp::create(rewriter, loc, indexConstant(rewriter, loc, 0), count,
                         indexConstant(rewriter, loc, 1), loop.getInits());
  Block *body = steps.getBody();
  dropTerminator(rewriter, body);
  SmallVector<Value> next =
      inlineStep(rewriter, loop.getBody(), body, body->getArguments());
  rewriter.setInsertionPointToEnd(body);
  scf::YieldOp::create(rewriter, loc, next);
  // What hrm-decode-entry runs, whose caches need a static count.
  if (loop.getCount())
    steps->setAttr("hrm.steps", loop.getStepsAttr());
  rewriter.replaceOp(loop, steps.getResults());
}

struct ConvertHrmLoopsToSCFPass
    : public mlir::hrm::impl::ConvertHrmLoopsToSCFBase<
          ConvertHrmLoopsToSCFPass> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    // Outer loops first, so that nested loops move with their parents'
    // bodies before they are lowered.
    SmallVector<Operation *> loops;
    getOperation()->walk<WalkOrder::PreOrder>([&](Operation *op) {
      if (isa<HierLoopOp, LoopOp>(op))
        loops.push_back(op);
    });
    for (Operation *op : loops) {
      if (auto loop = dyn_cast<HierLoopOp>(op))
        lowerHierLoop(rewriter, loop);
      else
        lowerLoop(rewriter, cast<LoopOp>(op));
    }
  }
};

} // namespace
