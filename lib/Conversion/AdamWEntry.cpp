//===- AdamWEntry.cpp - a training step with its optimizer compiled in ----===//
//
// The optimizer is compiled next to the gradients so that a training step on
// the GPU moves neither: parameters and moments stay in device buffers that
// the step updates in place.
//
//===----------------------------------------------------------------------===//
#include "hrmc/Conversion/Passes.h"
#include "hrmrt/Optimizer.h"

#include "mlir/Dialect/Math/IR/Math.h"

#include <cmath>

namespace mlir::hrm {
#define GEN_PASS_DEF_HRMADAMWENTRY
#include "hrmc/Conversion/Passes.h.inc"
} // namespace mlir::hrm

using namespace mlir;

namespace {

struct EntryBuilder {
  OpBuilder &b;
  Location loc;
  Type f64;

  Value constant(double v) {
    return arith::ConstantOp::create(b, loc, b.getF64FloatAttr(v));
  }

  Value zeros(ArrayRef<int64_t> shape) {
    Value empty = tensor::EmptyOp::create(b, loc, shape, f64);
    return linalg::FillOp::create(b, loc, constant(0.0), empty).getResult(0);
  }

  /// `grad` viewed as [rows, columns]: leading dimensions collapsed, a
  /// vector as one row.
  Value asMatrix(Value grad) {
    auto type = cast<RankedTensorType>(grad.getType());
    int64_t rank = type.getRank();
    if (rank == 2)
      return grad;
    if (rank > 2) {
      ReassociationIndices leading;
      for (int64_t d = 0; d + 1 < rank; ++d)
        leading.push_back(d);
      return tensor::CollapseShapeOp::create(
          b, loc, grad, ArrayRef<ReassociationIndices>{leading, {rank - 1}});
    }
    int64_t n = rank == 1 ? type.getDimSize(0) : 1;
    auto matrix = RankedTensorType::get({1, n}, type.getElementType());
    SmallVector<ReassociationIndices> reassociation;
    if (rank == 1)
      reassociation.push_back({0, 1});
    return tensor::ExpandShapeOp::create(b, loc, matrix, grad, reassociation);
  }

  /// Sum over each row of `matrix`'s squares, in float64, written into
  /// `partials` from `offset` on (in place once bufferized).
  Value rowSquares(Value matrix, Value partials, int64_t offset) {
    auto type = cast<RankedTensorType>(matrix.getType());
    int64_t rows = type.getDimSize(0);
    SmallVector<OpFoldResult> offsets{b.getIndexAttr(offset)},
        sizes{b.getIndexAttr(rows)}, strides{b.getIndexAttr(1)};
    Value part = tensor::ExtractSliceOp::create(b, loc, partials, offsets,
                                                sizes, strides);
    Value init =
        linalg::FillOp::create(b, loc, constant(0.0), part).getResult(0);
    MLIRContext *ctx = b.getContext();
    AffineExpr i = getAffineDimExpr(0, ctx), j = getAffineDimExpr(1, ctx);
    Value sums =
        linalg::GenericOp::create(
            b, loc, TypeRange{init.getType()}, matrix, init,
            ArrayRef<AffineMap>{AffineMap::get(2, 0, {i, j}, ctx),
                                AffineMap::get(2, 0, {i}, ctx)},
            ArrayRef<utils::IteratorType>{utils::IteratorType::parallel,
                                          utils::IteratorType::reduction},
            [&](OpBuilder &nb, Location l, ValueRange args) {
              Value g = arith::ExtFOp::create(nb, l, f64, args[0]);
              Value sq = arith::MulFOp::create(nb, l, g, g);
              linalg::YieldOp::create(
                  nb, l, ValueRange{arith::AddFOp::create(nb, l, args[1], sq)});
            })
            .getResult(0);
    return tensor::InsertSliceOp::create(b, loc, sums, partials, offsets, sizes,
                                         strides);
  }

  /// `vector` with its elements from `from` on set to zero.
  Value zeroTail(Value vector, int64_t from) {
    int64_t size = cast<RankedTensorType>(vector.getType()).getDimSize(0);
    SmallVector<OpFoldResult> offsets{b.getIndexAttr(from)},
        sizes{b.getIndexAttr(size - from)}, strides{b.getIndexAttr(1)};
    Value tail =
        tensor::ExtractSliceOp::create(b, loc, vector, offsets, sizes, strides);
    Value zero =
        linalg::FillOp::create(b, loc, constant(0.0), tail).getResult(0);
    return tensor::InsertSliceOp::create(b, loc, zero, vector, offsets, sizes,
                                         strides);
  }

  /// `input` summed into `init` along the reduction dimensions.
  Value sum(Value input, Value init, ArrayRef<AffineMap> maps,
            ArrayRef<utils::IteratorType> iterators) {
    return linalg::GenericOp::create(
               b, loc, TypeRange{init.getType()}, input, init, maps, iterators,
               [&](OpBuilder &nb, Location l, ValueRange args) {
                 linalg::YieldOp::create(nb, l,
                                         ValueRange{arith::AddFOp::create(
                                             nb, l, args[1], args[0])});
               })
        .getResult(0);
  }
};

struct HrmAdamWEntryPass
    : public mlir::hrm::impl::HrmAdamWEntryBase<HrmAdamWEntryPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto lossGrad = module.lookupSymbol<func::FuncOp>("loss_grad");
    if (!lossGrad || !lossGrad->hasAttr("hrm.entry") || lossGrad.isExternal()) {
      module.emitError("hrm-adamw-entry needs the training entry point "
                       "@loss_grad (run hrm-autodiff first)");
      return signalPassFailure();
    }
    if (module.lookupSymbol("train_step")) {
      module.emitError("hrm-adamw-entry: @train_step already exists");
      return signalPassFailure();
    }
    if (failed(build(lossGrad)))
      signalPassFailure();
  }

  LogicalResult build(func::FuncOp lossGrad) {
    MLIRContext *ctx = &getContext();
    FunctionType gradType = lossGrad.getFunctionType();
    // Parameters by name, and each gradient's parameter.
    llvm::StringMap<unsigned> paramArg;
    for (unsigned i = 0, e = gradType.getNumInputs(); i < e; ++i)
      if (auto name = lossGrad.getArgAttrOfType<StringAttr>(i, "hrm.param"))
        paramArg[name.getValue()] = i;
    if (gradType.getNumResults() == 0 || !lossGrad.getResultAttr(0, "hrm.loss"))
      return lossGrad.emitError("hrm-adamw-entry: result 0 of @loss_grad "
                                "is not the loss");
    struct Slot {
      unsigned gradResult, paramArg;
      RankedTensorType type;
      StringRef name;
    };
    SmallVector<Slot> slots;
    // The gradients follow the loss; what follows them (a segment's carried
    // states) is passed through.
    unsigned firstExtra = 1;
    while (firstExtra < gradType.getNumResults() &&
           lossGrad.getResultAttr(firstExtra, "hrm.grad"))
      ++firstExtra;
    for (unsigned r = 1; r < firstExtra; ++r) {
      auto name = lossGrad.getResultAttrOfType<StringAttr>(r, "hrm.grad");
      auto it = name ? paramArg.find(name.getValue()) : paramArg.end();
      if (it == paramArg.end())
        return lossGrad.emitError("hrm-adamw-entry: result ")
               << r << " of @loss_grad is not a parameter's gradient";
      auto type = dyn_cast<RankedTensorType>(gradType.getResult(r));
      if (!type || !type.hasStaticShape() || !type.getElementType().isF32() ||
          type != gradType.getInput(it->second))
        return lossGrad.emitError("hrm-adamw-entry: the gradient of '")
               << name.getValue()
               << "' is not a static f32 tensor of its parameter's type";
      slots.push_back({r, it->second, type, name.getValue()});
    }

    // (loss_grad's arguments, m0, v0, m1, v1, ..., adamw) ->
    // (loss, grad_norm, params', m', v', loss_grad's other results).
    Type f64 = Float64Type::get(ctx);
    auto hyperType = RankedTensorType::get({hrmrt::kAdamWSlots}, f64);
    auto scalarType = RankedTensorType::get({}, f64);
    SmallVector<Type> inputs(gradType.getInputs());
    for (const Slot &s : slots)
      inputs.append({s.type, s.type});
    inputs.push_back(hyperType);
    SmallVector<Type> results{gradType.getResult(0), scalarType};
    for (const Slot &s : slots)
      results.push_back(s.type);
    for (const Slot &s : slots)
      results.append({s.type, s.type});
    unsigned numUpdated = results.size();
    llvm::append_range(results, gradType.getResults().drop_front(firstExtra));

    OpBuilder b(ctx);
    b.setInsertionPointAfter(lossGrad);
    Location loc = lossGrad.getLoc();
    auto step = func::FuncOp::create(b, loc, "train_step",
                                     FunctionType::get(ctx, inputs, results));
    step->setAttr("hrm.entry", UnitAttr::get(ctx));
    step->setAttr("llvm.emit_c_interface", UnitAttr::get(ctx));
    unsigned numGradArgs = gradType.getNumInputs();
    for (unsigned i = 0; i < numGradArgs; ++i)
      step.setArgAttrs(i, lossGrad.getArgAttrDict(i));
    auto momentArg = [&](unsigned k, unsigned which) {
      return numGradArgs + 2 * k + which;
    };
    for (auto [k, s] : llvm::enumerate(slots)) {
      step.setArgAttr(momentArg(k, 0), "hrm.name",
                      b.getStringAttr("adam.m." + s.name));
      step.setArgAttr(momentArg(k, 1), "hrm.name",
                      b.getStringAttr("adam.v." + s.name));
    }
    unsigned hyperArg = inputs.size() - 1;
    step.setArgAttr(hyperArg, "hrm.name", b.getStringAttr("adamw"));
    step.setResultAttr(0, "hrm.loss", UnitAttr::get(ctx));
    step.setResultAttr(1, "hrm.name", b.getStringAttr("grad_norm"));
    unsigned numSlots = slots.size();
    for (auto [k, s] : llvm::enumerate(slots)) {
      step.setResultAttr(2 + k, "hrm.updates", b.getI64IntegerAttr(s.paramArg));
      for (unsigned which : {0u, 1u})
        step.setResultAttr(2 + numSlots + 2 * k + which, "hrm.updates",
                           b.getI64IntegerAttr(momentArg(k, which)));
    }
    for (unsigned r = firstExtra; r < gradType.getNumResults(); ++r)
      step.setResultAttrs(numUpdated + r - firstExtra,
                          lossGrad.getResultAttrDict(r));

    Block *body = step.addEntryBlock();
    b.setInsertionPointToStart(body);
    EntryBuilder eb{b, loc, f64};
    auto call = func::CallOp::create(
        b, loc, lossGrad, body->getArguments().take_front(numGradArgs));
    Value hyper = body->getArgument(hyperArg);

    // The global norm: per-row partial sums of every gradient in one
    // vector, then their sum in two levels, so that no thread adds more
    // than about sqrt(rows) terms one after another (a GPU kernel gets one
    // thread per row or per group; a fixed order, so a step is
    // reproducible).
    int64_t rows = 0;
    SmallVector<Value> matrices;
    for (const Slot &s : slots) {
      matrices.push_back(eb.asMatrix(call.getResult(s.gradResult)));
      rows += cast<RankedTensorType>(matrices.back().getType()).getDimSize(0);
    }
    auto groups =
        static_cast<int64_t>(std::ceil(std::sqrt(static_cast<double>(rows))));
    int64_t groupSize = (rows + groups - 1) / groups;
    int64_t padded = groups * groupSize;
    Value partials =
        tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{padded}, f64);
    int64_t offset = 0;
    for (Value matrix : matrices) {
      partials = eb.rowSquares(matrix, partials, offset);
      offset += cast<RankedTensorType>(matrix.getType()).getDimSize(0);
    }
    if (padded > rows)
      partials = eb.zeroTail(partials, rows);
    Value grouped = tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get({groups, groupSize}, f64), partials,
        ArrayRef<ReassociationIndices>{{0, 1}});
    AffineExpr d0 = getAffineDimExpr(0, ctx), d1 = getAffineDimExpr(1, ctx);
    Value groupSums = eb.sum(
        grouped, eb.zeros({groups}),
        {AffineMap::get(2, 0, {d0, d1}, ctx), AffineMap::get(2, 0, {d0}, ctx)},
        {utils::IteratorType::parallel, utils::IteratorType::reduction});
    Value sumSq =
        eb.sum(groupSums, eb.zeros({}),
               {AffineMap::get(1, 0, {d0}, ctx), AffineMap::get(1, 0, {}, ctx)},
               {utils::IteratorType::reduction});

    // norm = sqrt(sum); scale = clip / norm when clipping bounds it, else 1.
    auto hyperMap = [&](unsigned dims, int64_t slot) {
      return AffineMap::get(dims, 0, {getAffineConstantExpr(slot, ctx)}, ctx);
    };
    auto scalarMap = [&](unsigned dims) {
      return AffineMap::get(dims, 0, {}, ctx);
    };
    auto normAndScale = linalg::GenericOp::create(
        b, loc, TypeRange{scalarType, scalarType}, ValueRange{sumSq, hyper},
        ValueRange{tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{}, f64),
                   tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{}, f64)},
        ArrayRef<AffineMap>{scalarMap(0), hyperMap(0, hrmrt::kAdamWClipNorm),
                            scalarMap(0), scalarMap(0)},
        ArrayRef<utils::IteratorType>{},
        [&](OpBuilder &nb, Location l, ValueRange args) {
          Value norm = math::SqrtOp::create(nb, l, args[0]);
          Value clip = args[1];
          Value zero = arith::ConstantOp::create(nb, l, nb.getF64FloatAttr(0));
          Value one = arith::ConstantOp::create(nb, l, nb.getF64FloatAttr(1));
          Value clips = arith::AndIOp::create(
              nb, l,
              arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OGT, clip,
                                    zero),
              arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OGT, norm,
                                    clip));
          Value scale = arith::SelectOp::create(
              nb, l, clips, arith::DivFOp::create(nb, l, clip, norm), one);
          linalg::YieldOp::create(nb, l, ValueRange{norm, scale});
        });
    Value scale = normAndScale.getResult(1);

    // The update, element by element, as hrmrt::AdamW computes it.
    SmallVector<Value> newParams, newMoments;
    for (auto [k, s] : llvm::enumerate(slots)) {
      unsigned rank = s.type.getRank();
      AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, ctx);
      bool decay = rank >= 2;
      SmallVector<Value> ins{call.getResult(s.gradResult), scale};
      SmallVector<AffineMap> maps{identity, scalarMap(rank)};
      for (int64_t slot :
           {hrmrt::kAdamWLr, hrmrt::kAdamWBeta1, hrmrt::kAdamWBeta2,
            hrmrt::kAdamWEps, hrmrt::kAdamWWeightDecay,
            hrmrt::kAdamWCorrection1, hrmrt::kAdamWCorrection2}) {
        ins.push_back(hyper);
        maps.push_back(hyperMap(rank, slot));
      }
      maps.append(3, identity);
      auto update = linalg::GenericOp::create(
          b, loc, TypeRange{s.type, s.type, s.type}, ins,
          ValueRange{body->getArgument(s.paramArg),
                     body->getArgument(momentArg(k, 0)),
                     body->getArgument(momentArg(k, 1))},
          maps,
          SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
          [&](OpBuilder &nb, Location l, ValueRange args) {
            auto wide = [&](Value v) {
              return arith::ExtFOp::create(nb, l, f64, v);
            };
            auto narrow = [&](Value v) {
              return arith::TruncFOp::create(nb, l, nb.getF32Type(), v);
            };
            auto mul = [&](Value x, Value y) {
              return arith::MulFOp::create(nb, l, x, y);
            };
            auto add = [&](Value x, Value y) {
              return arith::AddFOp::create(nb, l, x, y);
            };
            auto sub = [&](Value x, Value y) {
              return arith::SubFOp::create(nb, l, x, y);
            };
            auto div = [&](Value x, Value y) {
              return arith::DivFOp::create(nb, l, x, y);
            };
            Value one = arith::ConstantOp::create(nb, l, nb.getF64FloatAttr(1));
            Value g = mul(wide(args[0]), args[1]);
            Value lr = args[2], beta1 = args[3], beta2 = args[4], eps = args[5],
                  wd = args[6], c1 = args[7], c2 = args[8];
            Value p = wide(args[9]);
            Value m = add(mul(beta1, wide(args[10])), mul(sub(one, beta1), g));
            Value v = add(mul(beta2, wide(args[11])),
                          mul(mul(sub(one, beta2), g), g));
            Value step = div(div(m, c1),
                             add(math::SqrtOp::create(nb, l, div(v, c2)), eps));
            if (decay)
              step = add(step, mul(wd, p));
            linalg::YieldOp::create(nb, l,
                                    ValueRange{narrow(sub(p, mul(lr, step))),
                                               narrow(m), narrow(v)});
          });
      newParams.push_back(update.getResult(0));
      newMoments.append({update.getResult(1), update.getResult(2)});
    }
    SmallVector<Value> returned{call.getResult(0), normAndScale.getResult(0)};
    llvm::append_range(returned, newParams);
    llvm::append_range(returned, newMoments);
    llvm::append_range(returned, call.getResults().drop_front(firstExtra));
    func::ReturnOp::create(b, loc, returned);
    return success();
  }
};

} // namespace
