//===- HrmGradToLinalg.cpp - hrm gradient ops -> linalg on tensors --------===//
//
// The vector-Jacobian products hrm-autodiff emits, as patterns of
// convert-hrm-to-linalg. Each recomputes what it needs of its forward op
// from that op's inputs, so the forward pass stores inputs only.
//
//===----------------------------------------------------------------------===//
#include "LinalgEmitter.h"

#include "mlir/Dialect/SCF/IR/SCF.h"

#include <cmath>

using namespace mlir;
using namespace mlir::hrm;
using namespace mlir::hrm::lowering;

namespace {

/// x [B, S, K], dy [B, S, N] -> x^T dy [K, N], summed over batch and
/// sequence: the gradient of the weight of `x W`.
Value weightGrad(Emitter &e, Value x, Value dy) {
  RankedTensorType xt = Emitter::tensorOf(x), yt = Emitter::tensorOf(dy);
  Type element = xt.getElementType();
  int64_t rows = xt.getDimSize(0) * xt.getDimSize(1);
  int64_t k = xt.getDimSize(2), n = yt.getDimSize(2);
  auto flatten = [&](Value v, int64_t cols) -> Value {
    return tensor::CollapseShapeOp::create(
        e.b, e.loc, RankedTensorType::get({rows, cols}, element), v,
        ArrayRef<ReassociationIndices>{{0, 1}, {2}});
  };
  Value xT = linalg::TransposeOp::create(e.b, e.loc, flatten(x, k),
                                         e.empty({k, rows}, element),
                                         ArrayRef<int64_t>{1, 0})
                 .getResult()[0];
  return linalg::MatmulOp::create(e.b, e.loc, ValueRange{xT, flatten(dy, n)},
                                  ValueRange{e.filled({k, n}, element, 0.0)})
      .getResult(0);
}

/// [BH, n, m] -> [BH, m, n].
Value transposeLast(Emitter &e, Value x) {
  ArrayRef<int64_t> s = Emitter::tensorOf(x).getShape();
  return linalg::TransposeOp::create(
             e.b, e.loc, x,
             e.empty({s[0], s[2], s[1]}, Emitter::tensorOf(x).getElementType()),
             ArrayRef<int64_t>{0, 2, 1})
      .getResult()[0];
}

/// a [BH, n, k] x b [BH, k, m] -> [BH, n, m].
Value batchMatmul(Emitter &e, Value a, Value b) {
  ArrayRef<int64_t> as = Emitter::tensorOf(a).getShape();
  ArrayRef<int64_t> bs = Emitter::tensorOf(b).getShape();
  Type element = Emitter::tensorOf(a).getElementType();
  return linalg::BatchMatmulOp::create(
             e.b, e.loc, ValueRange{a, b},
             ValueRange{e.filled({as[0], as[1], bs[2]}, element, 0.0)})
      .getResult(0);
}

Value sum(Emitter &e, Value a, Value b) {
  return e.elementwise({a, b}, a, [](OpBuilder &b, Location l, ValueRange v) {
    yieldValue(b, l, add(b, l, v[0], v[1]));
  });
}

struct LowerRMSNormGrad : OpRewritePattern<RMSNormGradOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(RMSNormGradOp op,
                                PatternRewriter &rewriter) const override {
    Emitter e(rewriter, op.getLoc());
    Value x = op.getInput(), dy = op.getResultGrad(), w = op.getWeight();
    RankedTensorType type = op.getInputGrad().getType();
    Type element = type.getElementType();
    int64_t d = type.getDimSize(2);
    double eps = op.getEps().convertToDouble();
    // r = (mean(x^2) + eps)^(-1/2) per row.
    Value sumSq =
        e.reduceLast(x, 0.0, [&](OpBuilder &b, Location l, ValueRange a) {
          yieldValue(b, l, add(b, l, a[1], mul(b, l, a[0], a[0])));
        });
    Value r = e.generic(
        {sumSq}, e.empty({type.getDimSize(0), type.getDimSize(1)}, element),
        {e.identity(2), e.identity(2)}, {kPar, kPar},
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value mean =
              arith::DivFOp::create(b, l, a[0], floatOf(b, l, element, d));
          yieldValue(b, l,
                     math::RsqrtOp::create(
                         b, l, add(b, l, mean, floatOf(b, l, element, eps))));
        });
    // g = dy * w: the gradient of the normalised row.
    Value g = dy;
    if (w)
      g = e.generic({dy, w}, e.empty(type.getShape(), element),
                    {e.identity(3), e.map(3, {2}), e.identity(3)},
                    {kPar, kPar, kPar},
                    [&](OpBuilder &b, Location l, ValueRange a) {
                      yieldValue(b, l, mul(b, l, a[0], a[1]));
                    });
    Value dot = e.generic(
        {g, x}, e.filled({type.getDimSize(0), type.getDimSize(1)}, element, 0),
        {e.identity(3), e.identity(3), e.map(3, {0, 1})}, {kPar, kPar, kRed},
        [&](OpBuilder &b, Location l, ValueRange a) {
          yieldValue(b, l, add(b, l, a[2], mul(b, l, a[0], a[1])));
        });
    // dx = r g - r^3 x (g . x) / d
    Value dx = e.generic(
        {g, x, r, dot}, e.empty(type.getShape(), element),
        {e.identity(3), e.identity(3), e.map(3, {0, 1}), e.map(3, {0, 1}),
         e.identity(3)},
        {kPar, kPar, kPar}, [&](OpBuilder &b, Location l, ValueRange a) {
          Value r3 = mul(b, l, mul(b, l, a[2], a[2]), a[2]);
          Value corr =
              arith::DivFOp::create(b, l, mul(b, l, mul(b, l, r3, a[1]), a[3]),
                                    floatOf(b, l, element, d));
          yieldValue(b, l,
                     arith::SubFOp::create(b, l, mul(b, l, a[2], a[0]), corr));
        });
    SmallVector<Value> results{dx};
    if (w) {
      // dw = sum over rows of dy * x * r
      results.push_back(e.generic(
          {dy, x, r}, e.filled({d}, element, 0.0),
          {e.identity(3), e.identity(3), e.map(3, {0, 1}), e.map(3, {2})},
          {kRed, kRed, kPar}, [&](OpBuilder &b, Location l, ValueRange a) {
            yieldValue(
                b, l,
                add(b, l, a[3], mul(b, l, mul(b, l, a[0], a[1]), a[2])));
          }));
    }
    rewriter.replaceOp(op, results);
    return success();
  }
};

struct LowerAttentionGrad : OpRewritePattern<AttentionGradOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(AttentionGradOp op,
                                PatternRewriter &rewriter) const override {
    Emitter e(rewriter, op.getLoc());
    RankedTensorType type = op.getInputGrad().getType();
    Type element = type.getElementType();
    int64_t bs = type.getDimSize(0), heads = op.getHeads();
    int64_t hd = type.getDimSize(2) / heads;
    Value x = op.getInput(), dy = op.getResultGrad();
    Value qSrc = op.getQuery() ? op.getQuery() : x;
    std::optional<std::pair<Value, Value>> rope;
    if (std::optional<APFloat> theta = op.getRopeTheta())
      rope = ropeTables(e, type.getDimSize(1), hd, theta->convertToDouble(),
                        element);

    // Recompute the forward up to the probabilities.
    Heads h = projectHeads(e, x, qSrc, op.getWq(), op.getWk(), op.getWv(),
                           heads, rope);
    MaskKind mask = op.getMask();
    int64_t prefix = op.getPrefixLen().value_or(0);
    Value probs = softmaxRows(
        e, queryKeyScores(e, h.q, h.k), hd,
        [&](OpBuilder &b, Location l, Value i, Value j) {
          return maskHides(b, l, mask, prefix, i, j);
        });
    Value merged = attendAndMerge(e, probs, h.v, bs, heads, type);

    // Output projection.
    Value dWo = weightGrad(e, merged, dy);
    Value dContext = headsFirst(e, e.linear(dy, op.getWo(), true), heads,
                                std::nullopt);
    // context = P V
    Value dV = batchMatmul(e, transposeLast(e, probs), dContext);
    Value dP = queryKeyScores(e, dContext, h.v);
    // Softmax: dS = P (dP - sum_j dP P) / sqrt(hd); masked entries have P = 0.
    Value rowDot = e.generic(
        {dP, probs},
        e.filled({Emitter::tensorOf(dP).getDimSize(0),
                  Emitter::tensorOf(dP).getDimSize(1)},
                 element, 0.0),
        {e.identity(3), e.identity(3), e.map(3, {0, 1})}, {kPar, kPar, kRed},
        [&](OpBuilder &b, Location l, ValueRange a) {
          yieldValue(b, l, add(b, l, a[2], mul(b, l, a[0], a[1])));
        });
    double scale = 1.0 / std::sqrt(static_cast<double>(hd));
    Value dS = e.generic(
        {dP, probs, rowDot}, e.empty(Emitter::tensorOf(dP).getShape(), element),
        {e.identity(3), e.identity(3), e.map(3, {0, 1}), e.identity(3)},
        {kPar, kPar, kPar}, [&](OpBuilder &b, Location l, ValueRange a) {
          Value centred = arith::SubFOp::create(b, l, a[0], a[2]);
          yieldValue(b, l,
                     mul(b, l, mul(b, l, a[1], centred),
                         floatOf(b, l, element, scale)));
        });
    // scores = Q K^T
    Value dQ = batchMatmul(e, dS, h.k);
    Value dK = batchMatmul(e, transposeLast(e, dS), h.q);
    Value dq = headsLast(e, dQ, bs, rope);
    Value dk = headsLast(e, dK, bs, rope);
    Value dv = headsLast(e, dV, bs, std::nullopt);

    Value dWq = weightGrad(e, qSrc, dq);
    Value dWk = weightGrad(e, x, dk);
    Value dWv = weightGrad(e, x, dv);
    Value dxQ = e.linear(dq, op.getWq(), true);
    Value dx = sum(e, e.linear(dk, op.getWk(), true),
                   e.linear(dv, op.getWv(), true));
    SmallVector<Value> results;
    if (op.getQuery()) {
      results = {dx, dWq, dWk, dWv, dWo, dxQ};
    } else {
      results = {sum(e, dx, dxQ), dWq, dWk, dWv, dWo};
    }
    rewriter.replaceOp(op, results);
    return success();
  }
};

struct LowerMlpGrad : OpRewritePattern<MlpGradOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MlpGradOp op,
                                PatternRewriter &rewriter) const override {
    Emitter e(rewriter, op.getLoc());
    Value x = op.getInput(), dy = op.getResultGrad();
    Value up = e.linear(x, op.getUp());
    Value dHidden = e.linear(dy, op.getDown(), true);
    Value hidden, dUp, dGate;
    if (op.getKind() == MlpKind::swiglu) {
      Value gate = e.linear(x, op.getGate());
      hidden = e.elementwise(
          {gate, up}, up, [&](OpBuilder &b, Location l, ValueRange a) {
            yieldValue(b, l, mul(b, l, mul(b, l, a[0], sigmoid(b, l, a[0])),
                                 a[1]));
          });
      dUp = e.elementwise(
          {gate, dHidden}, up, [&](OpBuilder &b, Location l, ValueRange a) {
            yieldValue(b, l, mul(b, l, mul(b, l, a[0], sigmoid(b, l, a[0])),
                                 a[1]));
          });
      // silu'(g) = s (1 + g (1 - s))
      dGate = e.elementwise(
          {gate, up, dHidden}, up, [&](OpBuilder &b, Location l, ValueRange a) {
            Value s = sigmoid(b, l, a[0]);
            Value one = floatOf(b, l, s.getType(), 1.0);
            Value dsilu = mul(
                b, l, s,
                add(b, l, one,
                    mul(b, l, a[0], arith::SubFOp::create(b, l, one, s))));
            yieldValue(b, l, mul(b, l, mul(b, l, a[2], a[1]), dsilu));
          });
    } else {
      // gelu(u) = u/2 (1 + tanh(z)), z = c (u + 0.044715 u^3)
      double c = std::sqrt(2.0 / M_PI);
      auto tanhZ = [c](OpBuilder &b, Location l, Value u) -> Value {
        Type t = u.getType();
        Value cube = mul(b, l, mul(b, l, u, u), u);
        Value z =
            mul(b, l, floatOf(b, l, t, c),
                add(b, l, u, mul(b, l, floatOf(b, l, t, 0.044715), cube)));
        return math::TanhOp::create(b, l, z);
      };
      hidden = e.elementwise({up}, up, [&](OpBuilder &b, Location l,
                                          ValueRange a) {
        Type t = a[0].getType();
        Value onePlus = add(b, l, floatOf(b, l, t, 1.0), tanhZ(b, l, a[0]));
        yieldValue(b, l,
                   mul(b, l, mul(b, l, floatOf(b, l, t, 0.5), a[0]), onePlus));
      });
      dUp = e.elementwise(
          {up, dHidden}, up, [&](OpBuilder &b, Location l, ValueRange a) {
            Type t = a[0].getType();
            Value u = a[0], th = tanhZ(b, l, u);
            Value one = floatOf(b, l, t, 1.0), half = floatOf(b, l, t, 0.5);
            Value sech2 = arith::SubFOp::create(b, l, one, mul(b, l, th, th));
            Value dz = mul(b, l, floatOf(b, l, t, c),
                           add(b, l, one,
                               mul(b, l, floatOf(b, l, t, 3 * 0.044715),
                                   mul(b, l, u, u))));
            Value dgelu =
                add(b, l, mul(b, l, half, add(b, l, one, th)),
                    mul(b, l, mul(b, l, half, u), mul(b, l, sech2, dz)));
            yieldValue(b, l, mul(b, l, a[1], dgelu));
          });
    }
    Value dDown = weightGrad(e, hidden, dy);
    Value dUpW = weightGrad(e, x, dUp);
    Value dx = e.linear(dUp, op.getUp(), true);
    SmallVector<Value> results{dx};
    if (dGate) {
      results[0] = sum(e, dx, e.linear(dGate, op.getGate(), true));
      results.push_back(weightGrad(e, x, dGate));
    }
    results.push_back(dUpW);
    results.push_back(dDown);
    rewriter.replaceOp(op, results);
    return success();
  }
};

struct LowerLinearGrad : OpRewritePattern<LinearGradOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(LinearGradOp op,
                                PatternRewriter &rewriter) const override {
    Emitter e(rewriter, op.getLoc());
    Value x = op.getInput(), w = op.getWeight(), dy = op.getResultGrad();
    bool transposed = op.getTransposed();
    // y = x W: dx = dy W^T, dW = x^T dy. y = x W^T: dx = dy W, dW = dy^T x.
    Value dx = e.linear(dy, w, !transposed);
    Value dw = transposed ? weightGrad(e, dy, x) : weightGrad(e, x, dy);
    rewriter.replaceOp(op, {dx, dw});
    return success();
  }
};

/// One row update per token: the work is batch * seq * d, not vocab-sized,
/// but the tokens are visited one after another.
struct LowerEmbedGrad : OpRewritePattern<EmbedGradOp> {
  LowerEmbedGrad(MLIRContext *context, bool parallel)
      : OpRewritePattern(context), parallel(parallel) {}
  bool parallel;

  /// table[v, c] = scale * sum over (b, s) with tokens[b, s] == v of
  /// dy[b, s, c]: every table element independent (vocab * d threads on a
  /// GPU), batch * seq * vocab * d work.
  LogicalResult overTable(EmbedGradOp op, PatternRewriter &rewriter) const {
    Emitter e(rewriter, op.getLoc());
    RankedTensorType tableType = op.getTableGrad().getType();
    Type element = tableType.getElementType();
    double scale = op.getScale().convertToDouble();
    Value init = e.filled(tableType.getShape(), element, 0.0);
    // Loops (v, c, b, s).
    Value grad = e.generic(
        {op.getTokens(), op.getResultGrad()}, init,
        {e.map(4, {2, 3}), e.map(4, {2, 3, 1}), e.map(4, {0, 1})},
        {kPar, kPar, kRed, kRed},
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value v = linalg::IndexOp::create(b, l, 0);
          Value tok = arith::IndexCastOp::create(b, l, b.getIndexType(), a[0]);
          Value hit = arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq,
                                            tok, v);
          Value scaled = mul(b, l, a[1], floatOf(b, l, element, scale));
          Value added = add(b, l, a[2], scaled);
          yieldValue(b, l, arith::SelectOp::create(b, l, hit, added, a[2]));
        });
    rewriter.replaceOp(op, grad);
    return success();
  }

  LogicalResult matchAndRewrite(EmbedGradOp op,
                                PatternRewriter &rewriter) const override {
    if (parallel)
      return overTable(op, rewriter);
    Location loc = op.getLoc();
    Emitter e(rewriter, loc);
    RankedTensorType tableType = op.getTableGrad().getType();
    Type element = tableType.getElementType();
    RankedTensorType gt = Emitter::tensorOf(op.getResultGrad());
    int64_t d = gt.getDimSize(2);
    double scale = op.getScale().convertToDouble();
    Value dy = op.getResultGrad(), tokens = op.getTokens();
    Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
    auto bound = [&](int64_t n) -> Value {
      return arith::ConstantIndexOp::create(rewriter, loc, n);
    };
    Value init = e.filled(tableType.getShape(), element, 0.0);
    auto rows = scf::ForOp::create(
        rewriter, loc, zero, bound(gt.getDimSize(0)), one, ValueRange{init},
        [&](OpBuilder &b, Location l, Value bi, ValueRange outer) {
          auto cols = scf::ForOp::create(
              b, l, zero, bound(gt.getDimSize(1)), one, outer,
              [&](OpBuilder &b, Location l, Value si, ValueRange inner) {
                Emitter ie(b, l);
                Value tok = tensor::ExtractOp::create(b, l, tokens,
                                                      ValueRange{bi, si});
                Value row = arith::IndexCastOp::create(b, l, b.getIndexType(),
                                                       tok);
                OpFoldResult c0 = b.getIndexAttr(0), c1 = b.getIndexAttr(1);
                auto rowType = RankedTensorType::get({1, d}, element);
                Value old = tensor::ExtractSliceOp::create(
                    b, l, rowType, inner[0], ArrayRef<OpFoldResult>{row, c0},
                    ArrayRef<OpFoldResult>{c1, b.getIndexAttr(d)},
                    ArrayRef<OpFoldResult>{c1, c1});
                Value g = tensor::ExtractSliceOp::create(
                    b, l, rowType, dy, ArrayRef<OpFoldResult>{bi, si, c0},
                    ArrayRef<OpFoldResult>{c1, c1, b.getIndexAttr(d)},
                    ArrayRef<OpFoldResult>{c1, c1, c1});
                Value updated = ie.elementwise(
                    {old, g}, old, [&](OpBuilder &b, Location l, ValueRange a) {
                      yieldValue(
                          b, l,
                          add(b, l, a[0],
                              mul(b, l, a[1], floatOf(b, l, element, scale))));
                    });
                Value next = tensor::InsertSliceOp::create(
                    b, l, updated, inner[0], ArrayRef<OpFoldResult>{row, c0},
                    ArrayRef<OpFoldResult>{c1, b.getIndexAttr(d)},
                    ArrayRef<OpFoldResult>{c1, c1});
                scf::YieldOp::create(b, l, next);
              });
          scf::YieldOp::create(b, l, cols.getResults());
        });
    rewriter.replaceOp(op, rows.getResult(0));
    return success();
  }
};

struct LowerCrossEntropyGrad : OpRewritePattern<CrossEntropyGradOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(CrossEntropyGradOp op,
                                PatternRewriter &rewriter) const override {
    Emitter e(rewriter, op.getLoc());
    Value logits = op.getLogits();
    RankedTensorType lt = Emitter::tensorOf(logits);
    Type element = lt.getElementType();
    double count = static_cast<double>(lt.getDimSize(0) * lt.getDimSize(1)) /
                   op.getScale().convertToDouble();
    auto [rowMax, sumExp] = rowMaxAndSumExp(e, logits);
    AffineMap scalar = AffineMap::get(3, 0, {}, rewriter.getContext());
    Value grad = e.generic(
        {logits, rowMax, sumExp, op.getTargets(), op.getLossGrad()},
        e.empty(lt.getShape(), element),
        {e.identity(3), e.map(3, {0, 1}), e.map(3, {0, 1}), e.map(3, {0, 1}),
         scalar, e.identity(3)},
        {kPar, kPar, kPar}, [&](OpBuilder &b, Location l, ValueRange a) {
          Value p = arith::DivFOp::create(
              b, l,
              math::ExpOp::create(b, l, arith::SubFOp::create(b, l, a[0], a[1])),
              a[2]);
          Value v = linalg::IndexOp::create(b, l, 2);
          Value t = arith::IndexCastOp::create(b, l, b.getIndexType(), a[3]);
          Value hit = arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, v, t);
          Value target =
              arith::SelectOp::create(b, l, hit, floatOf(b, l, element, 1.0),
                                      floatOf(b, l, element, 0.0));
          Value scaleV =
              arith::DivFOp::create(b, l, a[4], floatOf(b, l, element, count));
          Value factor;
          if (op.getStep()) {
            factor = tapFactor(b, l, op.getStep(), *op.getTapSteps(),
                               op.getTapWeights(), element);
            scaleV = mul(b, l, scaleV, factor);
          }
          Value g = mul(b, l, arith::SubFOp::create(b, l, p, target), scaleV);
          // An untapped step's gradient is 0 whatever its logits hold
          // (hrm-guard-loss-taps leaves them unwritten there).
          if (factor)
            g = arith::SelectOp::create(
                b, l,
                arith::CmpFOp::create(b, l, arith::CmpFPredicate::ONE, factor,
                                      floatOf(b, l, element, 0.0)),
                g, floatOf(b, l, element, 0.0));
          yieldValue(b, l, g);
        });
    rewriter.replaceOp(op, grad);
    return success();
  }
};

} // namespace

void mlir::hrm::lowering::populateHrmGradToLinalgPatterns(
    RewritePatternSet &patterns, bool parallelEmbedGrad) {
  patterns.add<LowerRMSNormGrad, LowerAttentionGrad, LowerMlpGrad,
               LowerLinearGrad, LowerCrossEntropyGrad>(patterns.getContext());
  patterns.add<LowerEmbedGrad>(patterns.getContext(), parallelEmbedGrad);
}
