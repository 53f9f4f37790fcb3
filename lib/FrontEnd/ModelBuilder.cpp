//===- ModelBuilder.cpp - model description -> hrm IR ---------------------===//
//
// Parameter names follow docs/parameters.md; they are also the tensor names
// in checkpoints, so they must not change silently.
//
//===----------------------------------------------------------------------===//
#include "hrmc/FrontEnd/ModelBuilder.h"

#include "hrm/HrmOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Verifier.h"

#include <cmath>

using namespace mlir;
using namespace mlir::hrm;
using hrmc::Architecture;
using hrmc::FastInjection;
using hrmc::Injection;
using hrmc::LossTaps;
using hrmc::ModelConfig;
using hrmc::NormPlacement;
using hrmc::StateInit;

namespace {

class ModelBuilder {
public:
  ModelBuilder(const ModelConfig &config, MLIRContext &context)
      : c(config), ctx(context), b(&context),
        loc(FileLineColLoc::get(
            &context, config.source.empty() ? config.name : config.source, 1,
            1)) {
    f32 = b.getF32Type();
    act = RankedTensorType::get(
        {ShapedType::kDynamic, ShapedType::kDynamic, c.dModel}, f32);
  }

  OwningOpRef<ModuleOp> build();

private:
  // Parameters.
  Value weight(StringRef name, ArrayRef<int64_t> shape, InitAttr init,
               bool frozen = false);
  InitAttr matrixInit(int64_t fanIn) {
    double std = c.initStd > 0 ? c.initStd : 1.0 / std::sqrt(double(fanIn));
    return InitAttr::get(&ctx, InitKind::trunc_normal, llvm::APFloat(std));
  }
  InitAttr fill(InitKind kind) {
    return InitAttr::get(&ctx, kind, llvm::APFloat(0.0));
  }

  /// The location of a layer's op: the description's, named after the
  /// layer's parameters (their common prefix), which lowered ops keep and
  /// the passes' remarks report.
  Location at(const std::string &layer) {
    return NameLoc::get(b.getStringAttr(layer), loc);
  }

  // Layers.
  Value rmsnorm(Value x, const std::string &weightName);
  Value attention(Value x, Value query, const std::string &prefix);
  Value mlp(Value x, const std::string &prefix);
  Value block(Value h, Value query, const std::string &prefix);
  /// Mixes `injection` into `state` at module entry.
  Value enter(Value state, Value injection, const std::string &prefix);
  Value initialState(StateInit init, const std::string &name, Value x);

  /// Defines module `name` taking `numInputs` activations and returning
  /// `numResults`; `body` fills it from its arguments.
  ModuleDefOp
  defineModule(StringRef name, unsigned numInputs, unsigned numResults,
               llvm::function_ref<SmallVector<Value>(ValueRange)> body);
  /// A module of `layers` blocks: state (+ injection) -> state.
  ModuleDefOp defineStack(StringRef name, int64_t layers, bool injected,
                          bool finalNorm);
  Value apply(ModuleDefOp module, ValueRange inputs) {
    return applyAll(module, inputs).front();
  }
  ValueRange applyAll(ModuleDefOp module, ValueRange inputs) {
    return ApplyOp::create(b, loc, module.getResultTypes(),
                           FlatSymbolRefAttr::get(module.getSymNameAttr()),
                           inputs, nullptr, nullptr, nullptr)
        .getResults();
  }
  ScheduleAttr schedule() {
    const hrmc::LoopSchedule &s = c.schedule;
    return ScheduleAttr::get(&ctx, s.unroll, s.unrollFactor, s.grad,
                             s.gradSteps, s.memory);
  }
  /// A flat loop over `inits` whose body `step` maps (index, carried) to
  /// the next carried values.
  ValueRange flatLoop(ValueRange inits,
                      llvm::function_ref<SmallVector<Value>(Value, ValueRange)>
                          step);
  /// A 0-d zero that a loss sum starts from.
  Value zeroLoss() {
    return arith::ConstantOp::create(
        b, loc,
        DenseElementsAttr::get(RankedTensorType::get({}, f32),
                               b.getF32FloatAttr(0.0f)));
  }
  /// Under loss taps: `acc` plus the loss of state `h` at loop step
  /// `step` (of `steps`), weighted as the description says.
  Value tapLoss(Value h, Value step, Value acc, int64_t steps);
  /// A flat loop with ACT per position when the description asks for it
  /// (`flatLoop` otherwise): `step` maps (index, states) to the pondering
  /// unit's input and the next states, and the result is state `output`
  /// weighted by its steps' halting probabilities. Sets actRemainders and
  /// actUpdates.
  Value actLoop(ValueRange inits, unsigned output,
                llvm::function_ref<
                    std::pair<Value, SmallVector<Value>>(Value, ValueRange)>
                    step);

  // Architectures: embedded input -> final hidden state.
  Value buildHRM(Value x);
  /// The two-speed loop over `cycles` cycles of the fast and slow modules.
  HierLoopOp hierLoop(ModuleDefOp fast, ModuleDefOp slow, Value x, Value fast0,
                      Value slow0, int64_t cycles);
  /// HRM's halting head on a segment's slow state and logits: its Q
  /// values, and the Q-learning loss added to `lm` (the cross-entropy).
  std::pair<Value, Value> haltingLoss(Value slowState, Value logits,
                                      Value targets, Value last, Value lm);
  Value buildTransformer(Value x);
  Value buildUniversal(Value x);
  Value buildLooped(Value x);
  Value buildFullyLooped(Value x);
  Value buildRecurrentDepth(Value x);

  const ModelConfig &c;
  MLIRContext &ctx;
  OpBuilder b;
  Location loc;
  Type f32;
  RankedTensorType act;
  ModelOp model;
  SmallVector<ParamOp> params;
  llvm::StringMap<ParamOp> paramsByName;
  /// The entry's `noise_draw` as an i32 (models with a noise initial state).
  Value noiseDraw;
  /// The entry's `trip_count` as an index (models that sample it).
  Value tripCount;
  /// How training samples the trip count, for the manifest.
  DictionaryAttr tripCountAttr();
  /// The entry's `grad_window` as an index (a loop whose window training
  /// warms up).
  Value gradWindow;
  /// How training warms the gradient window up, for the manifest.
  DictionaryAttr gradWindowAttr();
  /// Defined modules by name: a second build of the body reuses them.
  llvm::StringMap<ModuleDefOp> modules;
  /// Under loss taps, while the loss entry is built: its targets, and the
  /// sum of the taps that the loop leaves.
  Value tapTargets, tapSum;
  /// Under loss taps, what a tapped state goes through before the final
  /// norm and the head (recurrent depth's coda), if anything.
  ModuleDefOp tapReadout;
  /// ACT's remainders and step counts after a flat loop with `act`.
  Value actRemainders, actUpdates;
  /// Under segments > 1, while the loss entry (one segment) is built: its
  /// reset mask and carried states in, and the states it ends with.
  Value carryReset, carriedFast, carriedSlow;
  SmallVector<Value> carryOut;
  /// Under halting, the modules and input the segment ran, so the halting
  /// target can run the next segment.
  ModuleDefOp fastModule, slowModule;
  Value segmentInput;

  /// The entry `fn`'s final hidden state (before the head): binds its
  /// control inputs (the last `controls` arguments), embeds its tokens and
  /// builds the architecture.
  Value hidden(func::FuncOp fn,
               ArrayRef<std::pair<StringRef, DictionaryAttr>> controls);
  /// The head's weight: the embedding table when tied.
  Value head() {
    return c.tieEmbeddings
               ? weight("embed", {c.vocabSize, c.dModel}, matrixInit(c.dModel))
               : weight("lm_head", {c.dModel, c.vocabSize},
                        matrixInit(c.dModel));
  }
  /// The mean cross-entropy: `scale` times it plus `acc` when given, and
  /// with `step` only at the `taps` steps, times their `weights` if given.
  Value crossEntropy(Value logits, Value targets, Value acc = {},
                     double scale = 1.0, Value step = {},
                     DenseI64ArrayAttr taps = nullptr,
                     DenseF64ArrayAttr weights = nullptr) {
    return CrossEntropyOp::create(b, loc, RankedTensorType::get({}, f32),
                                  logits, targets, acc, step,
                                  b.getF64FloatAttr(scale), taps, weights);
  }
  /// The non-HRM final norm and the head: hidden state -> logits.
  Value logitsOf(Value h) {
    if (c.architecture != Architecture::HRM && c.finalNorm)
      h = rmsnorm(h, "final_norm");
    auto type = RankedTensorType::get(
        {ShapedType::kDynamic, ShapedType::kDynamic, c.vocabSize}, f32);
    return LMHeadOp::create(b, at("lm_head"), type, h, head(),
                            c.tieEmbeddings ? b.getUnitAttr() : nullptr);
  }
};

} // namespace

DictionaryAttr ModelBuilder::tripCountAttr() {
  const hrmc::TripCountSampling &t = *c.trainTripCount;
  bool poisson = t.kind == hrmc::TripCountSampling::Kind::LogNormalPoisson;
  SmallVector<NamedAttribute> fields{
      b.getNamedAttr("default", b.getI64IntegerAttr(c.steps)),
      b.getNamedAttr(
          "distribution",
          b.getStringAttr(poisson ? "lognormal_poisson" : "uniform")),
      b.getNamedAttr("min", b.getI64IntegerAttr(t.min)),
      b.getNamedAttr("max", b.getI64IntegerAttr(t.max))};
  if (poisson) {
    fields.push_back(b.getNamedAttr("mean", b.getF64FloatAttr(t.mean)));
    fields.push_back(b.getNamedAttr("sigma", b.getF64FloatAttr(t.sigma)));
  }
  return b.getDictionaryAttr(fields);
}

DictionaryAttr ModelBuilder::gradWindowAttr() {
  return b.getDictionaryAttr(
      {b.getNamedAttr("default", b.getI64IntegerAttr(c.schedule.gradSteps)),
       b.getNamedAttr("min", b.getI64IntegerAttr(c.gradWarmup->from)),
       b.getNamedAttr("max", b.getI64IntegerAttr(c.schedule.gradSteps)),
       b.getNamedAttr("warmup_fraction",
                      b.getF64FloatAttr(c.gradWarmup->fraction))});
}

Value ModelBuilder::weight(StringRef name, ArrayRef<int64_t> shape,
                           InitAttr init, bool frozen) {
  auto type = RankedTensorType::get(shape, f32);
  auto it = paramsByName.find(name);
  if (it == paramsByName.end()) {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToEnd(&model.getBody().front());
    auto param =
        ParamOp::create(b, loc, b.getStringAttr(name), TypeAttr::get(type),
                        init, frozen ? b.getUnitAttr() : UnitAttr());
    params.push_back(param);
    paramsByName[name] = param;
  } else {
    assert(it->second.getType() == type && "one name, two shapes");
  }
  return WeightOp::create(b, loc, type, FlatSymbolRefAttr::get(&ctx, name));
}

Value ModelBuilder::rmsnorm(Value x, const std::string &weightName) {
  Value w;
  if (c.normWeight)
    w = weight(weightName, {c.dModel}, fill(InitKind::ones));
  return RMSNormOp::create(b, at(weightName), x.getType(), x, w,
                           b.getF64FloatAttr(c.normEps));
}

Value ModelBuilder::attention(Value x, Value query, const std::string &p) {
  int64_t d = c.dModel;
  Value wq = weight(p + ".wq", {d, d}, matrixInit(d));
  Value wk = weight(p + ".wk", {d, d}, matrixInit(d));
  Value wv = weight(p + ".wv", {d, d}, matrixInit(d));
  Value wo = weight(p + ".wo", {d, d}, matrixInit(d));
  IntegerAttr prefix =
      c.mask == MaskKind::prefix ? b.getI64IntegerAttr(c.prefixLen) : nullptr;
  FloatAttr rope = c.rope ? b.getF64FloatAttr(c.ropeTheta) : nullptr;
  return AttentionOp::create(b, at(p), act, x, wq, wk, wv, wo, query,
                             b.getI64IntegerAttr(c.nHeads),
                             MaskKindAttr::get(&ctx, c.mask), prefix, rope);
}

Value ModelBuilder::mlp(Value x, const std::string &p) {
  int64_t d = c.dModel, h = c.mlpHidden();
  Value gate;
  if (c.mlp == MlpKind::swiglu)
    gate = weight(p + ".gate", {d, h}, matrixInit(d));
  Value up = weight(p + ".up", {d, h}, matrixInit(d));
  Value down = weight(p + ".down", {h, d}, matrixInit(h));
  return MlpOp::create(b, at(p), act, MlpKindAttr::get(&ctx, c.mlp), x, gate,
                       up, down);
}

Value ModelBuilder::block(Value h, Value query, const std::string &p) {
  auto add = [&](Value a, Value r) { return AddOp::create(b, loc, act, a, r); };
  switch (c.norm) {
  case NormPlacement::Pre: {
    Value q = query ? rmsnorm(query, p + ".attn_norm") : Value();
    h = add(h, attention(rmsnorm(h, p + ".attn_norm"), q, p + ".attn"));
    return add(h, mlp(rmsnorm(h, p + ".mlp_norm"), p + ".mlp"));
  }
  case NormPlacement::Post:
    h = rmsnorm(add(h, attention(h, query, p + ".attn")), p + ".attn_norm");
    return rmsnorm(add(h, mlp(h, p + ".mlp")), p + ".mlp_norm");
  case NormPlacement::Sandwich: {
    Value q = query ? rmsnorm(query, p + ".attn_norm") : Value();
    Value a = attention(rmsnorm(h, p + ".attn_norm"), q, p + ".attn");
    h = add(h, rmsnorm(a, p + ".attn_post_norm"));
    Value m = mlp(rmsnorm(h, p + ".mlp_norm"), p + ".mlp");
    return add(h, rmsnorm(m, p + ".mlp_post_norm"));
  }
  }
  llvm_unreachable("unknown norm placement");
}

Value ModelBuilder::enter(Value state, Value injection, const std::string &p) {
  switch (c.injection) {
  case Injection::Add:
    return AddOp::create(b, loc, act, state, injection);
  case Injection::ConcatLinear: {
    auto wide = RankedTensorType::get(
        {ShapedType::kDynamic, ShapedType::kDynamic, 2 * c.dModel}, f32);
    Value both = ConcatOp::create(b, loc, wide, state, injection);
    Value w = weight(p + ".inject", {2 * c.dModel, c.dModel},
                     matrixInit(2 * c.dModel));
    return LinearOp::create(b, at(p + ".inject"), act, both, w);
  }
  case Injection::None:
    return state;
  }
  llvm_unreachable("unknown injection");
}

Value ModelBuilder::initialState(StateInit init, const std::string &name,
                                 Value x) {
  switch (init) {
  case StateInit::Zeros:
    return ZerosLikeOp::create(b, loc, x);
  case StateInit::Embedding:
    return x;
  case StateInit::Fixed: {
    Value v =
        weight(name, {c.dModel},
               InitAttr::get(&ctx, InitKind::trunc_normal, llvm::APFloat(1.0)),
               /*frozen=*/!c.trainInitialStates);
    return BroadcastOp::create(b, loc, act, v, x);
  }
  case StateInit::Noise:
    return RandomNormalLikeOp::create(b, loc, x, b.getF64FloatAttr(c.stateStd),
                                      b.getI64IntegerAttr(c.stateSeed),
                                      noiseDraw, /*position=*/Value());
  }
  llvm_unreachable("unknown state init");
}

ModuleDefOp ModelBuilder::defineModule(
    StringRef name, unsigned numInputs, unsigned numResults,
    llvm::function_ref<SmallVector<Value>(ValueRange)> body) {
  if (ModuleDefOp defined = modules.lookup(name))
    return defined;
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToEnd(&model.getBody().front());
  SmallVector<Type> inputs(numInputs, act), results(numResults, act);
  auto module =
      ModuleDefOp::create(b, loc, name, b.getFunctionType(inputs, results));
  b.setInsertionPointToStart(&module.getBody().front());
  SmallVector<Value> outs = body(module.getBody().getArguments());
  YieldOp::create(b, loc, outs);
  modules[name] = module;
  return module;
}

ModuleDefOp ModelBuilder::defineStack(StringRef name, int64_t layers,
                                      bool injected, bool finalNorm) {
  std::string prefix = name.str();
  return defineModule(name, injected ? 2 : 1, 1, [&](ValueRange args) {
    Value h = injected ? enter(args[0], args[1], prefix) : args[0];
    for (int64_t l = 0; l < layers; ++l)
      h = block(h, Value(), prefix + ".blocks." + std::to_string(l));
    if (finalNorm)
      h = rmsnorm(h, prefix + ".final_norm");
    return SmallVector<Value>{h};
  });
}

ValueRange ModelBuilder::flatLoop(
    ValueRange inits,
    llvm::function_ref<SmallVector<Value>(Value, ValueRange)> step) {
  // Loss taps: the loop also carries the sum of every step's loss, each
  // scaled by 1/steps, so the sum is their mean.
  SmallVector<Value> carried(inits);
  if (tapTargets)
    carried.push_back(zeroLoss());
  auto loop =
      LoopOp::create(b, loc, ValueRange(carried).getTypes(), carried, tripCount,
                     gradWindow, b.getI64IntegerAttr(c.steps), schedule());
  OpBuilder::InsertionGuard guard(b);
  SmallVector<Type> argTypes{b.getIndexType()};
  llvm::append_range(argTypes, ValueRange(carried).getTypes());
  Block *body = b.createBlock(&loop.getBody(), {}, argTypes,
                              SmallVector<Location>(argTypes.size(), loc));
  ValueRange args = body->getArguments().drop_front();
  SmallVector<Value> next =
      step(body->getArgument(0), args.take_front(inits.size()));
  if (tapTargets)
    next.push_back(
        tapLoss(next.back(), body->getArgument(0), args.back(), c.steps));
  YieldOp::create(b, loc, next);
  if (tapTargets) {
    tapSum = loop.getResults().back();
    // Every step's loss, summed over a count known at run time: their mean.
    if (tripCount && c.lossTaps == LossTaps::EveryStep) {
      b.setInsertionPointAfter(loop);
      tapSum = DivideByCountOp::create(b, loc, tapSum, tripCount);
    }
  }
  return loop.getResults().take_front(inits.size());
}

Value ModelBuilder::tapLoss(Value h, Value step, Value acc, int64_t steps) {
  // Every step's loss, or the listed steps' (the others add 0), averaged,
  // or weighted as the description says.
  bool some = c.lossTaps == LossTaps::Steps;
  bool weighted = !c.tapWeights.empty();
  SmallVector<int64_t> taps;
  for (int64_t s : c.tapSteps)
    taps.push_back(s - 1);
  if (tapReadout)
    h = apply(tapReadout, {h});
  // (A run-time count divides the sum after the loop instead.)
  double scale = weighted    ? 1.0
                 : some      ? 1.0 / double(taps.size())
                 : tripCount ? 1.0
                             : 1.0 / double(steps);
  return crossEntropy(
      logitsOf(h), tapTargets, acc, scale, some ? step : Value(),
      some ? b.getDenseI64ArrayAttr(taps) : nullptr,
      weighted ? b.getDenseF64ArrayAttr(c.tapWeights) : nullptr);
}

Value ModelBuilder::buildHRM(Value x) {
  bool injected = c.injection != Injection::None;
  ModuleDefOp fast = defineStack("fast", c.fastLayers, injected, c.finalNorm);
  ModuleDefOp slow = defineStack("slow", c.slowLayers, injected, c.finalNorm);
  Value fast0 = initialState(c.fastInit, "fast.init", x);
  Value slow0 = initialState(c.slowInit, "slow.init", x);
  // One segment starts where the last one ended (or afresh, per row); a
  // run of all segments at once, as inference does, is N x segments cycles.
  int64_t cycles = c.n * c.segments;
  if (carryReset) {
    fast0 = CarryInOp::create(b, loc, carriedFast, fast0, carryReset);
    slow0 = CarryInOp::create(b, loc, carriedSlow, slow0, carryReset);
    cycles = c.n;
  }
  HierLoopOp loop = hierLoop(fast, slow, x, fast0, slow0, cycles);
  if (carryReset) {
    carryOut = {loop.getFastResult(), loop.getSlowResult()};
    fastModule = fast, slowModule = slow, segmentInput = x;
  }
  return loop.getSlowResult();
}

HierLoopOp ModelBuilder::hierLoop(ModuleDefOp fast, ModuleDefOp slow, Value x,
                                  Value fast0, Value slow0, int64_t cycles) {
  bool injected = c.injection != Injection::None;
  // Loss taps: the loop also carries the sum of the cycles' losses, each
  // taken at the cycle's slow state.
  SmallVector<Value> accs;
  if (tapTargets)
    accs.push_back(zeroLoss());
  auto loop =
      HierLoopOp::create(b, loc, act, act, ValueRange(accs).getTypes(), fast0,
                         slow0, accs, gradWindow, b.getI64IntegerAttr(cycles),
                         b.getI64IntegerAttr(c.t), schedule());
  OpBuilder::InsertionGuard guard(b);
  SmallVector<Type> types{b.getIndexType(), act, act};
  llvm::append_range(types, ValueRange(accs).getTypes());
  SmallVector<Location> locs(types.size(), loc);
  // The fast module sees the slow state plus the input (or the slow state
  // alone); the slow module sees the fast state.
  Block *fastBody = b.createBlock(&loop.getFast(), {}, types, locs);
  Value f = fastBody->getArgument(1), s = fastBody->getArgument(2);
  if (injected && c.fastInjection == FastInjection::SlowAndInput)
    s = AddOp::create(b, loc, act, s, x);
  Value newFast = injected ? apply(fast, {f, s}) : apply(fast, {f});
  YieldOp::create(b, loc, newFast);
  Block *slowBody = b.createBlock(&loop.getSlow(), {}, types, locs);
  f = slowBody->getArgument(1);
  s = slowBody->getArgument(2);
  SmallVector<Value> next{injected ? apply(slow, {s, f}) : apply(slow, {s})};
  if (tapTargets) {
    next.push_back(tapLoss(next[0], slowBody->getArgument(0),
                           slowBody->getArgument(3), cycles));
    tapSum = loop.getAccResults()[0];
  }
  YieldOp::create(b, loc, next);
  return loop;
}

std::pair<Value, Value> ModelBuilder::haltingLoss(Value slowState, Value logits,
                                                  Value targets, Value last,
                                                  Value lm) {
  const hrmc::Halting &h = *c.halting;
  // The reference starts the head at zero weight and bias -5: it neither
  // halts nor continues with confidence until trained.
  Value w = weight("halt.weight", {c.dModel, 2}, fill(InitKind::zeros));
  Value bias =
      weight("halt.bias", {2},
             InitAttr::get(&ctx, InitKind::constant, llvm::APFloat(-5.0)));
  auto heads = RankedTensorType::get({ShapedType::kDynamic, 2}, f32);
  UnitAttr atLast = h.lastPosition ? b.getUnitAttr() : nullptr;
  Value q = QHeadOp::create(b, loc, heads, slowState, w, bias, atLast);
  auto rows = RankedTensorType::get({ShapedType::kDynamic}, f32);
  Value correct = SequenceCorrectOp::create(b, loc, rows, logits, targets);
  // The bootstrapped target: the head after one more segment from the
  // states this one ended with, without gradient.
  HierLoopOp next = hierLoop(fastModule, slowModule, segmentInput, carryOut[0],
                             carryOut[1], c.n);
  Value nextQ = DetachOp::create(
      b, loc, heads,
      QHeadOp::create(b, loc, heads, next.getSlowResult(), w, bias, atLast));
  Value loss = HaltLossOp::create(b, loc, lm.getType(), q, nextQ, correct, last,
                                  lm, b.getF64FloatAttr(h.lossWeight));
  return {q, loss};
}

Value ModelBuilder::buildTransformer(Value x) {
  return apply(defineStack("blocks", c.layers, false, false), {x});
}

Value ModelBuilder::buildUniversal(Value x) {
  ModuleDefOp shared = defineStack("shared", c.layers, false, false);
  Value table;
  if (c.stepEmbedding)
    table = weight("step_embedding", {c.steps, c.dModel},
                   matrixInit(c.dModel));
  auto vec = RankedTensorType::get({c.dModel}, f32);
  auto stepInput = [&](Value i, Value h) -> Value {
    if (!table)
      return h;
    return AddOp::create(b, loc, act, h,
                         StepEmbeddingOp::create(b, loc, vec, table, i))
        .getResult();
  };
  return actLoop({x}, 0, [&](Value i, ValueRange h) {
    Value in = stepInput(i, h[0]);
    return std::pair(in, SmallVector<Value>{apply(shared, {in})});
  });
}

Value ModelBuilder::actLoop(
    ValueRange inits, unsigned output,
    llvm::function_ref<std::pair<Value, SmallVector<Value>>(Value, ValueRange)>
        step) {
  if (!c.act)
    return flatLoop(inits, [&](Value i, ValueRange states) {
      return step(i, states).second;
    })[output];
  // The loop also carries the weighted output and, per position, the
  // halting sum, the remainder and the steps taken.
  Value w = weight("act.weight", {c.dModel, 1}, matrixInit(c.dModel));
  Value bias = weight(
      "act.bias", {1},
      InitAttr::get(&ctx, InitKind::constant, llvm::APFloat(c.act->biasInit)));
  auto perPosition = RankedTensorType::get(
      {ShapedType::kDynamic, ShapedType::kDynamic, 1}, f32);
  Value like = inits[output];
  Value zeros = PositionZerosOp::create(b, loc, perPosition, like);
  SmallVector<Value> carried(inits);
  carried.append({ZerosLikeOp::create(b, loc, like), zeros, zeros, zeros});
  unsigned n = inits.size();
  ValueRange out = flatLoop(carried, [&](Value i, ValueRange h) {
    auto [in, next] = step(i, h.take_front(n));
    Value p = ActProbOp::create(b, loc, perPosition, in, w, bias);
    auto update =
        ActUpdateOp::create(b, loc, p, next[output], h[n], h[n + 1], h[n + 2],
                            h[n + 3], b.getF64FloatAttr(c.act->threshold));
    next.append({update.getNewAcc(), update.getNewHalting(),
                 update.getNewRemainders(), update.getNewUpdates()});
    return next;
  });
  actRemainders = out[n + 2];
  actUpdates = out[n + 3];
  return out[n];
}

Value ModelBuilder::buildLooped(Value x) {
  // Every loop reads norm(x0 + h): input injection with a norm at entry.
  ModuleDefOp stack = defineModule("stack", 2, 1, [&](ValueRange args) {
    Value h = rmsnorm(AddOp::create(b, loc, act, args[0], args[1]),
                      "stack.inject_norm");
    for (int64_t l = 0; l < c.layers; ++l)
      h = block(h, Value(), "stack.blocks." + std::to_string(l));
    return SmallVector<Value>{h};
  });
  // With ACT, the pondering unit reads the step's input before its norm,
  // x0 + h (the embedding at the first step, as the Universal
  // Transformer's).
  Value h0 = ZerosLikeOp::create(b, loc, x);
  return actLoop({h0}, 0, [&](Value, ValueRange h) {
    Value in = c.act ? AddOp::create(b, loc, act, h[0], x) : Value();
    return std::pair(in, SmallVector<Value>{apply(stack, {h[0], x})});
  });
}

Value ModelBuilder::buildFullyLooped(Value x) {
  // Every loop restarts from norm(x0); layer l's queries come from layer l's
  // output in the previous loop. ASSUMED: the first loop, having no previous
  // one, takes its queries from norm(x0).
  ModuleDefOp stack =
      defineModule("stack", c.layers + 1, c.layers, [&](ValueRange args) {
        Value h = args[0];
        SmallVector<Value> outs;
        for (int64_t l = 0; l < c.layers; ++l) {
          h = block(h, args[l + 1], "stack.blocks." + std::to_string(l));
          outs.push_back(h);
        }
        return outs;
      });
  Value x0 = rmsnorm(x, "stack.input_norm");
  SmallVector<Value> prev(c.layers, x0);
  // With ACT, the pondering unit reads the previous loop's output (norm(x0)
  // at the first loop), and the output mixes the loops' last layers.
  return actLoop(prev, c.layers - 1, [&](Value, ValueRange p) {
    SmallVector<Value> inputs{x0};
    llvm::append_range(inputs, p);
    return std::pair(p.back(), llvm::to_vector(applyAll(stack, inputs)));
  });
}

Value ModelBuilder::buildRecurrentDepth(Value x) {
  ModuleDefOp prelude = defineStack("prelude", c.preludeLayers, false, false);
  ModuleDefOp core = defineModule("core", 2, 1, [&](ValueRange args) {
    auto wide = RankedTensorType::get(
        {ShapedType::kDynamic, ShapedType::kDynamic, 2 * c.dModel}, f32);
    Value both = ConcatOp::create(b, loc, wide, args[0], args[1]);
    Value h = LinearOp::create(b, at("core.inject"), act, both,
                               weight("core.inject", {2 * c.dModel, c.dModel},
                                      matrixInit(2 * c.dModel)));
    for (int64_t l = 0; l < c.coreLayers; ++l)
      h = block(h, Value(), "core.blocks." + std::to_string(l));
    return SmallVector<Value>{h};
  });
  ModuleDefOp coda = defineStack("coda", c.codaLayers, false, false);
  Value e = apply(prelude, {x});
  Value s0 = initialState(c.stateInit, "core.init", e);
  // A tapped step's state is read out as the last one is: through the coda.
  tapReadout = coda;
  Value s = flatLoop({s0}, [&](Value, ValueRange st) {
    return SmallVector<Value>{apply(core, {st[0], e})};
  })[0];
  tapReadout = nullptr;
  // The taps read every step out; nothing reads the loop's last state (a
  // module application the canonicalizer would not remove).
  if (tapTargets)
    return s;
  return apply(coda, {s});
}

Value ModelBuilder::hidden(
    func::FuncOp fn, ArrayRef<std::pair<StringRef, DictionaryAttr>> controls) {
  unsigned first = fn.getNumArguments() - controls.size();
  for (auto [k, control] : llvm::enumerate(controls)) {
    Value v = tensor::ExtractOp::create(b, loc, fn.getArgument(first + k),
                                        ValueRange{});
    if (control.first == "noise_draw")
      noiseDraw = v;
    else if (control.first == "trip_count")
      tripCount = arith::IndexCastOp::create(b, loc, b.getIndexType(), v);
    else
      gradWindow = arith::IndexCastOp::create(b, loc, b.getIndexType(), v);
  }
  Value table = weight("embed", {c.vocabSize, c.dModel}, matrixInit(c.dModel));
  double scale = c.embedScale ? std::sqrt(double(c.dModel)) : 1.0;
  Value x = EmbedOp::create(b, at("embed"), act, fn.getArgument(0), table,
                            b.getF64FloatAttr(scale));
  switch (c.architecture) {
  case Architecture::HRM:
    return buildHRM(x);
  case Architecture::Transformer:
    return buildTransformer(x);
  case Architecture::Universal:
    return buildUniversal(x);
  case Architecture::Looped:
    return buildLooped(x);
  case Architecture::FullyLooped:
    return buildFullyLooped(x);
  case Architecture::RecurrentDepth:
    return buildRecurrentDepth(x);
  }
  llvm_unreachable("unknown architecture");
}

OwningOpRef<ModuleOp> ModelBuilder::build() {
  OwningOpRef<ModuleOp> top = ModuleOp::create(loc);
  b.setInsertionPointToEnd(top->getBody());
  model = ModelOp::create(b, loc, c.name);
  model.setMaxSeqLenAttr(b.getI64IntegerAttr(c.maxSeqLen));

  b.setInsertionPointToEnd(&model.getBody().front());
  auto tokens = RankedTensorType::get(
      {ShapedType::kDynamic, ShapedType::kDynamic}, b.getI32Type());
  auto logitsType = RankedTensorType::get(
      {ShapedType::kDynamic, ShapedType::kDynamic, c.vocabSize}, f32);
  // Control inputs follow the data: which sample a noise state draws (the
  // trainer sets it per step, so each step sees fresh noise) and the trip
  // count of a loop whose count training samples, and the gradient window
  // of a loop whose window training warms up. All are I32 scalars the host
  // code reads.
  SmallVector<std::pair<StringRef, DictionaryAttr>> controls;
  if (c.architecture == Architecture::RecurrentDepth &&
      c.stateInit == StateInit::Noise)
    controls.push_back({"noise_draw", nullptr});
  if (c.trainTripCount)
    controls.push_back({"trip_count", tripCountAttr()});
  if (c.gradWarmup)
    controls.push_back({"grad_window", gradWindowAttr()});
  auto scalar = RankedTensorType::get({}, b.getI32Type());
  SmallVector<Type> logitsInputs{tokens}, lossInputs{tokens, tokens};
  SmallVector<Type> lossResults{RankedTensorType::get({}, f32)};
  // Deep supervision: the loss entry is one segment, with a reset mask and
  // the carried states in and out, after the data.
  bool segmented = c.segments > 1;
  auto mask = RankedTensorType::get({ShapedType::kDynamic}, b.getI32Type());
  if (segmented) {
    lossInputs.append({mask, act, act});
    lossResults.append({act, act});
  }
  // Halting and ACT return the cross-entropy alone last (`lm_loss`);
  // halting also takes which rows run their last allowed segment, and
  // returns the Q values (the trainer halts rows by them) before it.
  if (c.halting || c.act)
    lossResults.push_back(RankedTensorType::get({}, f32)); // lm_loss
  if (c.act) // the mean ponder time, after lm_loss
    lossResults.push_back(RankedTensorType::get({}, f32));
  if (c.halting) {
    lossInputs.push_back(mask);
    lossResults.insert(lossResults.end() - 1,
                       RankedTensorType::get({ShapedType::kDynamic, 2}, f32));
  }
  logitsInputs.append(controls.size(), scalar);
  lossInputs.append(controls.size(), scalar);
  auto logitsFn = func::FuncOp::create(
      b, loc, "logits", b.getFunctionType(logitsInputs, {logitsType}));
  auto lossFn = func::FuncOp::create(
      b, loc, "loss", b.getFunctionType(lossInputs, lossResults));
  if (segmented) {
    lossFn.setArgAttr(2, "hrm.name", b.getStringAttr("reset"));
    lossFn.setArgAttr(2, "hrm.reset",
                      b.getDictionaryAttr(b.getNamedAttr(
                          "segments", b.getI64IntegerAttr(c.segments))));
    StringRef carried[] = {"carry.fast", "carry.slow"};
    for (unsigned k = 0; k < 2; ++k) {
      lossFn.setArgAttr(3 + k, "hrm.name", b.getStringAttr(carried[k]));
      lossFn.setResultAttr(1 + k, "hrm.name", b.getStringAttr(carried[k]));
    }
  }
  if (c.halting) {
    const hrmc::Halting &h = *c.halting;
    lossFn.setArgAttr(5, "hrm.name", b.getStringAttr("halt.last"));
    lossFn.setArgAttr(
        5, "hrm.halt",
        b.getDictionaryAttr(
            {b.getNamedAttr("exploration", b.getF64FloatAttr(h.exploration)),
             b.getNamedAttr("max_segments", b.getI64IntegerAttr(c.segments))}));
    lossFn.setResultAttr(3, "hrm.name", b.getStringAttr("halt.q"));
  }
  if (c.halting || c.act)
    lossFn.setResultAttr(lossResults.size() - (c.act ? 2 : 1), "hrm.name",
                         b.getStringAttr("lm_loss"));
  if (c.act)
    lossFn.setResultAttr(lossResults.size() - 1, "hrm.name",
                         b.getStringAttr("act.ponder"));
  for (func::FuncOp fn : {logitsFn, lossFn})
    for (auto [k, control] : llvm::enumerate(controls)) {
      unsigned arg = fn.getNumArguments() - controls.size() + k;
      fn.setArgAttr(arg, "hrm.name", b.getStringAttr(control.first));
      fn.setArgAttr(arg, "hrm.host", b.getUnitAttr());
      if (control.second) // "hrm.trip_count", "hrm.grad_window"
        fn.setArgAttr(arg, ("hrm." + control.first).str(), control.second);
    }

  b.setInsertionPointToStart(logitsFn.addEntryBlock());
  func::ReturnOp::create(b, loc, logitsOf(hidden(logitsFn, controls)));

  b.setInsertionPointToStart(lossFn.addEntryBlock());
  Value loss;
  SmallVector<Value> lossOuts;
  if (segmented) {
    // The model again, over one segment.
    carryReset = lossFn.getArgument(2);
    carriedFast = lossFn.getArgument(3);
    carriedSlow = lossFn.getArgument(4);
    // Under loss taps the segment's loop sums a loss per cycle.
    if (c.lossTaps != LossTaps::Last)
      tapTargets = lossFn.getArgument(1);
    Value h = hidden(lossFn, controls);
    Value logits;
    if (tapTargets) {
      loss = tapSum;
      tapTargets = tapSum = Value();
    } else {
      logits = logitsOf(h);
      loss = crossEntropy(logits, lossFn.getArgument(1));
    }
    lossOuts = carryOut;
    if (c.halting) {
      // Whether a sequence is right is judged on the segment's last logits.
      if (!logits)
        logits = logitsOf(h);
      Value lm = loss;
      auto [q, total] = haltingLoss(h, logits, lossFn.getArgument(1),
                                    lossFn.getArgument(5), lm);
      loss = total;
      lossOuts.append({q, lm});
    }
    carryReset = carriedFast = carriedSlow = Value();
  } else if (c.act) {
    // The model again, for the steps its positions took: the cross-entropy
    // plus the ponder cost.
    Value lm =
        crossEntropy(logitsOf(hidden(lossFn, controls)), lossFn.getArgument(1));
    loss = PonderCostOp::create(b, loc, lm.getType(), actRemainders, actUpdates,
                                lm, b.getF64FloatAttr(c.act->ponderWeight));
    // Graves' ponder time, steps taken plus remainder, averaged: what the
    // trainer logs.
    Value ponder =
        PonderCostOp::create(b, loc, lm.getType(), actRemainders, actUpdates,
                             Value(), b.getF64FloatAttr(1.0));
    lossOuts.append({lm, ponder});
  } else if (c.lossTaps != LossTaps::Last) {
    // The model again, its loop summing a loss per step.
    tapTargets = lossFn.getArgument(1);
    hidden(lossFn, controls);
    loss = tapSum;
    tapTargets = tapSum = Value();
  } else {
    SmallVector<Value> logitsArgs{lossFn.getArgument(0)};
    llvm::append_range(logitsArgs,
                       lossFn.getArguments().take_back(controls.size()));
    Value l = func::CallOp::create(b, loc, logitsFn, logitsArgs).getResult(0);
    loss = crossEntropy(l, lossFn.getArgument(1));
  }
  lossOuts.insert(lossOuts.begin(), loss);
  func::ReturnOp::create(b, loc, lossOuts);

  // Parameters first, in the order the layers asked for them, then the
  // modules, then the entry points.
  Block &body = model.getBody().front();
  for (ModuleDefOp module :
       llvm::make_early_inc_range(model.getBody().getOps<ModuleDefOp>()))
    module->moveBefore(logitsFn);
  for (ParamOp param : llvm::reverse(params))
    param->moveBefore(&body, body.begin());

  if (failed(verify(*top)))
    return nullptr;
  return top;
}

void hrmc::loadFrontEndDialects(MLIRContext &context) {
  context.loadDialect<HrmDialect, func::FuncDialect, arith::ArithDialect,
                      tensor::TensorDialect>();
}

OwningOpRef<ModuleOp> hrmc::buildModel(const ModelConfig &config,
                                       MLIRContext &context) {
  loadFrontEndDialects(context);
  return ModelBuilder(config, context).build();
}
