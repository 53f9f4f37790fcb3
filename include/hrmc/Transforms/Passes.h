//===- Passes.h - hrm passes ------------------------------------*- C++ -*-===//
#ifndef HRMC_TRANSFORMS_PASSES_H
#define HRMC_TRANSFORMS_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::hrm {

#define GEN_PASS_DECL
#include "hrmc/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "hrmc/Transforms/Passes.h.inc"

} // namespace mlir::hrm

#endif // HRMC_TRANSFORMS_PASSES_H
