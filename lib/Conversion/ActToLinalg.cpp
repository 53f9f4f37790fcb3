//===- ActToLinalg.cpp - per-position ACT ops -> linalg -------------------===//
//
// hrm.act_prob, hrm.act_update, hrm.ponder_cost, hrm.position_zeros and their
// gradients, for convert-hrm-to-linalg. Per-position tensors [B, S, 1] are
// collapsed to [B, S] where they meet an activation, so every generic reads
// through projected permutations, as the GPU and CPU tilings expect.
//
//===----------------------------------------------------------------------===//
#include "LinalgEmitter.h"

using namespace mlir;
using namespace mlir::hrm;
using namespace mlir::hrm::lowering;

namespace {

/// [B, S, 1] -> [B, S].
Value perRow(Emitter &e, Value x) {
  RankedTensorType t = Emitter::tensorOf(x);
  return tensor::CollapseShapeOp::create(
      e.b, e.loc,
      RankedTensorType::get({t.getDimSize(0), t.getDimSize(1)},
                            t.getElementType()),
      x, ArrayRef<ReassociationIndices>{{0}, {1, 2}});
}

/// p = sigmoid(state weight + bias), [B, S, 1].
Value actProb(Emitter &e, Value state, Value weight, Value bias) {
  RankedTensorType st = Emitter::tensorOf(state);
  Type element = st.getElementType();
  SmallVector<int64_t> shape{st.getDimSize(0), st.getDimSize(1), 1};
  Value biased =
      e.generic(bias, e.empty(shape, element), {e.map(3, {2}), e.identity(3)},
                {kPar, kPar, kPar}, [](OpBuilder &b, Location l, ValueRange a) {
                  yieldValue(b, l, a[0]);
                });
  Value z = e.generic(
      {state, weight}, biased,
      {e.map(4, {0, 1, 3}), e.map(4, {3, 2}), e.map(4, {0, 1, 2})},
      {kPar, kPar, kPar, kRed}, [](OpBuilder &b, Location l, ValueRange a) {
        yieldValue(b, l, add(b, l, a[2], mul(b, l, a[0], a[1])));
      });
  return e.elementwise(z, z, [](OpBuilder &b, Location l, ValueRange a) {
    yieldValue(b, l, sigmoid(b, l, a[0]));
  });
}

/// One position's ACT step, from its p, halting and remainder: the masks
/// and the updated values (hrm.act_update's description).
struct ActStep {
  Value running, newHalt;           // i1
  Value halting, remainder, weight; // halting'', remainders', w

  ActStep(OpBuilder &b, Location l, Value p, Value halting, Value remainder,
          double threshold) {
    Type t = p.getType();
    Value one = floatOf(b, l, t, 1.0), zero = floatOf(b, l, t, 0.0);
    Value thr = floatOf(b, l, t, threshold);
    Value was =
        arith::CmpFOp::create(b, l, arith::CmpFPredicate::OLT, halting, one);
    Value sum = add(b, l, halting, p);
    newHalt = arith::AndIOp::create(
        b, l, was,
        arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGT, sum, thr));
    running = arith::AndIOp::create(
        b, l, was,
        arith::CmpFOp::create(b, l, arith::CmpFPredicate::OLE, sum, thr));
    Value h1 = arith::SelectOp::create(b, l, running, sum, halting);
    this->remainder = arith::SelectOp::create(
        b, l, newHalt,
        add(b, l, remainder, arith::SubFOp::create(b, l, one, h1)), remainder);
    this->halting = arith::SelectOp::create(b, l, newHalt,
                                            add(b, l, h1, this->remainder), h1);
    weight = arith::SelectOp::create(
        b, l, running, p,
        arith::SelectOp::create(b, l, newHalt, this->remainder, zero));
  }
};

struct LowerActProb : OpRewritePattern<ActProbOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ActProbOp op,
                                PatternRewriter &rewriter) const override {
    Emitter e(rewriter, op.getLoc());
    rewriter.replaceOp(op,
                       actProb(e, op.getState(), op.getWeight(), op.getBias()));
    return success();
  }
};

struct LowerActUpdate : OpRewritePattern<ActUpdateOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ActUpdateOp op,
                                PatternRewriter &rewriter) const override {
    Emitter e(rewriter, op.getLoc());
    double threshold = op.getThreshold().convertToDouble();
    SmallVector<Value> book{op.getP(), op.getHalting(), op.getRemainders()};
    auto perPosition =
        [&](function_ref<Value(OpBuilder &, Location, ActStep &, ValueRange)>
                pick,
            ValueRange extra = {}) {
          SmallVector<Value> inputs(book);
          llvm::append_range(inputs, extra);
          return e.elementwise(
              inputs, op.getP(), [&](OpBuilder &b, Location l, ValueRange a) {
                ActStep s(b, l, a[0], a[1], a[2], threshold);
                yieldValue(b, l, pick(b, l, s, a.drop_front(3)));
              });
        };
    Value halting = perPosition([](OpBuilder &, Location, ActStep &s,
                                   ValueRange) { return s.halting; });
    Value remainders = perPosition([](OpBuilder &, Location, ActStep &s,
                                      ValueRange) { return s.remainder; });
    Value updates = perPosition(
        [](OpBuilder &b, Location l, ActStep &s, ValueRange a) {
          Value stepped = arith::OrIOp::create(b, l, s.running, s.newHalt);
          Type t = a[0].getType();
          return add(b, l, a[0],
                     arith::SelectOp::create(b, l, stepped,
                                             floatOf(b, l, t, 1.0),
                                             floatOf(b, l, t, 0.0)));
        },
        op.getUpdates());
    Value weight = perRow(e, perPosition([](OpBuilder &, Location, ActStep &s,
                                            ValueRange) { return s.weight; }));
    // acc' = transformed w + acc (1 - w), w read per row.
    RankedTensorType at = Emitter::tensorOf(op.getAcc());
    Value mixed = e.generic(
        {op.getTransformed(), op.getAcc(), weight},
        e.empty(at.getShape(), at.getElementType()),
        {e.identity(3), e.identity(3), e.map(3, {0, 1}), e.identity(3)},
        {kPar, kPar, kPar}, [](OpBuilder &b, Location l, ValueRange a) {
          Value keep = arith::SubFOp::create(
              b, l, floatOf(b, l, a[2].getType(), 1.0), a[2]);
          yieldValue(b, l,
                     add(b, l, mul(b, l, a[0], a[2]), mul(b, l, a[1], keep)));
        });
    rewriter.replaceOp(op, {mixed, halting, remainders, updates});
    return success();
  }
};

struct LowerPonderCost : OpRewritePattern<PonderCostOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(PonderCostOp op,
                                PatternRewriter &rewriter) const override {
    Emitter e(rewriter, op.getLoc());
    RankedTensorType rt = Emitter::tensorOf(op.getRemainders());
    Type element = rt.getElementType();
    MLIRContext *ctx = rewriter.getContext();
    Value sum = e.generic(
        {op.getRemainders(), op.getUpdates()}, e.filled({}, element, 0.0),
        {e.identity(3), e.identity(3), AffineMap::get(3, 0, {}, ctx)},
        {kRed, kRed, kRed}, [](OpBuilder &b, Location l, ValueRange a) {
          yieldValue(b, l, add(b, l, a[2], add(b, l, a[0], a[1])));
        });
    Value cost = scaledLoss(e, sum, op.getAcc(),
                            op.getWeight().convertToDouble() /
                                double(rt.getDimSize(0) * rt.getDimSize(1)));
    rewriter.replaceOp(op, cost);
    return success();
  }
};

struct LowerPositionZeros : OpRewritePattern<PositionZerosOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(PositionZerosOp op,
                                PatternRewriter &rewriter) const override {
    Emitter e(rewriter, op.getLoc());
    RankedTensorType t = op.getType();
    rewriter.replaceOp(op, e.filled(t.getShape(), t.getElementType(), 0.0));
    return success();
  }
};

struct LowerActProbGrad : OpRewritePattern<ActProbGradOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ActProbGradOp op,
                                PatternRewriter &rewriter) const override {
    Emitter e(rewriter, op.getLoc());
    Value state = op.getState(), weight = op.getWeight();
    RankedTensorType st = Emitter::tensorOf(state);
    Type element = st.getElementType();
    // dz = dp p (1 - p).
    Value p = actProb(e, state, weight, op.getBias());
    Value dz = e.elementwise(
        {p, op.getResultGrad()}, p, [](OpBuilder &b, Location l, ValueRange a) {
          Value q = arith::SubFOp::create(
              b, l, floatOf(b, l, a[0].getType(), 1.0), a[0]);
          yieldValue(b, l, mul(b, l, a[1], mul(b, l, a[0], q)));
        });
    // d state[b, s, k] = dz[b, s] weight[k, 0].
    int64_t d = st.getDimSize(2);
    Value column = tensor::CollapseShapeOp::create(
        rewriter, op.getLoc(), RankedTensorType::get({d}, element), weight,
        ArrayRef<ReassociationIndices>{{0, 1}});
    Value dState = e.generic(
        {perRow(e, dz), column}, e.empty(st.getShape(), element),
        {e.map(3, {0, 1}), e.map(3, {2}), e.identity(3)}, {kPar, kPar, kPar},
        [](OpBuilder &b, Location l, ValueRange a) {
          yieldValue(b, l, mul(b, l, a[0], a[1]));
        });
    // d weight[k, 0] = sum over b, s of state[b, s, k] dz[b, s, 0].
    Value dWeight = e.generic(
        {state, dz}, e.filled({d, 1}, element, 0.0),
        {e.map(4, {2, 3, 0}), e.map(4, {2, 3, 1}), e.map(4, {0, 1})},
        {kPar, kPar, kRed, kRed}, [](OpBuilder &b, Location l, ValueRange a) {
          yieldValue(b, l, add(b, l, a[2], mul(b, l, a[0], a[1])));
        });
    Value dBias = e.generic(
        dz, e.filled({1}, element, 0.0), {e.map(3, {1, 2, 0}), e.map(3, {0})},
        {kPar, kRed, kRed}, [](OpBuilder &b, Location l, ValueRange a) {
          yieldValue(b, l, add(b, l, a[1], a[0]));
        });
    rewriter.replaceOp(op, {dState, dWeight, dBias});
    return success();
  }
};

struct LowerActUpdateGrad : OpRewritePattern<ActUpdateGradOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ActUpdateGradOp op,
                                PatternRewriter &rewriter) const override {
    Emitter e(rewriter, op.getLoc());
    double threshold = op.getThreshold().convertToDouble();
    Value p = op.getP(), t = op.getTransformed(), acc = op.getAcc(),
          dAcc = op.getNewAccGrad();
    RankedTensorType at = Emitter::tensorOf(acc);
    Type element = at.getElementType();
    SmallVector<Value> book{p, op.getHalting(), op.getRemainders()};
    // dw[b, s, 0] = sum over k of d acc'[b, s, k] (transformed - acc).
    Value dw = e.generic(
        {dAcc, t, acc},
        e.filled({at.getDimSize(0), at.getDimSize(1), 1}, element, 0.0),
        {e.map(4, {0, 1, 3}), e.map(4, {0, 1, 3}), e.map(4, {0, 1, 3}),
         e.map(4, {0, 1, 2})},
        {kPar, kPar, kPar, kRed}, [](OpBuilder &b, Location l, ValueRange a) {
          Value diff = arith::SubFOp::create(b, l, a[1], a[2]);
          yieldValue(b, l, add(b, l, a[3], mul(b, l, a[0], diff)));
        });
    // The bookkeeping's gradients, with dr' = d remainders' + new_halt
    // (d halting'' + dw) and dh' = d halting'' - new_halt dr'.
    auto perPosition = [&](unsigned which) {
      SmallVector<Value> inputs(book);
      inputs.append({dw, op.getNewHaltingGrad(), op.getNewRemaindersGrad()});
      return e.elementwise(
          inputs, p, [&, which](OpBuilder &b, Location l, ValueRange a) {
            ActStep s(b, l, a[0], a[1], a[2], threshold);
            Value zero = floatOf(b, l, a[0].getType(), 0.0);
            Value dHalt = arith::SelectOp::create(b, l, s.newHalt,
                                                  add(b, l, a[4], a[3]), zero);
            Value dRem = add(b, l, a[5], dHalt);
            Value dH1 = arith::SubFOp::create(
                b, l, a[4],
                arith::SelectOp::create(b, l, s.newHalt, dRem, zero));
            Value v;
            if (which == 0) // p
              v = arith::SelectOp::create(b, l, s.running, add(b, l, dH1, a[3]),
                                          zero);
            else if (which == 1) // halting
              v = dH1;
            else // remainders
              v = dRem;
            yieldValue(b, l, v);
          });
    };
    Value dP = perPosition(0), dHalting = perPosition(1),
          dRemainders = perPosition(2);
    Value weight = perRow(
        e, e.elementwise(book, p, [&](OpBuilder &b, Location l, ValueRange a) {
          yieldValue(b, l, ActStep(b, l, a[0], a[1], a[2], threshold).weight);
        }));
    auto scaled = [&](bool keep) {
      return e.generic({dAcc, weight}, e.empty(at.getShape(), element),
                       {e.identity(3), e.map(3, {0, 1}), e.identity(3)},
                       {kPar, kPar, kPar},
                       [keep](OpBuilder &b, Location l, ValueRange a) {
                         Value w = a[1];
                         if (keep)
                           w = arith::SubFOp::create(
                               b, l, floatOf(b, l, w.getType(), 1.0), w);
                         yieldValue(b, l, mul(b, l, a[0], w));
                       });
    };
    rewriter.replaceOp(
        op, {dP, scaled(false), scaled(true), dHalting, dRemainders});
    return success();
  }
};

struct LowerPonderCostGrad : OpRewritePattern<PonderCostGradOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(PonderCostGradOp op,
                                PatternRewriter &rewriter) const override {
    Emitter e(rewriter, op.getLoc());
    RankedTensorType rt = op.getType();
    Type element = rt.getElementType();
    double scale = op.getWeight().convertToDouble() /
                   double(rt.getDimSize(0) * rt.getDimSize(1));
    Value grad = e.generic(
        op.getLossGrad(), e.empty(rt.getShape(), element),
        {AffineMap::get(3, 0, {}, rewriter.getContext()), e.identity(3)},
        {kPar, kPar, kPar}, [&](OpBuilder &b, Location l, ValueRange a) {
          yieldValue(b, l, mul(b, l, a[0], floatOf(b, l, element, scale)));
        });
    rewriter.replaceOp(op, grad);
    return success();
  }
};

} // namespace

void mlir::hrm::lowering::populateActToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns
      .add<LowerActProb, LowerActUpdate, LowerPonderCost, LowerPositionZeros,
           LowerActProbGrad, LowerActUpdateGrad, LowerPonderCostGrad>(
          patterns.getContext());
}
