//===- DistinctResults.cpp - copy tensors a function returns twice --------===//
#include "hrmc/Conversion/Passes.h"

#include "mlir/IR/PatternMatch.h"

namespace mlir::hrm {
#define GEN_PASS_DEF_HRMDISTINCTRESULTS
#include "hrmc/Conversion/Passes.h.inc"
} // namespace mlir::hrm

using namespace mlir;

namespace {

struct HrmDistinctResultsPass
    : public mlir::hrm::impl::HrmDistinctResultsBase<HrmDistinctResultsPass> {
  void runOnOperation() override {
    getOperation()->walk([](func::ReturnOp ret) {
      OpBuilder b(ret);
      DenseSet<Value> seen;
      for (OpOperand &operand : ret->getOpOperands()) {
        Value v = operand.get();
        auto type = dyn_cast<RankedTensorType>(v.getType());
        if (!type || seen.insert(v).second)
          continue;
        Value empty = tensor::EmptyOp::create(b, ret.getLoc(), type.getShape(),
                                              type.getElementType());
        operand.set(linalg::CopyOp::create(b, ret.getLoc(), v, empty)
                        .getResult(0));
      }
    });
  }
};

} // namespace
