//===- Passes.h - hrm conversion passes -------------------------*- C++ -*-===//
#ifndef HRMC_CONVERSION_PASSES_H
#define HRMC_CONVERSION_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::hrm {

#define GEN_PASS_DECL
#include "hrmc/Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "hrmc/Conversion/Passes.h.inc"

} // namespace mlir::hrm

#endif // HRMC_CONVERSION_PASSES_H
