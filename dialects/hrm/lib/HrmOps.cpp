//===- HrmOps.cpp - hrm operations ----------------------------------------===//
#include "hrm/HrmOps.h"

#include <cmath>

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/FunctionImplementation.h"

using namespace mlir;
using namespace mlir::hrm;

//===----------------------------------------------------------------------===//
// Shape helpers
//===----------------------------------------------------------------------===//

static RankedTensorType tensorType(Value v) {
  return cast<RankedTensorType>(v.getType());
}

/// Dimensions agree when equal or when either is dynamic.
static bool dimsAgree(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
}

static std::string dimStr(int64_t d) {
  return ShapedType::isDynamic(d) ? std::string("?") : std::to_string(d);
}

/// Checks `actual` against `expected` and names both in the error.
static LogicalResult expectDim(Operation *op, StringRef what, int64_t actual,
                               int64_t expected) {
  if (dimsAgree(actual, expected))
    return success();
  return op->emitOpError() << what << " is " << dimStr(actual)
                           << ", expected " << dimStr(expected);
}

static int64_t lastDim(Value v) { return tensorType(v).getShape().back(); }

/// Batch and sequence dimensions of two activations must agree.
static LogicalResult expectSameTokens(Operation *op, StringRef what, Value a,
                                      Value b) {
  ArrayRef<int64_t> sa = tensorType(a).getShape(), sb = tensorType(b).getShape();
  for (unsigned i = 0; i < 2; ++i)
    if (!dimsAgree(sa[i], sb[i]))
      return op->emitOpError()
             << what << " dimension " << i << " is " << dimStr(sb[i])
             << ", expected " << dimStr(sa[i]);
  return success();
}

//===----------------------------------------------------------------------===//
// ModelOp, ParamOp, WeightOp
//===----------------------------------------------------------------------===//

void ModelOp::build(OpBuilder &builder, OperationState &state, StringRef name) {
  state.addAttribute(mlir::SymbolTable::getSymbolAttrName(),
                     builder.getStringAttr(name));
  Region *body = state.addRegion();
  body->push_back(new Block());
}

LogicalResult ModelOp::verify() {
  if (std::optional<int64_t> len = getMaxSeqLen(); len && *len < 1)
    return emitOpError() << "max_seq_len must be >= 1, got " << *len;
  return success();
}

int64_t ModelOp::getParameterCount() {
  int64_t count = 0;
  for (ParamOp param : getBody().getOps<ParamOp>())
    count += param.getTensorType().getNumElements();
  return count;
}

LogicalResult ParamOp::verify() {
  if (!isa<FloatType>(getTensorType().getElementType()))
    return emitOpError() << "parameter '" << getSymName()
                         << "' must have a float element type, got "
                         << getTensorType().getElementType();
  return success();
}

LogicalResult WeightOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  auto param =
      symbolTable.lookupNearestSymbolFrom<ParamOp>(*this, getParamAttr());
  if (!param)
    return emitOpError() << "'" << getParam()
                         << "' does not name an hrm.param in the enclosing "
                            "hrm.model";
  if (param.getType() != getType())
    return emitOpError() << "type " << getType() << " does not match "
                         << param.getType() << " of parameter '"
                         << getParam() << "'";
  return success();
}

//===----------------------------------------------------------------------===//
// ModuleDefOp, ApplyOp, YieldOp
//===----------------------------------------------------------------------===//

void ModuleDefOp::build(OpBuilder &builder, OperationState &state,
                        StringRef name, FunctionType type) {
  state.addAttribute(SymbolTable::getSymbolAttrName(),
                     builder.getStringAttr(name));
  state.addAttribute(getFunctionTypeAttrName(state.name), TypeAttr::get(type));
  Region *body = state.addRegion();
  auto *entry = new Block();
  for (Type input : type.getInputs())
    entry->addArgument(input, state.location);
  body->push_back(entry);
}

ParseResult ModuleDefOp::parse(OpAsmParser &parser, OperationState &result) {
  auto buildFuncType =
      [](Builder &builder, ArrayRef<Type> argTypes, ArrayRef<Type> results,
         function_interface_impl::VariadicFlag,
         std::string &) { return builder.getFunctionType(argTypes, results); };
  return function_interface_impl::parseFunctionOp(
      parser, result, /*allowVariadic=*/false,
      getFunctionTypeAttrName(result.name), buildFuncType,
      getArgAttrsAttrName(result.name), getResAttrsAttrName(result.name));
}

void ModuleDefOp::print(OpAsmPrinter &printer) {
  function_interface_impl::printFunctionOp(
      printer, *this, /*isVariadic=*/false, getFunctionTypeAttrName(),
      getArgAttrsAttrName(), getResAttrsAttrName());
}

LogicalResult ModuleDefOp::verify() {
  if (getFunctionType().getNumInputs() < 1)
    return emitOpError() << "module '" << getSymName()
                         << "' needs at least one argument (the state)";
  if (getFunctionType().getNumResults() < 1)
    return emitOpError() << "module '" << getSymName()
                         << "' must return at least the new state";
  return success();
}

LogicalResult ApplyOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  auto module =
      symbolTable.lookupNearestSymbolFrom<ModuleDefOp>(*this, getCalleeAttr());
  if (!module)
    return emitOpError() << "'" << getCallee()
                         << "' does not name an hrm.module";
  FunctionType type = module.getFunctionType();
  if (type.getNumInputs() != getInputs().size())
    return emitOpError() << "module '" << getCallee() << "' takes "
                         << type.getNumInputs() << " inputs, got "
                         << getInputs().size();
  for (auto [i, expected, actual] :
       llvm::enumerate(type.getInputs(), getInputs().getTypes()))
    if (expected != actual)
      return emitOpError() << "input " << i << " has type " << actual
                           << ", module '" << getCallee() << "' expects "
                           << expected;
  if (TypeRange(type.getResults()) != TypeRange(getResultTypes()))
    return emitOpError() << "result types do not match module '"
                         << getCallee() << "'";
  return success();
}

LogicalResult YieldOp::verify() {
  Operation *parent = (*this)->getParentOp();
  SmallVector<Type> expected;
  if (auto module = dyn_cast<ModuleDefOp>(parent)) {
    llvm::append_range(expected, module.getResultTypes());
  } else if (auto loop = dyn_cast<HierLoopOp>(parent)) {
    if ((*this)->getParentRegion() == &loop.getFast()) {
      expected.push_back(loop.getFastInit().getType());
    } else {
      expected.push_back(loop.getSlowInit().getType());
      llvm::append_range(expected, loop.getAccInits().getTypes());
    }
  } else if (auto loop = dyn_cast<LoopOp>(parent)) {
    llvm::append_range(expected, loop.getInits().getTypes());
  }
  if (TypeRange(getValues()) != TypeRange(expected)) {
    InFlightDiagnostic diag = emitOpError() << "yields " << getValues().size()
                                            << " values of types (";
    llvm::interleaveComma(getValues().getTypes(), diag);
    diag << "), expected (";
    llvm::interleaveComma(expected, diag);
    return diag << ")";
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Transformer ops
//===----------------------------------------------------------------------===//

LogicalResult EmbedOp::verify() {
  RankedTensorType table = tensorType(getTable());
  if (failed(expectDim(*this, "result feature size", lastDim(getResult()),
                       table.getShape()[1])))
    return failure();
  ArrayRef<int64_t> tok = tensorType(getTokens()).getShape();
  ArrayRef<int64_t> res = tensorType(getResult()).getShape();
  for (unsigned i = 0; i < 2; ++i)
    if (!dimsAgree(tok[i], res[i]))
      return emitOpError() << "result dimension " << i << " is "
                           << dimStr(res[i]) << ", tokens have "
                           << dimStr(tok[i]);
  if (!(getScale().convertToDouble() > 0.0))
    return emitOpError() << "scale must be positive";
  return success();
}

LogicalResult RMSNormOp::verify() {
  if (!(getEps().convertToDouble() > 0.0))
    return emitOpError() << "eps must be positive";
  if (getWeight())
    return expectDim(*this, "weight size", tensorType(getWeight()).getShape()[0],
                     lastDim(getInput()));
  return success();
}

/// What hrm.attention and hrm.cached_attention check alike: square
/// projections of the model width, a head count dividing it, a positive
/// RoPE base and an even head size for RoPE, a query shaped like the input.
template <typename AttentionLike>
static LogicalResult verifyAttentionShapes(AttentionLike op) {
  int64_t d = lastDim(op.getInput());
  ArrayRef<int64_t> w = tensorType(op.getWq()).getShape();
  if (failed(expectDim(op, "projection rows", w[0], d)) ||
      failed(expectDim(op, "projection columns", w[1], d)))
    return failure();
  int64_t heads = op.getHeadsAttr().getInt();
  if (heads < 1)
    return op.emitOpError() << "heads must be >= 1, got " << heads;
  if (!ShapedType::isDynamic(d) && d % heads != 0)
    return op.emitOpError() << "model width " << d
                            << " is not divisible by heads = " << heads;
  if (op.getRopeTheta()) {
    if (!(op.getRopeTheta()->convertToDouble() > 0.0))
      return op.emitOpError() << "rope theta must be positive";
    if (!ShapedType::isDynamic(d) && (d / heads) % 2 != 0)
      return op.emitOpError() << "RoPE needs an even head size, got "
                              << d / heads;
  }
  if (op.getQuery() && op.getQuery().getType() != op.getInput().getType())
    return op.emitOpError() << "query type " << op.getQuery().getType()
                            << " differs from input type "
                            << op.getInput().getType();
  return success();
}

LogicalResult AttentionOp::verify() {
  if (failed(verifyAttentionShapes(*this)))
    return failure();
  bool isPrefix = getMask() == MaskKind::prefix;
  if (isPrefix != getPrefixLen().has_value())
    return emitOpError() << (isPrefix ? "a prefix mask needs a prefix length"
                                      : "only a prefix mask takes a prefix length");
  if (isPrefix && getPrefixLenAttr().getInt() < 0)
    return emitOpError() << "prefix length must be >= 0";
  return success();
}

LogicalResult CachedAttentionOp::verify() {
  if (failed(verifyAttentionShapes(*this)))
    return failure();
  int64_t d = lastDim(getInput());
  int64_t heads = getHeadsAttr().getInt();
  ArrayRef<int64_t> cache = tensorType(getKCache()).getShape();
  int64_t batch = tensorType(getInput()).getDimSize(0);
  if (failed(expectDim(*this, "cache batch", cache[1], batch)) ||
      failed(expectDim(*this, "cache heads", cache[2], heads)) ||
      (!ShapedType::isDynamic(d) &&
       failed(expectDim(*this, "cache head size", cache[4], d / heads))))
    return failure();
  int64_t seq = tensorType(getInput()).getDimSize(1);
  if (!ShapedType::isDynamic(seq) && !ShapedType::isDynamic(cache[3]) &&
      seq > cache[3])
    return emitOpError() << seq << " new positions do not fit a cache of "
                         << cache[3];
  return success();
}

LogicalResult MlpOp::verify() {
  bool isSwiglu = getKind() == MlpKind::swiglu;
  if (isSwiglu != static_cast<bool>(getGate()))
    return emitOpError() << (isSwiglu ? "swiglu needs a gate projection"
                                      : "gelu takes no gate projection");
  int64_t d = lastDim(getInput());
  ArrayRef<int64_t> up = tensorType(getUp()).getShape();
  ArrayRef<int64_t> down = tensorType(getDown()).getShape();
  if (failed(expectDim(*this, "up projection rows", up[0], d)) ||
      failed(expectDim(*this, "down projection rows", down[0], up[1])) ||
      failed(expectDim(*this, "down projection columns", down[1], d)))
    return failure();
  if (getGate() && getGate().getType() != getUp().getType())
    return emitOpError() << "gate projection type " << getGate().getType()
                         << " differs from up projection type "
                         << getUp().getType();
  return success();
}

LogicalResult LinearOp::verify() {
  ArrayRef<int64_t> w = tensorType(getWeight()).getShape();
  if (failed(expectDim(*this, "weight rows", w[0], lastDim(getInput()))) ||
      failed(expectDim(*this, "result feature size", lastDim(getResult()), w[1])))
    return failure();
  return expectSameTokens(*this, "result", getInput(), getResult());
}

LogicalResult AddOp::verify() {
  RankedTensorType rhs = tensorType(getRhs());
  if (rhs.getRank() == 1)
    return expectDim(*this, "broadcast vector size", rhs.getShape()[0],
                     lastDim(getLhs()));
  if (rhs != getLhs().getType())
    return emitOpError() << "operand types differ: " << getLhs().getType()
                         << " and " << rhs;
  return success();
}

LogicalResult ConcatOp::verify() {
  int64_t a = lastDim(getLhs()), b = lastDim(getRhs());
  int64_t sum = ShapedType::isDynamic(a) || ShapedType::isDynamic(b)
                    ? ShapedType::kDynamic
                    : a + b;
  if (failed(expectDim(*this, "result feature size", lastDim(getResult()), sum)))
    return failure();
  if (failed(expectSameTokens(*this, "rhs", getLhs(), getRhs())))
    return failure();
  return expectSameTokens(*this, "result", getLhs(), getResult());
}

LogicalResult LMHeadOp::verify() {
  ArrayRef<int64_t> w = tensorType(getWeight()).getShape();
  int64_t dIdx = getTied() ? 1 : 0;
  if (failed(expectDim(*this, getTied() ? "tied table width" : "weight rows",
                       w[dIdx], lastDim(getInput()))) ||
      failed(expectDim(*this, "vocabulary size", lastDim(getResult()),
                       w[1 - dIdx])))
    return failure();
  return expectSameTokens(*this, "result", getInput(), getResult());
}

/// Targets [B, S] must match the logits' batch and sequence.
static LogicalResult verifyTargets(Operation *op, Value logits, Value targets) {
  ArrayRef<int64_t> l = tensorType(logits).getShape();
  ArrayRef<int64_t> t = tensorType(targets).getShape();
  for (unsigned i = 0; i < 2; ++i)
    if (!dimsAgree(l[i], t[i]))
      return op->emitOpError() << "targets dimension " << i << " is "
                               << dimStr(t[i]) << ", logits have "
                               << dimStr(l[i]);
  return success();
}

/// A loss term added to an optional accumulator of the result's type; with
/// `weight`, a non-negative one.
static LogicalResult verifyLossTerm(Operation *op, Value acc, Type result,
                                    std::optional<double> weight = {}) {
  if (acc && acc.getType() != result)
    return op->emitOpError() << "accumulator type " << acc.getType()
                             << " differs from the result type " << result;
  if (weight && *weight < 0.0)
    return op->emitOpError() << "weight must be non-negative";
  return success();
}

/// A tapped cross-entropy's step, its list of tapped steps and their
/// weights.
static LogicalResult verifyTaps(Operation *op, Value step,
                                std::optional<ArrayRef<int64_t>> taps,
                                std::optional<ArrayRef<double>> weights) {
  if (bool(step) != taps.has_value())
    return op->emitOpError() << "takes a step and its tapped steps together";
  if (weights && (!taps || weights->size() != taps->size()))
    return op->emitOpError() << "needs one weight per tapped step";
  if (weights)
    for (double w : *weights)
      if (!std::isfinite(w) || w < 0.0)
        return op->emitOpError()
               << "tap weights must be finite and non-negative, got " << w;
  if (!taps)
    return success();
  if (taps->empty())
    return op->emitOpError() << "tapped steps must not be empty";
  for (auto [k, s] : llvm::enumerate(*taps))
    if (s < 0 || (k > 0 && s <= (*taps)[k - 1]))
      return op->emitOpError()
             << "tapped steps must be increasing and non-negative, got " << s
             << " at " << k;
  return success();
}

LogicalResult CrossEntropyOp::verify() {
  if (failed(verifyLossTerm(*this, getAcc(), getType())))
    return failure();
  if (failed(verifyTaps(*this, getStep(), getTapSteps(), getTapWeights())))
    return failure();
  return verifyTargets(*this, getLogits(), getTargets());
}

//===----------------------------------------------------------------------===//
// Halting head
//===----------------------------------------------------------------------===//

/// A [batch, 2] halting-head tensor whose batch matches `batch`.
static LogicalResult expectHeads(Operation *op, StringRef what, Value heads,
                                 int64_t batch) {
  ArrayRef<int64_t> shape = tensorType(heads).getShape();
  if (failed(expectDim(op, (what + " width").str(), shape[1], 2)))
    return failure();
  return expectDim(op, (what + " batch").str(), shape[0], batch);
}

/// The head's weight [d, 2] and bias [2] against a state [batch, seq, d].
static LogicalResult verifyQHeadWeights(Operation *op, Value state,
                                        Value weight) {
  ArrayRef<int64_t> w = tensorType(weight).getShape();
  if (failed(expectDim(op, "weight rows", w[0], lastDim(state))))
    return failure();
  return expectDim(op, "weight columns", w[1], 2);
}

LogicalResult QHeadOp::verify() {
  if (failed(verifyQHeadWeights(*this, getState(), getWeight())) ||
      failed(expectDim(*this, "bias size", tensorType(getBias()).getShape()[0],
                       2)))
    return failure();
  return expectHeads(*this, "result", getResult(),
                     tensorType(getState()).getShape()[0]);
}

LogicalResult SequenceCorrectOp::verify() {
  if (failed(verifyTargets(*this, getLogits(), getTargets())))
    return failure();
  return expectDim(*this, "result size", tensorType(getResult()).getShape()[0],
                   tensorType(getLogits()).getShape()[0]);
}

/// The operands hrm.halt_loss and its gradient share.
static LogicalResult verifyHaltOperands(Operation *op, Value q, Value next,
                                        Value correct, Value last) {
  int64_t batch = tensorType(q).getShape()[0];
  if (failed(expectHeads(op, "q", q, batch)) ||
      failed(expectHeads(op, "next", next, batch)) ||
      failed(expectDim(op, "correct size", tensorType(correct).getShape()[0],
                       batch)))
    return failure();
  return expectDim(op, "last size", tensorType(last).getShape()[0], batch);
}

LogicalResult HaltLossOp::verify() {
  if (failed(verifyLossTerm(*this, getAcc(), getType(),
                            getWeight().convertToDouble())))
    return failure();
  return verifyHaltOperands(*this, getQ(), getNext(), getCorrect(), getLast());
}

//===----------------------------------------------------------------------===//
// Adaptive computation time
//===----------------------------------------------------------------------===//

/// A per-position tensor [batch, seq, 1] against an activation.
static LogicalResult expectPerPosition(Operation *op, StringRef what,
                                       Value perPosition, Value activation) {
  if (failed(expectDim(op, (what + " width").str(), lastDim(perPosition), 1)))
    return failure();
  return expectSameTokens(op, what, activation, perPosition);
}

/// The pondering unit's weight [d, 1] and bias [1] against a state.
static LogicalResult verifyActUnit(Operation *op, Value state, Value weight,
                                   Value bias) {
  ArrayRef<int64_t> w = tensorType(weight).getShape();
  if (failed(expectDim(op, "weight rows", w[0], lastDim(state))) ||
      failed(expectDim(op, "weight columns", w[1], 1)))
    return failure();
  return expectDim(op, "bias size", tensorType(bias).getShape()[0], 1);
}

static LogicalResult verifyThreshold(Operation *op, double threshold) {
  if (threshold > 0.0 && threshold <= 1.0)
    return success();
  return op->emitOpError() << "threshold must be in (0, 1], got " << threshold;
}

LogicalResult ActProbOp::verify() {
  if (failed(verifyActUnit(*this, getState(), getWeight(), getBias())))
    return failure();
  return expectPerPosition(*this, "result", getResult(), getState());
}

LogicalResult ActUpdateOp::verify() {
  if (failed(verifyThreshold(*this, getThreshold().convertToDouble())))
    return failure();
  return expectPerPosition(*this, "p", getP(), getTransformed());
}

LogicalResult PonderCostOp::verify() {
  if (failed(verifyLossTerm(*this, getAcc(), getType(),
                            getWeight().convertToDouble())))
    return failure();
  return expectDim(*this, "remainders width", lastDim(getRemainders()), 1);
}

LogicalResult DivideByCountOp::verify() {
  APInt count;
  if (matchPattern(getCount(), m_ConstantInt(&count)) &&
      count.getSExtValue() < 1)
    return emitOpError("count must be at least 1, got ")
           << count.getSExtValue();
  return success();
}

LogicalResult PositionZerosOp::verify() {
  return expectPerPosition(*this, "result", getResult(), getLike());
}

//===----------------------------------------------------------------------===//
// State ops
//===----------------------------------------------------------------------===//

LogicalResult BroadcastOp::verify() {
  return expectDim(*this, "vector size", tensorType(getVector()).getShape()[0],
                   lastDim(getLike()));
}

LogicalResult CarryInOp::verify() {
  return expectDim(*this, "reset size", tensorType(getReset()).getShape()[0],
                   tensorType(getInit()).getShape()[0]);
}

LogicalResult RandomNormalLikeOp::verify() {
  if (!(getStd().convertToDouble() > 0.0))
    return emitOpError() << "std must be positive";
  return success();
}

LogicalResult StepEmbeddingOp::verify() {
  return expectDim(*this, "result size", tensorType(getResult()).getShape()[0],
                   tensorType(getTable()).getShape()[1]);
}

//===----------------------------------------------------------------------===//
// Loops
//===----------------------------------------------------------------------===//

/// Checks that `region` takes (index, types...).
static LogicalResult verifyStepRegion(Operation *op, Region &region,
                                      StringRef name, TypeRange carried) {
  Block &block = region.front();
  SmallVector<Type> expected{IndexType::get(op->getContext())};
  llvm::append_range(expected, carried);
  if (TypeRange(block.getArgumentTypes()) != TypeRange(expected)) {
    InFlightDiagnostic diag = op->emitOpError()
                              << name << " region must take (";
    llvm::interleaveComma(expected, diag);
    return diag << ")";
  }
  return success();
}

/// A gradient window known only at run time: the stacks are sized by the
/// schedule's k, and unrolling would need the window's start. `bounding`
/// names the schedules that bound it (a flat loop rejects slow_first
/// before this).
static LogicalResult verifyRunTimeWindow(Operation *op, Value window,
                                         ScheduleAttr schedule,
                                         StringRef bounding) {
  if (!window)
    return success();
  GradKind grad = schedule.getGrad();
  if (grad != GradKind::truncated && grad != GradKind::slow_first)
    return op->emitOpError()
           << "a run-time gradient window needs grad = " << bounding
           << " to bound it";
  if (schedule.getUnroll() != UnrollKind::rolled)
    return op->emitOpError() << "a run-time gradient window needs unroll = "
                                "rolled";
  return success();
}

LogicalResult HierLoopOp::verify() {
  if (getNAttr().getInt() < 1)
    return emitOpError() << "N must be >= 1, got " << getN();
  if (getTAttr().getInt() < 1)
    return emitOpError() << "T must be >= 1, got " << getT();
  std::string problem =
      getSchedule().diagnoseLoop(getN(), "N", getT(), getNumSteps());
  if (!problem.empty())
    return emitOpError() << problem;
  return verifyRunTimeWindow(*this, getWindow(), getSchedule(),
                             "truncated(k) or slow_first(k)");
}

LogicalResult HierLoopOp::verifyRegions() {
  SmallVector<Value> carried = getCarriedInits();
  TypeRange states = ValueRange(carried).getTypes();
  if (failed(verifyStepRegion(*this, getFast(), "fast", states)) ||
      failed(verifyStepRegion(*this, getSlow(), "slow", states)))
    return failure();
  return success();
}

LogicalResult LoopOp::verify() {
  if (getStepsAttr().getInt() < 1)
    return emitOpError() << "steps must be >= 1, got " << getSteps();
  if (getInits().empty())
    return emitOpError() << "needs at least one carried value";
  if (getInits().getTypes() != getResultTypes())
    return emitOpError() << "result types must match the carried values";
  std::string problem =
      getSchedule().diagnoseLoop(getSteps(), "steps", 1, getSteps());
  if (!problem.empty())
    return emitOpError() << problem;
  if (getSchedule().getGrad() == GradKind::slow_first)
    return emitOpError() << "grad = slow_first(k) chooses between a slow and "
                            "a fast module; a flat loop has one (use "
                            "truncated(k))";
  if (getCount()) {
    // Unrolling needs the count, and the gradient stacks need a bound.
    if (getSchedule().getUnroll() != UnrollKind::rolled)
      return emitOpError() << "a run-time trip count needs unroll = rolled";
    if (getSchedule().getGrad() == GradKind::full)
      return emitOpError() << "a run-time trip count needs a bounded "
                              "gradient window (truncated(k) or one_step)";
  }
  return verifyRunTimeWindow(*this, getWindow(), getSchedule(), "truncated(k)");
}

LogicalResult LoopOp::verifyRegions() {
  return verifyStepRegion(*this, getBody(), "body", getInits().getTypes());
}

Value mlir::hrm::runTimeGradWindow(Operation *loop) {
  if (auto hier = dyn_cast<HierLoopOp>(loop))
    return hier.getWindow();
  if (auto flat = dyn_cast<LoopOp>(loop))
    return flat.getWindow();
  return Value();
}

#define GET_OP_CLASSES
#include "hrm/HrmOps.cpp.inc"

//===----------------------------------------------------------------------===//
// Gradient ops
//===----------------------------------------------------------------------===//

/// An optional gradient result exists exactly when its primal operand does.
static LogicalResult expectGradFor(Operation *op, StringRef what, Value primal,
                                   Value grad) {
  if (static_cast<bool>(primal) == static_cast<bool>(grad)) {
    if (primal && primal.getType() != grad.getType())
      return op->emitOpError() << what << " gradient type " << grad.getType()
                               << " differs from " << primal.getType();
    return success();
  }
  return op->emitOpError() << (primal ? "missing the " : "unexpected ") << what
                           << " gradient result";
}

LogicalResult RMSNormGradOp::verify() {
  if (getWeight() &&
      failed(expectDim(*this, "weight size",
                       tensorType(getWeight()).getShape()[0],
                       lastDim(getInput()))))
    return failure();
  return expectGradFor(*this, "weight", getWeight(), getWeightGrad());
}

LogicalResult AttentionGradOp::verify() {
  if (failed(verifyAttentionShapes(*this)))
    return failure();
  if ((getMask() == MaskKind::prefix) != getPrefixLen().has_value())
    return emitOpError() << "a prefix length goes with a prefix mask only";
  return expectGradFor(*this, "query", getQuery(), getQueryGrad());
}

LogicalResult MlpGradOp::verify() {
  bool isSwiglu = getKind() == MlpKind::swiglu;
  if (isSwiglu != static_cast<bool>(getGate()))
    return emitOpError() << (isSwiglu ? "swiglu needs a gate projection"
                                      : "gelu takes no gate projection");
  ArrayRef<int64_t> up = tensorType(getUp()).getShape();
  if (failed(expectDim(*this, "up projection rows", up[0],
                       lastDim(getInput()))))
    return failure();
  return expectGradFor(*this, "gate", getGate(), getGateGrad());
}

LogicalResult LinearGradOp::verify() {
  ArrayRef<int64_t> w = tensorType(getWeight()).getShape();
  int64_t in = getTransposed() ? w[1] : w[0], out = getTransposed() ? w[0] : w[1];
  if (failed(expectDim(*this, "weight input size", in, lastDim(getInput()))) ||
      failed(expectDim(*this, "result gradient feature size",
                       lastDim(getResultGrad()), out)))
    return failure();
  return expectSameTokens(*this, "result gradient", getInput(),
                          getResultGrad());
}

LogicalResult EmbedGradOp::verify() {
  ArrayRef<int64_t> t = tensorType(getTokens()).getShape();
  ArrayRef<int64_t> g = tensorType(getResultGrad()).getShape();
  for (unsigned i = 0; i < 2; ++i)
    if (!dimsAgree(t[i], g[i]))
      return emitOpError() << "result gradient dimension " << i << " is "
                           << dimStr(g[i]) << ", tokens have " << dimStr(t[i]);
  return expectDim(*this, "table width", tensorType(getTableGrad()).getShape()[1],
                   g[2]);
}

LogicalResult CrossEntropyGradOp::verify() {
  if (failed(verifyTargets(*this, getLogits(), getTargets())))
    return failure();
  if (getLossGrad().getType() != RankedTensorType::get({}, tensorType(getLogits()).getElementType()))
    return emitOpError() << "loss gradient must be a 0-d tensor of the logits' element type";
  return verifyTaps(*this, getStep(), getTapSteps(), getTapWeights());
}

LogicalResult QHeadGradOp::verify() {
  if (failed(verifyQHeadWeights(*this, getState(), getWeight())))
    return failure();
  return expectHeads(*this, "result gradient", getResultGrad(),
                     tensorType(getState()).getShape()[0]);
}

LogicalResult HaltLossGradOp::verify() {
  return verifyHaltOperands(*this, getQ(), getNext(), getCorrect(), getLast());
}

LogicalResult ActProbGradOp::verify() {
  if (failed(verifyActUnit(*this, getState(), getWeight(), getBias())))
    return failure();
  return expectPerPosition(*this, "result gradient", getResultGrad(),
                           getState());
}

LogicalResult ActUpdateGradOp::verify() {
  if (failed(verifyThreshold(*this, getThreshold().convertToDouble())))
    return failure();
  return expectPerPosition(*this, "p", getP(), getTransformed());
}

LogicalResult PonderCostGradOp::verify() {
  return expectDim(*this, "remainders width", lastDim(getRemainders()), 1);
}
