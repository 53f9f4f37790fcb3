//===- TrainingTest.cpp - AdamW, the token file and the plot --------------===//
#include "TempFiles.h"

#include "hrmrt/FileIO.h"
#include "hrmrt/Optimizer.h"
#include "hrmrt/Plot.h"
#include "hrmrt/TokenFile.h"

#include "gtest/gtest.h"

#include <cmath>

using namespace hrmrt;
using namespace hrmrt::testing;

TEST(LearningRate, WarmsUpLinearlyThenFollowsTheCosine) {
  AdamWConfig c;
  c.lr = 1.0, c.minLr = 0.1, c.warmup = 4, c.totalSteps = 14;
  EXPECT_DOUBLE_EQ(learningRate(c, 0), 0.25);
  EXPECT_DOUBLE_EQ(learningRate(c, 3), 1.0);
  EXPECT_DOUBLE_EQ(learningRate(c, 4), 1.0);
  EXPECT_NEAR(learningRate(c, 9), 0.55, 1e-12); // half way down
  EXPECT_NEAR(learningRate(c, 14), 0.1, 1e-12);
  EXPECT_NEAR(learningRate(c, 100), 0.1, 1e-12);
  c.cosine = false;
  EXPECT_DOUBLE_EQ(learningRate(c, 9), 1.0);
}

TEST(AdamW, FirstStepMovesEachWeightByTheLearningRate) {
  // After one step m/(1-b1) = g and v/(1-b2) = g^2: the update is lr*sign(g)
  // (plus decay on matrices only).
  AdamW opt({{"w", DType::F32, {2, 2}}, {"b", DType::F32, {2}}});
  AdamWConfig c;
  c.lr = 0.1, c.cosine = false, c.weightDecay = 0.5, c.clipNorm = 0, c.eps = 0;
  float w[4] = {1, 1, 1, 1}, b[2] = {1, 1};
  float gw[4] = {2, -3, 0.5f, -0.25f}, gb[2] = {4, -4};
  double norm = opt.step(c, {w, b}, {gw, gb});
  EXPECT_NEAR(norm, std::sqrt(4 + 9 + 0.25 + 0.0625 + 16 + 16), 1e-9);
  EXPECT_FLOAT_EQ(w[0], 1 - 0.1f * (1 + 0.5f));
  EXPECT_FLOAT_EQ(w[1], 1 - 0.1f * (-1 + 0.5f));
  EXPECT_FLOAT_EQ(b[0], 1 - 0.1f);
  EXPECT_FLOAT_EQ(b[1], 1 + 0.1f);
  EXPECT_EQ(opt.steps(), 1);
  EXPECT_EQ(opt.moments().size(), 4u);
  EXPECT_EQ(opt.moments()[0].spec.name, "adam.m.w");
}

TEST(AdamW, ClipsTheGlobalNorm) {
  AdamW opt({{"b", DType::F32, {2}}});
  AdamWConfig c;
  c.lr = 1.0, c.cosine = false, c.weightDecay = 0, c.clipNorm = 1.0, c.eps = 0;
  float b[2] = {0, 0}, g[2] = {30, 40};
  EXPECT_DOUBLE_EQ(opt.step(c, {b}, {g}), 50.0);
  // The first moment holds the clipped gradient: (1 - beta1) * (0.6, 0.8).
  EXPECT_NEAR(opt.moments()[0].as<float>()[0], 0.1 * 0.6, 1e-7);
  EXPECT_NEAR(opt.moments()[0].as<float>()[1], 0.1 * 0.8, 1e-7);
}

TEST(TokenFile, RoundTripsAndRejectsBadFiles) {
  std::string path = tempPath("tokens.bin");
  TokenFile file;
  file.vocabSize = 10;
  file.tokens = {1, 9, 0, 3};
  ASSERT_FALSE(static_cast<bool>(file.write(path)));
  llvm::Expected<TokenFile> back = TokenFile::read(path);
  ASSERT_TRUE(static_cast<bool>(back)) << llvm::toString(back.takeError());
  EXPECT_EQ(back->vocabSize, 10u);
  EXPECT_EQ(back->tokens, file.tokens);

  file.tokens.push_back(10); // outside the vocabulary
  ASSERT_FALSE(static_cast<bool>(file.write(path)));
  llvm::Expected<TokenFile> bad = TokenFile::read(path);
  ASSERT_FALSE(static_cast<bool>(bad));
  EXPECT_NE(llvm::toString(bad.takeError()).find("outside the vocabulary"),
            std::string::npos);

  writeFile(path, llvm::StringRef("HRMTOK1\n\x02\x00\x00\x00", 12));
  llvm::Expected<TokenFile> truncated = TokenFile::read(path);
  ASSERT_FALSE(static_cast<bool>(truncated));
  EXPECT_NE(llvm::toString(truncated.takeError()).find("not a token file"),
            std::string::npos);
}

TEST(Plot, WritesAPNG) {
  std::string path = tempPath("plot.png");
  Series s{"train", {0, 0, 255}, {{1, 3.0}, {2, 2.5}, {3, 2.0}}};
  ASSERT_FALSE(static_cast<bool>(writeLinePlot(path, {s}, 64, 48)));
  auto file = readFile(path);
  ASSERT_TRUE(static_cast<bool>(file));
  llvm::StringRef bytes = (*file)->getBuffer();
  ASSERT_GT(bytes.size(), 64u * 48u * 3u);
  EXPECT_EQ(bytes.substr(0, 8), llvm::StringRef("\x89PNG\r\n\x1a\n", 8));
  EXPECT_EQ(bytes.substr(12, 4), "IHDR");
  EXPECT_TRUE(bytes.ends_with(llvm::StringRef("IEND\xae\x42\x60\x82", 8)));
  EXPECT_TRUE(static_cast<bool>(writeLinePlot(path, {}, 64, 48)) );
}
