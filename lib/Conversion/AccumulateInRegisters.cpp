//===- AccumulateInRegisters.cpp - fill + reduction -> one loop nest ------===//
#include "BufferLoops.h"
#include "hrmc/Conversion/Passes.h"
#include "hrmc/Support/Remarks.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::hrm {
#define GEN_PASS_DEF_HRMACCUMULATEINREGISTERS
#include "hrmc/Conversion/Passes.h.inc"
} // namespace mlir::hrm

using namespace mlir;
using mlir::hrm::applyIndexingMap;
using mlir::hrm::precedingFill;

namespace {

/// Whether `op` writes every element of its one init exactly once, and has
/// the loops this pass builds: static ranges, a parallel and a reduction
/// dimension at least.
bool isFullReduction(linalg::LinalgOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInits() != 1 ||
      op.getNumReductionLoops() == 0 || op.getNumParallelLoops() == 0 ||
      op.hasDynamicShape())
    return false;
  AffineMap out = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  if (!out.isProjectedPermutation() ||
      out.getNumResults() != op.getNumParallelLoops())
    return false;
  for (AffineExpr e : out.getResults())
    if (iterators[cast<AffineDimExpr>(e).getPosition()] !=
        utils::IteratorType::parallel)
      return false;
  return true;
}

void lower(linalg::FillOp fill, linalg::LinalgOp op, RewriterBase &rewriter) {
  Location loc = op.getLoc();
  rewriter.setInsertionPoint(op);
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  auto index = [&](int64_t v) {
    return arith::ConstantIndexOp::create(rewriter, loc, v).getResult();
  };
  Value zero = index(0), one = index(1);
  SmallVector<Value> lbs, ubs, steps, bounds;
  for (auto [range, kind] : llvm::zip(ranges, iterators)) {
    bounds.push_back(index(range));
    if (kind == utils::IteratorType::parallel) {
      lbs.push_back(zero);
      ubs.push_back(bounds.back());
      steps.push_back(one);
    }
  }
  auto parallel = scf::ParallelOp::create(rewriter, loc, lbs, ubs, steps);
  rewriter.setInsertionPointToStart(parallel.getBody());

  // Loop variable of every dimension: parallel ones from scf.parallel,
  // reduction ones from nested scf.for carrying the accumulator.
  SmallVector<Value> ivs(ranges.size());
  unsigned next = 0;
  for (auto [dim, kind] : llvm::enumerate(iterators))
    if (kind == utils::IteratorType::parallel)
      ivs[dim] = parallel.getInductionVars()[next++];
  // Without a fill the sum starts from the output's element (a residual
  // folded into the contraction by hrm-fold-add-into-contraction).
  OpOperand *out = op.getDpsInitOperand(0);
  Value init;
  if (fill) {
    init = fill.getInputs()[0];
  } else {
    SmallVector<Value> at(ivs);
    for (Value &iv : at)
      if (!iv)
        iv = zero; // a reduction dimension, absent from the output's map
    init = memref::LoadOp::create(
        rewriter, loc, out->get(),
        applyIndexingMap(rewriter, loc, op.getMatchingIndexingMap(out), at));
  }
  SmallVector<scf::ForOp> loops;
  for (auto [dim, kind] : llvm::enumerate(iterators)) {
    if (kind != utils::IteratorType::reduction)
      continue;
    Value carried = loops.empty() ? init : loops.back().getRegionIterArg(0);
    auto loop = scf::ForOp::create(rewriter, loc, zero, bounds[dim], one,
                                   ValueRange{carried});
    ivs[dim] = loop.getInductionVar();
    if (!loops.empty())
      scf::YieldOp::create(rewriter, loc, loop.getResult(0));
    loops.push_back(loop);
    rewriter.setInsertionPointToStart(loop.getBody());
  }

  // The body: operands loaded through their indexing maps, the output
  // block argument bound to the accumulator.
  Block *body = op.getBlock();
  IRMapping mapping;
  for (OpOperand *input : op.getDpsInputOperands()) {
    Value arg = body->getArgument(input->getOperandNumber());
    Value value = input->get();
    if (isa<MemRefType>(value.getType()))
      value = memref::LoadOp::create(
          rewriter, loc, value,
          applyIndexingMap(rewriter, loc, op.getMatchingIndexingMap(input),
                           ivs));
    mapping.map(arg, value);
  }
  mapping.map(body->getArguments().back(), loops.back().getRegionIterArg(0));
  Value updated =
      mlir::hrm::inlineLinalgBody(rewriter, *body, mapping, ivs).front();
  scf::YieldOp::create(rewriter, loc, updated);

  rewriter.setInsertionPointAfter(loops.front());
  memref::StoreOp::create(
      rewriter, loc, loops.front().getResult(0), out->get(),
      applyIndexingMap(rewriter, loc, op.getMatchingIndexingMap(out), ivs));
  rewriter.eraseOp(op);
  if (fill)
    rewriter.eraseOp(fill);
}

struct HrmAccumulateInRegistersPass
    : public mlir::hrm::impl::HrmAccumulateInRegistersBase<
          HrmAccumulateInRegistersPass> {
  void runOnOperation() override {
    SmallVector<std::pair<linalg::FillOp, linalg::LinalgOp>> work;
    getOperation()->walk([&](linalg::LinalgOp op) {
      if (!isFullReduction(op))
        return;
      work.emplace_back(precedingFill(op), op);
    });
    IRRewriter rewriter(&getContext());
    for (auto [fill, op] : work) {
      hrmc::remarkPassed(*this, "register-accumulation", op)
          << remark::metric("reduced-loops", op.getNumReductionLoops())
          << remark::metric("fill-folded", fill ? "yes" : "no");
      lower(fill, op, rewriter);
    }
  }
};

} // namespace
