//===- Autodiff.cpp - reverse mode over hrm functions and loops -----------===//
//
// Differentiates at the level of hrm compute ops, after parameters became
// function arguments and before the loops lose their schedules. Each op's
// vector-Jacobian product is one hrm.*_grad op (or a slice / reduction);
// calls are differentiated through generated _fwd / _bwd / _vjp functions;
// rolled loops become a forward scf.for that stacks what the backward needs
// and a backward scf.for over the gradient window.
//
//===----------------------------------------------------------------------===//
#include "Zeros.h"
#include "hrm/HrmOps.h"
#include "hrmc/Analysis/GradientReach.h"
#include "hrmc/Support/Remarks.h"
#include "hrmc/Transforms/Passes.h"

#include "mlir/Analysis/TopologicalSortUtils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/TypeSwitch.h"

namespace mlir::hrm {
#define GEN_PASS_DEF_HRMAUTODIFF
#include "hrmc/Transforms/Passes.h.inc"
} // namespace mlir::hrm

using namespace mlir;
using namespace mlir::hrm;

namespace {

bool isFloatTensor(Type type) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  return tensor && isa<FloatType>(tensor.getElementType());
}

/// Weights are matrices and vectors; activations are [B, S, D].
bool isWeight(Type type) {
  return isFloatTensor(type) && cast<RankedTensorType>(type).getRank() <= 2 &&
         cast<RankedTensorType>(type).getRank() >= 1;
}

RankedTensorType tensorOf(Value v) {
  return cast<RankedTensorType>(v.getType());
}

/// `x + y` written over `x`: a gradient sum (a loop's iter_arg) then
/// bufferizes in place instead of into a new buffer per addition.
Value addTensors(OpBuilder &b, Location loc, Value x, Value y) {
  return linalg::AddOp::create(b, loc, ValueRange{x, y}, ValueRange{x})
      .getResult(0);
}

/// Sums [B, S, D] over batch and sequence: the gradient of a broadcast
/// vector.
Value sumRows(OpBuilder &b, Location loc, Value x) {
  RankedTensorType t = tensorOf(x);
  Value init = zerosOf(
      b, loc, RankedTensorType::get({t.getDimSize(2)}, t.getElementType()));
  return linalg::ReduceOp::create(
             b, loc, ValueRange{x}, ValueRange{init}, ArrayRef<int64_t>{0, 1},
             [](OpBuilder &b, Location loc, ValueRange args) {
               linalg::YieldOp::create(
                   b, loc,
                   ValueRange{arith::AddFOp::create(b, loc, args[0], args[1])});
             })
      .getResult(0);
}

/// Offsets, sizes and strides of slice [i] of a stack [n, ...].
struct StackSlice {
  SmallVector<OpFoldResult> offsets, sizes, strides;
  StackSlice(OpBuilder &b, RankedTensorType stack, Value i)
      : offsets(stack.getRank(), b.getIndexAttr(0)),
        sizes(getAsIndexOpFoldResult(b.getContext(), stack.getShape())),
        strides(stack.getRank(), b.getIndexAttr(1)) {
    offsets[0] = i;
    sizes[0] = b.getIndexAttr(1);
  }
};

/// Slice [i] of a stack, without the leading dimension.
Value stackSlice(OpBuilder &b, Location loc, Value stack, Value i) {
  RankedTensorType t = tensorOf(stack);
  StackSlice s(b, t, i);
  auto type = RankedTensorType::get(t.getShape().drop_front(),
                                    t.getElementType());
  return tensor::ExtractSliceOp::create(b, loc, type, stack, s.offsets,
                                        s.sizes, s.strides);
}

Value stackInsert(OpBuilder &b, Location loc, Value value, Value stack,
                  Value i) {
  StackSlice s(b, tensorOf(stack), i);
  return tensor::InsertSliceOp::create(b, loc, value, stack, s.offsets,
                                       s.sizes, s.strides);
}

Value indexConst(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

/// The derivative functions of one differentiated function.
struct Derivative {
  func::FuncOp fwd; // args -> (results, saved...)
  func::FuncOp bwd; // (args, saved..., result grads...) -> arg grads
  func::FuncOp vjp; // (args, result grads...) -> arg grads, recomputing
  SmallVector<unsigned> gradArgs; // the arguments whose gradients come back
  /// The gradArgs (weights) whose gradient is summed into an accumulator
  /// the caller passes, one per entry after the result gradients, and
  /// returned: the caller's sum is updated in place instead of adding a
  /// returned gradient to it.
  SmallVector<unsigned> accArgs;
  unsigned numSaved = 0;
};

/// A rolled loop as a sequence of applications of one or two step
/// functions (fast and slow), each `(index, carried..., captured...) ->
/// carried...`.
struct LoopPlan {
  SmallVector<func::FuncOp> steps; // by kind
  SmallVector<Value> captured;     // in the original function
  int64_t period = 1;              // applications per cycle (T + 1 or 1)
  int64_t t = 0;                   // fast steps per cycle (hier only)
  int64_t total = 0, window = 0;
  /// A flat loop's run-time trip count (in the original function), which
  /// then replaces `total`; `window` bounds its window.
  Value count;
  /// A run-time gradient window (in the original function), clamped to
  /// [least, bound]; kindWindow and window are then those of `bound`, which
  /// size the stacks.
  Value windowInput;
  int64_t least = 1, bound = 0;
  MemoryPolicy memory = MemoryPolicy::keep;

  /// Under slow_first(k): how many of the last applications of each kind
  /// carry gradient (the others run without, wherever they fall); empty
  /// for a window of the last `window` applications.
  SmallVector<int64_t, 2> kindWindow;

  bool isHier() const { return steps.size() == 2; }
  bool perKind() const { return !kindWindow.empty(); }
  /// Whether the window's start is known only at run time.
  bool dynamic() const { return count || windowInput; }
  /// The first application with gradient.
  int64_t start() const {
    if (!perKind())
      return total - window;
    int64_t first = total;
    for (unsigned kind = 0; kind < kindWindow.size(); ++kind)
      if (kindWindow[kind] > 0)
        first = std::min(first, applicationOf(kind, kindBase(kind)));
    return first;
  }
  /// Under slow_first: the index among its kind of the first application
  /// of `kind` with gradient.
  int64_t kindBase(unsigned kind) const {
    return before(kind, total) - kindWindow[kind];
  }
  /// Application number of the `q`th application of `kind`.
  int64_t applicationOf(unsigned kind, int64_t q) const {
    if (!isHier())
      return q;
    return kind == 0 ? q / t * period + q % t : q * period + t;
  }
  /// Whether the window holds applications of `kind` without gradient.
  bool mixed(unsigned kind) const {
    return perKind() && (windowInput || before(kind, start()) < kindBase(kind));
  }
  /// Which step function application `a` runs.
  unsigned kindOf(int64_t a) const {
    return isHier() && a % period == t ? 1 : 0;
  }
  /// Applications of `kind` before application `a`.
  int64_t before(unsigned kind, int64_t a) const {
    if (!isHier())
      return a;
    int64_t cycles = a / period, rest = a % period;
    return kind == 0 ? cycles * t + std::min(rest, t) : cycles;
  }
  int64_t inWindow(unsigned kind) const {
    if (perKind())
      return kindWindow[kind];
    return before(kind, total) - before(kind, start());
  }
};

/// Forward-phase facts about one differentiated op, used by its reverse.
struct Saved {
  SmallVector<Value> values;       // a call's saved values
  SmallVector<SmallVector<Value>> stacks; // a loop's stacks, by kind
  // Under a run-time count or window: the applications, the window's first
  // one and, under slow_first, the first of each kind with gradient.
  Value total, start;
  SmallVector<Value, 2> kindBase;
};

class Autodiff;

/// Builds one function's forward clone and reverse sweep.
class Sweep {
public:
  Sweep(Autodiff &ad, OpBuilder &b) : ad(ad), b(b) {}

  LogicalResult forward(Block &body);
  LogicalResult reverse(Block &body);
  void accumulate(Value original, Value grad);
  /// Replaces the gradient of `original` (a sum the callee updated).
  void setGrad(Value original, Value grad) { grads[original] = grad; }
  Value gradOf(Value original) const { return grads.lookup(original); }

  IRMapping primal;

private:
  LogicalResult forwardCall(func::CallOp call);
  LogicalResult forwardLoop(Operation *loop);
  LogicalResult reverseOp(Operation *op);
  LogicalResult reverseCall(func::CallOp call);
  LogicalResult reverseLoop(Operation *loop);
  Value gradOrZeros(Value original);
  /// The primal of `v` for a gradient op that reads it. An RMSNorm's output
  /// is made again here from the norm's input, which the norm's gradient
  /// saves anyway, instead of being saved too: a norm is O(S d) work, while
  /// saving its output costs S d values per application in the window.
  Value readInBackward(Value v);
  /// `grads` where `cond` holds, zeros of their types otherwise.
  SmallVector<Value> gradientsIf(Value cond, ValueRange grads);
  /// Emits `step(kind)` for application `a`: an scf.if over the two kinds
  /// of a hierarchical loop, or the one kind of a flat loop.
  SmallVector<Value>
  dispatch(const LoopPlan &plan, Value a, TypeRange types,
           function_ref<SmallVector<Value>(unsigned kind)> step);
  Value kindIndex(const LoopPlan &plan, unsigned kind, Value a);
  /// The index among its kind of the first stacked application of `kind`;
  /// `dyn` holds the window's run-time values.
  Value windowBase(const LoopPlan &plan, unsigned kind, Location loc,
                   const Saved &dyn) {
    if (plan.perKind())
      return plan.windowInput ? dyn.kindBase[kind]
                              : indexConst(b, loc, plan.kindBase(kind));
    if (plan.dynamic())
      return kindIndex(plan, kind, dyn.start);
    return indexConst(b, loc, plan.before(kind, plan.start()));
  }
  /// Computes the run-time window of `plan` into `dyn` (total, start and,
  /// under slow_first, each kind's first application with gradient).
  void dynamicWindow(const LoopPlan &plan, Location loc, Saved &dyn);
  Value stepIndex(const LoopPlan &plan, unsigned kind, Value a);
  /// Under slow_first, whether window application `a` of `kind` carries
  /// gradient: `withGrad()` if so, else `withoutGrad()`, as an scf.if when
  /// the window holds both.
  SmallVector<Value> ifGradient(const LoopPlan &plan, unsigned kind, Value a,
                                TypeRange types, const Saved &dyn,
                                function_ref<SmallVector<Value>()> withGrad,
                                function_ref<SmallVector<Value>()> withoutGrad);

  Autodiff &ad;
  OpBuilder &b;
  DenseMap<Value, Value> grads;
  DenseMap<Operation *, Saved> saved;
  /// Norm outputs made again in the backward, by the block they were made
  /// in (a use elsewhere makes its own).
  DenseMap<std::pair<Value, Block *>, Value> remade;
  /// The forward block's ops a gradient can flow through; the others run
  /// as plain calls and loops, saving nothing.
  llvm::SmallPtrSet<Operation *, 32> reached;
};

class Autodiff {
public:
  Autodiff(ModuleOp module) : module(module), symbols(module) {}

  /// Adds `<entry>_grad`.
  LogicalResult differentiateEntry(func::FuncOp entry);
  /// The derivative functions of `fn`, built on first use.
  FailureOr<Derivative *> derivative(func::FuncOp fn);
  func::FuncOp callee(func::CallOp call) {
    return symbols.lookup<func::FuncOp>(call.getCallee());
  }
  /// The memory policy of a call site (`hrm.memory`, default keep).
  static MemoryPolicy policyOf(Operation *call) {
    if (auto attr = call->getAttrOfType<MemoryPolicyAttr>("hrm.memory"))
      return attr.getValue();
    return MemoryPolicy::keep;
  }

  DenseMap<Operation *, LoopPlan> plans;

  /// What the pass reports as statistics.
  struct Counts {
    unsigned rolledLoops = 0, stacks = 0, remade = 0;
  } counts;
  unsigned numDerivatives() const { return derivatives.size(); }

private:
  func::FuncOp newFunction(StringRef name, FunctionType type, Location loc);
  LogicalResult outlineLoop(Operation *loop, StringRef prefix, unsigned id);
  void splitCombined(func::FuncOp fn, func::FuncOp combined,
                     unsigned reverseStart, unsigned numArgs,
                     ArrayRef<Value> forwardResults, Derivative &result);

  ModuleOp module;
  SymbolTable symbols;
  DenseMap<Operation *, std::unique_ptr<Derivative>> derivatives;
};

//===----------------------------------------------------------------------===//
// Sweep: forward
//===----------------------------------------------------------------------===//

LogicalResult Sweep::forward(Block &body) {
  reached = hrmc::opsReachingResults(body);
  for (Operation &op : body.without_terminator()) {
    if (auto call = dyn_cast<func::CallOp>(op)) {
      if (failed(forwardCall(call)))
        return failure();
    } else if (isa<HierLoopOp, LoopOp>(op)) {
      if (failed(forwardLoop(&op)))
        return failure();
    } else {
      b.clone(op, primal);
    }
  }
  return success();
}

LogicalResult Sweep::forwardCall(func::CallOp call) {
  func::FuncOp fn = ad.callee(call);
  if (!fn || fn.isExternal())
    return call.emitError("hrm-autodiff: cannot differentiate a call to '")
           << call.getCallee() << "' without a body";
  auto operands = llvm::map_to_vector(
      call.getOperands(), [&](Value v) { return primal.lookup(v); });
  if (Autodiff::policyOf(call) == MemoryPolicy::recompute ||
      !reached.contains(call)) {
    b.clone(*call, primal);
    return success();
  }
  FailureOr<Derivative *> d = ad.derivative(fn);
  if (failed(d))
    return failure();
  auto fwd = func::CallOp::create(b, call.getLoc(), (*d)->fwd, operands);
  unsigned n = call.getNumResults();
  for (unsigned i = 0; i < n; ++i)
    primal.map(call.getResult(i), fwd.getResult(i));
  saved[call].values = SmallVector<Value>(fwd.getResults().drop_front(n));
  return success();
}

Value Sweep::kindIndex(const LoopPlan &plan, unsigned kind, Value a) {
  Location loc = a.getLoc();
  if (!plan.isHier())
    return a;
  Value period = indexConst(b, loc, plan.period);
  Value cycles = arith::DivUIOp::create(b, loc, a, period);
  if (kind == 1)
    return cycles;
  Value rest = arith::RemUIOp::create(b, loc, a, period);
  Value fast = arith::MinUIOp::create(b, loc, rest, indexConst(b, loc, plan.t));
  return arith::AddIOp::create(
      b, loc, arith::MulIOp::create(b, loc, cycles, indexConst(b, loc, plan.t)),
      fast);
}

/// The step index the region sees: i*T + j for a fast step, i for a slow
/// one, the application for a flat loop; that is, kindIndex.
Value Sweep::stepIndex(const LoopPlan &plan, unsigned kind, Value a) {
  return kindIndex(plan, kind, a);
}

SmallVector<Value>
Sweep::dispatch(const LoopPlan &plan, Value a, TypeRange types,
                function_ref<SmallVector<Value>(unsigned kind)> step) {
  if (!plan.isHier())
    return step(0);
  Location loc = a.getLoc();
  Value rest = arith::RemUIOp::create(b, loc, a, indexConst(b, loc, plan.period));
  Value isSlow = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, rest,
                                       indexConst(b, loc, plan.t));
  auto ifOp = scf::IfOp::create(b, loc, types, isSlow, /*withElse=*/true);
  OpBuilder::InsertionGuard guard(b);
  for (unsigned kind : {1u, 0u}) {
    Block *block = kind == 1 ? ifOp.thenBlock() : ifOp.elseBlock();
    if (!block->empty())
      block->back().erase();
    b.setInsertionPointToEnd(block);
    scf::YieldOp::create(b, loc, step(kind));
  }
  return SmallVector<Value>(ifOp.getResults());
}

SmallVector<Value>
Sweep::ifGradient(const LoopPlan &plan, unsigned kind, Value a, TypeRange types,
                  const Saved &dyn, function_ref<SmallVector<Value>()> withGrad,
                  function_ref<SmallVector<Value>()> withoutGrad) {
  if (!plan.mixed(kind))
    return withGrad();
  Location loc = a.getLoc();
  Value grad = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::uge,
                                     kindIndex(plan, kind, a),
                                     windowBase(plan, kind, loc, dyn));
  auto ifOp = scf::IfOp::create(b, loc, types, grad, /*withElse=*/true);
  OpBuilder::InsertionGuard guard(b);
  for (bool then : {true, false}) {
    Block *block = then ? ifOp.thenBlock() : ifOp.elseBlock();
    if (!block->empty())
      block->back().erase();
    b.setInsertionPointToEnd(block);
    scf::YieldOp::create(b, loc, then ? withGrad() : withoutGrad());
  }
  return SmallVector<Value>(ifOp.getResults());
}

void Sweep::dynamicWindow(const LoopPlan &plan, Location loc, Saved &dyn) {
  auto c = [&](int64_t v) { return indexConst(b, loc, v); };
  dyn.total = plan.count ? primal.lookup(plan.count) : c(plan.total);
  Value k;
  if (plan.windowInput) {
    k = arith::MaxSIOp::create(b, loc, primal.lookup(plan.windowInput),
                               c(plan.least));
    k = arith::MinSIOp::create(b, loc, k, c(plan.bound));
  } else {
    k = c(plan.window);
  }
  if (!plan.perKind()) {
    // With a run-time count the window is its last k applications, or all
    // of them when there are fewer.
    Value from = arith::SubIOp::create(b, loc, dyn.total, k);
    dyn.start = plan.count ? arith::MaxSIOp::create(b, loc, from, c(0)) : from;
    return;
  }
  // slow_first: min(N, k - 1) slow applications, the rest fast.
  int64_t n = plan.before(1, plan.total);
  Value slow = arith::MinSIOp::create(
      b, loc, arith::SubIOp::create(b, loc, k, c(1)), c(n));
  Value fast = arith::SubIOp::create(b, loc, k, slow);
  Value fastBase =
      arith::SubIOp::create(b, loc, c(plan.before(0, plan.total)), fast);
  Value slowBase = arith::SubIOp::create(b, loc, c(n), slow);
  dyn.kindBase = {fastBase, slowBase};
  // Their applications: (q / T) * (T + 1) + q % T, and p * (T + 1) + T.
  Value fastFirst = arith::AddIOp::create(
      b, loc,
      arith::MulIOp::create(b, loc,
                            arith::DivUIOp::create(b, loc, fastBase, c(plan.t)),
                            c(plan.period)),
      arith::RemUIOp::create(b, loc, fastBase, c(plan.t)));
  Value slowFirst = arith::AddIOp::create(
      b, loc, arith::MulIOp::create(b, loc, slowBase, c(plan.period)),
      c(plan.t));
  dyn.start = arith::MinUIOp::create(b, loc, fastFirst, slowFirst);
}

LogicalResult Sweep::forwardLoop(Operation *loop) {
  // A loop whose results are only ever detached needs no gradient window:
  // hrm-unroll leaves one before the window of a factor(k) unrolled loop.
  if (!reached.contains(loop)) {
    ad.plans[loop].window = 0;
    ad.plans[loop].kindWindow.clear();
    ad.plans[loop].windowInput = Value();
  }
  const LoopPlan &plan = ad.plans.lookup(loop);
  Location loc = loop->getLoc();
  SmallVector<Value> carried =
      llvm::map_to_vector(loop->getOperands().take_front(loop->getNumResults()),
                          [&](Value v) { return primal.lookup(v); });
  SmallVector<Value> captured = llvm::map_to_vector(
      plan.captured, [&](Value v) { return primal.lookup(v); });
  TypeRange carriedTypes = loop->getResultTypes();
  unsigned numCarried = carried.size();

  auto stepOperands = [&](unsigned kind, Value a, ValueRange state) {
    SmallVector<Value> operands{stepIndex(plan, kind, a)};
    llvm::append_range(operands, state);
    llvm::append_range(operands, captured);
    return operands;
  };

  // With a run-time count the window is its last `window` applications,
  // or all of them when there are fewer; with a run-time window, its start
  // follows from it.
  Saved dyn;
  if (plan.dynamic())
    dynamicWindow(plan, loc, dyn);
  Value total = dyn.total, start = dyn.start;
  if (!plan.dynamic()) {
    start = indexConst(b, loc, plan.start());
    total = indexConst(b, loc, plan.total);
  }

  // Before the window: forward only.
  if (plan.dynamic() || plan.start() > 0) {
    auto pre = scf::ForOp::create(
        b, loc, indexConst(b, loc, 0), start, indexConst(b, loc, 1), carried,
        [&](OpBuilder &, Location, Value a, ValueRange state) {
          SmallVector<Value> next =
              dispatch(plan, a, carriedTypes, [&](unsigned kind) {
                return SmallVector<Value>(
                    func::CallOp::create(b, loc, plan.steps[kind],
                                         stepOperands(kind, a, state))
                        .getResults());
              });
          scf::YieldOp::create(b, loc, next);
        });
    carried = SmallVector<Value>(pre.getResults());
  }
  if (plan.window == 0) {
    for (unsigned i = 0; i < numCarried; ++i)
      primal.map(loop->getResult(i), carried[i]);
    return success();
  }

  // The window: stack each step's starting state (and, under keep, what its
  // backward needs) at its index among the window's steps of its kind.
  bool keep = plan.memory == MemoryPolicy::keep;
  SmallVector<SmallVector<Value>> stacks(plan.steps.size());
  SmallVector<Value> inits(carried);
  SmallVector<std::pair<unsigned, unsigned>> stackRange; // by kind
  for (auto [kind, step] : llvm::enumerate(plan.steps)) {
    unsigned first = inits.size();
    int64_t n = plan.inWindow(kind);
    if (n > 0) {
      SmallVector<Type> stored(carriedTypes);
      if (keep) {
        FailureOr<Derivative *> d = ad.derivative(step);
        if (failed(d))
          return failure();
        llvm::append_range(
            stored,
            (*d)->fwd.getResultTypes().drop_front(numCarried));
      }
      for (Type type : stored) {
        auto t = cast<RankedTensorType>(type);
        SmallVector<int64_t> shape{n};
        llvm::append_range(shape, t.getShape());
        inits.push_back(tensor::EmptyOp::create(b, loc, shape,
                                                t.getElementType()));
      }
    }
    stackRange.push_back({first, static_cast<unsigned>(inits.size())});
  }
  ++ad.counts.rolledLoops;
  ad.counts.stacks += inits.size() - carried.size();
  auto window = scf::ForOp::create(
      b, loc, start, total, indexConst(b, loc, 1), inits,
      [&](OpBuilder &, Location, Value a, ValueRange iter) {
        SmallVector<Value> next = dispatch(
            plan, a, TypeRange(ValueRange(iter)), [&](unsigned kind) {
              SmallVector<Value> out(iter);
              unsigned first = stackRange[kind].first,
                       last = stackRange[kind].second;
              if (first == last) // no step of this kind in the window
                return out;
              ValueRange state = iter.take_front(numCarried);
              func::FuncOp step = plan.steps[kind];
              auto withGrad = [&] {
                SmallVector<Value> res(out);
                Value slot =
                    arith::SubIOp::create(b, loc, kindIndex(plan, kind, a),
                                          windowBase(plan, kind, loc, dyn));
                SmallVector<Value> toStore(state);
                SmallVector<Value> operands = stepOperands(kind, a, state);
                auto call = func::CallOp::create(
                    b, loc, keep ? ad.derivative(step).value()->fwd : step,
                    operands);
                if (keep)
                  llvm::append_range(toStore,
                                     call.getResults().drop_front(numCarried));
                for (unsigned i = 0; i < numCarried; ++i)
                  res[i] = call.getResult(i);
                for (auto [i, v] : llvm::enumerate(toStore))
                  res[first + i] =
                      stackInsert(b, loc, v, iter[first + i], slot);
                return res;
              };
              auto withoutGrad = [&] {
                SmallVector<Value> res(out);
                auto call = func::CallOp::create(b, loc, step,
                                                 stepOperands(kind, a, state));
                for (unsigned i = 0; i < numCarried; ++i)
                  res[i] = call.getResult(i);
                return res;
              };
              return ifGradient(plan, kind, a, TypeRange(ValueRange(iter)), dyn,
                                withGrad, withoutGrad);
            });
        scf::YieldOp::create(b, loc, next);
      });
  for (unsigned i = 0; i < numCarried; ++i)
    primal.map(loop->getResult(i), window.getResult(i));
  Saved &s = saved[loop];
  if (plan.dynamic()) {
    s.total = total;
    s.start = start;
    s.kindBase = dyn.kindBase;
  }
  for (auto [kind, range] : llvm::enumerate(stackRange))
    s.stacks.push_back(SmallVector<Value>(
        window.getResults().slice(range.first, range.second - range.first)));
  return success();
}

//===----------------------------------------------------------------------===//
// Sweep: reverse
//===----------------------------------------------------------------------===//

void Sweep::accumulate(Value original, Value grad) {
  if (!grad || !isFloatTensor(original.getType()))
    return;
  Value &slot = grads[original];
  slot = slot ? addTensors(b, grad.getLoc(), slot, grad) : grad;
}

SmallVector<Value> Sweep::gradientsIf(Value cond, ValueRange grads) {
  Location loc = cond.getLoc();
  auto ifOp = scf::IfOp::create(b, loc, grads.getTypes(), cond,
                                /*withElse=*/true);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(ifOp.thenBlock());
  scf::YieldOp::create(b, loc, grads);
  b.setInsertionPointToStart(ifOp.elseBlock());
  scf::YieldOp::create(b, loc, llvm::map_to_vector(grads, [&](Value g) {
                         return zerosOf(b, loc, g.getType());
                       }));
  return SmallVector<Value>(ifOp.getResults());
}

Value Sweep::readInBackward(Value v) {
  auto norm = v.getDefiningOp<RMSNormOp>();
  if (!norm)
    return primal.lookup(v);
  Value &again = remade[{v, b.getInsertionBlock()}];
  if (!again) {
    ++ad.counts.remade;
    again = RMSNormOp::create(
        b, norm.getLoc(), norm.getType(), primal.lookup(norm.getInput()),
        norm.getWeight() ? primal.lookup(norm.getWeight()) : Value(),
        norm.getEpsAttr());
  }
  return again;
}

Value Sweep::gradOrZeros(Value original) {
  if (Value g = grads.lookup(original))
    return g;
  return zerosOf(b, original.getLoc(), original.getType());
}

LogicalResult Sweep::reverse(Block &body) {
  for (Operation &op :
       llvm::reverse(llvm::make_range(body.begin(), std::prev(body.end()))))
    if (failed(reverseOp(&op)))
      return failure();
  return success();
}

LogicalResult Sweep::reverseOp(Operation *op) {
  if (llvm::none_of(op->getResults(),
                    [&](Value r) { return grads.count(r) != 0; }))
    return success();
  Location loc = op->getLoc();
  auto p = [&](Value v) { return primal.lookup(v); };
  Value d = op->getNumResults() == 1 ? grads.lookup(op->getResult(0)) : Value();

  return TypeSwitch<Operation *, LogicalResult>(op)
      .Case([&](AddOp add) {
        accumulate(add.getLhs(), d);
        accumulate(add.getRhs(), tensorOf(add.getRhs()).getRank() == 1
                                     ? sumRows(b, loc, d)
                                     : d);
        return success();
      })
      .Case([&](BroadcastOp bc) {
        accumulate(bc.getVector(), sumRows(b, loc, d));
        return success();
      })
      .Case([&](RMSNormOp norm) {
        auto g = RMSNormGradOp::create(
            b, loc, norm.getType(),
            norm.getWeight() ? norm.getWeight().getType() : Type(),
            p(norm.getInput()), d,
            norm.getWeight() ? p(norm.getWeight()) : Value(),
            norm.getEpsAttr());
        accumulate(norm.getInput(), g.getInputGrad());
        if (norm.getWeight())
          accumulate(norm.getWeight(), g.getWeightGrad());
        return success();
      })
      .Case([&](AttentionOp attn) {
        Value query = attn.getQuery();
        auto g = AttentionGradOp::create(
            b, loc, attn.getType(), attn.getWq().getType(),
            attn.getWk().getType(), attn.getWv().getType(),
            attn.getWo().getType(), query ? query.getType() : Type(),
            readInBackward(attn.getInput()), d, p(attn.getWq()),
            p(attn.getWk()), p(attn.getWv()), p(attn.getWo()),
            query ? readInBackward(query) : Value(), attn.getHeadsAttr(),
            attn.getMaskAttr(), attn.getPrefixLenAttr(),
            attn.getRopeThetaAttr());
        accumulate(attn.getInput(), g.getInputGrad());
        accumulate(attn.getWq(), g.getWqGrad());
        accumulate(attn.getWk(), g.getWkGrad());
        accumulate(attn.getWv(), g.getWvGrad());
        accumulate(attn.getWo(), g.getWoGrad());
        if (query)
          accumulate(query, g.getQueryGrad());
        return success();
      })
      .Case([&](MlpOp mlp) {
        Value gate = mlp.getGate();
        auto g = MlpGradOp::create(
            b, loc, mlp.getType(), gate ? gate.getType() : Type(),
            mlp.getUp().getType(), mlp.getDown().getType(), mlp.getKindAttr(),
            readInBackward(mlp.getInput()), d, gate ? p(gate) : Value(),
            p(mlp.getUp()), p(mlp.getDown()));
        accumulate(mlp.getInput(), g.getInputGrad());
        if (gate)
          accumulate(gate, g.getGateGrad());
        accumulate(mlp.getUp(), g.getUpGrad());
        accumulate(mlp.getDown(), g.getDownGrad());
        return success();
      })
      .Case([&](LinearOp lin) {
        auto g = LinearGradOp::create(
            b, loc, lin.getInput().getType(), lin.getWeight().getType(),
            readInBackward(lin.getInput()), p(lin.getWeight()), d,
            /*transposed=*/false);
        accumulate(lin.getInput(), g.getInputGrad());
        accumulate(lin.getWeight(), g.getWeightGrad());
        return success();
      })
      .Case([&](LMHeadOp head) {
        auto g = LinearGradOp::create(b, loc, head.getInput().getType(),
                                      head.getWeight().getType(),
                                      readInBackward(head.getInput()),
                                      p(head.getWeight()), d, head.getTied());
        accumulate(head.getInput(), g.getInputGrad());
        accumulate(head.getWeight(), g.getWeightGrad());
        return success();
      })
      .Case([&](ConcatOp cat) {
        int64_t offset = 0;
        for (Value part : {cat.getLhs(), cat.getRhs()}) {
          RankedTensorType t = tensorOf(part);
          SmallVector<OpFoldResult> offsets{b.getIndexAttr(0),
                                            b.getIndexAttr(0),
                                            b.getIndexAttr(offset)};
          SmallVector<OpFoldResult> sizes =
              getAsIndexOpFoldResult(b.getContext(), t.getShape());
          SmallVector<OpFoldResult> strides(3, b.getIndexAttr(1));
          accumulate(part, tensor::ExtractSliceOp::create(
                               b, loc, t, d, offsets, sizes, strides));
          offset += t.getDimSize(2);
        }
        return success();
      })
      .Case([&](EmbedOp embed) {
        accumulate(embed.getTable(),
                   EmbedGradOp::create(b, loc, embed.getTable().getType(),
                                       p(embed.getTokens()), d,
                                       embed.getScaleAttr()));
        return success();
      })
      .Case([&](CrossEntropyOp ce) {
        // A loss that taps listed steps makes its head's logits again here
        // instead of saving them at every step (hrm-guard-loss-taps then
        // makes them only at the steps that tap, with the final norm the
        // head reads, which the backward makes again anyway).
        Value logits = p(ce.getLogits());
        if (auto head = ce.getLogits().getDefiningOp<LMHeadOp>();
            head && ce.getStep())
          logits = LMHeadOp::create(b, loc, head.getType(),
                                    readInBackward(head.getInput()),
                                    p(head.getWeight()), head.getTied());
        accumulate(ce.getLogits(), CrossEntropyGradOp::create(
                                       b, loc, ce.getLogits().getType(), logits,
                                       p(ce.getTargets()), d,
                                       ce.getStep() ? p(ce.getStep()) : Value(),
                                       ce.getScaleAttr(), ce.getTapStepsAttr(),
                                       ce.getTapWeightsAttr()));
        if (ce.getAcc())
          accumulate(ce.getAcc(), d);
        return success();
      })
      .Case([&](DivideByCountOp div) {
        accumulate(div.getInput(),
                   DivideByCountOp::create(b, loc, d, p(div.getCount())));
        return success();
      })
      .Case([&](StepEmbeddingOp se) {
        RankedTensorType table = tensorOf(se.getTable());
        int64_t width = table.getDimSize(1);
        Value row = tensor::ExpandShapeOp::create(
            b, loc, RankedTensorType::get({1, width}, table.getElementType()),
            d, ArrayRef<ReassociationIndices>{{0, 1}});
        SmallVector<OpFoldResult> offsets{p(se.getStep()), b.getIndexAttr(0)};
        SmallVector<OpFoldResult> sizes{b.getIndexAttr(1),
                                        b.getIndexAttr(width)};
        SmallVector<OpFoldResult> strides(2, b.getIndexAttr(1));
        accumulate(se.getTable(),
                   tensor::InsertSliceOp::create(
                       b, loc, row, zerosOf(b, loc, table), offsets, sizes,
                       strides));
        return success();
      })
      .Case([&](CarryInOp carry) {
        // The carried state is detached: only the reset rows' init.
        Value zeros = ZerosLikeOp::create(b, loc, d);
        accumulate(carry.getInit(),
                   CarryInOp::create(b, loc, zeros, d, p(carry.getReset())));
        return success();
      })
      .Case([&](QHeadOp head) {
        auto g = QHeadGradOp::create(
            b, loc, head.getState().getType(), head.getWeight().getType(),
            head.getBias().getType(), p(head.getState()), p(head.getWeight()),
            d, head.getLastAttr());
        accumulate(head.getState(), g.getStateGrad());
        accumulate(head.getWeight(), g.getWeightGrad());
        accumulate(head.getBias(), g.getBiasGrad());
        return success();
      })
      .Case([&](HaltLossOp halt) {
        // The bootstrapped target and the correctness are constants here.
        accumulate(halt.getQ(),
                   HaltLossGradOp::create(
                       b, loc, halt.getQ().getType(), p(halt.getQ()),
                       p(halt.getNext()), p(halt.getCorrect()),
                       p(halt.getLast()), d, halt.getWeightAttr()));
        if (halt.getAcc())
          accumulate(halt.getAcc(), d);
        return success();
      })
      .Case([&](ActProbOp prob) {
        auto g = ActProbGradOp::create(
            b, loc, prob.getState().getType(), prob.getWeight().getType(),
            prob.getBias().getType(), p(prob.getState()), p(prob.getWeight()),
            p(prob.getBias()), d);
        accumulate(prob.getState(), g.getStateGrad());
        accumulate(prob.getWeight(), g.getWeightGrad());
        accumulate(prob.getBias(), g.getBiasGrad());
        return success();
      })
      .Case([&](ActUpdateOp update) {
        // `updates` counts steps: it has no gradient, and none reaches it.
        auto g = ActUpdateGradOp::create(
            b, loc, p(update.getP()), p(update.getTransformed()),
            p(update.getAcc()), p(update.getHalting()),
            p(update.getRemainders()), gradOrZeros(update.getNewAcc()),
            gradOrZeros(update.getNewHalting()),
            gradOrZeros(update.getNewRemainders()), update.getThresholdAttr());
        accumulate(update.getP(), g.getPGrad());
        accumulate(update.getTransformed(), g.getTransformedGrad());
        accumulate(update.getAcc(), g.getAccGrad());
        accumulate(update.getHalting(), g.getHaltingGrad());
        accumulate(update.getRemainders(), g.getRemaindersGrad());
        return success();
      })
      .Case([&](PonderCostOp cost) {
        accumulate(cost.getRemainders(),
                   PonderCostGradOp::create(b, loc, p(cost.getRemainders()), d,
                                            cost.getWeightAttr()));
        if (cost.getAcc())
          accumulate(cost.getAcc(), d);
        return success();
      })
      .Case<DetachOp, ZerosLikeOp, PositionZerosOp, RandomNormalLikeOp,
            SequenceCorrectOp>([](Operation *) { return success(); })
      .Case([&](func::CallOp call) { return reverseCall(call); })
      .Case<HierLoopOp, LoopOp>(
          [&](Operation *loop) { return reverseLoop(loop); })
      .Default([](Operation *op) -> LogicalResult {
        if (op->hasTrait<OpTrait::ConstantLike>()) // a loss sum's zero
          return success();
        return op->emitError("hrm-autodiff: cannot differentiate '")
               << op->getName() << "'";
      });
}

LogicalResult Sweep::reverseCall(func::CallOp call) {
  func::FuncOp fn = ad.callee(call);
  FailureOr<Derivative *> d = ad.derivative(fn);
  if (failed(d))
    return failure();
  SmallVector<Value> operands = llvm::map_to_vector(
      call.getOperands(), [&](Value v) { return primal.lookup(v); });
  bool keep = Autodiff::policyOf(call) == MemoryPolicy::keep;
  if (keep)
    llvm::append_range(operands, saved[call].values);
  for (Value r : call.getResults())
    if (isFloatTensor(r.getType()))
      operands.push_back(gradOrZeros(r));
  // Each weight's sum goes in to be updated; a value passed twice gets
  // zeros the second time, and its result is added.
  llvm::SmallDenseSet<Value> passed;
  llvm::SmallDenseSet<unsigned> inPlace;
  for (unsigned arg : (*d)->accArgs) {
    Value v = call.getOperand(arg);
    if (passed.insert(v).second) {
      inPlace.insert(arg);
      operands.push_back(gradOrZeros(v));
    } else {
      operands.push_back(zerosOf(b, call.getLoc(), v.getType()));
    }
  }
  auto back = func::CallOp::create(b, call.getLoc(),
                                   keep ? (*d)->bwd : (*d)->vjp, operands);
  for (auto [i, arg] : llvm::enumerate((*d)->gradArgs)) {
    if (inPlace.contains(arg))
      setGrad(call.getOperand(arg), back.getResult(i));
    else
      accumulate(call.getOperand(arg), back.getResult(i));
  }
  return success();
}

LogicalResult Sweep::reverseLoop(Operation *loop) {
  const LoopPlan &plan = ad.plans.lookup(loop);
  Location loc = loop->getLoc();
  unsigned numCarried = loop->getNumResults();
  bool keep = plan.memory == MemoryPolicy::keep;
  SmallVector<Value> captured = llvm::map_to_vector(
      plan.captured, [&](Value v) { return primal.lookup(v); });

  // The captured values some step returns a gradient for.
  SmallVector<Derivative *> derivs;
  llvm::SetVector<unsigned> capturedWithGrad;
  for (func::FuncOp step : plan.steps) {
    FailureOr<Derivative *> d = ad.derivative(step);
    if (failed(d))
      return failure();
    derivs.push_back(*d);
    for (unsigned arg : (*d)->gradArgs)
      if (arg > numCarried)
        capturedWithGrad.insert(arg - 1 - numCarried);
  }

  // The captured values' sums run through the loop, updated in place.
  SmallVector<Value> inits;
  for (Value r : loop->getResults())
    inits.push_back(gradOrZeros(r));
  for (unsigned c : capturedWithGrad)
    inits.push_back(gradOrZeros(plan.captured[c]));
  TypeRange types = TypeRange(ValueRange(inits));
  Saved &stacks = saved[loop];

  Value last, applications;
  if (plan.dynamic()) {
    last = arith::SubIOp::create(b, loc, stacks.total, indexConst(b, loc, 1));
    applications = arith::SubIOp::create(b, loc, stacks.total, stacks.start);
  } else {
    applications = indexConst(b, loc, plan.window);
  }
  auto back = scf::ForOp::create(
      b, loc, indexConst(b, loc, 0), applications, indexConst(b, loc, 1), inits,
      [&](OpBuilder &, Location, Value r, ValueRange iter) {
        Value a = arith::SubIOp::create(
            b, loc, last ? last : indexConst(b, loc, plan.total - 1), r);
        SmallVector<Value> next = dispatch(plan, a, types, [&](unsigned kind) {
          SmallVector<Value> out(iter);
          ArrayRef<Value> kindStacks = stacks.stacks[kind];
          if (kindStacks.empty())
            return out;
          // Without gradient, the application's result was detached: the
          // state it wrote gets none, the other passes its gradient on.
          auto withoutGrad = [&] {
            SmallVector<Value> res(iter);
            res[kind] = zerosOf(b, loc, iter[kind].getType());
            return res;
          };
          return ifGradient(
              plan, kind, a, types, stacks,
              [&] {
                Value slot =
                    arith::SubIOp::create(b, loc, kindIndex(plan, kind, a),
                                          windowBase(plan, kind, loc, stacks));
                SmallVector<Value> operands{stepIndex(plan, kind, a)};
                for (unsigned i = 0; i < numCarried; ++i)
                  operands.push_back(stackSlice(b, loc, kindStacks[i], slot));
                llvm::append_range(operands, captured);
                if (keep)
                  for (Value stack : kindStacks.drop_front(numCarried))
                    operands.push_back(stackSlice(b, loc, stack, slot));
                for (unsigned i = 0; i < numCarried; ++i)
                  operands.push_back(iter[i]);
                Derivative *d = derivs[kind];
                auto sumOf = [&](unsigned arg) {
                  return numCarried +
                         (llvm::find(capturedWithGrad, arg - 1 - numCarried) -
                          capturedWithGrad.begin());
                };
                for (unsigned arg : d->accArgs)
                  operands.push_back(iter[sumOf(arg)]);
                auto call = func::CallOp::create(b, loc, keep ? d->bwd : d->vjp,
                                                 operands);
                // Carried gradients are replaced, captured ones summed (in
                // the call for weights).
                for (unsigned i = 0; i < numCarried; ++i)
                  out[i] = Value();
                for (auto [i, arg] : llvm::enumerate(d->gradArgs)) {
                  Value g = call.getResult(i);
                  if (arg <= numCarried) {
                    out[arg - 1] = g;
                    continue;
                  }
                  unsigned pos = sumOf(arg);
                  out[pos] = llvm::is_contained(d->accArgs, arg)
                                 ? g
                                 : addTensors(b, loc, out[pos], g);
                }
                for (unsigned i = 0; i < numCarried; ++i)
                  if (!out[i])
                    out[i] = zerosOf(b, loc, iter[i].getType());
                return out;
              },
              withoutGrad);
        });
        scf::YieldOp::create(b, loc, next);
      });
  // The sums went in as the captured values' gradients so far, before
  // anything below adds an initial state's.
  for (auto [i, c] : llvm::enumerate(capturedWithGrad))
    setGrad(plan.captured[c], back.getResult(numCarried + i));
  // Before the window the state is detached: its gradient stops here.
  auto isZero = [&](Value v) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, v,
                                 indexConst(b, loc, 0));
  };
  if (plan.perKind() && plan.windowInput) {
    // Each state reaches its initial value unless an application of its
    // kind ran before the window.
    for (unsigned i = 0; i < numCarried; ++i)
      accumulate(loop->getOperand(i),
                 gradientsIf(isZero(kindIndex(plan, i, stacks.start)),
                             back.getResult(i))[0]);
  } else if (plan.dynamic()) {
    // Only a window that starts at 0 reaches the initial state.
    SmallVector<Value> reaches = gradientsIf(
        isZero(stacks.start), back.getResults().take_front(numCarried));
    for (unsigned i = 0; i < numCarried; ++i)
      accumulate(loop->getOperand(i), reaches[i]);
  } else if (plan.perKind()) {
    // A state reaches its initial value unless an application before the
    // window (which ran without gradient) wrote it; kind i writes state i.
    for (unsigned i = 0; i < numCarried; ++i)
      if (plan.before(i, plan.start()) == 0)
        accumulate(loop->getOperand(i), back.getResult(i));
  } else if (plan.start() == 0) {
    for (unsigned i = 0; i < numCarried; ++i)
      accumulate(loop->getOperand(i), back.getResult(i));
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Autodiff
//===----------------------------------------------------------------------===//

func::FuncOp Autodiff::newFunction(StringRef name, FunctionType type,
                                   Location loc) {
  OpBuilder b(module.getContext());
  b.setInsertionPointToEnd(module.getBody());
  auto fn = func::FuncOp::create(b, loc, name, type);
  fn.setPrivate();
  symbols.insert(fn); // renames on a clash
  fn.addEntryBlock();
  return fn;
}

FailureOr<Derivative *> Autodiff::derivative(func::FuncOp fn) {
  if (auto it = derivatives.find(fn); it != derivatives.end())
    return it->second.get();
  Block &body = fn.getBody().front();
  for (Operation &op : body)
    if (isa<HierLoopOp, LoopOp>(op))
      return op.emitError("hrm-autodiff: a loop inside a module or loop step "
                          "is not supported");

  // The combined function: (args, result grads) -> arg grads.
  SmallVector<Type> argTypes(fn.getArgumentTypes());
  unsigned numArgs = argTypes.size();
  for (Type t : fn.getResultTypes())
    if (isFloatTensor(t))
      argTypes.push_back(t);
  MLIRContext *ctx = module.getContext();
  func::FuncOp vjp =
      newFunction((fn.getSymName() + "_vjp").str(),
                  FunctionType::get(ctx, argTypes, {}), fn.getLoc());
  Block *entry = &vjp.getBody().front();
  OpBuilder b = OpBuilder::atBlockEnd(entry);
  Sweep sweep(*this, b);
  sweep.primal.map(body.getArguments(), entry->getArguments().take_front(numArgs));
  if (failed(sweep.forward(body)))
    return failure();
  unsigned reverseStart = entry->getOperations().size();
  auto ret = cast<func::ReturnOp>(body.getTerminator());
  unsigned seed = numArgs;
  for (Value r : ret.getOperands())
    if (isFloatTensor(r.getType()))
      sweep.accumulate(r, entry->getArgument(seed++));
  // A weight's gradient is summed into an accumulator argument; those that
  // get none are dropped below.
  DenseMap<unsigned, BlockArgument> sums;
  for (unsigned i = 0; i < numArgs; ++i)
    if (isWeight(argTypes[i])) {
      sums[i] = entry->addArgument(argTypes[i], fn.getLoc());
      sweep.setGrad(body.getArgument(i), sums[i]);
    }
  if (failed(sweep.reverse(body)))
    return failure();

  auto result = std::make_unique<Derivative>();
  SmallVector<Value> grads;
  for (unsigned i = 0; i < numArgs; ++i) {
    Value g = sweep.gradOf(body.getArgument(i));
    BlockArgument sum = sums.lookup(i);
    if (!g || g == sum)
      continue;
    result->gradArgs.push_back(i);
    if (sum)
      result->accArgs.push_back(i);
    grads.push_back(g);
  }
  for (unsigned i = entry->getNumArguments(); i-- > seed;)
    if (entry->getArgument(i).use_empty())
      entry->eraseArgument(i);
  func::ReturnOp::create(b, fn.getLoc(), grads);
  vjp.setType(FunctionType::get(ctx, entry->getArgumentTypes(),
                                ValueRange(grads).getTypes()));
  result->vjp = vjp;
  SmallVector<Value> forwardResults = llvm::map_to_vector(
      ret.getOperands(), [&](Value v) { return sweep.primal.lookup(v); });
  splitCombined(fn, vjp, reverseStart, numArgs, forwardResults, *result);
  // After the callees' derivatives, so that drop-equivalent-buffer-results,
  // which visits functions once in order, sees a callee's updated sums
  // dropped before it looks at what its callers return.
  vjp->moveBefore(module.getBody(), module.getBody()->end());
  Derivative *out = result.get();
  derivatives[fn] = std::move(result);
  return out;
}

/// Splits `combined` at op `reverseStart` into `fn_fwd`, which returns the
/// forward values the reverse part reads, and `fn_bwd`, which takes them.
void Autodiff::splitCombined(func::FuncOp fn, func::FuncOp combined,
                             unsigned reverseStart, unsigned numArgs,
                             ArrayRef<Value> forwardResults,
                             Derivative &result) {
  MLIRContext *ctx = module.getContext();
  Block &block = combined.getBody().front();
  SmallVector<Operation *> fwdOps, revOps;
  for (auto [i, op] : llvm::enumerate(block))
    (i < reverseStart ? fwdOps : revOps).push_back(&op);
  DenseSet<Operation *> inForward(fwdOps.begin(), fwdOps.end());

  // Forward values the reverse part reads. Constants and pure scalar
  // arithmetic on the arguments (a step's index in an unrolled iteration)
  // are rebuilt instead: a loop stacks what is saved, and stacks hold
  // tensors.
  DenseMap<Operation *, bool> rebuildable;
  std::function<bool(Operation *)> rebuild = [&](Operation *def) {
    if (auto it = rebuildable.find(def); it != rebuildable.end())
      return it->second;
    bool ok =
        def->hasTrait<OpTrait::ConstantLike>() ||
        (isPure(def) && def->getNumRegions() == 0 &&
         llvm::none_of(def->getResultTypes(), llvm::IsaPred<ShapedType>) &&
         llvm::all_of(def->getOperands(), [&](Value v) {
           Operation *d = v.getDefiningOp();
           return !d || !inForward.contains(d) || rebuild(d);
         }));
    return rebuildable[def] = ok;
  };
  llvm::SetVector<Value> needed;
  llvm::SetVector<Operation *> constants;
  for (Operation *op : revOps)
    op->walk([&](Operation *inner) {
      for (Value v : inner->getOperands()) {
        Operation *def = v.getDefiningOp();
        if (!def || !inForward.contains(def))
          continue;
        if (rebuild(def)) {
          constants.insert(def);
          continue;
        }
        needed.insert(v);
      }
    });
  // With the rebuilt ops' own operands, in the forward's order.
  for (unsigned i = 0; i < constants.size(); ++i)
    for (Value v : constants[i]->getOperands())
      if (Operation *d = v.getDefiningOp(); d && inForward.contains(d))
        constants.insert(d);
  SmallVector<Operation *> rebuilt(constants.begin(), constants.end());
  llvm::sort(rebuilt,
             [](Operation *a, Operation *b) { return a->isBeforeInBlock(b); });
  result.numSaved = needed.size();

  // fn_fwd: (args) -> (results, saved...)
  SmallVector<Type> fwdResults(fn.getResultTypes());
  for (Value v : needed)
    fwdResults.push_back(v.getType());
  func::FuncOp fwd = newFunction(
      (fn.getSymName() + "_fwd").str(),
      FunctionType::get(ctx, fn.getArgumentTypes(), fwdResults), fn.getLoc());
  {
    Block *entry = &fwd.getBody().front();
    OpBuilder b = OpBuilder::atBlockEnd(entry);
    IRMapping map;
    map.map(block.getArguments().take_front(numArgs), entry->getArguments());
    for (Operation *op : fwdOps)
      b.clone(*op, map);
    SmallVector<Value> outs;
    for (Value r : forwardResults)
      outs.push_back(map.lookupOrDefault(r));
    for (Value v : needed)
      outs.push_back(map.lookupOrDefault(v));
    func::ReturnOp::create(b, fn.getLoc(), outs);
  }
  result.fwd = fwd;

  // fn_bwd: (args, saved..., result grads) -> arg grads
  SmallVector<Type> bwdArgs(fn.getArgumentTypes());
  for (Value v : needed)
    bwdArgs.push_back(v.getType());
  for (BlockArgument a : block.getArguments().drop_front(numArgs))
    bwdArgs.push_back(a.getType());
  func::FuncOp bwd = newFunction(
      (fn.getSymName() + "_bwd").str(),
      FunctionType::get(ctx, bwdArgs, combined.getResultTypes()), fn.getLoc());
  {
    Block *entry = &bwd.getBody().front();
    OpBuilder b = OpBuilder::atBlockEnd(entry);
    IRMapping map;
    map.map(block.getArguments().take_front(numArgs),
            entry->getArguments().take_front(numArgs));
    for (auto [i, v] : llvm::enumerate(needed))
      map.map(v, entry->getArgument(numArgs + i));
    map.map(block.getArguments().drop_front(numArgs),
            entry->getArguments().drop_front(numArgs + needed.size()));
    for (Operation *op : rebuilt)
      b.clone(*op, map);
    for (Operation *op : revOps)
      b.clone(*op, map);
  }
  result.bwd = bwd;
}


LogicalResult Autodiff::outlineLoop(Operation *loop, StringRef prefix,
                                    unsigned id) {
  LoopPlan plan;
  SmallVector<Region *> regions;
  SmallVector<std::string> names;
  ScheduleAttr schedule;
  if (auto hier = dyn_cast<HierLoopOp>(loop)) {
    regions = {&hier.getFast(), &hier.getSlow()};
    names = {"fast", "slow"};
    plan.t = hier.getT();
    plan.period = plan.t + 1;
    plan.total = hier.getNumSteps();
    schedule = hier.getSchedule();
    plan.window = schedule.gradientApplications(plan.total, 2);
    if (schedule.getGrad() == GradKind::slow_first) {
      SlowFirstSplit split =
          slowFirstSplit(schedule.getGradSteps(), hier.getN(), plan.t);
      plan.kindWindow = {split.fast, split.slow};
    }
    if ((plan.windowInput = hier.getWindow())) {
      plan.bound = schedule.getGradSteps();
      plan.least = schedule.getGrad() == GradKind::slow_first ? 2 : 1;
    }
  } else {
    auto flat = cast<LoopOp>(loop);
    regions = {&flat.getBody()};
    names = {"step"};
    plan.total = flat.getSteps();
    schedule = flat.getSchedule();
    plan.window = schedule.gradientApplications(plan.total, 1);
    plan.count = flat.getCount();
    if ((plan.windowInput = flat.getWindow()))
      plan.bound = schedule.getGradSteps();
  }
  plan.memory = schedule.getMemory();
  llvm::SetVector<Value> captured;
  for (Region *region : regions)
    getUsedValuesDefinedAbove(*region, captured);
  plan.captured = captured.takeVector();

  MLIRContext *ctx = module.getContext();
  TypeRange carried = loop->getResultTypes();
  SmallVector<Type> argTypes{IndexType::get(ctx)};
  llvm::append_range(argTypes, carried);
  for (Value v : plan.captured)
    argTypes.push_back(v.getType());
  for (auto [kind, region] : llvm::enumerate(regions)) {
    func::FuncOp step = newFunction(
        (prefix + "_loop" + Twine(id) + "_" + names[kind]).str(),
        FunctionType::get(ctx, argTypes, carried), loop->getLoc());
    Block *entry = &step.getBody().front();
    OpBuilder b = OpBuilder::atBlockEnd(entry);
    IRMapping map;
    Block &body = region->front();
    map.map(body.getArguments(),
            entry->getArguments().take_front(body.getNumArguments()));
    map.map(plan.captured,
            entry->getArguments().drop_front(1 + carried.size()));
    for (Operation &op : body.without_terminator())
      b.clone(op, map);
    SmallVector<Value> yields = llvm::map_to_vector(
        body.getTerminator()->getOperands(),
        [&](Value v) { return map.lookupOrDefault(v); });
    // A hierarchical loop's fast step writes the fast state; its slow step
    // the slow state and the accumulators.
    SmallVector<Value> outs(entry->getArguments().slice(1, carried.size()));
    unsigned first = regions.size() == 2 ? plan.steps.size() : 0;
    llvm::copy(yields, outs.begin() + first);
    func::ReturnOp::create(b, loop->getLoc(), outs);
    plan.steps.push_back(step);
  }
  if (plan.perKind()) // the applications from the first with gradient
    plan.window = plan.total - plan.start();
  plans[loop] = std::move(plan);
  return success();
}

LogicalResult Autodiff::differentiateEntry(func::FuncOp entry) {
  MLIRContext *ctx = module.getContext();
  if (entry.getNumResults() == 0 || !isFloatTensor(entry.getResultTypes()[0]) ||
      cast<RankedTensorType>(entry.getResultTypes()[0]).getRank() != 0)
    return entry.emitError("hrm-autodiff: the entry point '")
           << entry.getSymName() << "' must return a 0-d float loss first";

  // A working copy with the entry points it calls inlined.
  func::FuncOp work = entry.clone();
  module.getBody()->push_back(work);
  symbols.insert(work);
  for (bool changed = true; changed;) {
    changed = false;
    for (auto call : llvm::to_vector(work.getOps<func::CallOp>())) {
      func::FuncOp target = callee(call);
      if (!target || !target->hasAttr("hrm.entry"))
        continue;
      OpBuilder b(call);
      IRMapping map;
      Block &body = target.getBody().front();
      map.map(body.getArguments(), call.getOperands());
      for (Operation &op : body.without_terminator())
        b.clone(op, map);
      for (auto [r, v] : llvm::zip(call.getResults(),
                                   body.getTerminator()->getOperands()))
        r.replaceAllUsesWith(map.lookupOrDefault(v));
      call.erase();
      changed = true;
    }
  }
  unsigned id = 0;
  for (Operation &op : work.getBody().front())
    if (isa<HierLoopOp, LoopOp>(op))
      if (failed(outlineLoop(&op, entry.getSymName(), id++)))
        return failure();

  // <entry>_grad: (args) -> (loss, one gradient per trainable parameter
  // argument, the entry's other results): those (a segment's carried
  // states) are passed through, not differentiated. A frozen parameter's
  // gradient is never formed: canonicalization drops what would make it.
  SmallVector<unsigned> params;
  for (unsigned i = 0; i < entry.getNumArguments(); ++i)
    if (entry.getArgAttr(i, "hrm.param") && !entry.getArgAttr(i, "hrm.frozen"))
      params.push_back(i);
  SmallVector<Type> results{entry.getResultTypes()[0]};
  for (unsigned i : params)
    results.push_back(entry.getArgumentTypes()[i]);
  llvm::append_range(results, entry.getResultTypes().drop_front());
  func::FuncOp grad = newFunction(
      (entry.getSymName() + "_grad").str(),
      FunctionType::get(ctx, entry.getArgumentTypes(), results),
      entry.getLoc());
  grad.setPublic();
  grad->setAttr("hrm.entry", UnitAttr::get(ctx));
  grad->setAttr("llvm.emit_c_interface", UnitAttr::get(ctx));
  for (unsigned i = 0; i < entry.getNumArguments(); ++i)
    grad.setArgAttrs(i, entry.getArgAttrDict(i));
  grad.setResultAttr(0, "hrm.loss", UnitAttr::get(ctx));
  for (auto [k, i] : llvm::enumerate(params))
    grad.setResultAttr(k + 1, "hrm.grad", entry.getArgAttr(i, "hrm.param"));
  for (unsigned r = 1; r < entry.getNumResults(); ++r)
    grad.setResultAttrs(params.size() + r, entry.getResultAttrDict(r));

  Block *body = &grad.getBody().front();
  Block &source = work.getBody().front();
  OpBuilder b = OpBuilder::atBlockEnd(body);
  Sweep sweep(*this, b);
  sweep.primal.map(source.getArguments(), body->getArguments());
  if (failed(sweep.forward(source)))
    return failure();
  Value loss = source.getTerminator()->getOperand(0);
  auto lossType = cast<RankedTensorType>(loss.getType());
  Value one = arith::ConstantOp::create(
      b, entry.getLoc(), b.getFloatAttr(lossType.getElementType(), 1.0));
  Value seed = linalg::FillOp::create(
                   b, entry.getLoc(), ValueRange{one},
                   ValueRange{tensor::EmptyOp::create(
                       b, entry.getLoc(), ArrayRef<int64_t>{},
                       lossType.getElementType())})
                   .getResult(0);
  sweep.accumulate(loss, seed);
  if (failed(sweep.reverse(source)))
    return failure();
  SmallVector<Value> outs{sweep.primal.lookup(loss)};
  for (unsigned i : params) {
    Value g = sweep.gradOf(source.getArgument(i));
    outs.push_back(g ? g
                     : zerosOf(b, entry.getLoc(),
                               entry.getArgumentTypes()[i]));
  }
  for (Value r : source.getTerminator()->getOperands().drop_front())
    outs.push_back(sweep.primal.lookup(r));
  func::ReturnOp::create(b, entry.getLoc(), outs);
  work.erase();
  return success();
}

struct HrmAutodiffPass
    : public mlir::hrm::impl::HrmAutodiffBase<HrmAutodiffPass> {
  using Base::Base;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto entryFn = module.lookupSymbol<func::FuncOp>(entry);
    if (!entryFn || !entryFn->hasAttr("hrm.entry")) {
      module.emitError("hrm-autodiff: no entry point '")
          << entry << "' (run convert-hrm-to-func first)";
      return signalPassFailure();
    }
    // The stacks of a rolled window are built with static shapes.
    for (Type type : entryFn.getArgumentTypes())
      if (auto shaped = dyn_cast<ShapedType>(type);
          shaped && !shaped.hasStaticShape()) {
        entryFn.emitError("hrm-autodiff: the entry point '")
            << entry << "' has an argument of dynamic shape " << type
            << " (run hrm-specialize-shapes first)";
        return signalPassFailure();
      }
    Autodiff ad(module);
    if (failed(ad.differentiateEntry(entryFn)))
      return signalPassFailure();
    hrmc::remarkPassed(*this, "differentiate", entryFn)
        << remark::add("built {0}_grad", entry.getValue())
        << remark::metric("derivatives", ad.numDerivatives())
        << remark::metric("rolled-windows", ad.counts.rolledLoops)
        << remark::metric("stacks", ad.counts.stacks)
        << remark::metric("remade-norms", ad.counts.remade);
    // Derivative functions nothing calls (a _bwd under recompute, a _vjp
    // under keep).
    for (bool changed = true; changed;) {
      changed = false;
      for (auto fn : llvm::to_vector(module.getOps<func::FuncOp>()))
        if (fn.isPrivate() && SymbolTable::symbolKnownUseEmpty(fn, module)) {
          fn.erase();
          changed = true;
        }
    }
  }
};

} // namespace
