//===- MergeGPUModules.cpp - one gpu.module for all kernels ---------------===//
#include "hrmc/Conversion/Passes.h"

#include "mlir/IR/SymbolTable.h"

namespace mlir::hrm {
#define GEN_PASS_DEF_HRMMERGEGPUMODULES
#include "hrmc/Conversion/Passes.h.inc"
} // namespace mlir::hrm

using namespace mlir;

namespace {

constexpr llvm::StringLiteral kMerged = "hrm_kernels";

struct HrmMergeGPUModulesPass
    : public mlir::hrm::impl::HrmMergeGPUModulesBase<HrmMergeGPUModulesPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto modules = llvm::to_vector(module.getOps<gpu::GPUModuleOp>());
    if (modules.empty())
      return;
    if (SymbolTable::lookupSymbolIn(module, kMerged)) {
      module.emitError() << "hrm-merge-gpu-modules: a symbol named '"
                         << kMerged << "' exists already";
      return signalPassFailure();
    }
    OpBuilder b(modules.front());
    auto merged = gpu::GPUModuleOp::create(b, modules.front().getLoc(), kMerged);
    SymbolTable mergedSymbols(merged);

    // Old (module, kernel) -> new kernel name.
    llvm::DenseMap<std::pair<StringAttr, StringAttr>, StringAttr> renamed;
    for (gpu::GPUModuleOp old : modules) {
      auto funcs = llvm::to_vector(old.getOps<gpu::GPUFuncOp>());
      for (Operation &op :
           llvm::make_early_inc_range(old.getBody()->without_terminator())) {
        auto func = dyn_cast<gpu::GPUFuncOp>(&op);
        if (!func) {
          op.emitError("hrm-merge-gpu-modules: only gpu.func ops can be "
                       "merged");
          return signalPassFailure();
        }
        std::string name = funcs.size() == 1
                               ? old.getSymName().str()
                               : (old.getSymName() + "_" + func.getName()).str();
        StringAttr oldName = func.getNameAttr();
        func.setName(name);
        func->moveBefore(merged.getBody(), merged.getBody()->end());
        // Module names are unique, so the new names are too.
        StringAttr newName = mergedSymbols.insert(func);
        renamed[{old.getSymNameAttr(), oldName}] = newName;
      }
    }

    WalkResult result = module.walk([&](gpu::LaunchFuncOp launch) {
      SymbolRefAttr kernel = launch.getKernel();
      auto it = renamed.find({kernel.getRootReference(),
                              kernel.getLeafReference()});
      if (it == renamed.end()) {
        launch.emitError("hrm-merge-gpu-modules: launches a kernel no "
                         "gpu.module defines");
        return WalkResult::interrupt();
      }
      launch.setKernelAttr(SymbolRefAttr::get(
          merged.getSymNameAttr(), {FlatSymbolRefAttr::get(it->second)}));
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      return signalPassFailure();
    for (gpu::GPUModuleOp old : modules)
      old.erase();
  }
};

} // namespace
