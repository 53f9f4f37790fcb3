//===- FoldAddIntoContraction.cpp - x + A B -> A B accumulated onto x -----===//
#include "hrmc/Conversion/Passes.h"
#include "hrmc/Support/Remarks.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::hrm {
#define GEN_PASS_DEF_HRMFOLDADDINTOCONTRACTION
#include "hrmc/Conversion/Passes.h.inc"
} // namespace mlir::hrm

using namespace mlir;

namespace {

/// The two inputs of `add` if it is `out = in0 + in1` elementwise on
/// tensors of the same shape.
std::optional<std::pair<OpOperand *, OpOperand *>>
matchAddition(linalg::GenericOp add) {
  if (!add.hasPureTensorSemantics() || add.getNumDpsInputs() != 2 ||
      add.getNumDpsInits() != 1 ||
      add.getNumLoops() != add.getNumParallelLoops() ||
      !llvm::all_of(add.getIndexingMapsArray(),
                    [](AffineMap m) { return m.isIdentity(); }))
    return std::nullopt;
  Block *body = add.getBlock();
  if (body->getOperations().size() != 2)
    return std::nullopt;
  auto sum = dyn_cast<arith::AddFOp>(body->front());
  auto yield = cast<linalg::YieldOp>(body->getTerminator());
  if (!sum || yield.getValues().size() != 1 || yield.getValues()[0] != sum)
    return std::nullopt;
  auto lhs = dyn_cast<BlockArgument>(sum.getLhs());
  auto rhs = dyn_cast<BlockArgument>(sum.getRhs());
  if (!lhs || !rhs || lhs.getOwner() != body || rhs.getOwner() != body ||
      lhs.getArgNumber() >= 2 || rhs.getArgNumber() >= 2 ||
      lhs.getArgNumber() == rhs.getArgNumber())
    return std::nullopt;
  return std::make_pair(add.getDpsInputOperand(0), add.getDpsInputOperand(1));
}

/// The contraction behind `value` (through at most one expand_shape) that
/// starts from a zero fill and has `value` as its only use; null if none,
/// with the reason in `whyNot` when `value` is a contraction's result.
linalg::LinalgOp zeroStartedContraction(Value value,
                                        tensor::ExpandShapeOp &expand,
                                        std::string &whyNot) {
  expand = value.getDefiningOp<tensor::ExpandShapeOp>();
  Value reshaped = value;
  if (expand)
    value = expand.getSrc();
  auto op = value.getDefiningOp<linalg::LinalgOp>();
  if (!op || op->getNumResults() != 1 || op.getNumDpsInits() != 1 ||
      !op.hasPureTensorSemantics() || !linalg::isaContractionOpInterface(op))
    return {};
  if (!value.hasOneUse() || !reshaped.hasOneUse()) {
    whyNot = "the product is read elsewhere too";
    return {};
  }
  auto fill = op.getDpsInitOperand(0)->get().getDefiningOp<linalg::FillOp>();
  if (!fill || !matchPattern(fill.getInputs()[0], m_AnyZeroFloat())) {
    whyNot = "the product does not start from zeros";
    return {};
  }
  return op;
}

/// Rewrites `add` if one input is such a contraction and the other has its
/// shape. The new contraction is built at `add`, where both are defined.
/// An addition of a contraction's product left alone gets the reason in
/// `whyNot`.
bool fold(linalg::GenericOp add, RewriterBase &rewriter, std::string &whyNot) {
  auto inputs = matchAddition(add);
  if (!inputs)
    return false;
  for (auto [product, addend] :
       {*inputs, std::make_pair(inputs->second, inputs->first)}) {
    tensor::ExpandShapeOp expand;
    linalg::LinalgOp contraction =
        zeroStartedContraction(product->get(), expand, whyNot);
    if (!contraction)
      continue;
    if (addend->get().getType() != product->get().getType()) {
      whyNot = "the addend has another type";
      continue;
    }
    rewriter.setInsertionPoint(add);
    Value init = addend->get();
    if (expand)
      init = tensor::CollapseShapeOp::create(
          rewriter, add.getLoc(), expand.getSrcType(), init,
          expand.getReassociationIndices());
    OpOperand *oldInit = contraction.getDpsInitOperand(0);
    Operation *fill = oldInit->get().getDefiningOp();
    IRMapping mapping;
    mapping.map(oldInit->get(), init);
    Operation *folded = rewriter.clone(*contraction, mapping);
    Value result = folded->getResult(0);
    if (expand) {
      mapping.map(contraction->getResult(0), result);
      result = rewriter.clone(*expand, mapping)->getResult(0);
    }
    rewriter.replaceOp(add, result);
    if (expand)
      rewriter.eraseOp(expand);
    rewriter.eraseOp(contraction);
    if (fill->use_empty())
      rewriter.eraseOp(fill);
    return true;
  }
  return false;
}

struct HrmFoldAddIntoContractionPass
    : public mlir::hrm::impl::HrmFoldAddIntoContractionBase<
          HrmFoldAddIntoContractionPass> {
  void runOnOperation() override {
    SmallVector<linalg::GenericOp> adds;
    getOperation()->walk([&](linalg::GenericOp op) { adds.push_back(op); });
    IRRewriter rewriter(&getContext());
    for (linalg::GenericOp add : adds) {
      hrmc::RemarkSite site(add);
      std::string whyNot;
      if (fold(add, rewriter, whyNot))
        hrmc::remarkPassed(*this, "residual-epilogue", site)
            << remark::add("the addition is the contraction's start value");
      else if (!whyNot.empty())
        hrmc::remarkMissed(*this, "residual-epilogue", site)
            << remark::reason("{0}", whyNot)
            << remark::add("the addition stays a kernel of its own");
    }
  }
};

} // namespace
