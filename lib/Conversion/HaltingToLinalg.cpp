//===- HaltingToLinalg.cpp - the halting head's ops -> linalg -------------===//
//
// hrm.q_head, hrm.sequence_correct, hrm.halt_loss and their gradients, for
// convert-hrm-to-linalg. The head reads one position and the loss two
// columns: those are tensor.extract in a generic's body, as cross-entropy
// picks its target logit, so the GPU pipeline sees familiar generics.
//
//===----------------------------------------------------------------------===//
#include "LinalgEmitter.h"

using namespace mlir;
using namespace mlir::hrm;
using namespace mlir::hrm::lowering;

namespace {

Value indexOf(OpBuilder &b, Location l, int64_t v) {
  return arith::ConstantIndexOp::create(b, l, v);
}

/// The head's position: 0, or the last one.
int64_t headPosition(Value state, bool last) {
  return last ? Emitter::tensorOf(state).getDimSize(1) - 1 : 0;
}

/// Binary cross-entropy of logit `x` against probability `t`, in the
/// stable form max(x, 0) - x t + log(1 + exp(-|x|)).
Value bceWithLogits(OpBuilder &b, Location l, Value x, Value t) {
  Type type = x.getType();
  Value relu = arith::MaximumFOp::create(b, l, x, floatOf(b, l, type, 0.0));
  Value tail = math::LogOp::create(
      b, l,
      add(b, l, floatOf(b, l, type, 1.0),
          math::ExpOp::create(
              b, l,
              arith::NegFOp::create(b, l, math::AbsFOp::create(b, l, x)))));
  return add(b, l, arith::SubFOp::create(b, l, relu, mul(b, l, x, t)), tail);
}

/// The continue logit's target: sigmoid(next halt) at a row's last
/// segment, sigmoid(max(next halt, next continue)) before it.
Value continueTarget(OpBuilder &b, Location l, Value nextHalt,
                     Value nextContinue, Value last) {
  Value atLast = arith::CmpIOp::create(
      b, l, arith::CmpIPredicate::ne, last,
      arith::ConstantOp::create(b, l, b.getI32IntegerAttr(0)));
  Value best = arith::MaximumFOp::create(b, l, nextHalt, nextContinue);
  return sigmoid(b, l, arith::SelectOp::create(b, l, atLast, nextHalt, best));
}

/// Elements (row, 0) and (row, 1) of a [batch, 2] tensor.
std::pair<Value, Value> columns(OpBuilder &b, Location l, Value heads,
                                Value row) {
  return {
      tensor::ExtractOp::create(b, l, heads, ValueRange{row, indexOf(b, l, 0)}),
      tensor::ExtractOp::create(b, l, heads,
                                ValueRange{row, indexOf(b, l, 1)})};
}

struct LowerQHead : OpRewritePattern<QHeadOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(QHeadOp op,
                                PatternRewriter &rewriter) const override {
    Emitter e(rewriter, op.getLoc());
    RankedTensorType type = op.getType();
    Value state = op.getState();
    int64_t pos = headPosition(state, op.getLast());
    // The bias, then state[b, pos, :] weight added into it.
    Value biased =
        e.generic(op.getBias(), e.empty(type.getShape(), type.getElementType()),
                  {e.map(2, {1}), e.identity(2)}, {kPar, kPar},
                  [&](OpBuilder &b, Location l, ValueRange a) {
                    yieldValue(b, l, a[0]);
                  });
    Value q = e.generic(
        op.getWeight(), biased, {e.map(3, {2, 1}), e.map(3, {0, 1})},
        {kPar, kPar, kRed}, [&](OpBuilder &b, Location l, ValueRange a) {
          Value x = tensor::ExtractOp::create(
              b, l, state,
              ValueRange{linalg::IndexOp::create(b, l, 0), indexOf(b, l, pos),
                         linalg::IndexOp::create(b, l, 2)});
          yieldValue(b, l, add(b, l, a[1], mul(b, l, x, a[0])));
        });
    rewriter.replaceOp(op, q);
    return success();
  }
};

struct LowerSequenceCorrect : OpRewritePattern<SequenceCorrectOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SequenceCorrectOp op,
                                PatternRewriter &rewriter) const override {
    Emitter e(rewriter, op.getLoc());
    Value logits = op.getLogits();
    RankedTensorType type = op.getType();
    Type element = type.getElementType();
    Value maxima = rowMax(e, logits);
    // 1 until a position's target logit is below its maximum.
    Value correct = e.generic(
        {maxima, op.getTargets()}, e.filled(type.getShape(), element, 1.0),
        {e.identity(2), e.identity(2), e.map(2, {0})}, {kPar, kRed},
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value t = arith::IndexCastOp::create(b, l, b.getIndexType(), a[1]);
          Value picked = tensor::ExtractOp::create(
              b, l, logits,
              ValueRange{linalg::IndexOp::create(b, l, 0),
                         linalg::IndexOp::create(b, l, 1), t});
          Value hit = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGE,
                                            picked, a[0]);
          yieldValue(b, l,
                     arith::SelectOp::create(b, l, hit, a[2],
                                             floatOf(b, l, element, 0.0)));
        });
    rewriter.replaceOp(op, correct);
    return success();
  }
};

struct LowerHaltLoss : OpRewritePattern<HaltLossOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(HaltLossOp op,
                                PatternRewriter &rewriter) const override {
    Emitter e(rewriter, op.getLoc());
    Type element = op.getType().getElementType();
    MLIRContext *ctx = rewriter.getContext();
    Value q = op.getQ(), next = op.getNext();
    int64_t batch = Emitter::tensorOf(q).getDimSize(0);
    Value sum =
        e.generic({op.getCorrect(), op.getLast()}, e.filled({}, element, 0.0),
                  {e.identity(1), e.identity(1), AffineMap::get(1, 0, {}, ctx)},
                  {kRed}, [&](OpBuilder &b, Location l, ValueRange a) {
                    Value row = linalg::IndexOp::create(b, l, 0);
                    auto [halt, cont] = columns(b, l, q, row);
                    auto [nextHalt, nextCont] = columns(b, l, next, row);
                    Value target =
                        continueTarget(b, l, nextHalt, nextCont, a[1]);
                    Value both = add(b, l, bceWithLogits(b, l, halt, a[0]),
                                     bceWithLogits(b, l, cont, target));
                    yieldValue(b, l, add(b, l, a[2], both));
                  });
    // weight / batch times the sum, added to the accumulator if any.
    Value loss = scaledLoss(e, sum, op.getAcc(),
                            op.getWeight().convertToDouble() / double(batch));
    rewriter.replaceOp(op, loss);
    return success();
  }
};

struct LowerQHeadGrad : OpRewritePattern<QHeadGradOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(QHeadGradOp op,
                                PatternRewriter &rewriter) const override {
    Emitter e(rewriter, op.getLoc());
    Value state = op.getState(), weight = op.getWeight(),
          dq = op.getResultGrad();
    RankedTensorType st = Emitter::tensorOf(state);
    Type element = st.getElementType();
    int64_t pos = headPosition(state, op.getLast());
    // d state[b, pos, :] = dq[b, :] weight^T; zero elsewhere.
    Value dState = e.generic(
        ValueRange{}, e.empty(st.getShape(), element), {e.identity(3)},
        {kPar, kPar, kPar}, [&](OpBuilder &b, Location l, ValueRange) {
          Value row = linalg::IndexOp::create(b, l, 0);
          Value s = linalg::IndexOp::create(b, l, 1);
          Value d = linalg::IndexOp::create(b, l, 2);
          auto [dHalt, dCont] = columns(b, l, dq, row);
          auto [wHalt, wCont] = columns(b, l, weight, d);
          Value v = add(b, l, mul(b, l, dHalt, wHalt), mul(b, l, dCont, wCont));
          Value here = arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, s,
                                             indexOf(b, l, pos));
          yieldValue(b, l,
                     arith::SelectOp::create(b, l, here, v,
                                             floatOf(b, l, element, 0.0)));
        });
    // d weight[d, j] = sum over b of state[b, pos, d] dq[b, j].
    RankedTensorType wt = Emitter::tensorOf(weight);
    Value dWeight = e.generic(
        dq, e.filled(wt.getShape(), element, 0.0),
        {e.map(3, {2, 1}), e.map(3, {0, 1})}, {kPar, kPar, kRed},
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value x = tensor::ExtractOp::create(
              b, l, state,
              ValueRange{linalg::IndexOp::create(b, l, 2), indexOf(b, l, pos),
                         linalg::IndexOp::create(b, l, 0)});
          yieldValue(b, l, add(b, l, a[1], mul(b, l, x, a[0])));
        });
    Value dBias = e.generic(dq, e.filled({2}, element, 0.0),
                            {e.map(2, {1, 0}), e.map(2, {0})}, {kPar, kRed},
                            [&](OpBuilder &b, Location l, ValueRange a) {
                              yieldValue(b, l, add(b, l, a[1], a[0]));
                            });
    rewriter.replaceOp(op, {dState, dWeight, dBias});
    return success();
  }
};

struct LowerHaltLossGrad : OpRewritePattern<HaltLossGradOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(HaltLossGradOp op,
                                PatternRewriter &rewriter) const override {
    Emitter e(rewriter, op.getLoc());
    RankedTensorType type = op.getType();
    Type element = type.getElementType();
    Value next = op.getNext();
    double scale =
        op.getWeight().convertToDouble() / double(type.getDimSize(0));
    AffineMap scalar = AffineMap::get(2, 0, {}, rewriter.getContext());
    Value grad = e.generic(
        {op.getQ(), op.getCorrect(), op.getLast(), op.getLossGrad()},
        e.empty(type.getShape(), element),
        {e.identity(2), e.map(2, {0}), e.map(2, {0}), scalar, e.identity(2)},
        {kPar, kPar}, [&](OpBuilder &b, Location l, ValueRange a) {
          Value row = linalg::IndexOp::create(b, l, 0);
          Value col = linalg::IndexOp::create(b, l, 1);
          auto [nextHalt, nextCont] = columns(b, l, next, row);
          Value isHalt = arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq,
                                               col, indexOf(b, l, 0));
          Value target = arith::SelectOp::create(
              b, l, isHalt, a[1],
              continueTarget(b, l, nextHalt, nextCont, a[2]));
          Value diff = arith::SubFOp::create(b, l, sigmoid(b, l, a[0]), target);
          yieldValue(
              b, l,
              mul(b, l, diff, mul(b, l, a[3], floatOf(b, l, element, scale))));
        });
    rewriter.replaceOp(op, grad);
    return success();
  }
};

} // namespace

void mlir::hrm::lowering::populateHaltingToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<LowerQHead, LowerSequenceCorrect, LowerHaltLoss, LowerQHeadGrad,
               LowerHaltLossGrad>(patterns.getContext());
}
