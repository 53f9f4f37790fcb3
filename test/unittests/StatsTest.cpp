//===- StatsTest.cpp - parameter, FLOP and memory counts ------------------===//
#include "hrmc/Analysis/ModelStats.h"
#include "hrmc/FrontEnd/ModelBuilder.h"

#include "mlir/IR/MLIRContext.h"
#include "gtest/gtest.h"

using namespace hrmc;
using namespace mlir::hrm;

namespace {

ModelStats statsFor(const std::string &json, int64_t seqLen) {
  llvm::Expected<ModelConfig> config = parseModelConfig(json, "m.json");
  EXPECT_TRUE(static_cast<bool>(config));
  mlir::MLIRContext context;
  mlir::OwningOpRef<mlir::ModuleOp> module = buildModel(*config, context);
  ModelOp model = *module->getOps<ModelOp>().begin();
  mlir::FailureOr<ModelStats> stats = computeModelStats(model, seqLen, 1);
  EXPECT_TRUE(succeeded(stats));
  return *stats;
}

std::string hrm(int n, int t, const char *grad) {
  return std::string(R"({"architecture": "hrm", "vocab_size": 16,
      "d_model": 8, "n_heads": 2, "max_seq_len": 4, "mlp_multiple_of": 8,
      "fast_layers": 1, "slow_layers": 1, "N": )") +
         std::to_string(n) + ", \"T\": " + std::to_string(t) +
         R"(, "schedule": {"grad": ")" + grad + "\"}}";
}

TEST(ModelStats, HandCountedTinyHRM) {
  ModelStats s = statsFor(hrm(2, 2, "one_step"), 4);
  EXPECT_EQ(s.parameters, 1920);
  // Per block and sequence of 4: projections 4 * 2*8*8*4 = 2048, attention
  // 4*8*(4*5/2) = 320, SwiGLU 3 * 2*8*24*4 = 4608; 6 applications plus the
  // head 2*8*16*4 = 1024.
  EXPECT_DOUBLE_EQ(s.forwardFlops, 6 * 6976 + 1024);
  EXPECT_DOUBLE_EQ(s.own.applications, 6);
  EXPECT_DOUBLE_EQ(s.own.gradApplications, 2);
  // Backward: attention_grad and mlp_grad recompute their op (3 x its
  // forward), matmuls are 2 x: 3 * 6976 per block, 2 * 1024 for the head.
  EXPECT_DOUBLE_EQ(s.own.trainFlops, 42880 + 2 * 3 * 6976 + 2 * 1024);
  // Stored per token: the 3 norms' inputs (attention and the MLP read norm
  // outputs, made again in the backward) and 2 carried inputs of 8 per
  // application in the window, the head's input and the logits.
  EXPECT_DOUBLE_EQ(s.own.activationElems, 4 * (2 * (3 * 8 + 2 * 8) + 8 + 16));
}

TEST(ModelStats, OneStepMemoryIsFlatInNT) {
  double small = statsFor(hrm(2, 2, "one_step"), 4).own.activationElems;
  double large = statsFor(hrm(8, 8, "one_step"), 4).own.activationElems;
  EXPECT_DOUBLE_EQ(small, large);
  double fullSmall = statsFor(hrm(2, 2, "full"), 4).own.activationElems;
  double fullLarge = statsFor(hrm(8, 8, "full"), 4).own.activationElems;
  EXPECT_GT(fullLarge, fullSmall);
}

} // namespace
