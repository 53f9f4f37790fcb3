//===- CPUParallel.cpp - split large linalg ops on buffers across threads -===//
//
// Each large linalg op on buffers becomes an scf.parallel over chunks of
// some of its parallel loops, the op itself applied to the chunk's views.
// convert-scf-to-openmp then hands the chunks to OpenMP's threads. The
// chunks write disjoint parts of the outputs and each output element is
// computed by the same loops as before, so results do not change.
//
//===----------------------------------------------------------------------===//
#include "BufferLoops.h"
#include "hrmc/Conversion/Passes.h"
#include "hrmc/Support/Remarks.h"

#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::hrm {
#define GEN_PASS_DEF_HRMCPUPARALLEL
#include "hrmc/Conversion/Passes.h.inc"
} // namespace mlir::hrm

using namespace mlir;

namespace {

/// How one loop dimension is split: `count` chunks of `size` iterations.
struct Split {
  unsigned dim;
  int64_t count, size;
};

/// The fewest iterations a chunk of `dim` should have: whole register
/// tiles of hrm-cpu-register-tile along the output's rows and columns,
/// whole vectors along its columns.
int64_t minChunk(linalg::LinalgOp op, unsigned dim) {
  AffineMap out = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  ArrayRef<AffineExpr> results = out.getResults();
  if (results.empty())
    return 1;
  if (results.back() == getAffineDimExpr(dim, op.getContext()))
    return 16;
  bool rowOfTile =
      linalg::isaContractionOpInterface(op) && results.size() > 1 &&
      results[results.size() - 2] == getAffineDimExpr(dim, op.getContext());
  return rowOfTile ? 4 : 1;
}

/// The splits of `op`'s loops into at most `chunks` chunks in all, or none
/// when the op must stay whole: it is dynamic, small, has results or
/// non-permutation maps, or a loop it would split is not one along which
/// every output element is written by one iteration.
SmallVector<Split> splitsFor(linalg::LinalgOp op, int64_t minIterations,
                             int64_t chunks) {
  if (!op.hasPureBufferSemantics() || op.hasDynamicShape() ||
      op->getNumResults() != 0)
    return {};
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  int64_t iterations = 1;
  for (int64_t range : ranges)
    iterations *= range;
  if (iterations < minIterations)
    return {};
  for (AffineMap map : op.getIndexingMapsArray())
    if (!map.isProjectedPermutation())
      return {};
  // Inputs that are views of an output must read exactly the elements the
  // same iteration writes; two outputs must not share a buffer.
  SmallVector<Value> outRoots;
  for (OpOperand &init : op.getDpsInitsMutable()) {
    Value root = hrm::rootBuffer(init.get());
    if (llvm::is_contained(outRoots, root))
      return {};
    outRoots.push_back(root);
  }
  for (OpOperand *input : op.getDpsInputOperands()) {
    if (!isa<MemRefType>(input->get().getType()))
      continue;
    for (OpOperand &init : op.getDpsInitsMutable())
      if (hrm::rootBuffer(input->get()) == hrm::rootBuffer(init.get()) &&
          (input->get() != init.get() || op.getMatchingIndexingMap(input) !=
                                             op.getMatchingIndexingMap(&init)))
        return {};
  }

  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  SmallVector<Split> splits;
  int64_t left = chunks;
  for (unsigned dim = 0; dim < ranges.size() && left > 1; ++dim) {
    if (iterators[dim] != utils::IteratorType::parallel)
      continue;
    if (!llvm::all_of(op.getDpsInitsMutable(), [&](OpOperand &init) {
          return op.getMatchingIndexingMap(&init).isFunctionOfDim(dim);
        }))
      continue;
    // The most chunks, up to `left`, that divide the range into equal
    // static chunks of a multiple of minChunk iterations.
    int64_t range = ranges[dim], least = minChunk(op, dim);
    int64_t count = 1;
    for (int64_t c = std::min(left, range); c > 1; --c)
      if (range % c == 0 && (range / c) % least == 0) {
        count = c;
        break;
      }
    if (count == 1)
      continue;
    splits.push_back({dim, count, range / count});
    left /= count;
  }
  return splits;
}

/// Rewrites `op` (and `fill`, the fill of its output right before it) into
/// an scf.parallel over the chunks of `splits`.
void splitOp(RewriterBase &rewriter, linalg::LinalgOp op, linalg::FillOp fill,
             ArrayRef<Split> splits) {
  Location loc = op.getLoc();
  // At the op: ops between the fill and it may define its inputs.
  rewriter.setInsertionPoint(op);
  auto index = [&](int64_t v) {
    return arith::ConstantIndexOp::create(rewriter, loc, v).getResult();
  };
  SmallVector<Value> lbs, ubs, steps;
  for (const Split &split : splits) {
    lbs.push_back(index(0));
    ubs.push_back(index(split.count));
    steps.push_back(index(1));
  }
  auto loop = scf::ParallelOp::create(rewriter, loc, lbs, ubs, steps);
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPointToStart(loop.getBody());

  // The first iteration of each loop dimension in this chunk.
  DenseMap<unsigned, Value> offsets;
  for (auto [split, iv] : llvm::zip(splits, loop.getInductionVars()))
    offsets[split.dim] =
        arith::MulIOp::create(rewriter, loc, iv, index(split.size));
  auto chunkOf = [&](Value memref, AffineMap map) -> Value {
    auto type = cast<MemRefType>(memref.getType());
    SmallVector<OpFoldResult> at, sizes,
        strides(type.getRank(), rewriter.getIndexAttr(1));
    bool split = false;
    for (auto [axis, e] : llvm::enumerate(map.getResults())) {
      unsigned dim = cast<AffineDimExpr>(e).getPosition();
      if (Value offset = offsets.lookup(dim)) {
        const Split *s =
            llvm::find_if(splits, [&](const Split &x) { return x.dim == dim; });
        at.push_back(offset);
        sizes.push_back(rewriter.getIndexAttr(s->size));
        split = true;
        continue;
      }
      at.push_back(rewriter.getIndexAttr(0));
      sizes.push_back(rewriter.getIndexAttr(type.getDimSize(axis)));
    }
    if (!split)
      return memref;
    return memref::SubViewOp::create(rewriter, loc, memref, at, sizes, strides)
        .getResult();
  };

  // One view per distinct (buffer, map), so that an input that is the
  // output stays the same value as the output's view.
  DenseMap<std::pair<Value, AffineMap>, Value> views;
  SmallVector<Value> operands;
  for (OpOperand &operand : op->getOpOperands()) {
    Value value = operand.get();
    if (!isa<MemRefType>(value.getType())) {
      operands.push_back(value);
      continue;
    }
    AffineMap map = op.getMatchingIndexingMap(&operand);
    Value &view = views[{value, map}];
    if (!view)
      view = chunkOf(value, map);
    operands.push_back(view);
  }
  if (fill) {
    Value out = operands[op.getDpsInitOperand(0)->getOperandNumber()];
    linalg::FillOp::create(rewriter, loc, fill.getInputs()[0], out);
    rewriter.eraseOp(fill);
  }
  Operation *chunk = clone(rewriter, op, TypeRange{}, operands);

  // linalg.index counts from the chunk's start; add the chunk's offset.
  chunk->walk([&](linalg::IndexOp indexOp) {
    Value offset = offsets.lookup(indexOp.getDim());
    if (!offset)
      return;
    OpBuilder::InsertionGuard inBody(rewriter);
    rewriter.setInsertionPointAfter(indexOp);
    Value global = arith::AddIOp::create(rewriter, indexOp.getLoc(),
                                         indexOp.getResult(), offset);
    rewriter.replaceAllUsesExcept(indexOp.getResult(), global,
                                  global.getDefiningOp());
  });
  rewriter.eraseOp(op);
}

struct HrmCPUParallelPass
    : public mlir::hrm::impl::HrmCPUParallelBase<HrmCPUParallelPass> {
  using Base::Base;

  void runOnOperation() override {
    if (chunks < 2) {
      getOperation()->emitError("hrm-cpu-parallel: chunks must be at least 2");
      return signalPassFailure();
    }
    // Ops already inside a parallel loop stay as they are: OpenMP would
    // run a nested region on one thread anyway.
    SmallVector<linalg::LinalgOp> ops;
    getOperation()->walk([&](linalg::LinalgOp op) {
      if (!op->getParentOfType<scf::ParallelOp>() &&
          !op->getParentOfType<scf::ForallOp>())
        ops.push_back(op);
    });
    // A fill right before an op on the same buffer goes with that op, where
    // hrm-cpu-register-tile can still fold it into its accumulators.
    DenseMap<Operation *, linalg::FillOp> fillOf;
    DenseSet<Operation *> taken;
    for (linalg::LinalgOp op : ops)
      if (!isa<linalg::FillOp>(op) && op.getNumDpsInits() > 0)
        if (linalg::FillOp fill = hrm::precedingFill(op)) {
          fillOf[op] = fill;
          taken.insert(fill);
        }
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp op : ops) {
      if (taken.contains(op))
        continue;
      SmallVector<Split> splits = splitsFor(op, minIterations, chunks);
      if (!splits.empty()) {
        hrmc::remarkPassed(*this, "split", op)
            << remark::metric("dims", splits.size())
            << remark::metric("chunks",
                              llvm::accumulate(splits, int64_t(1),
                                               [](int64_t n, const Split &s) {
                                                 return n * s.count;
                                               }));
        splitOp(rewriter, op, fillOf.lookup(op), splits);
      }
    }
  }
};

} // namespace
