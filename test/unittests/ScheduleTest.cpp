//===- ScheduleTest.cpp - the schedule attribute's C++ API ----------------===//
#include "hrm/HrmOps.h"

#include "mlir/IR/MLIRContext.h"
#include "gtest/gtest.h"

using namespace mlir;
using namespace mlir::hrm;

namespace {

ScheduleAttr schedule(MLIRContext &ctx, GradKind grad, int64_t k = 0) {
  return ScheduleAttr::get(&ctx, UnrollKind::rolled, 0, grad, k,
                           MemoryPolicy::keep);
}

TEST(Schedule, GradientApplications) {
  MLIRContext ctx;
  ctx.loadDialect<HrmDialect>();
  // HRM with N=2, T=3: 8 applications, 2 distinct modules.
  EXPECT_EQ(schedule(ctx, GradKind::full).gradientApplications(8, 2), 8);
  EXPECT_EQ(schedule(ctx, GradKind::one_step).gradientApplications(8, 2), 2);
  EXPECT_EQ(schedule(ctx, GradKind::truncated, 5).gradientApplications(8, 2),
            5);
  // A window wider than the loop covers the loop.
  EXPECT_EQ(schedule(ctx, GradKind::truncated, 9).gradientApplications(8, 2),
            8);
  // A flat loop has one module per step.
  EXPECT_EQ(schedule(ctx, GradKind::one_step).gradientApplications(12, 1), 1);
}

TEST(Schedule, SlowFirstSplit) {
  // N = 2, T = 3: slow applications first, at least one fast one.
  EXPECT_EQ(slowFirstSplit(2, 2, 3).slow, 1);
  EXPECT_EQ(slowFirstSplit(2, 2, 3).fast, 1);
  EXPECT_EQ(slowFirstSplit(3, 2, 3).slow, 2);
  EXPECT_EQ(slowFirstSplit(3, 2, 3).fast, 1);
  EXPECT_EQ(slowFirstSplit(5, 2, 3).slow, 2);
  EXPECT_EQ(slowFirstSplit(5, 2, 3).fast, 3);
  // k = N*T + N: every application.
  EXPECT_EQ(slowFirstSplit(8, 2, 3).fast, 6);
}

TEST(Schedule, DiagnoseLoop) {
  // factor(6) with T = 3 holds 2 cycles, which divide N = 4 ...
  EXPECT_EQ(diagnoseLoopSchedule(UnrollKind::factor, 6, GradKind::full, 0, 4,
                                 "N", 3, 16),
            "");
  // ... with T = 2 it holds 3, which do not.
  EXPECT_EQ(diagnoseLoopSchedule(UnrollKind::factor, 6, GradKind::full, 0, 4,
                                 "N", 2, 12),
            "unroll factor 6 does not divide N = 4");
  EXPECT_EQ(diagnoseLoopSchedule(UnrollKind::rolled, 0, GradKind::truncated,
                                 13, 12, "steps", 1, 12),
            "truncated gradient window 13 exceeds the 12 module applications "
            "of the loop");
}

TEST(Schedule, RoundTripsThroughText) {
  MLIRContext ctx;
  ctx.loadDialect<HrmDialect>();
  auto attr = ScheduleAttr::get(&ctx, UnrollKind::factor, 3,
                                GradKind::truncated, 4,
                                MemoryPolicy::recompute);
  std::string text;
  llvm::raw_string_ostream(text) << attr;
  EXPECT_EQ(text, "#hrm.schedule<unroll = factor(3), grad = truncated(4), "
                  "memory = recompute>");
  text.clear();
  llvm::raw_string_ostream(text) << ScheduleAttr::get(
      &ctx, UnrollKind::full, 0, GradKind::slow_first, 3, MemoryPolicy::keep);
  EXPECT_EQ(text, "#hrm.schedule<unroll = full, grad = slow_first(3), "
                  "memory = keep>");
}

} // namespace
