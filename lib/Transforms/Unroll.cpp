//===- Unroll.cpp - unroll hrm loops by their schedules -------------------===//
#include "hrm/HrmOps.h"
#include "hrmc/Support/Remarks.h"
#include "hrmc/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"

namespace mlir::hrm {
#define GEN_PASS_DEF_HRMUNROLL
#include "hrmc/Transforms/Passes.h.inc"
} // namespace mlir::hrm

using namespace mlir;
using namespace mlir::hrm;

namespace {

/// Clones the body of a loop step at the builder's insertion point, with
/// the step index `step` and the carried values `carried`; returns what the
/// step yields. Applications inside get `memory` when it is given.
SmallVector<Value> cloneStep(OpBuilder &b, Region &region, Value step,
                             ValueRange carried, MemoryPolicyAttr memory) {
  Block &body = region.front();
  IRMapping map;
  map.map(body.getArgument(0), step);
  map.map(body.getArguments().drop_front(), carried);
  for (Operation &op : body.without_terminator()) {
    Operation *copy = b.clone(op, map);
    if (memory)
      copy->walk([&](ApplyOp apply) { apply.setMemoryAttr(memory); });
  }
  return llvm::map_to_vector(body.getTerminator()->getOperands(),
                             [&](Value v) { return map.lookupOrDefault(v); });
}

Value indexConstant(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantIndexOp::create(b, loc, value);
}

/// `base * scale + offset` on indices.
Value affineIndex(OpBuilder &b, Location loc, Value base, int64_t scale,
                  int64_t offset) {
  Value v = arith::MulIOp::create(b, loc, base, indexConstant(b, loc, scale));
  return arith::AddIOp::create(b, loc, v, indexConstant(b, loc, offset));
}

/// Runs `step(position)` over `total` applications, detaching every carried
/// value before the first of the last `window` ones.
template <typename StepFn>
SmallVector<Value> unrollWithWindow(OpBuilder &b, Location loc,
                                    SmallVector<Value> carried, int64_t total,
                                    int64_t window, ScheduleAttr schedule,
                                    StepFn step) {
  auto memory = MemoryPolicyAttr::get(b.getContext(), schedule.getMemory());
  for (int64_t p = 0; p < total; ++p) {
    bool inWindow = p >= total - window;
    if (window < total && p == total - window)
      for (Value &v : carried)
        v = DetachOp::create(b, loc, v);
    carried = step(p, carried, inWindow ? memory : MemoryPolicyAttr());
  }
  return carried;
}

/// One application of `loop`'s fast or slow region on its carried values
/// `s` (the fast and slow states, then the accumulators): the fast region
/// writes the fast state, the slow one the slow state and the
/// accumulators, detached when `detach` says so.
SmallVector<Value> applyRegion(OpBuilder &b, HierLoopOp loop, bool slow,
                               Value index, SmallVector<Value> s,
                               MemoryPolicyAttr memory, bool detach = false) {
  SmallVector<Value> out =
      cloneStep(b, slow ? loop.getSlow() : loop.getFast(), index, s, memory);
  for (auto [k, v] : llvm::enumerate(out))
    s[slow ? 1 + k : 0] =
        detach ? DetachOp::create(b, loop.getLoc(), v).getResult() : v;
  return s;
}

/// Under slow_first(k) every application outside the gradient's choice
/// runs with its result detached, wherever it falls; the state it leaves
/// unchanged is not detached.
SmallVector<Value> unrollSlowFirst(OpBuilder &b, HierLoopOp loop,
                                   SmallVector<Value> states) {
  Location loc = loop.getLoc();
  int64_t n = loop.getNAttr().getInt(), t = loop.getTAttr().getInt();
  ScheduleAttr schedule = loop.getSchedule();
  SlowFirstSplit split = slowFirstSplit(schedule.getGradSteps(), n, t);
  auto memory = MemoryPolicyAttr::get(b.getContext(), schedule.getMemory());
  for (int64_t cycle = 0; cycle < n; ++cycle) {
    for (int64_t j = 0; j <= t; ++j) {
      bool slow = j == t;
      int64_t index = slow ? cycle : cycle * t + j;
      bool grad = split.hasGradient(slow, index, n, t);
      states = applyRegion(b, loop, slow, indexConstant(b, loc, index), states,
                           grad ? memory : MemoryPolicyAttr(), !grad);
    }
  }
  return states;
}

void unrollFully(HierLoopOp loop) {
  OpBuilder b(loop);
  Location loc = loop.getLoc();
  int64_t t = loop.getTAttr().getInt();
  int64_t total = loop.getNumSteps();
  ScheduleAttr schedule = loop.getSchedule();
  SmallVector<Value> states = loop.getCarriedInits();
  if (schedule.getGrad() == GradKind::slow_first) {
    loop.replaceAllUsesWith(unrollSlowFirst(b, loop, states));
    loop.erase();
    return;
  }
  states = unrollWithWindow(
      b, loc, states, total, schedule.gradientApplications(total, 2), schedule,
      [&](int64_t p, SmallVector<Value> s, MemoryPolicyAttr memory) {
        int64_t cycle = p / (t + 1), j = p % (t + 1);
        return applyRegion(b, loop, j == t,
                           indexConstant(b, loc, j < t ? cycle * t + j : cycle),
                           s, memory);
      });
  loop.replaceAllUsesWith(states);
  loop.erase();
}

void unrollFully(LoopOp loop) {
  OpBuilder b(loop);
  Location loc = loop.getLoc();
  int64_t steps = loop.getStepsAttr().getInt();
  ScheduleAttr schedule = loop.getSchedule();
  SmallVector<Value> carried = unrollWithWindow(
      b, loc, llvm::to_vector(loop.getInits()), steps,
      schedule.gradientApplications(steps, 1), schedule,
      [&](int64_t p, SmallVector<Value> c, MemoryPolicyAttr memory) {
        return cloneStep(b, loop.getBody(), indexConstant(b, loc, p), c,
                         memory);
      });
  loop.replaceAllUsesWith(carried);
  loop.erase();
}

/// A flat loop of `iterations` whose body `fill(builder, index, carried)`
/// builds, with the gradient schedule `grad` (a window of `gradSteps`
/// iterations for truncated) and the memory policy of `schedule`.
LoopOp rebuildAsLoop(
    OpBuilder &b, Location loc, ValueRange inits, int64_t iterations,
    ScheduleAttr schedule, GradKind grad, int64_t gradSteps,
    llvm::function_ref<SmallVector<Value>(Value, SmallVector<Value>)> fill) {
  auto rolled = ScheduleAttr::get(b.getContext(), UnrollKind::rolled, 0, grad,
                                  gradSteps, schedule.getMemory());
  auto loop = LoopOp::create(b, loc, inits.getTypes(), inits, /*count=*/Value(),
                             /*window=*/Value(),
                             b.getI64IntegerAttr(iterations), rolled);
  OpBuilder::InsertionGuard guard(b);
  SmallVector<Type> argTypes{b.getIndexType()};
  llvm::append_range(argTypes, inits.getTypes());
  Block *body = b.createBlock(&loop.getBody(), {}, argTypes,
                              SmallVector<Location>(argTypes.size(), loc));
  SmallVector<Value> carried(body->getArguments().drop_front());
  SmallVector<Value> out = fill(body->getArgument(0), carried);
  YieldOp::create(b, loc, out);
  return loop;
}

/// Emits application `j` of unrolled iteration `iter + first` (`iter` null:
/// iteration `first`), with memory policy `memory` when it is given.
using ApplyFn = llvm::function_ref<SmallVector<Value>(
    OpBuilder &b, Value iter, int64_t first, int64_t j,
    SmallVector<Value> carried, MemoryPolicyAttr memory)>;

/// Unrolls a loop of `iterations * per` applications into iterations of
/// `per`, keeping its gradient window (the last `window` applications)
/// where the schedule put it. A window that starts at an iteration boundary
/// is the flat loop's own window, counted in iterations. Otherwise the
/// iteration the window starts in is peeled: the iterations before it are
/// a loop whose results nothing differentiates, the peeled iteration is
/// straight-line code with an hrm.detach at the window start, and the
/// iterations after it a loop inside the window. Either way the code holds
/// at most two unrolled iterations, whatever the trip count.
SmallVector<Value> unrollByFactor(Operation *old, ValueRange inits,
                                  int64_t iterations, int64_t per,
                                  int64_t window, ScheduleAttr schedule,
                                  ApplyFn apply) {
  OpBuilder b(old);
  Location loc = old->getLoc();
  auto loopOver = [&](ValueRange from, int64_t first, int64_t count,
                      GradKind grad, int64_t gradSteps) {
    LoopOp loop = rebuildAsLoop(b, loc, from, count, schedule, grad, gradSteps,
                                [&](Value iter, SmallVector<Value> c) {
                                  for (int64_t j = 0; j < per; ++j)
                                    c = apply(b, iter, first, j, c, {});
                                  return c;
                                });
    return SmallVector<Value>(loop.getResults());
  };
  int64_t start = iterations * per - window;
  int64_t before = start / per, rest = start % per;
  if (rest == 0) {
    if (before == 0)
      return loopOver(inits, 0, iterations, GradKind::full, 0);
    return loopOver(inits, 0, iterations, GradKind::truncated,
                    iterations - before);
  }
  SmallVector<Value> carried(inits);
  // Its results reach the loss only through the detach below, so
  // hrm-autodiff keeps nothing of it whatever its schedule says.
  if (before > 0)
    carried = loopOver(carried, 0, before, GradKind::full, 0);
  carried = unrollWithWindow(
      b, loc, carried, per, per - rest, schedule,
      [&](int64_t j, SmallVector<Value> c, MemoryPolicyAttr memory) {
        return apply(b, {}, before, j, c, memory);
      });
  if (before + 1 < iterations)
    carried = loopOver(carried, before + 1, iterations - before - 1,
                       GradKind::full, 0);
  return carried;
}

/// The step index `iter * scale + offset`, a constant when `iter` is null.
Value stepIndex(OpBuilder &b, Location loc, Value iter, int64_t scale,
                int64_t offset) {
  if (!iter)
    return indexConstant(b, loc, offset);
  return affineIndex(b, loc, iter, scale, offset);
}

/// Application `j` of iteration `iter + first` of a hierarchical loop
/// unrolled `cycles` cycles at a time (what it writes detached with
/// `detach`).
SmallVector<Value> applyHier(HierLoopOp loop, int64_t cycles, OpBuilder &b,
                             Value iter, int64_t first, int64_t j,
                             SmallVector<Value> s, MemoryPolicyAttr memory,
                             bool detach = false) {
  Location loc = loop.getLoc();
  int64_t t = loop.getTAttr().getInt();
  int64_t c = first * cycles + j / (t + 1), fast = j % (t + 1);
  Value index = fast < t ? stepIndex(b, loc, iter, cycles * t, c * t + fast)
                         : stepIndex(b, loc, iter, cycles, c);
  return applyRegion(b, loop, fast == t, index, s, memory, detach);
}

/// Under slow_first(k) whether an application has gradient follows a
/// pattern that changes at most four times over the iterations (none, the
/// iteration the first kind's choice starts in, applications of that kind
/// only, the iteration the other's starts in, all). Each run of iterations
/// with one pattern is a loop, or straight-line code when it is one
/// iteration, in which the applications without gradient have their result
/// detached; a run without any gradient has the loop's results detached
/// instead, so that hrm-autodiff stores nothing of it.
SmallVector<Value> unrollSlowFirstByFactor(HierLoopOp loop, int64_t cycles) {
  int64_t n = loop.getNAttr().getInt(), t = loop.getTAttr().getInt();
  int64_t per = cycles * (t + 1), iterations = n / cycles;
  ScheduleAttr schedule = loop.getSchedule();
  SlowFirstSplit split = slowFirstSplit(schedule.getGradSteps(), n, t);
  auto pattern = [&](int64_t iter) {
    SmallVector<bool> grad;
    for (int64_t j = 0; j < per; ++j) {
      int64_t c = iter * cycles + j / (t + 1), fast = j % (t + 1);
      bool slow = fast == t;
      grad.push_back(split.hasGradient(slow, slow ? c : c * t + fast, n, t));
    }
    return grad;
  };
  OpBuilder b(loop);
  Location loc = loop.getLoc();
  auto memory = MemoryPolicyAttr::get(b.getContext(), schedule.getMemory());
  // Application j of iteration `iter + first`, detached without gradient.
  auto apply = [&](Value iter, int64_t first, int64_t j, SmallVector<Value> s,
                   bool grad, MemoryPolicyAttr policy) {
    return applyHier(loop, cycles, b, iter, first, j, s,
                     grad ? policy : nullptr, /*detach=*/!grad);
  };
  SmallVector<Value> states = loop.getCarriedInits();
  for (int64_t first = 0; first < iterations;) {
    SmallVector<bool> grad = pattern(first);
    int64_t end = first + 1;
    while (end < iterations && pattern(end) == grad)
      ++end;
    bool none = llvm::none_of(grad, [](bool g) { return g; });
    if (end - first == 1) {
      for (int64_t j = 0; j < per; ++j)
        states = apply(Value(), first, j, states, grad[j], memory);
    } else {
      // Both states are written in every iteration, so detaching a run
      // without gradient at its end detaches each of its applications.
      LoopOp run = rebuildAsLoop(
          b, loc, states, end - first, schedule, GradKind::full, 0,
          [&](Value iter, SmallVector<Value> s) {
            for (int64_t j = 0; j < per; ++j)
              s = apply(iter, first, j, s, none || grad[j], nullptr);
            return s;
          });
      states = SmallVector<Value>(run.getResults());
      if (none)
        for (Value &v : states)
          v = DetachOp::create(b, loc, v);
    }
    first = end;
  }
  return states;
}

void unrollByFactor(HierLoopOp loop, int64_t k) {
  int64_t n = loop.getNAttr().getInt(), t = loop.getTAttr().getInt();
  int64_t cycles = k / t; // per iteration of the new loop
  int64_t per = cycles * (t + 1);
  ScheduleAttr schedule = loop.getSchedule();
  SmallVector<Value> results =
      schedule.getGrad() == GradKind::slow_first
          ? unrollSlowFirstByFactor(loop, cycles)
          : unrollByFactor(
                loop, loop.getCarriedInits(), n / cycles, per,
                schedule.gradientApplications(loop.getNumSteps(), 2), schedule,
                [&](OpBuilder &b, Value iter, int64_t first, int64_t j,
                    SmallVector<Value> s, MemoryPolicyAttr memory) {
                  return applyHier(loop, cycles, b, iter, first, j, s, memory);
                });
  loop.replaceAllUsesWith(results);
  loop.erase();
}

void unrollByFactor(LoopOp loop, int64_t k) {
  ScheduleAttr schedule = loop.getSchedule();
  int64_t steps = loop.getStepsAttr().getInt();
  SmallVector<Value> results =
      unrollByFactor(loop, loop.getInits(), steps / k, k,
                     schedule.gradientApplications(steps, 1), schedule,
                     [&](OpBuilder &b, Value iter, int64_t first, int64_t j,
                         SmallVector<Value> c, MemoryPolicyAttr memory) {
                       Value index =
                           stepIndex(b, loop.getLoc(), iter, k, first * k + j);
                       return cloneStep(b, loop.getBody(), index, c, memory);
                     });
  loop.replaceAllUsesWith(results);
  loop.erase();
}

struct HrmUnrollPass : public mlir::hrm::impl::HrmUnrollBase<HrmUnrollPass> {
  using Base::Base;

  void runOnOperation() override {
    std::optional<UnrollKind> forced;
    if (force == "full")
      forced = UnrollKind::full;
    else if (force == "rolled")
      forced = UnrollKind::rolled;
    else if (!force.empty()) {
      getOperation()->emitError()
          << "hrm-unroll: unknown force value '" << force
          << "', expected full or rolled";
      return signalPassFailure();
    }

    SmallVector<Operation *> loops;
    getOperation()->walk<WalkOrder::PostOrder>([&](Operation *op) {
      if (isa<HierLoopOp, LoopOp>(op))
        loops.push_back(op);
    });
    for (Operation *op : loops)
      if (failed(unroll(op, forced)))
        return signalPassFailure();
  }

  LogicalResult unroll(Operation *op, std::optional<UnrollKind> forced) {
    auto schedule = op->getAttrOfType<ScheduleAttr>("schedule");
    UnrollKind kind = forced.value_or(schedule.getUnroll());
    if (kind == UnrollKind::rolled) {
      hrmc::remarkAnalysis(*this, "unroll", op)
          << remark::add("kept rolled: the loop is compiled once, whatever "
                         "its trip count");
      return success();
    }
    if (auto loop = dyn_cast<LoopOp>(op); loop && loop.getCount())
      return loop.emitError("hrm-unroll: cannot unroll a loop whose trip "
                            "count is known only at run time");
    if (runTimeGradWindow(op))
      return op->emitError("hrm-unroll: cannot unroll a loop whose "
                           "gradient window is known only at run time");
    int64_t steps = isa<HierLoopOp>(op)
                        ? cast<HierLoopOp>(op).getNumSteps()
                        : cast<LoopOp>(op).getStepsAttr().getInt();
    if (kind == UnrollKind::full) {
      hrmc::remarkPassed(*this, "unroll", op)
          << remark::metric("unroll", "full")
          << remark::metric("bodies", steps);
      if (auto loop = dyn_cast<HierLoopOp>(op))
        unrollFully(loop);
      else
        unrollFully(cast<LoopOp>(op));
      return success();
    }
    hrmc::remarkPassed(*this, "unroll", op)
        << remark::metric("unroll", "factor")
        << remark::metric("factor", schedule.getUnrollFactor())
        << remark::metric("steps", steps);
    if (auto loop = dyn_cast<HierLoopOp>(op))
      unrollByFactor(loop, schedule.getUnrollFactor());
    else
      unrollByFactor(cast<LoopOp>(op), schedule.getUnrollFactor());
    return success();
  }
};

} // namespace
