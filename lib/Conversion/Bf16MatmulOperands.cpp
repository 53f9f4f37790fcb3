//===- Bf16MatmulOperands.cpp - bf16 storage of tensor-core operands ------===//
#include "TensorCoreMatmul.h"
#include "hrmc/Conversion/Passes.h"
#include "hrmc/Support/Remarks.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/SymbolTable.h"

namespace mlir::hrm {
#define GEN_PASS_DEF_HRMBF16MATMULOPERANDS
#include "hrmc/Conversion/Passes.h.inc"
} // namespace mlir::hrm

using namespace mlir;

namespace {

/// True for an elementwise f32 -> bf16 rounding of one tensor whose output
/// is `tensor.empty`: the casts castToBF16 builds (identity maps), and those
/// fused with a transpose (a permuted input map) when `transposed`.
bool isBF16Cast(Operation *op, bool transposed = false) {
  auto generic = dyn_cast<linalg::GenericOp>(op);
  if (!generic || !generic.hasPureTensorSemantics() ||
      generic.getNumDpsInputs() != 1 || generic.getNumDpsInits() != 1 ||
      generic.getNumLoops() != generic.getNumParallelLoops() ||
      !generic.getDpsInits()[0].getDefiningOp<tensor::EmptyOp>())
    return false;
  SmallVector<AffineMap> maps = generic.getIndexingMapsArray();
  if (!maps[1].isIdentity() ||
      !(transposed ? maps[0].isPermutation() : maps[0].isIdentity()))
    return false;
  Block *body = generic.getBody();
  if (body->getOperations().size() != 2)
    return false;
  auto trunc = dyn_cast<arith::TruncFOp>(body->front());
  return trunc && trunc.getIn() == body->getArgument(0) &&
         trunc.getType().isBF16() && trunc.getIn().getType().isF32() &&
         body->getTerminator()->getOperand(0) == trunc.getResult();
}

/// Right after `v`'s definition; for an argument, after the casts already
/// at the top of its block, to keep the arguments' order.
void setInsertionPointAfterDefinition(OpBuilder &b, Value v) {
  if (Operation *def = v.getDefiningOp()) {
    b.setInsertionPointAfter(def);
    return;
  }
  Block *block = cast<BlockArgument>(v).getOwner();
  Block::iterator it = block->begin();
  while (it != block->end() && (isa<tensor::EmptyOp>(*it) || isBF16Cast(&*it)))
    ++it;
  b.setInsertionPoint(block, it);
}

/// The cast itself: out[i] = bf16(v[inputMap(i)]) over `shape`.
Value buildCast(OpBuilder &b, Location loc, Value v, AffineMap inputMap,
                ArrayRef<int64_t> shape) {
  Value empty = tensor::EmptyOp::create(b, loc, shape, b.getBF16Type());
  AffineMap id = b.getMultiDimIdentityMap(shape.size());
  SmallVector<utils::IteratorType> parallel(shape.size(),
                                            utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, empty.getType(), v, empty, ArrayRef<AffineMap>{inputMap, id},
      parallel, [](OpBuilder &nb, Location l, ValueRange args) {
        Value h = arith::TruncFOp::create(nb, l, nb.getBF16Type(), args[0]);
        linalg::YieldOp::create(nb, l, h);
      });
  return generic.getResult(0);
}

/// `v` (an f32 tensor) rounded to bf16, by a cast placed right after `v` is
/// defined: outside the loops and branches of its uses, and where
/// elementwise fusion can fold it into the producer. Reshapes between `v`
/// and its producer are redone on the bf16 tensor; a transpose is done by
/// the cast itself.
Value castToBF16(RewriterBase &b, Location loc, Value v) {
  OpBuilder::InsertionGuard guard(b);
  auto type = cast<RankedTensorType>(v.getType());
  RankedTensorType bf16Type = type.clone(b.getBF16Type());
  if (auto collapse = v.getDefiningOp<tensor::CollapseShapeOp>()) {
    Value src = castToBF16(b, loc, collapse.getSrc());
    b.setInsertionPointAfter(collapse);
    return tensor::CollapseShapeOp::create(b, loc, bf16Type, src,
                                           collapse.getReassociationIndices());
  }
  if (auto expand = v.getDefiningOp<tensor::ExpandShapeOp>()) {
    Value src = castToBF16(b, loc, expand.getSrc());
    b.setInsertionPointAfter(expand);
    return tensor::ExpandShapeOp::create(b, loc, bf16Type, src,
                                         expand.getReassociationIndices());
  }
  // An elementwise named op (a gradient's linalg.add) becomes a generic,
  // which elementwise fusion takes.
  if (auto named = v.getDefiningOp<linalg::LinalgOp>();
      named && !isa<linalg::GenericOp, linalg::TransposeOp>(named) &&
      named.hasPureTensorSemantics() &&
      named.getNumLoops() == named.getNumParallelLoops()) {
    OpBuilder::InsertionGuard inner(b);
    b.setInsertionPoint(named);
    unsigned result = cast<OpResult>(v).getResultNumber();
    FailureOr<linalg::GenericOp> generic = linalg::generalizeNamedOp(b, named);
    if (succeeded(generic))
      v = generic->getResult(result);
  }
  // A transpose is cast as it moves its input: one generic with its maps.
  AffineMap inputMap = b.getMultiDimIdentityMap(type.getRank());
  if (auto transpose = v.getDefiningOp<linalg::TransposeOp>()) {
    inputMap = transpose.getIndexingMapsArray().front();
    v = transpose.getInput();
  }
  setInsertionPointAfterDefinition(b, v);
  return buildCast(b, loc, v, inputMap, type.getShape());
}

/// `v` (an argument, read through `map` with K at result `kAt`) rounded to
/// bf16 into a layout whose last dimension is K, so that each lane's pairs
/// of K-consecutive operand elements are adjacent; `map` becomes the
/// contraction's map for it.
Value castKContiguous(RewriterBase &b, Location loc, Value v, AffineMap &map,
                      unsigned kAt) {
  OpBuilder::InsertionGuard guard(b);
  auto type = cast<RankedTensorType>(v.getType());
  // New dimension j is old dimension order[j].
  SmallVector<unsigned> order;
  for (unsigned r = 0; r < map.getNumResults(); ++r)
    if (r != kAt)
      order.push_back(r);
  order.push_back(kAt);
  SmallVector<int64_t> shape;
  SmallVector<AffineExpr> results;
  SmallVector<unsigned> inverse(order.size());
  for (auto [j, r] : llvm::enumerate(order)) {
    shape.push_back(type.getDimSize(r));
    results.push_back(map.getResult(r));
    inverse[r] = j;
  }
  map = AffineMap::get(map.getNumDims(), 0, results, b.getContext());
  setInsertionPointAfterDefinition(b, v);
  return buildCast(b, loc, v,
                   AffineMap::getPermutationMap(inverse, b.getContext()),
                   shape);
}

/// Erases the reshapes and transposes that produced `v` once nothing reads
/// them.
void eraseUnusedViews(RewriterBase &rewriter, Value v) {
  Operation *def = v.getDefiningOp();
  while (def && def->use_empty() &&
         isa<tensor::CollapseShapeOp, tensor::ExpandShapeOp,
             linalg::TransposeOp>(def)) {
    Operation *next = def->getOperand(0).getDefiningOp();
    rewriter.eraseOp(def);
    def = next;
  }
}

/// `op` as a generic reading bf16 casts of its operands and widening them
/// in its body, where the old body used them.
LogicalResult readOperandsAsBF16(RewriterBase &rewriter, linalg::LinalgOp op,
                                 bool kContiguousArguments) {
  rewriter.setInsertionPoint(op);
  auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
  if (!generic) {
    FailureOr<linalg::GenericOp> g = linalg::generalizeNamedOp(rewriter, op);
    if (failed(g))
      return failure();
    generic = *g;
  }
  Location loc = generic.getLoc();
  SmallVector<AffineMap> maps = generic.getIndexingMapsArray();
  unsigned k = hrm::tensorCoreDims(generic, 16)->k;
  SmallVector<Value> inputs;
  for (auto [i, v] : llvm::enumerate(generic.getInputs())) {
    std::optional<unsigned> kAt = maps[i].getResultPosition(
        getAffineDimExpr(k, rewriter.getContext()));
    auto arg = dyn_cast<BlockArgument>(v);
    if (kContiguousArguments && arg &&
        isa<func::FuncOp>(arg.getOwner()->getParentOp()) && kAt &&
        maps[i].isProjectedPermutation() &&
        *kAt + 1 != maps[i].getNumResults()) {
      inputs.push_back(castKContiguous(rewriter, loc, v, maps[i], *kAt));
      continue;
    }
    inputs.push_back(castToBF16(rewriter, loc, v));
  }
  rewriter.setInsertionPoint(generic);
  Block *oldBody = generic.getBody();
  auto demoted = linalg::GenericOp::create(
      rewriter, loc, generic.getResultTypes(), inputs, generic.getOutputs(),
      maps, generic.getIteratorTypesArray(),
      [&](OpBuilder &b, Location l, ValueRange args) {
        IRMapping map;
        for (unsigned i = 0; i < 2; ++i)
          map.map(oldBody->getArgument(i),
                  arith::ExtFOp::create(b, l, b.getF32Type(), args[i]));
        map.map(oldBody->getArgument(2), args[2]);
        for (Operation &inner : *oldBody)
          b.clone(inner, map);
      });
  demoted->setDiscardableAttrs(generic->getDiscardableAttrDictionary());
  SmallVector<Value> old = generic.getInputs();
  rewriter.replaceOp(generic, demoted.getResults());
  for (Value v : old)
    eraseUnusedViews(rewriter, v);
  return success();
}

/// `cast` of a callee's argument, rebuilt on `operand` in the caller, right
/// after `operand` is defined.
Value castInCaller(RewriterBase &b, linalg::GenericOp cast, Value operand) {
  if (isBF16Cast(cast))
    return castToBF16(b, cast.getLoc(), operand);
  OpBuilder::InsertionGuard guard(b);
  setInsertionPointAfterDefinition(b, operand);
  IRMapping map;
  map.map(cast.getInputs()[0], operand);
  b.clone(*cast.getOutputs()[0].getDefiningOp(), map);
  return b.clone(*cast, map)->getResult(0);
}

/// Replaces each argument of a private function that is only read by bf16
/// casts with one argument per cast, cast by the callers; true if any
/// moved.
bool castArgumentsAtCalls(ModuleOp module) {
  bool changed = false;
  for (auto func : module.getOps<func::FuncOp>()) {
    if (func.isPublic() || func.isExternal())
      continue;
    std::optional<SymbolTable::UseRange> uses =
        SymbolTable::getSymbolUses(func, module);
    if (!uses)
      continue;
    SmallVector<func::CallOp> calls;
    bool onlyCalls = llvm::all_of(*uses, [&](const SymbolTable::SymbolUse &u) {
      auto call = dyn_cast<func::CallOp>(u.getUser());
      if (call)
        calls.push_back(call);
      return call != nullptr;
    });
    if (!onlyCalls)
      continue;
    Block &entry = func.front();
    for (unsigned i = 0; i < entry.getNumArguments(); ++i) {
      BlockArgument arg = entry.getArgument(i);
      if (arg.use_empty() ||
          !llvm::all_of(arg.getUsers(),
                        [](Operation *op) { return isBF16Cast(op, true); }))
        continue;
      SmallVector<linalg::GenericOp> casts = llvm::map_to_vector(
          arg.getUsers(), [](Operation *op) { return cast<linalg::GenericOp>(op); });
      DictionaryAttr attrs = func.getArgAttrDict(i);
      for (auto [n, cast] : llvm::enumerate(casts)) {
        unsigned index = i + n;
        if (failed(func.insertArgument(index, cast->getResult(0).getType(),
                                       attrs, arg.getLoc())))
          return changed;
        for (func::CallOp call : calls) {
          IRRewriter b(call);
          Value operand = call->getOperand(index);
          call->insertOperands(index, castInCaller(b, cast, operand));
        }
      }
      unsigned old = i + casts.size();
      for (auto [n, cast] : llvm::enumerate(casts)) {
        Operation *empty = cast.getOutputs()[0].getDefiningOp();
        cast->getResult(0).replaceAllUsesWith(entry.getArgument(i + n));
        cast->erase();
        if (empty->use_empty())
          empty->erase();
      }
      if (failed(func.eraseArgument(old)))
        return changed;
      for (func::CallOp call : calls)
        call->eraseOperand(old);
      i = old - 1;
      changed = true;
    }
  }
  return changed;
}

struct HrmBf16MatmulOperandsPass
    : public mlir::hrm::impl::HrmBf16MatmulOperandsBase<
          HrmBf16MatmulOperandsPass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> work;
    getOperation()->walk([&](linalg::LinalgOp op) {
      if (!op.hasPureTensorSemantics())
        return;
      std::optional<hrm::MatmulDims> dims = hrm::tensorCoreDims(op, 16);
      auto isF32 = [](Value v) { return getElementTypeOrSelf(v).isF32(); };
      if (dims && llvm::all_of(op.getDpsInputs(), isF32))
        work.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp op : work) {
      hrmc::RemarkSite site(op);
      if (failed(readOperandsAsBF16(rewriter, op, kContiguousArguments))) {
        op.emitError("cannot generalize this contraction");
        return signalPassFailure();
      }
      hrmc::remarkPassed(*this, "bf16-operands", site);
    }
    while (castArgumentsAtCalls(getOperation())) {
    }
  }
};

} // namespace
