//===- HrmToLinalg.cpp - hrm compute ops -> linalg on tensors -------------===//
//
// Shapes are static here (hrm-specialize-shapes runs first), which keeps
// every lowering a fixed composition of named linalg ops and generics.
//
//===----------------------------------------------------------------------===//
#include "BufferLoops.h"
#include "LinalgEmitter.h"
#include "hrm/HrmOps.h"
#include "hrmc/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/DialectConversion.h"

#include <cmath>

namespace mlir::hrm {
#define GEN_PASS_DEF_CONVERTHRMTOLINALG
#include "hrmc/Conversion/Passes.h.inc"
} // namespace mlir::hrm

using namespace mlir;
using namespace mlir::hrm;
using namespace mlir::hrm::lowering;

namespace {

//===----------------------------------------------------------------------===//
// Patterns
//===----------------------------------------------------------------------===//

struct LowerEmbed : OpRewritePattern<EmbedOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(EmbedOp op,
                                PatternRewriter &rewriter) const override {
    Emitter e(rewriter, op.getLoc());
    RankedTensorType type = op.getType();
    Value table = op.getTable();
    double scale = op.getScale().convertToDouble();
    Value result = e.generic(
        op.getTokens(), e.empty(type.getShape(), type.getElementType()),
        {e.map(3, {0, 1}), e.identity(3)}, {kPar, kPar, kPar},
        [&](OpBuilder &b, Location loc, ValueRange args) {
          Value row = arith::IndexCastOp::create(b, loc, b.getIndexType(),
                                                 args[0]);
          Value col = linalg::IndexOp::create(b, loc, 2);
          Value v = tensor::ExtractOp::create(b, loc, table,
                                              ValueRange{row, col});
          Value s = arith::ConstantOp::create(
              b, loc, b.getFloatAttr(args[1].getType(), scale));
          yieldValue(b, loc, mul(b, loc, v, s));
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct LowerRMSNorm : OpRewritePattern<RMSNormOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(RMSNormOp op,
                                PatternRewriter &rewriter) const override {
    Emitter e(rewriter, op.getLoc());
    RankedTensorType type = op.getType();
    Type element = type.getElementType();
    int64_t d = type.getDimSize(2);
    double eps = op.getEps().convertToDouble();
    Value sumSq = e.reduceLast(
        op.getInput(), 0.0, [&](OpBuilder &b, Location loc, ValueRange args) {
          yieldValue(
              b, loc, add(b, loc, args[1], mul(b, loc, args[0], args[0])));
        });
    SmallVector<Value> inputs{op.getInput(), sumSq};
    SmallVector<AffineMap> maps{e.identity(3), e.map(3, {0, 1})};
    if (Value w = op.getWeight()) {
      inputs.push_back(w);
      maps.push_back(e.map(3, {2}));
    }
    maps.push_back(e.identity(3));
    Value result = e.generic(
        inputs, e.empty(type.getShape(), element), maps, {kPar, kPar, kPar},
        [&](OpBuilder &b, Location loc, ValueRange args) {
          Value mean = arith::DivFOp::create(
              b, loc, args[1],
              arith::ConstantOp::create(b, loc, b.getFloatAttr(element, d)));
          Value inv = math::RsqrtOp::create(
              b, loc,
              add(b, loc, mean,
                  arith::ConstantOp::create(b, loc,
                                            b.getFloatAttr(element, eps))));
          Value v = mul(b, loc, args[0], inv);
          if (inputs.size() == 3)
            v = mul(b, loc, v, args[2]);
          yieldValue(b, loc, v);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct LowerLinear : OpRewritePattern<LinearOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(LinearOp op,
                                PatternRewriter &rewriter) const override {
    Emitter e(rewriter, op.getLoc());
    rewriter.replaceOp(op, e.linear(op.getInput(), op.getWeight()));
    return success();
  }
};

struct LowerLMHead : OpRewritePattern<LMHeadOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(LMHeadOp op,
                                PatternRewriter &rewriter) const override {
    Emitter e(rewriter, op.getLoc());
    rewriter.replaceOp(op,
                       e.linear(op.getInput(), op.getWeight(), op.getTied()));
    return success();
  }
};

struct LowerAdd : OpRewritePattern<AddOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(AddOp op,
                                PatternRewriter &rewriter) const override {
    Emitter e(rewriter, op.getLoc());
    RankedTensorType type = op.getType();
    bool vector = Emitter::tensorOf(op.getRhs()).getRank() == 1;
    Value result = e.generic(
        {op.getLhs(), op.getRhs()},
        e.empty(type.getShape(), type.getElementType()),
        {e.identity(3), vector ? e.map(3, {2}) : e.identity(3), e.identity(3)},
        {kPar, kPar, kPar}, [&](OpBuilder &b, Location loc, ValueRange args) {
          yieldValue(b, loc, add(b, loc, args[0], args[1]));
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct LowerConcat : OpRewritePattern<ConcatOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ConcatOp op,
                                PatternRewriter &rewriter) const override {
    Emitter e(rewriter, op.getLoc());
    RankedTensorType type = op.getType();
    Value result = e.empty(type.getShape(), type.getElementType());
    int64_t offset = 0;
    for (Value part : {op.getLhs(), op.getRhs()}) {
      ArrayRef<int64_t> shape = Emitter::tensorOf(part).getShape();
      SmallVector<OpFoldResult> offsets{rewriter.getIndexAttr(0),
                                        rewriter.getIndexAttr(0),
                                        rewriter.getIndexAttr(offset)};
      SmallVector<OpFoldResult> sizes = getAsIndexOpFoldResult(
          rewriter.getContext(), shape);
      SmallVector<OpFoldResult> strides(3, rewriter.getIndexAttr(1));
      result = tensor::InsertSliceOp::create(rewriter, op.getLoc(), part,
                                             result, offsets, sizes, strides);
      offset += shape[2];
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct LowerMlp : OpRewritePattern<MlpOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MlpOp op,
                                PatternRewriter &rewriter) const override {
    Emitter e(rewriter, op.getLoc());
    Value up = e.linear(op.getInput(), op.getUp());
    Value hidden;
    if (op.getKind() == MlpKind::swiglu) {
      Value gate = e.linear(op.getInput(), op.getGate());
      hidden = e.elementwise(
          {gate, up}, up, [&](OpBuilder &b, Location loc, ValueRange args) {
            Type t = args[0].getType();
            Value one = arith::ConstantOp::create(b, loc, b.getFloatAttr(t, 1));
            Value neg = arith::NegFOp::create(b, loc, args[0]);
            Value sig = arith::DivFOp::create(
                b, loc, one,
                add(b, loc, one, math::ExpOp::create(b, loc, neg)));
            yieldValue(
                b, loc, mul(b, loc, mul(b, loc, args[0], sig), args[1]));
          });
    } else {
      hidden = e.elementwise(
          {up}, up, [&](OpBuilder &b, Location loc, ValueRange args) {
            Type t = args[0].getType();
            auto c = [&](double v) -> Value {
              return arith::ConstantOp::create(b, loc, b.getFloatAttr(t, v));
            };
            Value x = args[0];
            Value cube = mul(b, loc, mul(b, loc, x, x), x);
            Value inner = mul(b, loc, c(std::sqrt(2.0 / M_PI)),
                              add(b, loc, x, mul(b, loc, c(0.044715), cube)));
            Value t1 = add(b, loc, c(1.0), math::TanhOp::create(b, loc, inner));
            yieldValue(b, loc,
                                    mul(b, loc, mul(b, loc, c(0.5), x), t1));
          });
    }
    rewriter.replaceOp(op, e.linear(hidden, op.getDown()));
    return success();
  }
};

} // namespace


/// cos and sin of `pos * theta^(-2i/hd)`, [S, hd/2], computed in f64.
std::pair<Value, Value> lowering::ropeTables(Emitter &e, int64_t s, int64_t hd,
                                          double theta, Type element,
                                          Value offset) {
  SmallVector<Value> tables;
  for (bool sine : {false, true}) {
    Value t = e.generic(
        {}, e.empty({s, hd / 2}, element), {e.identity(2)}, {kPar, kPar},
        [&](OpBuilder &b, Location loc, ValueRange) {
          Type f64 = b.getF64Type();
          auto idx = [&](unsigned d) -> Value {
            Value i = linalg::IndexOp::create(b, loc, d);
            if (d == 0 && offset)
              i = arith::AddIOp::create(b, loc, i, offset);
            Value i64 = arith::IndexCastOp::create(b, loc, b.getI64Type(), i);
            return arith::SIToFPOp::create(b, loc, f64, i64);
          };
          // theta^(-2i/hd) = exp(i * (-2 ln(theta) / hd))
          Value rate = arith::ConstantOp::create(
              b, loc, b.getF64FloatAttr(-2.0 * std::log(theta) / hd));
          Value freq = math::ExpOp::create(b, loc, mul(b, loc, idx(1), rate));
          Value angle = mul(b, loc, idx(0), freq);
          Value v = sine ? Value(math::SinOp::create(b, loc, angle))
                         : Value(math::CosOp::create(b, loc, angle));
          yieldValue(b, loc,
                                  arith::TruncFOp::create(b, loc, element, v));
        });
    tables.push_back(t);
  }
  return {tables[0], tables[1]};
}

/// RoPE on one element: `own` is column c of position si, `partner` the
/// other element of its adjacent pair. Forward, (a, b) -> (a cos - b sin,
/// a sin + b cos); the inverse (the transpose) flips the sine term's sign.
static Value rotatePair(OpBuilder &b, Location loc,
                        const std::pair<Value, Value> &rope, Value own,
                        Value partner, Value si, Value c, Value oneIdx,
                        bool inverse) {
  Value pair = arith::DivUIOp::create(
      b, loc, c, arith::ConstantIndexOp::create(b, loc, 2));
  Value cosV =
      tensor::ExtractOp::create(b, loc, rope.first, ValueRange{si, pair});
  Value sinV =
      tensor::ExtractOp::create(b, loc, rope.second, ValueRange{si, pair});
  Value odd = arith::CmpIOp::create(
      b, loc, arith::CmpIPredicate::ne,
      arith::AndIOp::create(b, loc, c, oneIdx),
      arith::ConstantIndexOp::create(b, loc, 0));
  Value rotated = mul(b, loc, partner, sinV);
  Value negated = arith::NegFOp::create(b, loc, rotated);
  Value signedRot = arith::SelectOp::create(b, loc, odd,
                                            inverse ? negated : rotated,
                                            inverse ? rotated : negated);
  return add(b, loc, mul(b, loc, own, cosV), signedRot);
}

/// [B, S, H*hd] -> [B*H, S, hd], rotated by RoPE when tables are given.
Value lowering::headsFirst(Emitter &e, Value x, int64_t heads,
                        std::optional<std::pair<Value, Value>> rope) {
  RankedTensorType t = Emitter::tensorOf(x);
  int64_t bs = t.getDimSize(0), s = t.getDimSize(1), d = t.getDimSize(2);
  int64_t hd = d / heads;
  Type element = t.getElementType();
  Value out = e.generic(
      {}, e.empty({bs, heads, s, hd}, element), {e.identity(4)},
      {kPar, kPar, kPar, kPar},
      [&](OpBuilder &b, Location loc, ValueRange) {
        Value bi = linalg::IndexOp::create(b, loc, 0);
        Value h = linalg::IndexOp::create(b, loc, 1);
        Value si = linalg::IndexOp::create(b, loc, 2);
        Value c = linalg::IndexOp::create(b, loc, 3);
        Value hdV = arith::ConstantIndexOp::create(b, loc, hd);
        Value col =
            arith::AddIOp::create(b, loc, arith::MulIOp::create(b, loc, h, hdV), c);
        Value own = tensor::ExtractOp::create(b, loc, x, ValueRange{bi, si, col});
        if (!rope) {
          yieldValue(b, loc, own);
          return;
        }
        Value oneIdx = arith::ConstantIndexOp::create(b, loc, 1);
        Value partnerCol = arith::XOrIOp::create(b, loc, col, oneIdx);
        Value partner =
            tensor::ExtractOp::create(b, loc, x, ValueRange{bi, si, partnerCol});
        yieldValue(b, loc,
                   rotatePair(b, loc, *rope, own, partner, si, c, oneIdx,
                              /*inverse=*/false));
      });
  return tensor::CollapseShapeOp::create(
      e.b, e.loc, RankedTensorType::get({bs * heads, s, hd}, element), out,
      ArrayRef<ReassociationIndices>{{0, 1}, {2}, {3}});
}


/// softmax over the last axis of scores [BH, n, m] scaled by
/// 1/sqrt(hd), with -inf where `hidden` (null: nothing hidden).
Value lowering::softmaxRows(Emitter &e, Value scores, int64_t hd,
                         HiddenFn hidden) {
  RankedTensorType st = Emitter::tensorOf(scores);
  Type element = st.getElementType();
  double scale = 1.0 / std::sqrt(static_cast<double>(hd));
  double negInf = -std::numeric_limits<double>::infinity();
  Value masked = e.elementwise(
      {scores}, scores, [&](OpBuilder &b, Location l, ValueRange args) {
        Value x = mul(b, l, args[0],
                      arith::ConstantOp::create(b, l,
                                                b.getFloatAttr(element, scale)));
        Value i = linalg::IndexOp::create(b, l, 1);
        Value j = linalg::IndexOp::create(b, l, 2);
        if (Value h = hidden(b, l, i, j))
          x = arith::SelectOp::create(
              b, l, h,
              arith::ConstantOp::create(b, l, b.getFloatAttr(element, negInf)),
              x);
        yieldValue(b, l, x);
      });
  Value rowMax = e.reduceLast(
      masked, negInf, [&](OpBuilder &b, Location l, ValueRange args) {
        yieldValue(b, l, arith::MaximumFOp::create(b, l, args[0], args[1]));
      });
  Value exps = e.generic(
      {masked, rowMax}, e.empty(st.getShape(), element),
      {e.identity(3), e.map(3, {0, 1}), e.identity(3)}, {kPar, kPar, kPar},
      [&](OpBuilder &b, Location l, ValueRange args) {
        yieldValue(b, l,
                   math::ExpOp::create(
                       b, l, arith::SubFOp::create(b, l, args[0], args[1])));
      });
  Value rowSum = e.reduceLast(
      exps, 0.0, [&](OpBuilder &b, Location l, ValueRange args) {
        yieldValue(b, l, add(b, l, args[0], args[1]));
      });
  return e.generic(
      {exps, rowSum}, e.empty(st.getShape(), element),
      {e.identity(3), e.map(3, {0, 1}), e.identity(3)}, {kPar, kPar, kPar},
      [&](OpBuilder &b, Location l, ValueRange args) {
        yieldValue(b, l, arith::DivFOp::create(b, l, args[0], args[1]));
      });
}

/// q [BH, n, hd] x k [BH, m, hd] -> Q K^T [BH, n, m], one batch_matmul.
Value lowering::queryKeyScores(Emitter &e, Value q, Value k) {
  ArrayRef<int64_t> qs = Emitter::tensorOf(q).getShape();
  ArrayRef<int64_t> ks = Emitter::tensorOf(k).getShape();
  Type element = Emitter::tensorOf(q).getElementType();
  Value kT = linalg::TransposeOp::create(e.b, e.loc, k,
                                         e.empty({ks[0], ks[2], ks[1]}, element),
                                         ArrayRef<int64_t>{0, 2, 1})
                 .getResult()[0];
  return linalg::BatchMatmulOp::create(
             e.b, e.loc, ValueRange{q, kT},
             ValueRange{e.filled({qs[0], qs[1], ks[1]}, element, 0.0)})
      .getResult(0);
}

/// probs [BH, n, m] x values [BH, m, hd] -> [B, n, H*hd].
Value lowering::attendAndMerge(Emitter &e, Value probs, Value values,
                            int64_t bs, int64_t heads,
                            RankedTensorType type) {
  Type element = type.getElementType();
  int64_t n = Emitter::tensorOf(probs).getDimSize(1);
  int64_t hd = Emitter::tensorOf(values).getDimSize(2);
  Value context = linalg::BatchMatmulOp::create(
                      e.b, e.loc, ValueRange{probs, values},
                      ValueRange{e.filled({bs * heads, n, hd}, element, 0.0)})
                      .getResult(0);
  return mergeHeads(e, context, bs, heads, type);
}

/// context [BH, n, hd] -> [B, n, H*hd].
Value lowering::mergeHeads(Emitter &e, Value context, int64_t bs,
                           int64_t heads, RankedTensorType type) {
  Type element = type.getElementType();
  int64_t n = Emitter::tensorOf(context).getDimSize(1);
  int64_t hd = Emitter::tensorOf(context).getDimSize(2);
  Value split = tensor::ExpandShapeOp::create(
      e.b, e.loc, RankedTensorType::get({bs, heads, n, hd}, element),
      context, ArrayRef<ReassociationIndices>{{0, 1}, {2}, {3}});
  Value merged = linalg::TransposeOp::create(
                     e.b, e.loc, split, e.empty({bs, n, heads, hd}, element),
                     ArrayRef<int64_t>{0, 2, 1, 3})
                     .getResult()[0];
  return tensor::CollapseShapeOp::create(
      e.b, e.loc, type, merged,
      ArrayRef<ReassociationIndices>{{0}, {1}, {2, 3}});
}


Value lowering::headsLast(Emitter &e, Value x, int64_t batch,
                          std::optional<std::pair<Value, Value>> rope) {
  RankedTensorType t = Emitter::tensorOf(x);
  int64_t heads = t.getDimSize(0) / batch, s = t.getDimSize(1),
          hd = t.getDimSize(2);
  Type element = t.getElementType();
  return e.generic(
      {}, e.empty({batch, s, heads * hd}, element), {e.identity(3)},
      {kPar, kPar, kPar}, [&](OpBuilder &b, Location loc, ValueRange) {
        Value bi = linalg::IndexOp::create(b, loc, 0);
        Value si = linalg::IndexOp::create(b, loc, 1);
        Value col = linalg::IndexOp::create(b, loc, 2);
        Value hdV = arith::ConstantIndexOp::create(b, loc, hd);
        Value h = arith::DivUIOp::create(b, loc, col, hdV);
        Value c = arith::RemUIOp::create(b, loc, col, hdV);
        Value row = arith::AddIOp::create(
            b, loc,
            arith::MulIOp::create(
                b, loc, bi, arith::ConstantIndexOp::create(b, loc, heads)),
            h);
        Value own = tensor::ExtractOp::create(b, loc, x, ValueRange{row, si, c});
        if (!rope) {
          yieldValue(b, loc, own);
          return;
        }
        Value oneIdx = arith::ConstantIndexOp::create(b, loc, 1);
        Value partner = tensor::ExtractOp::create(
            b, loc, x,
            ValueRange{row, si, arith::XOrIOp::create(b, loc, c, oneIdx)});
        yieldValue(b, loc,
                   rotatePair(b, loc, *rope, own, partner, si, c, oneIdx,
                              /*inverse=*/true));
      });
}

Value lowering::rowMax(Emitter &e, Value logits) {
  return e.reduceLast(logits, -std::numeric_limits<double>::infinity(),
                      [&](OpBuilder &b, Location l, ValueRange a) {
                        yieldValue(b, l,
                                   arith::MaximumFOp::create(b, l, a[0], a[1]));
                      });
}

std::pair<Value, Value> lowering::rowMaxAndSumExp(Emitter &e, Value logits) {
  Value rowMax = lowering::rowMax(e, logits);
  Value sumExp = e.reduceLast(
      logits, 0.0,
      [&](OpBuilder &b, Location l, ValueRange a) {
        Value shifted = arith::SubFOp::create(b, l, a[0], a[1]);
        yieldValue(b, l, add(b, l, a[2], math::ExpOp::create(b, l, shifted)));
      },
      rowMax);
  return {rowMax, sumExp};
}

Value lowering::maskHides(OpBuilder &b, Location l, MaskKind mask,
                          int64_t prefix, Value i, Value j) {
  if (mask == MaskKind::bidirectional)
    return nullptr;
  // Key j is hidden from query i when j > i, except inside the
  // bidirectional prefix.
  Value hidden = arith::CmpIOp::create(b, l, arith::CmpIPredicate::ugt, j, i);
  if (mask == MaskKind::prefix) {
    Value outside =
        arith::CmpIOp::create(b, l, arith::CmpIPredicate::uge, j,
                              arith::ConstantIndexOp::create(b, l, prefix));
    hidden = arith::AndIOp::create(b, l, hidden, outside);
  }
  return hidden;
}

Heads lowering::projectHeads(Emitter &e, Value input, Value qSrc, Value wq,
                             Value wk, Value wv, int64_t heads,
                             std::optional<std::pair<Value, Value>> rope) {
  Value q = e.linear(qSrc, wq);
  Value k = e.linear(input, wk);
  Value v = e.linear(input, wv);
  return {headsFirst(e, q, heads, rope), headsFirst(e, k, heads, rope),
          headsFirst(e, v, heads, std::nullopt)};
}

Value lowering::fusedAttention(Emitter &e, Value q, Value k, Value v,
                               MaskKind mask, int64_t prefix) {
  OpBuilder &b = e.b;
  Location loc = e.loc;
  RankedTensorType qt = Emitter::tensorOf(q);
  Type element = qt.getElementType();
  int64_t bh = qt.getDimSize(0), n = qt.getDimSize(1), hd = qt.getDimSize(2);
  int64_t m = Emitter::tensorOf(k).getDimSize(1);
  auto buffer = [&](Value tensor) {
    auto type = MemRefType::get(Emitter::tensorOf(tensor).getShape(), element);
    return bufferization::ToBufferOp::create(b, loc, type, tensor,
                                             /*read_only=*/true)
        .getResult();
  };
  Value qb = buffer(q), kb = buffer(k), vb = buffer(v);
  auto outType = MemRefType::get({bh, n, hd}, element);
  Value out = memref::AllocOp::create(b, loc, outType);
  auto index = [&](int64_t value) {
    return arith::ConstantIndexOp::create(b, loc, value).getResult();
  };
  auto fconst = [&](double value) {
    return arith::ConstantOp::create(b, loc, b.getFloatAttr(element, value))
        .getResult();
  };
  Value zero = index(0), one = index(1), hdV = index(hd), mV = index(m);
  Value scale = fconst(1.0 / std::sqrt(static_cast<double>(hd)));
  Value negInf = fconst(-std::numeric_limits<double>::infinity());
  Value fzero = fconst(0.0);
  auto rows = scf::ParallelOp::create(b, loc, ValueRange{zero, zero},
                                      ValueRange{index(bh), index(n)},
                                      ValueRange{one, one});
  rows->setAttr(hrm::kFusedAttention, b.getUnitAttr());
  rows->setAttr(hrm::kAttentionMask, MaskKindAttr::get(b.getContext(), mask));
  rows->setAttr(hrm::kAttentionPrefix, b.getI64IntegerAttr(prefix));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(rows.getBody());
  Value h = rows.getInductionVars()[0], i = rows.getInductionVars()[1];
  // The keys query i sees are a prefix [0, end): j <= i, or j < prefix.
  Value end = mV;
  if (mask != MaskKind::bidirectional) {
    end = arith::AddIOp::create(b, loc, i, one);
    if (mask == MaskKind::prefix)
      end = arith::MaxUIOp::create(b, loc, end, index(prefix));
    end = arith::MinUIOp::create(b, loc, end, mV);
  }
  // Online softmax: the running max, the running sum of exponentials and
  // the hd accumulators are loop-carried scalars (registers, not memory).
  SmallVector<Value> init{negInf, fzero};
  init.append(hd, fzero);
  auto keys = scf::ForOp::create(b, loc, zero, end, one, init);
  {
    OpBuilder::InsertionGuard inner(b);
    b.setInsertionPointToStart(keys.getBody());
    Value j = keys.getInductionVar();
    ValueRange carried = keys.getRegionIterArgs();
    auto dot = scf::ForOp::create(b, loc, zero, hdV, one, ValueRange{fzero});
    {
      OpBuilder::InsertionGuard innermost(b);
      b.setInsertionPointToStart(dot.getBody());
      Value d = dot.getInductionVar();
      Value qd = memref::LoadOp::create(b, loc, qb, ValueRange{h, i, d});
      Value kd = memref::LoadOp::create(b, loc, kb, ValueRange{h, j, d});
      Value sum = arith::AddFOp::create(
          b, loc, dot.getRegionIterArgs()[0],
          arith::MulFOp::create(b, loc, qd, kd));
      scf::YieldOp::create(b, loc, sum);
    }
    Value s = arith::MulFOp::create(b, loc, dot.getResult(0), scale);
    Value runMax = arith::MaximumFOp::create(b, loc, carried[0], s);
    Value rescale = math::ExpOp::create(
        b, loc, arith::SubFOp::create(b, loc, carried[0], runMax));
    Value p =
        math::ExpOp::create(b, loc, arith::SubFOp::create(b, loc, s, runMax));
    SmallVector<Value> next{runMax};
    next.push_back(arith::AddFOp::create(
        b, loc, arith::MulFOp::create(b, loc, carried[1], rescale), p));
    for (int64_t d = 0; d < hd; ++d) {
      Value vd = memref::LoadOp::create(b, loc, vb, ValueRange{h, j, index(d)});
      next.push_back(arith::AddFOp::create(
          b, loc, arith::MulFOp::create(b, loc, carried[2 + d], rescale),
          arith::MulFOp::create(b, loc, p, vd)));
    }
    scf::YieldOp::create(b, loc, next);
  }
  for (int64_t d = 0; d < hd; ++d)
    memref::StoreOp::create(
        b, loc,
        arith::DivFOp::create(b, loc, keys.getResult(2 + d),
                              keys.getResult(1)),
        out, ValueRange{h, i, index(d)});
  b.setInsertionPointAfter(rows);
  return bufferization::ToTensorOp::create(
      b, loc, RankedTensorType::get({bh, n, hd}, element), out,
      /*restrict=*/true, /*writable=*/true);
}

namespace {

/// RoPE tables for an attention-like op at positions `offset + i`.
template <typename AttentionLike>
std::optional<std::pair<Value, Value>> ropeFor(Emitter &e, AttentionLike op,
                                               Value offset) {
  RankedTensorType type = Emitter::tensorOf(op.getInput());
  int64_t hd = type.getDimSize(2) / op.getHeads();
  if (std::optional<APFloat> theta = op.getRopeTheta())
    return ropeTables(e, type.getDimSize(1), hd, theta->convertToDouble(),
                      type.getElementType(), offset);
  return std::nullopt;
}

template <typename AttentionLike>
Heads projectHeads(Emitter &e, AttentionLike op, Value offset) {
  Value qSrc = op.getQuery() ? op.getQuery() : op.getInput();
  return lowering::projectHeads(e, op.getInput(), qSrc, op.getWq(), op.getWk(),
                                op.getWv(), op.getHeads(),
                                ropeFor(e, op, offset));
}

/// Attention: per-head QK^T, masked and scaled softmax, PV, output
/// projection; with `fused`, the middle is one loop nest (fusedAttention).
struct LowerAttention : OpRewritePattern<AttentionOp> {
  LowerAttention(MLIRContext *context, bool fused)
      : OpRewritePattern(context), fused(fused) {}
  bool fused;

  LogicalResult matchAndRewrite(AttentionOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Emitter e(rewriter, loc);
    RankedTensorType type = op.getType();
    int64_t bs = type.getDimSize(0), heads = op.getHeads();
    int64_t hd = type.getDimSize(2) / heads;
    auto [q, k, v] = projectHeads(e, op, /*offset=*/nullptr);
    MaskKind mask = op.getMask();
    int64_t prefix = op.getPrefixLen().value_or(0);
    if (fused && hd <= kMaxFusedHeadDim) {
      Value context = fusedAttention(e, q, k, v, mask, prefix);
      Value flat = mergeHeads(e, context, bs, heads, type);
      rewriter.replaceOp(op, e.linear(flat, op.getWo()));
      return success();
    }

    Value scores = queryKeyScores(e, q, k);

    Value probs = softmaxRows(
        e, scores, hd, [&](OpBuilder &b, Location l, Value i, Value j) {
          return maskHides(b, l, mask, prefix, i, j);
        });
    Value flat = attendAndMerge(e, probs, v, bs, heads, type);
    rewriter.replaceOp(op, e.linear(flat, op.getWo()));
    return success();
  }
};

/// Attention of n new positions against row `slot` of the caches, after
/// writing their keys and values there.
struct LowerCachedAttention : OpRewritePattern<CachedAttentionOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(CachedAttentionOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Emitter e(rewriter, loc);
    RankedTensorType type = op.getResult().getType();
    Type element = type.getElementType();
    int64_t bs = type.getDimSize(0), n = type.getDimSize(1);
    int64_t heads = op.getHeads(), bh = bs * heads;
    RankedTensorType cacheType = Emitter::tensorOf(op.getKCache());
    int64_t len = cacheType.getDimSize(3), hd = cacheType.getDimSize(4);
    Value pos = op.getPosition(), slot = op.getSlot();
    auto [q, k, v] = projectHeads(e, op, pos);

    OpFoldResult zero = rewriter.getIndexAttr(0), one = rewriter.getIndexAttr(1);
    SmallVector<OpFoldResult> strides(5, one);
    auto store = [&](Value heads4, Value cache) -> Value {
      Value rows = tensor::ExpandShapeOp::create(
          rewriter, loc, RankedTensorType::get({1, bs, heads, n, hd}, element),
          heads4, ArrayRef<ReassociationIndices>{{0, 1, 2}, {3}, {4}});
      SmallVector<OpFoldResult> offsets{slot, zero, zero, pos, zero};
      SmallVector<OpFoldResult> sizes = getAsIndexOpFoldResult(
          rewriter.getContext(), {1, bs, heads, n, hd});
      return tensor::InsertSliceOp::create(rewriter, loc, rows, cache, offsets,
                                           sizes, strides);
    };
    auto load = [&](Value cache) -> Value {
      SmallVector<OpFoldResult> offsets{slot, zero, zero, zero, zero};
      SmallVector<OpFoldResult> sizes = getAsIndexOpFoldResult(
          rewriter.getContext(), {1, bs, heads, len, hd});
      Value row = tensor::ExtractSliceOp::create(
          rewriter, loc, RankedTensorType::get({bs, heads, len, hd}, element),
          cache, offsets, sizes, strides);
      return tensor::CollapseShapeOp::create(
          rewriter, loc, RankedTensorType::get({bh, len, hd}, element), row,
          ArrayRef<ReassociationIndices>{{0, 1}, {2}, {3}});
    };
    Value kCache = store(k, op.getKCache());
    Value vCache = store(v, op.getVCache());
    Value kAll = load(kCache), vAll = load(vCache);

    Value scores = queryKeyScores(e, q, kAll);
    // New position i sits at pos + i and sees cache positions up to it.
    Value probs = softmaxRows(
        e, scores, hd, [&](OpBuilder &b, Location l, Value i, Value j) -> Value {
          Value at = arith::AddIOp::create(b, l, i, pos);
          return arith::CmpIOp::create(b, l, arith::CmpIPredicate::ugt, j, at);
        });
    Value flat =
        attendAndMerge(e, probs, vAll, bs, heads, type);
    rewriter.replaceOp(op, {e.linear(flat, op.getWo()), kCache, vCache});
    return success();
  }
};

struct LowerCrossEntropy : OpRewritePattern<CrossEntropyOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(CrossEntropyOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Emitter e(rewriter, loc);
    Value logits = op.getLogits();
    RankedTensorType lt = Emitter::tensorOf(logits);
    Type element = lt.getElementType();
    int64_t bs = lt.getDimSize(0), s = lt.getDimSize(1);
    auto [rowMax, sumExp] = rowMaxAndSumExp(e, logits);
    // Sum over positions of logsumexp - logit[target].
    Value total = e.generic(
        {rowMax, sumExp, op.getTargets()},
        e.filled({}, element, 0.0),
        {e.identity(2), e.identity(2), e.identity(2),
         AffineMap::get(2, 0, {}, rewriter.getContext())},
        {kRed, kRed}, [&](OpBuilder &b, Location l, ValueRange args) {
          Value bi = linalg::IndexOp::create(b, l, 0);
          Value si = linalg::IndexOp::create(b, l, 1);
          Value t = arith::IndexCastOp::create(b, l, b.getIndexType(), args[2]);
          Value picked =
              tensor::ExtractOp::create(b, l, logits, ValueRange{bi, si, t});
          Value lse = add(b, l, math::LogOp::create(b, l, args[1]), args[0]);
          yieldValue(
              b, l, add(b, l, args[3], arith::SubFOp::create(b, l, lse, picked)));
        });
    // scale * total / count, added to the accumulator in place (a loop's
    // sum stays in one buffer) if there is one.
    AffineMap scalar = AffineMap::get(0, 0, {}, rewriter.getContext());
    Value mean = e.generic(
        total, op.getAcc() ? op.getAcc() : e.empty({}, element),
        {scalar, scalar}, {}, [&](OpBuilder &b, Location l, ValueRange args) {
          Value count = arith::ConstantOp::create(
              b, l,
              b.getFloatAttr(element, static_cast<double>(bs * s) /
                                          op.getScale().convertToDouble()));
          Value v = arith::DivFOp::create(b, l, args[0], count);
          if (op.getStep())
            v = mul(b, l, v,
                    tapFactor(b, l, op.getStep(), *op.getTapSteps(),
                              op.getTapWeights(), element));
          if (op.getAcc())
            v = add(b, l, args[1], v);
          yieldValue(b, l, v);
        });
    rewriter.replaceOp(op, mean);
    return success();
  }
};

/// A float splat tensor constant (a loss sum's initial zero) as a fill: on
/// the GPU a kernel makes it in device memory, where a constant would be a
/// host global copied by the host.
bool isFloatSplat(arith::ConstantOp op) {
  auto type = dyn_cast<RankedTensorType>(op.getType());
  return type && isa<FloatType>(type.getElementType()) &&
         isa<SplatElementsAttr>(op.getValue());
}

struct LowerSplatConstant : OpRewritePattern<arith::ConstantOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(arith::ConstantOp op,
                                PatternRewriter &rewriter) const override {
    if (!isFloatSplat(op))
      return failure();
    auto type = cast<RankedTensorType>(op.getType());
    Value value = arith::ConstantOp::create(
        rewriter, op.getLoc(),
        cast<SplatElementsAttr>(op.getValue()).getSplatValue<TypedAttr>());
    Value init = tensor::EmptyOp::create(rewriter, op.getLoc(), type.getShape(),
                                         type.getElementType());
    rewriter.replaceOpWithNewOp<linalg::FillOp>(op, value, init);
    return success();
  }
};

struct LowerBroadcast : OpRewritePattern<BroadcastOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(BroadcastOp op,
                                PatternRewriter &rewriter) const override {
    Emitter e(rewriter, op.getLoc());
    RankedTensorType type = op.getType();
    Value result = e.generic(
        op.getVector(), e.empty(type.getShape(), type.getElementType()),
        {e.map(3, {2}), e.identity(3)}, {kPar, kPar, kPar},
        [&](OpBuilder &b, Location loc, ValueRange args) {
          yieldValue(b, loc, args[0]);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct LowerCarryIn : OpRewritePattern<CarryInOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(CarryInOp op,
                                PatternRewriter &rewriter) const override {
    Emitter e(rewriter, op.getLoc());
    RankedTensorType type = op.getType();
    Value result = e.generic(
        {op.getReset(), op.getInit(), op.getCarried()},
        e.empty(type.getShape(), type.getElementType()),
        {e.map(3, {0}), e.identity(3), e.identity(3), e.identity(3)},
        {kPar, kPar, kPar}, [&](OpBuilder &b, Location loc, ValueRange args) {
          Value zero =
              arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(0));
          Value reset = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne,
                                              args[0], zero);
          yieldValue(b, loc,
                     arith::SelectOp::create(b, loc, reset, args[1], args[2]));
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct LowerDivideByCount : OpRewritePattern<DivideByCountOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(DivideByCountOp op,
                                PatternRewriter &rewriter) const override {
    Emitter e(rewriter, op.getLoc());
    RankedTensorType type = op.getType();
    Type element = type.getElementType();
    AffineMap scalar = AffineMap::get(0, 0, {}, rewriter.getContext());
    Value count = op.getCount();
    rewriter.replaceOp(
        op,
        e.generic(op.getInput(), e.empty({}, element), {scalar, scalar}, {},
                  [&](OpBuilder &b, Location l, ValueRange args) {
                    Value n = arith::IndexCastUIOp::create(b, l, b.getI64Type(),
                                                           count);
                    Value nf = arith::UIToFPOp::create(b, l, element, n);
                    yieldValue(b, l, arith::DivFOp::create(b, l, args[0], nf));
                  }));
    return success();
  }
};

struct LowerZerosLike : OpRewritePattern<ZerosLikeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ZerosLikeOp op,
                                PatternRewriter &rewriter) const override {
    Emitter e(rewriter, op.getLoc());
    RankedTensorType type = op.getType();
    rewriter.replaceOp(op,
                       e.filled(type.getShape(), type.getElementType(), 0.0));
    return success();
  }
};

/// The 32-bit integer hash ("lowbias32") random_normal_like draws from.
uint32_t hash32(uint32_t x) {
  x ^= x >> 16;
  x *= 0x7feb352dU;
  x ^= x >> 15;
  x *= 0x846ca68bU;
  x ^= x >> 16;
  return x;
}

Value emitHash32(OpBuilder &b, Location loc, Value x) {
  auto c = [&](uint32_t v) -> Value {
    return arith::ConstantOp::create(b, loc,
                                     b.getI32IntegerAttr(static_cast<int32_t>(v)));
  };
  x = arith::XOrIOp::create(b, loc, x, arith::ShRUIOp::create(b, loc, x, c(16)));
  x = arith::MulIOp::create(b, loc, x, c(0x7feb352dU));
  x = arith::XOrIOp::create(b, loc, x, arith::ShRUIOp::create(b, loc, x, c(15)));
  x = arith::MulIOp::create(b, loc, x, c(0x846ca68bU));
  return arith::XOrIOp::create(b, loc, x,
                               arith::ShRUIOp::create(b, loc, x, c(16)));
}

struct LowerRandomNormalLike : OpRewritePattern<RandomNormalLikeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(RandomNormalLikeOp op,
                                PatternRewriter &rewriter) const override {
    Emitter e(rewriter, op.getLoc());
    RankedTensorType type = op.getType();
    ArrayRef<int64_t> shape = type.getShape();
    uint32_t seedKey = hash32(static_cast<uint32_t>(op.getSeed()));
    double stddev = op.getStd().convertToDouble();
    Value position = op.getPosition();
    // key = hash(seed) ^ hash(draw); hash(0) = 0, so draw 0 is the seed's
    // own sample.
    Value key = arith::ConstantOp::create(
        rewriter, op.getLoc(),
        rewriter.getI32IntegerAttr(static_cast<int32_t>(seedKey)));
    if (Value draw = op.getDraw())
      key = arith::XOrIOp::create(rewriter, op.getLoc(), key,
                                  emitHash32(rewriter, op.getLoc(), draw));
    Value result = e.generic(
        {}, e.empty(shape, type.getElementType()), {e.identity(3)},
        {kPar, kPar, kPar}, [&](OpBuilder &b, Location loc, ValueRange) {
          Type i32 = b.getI32Type(), f64 = b.getF64Type();
          auto idx = [&](unsigned d) -> Value {
            return arith::IndexCastOp::create(b, loc, i32,
                                              linalg::IndexOp::create(b, loc, d));
          };
          auto ci = [&](int64_t v) -> Value {
            return arith::ConstantOp::create(
                b, loc, b.getI32IntegerAttr(static_cast<int32_t>(v)));
          };
          auto cf = [&](double v) -> Value {
            return arith::ConstantOp::create(b, loc, b.getF64FloatAttr(v));
          };
          // row = hash(key + b*0x9e3779b1 + s*0x85ebca77), s the absolute
          // position; u_k = hash(row + 2d + k), k = 0, 1.
          Value s = linalg::IndexOp::create(b, loc, 1);
          if (position)
            s = arith::AddIOp::create(b, loc, s, position);
          Value sI32 = arith::IndexCastOp::create(b, loc, i32, s);
          Value row = arith::AddIOp::create(
              b, loc,
              arith::AddIOp::create(
                  b, loc, key,
                  arith::MulIOp::create(b, loc, idx(0),
                                        ci(static_cast<int32_t>(0x9e3779b1U)))),
              arith::MulIOp::create(b, loc, sI32,
                                    ci(static_cast<int32_t>(0x85ebca77U))));
          row = emitHash32(b, loc, row);
          Value base = arith::AddIOp::create(
              b, loc, row, arith::MulIOp::create(b, loc, idx(2), ci(2)));
          auto uniform = [&](Value counter) -> Value {
            Value h = emitHash32(b, loc, counter);
            Value top = arith::ShRUIOp::create(b, loc, h, ci(8));
            Value f = arith::UIToFPOp::create(b, loc, f64, top);
            return mul(b, loc, add(b, loc, f, cf(0.5)), cf(1.0 / 16777216.0));
          };
          Value u1 = uniform(base);
          Value u2 = uniform(arith::AddIOp::create(b, loc, base, ci(1)));
          Value radius = math::SqrtOp::create(
              b, loc, mul(b, loc, cf(-2.0), math::LogOp::create(b, loc, u1)));
          Value z = mul(b, loc, radius,
                        math::CosOp::create(b, loc,
                                            mul(b, loc, cf(2.0 * M_PI), u2)));
          yieldValue(
              b, loc,
              arith::TruncFOp::create(b, loc, type.getElementType(),
                                      mul(b, loc, z, cf(stddev))));
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct LowerStepEmbedding : OpRewritePattern<StepEmbeddingOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(StepEmbeddingOp op,
                                PatternRewriter &rewriter) const override {
    int64_t d = op.getType().getDimSize(0);
    SmallVector<OpFoldResult> offsets{op.getStep(), rewriter.getIndexAttr(0)};
    SmallVector<OpFoldResult> sizes{rewriter.getIndexAttr(1),
                                    rewriter.getIndexAttr(d)};
    SmallVector<OpFoldResult> strides(2, rewriter.getIndexAttr(1));
    rewriter.replaceOpWithNewOp<tensor::ExtractSliceOp>(
        op, op.getType(), op.getTable(), offsets, sizes, strides);
    return success();
  }
};

struct LowerDetach : OpRewritePattern<DetachOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(DetachOp op,
                                PatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, op.getInput());
    return success();
  }
};

struct ConvertHrmToLinalgPass
    : public mlir::hrm::impl::ConvertHrmToLinalgBase<ConvertHrmToLinalgPass> {
  using Base::Base;
  void runOnOperation() override {
    WalkResult shapes = getOperation()->walk([&](Operation *op) {
      if (op->getDialect() != getContext().getLoadedDialect<HrmDialect>() ||
          isa<ModelOp, ParamOp, ModuleDefOp, WeightOp, ApplyOp, YieldOp,
              HierLoopOp, LoopOp>(op))
        return WalkResult::advance();
      for (Type type : llvm::concat<const Type>(op->getOperandTypes(),
                                                op->getResultTypes()))
        if (auto tensor = dyn_cast<RankedTensorType>(type);
            tensor && !tensor.hasStaticShape()) {
          op->emitError("convert-hrm-to-linalg needs static shapes; run "
                        "hrm-specialize-shapes first");
          return WalkResult::interrupt();
        }
      return WalkResult::advance();
    });
    if (shapes.wasInterrupted())
      return signalPassFailure();

    RewritePatternSet patterns(&getContext());
    patterns.add<LowerAttention>(&getContext(), fusedAttention);
    patterns.add<LowerEmbed, LowerRMSNorm, LowerLinear, LowerLMHead, LowerAdd,
                 LowerConcat, LowerMlp, LowerCachedAttention, LowerCrossEntropy,
                 LowerBroadcast, LowerCarryIn, LowerZerosLike,
                 LowerDivideByCount, LowerRandomNormalLike, LowerStepEmbedding,
                 LowerDetach, LowerSplatConstant>(&getContext());
    populateHrmGradToLinalgPatterns(patterns, parallelEmbedGrad);
    populateHaltingToLinalgPatterns(patterns);
    populateActToLinalgPatterns(patterns);
    ConversionTarget target(getContext());
    target.addLegalDialect<linalg::LinalgDialect, tensor::TensorDialect,
                           arith::ArithDialect, math::MathDialect>();
    target.addIllegalOp<
        EmbedOp, RMSNormOp, LinearOp, LMHeadOp, AddOp, ConcatOp, MlpOp,
        AttentionOp, CachedAttentionOp, CrossEntropyOp, BroadcastOp, CarryInOp,
        ZerosLikeOp, RandomNormalLikeOp, StepEmbeddingOp, DetachOp,
        RMSNormGradOp, AttentionGradOp, MlpGradOp, LinearGradOp, EmbedGradOp,
        CrossEntropyGradOp, QHeadOp, SequenceCorrectOp, HaltLossOp, QHeadGradOp,
        HaltLossGradOp, ActProbOp, ActUpdateOp, PonderCostOp, PositionZerosOp,
        ActProbGradOp, ActUpdateGradOp, PonderCostGradOp, DivideByCountOp>();
    target.addDynamicallyLegalOp<arith::ConstantOp>(
        [](arith::ConstantOp op) { return !isFloatSplat(op); });
    target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
