//===- LinalgEmitter.h - builders shared by the hrm -> linalg lowerings ---===//
//
// Internal to lib/Conversion: the forward lowerings (HrmToLinalg.cpp) and the
// gradient lowerings (HrmGradToLinalg.cpp) build from the same pieces.
//
//===----------------------------------------------------------------------===//
#ifndef HRMC_LIB_CONVERSION_LINALGEMITTER_H
#define HRMC_LIB_CONVERSION_LINALGEMITTER_H

#include "hrm/HrmOps.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/PatternMatch.h"

#include <optional>

namespace mlir::hrm::lowering {

using utils::IteratorType;
constexpr IteratorType kPar = IteratorType::parallel;
constexpr IteratorType kRed = IteratorType::reduction;
using BodyFn = function_ref<void(OpBuilder &, Location, ValueRange)>;

/// Builds the linalg/tensor pieces the lowerings share.
class Emitter {
public:
  Emitter(OpBuilder &b, Location loc) : b(b), loc(loc) {}

  static RankedTensorType tensorOf(Value v) {
    return cast<RankedTensorType>(v.getType());
  }

  Value empty(ArrayRef<int64_t> shape, Type element) {
    return tensor::EmptyOp::create(b, loc, shape, element);
  }
  Value constant(Type type, double value) {
    return arith::ConstantOp::create(b, loc, b.getFloatAttr(type, value));
  }
  Value filled(ArrayRef<int64_t> shape, Type element, double value) {
    return linalg::FillOp::create(b, loc, ValueRange{constant(element, value)},
                                  ValueRange{empty(shape, element)})
        .getResult(0);
  }

  AffineMap map(unsigned dims, ArrayRef<unsigned> results) {
    SmallVector<AffineExpr> exprs;
    for (unsigned d : results)
      exprs.push_back(b.getAffineDimExpr(d));
    return AffineMap::get(dims, 0, exprs, b.getContext());
  }
  AffineMap identity(unsigned dims) {
    return AffineMap::getMultiDimIdentityMap(dims, b.getContext());
  }

  /// A generic whose last map is its single output `init`.
  Value generic(ValueRange inputs, Value init, ArrayRef<AffineMap> maps,
                ArrayRef<IteratorType> iterators, BodyFn body) {
    return linalg::GenericOp::create(b, loc, TypeRange{init.getType()},
                                     inputs, ValueRange{init}, maps, iterators,
                                     body)
        .getResult(0);
  }
  /// An elementwise map over tensors shaped like `like`.
  Value elementwise(ValueRange inputs, Value like, BodyFn body) {
    RankedTensorType type = tensorOf(like);
    unsigned rank = type.getRank();
    SmallVector<AffineMap> maps(inputs.size() + 1, identity(rank));
    return generic(inputs, empty(type.getShape(), type.getElementType()), maps,
                   SmallVector<IteratorType>(rank, kPar), body);
  }

  /// [B, S, K] x [K, N] -> [B, S, N] through one linalg.matmul.
  Value linear(Value x, Value w, bool transposeW = false) {
    RankedTensorType xt = tensorOf(x);
    Type element = xt.getElementType();
    int64_t bs = xt.getDimSize(0), s = xt.getDimSize(1), k = xt.getDimSize(2);
    if (transposeW) {
      ArrayRef<int64_t> ws = tensorOf(w).getShape();
      w = linalg::TransposeOp::create(b, loc, w, empty({ws[1], ws[0]}, element),
                                      ArrayRef<int64_t>{1, 0})
              .getResult()[0];
    }
    int64_t n = tensorOf(w).getDimSize(1);
    Value flat = tensor::CollapseShapeOp::create(
        b, loc, RankedTensorType::get({bs * s, k}, element), x,
        ArrayRef<ReassociationIndices>{{0, 1}, {2}});
    Value product =
        linalg::MatmulOp::create(b, loc, ValueRange{flat, w},
                                 ValueRange{filled({bs * s, n}, element, 0.0)})
            .getResult(0);
    return tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get({bs, s, n}, element), product,
        ArrayRef<ReassociationIndices>{{0, 1}, {2}});
  }

  /// Reduces the last dimension of a rank-3 tensor into a rank-2 one.
  Value reduceLast(Value x, double init, BodyFn body,
                   ValueRange extra = {}) {
    RankedTensorType t = tensorOf(x);
    SmallVector<Value> inputs{x};
    SmallVector<AffineMap> maps{identity(3)};
    for (Value e : extra) {
      inputs.push_back(e);
      maps.push_back(map(3, {0, 1}));
    }
    maps.push_back(map(3, {0, 1}));
    return generic(inputs,
                   filled({t.getDimSize(0), t.getDimSize(1)},
                          t.getElementType(), init),
                   maps, {kPar, kPar, kRed}, body);
  }

  Value index(unsigned dim) { return linalg::IndexOp::create(b, loc, dim); }
  Value toFloat(Value index, Type type) {
    Value i64 = arith::IndexCastOp::create(b, loc, b.getI64Type(), index);
    return arith::SIToFPOp::create(b, loc, type, i64);
  }

  OpBuilder &b;
  Location loc;
};

inline void yieldValue(OpBuilder &b, Location loc, Value v) {
  linalg::YieldOp::create(b, loc, ValueRange{v});
}
inline Value add(OpBuilder &b, Location loc, Value x, Value y) {
  return arith::AddFOp::create(b, loc, x, y);
}
inline Value mul(OpBuilder &b, Location loc, Value x, Value y) {
  return arith::MulFOp::create(b, loc, x, y);
}
inline Value floatOf(OpBuilder &b, Location loc, Type type, double v) {
  return arith::ConstantOp::create(b, loc, b.getFloatAttr(type, v));
}
inline Value sigmoid(OpBuilder &b, Location loc, Value x) {
  Type t = x.getType();
  Value e = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, x));
  return arith::DivFOp::create(b, loc, floatOf(b, loc, t, 1.0),
                               add(b, loc, floatOf(b, loc, t, 1.0), e));
}
/// A tapped cross-entropy's factor: `weights[k]` (1 without weights) where
/// `step` is `taps[k]`, else 0. `step` is a host value the kernel takes as a
/// parameter.
inline Value tapFactor(OpBuilder &b, Location loc, Value step,
                       ArrayRef<int64_t> taps,
                       std::optional<ArrayRef<double>> weights, Type element) {
  Value factor = floatOf(b, loc, element, 0.0);
  for (auto [k, t] : llvm::enumerate(taps)) {
    Value eq = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, step,
                                     arith::ConstantIndexOp::create(b, loc, t));
    factor = arith::SelectOp::create(
        b, loc, eq, floatOf(b, loc, element, weights ? (*weights)[k] : 1.0),
        factor);
  }
  return factor;
}
/// `scale * sum`, plus `acc` when given: an auxiliary loss added to the
/// cross-entropy (0-d tensors).
inline Value scaledLoss(Emitter &e, Value sum, Value acc, double scale) {
  Type element = Emitter::tensorOf(sum).getElementType();
  AffineMap scalar = AffineMap::get(0, 0, {}, e.b.getContext());
  return e.generic(sum, acc ? acc : e.empty({}, element), {scalar, scalar}, {},
                   [&](OpBuilder &b, Location l, ValueRange a) {
                     Value v = mul(b, l, a[0], floatOf(b, l, element, scale));
                     yieldValue(b, l, acc ? add(b, l, a[1], v) : v);
                   });
}

//===----------------------------------------------------------------------===//
// Attention pieces (defined in HrmToLinalg.cpp)
//===----------------------------------------------------------------------===//

/// cos and sin of `(offset + pos) * theta^(-2i/hd)`, [S, hd/2].
std::pair<Value, Value> ropeTables(Emitter &e, int64_t s, int64_t hd,
                                   double theta, Type element,
                                   Value offset = nullptr);
/// [B, S, H*hd] -> [B*H, S, hd], rotated by RoPE when tables are given.
Value headsFirst(Emitter &e, Value x, int64_t heads,
                 std::optional<std::pair<Value, Value>> rope);
/// [B*H, S, hd] -> [B, S, H*hd]; with tables, rotated back by the
/// transposed RoPE rotation (the backward of headsFirst).
Value headsLast(Emitter &e, Value x, int64_t batch,
                std::optional<std::pair<Value, Value>> rope);
using HiddenFn =
    function_ref<Value(OpBuilder &, Location, Value query, Value key)>;
/// Softmax of the scaled and masked scores [BH, n, m] over the last axis.
Value softmaxRows(Emitter &e, Value scores, int64_t hd, HiddenFn hidden);
/// a [BH, n, k] x b [BH, m, k] -> a b^T [BH, n, m].
Value queryKeyScores(Emitter &e, Value q, Value k);
/// probs [BH, n, m] x values [BH, m, hd] -> [B, n, H*hd].
Value attendAndMerge(Emitter &e, Value probs, Value values, int64_t bs,
                     int64_t heads, RankedTensorType type);
/// context [BH, n, hd] -> [B, n, H*hd].
Value mergeHeads(Emitter &e, Value context, int64_t bs, int64_t heads,
                 RankedTensorType type);
/// The largest head size fusedAttention takes (one register per element).
constexpr int64_t kMaxFusedHeadDim = 128;
/// softmax(q k^T / sqrt(hd), masked) v for q [BH, n, hd], k and v [BH, m,
/// hd] as one loop nest: a parallel loop over (head, query), a sequential
/// loop over the keys the mask lets the query see carrying the online
/// softmax's max and sum and hd accumulators, one store per output. Built
/// on buffers (bufferization.to_buffer / to_tensor) in the tensor IR; on
/// the GPU it is one kernel, a thread per query row.
Value fusedAttention(Emitter &e, Value q, Value k, Value v, MaskKind mask,
                     int64_t prefix);
/// Which keys are hidden from which queries under `mask`.
Value maskHides(OpBuilder &b, Location l, MaskKind mask, int64_t prefix,
                Value i, Value j);

struct Heads {
  Value q, k, v; // [B*H, n, hd]; q and k rotated when RoPE is on
};
/// Q from `qSrc`, K and V from `input`, split into heads.
Heads projectHeads(Emitter &e, Value input, Value qSrc, Value wq, Value wk,
                   Value wv, int64_t heads,
                   std::optional<std::pair<Value, Value>> rope);

/// Row maxima of logits [B, S, V], over V.
Value rowMax(Emitter &e, Value logits);
/// Row maxima and sums of exp(x - max) of logits [B, S, V], over V: the
/// stable log-sum-exp pieces cross-entropy and its gradient share.
std::pair<Value, Value> rowMaxAndSumExp(Emitter &e, Value logits);

/// `parallelEmbedGrad`: hrm.embed_grad as one reduction over the tokens per
/// table element (for GPUs), not a loop of row updates.
void populateHrmGradToLinalgPatterns(RewritePatternSet &patterns,
                                     bool parallelEmbedGrad = false);
/// The halting head's ops and their gradients (HaltingToLinalg.cpp).
void populateHaltingToLinalgPatterns(RewritePatternSet &patterns);
/// Per-position ACT's ops and their gradients (ActToLinalg.cpp).
void populateActToLinalgPatterns(RewritePatternSet &patterns);

} // namespace mlir::hrm::lowering

#endif // HRMC_LIB_CONVERSION_LINALGEMITTER_H
