//===- GuardLossTaps.cpp - a loss tap's head only where the step taps
//------===//
//
// A loss that taps listed steps weights the others' by 0, but their head (a
// matmul over the whole vocabulary) and its backward still ran. Here the
// head's ops move into an scf.if on the step.
//
//===----------------------------------------------------------------------===//
#include "Zeros.h"
#include "hrm/HrmOps.h"
#include "hrmc/Analysis/LossHead.h"
#include "hrmc/Support/Remarks.h"
#include "hrmc/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"

namespace mlir::hrm {
#define GEN_PASS_DEF_HRMGUARDLOSSTAPS
#include "hrmc/Transforms/Passes.h.inc"
} // namespace mlir::hrm

using namespace mlir;
using namespace mlir::hrm;

namespace {

/// Whether `step` taps: it is listed with a weight (if any) other than 0.
Value tapsAt(OpBuilder &b, Location loc, Value step, ArrayRef<int64_t> taps,
             std::optional<ArrayRef<double>> weights) {
  Value any;
  for (auto [n, tap] : llvm::enumerate(taps)) {
    if (weights && (*weights)[n] == 0)
      continue;
    Value is =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, step,
                              arith::ConstantIndexOp::create(b, loc, tap));
    any = any ? arith::OrIOp::create(b, loc, any, is).getResult() : is;
  }
  return any ? any : arith::ConstantIntOp::create(b, loc, b.getI1Type(), 0);
}

/// Replaces `ops` (in block order, all before `at`) by an scf.if on
/// `condition()` placed at `at`: the then branch clones them and yields
/// `yielded` (their values), the else branch yields `otherwise`; the uses of
/// `yielded` outside `ops` take the if's results.
void guard(
    OpBuilder &b, ArrayRef<Operation *> ops, Operation *at,
    llvm::function_ref<Value()> condition, ArrayRef<Value> yielded,
    llvm::function_ref<SmallVector<Value>(OpBuilder &, Location)> otherwise) {
  Location loc = at->getLoc();
  b.setInsertionPoint(at);
  Value cond = condition();
  auto ifOp = scf::IfOp::create(
      b, loc, cond,
      [&](OpBuilder &then, Location l) {
        IRMapping map;
        for (Operation *op : ops)
          then.clone(*op, map);
        SmallVector<Value> values;
        for (Value v : yielded)
          values.push_back(map.lookup(v));
        scf::YieldOp::create(then, l, values);
      },
      [&](OpBuilder &els, Location l) {
        scf::YieldOp::create(els, l, otherwise(els, l));
      });
  llvm::SmallPtrSet<Operation *, 8> moved(ops.begin(), ops.end());
  for (auto [old, result] : llvm::zip(yielded, ifOp.getResults()))
    Value(old).replaceUsesWithIf(result, [&](OpOperand &use) {
      return !moved.contains(use.getOwner()) &&
             use.getOwner()->getParentOp() != ifOp;
    });
  for (Operation *op : llvm::reverse(ops))
    op->erase();
}

/// Whether every value has a static shape (the else branch makes values
/// of their types; hrm-specialize-shapes runs first in every pipeline).
bool allStatic(ArrayRef<Value> values) {
  return llvm::all_of(values, [](Value v) {
    auto type = dyn_cast<RankedTensorType>(v.getType());
    return type && type.hasStaticShape();
  });
}

/// Returns how many ops moved under the if (0: none, the loss is left).
unsigned guardLoss(OpBuilder &b, CrossEntropyOp ce) {
  SmallVector<Operation *> ops = hrmc::lossHeadOf(ce);
  ops.push_back(ce);
  SmallVector<Value> yielded{ce.getResult()};
  for (Operation *op : ops)
    for (Value v : op->getResults())
      if (v != ce.getResult() &&
          llvm::any_of(v.getUsers(), [](Operation *user) {
            return user->hasTrait<OpTrait::IsTerminator>();
          }))
        yielded.push_back(v);
  if (!allStatic(yielded))
    return 0;
  auto cond = [&] {
    return tapsAt(b, ce.getLoc(), ce.getStep(), *ce.getTapSteps(),
                  ce.getTapWeights());
  };
  guard(b, ops, ce, cond, yielded, [&](OpBuilder &els, Location l) {
    SmallVector<Value> values;
    for (Value v : yielded) {
      if (v != ce.getResult())
        // Saved logits: their gradient, 0 at this step by a select (see
        // convert-hrm-to-linalg), reads nothing of them.
        values.push_back(tensor::EmptyOp::create(
            els, l, cast<RankedTensorType>(v.getType()).getShape(),
            cast<RankedTensorType>(v.getType()).getElementType()));
      else
        values.push_back(ce.getAcc() ? ce.getAcc()
                                     : zerosOf(els, l, v.getType()));
    }
    return values;
  });
  return ops.size();
}

/// Whether `op`'s results are 0 where the gradient it gets is: the head's
/// gradient ops, linear in that gradient.
bool zeroPreserving(Operation *op) {
  return isa<LinearGradOp, RMSNormGradOp>(op);
}

/// A sum of two values, one of which may be a guarded gradient.
std::optional<std::pair<Value, Value>> sumOperands(Operation *op) {
  if (auto add = dyn_cast<AddOp>(op))
    return std::make_pair(add.getLhs(), add.getRhs());
  if (auto add = dyn_cast<linalg::AddOp>(op);
      add && add.hasPureTensorSemantics())
    return std::make_pair(add.getInputs()[0], add.getInputs()[1]);
  return std::nullopt;
}

/// Returns how many ops moved under the if (0: none, the gradient is left).
unsigned guardGradient(OpBuilder &b, CrossEntropyGradOp grad) {
  Block *block = grad->getBlock();
  // The gradient ops the loss gradient flows into, and the sums that add
  // one of their results into another gradient.
  llvm::SetVector<Operation *> zeroAt;
  zeroAt.insert(grad);
  SmallVector<Operation *> sums;
  SmallVector<Operation *> worklist{grad.getOperation()};
  auto inZeroAt = [&](Value v) {
    Operation *def = v.getDefiningOp();
    return def && zeroAt.contains(def);
  };
  while (!worklist.empty()) {
    Operation *op = worklist.pop_back_val();
    for (Operation *user : op->getUsers()) {
      if (zeroAt.contains(user) || user->getBlock() != block)
        continue;
      std::optional<std::pair<Value, Value>> sum = sumOperands(user);
      bool both = sum && inZeroAt(sum->first) && inZeroAt(sum->second);
      if (sum && !both) {
        if (!llvm::is_contained(sums, user))
          sums.push_back(user);
        continue;
      }
      if (both || zeroPreserving(user)) {
        llvm::erase(sums, user);
        zeroAt.insert(user);
        worklist.push_back(user);
      }
    }
  }
  // The if goes right after the last gradient op. A sum moves into it if
  // its other operand is made before that point; the others keep their
  // place and, like every other use, get zeros where the step does not tap.
  auto before = [](Operation *x, Operation *y) {
    return x->isBeforeInBlock(y);
  };
  Operation *last = *llvm::max_element(zeroAt, before);
  llvm::erase_if(sums, [&](Operation *sum) {
    auto [lhs, rhs] = *sumOperands(sum);
    Operation *def = (inZeroAt(lhs) ? rhs : lhs).getDefiningOp();
    return def && def->getBlock() == block && !def->isBeforeInBlock(last);
  });
  SmallVector<Value> exits;
  for (Operation *op : zeroAt)
    for (Value v : op->getResults())
      if (llvm::any_of(v.getUsers(), [&](Operation *user) {
            return !zeroAt.contains(user) && !llvm::is_contained(sums, user);
          }))
        exits.push_back(v);
  SmallVector<Operation *> ops(zeroAt.begin(), zeroAt.end());
  llvm::append_range(ops, sums);
  // What makes the logits the gradient reads, where only moving ops read
  // it (hrm-autodiff makes a tapped loss's logits again in the backward,
  // and the final norm they read, which the head's gradient reads too):
  // only where the step taps too.
  llvm::SmallPtrSet<Operation *, 16> moving(ops.begin(), ops.end());
  SmallVector<Value> producers{grad.getLogits()};
  while (!producers.empty()) {
    Operation *def = producers.pop_back_val().getDefiningOp();
    if (!def || def->getBlock() != block || !isPure(def) ||
        def->getNumRegions() || moving.contains(def) ||
        !llvm::all_of(def->getUsers(),
                      [&](Operation *user) { return moving.contains(user); }))
      continue;
    moving.insert(def);
    ops.push_back(def);
    llvm::append_range(producers, def->getOperands());
  }
  llvm::sort(ops, before);
  // Nothing before that point may use what moves.
  llvm::SmallPtrSet<Operation *, 16> moved(ops.begin(), ops.end());
  for (Operation *op : ops)
    for (Operation *user : op->getUsers())
      if (!moved.contains(user) && user->getBlock() == block &&
          !last->isBeforeInBlock(user))
        return 0;
  SmallVector<Value> yielded;
  for (Operation *sum : sums)
    yielded.push_back(sum->getResult(0));
  llvm::append_range(yielded, exits);
  if (yielded.empty() || !allStatic(yielded))
    return 0;
  auto cond = [&] {
    return tapsAt(b, grad.getLoc(), grad.getStep(), *grad.getTapSteps(),
                  grad.getTapWeights());
  };
  // The if sits right after `last`.
  guard(b, ops, last->getNextNode(), cond, yielded,
        [&](OpBuilder &els, Location l) {
          SmallVector<Value> values;
          for (Operation *sum : sums) {
            auto [lhs, rhs] = *sumOperands(sum);
            values.push_back(inZeroAt(lhs) ? rhs : lhs);
          }
          for (Value v : exits)
            values.push_back(zerosOf(els, l, v.getType()));
          return values;
        });
  return ops.size();
}

struct HrmGuardLossTapsPass
    : public mlir::hrm::impl::HrmGuardLossTapsBase<HrmGuardLossTapsPass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<CrossEntropyOp> losses;
    SmallVector<CrossEntropyGradOp> grads;
    getOperation()->walk([&](Operation *op) {
      if (auto ce = dyn_cast<CrossEntropyOp>(op); ce && ce.getStep())
        losses.push_back(ce);
      if (auto g = dyn_cast<CrossEntropyGradOp>(op); g && g.getStep())
        grads.push_back(g);
    });
    OpBuilder b(&getContext());
    // `what` is the subject of "... at tapped steps".
    auto report = [&](const hrmc::RemarkSite &site, StringRef what,
                      unsigned moved) {
      if (moved)
        hrmc::remarkPassed(*this, "guard", site)
            << remark::add("{0} only at tapped steps", what)
            << remark::metric("ops-moved", moved);
      else
        hrmc::remarkMissed(*this, "guard", site)
            << remark::add("{0} at every step", what)
            << remark::reason("a value it makes has a dynamic shape or is "
                              "read before the guard");
    };
    for (CrossEntropyOp ce : losses) {
      hrmc::RemarkSite site(ce);
      report(site, "the loss and its head run", guardLoss(b, ce));
    }
    for (CrossEntropyGradOp g : grads) {
      hrmc::RemarkSite site(g);
      report(site, "the loss's gradient runs", guardGradient(b, g));
    }
  }
};

} // namespace
