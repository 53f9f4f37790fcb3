//===- StridedCopyToLinalg.cpp - strided memref.copy -> linalg.copy -------===//
#include "hrmc/Conversion/Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::hrm {
#define GEN_PASS_DEF_HRMSTRIDEDCOPYTOLINALG
#include "hrmc/Conversion/Passes.h.inc"
} // namespace mlir::hrm

using namespace mlir;

namespace {

bool isContiguous(Value v) {
  auto type = cast<MemRefType>(v.getType());
  return type.getLayout().isIdentity();
}

struct HrmStridedCopyToLinalgPass
    : public mlir::hrm::impl::HrmStridedCopyToLinalgBase<
          HrmStridedCopyToLinalgPass> {
  using Base::Base;
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    getOperation()->walk([&](memref::CopyOp copy) {
      if (!contiguous && isContiguous(copy.getSource()) &&
          isContiguous(copy.getTarget()))
        return;
      rewriter.setInsertionPoint(copy);
      rewriter.replaceOpWithNewOp<linalg::CopyOp>(copy, copy.getSource(),
                                                  copy.getTarget());
    });
  }
};

} // namespace
