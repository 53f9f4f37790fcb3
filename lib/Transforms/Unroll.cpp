//===- Unroll.cpp - unroll hrm loops by their schedules -------------------===//
#include "hrm/HrmOps.h"
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

void unrollFully(HierLoopOp loop) {
  OpBuilder b(loop);
  Location loc = loop.getLoc();
  int64_t t = loop.getTAttr().getInt();
  int64_t total = loop.getNumSteps();
  ScheduleAttr schedule = loop.getSchedule();
  SmallVector<Value> states{loop.getFastInit(), loop.getSlowInit()};
  states = unrollWithWindow(
      b, loc, states, total, schedule.gradientApplications(total, 2), schedule,
      [&](int64_t p, SmallVector<Value> s, MemoryPolicyAttr memory) {
        int64_t cycle = p / (t + 1), j = p % (t + 1);
        if (j < t) {
          s[0] = cloneStep(b, loop.getFast(),
                           indexConstant(b, loc, cycle * t + j), s, memory)[0];
        } else {
          s[1] = cloneStep(b, loop.getSlow(), indexConstant(b, loc, cycle), s,
                           memory)[0];
        }
        return s;
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
/// builds; its schedule keeps everything but the unroll kind, now rolled.
LoopOp rebuildAsLoop(
    OpBuilder &b, Operation *old, ValueRange inits, int64_t iterations,
    ScheduleAttr schedule,
    llvm::function_ref<SmallVector<Value>(Value, SmallVector<Value>)> fill) {
  Location loc = old->getLoc();
  auto rolled = ScheduleAttr::get(b.getContext(), UnrollKind::rolled, 0,
                                  schedule.getGrad(), schedule.getGradSteps(),
                                  schedule.getMemory());
  auto loop = LoopOp::create(b, loc, inits.getTypes(), inits,
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

void unrollByFactor(HierLoopOp loop, int64_t k) {
  int64_t n = loop.getNAttr().getInt(), t = loop.getTAttr().getInt();
  int64_t cycles = k / t; // per iteration of the new loop
  OpBuilder b(loop);
  Location loc = loop.getLoc();
  LoopOp flat = rebuildAsLoop(
      b, loop, {loop.getFastInit(), loop.getSlowInit()}, n / cycles,
      loop.getSchedule(), [&](Value iter, SmallVector<Value> s) {
        for (int64_t c = 0; c < cycles; ++c) {
          for (int64_t j = 0; j < t; ++j) {
            Value k = affineIndex(b, loc, iter, cycles * t, c * t + j);
            s[0] = cloneStep(b, loop.getFast(), k, s, {})[0];
          }
          Value i = affineIndex(b, loc, iter, cycles, c);
          s[1] = cloneStep(b, loop.getSlow(), i, s, {})[0];
        }
        return s;
      });
  loop.replaceAllUsesWith(flat.getResults());
  loop.erase();
}

void unrollByFactor(LoopOp loop, int64_t k) {
  OpBuilder b(loop);
  Location loc = loop.getLoc();
  LoopOp flat = rebuildAsLoop(
      b, loop, loop.getInits(), loop.getStepsAttr().getInt() / k,
      loop.getSchedule(), [&](Value iter, SmallVector<Value> c) {
        for (int64_t j = 0; j < k; ++j)
          c = cloneStep(b, loop.getBody(), affineIndex(b, loc, iter, k, j), c,
                        {});
        return c;
      });
  loop.replaceAllUsesWith(flat.getResults());
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
    if (kind == UnrollKind::rolled)
      return success();
    if (kind == UnrollKind::full) {
      if (auto loop = dyn_cast<HierLoopOp>(op))
        unrollFully(loop);
      else
        unrollFully(cast<LoopOp>(op));
      return success();
    }
    // Inside a partly unrolled body the gradient window would start in the
    // middle of an iteration; that needs peeling, which is not built yet.
    if (schedule.getGrad() != GradKind::full)
      return op->emitOpError()
             << "cannot unroll by factor(" << schedule.getUnrollFactor()
             << ") under a " << stringifyGradKind(schedule.getGrad())
             << " gradient schedule; unroll fully or keep the loop rolled";
    if (auto loop = dyn_cast<HierLoopOp>(op))
      unrollByFactor(loop, schedule.getUnrollFactor());
    else
      unrollByFactor(cast<LoopOp>(op), schedule.getUnrollFactor());
    return success();
  }
};

} // namespace
