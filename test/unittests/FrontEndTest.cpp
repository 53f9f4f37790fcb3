//===- FrontEndTest.cpp - model descriptions and the IR builder -----------===//
#include "hrm/HrmOps.h"
#include "hrmc/FrontEnd/ModelBuilder.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "gtest/gtest.h"

#include <map>
#include <set>

using namespace hrmc;
using namespace mlir::hrm;

namespace {

const char *kTinyHRM = R"({
  "name": "tiny", "architecture": "hrm",
  "vocab_size": 16, "d_model": 8, "n_heads": 2, "max_seq_len": 4,
  "mlp_multiple_of": 8, "fast_layers": 1, "slow_layers": 2, "N": 3, "T": 4
})";

std::string errorOf(llvm::StringRef json) {
  llvm::Expected<ModelConfig> config = parseModelConfig(json, "m.json");
  if (config)
    return "";
  return llvm::toString(config.takeError());
}

/// The IR of the description `json` (null, and a test failure, if the
/// description is bad).
mlir::OwningOpRef<mlir::ModuleOp> importModel(llvm::StringRef json,
                                              mlir::MLIRContext &context) {
  llvm::Expected<ModelConfig> config = parseModelConfig(json, "m.json");
  if (!config) {
    ADD_FAILURE() << llvm::toString(config.takeError());
    return nullptr;
  }
  return buildModel(*config, context);
}

/// Calls `check` on each loop of type OpT in `module`; returns how many.
template <typename OpT>
int checkLoops(mlir::ModuleOp module, llvm::function_ref<void(OpT)> check) {
  int loops = 0;
  module->walk([&](OpT loop) {
    ++loops;
    check(loop);
  });
  return loops;
}

TEST(ModelConfig, DefaultsAndRequiredKeys) {
  llvm::Expected<ModelConfig> config = parseModelConfig(kTinyHRM, "m.json");
  ASSERT_TRUE(static_cast<bool>(config)) << llvm::toString(config.takeError());
  EXPECT_EQ(config->architecture, Architecture::HRM);
  EXPECT_EQ(config->n, 3);
  EXPECT_EQ(config->t, 4);
  EXPECT_EQ(config->slowLayers, 2);
  EXPECT_EQ(config->norm, NormPlacement::Pre);
  EXPECT_EQ(config->injection, Injection::Add);
  EXPECT_EQ(config->slowInit, StateInit::Embedding);
  EXPECT_EQ(config->schedule.unroll, UnrollKind::rolled);
  EXPECT_EQ(config->schedule.grad, GradKind::full);
  // SwiGLU: 4 * 8 * 2/3 = 21.3 -> 22, rounded up to a multiple of 8.
  EXPECT_EQ(config->mlpHidden(), 24);
}

TEST(ModelConfig, ErrorsNameTheKey) {
  EXPECT_EQ(errorOf(R"({"architecture": "hrm"})"),
            "m.json: key 'vocab_size': is required but missing");
  EXPECT_EQ(errorOf(R"({"architecture": "rnn"})"),
            "m.json: key 'architecture': unknown value \"rnn\", expected one "
            "of: hrm, transformer, universal, looped, fully_looped, "
            "recurrent_depth");
  std::string typo = kTinyHRM;
  typo.insert(1, "\"d_modle\": 8,");
  EXPECT_EQ(errorOf(typo),
            "m.json: key 'd_modle': unknown key for a 'hrm' description");
  std::string wrongType = kTinyHRM;
  wrongType.insert(1, "\"norm_eps\": \"small\",");
  EXPECT_EQ(errorOf(wrongType),
            "m.json: key 'norm_eps': expected a number, got \"small\"");
  std::string heads = kTinyHRM;
  heads.replace(heads.find("\"n_heads\": 2"), 12, "\"n_heads\": 3");
  EXPECT_EQ(errorOf(heads), "m.json: key 'n_heads': d_model = 8 is not "
                            "divisible by n_heads = 3");
  std::string negative = kTinyHRM;
  negative.replace(negative.find("\"N\": 3"), 6, "\"N\": -1");
  EXPECT_EQ(errorOf(negative), "m.json: key 'N': must be >= 1, got -1");
}

TEST(ModelConfig, ScheduleErrors) {
  std::string factor = kTinyHRM;
  factor.insert(1, R"j("schedule": {"unroll": "factor(6)"},)j");
  EXPECT_EQ(errorOf(factor),
            "m.json: key 'schedule': unroll factor 6 is not a multiple of "
            "T = 4 (an unrolled step must hold whole slow cycles)");
  std::string window = kTinyHRM;
  window.insert(1, R"j("schedule": {"grad": "truncated(16)"},)j");
  EXPECT_EQ(errorOf(window), "m.json: key 'schedule': truncated gradient "
                             "window 16 exceeds the 15 module applications "
                             "of the loop");
  std::string slowFirstFactor = kTinyHRM;
  slowFirstFactor.insert(
      1, R"j("schedule": {"grad": "slow_first(3)", "unroll": "factor(4)"},)j");
  EXPECT_EQ(errorOf(slowFirstFactor), "");
  std::string slowFirstOne = kTinyHRM;
  slowFirstOne.insert(1, R"j("schedule": {"grad": "slow_first(1)"},)j");
  EXPECT_NE(errorOf(slowFirstOne).find("slow_first(k) with k >= 2"),
            std::string::npos);
  const char *looped = R"j({"architecture": "looped", "vocab_size": 16,
    "d_model": 8, "n_heads": 2, "max_seq_len": 4, "n_layers": 1, "loops": 3,
    "schedule": {"grad": "slow_first(2)"}})j";
  EXPECT_EQ(errorOf(looped),
            "m.json: key 'schedule': grad = slow_first(k) chooses between the "
            "slow and the fast module of an hrm model; use truncated(k)");
  std::string unknown = kTinyHRM;
  unknown.insert(1, R"("schedule": {"grad": "sometimes"},)");
  EXPECT_NE(errorOf(unknown).find("key 'schedule.grad': unknown value"),
            std::string::npos);
}

TEST(ModelConfig, TrainTripCount) {
  std::string looped = R"j({"name": "l", "architecture": "looped",
      "n_layers": 1, "loops": 6, "vocab_size": 16, "d_model": 8,
      "n_heads": 2, "max_seq_len": 4,
      "schedule": {"grad": "truncated(2)"}, )j";
  auto with = [&](llvm::StringRef trip) {
    return looped + R"j("train_trip_count": )j" + trip.str() + "}";
  };
  llvm::Expected<ModelConfig> config =
      parseModelConfig(with(R"j({"distribution": "lognormal_poisson", "mean": 6,
               "max": 20})j"),
                       "m.json");
  ASSERT_TRUE(static_cast<bool>(config)) << llvm::toString(config.takeError());
  ASSERT_TRUE(config->trainTripCount.has_value());
  EXPECT_EQ(config->trainTripCount->kind,
            TripCountSampling::Kind::LogNormalPoisson);
  EXPECT_EQ(config->trainTripCount->mean, 6.0);
  EXPECT_EQ(config->trainTripCount->sigma, 0.5);
  EXPECT_EQ(config->trainTripCount->min, 1);
  EXPECT_EQ(config->trainTripCount->max, 20);

  EXPECT_EQ(errorOf(with(R"j({"distribution": "uniform", "min": 3})j")),
            "m.json: key 'train_trip_count.max': is required but missing");
  EXPECT_EQ(errorOf(with(R"j({"distribution": "uniform", "min": 5,
                             "max": 4})j")),
            "m.json: key 'train_trip_count.min': 5 exceeds max = 4");
  EXPECT_EQ(errorOf(with(R"j({"distribution": "lognormal_poisson",
                             "max": 4})j")),
            "m.json: key 'train_trip_count.mean': is required but missing");
  EXPECT_EQ(errorOf(with(R"j({"distribution": "uniform", "mean": 3,
                             "max": 4})j")),
            "m.json: key 'train_trip_count.mean': unknown key for "
            "train_trip_count (distribution, mean, sigma, min, max)");
  EXPECT_NE(errorOf(with(R"j({"distribution": "zipf", "max": 4})j"))
                .find("key 'train_trip_count.distribution': unknown value "
                      "\"zipf\""),
            std::string::npos);

  // The count is an input only where the loop stays rolled and the
  // backward's stacks have a bound.
  std::string full = with(R"j({"distribution": "uniform", "max": 4})j");
  full.replace(full.find("truncated(2)"), 12, "full");
  EXPECT_EQ(errorOf(full),
            "m.json: key 'train_trip_count': a sampled trip count needs a "
            "bounded gradient window (schedule.grad = \"truncated(k)\" or "
            "\"one_step\")");
  std::string unrolled = with(R"j({"distribution": "uniform", "max": 4})j");
  unrolled.replace(unrolled.find(R"j("grad")j"), 6,
                   R"j("unroll": "full", "grad")j");
  EXPECT_EQ(errorOf(unrolled),
            "m.json: key 'train_trip_count': a sampled trip count needs the "
            "loop kept rolled (schedule.unroll = \"rolled\")");
  // Universal transformers index step embeddings by the step: no sampling.
  EXPECT_EQ(errorOf(R"j({"architecture": "universal", "steps": 4,
      "vocab_size": 16, "d_model": 8, "n_heads": 2, "max_seq_len": 4,
      "train_trip_count": {"distribution": "uniform", "max": 4}})j"),
            "m.json: key 'train_trip_count': unknown key for a 'universal' "
            "description");
}

TEST(ModelConfig, GradWarmup) {
  auto with = [](llvm::StringRef schedule, llvm::StringRef warmup) {
    std::string text = kTinyHRM;
    text.insert(
        1, ("\"schedule\": " + schedule + ", \"grad_warmup\": " + warmup + ",")
               .str());
    return text;
  };
  llvm::Expected<ModelConfig> config =
      parseModelConfig(with(R"j({"grad": "slow_first(5)"})j",
                            R"j({"from": 2, "fraction": 0.2})j"),
                       "m.json");
  ASSERT_TRUE(static_cast<bool>(config)) << llvm::toString(config.takeError());
  ASSERT_TRUE(config->gradWarmup.has_value());
  EXPECT_EQ(config->gradWarmup->from, 2);
  EXPECT_DOUBLE_EQ(config->gradWarmup->fraction, 0.2);

  EXPECT_EQ(errorOf(with(R"j({"grad": "one_step"})j",
                         R"j({"from": 1, "fraction": 0.2})j")),
            "m.json: key 'grad_warmup': warming up the gradient window needs "
            "schedule.grad = \"truncated(k)\" or \"slow_first(k)\" (k: the "
            "window it reaches)");
  EXPECT_EQ(errorOf(with(R"j({"grad": "slow_first(5)"})j",
                         R"j({"from": 1, "fraction": 0.2})j")),
            "m.json: key 'grad_warmup.from': must be in [2, 5] (the "
            "schedule's k), got 1");
  EXPECT_EQ(errorOf(with(R"j({"grad": "truncated(4)"})j",
                         R"j({"from": 5, "fraction": 0.2})j")),
            "m.json: key 'grad_warmup.from': must be in [1, 4] (the "
            "schedule's k), got 5");
  EXPECT_EQ(errorOf(with(R"j({"grad": "truncated(4)", "unroll": "full"})j",
                         R"j({"from": 2, "fraction": 0.2})j")),
            "m.json: key 'grad_warmup': warming up the gradient window needs "
            "the loop kept rolled (schedule.unroll = \"rolled\")");
  EXPECT_EQ(errorOf(with(R"j({"grad": "truncated(4)"})j",
                         R"j({"from": 2, "fraction": 1.5})j")),
            "m.json: key 'grad_warmup.fraction': must be at most 1 (the "
            "whole run), got 1.50");
  EXPECT_EQ(errorOf(with(R"j({"grad": "truncated(4)"})j", R"j({"from": 2})j")),
            "m.json: key 'grad_warmup.fraction': is required but missing");
  EXPECT_EQ(errorOf(with(R"j({"grad": "truncated(4)"})j",
                         R"j({"from": 2, "fraction": 0.5, "to": 4})j")),
            "m.json: key 'grad_warmup.to': unknown key for grad_warmup (from, "
            "fraction)");
}

TEST(ModelConfig, FastInjection) {
  auto with = [](llvm::StringRef keys) {
    std::string text = kTinyHRM;
    text.insert(1, keys.str() + ",");
    return text;
  };
  llvm::Expected<ModelConfig> config = parseModelConfig(kTinyHRM, "m.json");
  ASSERT_TRUE(static_cast<bool>(config)) << llvm::toString(config.takeError());
  EXPECT_EQ(config->fastInjection, FastInjection::SlowAndInput);
  config = parseModelConfig(with(R"j("fast_injection": "slow")j"), "m.json");
  ASSERT_TRUE(static_cast<bool>(config)) << llvm::toString(config.takeError());
  EXPECT_EQ(config->fastInjection, FastInjection::Slow);

  EXPECT_EQ(errorOf(with(R"j("fast_injection": "input")j")),
            "m.json: key 'fast_injection': unknown value \"input\", expected "
            "one of: slow+input, slow");
  EXPECT_EQ(errorOf(with(R"j("fast_injection": "slow", "injection": "none")j")),
            "m.json: key 'fast_injection': chooses what injection adds or "
            "concatenates; injection = \"none\" injects nothing");
  // Neither the injection nor an initial state brings the tokens in.
  EXPECT_EQ(
      errorOf(with(R"j("fast_injection": "slow", "slow_init": "fixed")j")),
      "m.json: key 'fast_injection': the model would never read its "
      "tokens: the input enters through the fast module's injection "
      "(`slow+input`) or an initial state = \"embedding\"");
  EXPECT_EQ(
      errorOf(with(
          R"j("injection": "none", "slow_init": "zeros", "fast_init": "embedding")j")),
      "m.json: key 'injection': the model would never read its tokens: "
      "without injection the slow module, whose state makes the logits, sees "
      "only its initial state; set slow_init = \"embedding\"");
  config = parseModelConfig(
      with(
          R"j("fast_injection": "slow", "slow_init": "zeros", "fast_init": "embedding")j"),
      "m.json");
  EXPECT_TRUE(static_cast<bool>(config)) << llvm::toString(config.takeError());
  EXPECT_EQ(errorOf(R"({"name": "u", "architecture": "universal",
      "vocab_size": 16, "d_model": 8, "n_heads": 2, "max_seq_len": 4,
      "steps": 2, "fast_injection": "slow"})"),
            "m.json: key 'fast_injection': unknown key for a 'universal' "
            "description");
}

TEST(ModelBuilder, LossTapsSumEveryStepInTheLossEntry) {
  const char *looped = R"j({"name": "l", "architecture": "looped",
      "vocab_size": 16, "d_model": 8, "n_heads": 2, "max_seq_len": 4,
      "n_layers": 1, "loops": 4, "loss_taps": "every_step"})j";
  llvm::Expected<ModelConfig> config = parseModelConfig(looped, "m.json");
  ASSERT_TRUE(static_cast<bool>(config)) << llvm::toString(config.takeError());
  EXPECT_EQ(config->lossTaps, LossTaps::EveryStep);
  mlir::MLIRContext context;
  mlir::OwningOpRef<mlir::ModuleOp> module = importModel(looped, context);
  ASSERT_TRUE(module);
  // The logits entry's loop carries the state alone; the loss entry's
  // also carries the sum, one tap per step scaled by 1/4.
  int taps = 0;
  module->walk([&](CrossEntropyOp ce) {
    auto fn = ce->getParentOfType<mlir::func::FuncOp>();
    EXPECT_EQ(fn.getSymName(), "loss");
    if (ce.getAcc()) {
      ++taps;
      EXPECT_DOUBLE_EQ(ce.getScale().convertToDouble(), 0.25);
      EXPECT_TRUE(ce->getParentOfType<LoopOp>());
    }
  });
  EXPECT_EQ(taps, 1);
  std::map<std::string, unsigned> carried;
  module->walk([&](LoopOp loop) {
    carried[loop->getParentOfType<mlir::func::FuncOp>().getSymName().str()] =
        loop.getInits().size();
  });
  EXPECT_EQ(carried["logits"], 1u);
  EXPECT_EQ(carried["loss"], 2u);
  // One set of modules for both entries.
  int modules = 0;
  module->walk([&](ModuleDefOp) { ++modules; });
  EXPECT_EQ(modules, 1);

  std::string bad = looped;
  bad.replace(bad.find("every_step"), 10, "every_loop");
  EXPECT_EQ(errorOf(bad), "m.json: key 'loss_taps': unknown value "
                          "\"every_loop\", expected one of: last, "
                          "every_step");

  // Listed steps: 1-based in the description, 0-based on the op, and the
  // mean over them.
  std::string some = looped;
  some.replace(some.find("\"every_step\""), 12, "[2, 4]");
  mlir::OwningOpRef<mlir::ModuleOp> listed = importModel(some, context);
  ASSERT_TRUE(listed);
  int tapped = 0;
  listed->walk([&](CrossEntropyOp ce) {
    if (!ce.getAcc())
      return;
    ++tapped;
    EXPECT_DOUBLE_EQ(ce.getScale().convertToDouble(), 0.5);
    ASSERT_TRUE(ce.getTapSteps().has_value());
    EXPECT_EQ(llvm::to_vector(*ce.getTapSteps()),
              (llvm::SmallVector<int64_t>{1, 3}));
    auto step = llvm::dyn_cast<mlir::BlockArgument>(ce.getStep());
    ASSERT_TRUE(step);
    EXPECT_EQ(step.getArgNumber(), 0u); // the loop's step index
  });
  EXPECT_EQ(tapped, 1);

  // Weighted: the weights as given, the scale 1.
  std::string weighted = looped;
  weighted.replace(weighted.find("\"every_step\""), 12,
                   R"({"steps": [1, 4], "weights": [0.5, 2.0]})");
  llvm::Expected<ModelConfig> wc = parseModelConfig(weighted, "m.json");
  ASSERT_TRUE(static_cast<bool>(wc)) << llvm::toString(wc.takeError());
  EXPECT_EQ(wc->tapSteps, (std::vector<int64_t>{1, 4}));
  EXPECT_EQ(wc->tapWeights, (std::vector<double>{0.5, 2.0}));
  mlir::OwningOpRef<mlir::ModuleOp> wm = importModel(weighted, context);
  ASSERT_TRUE(wm);
  wm->walk([&](CrossEntropyOp ce) {
    if (!ce.getAcc())
      return;
    EXPECT_DOUBLE_EQ(ce.getScale().convertToDouble(), 1.0);
    ASSERT_TRUE(ce.getTapWeights().has_value());
    EXPECT_EQ(llvm::to_vector(*ce.getTapWeights()),
              (llvm::SmallVector<double>{0.5, 2.0}));
  });
}

TEST(ModelBuilder, WarmedUpGradWindowIsAnEntryInput) {
  std::string text = kTinyHRM;
  text.insert(1, R"j("schedule": {"grad": "truncated(6)"},
                     "grad_warmup": {"from": 2, "fraction": 0.25},)j");
  mlir::MLIRContext context;
  mlir::OwningOpRef<mlir::ModuleOp> module = importModel(text, context);
  ASSERT_TRUE(module);
  EXPECT_EQ(
      checkLoops<HierLoopOp>(
          *module, [](HierLoopOp loop) { EXPECT_TRUE(loop.getWindow()); }),
      1);
  module->walk([&](mlir::func::FuncOp fn) {
    if (fn.getSymName() != "logits" && fn.getSymName() != "loss")
      return;
    unsigned last = fn.getNumArguments() - 1;
    EXPECT_EQ(fn.getArgAttrOfType<mlir::StringAttr>(last, "hrm.name"),
              mlir::StringAttr::get(&context, "grad_window"));
    auto window =
        fn.getArgAttrOfType<mlir::DictionaryAttr>(last, "hrm.grad_window");
    ASSERT_TRUE(window);
    EXPECT_EQ(window.getAs<mlir::IntegerAttr>("default").getInt(), 6);
    EXPECT_EQ(window.getAs<mlir::IntegerAttr>("min").getInt(), 2);
    EXPECT_EQ(window.getAs<mlir::IntegerAttr>("max").getInt(), 6);
  });
}

TEST(ModelBuilder, FlatLoopsWarmTheirWindowUpToo) {
  const char *universal = R"j({"name": "u", "architecture": "universal",
      "vocab_size": 16, "d_model": 8, "n_heads": 2, "max_seq_len": 4,
      "steps": 4, "schedule": {"grad": "truncated(3)"},
      "grad_warmup": {"from": 1, "fraction": 0.5}})j";
  mlir::MLIRContext context;
  mlir::OwningOpRef<mlir::ModuleOp> module = importModel(universal, context);
  ASSERT_TRUE(module);
  EXPECT_EQ(checkLoops<LoopOp>(*module,
                               [](LoopOp loop) {
                                 EXPECT_TRUE(loop.getWindow());
                                 EXPECT_FALSE(loop.getCount());
                                 EXPECT_EQ(runTimeGradWindow(loop),
                                           loop.getWindow());
                               }),
            1);

  // A flat loop has no slow module to prefer, and a transformer no loop.
  std::string slowFirst = universal;
  slowFirst.replace(slowFirst.find("truncated(3)"), 12, "slow_first(3)");
  EXPECT_EQ(errorOf(slowFirst),
            "m.json: key 'schedule': grad = slow_first(k) chooses between "
            "the slow and the fast module of an hrm model; use truncated(k)");
  EXPECT_EQ(errorOf(R"({"name": "t", "architecture": "transformer",
      "vocab_size": 16, "d_model": 8, "n_heads": 2, "max_seq_len": 4,
      "n_layers": 2, "grad_warmup": {"from": 1, "fraction": 0.5}})"),
            "m.json: key 'grad_warmup': unknown key for a 'transformer' "
            "description");
}

TEST(ModelBuilder, SampledTripCountIsAnEntryInput) {
  mlir::MLIRContext context;
  mlir::OwningOpRef<mlir::ModuleOp> module = importModel(
      R"j({"architecture": "looped", "n_layers": 1, "loops": 6,
          "vocab_size": 16, "d_model": 8, "n_heads": 2, "max_seq_len": 4,
          "schedule": {"grad": "one_step"},
          "train_trip_count": {"distribution": "uniform", "min": 2,
                               "max": 9}})j",
      context);
  ASSERT_TRUE(module);
  EXPECT_EQ(checkLoops<LoopOp>(*module,
                               [](LoopOp loop) {
                                 EXPECT_TRUE(loop.getCount());
                                 EXPECT_EQ(loop.getSteps(), 6);
                               }),
            1);
  for (llvm::StringRef name : {"logits", "loss"}) {
    mlir::func::FuncOp fn;
    module->walk([&](mlir::func::FuncOp f) {
      if (f.getSymName() == name)
        fn = f;
    });
    ASSERT_TRUE(fn) << name.str();
    unsigned last = fn.getNumArguments() - 1;
    EXPECT_EQ(fn.getArgAttrOfType<mlir::StringAttr>(last, "hrm.name"),
              mlir::StringAttr::get(&context, "trip_count"));
    EXPECT_TRUE(fn.getArgAttr(last, "hrm.host"));
    auto trip =
        fn.getArgAttrOfType<mlir::DictionaryAttr>(last, "hrm.trip_count");
    ASSERT_TRUE(trip);
    EXPECT_EQ(trip.getAs<mlir::IntegerAttr>("default").getInt(), 6);
    EXPECT_EQ(trip.getAs<mlir::IntegerAttr>("min").getInt(), 2);
    EXPECT_EQ(trip.getAs<mlir::IntegerAttr>("max").getInt(), 9);
  }
}

TEST(ModelConfig, InvalidJSONAndMissingFile) {
  EXPECT_NE(errorOf("{\"architecture\": }").find("m.json: invalid JSON"),
            std::string::npos);
  llvm::Expected<ModelConfig> missing =
      loadModelConfig("/nonexistent/model.json");
  ASSERT_FALSE(static_cast<bool>(missing));
  EXPECT_NE(llvm::toString(missing.takeError())
                .find("/nonexistent/model.json: cannot read"),
            std::string::npos);
}

TEST(ModelBuilder, HRMSharesOneSetOfParameters) {
  llvm::Expected<ModelConfig> config = parseModelConfig(kTinyHRM, "m.json");
  ASSERT_TRUE(static_cast<bool>(config));
  mlir::MLIRContext context;
  mlir::OwningOpRef<mlir::ModuleOp> module = buildModel(*config, context);
  ASSERT_TRUE(module);

  ModelOp model = *module->getOps<ModelOp>().begin();
  std::set<std::string> names;
  for (ParamOp param : model.getBody().getOps<ParamOp>())
    EXPECT_TRUE(names.insert(param.getSymName().str()).second);
  // embed + lm_head + 3 blocks of (4 attention + 3 MLP) matrices.
  EXPECT_EQ(names.size(), 2u + 3 * 7);
  EXPECT_TRUE(names.count("slow.blocks.1.mlp.down"));
  // 16*8 (embed) + 8*16 (head) + 3 * (4*64 + 3*8*24).
  EXPECT_EQ(model.getParameterCount(), 128 + 128 + 3 * (256 + 576));

  int loops = 0;
  model.walk([&](HierLoopOp loop) {
    ++loops;
    EXPECT_EQ(loop.getNAttr().getInt(), 3);
    EXPECT_EQ(loop.getTAttr().getInt(), 4);
  });
  EXPECT_EQ(loops, 1);
  EXPECT_TRUE(model.lookupSymbol<mlir::func::FuncOp>("loss"));
  EXPECT_TRUE(model.lookupSymbol<ModuleDefOp>("fast"));
}

TEST(ModelBuilder, EveryArchitectureVerifies) {
  const char *bodies[] = {
      R"("architecture": "transformer", "n_layers": 3)",
      R"("architecture": "universal", "steps": 5)",
      R"("architecture": "looped", "n_layers": 2, "loops": 3)",
      R"("architecture": "fully_looped", "n_layers": 2, "loops": 3)",
      R"("architecture": "recurrent_depth", "prelude_layers": 1,
         "core_layers": 1, "coda_layers": 1, "steps": 4)",
      R"("architecture": "hrm", "fast_layers": 1, "slow_layers": 1, "N": 2,
         "T": 2, "injection": "concat_linear", "fast_init": "fixed",
         "norm": "sandwich", "norm_weight": true)"};
  for (const char *body : bodies) {
    std::string json = std::string("{") + body +
                       R"(, "vocab_size": 16, "d_model": 8, "n_heads": 2,
                          "max_seq_len": 4, "mlp_multiple_of": 8})";
    llvm::Expected<ModelConfig> config = parseModelConfig(json, "m.json");
    ASSERT_TRUE(static_cast<bool>(config))
        << body << ": " << llvm::toString(config.takeError());
    mlir::MLIRContext context;
    EXPECT_TRUE(buildModel(*config, context)) << body;
  }
}

TEST(ModelBuilder, TransformerTakesNoSchedule) {
  EXPECT_EQ(errorOf(R"({"architecture": "transformer", "n_layers": 2,
      "vocab_size": 16, "d_model": 8, "n_heads": 2, "max_seq_len": 4,
      "schedule": {"unroll": "full"}})"),
            "m.json: key 'schedule': unknown key for a 'transformer' "
            "description");
}

} // namespace

TEST(ModelConfig, ActDefaultsToTheUniversalTransformers) {
  const char *text = R"j({"name": "u", "architecture": "universal",
      "vocab_size": 16, "d_model": 8, "n_heads": 2, "max_seq_len": 4,
      "steps": 4, "act": {}})j";
  llvm::Expected<ModelConfig> config = parseModelConfig(text, "m.json");
  ASSERT_TRUE(static_cast<bool>(config)) << toString(config.takeError());
  ASSERT_TRUE(config->act.has_value());
  EXPECT_DOUBLE_EQ(config->act->threshold, 0.99);
  EXPECT_DOUBLE_EQ(config->act->ponderWeight, 0.01);
  EXPECT_DOUBLE_EQ(config->act->biasInit, 1.0);
}

TEST(ModelBuilder, ActCarriesItsBookkeepingThroughTheLoop) {
  const char *text = R"j({"name": "u", "architecture": "universal",
      "vocab_size": 16, "d_model": 8, "n_heads": 2, "max_seq_len": 4,
      "steps": 4, "act": {"threshold": 0.5}})j";
  mlir::MLIRContext context;
  mlir::OwningOpRef<mlir::ModuleOp> module = importModel(text, context);
  ASSERT_TRUE(module);
  // Two loops (logits and loss), each carrying the state, the output and
  // the three per-position tensors.
  EXPECT_EQ(
      checkLoops<LoopOp>(
          *module, [](LoopOp loop) { EXPECT_EQ(loop.getNumResults(), 5u); }),
      2);
  int updates = 0, costs = 0, ponderTimes = 0;
  module->walk([&](ActUpdateOp op) {
    ++updates;
    EXPECT_DOUBLE_EQ(op.getThreshold().convertToDouble(), 0.5);
  });
  // The loss adds the ponder cost; the mean ponder time (weight 1, added
  // to nothing) is an output of its own.
  module->walk([&](PonderCostOp op) {
    if (op.getAcc()) {
      ++costs;
      EXPECT_DOUBLE_EQ(op.getWeight().convertToDouble(), 0.01);
    } else {
      ++ponderTimes;
      EXPECT_DOUBLE_EQ(op.getWeight().convertToDouble(), 1.0);
    }
  });
  EXPECT_EQ(updates, 2);
  EXPECT_EQ(costs, 1);
  EXPECT_EQ(ponderTimes, 1);
  module->walk([&](mlir::func::FuncOp fn) {
    if (fn.getSymName() != "loss")
      return;
    ASSERT_EQ(fn.getNumResults(), 3u);
    EXPECT_EQ(fn.getResultAttrOfType<mlir::StringAttr>(1, "hrm.name"),
              mlir::StringAttr::get(&context, "lm_loss"));
    EXPECT_EQ(fn.getResultAttrOfType<mlir::StringAttr>(2, "hrm.name"),
              mlir::StringAttr::get(&context, "act.ponder"));
  });
}
