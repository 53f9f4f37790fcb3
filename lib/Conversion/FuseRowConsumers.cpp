//===- FuseRowConsumers.cpp - a row reduction and its broadcast consumer --===//
#include "BufferLoops.h"
#include "hrmc/Conversion/Passes.h"
#include "hrmc/Support/Remarks.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir::hrm {
#define GEN_PASS_DEF_HRMFUSEROWCONSUMERS
#include "hrmc/Conversion/Passes.h.inc"
} // namespace mlir::hrm

using namespace mlir;
using mlir::hrm::applyIndexingMap;
using mlir::hrm::rootBuffer;

namespace {

/// The all-parallel generic after `loop` that reads the row values
/// broadcast along its trailing dimensions, if fusing it into the row loop
/// keeps every read before the write it depended on.
linalg::GenericOp rowConsumer(scf::ParallelOp loop, memref::StoreOp store) {
  linalg::GenericOp generic = mlir::hrm::elementwiseConsumerAfter(loop);
  if (!generic)
    return {};
  unsigned rows = loop.getNumLoops();
  SmallVector<int64_t> ranges = generic.getStaticLoopRanges();
  if (ranges.size() <= rows)
    return {};
  for (auto [range, ub] :
       llvm::zip(ArrayRef(ranges).take_front(rows), loop.getUpperBound()))
    if (!isConstantIntValue(ub, range))
      return {};
  bool readsRow = false;
  AffineMap rowMap =
      AffineMap::getMultiDimIdentityMap(ranges.size(), loop.getContext())
          .getMajorSubMap(rows);
  for (OpOperand *input : generic.getDpsInputOperands())
    if (input->get() == store.getMemRef()) {
      if (generic.getMatchingIndexingMap(input) != rowMap)
        return {};
      readsRow = true;
    }
  if (!readsRow)
    return {};
  // Outputs written in place of something the row loop reads: only the
  // same buffer, read in the same row, so that the row's reads come first.
  for (OpOperand &init : generic.getDpsInitsMutable()) {
    if (!generic.getMatchingIndexingMap(&init).isIdentity())
      return {};
    Value root = rootBuffer(init.get());
    WalkResult clash = loop.getBody()->walk([&](memref::LoadOp load) {
      if (rootBuffer(load.getMemRef()) != root)
        return WalkResult::advance();
      if (load.getMemRef() != init.get() ||
          load.getIndices().take_front(rows) != loop.getInductionVars())
        return WalkResult::interrupt();
      return WalkResult::advance();
    });
    if (clash.wasInterrupted() || root == rootBuffer(store.getMemRef()))
      return {};
    // Rows run in parallel now: an input that is also written must be
    // read element for element.
    for (OpOperand *input : generic.getDpsInputOperands())
      if (rootBuffer(input->get()) == root &&
          (input->get() != init.get() ||
           !generic.getMatchingIndexingMap(input).isIdentity()))
        return {};
  }
  return generic;
}

void fuse(scf::ParallelOp loop, memref::StoreOp store,
          linalg::GenericOp generic, RewriterBase &rewriter) {
  Location loc = generic.getLoc();
  unsigned rows = loop.getNumLoops();
  // What lies between is pure or an allocation (rowConsumer): the row loop
  // can move down to the consumer, whose operands then dominate it.
  loop->moveBefore(generic);
  SmallVector<int64_t> ranges = generic.getStaticLoopRanges();
  rewriter.setInsertionPoint(loop.getBody()->getTerminator());
  SmallVector<Value> ivs(loop.getInductionVars());
  Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
  Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
  for (int64_t range : ArrayRef(ranges).drop_front(rows)) {
    Value ub = arith::ConstantIndexOp::create(rewriter, loc, range);
    auto inner = scf::ForOp::create(rewriter, loc, zero, ub, one);
    ivs.push_back(inner.getInductionVar());
    rewriter.setInsertionPointToStart(inner.getBody());
  }
  Block *body = generic.getBody();
  IRMapping mapping;
  for (OpOperand &operand : generic->getOpOperands()) {
    BlockArgument arg = body->getArgument(operand.getOperandNumber());
    if (arg.use_empty())
      continue;
    Value value =
        operand.get() == store.getMemRef() && !generic.isDpsInit(&operand)
            ? store.getValueToStore()
            : memref::LoadOp::create(
                  rewriter, loc, operand.get(),
                  applyIndexingMap(rewriter, loc,
                                   generic.getMatchingIndexingMap(&operand),
                                   ivs))
                  .getResult();
    mapping.map(arg, value);
  }
  SmallVector<Value> results =
      mlir::hrm::inlineLinalgBody(rewriter, *body, mapping, ivs);
  for (auto [value, init] : llvm::zip(results, generic.getDpsInitsMutable()))
    memref::StoreOp::create(
        rewriter, loc, value, init.get(),
        applyIndexingMap(rewriter, loc, generic.getMatchingIndexingMap(&init),
                         ivs));
  rewriter.eraseOp(generic);
}

struct HrmFuseRowConsumersPass
    : public mlir::hrm::impl::HrmFuseRowConsumersBase<HrmFuseRowConsumersPass> {
  void runOnOperation() override {
    SmallVector<scf::ParallelOp> loops;
    getOperation()->walk([&](scf::ParallelOp loop) {
      if (!loop->getParentOfType<scf::ParallelOp>())
        loops.push_back(loop);
    });
    IRRewriter rewriter(&getContext());
    for (scf::ParallelOp loop : loops) {
      memref::StoreOp store = mlir::hrm::finalStore(loop);
      if (!store)
        continue;
      if (linalg::GenericOp generic = rowConsumer(loop, store)) {
        hrmc::remarkPassed(*this, "row-consumer", generic);
        fuse(loop, store, generic, rewriter);
      }
    }
  }
};

} // namespace
