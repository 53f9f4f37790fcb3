//===- hrm-opt.cpp - the hrm optimizer driver -----------------------------===//
//
// mlir-opt with the hrm dialect and passes registered beside every upstream
// dialect and pass the pipelines use.
//
//===----------------------------------------------------------------------===//
#include "hrm/HrmDialect.h"
#include "hrmc/Conversion/Passes.h"
#include "hrmc/Pipelines/Pipelines.h"
#include "hrmc/Transforms/Passes.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::registerAllPasses();
  mlir::hrm::registerHrmPasses();
  mlir::hrm::registerHrmConversionPasses();
  hrmc::registerHrmPipelines();

  mlir::DialectRegistry registry;
  registry.insert<mlir::hrm::HrmDialect>();
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  // gpu-module-to-binary translates kernels to LLVM IR inside the pipeline.
  mlir::registerAllToLLVMIRTranslations(registry);
  mlir::registerAllGPUToLLVMIRTranslations(registry);

  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "hrm optimizer driver\n", registry));
}
