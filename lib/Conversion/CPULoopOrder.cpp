//===- CPULoopOrder.cpp - contiguous innermost loops for contractions -----===//
#include "hrmc/Conversion/Passes.h"

#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::hrm {
#define GEN_PASS_DEF_HRMCPULOOPORDER
#include "hrmc/Conversion/Passes.h.inc"
} // namespace mlir::hrm

using namespace mlir;

namespace {

/// Parallel dimensions, then reductions, then the dimension that indexes the
/// output's last (contiguous) axis; empty if that is already the order or
/// the output's last axis is not a plain loop dimension.
SmallVector<unsigned> contiguousOrder(linalg::LinalgOp op) {
  // On buffers the op has no result; its init is the output.
  AffineMap out = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  if (out.getNumResults() == 0)
    return {};
  auto last = dyn_cast<AffineDimExpr>(out.getResults().back());
  if (!last)
    return {};
  unsigned inner = last.getPosition();
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  SmallVector<unsigned> order;
  for (unsigned d = 0; d < iterators.size(); ++d)
    if (d != inner && iterators[d] == utils::IteratorType::parallel)
      order.push_back(d);
  for (unsigned d = 0; d < iterators.size(); ++d)
    if (iterators[d] == utils::IteratorType::reduction)
      order.push_back(d);
  order.push_back(inner);
  for (unsigned d = 0; d < order.size(); ++d)
    if (order[d] != d)
      return order;
  return {};
}

struct HrmCPULoopOrderPass
    : public mlir::hrm::impl::HrmCPULoopOrderBase<HrmCPULoopOrderPass> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    SmallVector<linalg::LinalgOp> contractions;
    getOperation()->walk([&](linalg::LinalgOp op) {
      if (op.getNumDpsInits() == 1 && linalg::isaContractionOpInterface(op))
        contractions.push_back(op);
    });
    for (linalg::LinalgOp op : contractions) {
      SmallVector<unsigned> order = contiguousOrder(op);
      if (order.empty())
        continue;
      rewriter.setInsertionPoint(op);
      auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
      if (!generic) {
        FailureOr<linalg::GenericOp> g = linalg::generalizeNamedOp(rewriter, op);
        if (failed(g)) {
          op.emitError("cannot generalize this contraction");
          return signalPassFailure();
        }
        generic = *g;
      }
      if (failed(linalg::interchangeGenericOp(rewriter, generic, order))) {
        generic.emitError("cannot interchange the loops of this contraction");
        return signalPassFailure();
      }
    }
  }
};

} // namespace
