//===- AlignWorkgroupBuffers.cpp - shared memory aligned for vectors -----===//
//
// convert-gpu-to-nvvm gives a workgroup attribution's global the alignment
// of its `llvm.align` attribute, else its element's: a bf16 tile would be
// 2-byte aligned, and its 16-byte stores and cp.async (or 4-byte pair
// loads) would fault wherever ptxas placed it.
//
//===----------------------------------------------------------------------===//
#include "hrmc/Conversion/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

namespace mlir::hrm {
#define GEN_PASS_DEF_HRMALIGNWORKGROUPBUFFERS
#include "hrmc/Conversion/Passes.h.inc"
} // namespace mlir::hrm

using namespace mlir;

namespace {

struct HrmAlignWorkgroupBuffersPass
    : public mlir::hrm::impl::HrmAlignWorkgroupBuffersBase<
          HrmAlignWorkgroupBuffersPass> {
  using Base::Base;

  void runOnOperation() override {
    if (alignment <= 0 || !llvm::isPowerOf2_64(alignment)) {
      getOperation()->emitError()
          << "hrm-align-workgroup-buffers: alignment must be a power of two, "
             "not "
          << static_cast<int64_t>(alignment);
      return signalPassFailure();
    }
    StringRef name = LLVM::LLVMDialect::getAlignAttrName();
    getOperation()->walk([&](gpu::GPUFuncOp func) {
      Builder b(func);
      for (unsigned i = 0, e = func.getNumWorkgroupAttributions(); i < e; ++i) {
        auto current = dyn_cast_or_null<IntegerAttr>(
            func.getWorkgroupAttributionAttr(i, name));
        if (current && current.getInt() >= alignment)
          continue;
        func.setWorkgroupAttributionAttr(i, b.getStringAttr(name),
                                         b.getI64IntegerAttr(alignment));
      }
    });
  }
};

} // namespace
