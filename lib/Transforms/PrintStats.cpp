//===- PrintStats.cpp - print model counts --------------------------------===//
#include "hrmc/Analysis/ModelStats.h"
#include "hrmc/Transforms/Passes.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

namespace mlir::hrm {
#define GEN_PASS_DEF_HRMPRINTSTATS
#include "hrmc/Transforms/Passes.h.inc"
} // namespace mlir::hrm

using namespace mlir;
using namespace mlir::hrm;

namespace {
struct HrmPrintStatsPass
    : public mlir::hrm::impl::HrmPrintStatsBase<HrmPrintStatsPass> {
  using Base::Base;

  void runOnOperation() override {
    WalkResult result = getOperation()->walk([&](ModelOp model) {
      FailureOr<hrmc::ModelStats> stats =
          hrmc::computeModelStats(model, seqLen, batch);
      if (failed(stats))
        return WalkResult::interrupt();
      if (json)
        llvm::outs() << llvm::formatv("{0:2}", stats->toJSON()) << "\n";
      else
        stats->print(llvm::outs());
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      signalPassFailure();
    markAllAnalysesPreserved();
  }
};
} // namespace
