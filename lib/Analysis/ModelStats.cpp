//===- ModelStats.cpp - parameter, FLOP and memory counts -----------------===//
#include "hrmc/Analysis/ModelStats.h"
#include "hrmc/Analysis/GradientReach.h"
#include "hrmc/Analysis/LossHead.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/Support/Format.h"

#include <algorithm>

using namespace mlir;
using namespace mlir::hrm;
using hrmc::GradientPlan;
using hrmc::ModelStats;
using hrmc::PlanStats;

namespace {

/// Work and storage of a piece of IR, per sequence.
struct Cost {
  double fwd = 0, bwd = 0, recompute = 0;
  double kept = 0;     // activations stored for backward (keep)
  double boundary = 0; // step inputs stored under recompute
  double peak = 0;     // largest working set re-created under recompute
  double apps = 0, gradApps = 0;

  void add(const Cost &o) {
    fwd += o.fwd;
    bwd += o.bwd;
    recompute += o.recompute;
    kept += o.kept;
    boundary += o.boundary;
    peak = std::max(peak, o.peak);
    apps += o.apps;
    gradApps += o.gradApps;
  }
  double stored() const { return kept + boundary + peak; }
  double train() const { return fwd + bwd + recompute; }
};

class CostModel {
public:
  CostModel(int64_t seqLen, std::optional<GradientPlan> plan)
      : s(double(seqLen)), plan(plan) {}

  /// `index` is the loop step (or cycle) the block runs at, if it is one:
  /// a loss tapping other steps skips its head there.
  Cost block(Block &block, bool grad, std::optional<MemoryPolicy> memory,
             std::optional<int64_t> index = std::nullopt);

private:
  Cost op(Operation *op, bool grad, std::optional<MemoryPolicy> memory);
  Cost leaf(Operation *op, bool grad);
  /// The operands the op's gradient op reads (hrm-autodiff stores them and
  /// the gradient op recomputes the op's internals from them).
  static SmallVector<Value> savedInputs(Operation *op);
  /// Whether the head's logits are made again in the backward: they feed a
  /// loss tapping listed steps.
  static bool remadeForTaps(LMHeadOp head) {
    return llvm::any_of(head->getUsers(), [](Operation *user) {
      auto ce = dyn_cast<CrossEntropyOp>(user);
      return ce && ce.getStep();
    });
  }
  template <typename Callable>
  Cost body(Callable callee, bool grad, std::optional<MemoryPolicy> memory) {
    return block(callee.getBody().front(), grad, memory);
  }
  /// Runs `step(p, inWindow)` over `total` applications, the last `g` of
  /// which carry gradient.
  Cost window(int64_t total, int64_t g,
              llvm::function_ref<Cost(int64_t, bool)> step) {
    Cost c;
    for (int64_t p = 0; p < total; ++p)
      c.add(step(p, p >= total - g));
    return c;
  }
  double tokens(Value v) {
    auto type = dyn_cast<RankedTensorType>(v.getType());
    if (!type || type.getRank() != 3)
      return 0;
    return s * double(type.getShape().back());
  }
  int64_t gradApplications(ScheduleAttr schedule, int64_t total,
                           int64_t distinct) {
    if (!plan)
      return schedule.gradientApplications(total, distinct);
    return mlir::hrm::gradientApplications(plan->grad, plan->gradSteps, total,
                                           distinct);
  }
  MemoryPolicy memoryOf(ScheduleAttr schedule) {
    return plan ? plan->memory : schedule.getMemory();
  }

  double s;
  std::optional<GradientPlan> plan;
  SymbolTableCollection symbols;
};

} // namespace

Cost CostModel::block(Block &block, bool grad,
                      std::optional<MemoryPolicy> memory,
                      std::optional<int64_t> index) {
  // With gradient, only ops whose results reach the block's results
  // without passing a detach take part in the backward pass.
  llvm::SmallPtrSet<Operation *, 32> reached;
  if (grad)
    reached = hrmc::opsReachingResults(block);
  // A loss tapping listed steps runs its head only at them
  // (hrm-guard-loss-taps).
  llvm::SmallPtrSet<Operation *, 8> untapped;
  if (index)
    for (auto ce : block.getOps<CrossEntropyOp>())
      if (!hrmc::lossTapsAt(ce, *index)) {
        untapped.insert(ce);
        for (Operation *head : hrmc::lossHeadOf(ce))
          untapped.insert(head);
      }
  // A value read by several gradient ops is stored once.
  llvm::SmallPtrSet<Value, 16> stored;
  Cost total;
  for (Operation &o : block.without_terminator()) {
    if (untapped.contains(&o))
      continue;
    bool g = grad && reached.contains(&o);
    total.add(op(&o, g, memory));
    if (g)
      for (Value v : savedInputs(&o))
        if (stored.insert(v).second)
          total.kept += tokens(v);
  }
  return total;
}

/// What a gradient op saves to read `v`: an RMSNorm's output is made again
/// in the backward from the norm's input (hrm-autodiff).
static Value savedFor(Value v) {
  if (auto norm = v.getDefiningOp<RMSNormOp>())
    return norm.getInput();
  return v;
}

SmallVector<Value> CostModel::savedInputs(Operation *o) {
  if (auto op = dyn_cast<LinearOp>(o))
    return {savedFor(op.getInput())};
  if (auto op = dyn_cast<AttentionOp>(o)) {
    SmallVector<Value> in{savedFor(op.getInput())};
    if (op.getQuery())
      in.push_back(savedFor(op.getQuery()));
    return in;
  }
  if (auto op = dyn_cast<MlpOp>(o))
    return {savedFor(op.getInput())};
  if (auto op = dyn_cast<RMSNormOp>(o))
    return {op.getInput()};
  if (auto op = dyn_cast<LMHeadOp>(o))
    return {savedFor(op.getInput())};
  if (auto op = dyn_cast<CrossEntropyOp>(o)) {
    if (op.getStep())
      return {};
    return {op.getLogits()};
  }
  if (auto op = dyn_cast<ActProbOp>(o))
    return {op.getState()};
  if (auto op = dyn_cast<ActUpdateOp>(o))
    return {op.getP(), op.getTransformed(), op.getAcc(), op.getHalting(),
            op.getRemainders()};
  return {};
}

Cost CostModel::op(Operation *o, bool grad,
                   std::optional<MemoryPolicy> memory) {
  if (auto apply = dyn_cast<ApplyOp>(o)) {
    auto callee = symbols.lookupNearestSymbolFrom<ModuleDefOp>(
        o, apply.getCalleeAttr());
    Cost inner = body(callee, grad, memory);
    Cost c = inner;
    c.apps += 1;
    c.gradApps += grad;
    MemoryPolicy policy = MemoryPolicy::keep;
    if (plan)
      policy = memory.value_or(MemoryPolicy::keep);
    else if (apply.getMemory())
      policy = *apply.getMemory();
    else if (memory)
      policy = *memory;
    if (!grad)
      return c;
    // Each application in the window stacks its inputs (the carried
    // states); keep also stacks what its gradient ops read, recompute
    // re-runs the application in the backward instead.
    double inputs = 0;
    for (Value in : apply.getInputs())
      inputs += tokens(in);
    if (policy == MemoryPolicy::recompute) {
      c.kept = 0;
      c.boundary = inputs;
      c.peak = inner.stored();
      c.recompute += inner.fwd;
    } else {
      c.boundary += inputs;
    }
    return c;
  }
  if (auto call = dyn_cast<func::CallOp>(o)) {
    auto callee = symbols.lookupNearestSymbolFrom<func::FuncOp>(
        o, call.getCalleeAttr());
    return body(callee, grad, memory);
  }
  if (auto loop = dyn_cast<HierLoopOp>(o)) {
    int64_t n = loop.getNAttr().getInt(), t = loop.getTAttr().getInt();
    int64_t total = n * t + n;
    int64_t g = grad ? gradApplications(loop.getSchedule(), total, 2) : 0;
    MemoryPolicy mem = memoryOf(loop.getSchedule());
    Cost fast[2] = {block(loop.getFast().front(), false, mem),
                    block(loop.getFast().front(), true, mem)};
    // A loss tap sits at a cycle's slow update.
    auto slow = [&](int64_t cycle, bool in) {
      return block(loop.getSlow().front(), in, mem, cycle);
    };
    ScheduleAttr schedule = loop.getSchedule();
    if (grad &&
        (plan ? plan->grad : schedule.getGrad()) == GradKind::slow_first) {
      SlowFirstSplit split = slowFirstSplit(
          plan ? plan->gradSteps : schedule.getGradSteps(), n, t);
      Cost c;
      for (int64_t cycle = 0; cycle < n; ++cycle) {
        for (int64_t j = 0; j < t; ++j)
          c.add(fast[split.hasGradient(false, cycle * t + j, n, t)]);
        c.add(slow(cycle, split.hasGradient(true, cycle, n, t)));
      }
      return c;
    }
    return window(total, g, [&](int64_t p, bool in) {
      return (p % (t + 1) == t) ? slow(p / (t + 1), in) : fast[in];
    });
  }
  if (auto loop = dyn_cast<LoopOp>(o)) {
    int64_t steps = loop.getStepsAttr().getInt();
    int64_t g = grad ? gradApplications(loop.getSchedule(), steps, 1) : 0;
    MemoryPolicy mem = memoryOf(loop.getSchedule());
    return window(steps, g, [&](int64_t p, bool in) {
      return block(loop.getBody().front(), in, mem, p);
    });
  }
  return leaf(o, grad);
}

Cost CostModel::leaf(Operation *o, bool grad) {
  auto dim = [](Value v, unsigned i) {
    return double(cast<RankedTensorType>(v.getType()).getShape()[i]);
  };
  // The backward of a matmul is two matmuls of its size; attention_grad
  // and mlp_grad first recompute the op's internals from its input.
  double fwd = 0, bwdFactor = 2, recompute = 0;
  if (auto op = dyn_cast<LinearOp>(o)) {
    fwd = 2 * dim(op.getWeight(), 0) * dim(op.getWeight(), 1) * s;
  } else if (auto op = dyn_cast<AttentionOp>(o)) {
    double d = dim(op.getWq(), 0);
    double pairs = s * s; // bidirectional
    if (op.getMask() == MaskKind::causal) {
      pairs = s * (s + 1) / 2;
    } else if (op.getMask() == MaskKind::prefix) {
      double p = std::min(s, double(op.getPrefixLenAttr().getInt()));
      pairs = p * p + s * (s + 1) / 2 - p * (p + 1) / 2;
    }
    // Four projections, then Q K^T and P V over the attended pairs.
    fwd = 8 * d * d * s + 4 * d * pairs;
    bwdFactor = 3;
  } else if (auto op = dyn_cast<MlpOp>(o)) {
    double d = dim(op.getUp(), 0), h = dim(op.getUp(), 1);
    fwd = (op.getKind() == MlpKind::swiglu ? 6 : 4) * d * h * s;
    bwdFactor = 3;
  } else if (auto op = dyn_cast<LMHeadOp>(o)) {
    fwd = 2 * tokens(op.getInput()) * tokens(op.getResult()) / s;
    if (grad && remadeForTaps(op))
      recompute = fwd;
  } else if (auto op = dyn_cast<ActProbOp>(o)) {
    fwd = 2 * dim(op.getWeight(), 0) * s; // a matrix-vector product
    bwdFactor = 3;                        // p recomputed
  }
  Cost c;
  c.fwd = fwd;
  c.recompute = recompute;
  if (grad)
    c.bwd = bwdFactor * fwd;
  return c;
}

std::string GradientPlan::name() const {
  std::string g = stringifyGradKind(grad).str();
  if (grad == GradKind::truncated || grad == GradKind::slow_first)
    g += "(" + std::to_string(gradSteps) + ")";
  return g + ", " + stringifyMemoryPolicy(memory).str();
}

static PlanStats evaluate(func::FuncOp entry, int64_t seqLen,
                          std::optional<GradientPlan> plan) {
  CostModel model(seqLen, plan);
  Cost c = model.block(entry.getBody().front(), /*grad=*/true,
                       plan ? std::optional(plan->memory) : std::nullopt);
  PlanStats stats;
  stats.plan = plan ? plan->name() : "own";
  stats.applications = c.apps;
  stats.gradApplications = c.gradApps;
  stats.trainFlops = c.train();
  stats.activationElems = c.stored();
  return stats;
}

FailureOr<ModelStats> hrmc::computeModelStats(ModelOp model, int64_t seqLen,
                                              int64_t batch, int64_t window) {
  auto entry = model.lookupSymbol<func::FuncOp>("loss");
  if (!entry)
    entry = model.lookupSymbol<func::FuncOp>("logits");
  if (!entry || entry.isExternal())
    return model.emitError() << "model '" << model.getSymName()
                             << "' has no @loss or @logits entry point";
  if (seqLen <= 0)
    seqLen = model.getMaxSeqLen().value_or(0);
  if (seqLen <= 0)
    return model.emitError()
           << "no sequence length: give one or set max_seq_len";

  ModelStats stats;
  stats.name = model.getSymName().str();
  stats.seqLen = seqLen;
  stats.batch = batch;
  stats.parameters = model.getParameterCount();
  for (ParamOp param : model.getBody().getOps<ParamOp>()) {
    stats.parameterBytes += param.getTensorType().getNumElements() *
                            param.getTensorType().getElementTypeBitWidth() / 8;
    if (param.getFrozen())
      stats.frozenParameters += param.getTensorType().getNumElements();
  }
  std::vector<std::string> schedules;
  model.walk([&](Operation *op) {
    ScheduleAttr schedule;
    if (auto loop = dyn_cast<HierLoopOp>(op))
      schedule = loop.getSchedule();
    else if (auto loop = dyn_cast<LoopOp>(op))
      schedule = loop.getSchedule();
    if (!schedule)
      return;
    std::string text;
    llvm::raw_string_ostream os(text);
    os << schedule;
    // The counts below are at the nominal count; training samples others.
    if (auto loop = dyn_cast<LoopOp>(op); loop && loop.getCount())
      os << " (trip count set at run time; counted at its nominal "
         << loop.getSteps() << ")";
    if (runTimeGradWindow(op))
      os << " (gradient window set at run time; counted at its bound "
         << schedule.getGradSteps() << ")";
    // The loss entry of a model with loss taps has its own copy of the loop.
    if (!llvm::is_contained(schedules, text))
      schedules.push_back(text);
  });
  stats.schedule = schedules.empty() ? "none (no loop)"
                                     : llvm::join(schedules, "; ");

  stats.own = evaluate(entry, seqLen, std::nullopt);
  stats.forwardFlops =
      CostModel(seqLen, std::nullopt)
          .block(entry.getBody().front(), /*grad=*/false, std::nullopt)
          .fwd;
  SmallVector<std::pair<GradKind, int64_t>> grads{
      {GradKind::full, 0}, {GradKind::truncated, window}};
  // HRM-Text's choice of k applications needs a slow module to prefer.
  bool hier = false;
  model.walk([&](HierLoopOp) { hier = true; });
  if (hier && window >= 2)
    grads.push_back({GradKind::slow_first, window});
  grads.push_back({GradKind::one_step, 0});
  for (auto [grad, steps] : grads)
    for (MemoryPolicy memory : {MemoryPolicy::keep, MemoryPolicy::recompute})
      stats.plans.push_back(
          evaluate(entry, seqLen, GradientPlan{grad, steps, memory}));
  return stats;
}

/// Whole numbers exactly, others to two decimals.
static std::string num(double v) {
  if (v == double(int64_t(v)))
    return std::to_string(int64_t(v));
  std::string text;
  llvm::raw_string_ostream(text) << llvm::format("%.2f", v);
  return text;
}

void ModelStats::print(llvm::raw_ostream &os) const {
  auto bytesPerToken = [&](const PlanStats &p) {
    return perToken(p.activationElems * activationBytes);
  };
  os << "model: " << name << "\n"
     << "parameters: " << parameters << " (" << parameterBytes << " bytes";
  if (frozenParameters)
    os << ", " << frozenParameters << " frozen";
  os << ")\n"
     << "sequence length: " << seqLen << ", batch: " << batch << "\n"
     << "schedule: " << schedule << "\n"
     << "forward FLOPs per token: " << num(perToken(forwardFlops)) << "\n"
     << "module applications: " << num(own.applications) << " ("
     << num(own.gradApplications) << " with gradient)\n"
     << "training FLOPs per token: " << num(perToken(own.trainFlops)) << "\n"
     << "activation memory: " << num(bytesPerToken(own)) << " bytes per token, "
     << num(own.activationElems * activationBytes * batch)
     << " bytes per batch\n"
     << "gradient plans (applications with gradient, training FLOPs per "
        "token, activation bytes per token):\n";
  for (const PlanStats &p : plans)
    os << "  " << llvm::left_justify(p.plan, 24) << " "
       << llvm::right_justify(num(p.gradApplications), 6) << " "
       << llvm::right_justify(num(perToken(p.trainFlops)), 16) << " "
       << llvm::right_justify(num(bytesPerToken(p)), 14) << "\n";
}

llvm::json::Value ModelStats::toJSON() const {
  llvm::json::Array planArray;
  auto planJSON = [&](const PlanStats &p) {
    return llvm::json::Object{
        {"plan", p.plan},
        {"applications", p.applications},
        {"grad_applications", p.gradApplications},
        {"train_flops_per_token", perToken(p.trainFlops)},
        {"activation_bytes_per_token",
         perToken(p.activationElems * activationBytes)},
        {"activation_bytes_per_batch",
         p.activationElems * activationBytes * batch}};
  };
  for (const PlanStats &p : plans)
    planArray.push_back(planJSON(p));
  return llvm::json::Object{{"model", name},
                            {"parameters", parameters},
                            {"parameter_bytes", parameterBytes},
                            {"frozen_parameters", frozenParameters},
                            {"seq_len", seqLen},
                            {"batch", batch},
                            {"schedule", schedule},
                            {"forward_flops_per_token", perToken(forwardFlops)},
                            {"own", planJSON(own)},
                            {"plans", std::move(planArray)}};
}
