//===- Zeros.h - a zero tensor of a given type
//-----------------------------===//
//
// Internal to lib/Transforms: the zeros hrm-autodiff and hrm-guard-loss-taps
// stand in for gradients that are not there.
//
//===----------------------------------------------------------------------===//
#ifndef HRMC_LIB_TRANSFORMS_ZEROS_H
#define HRMC_LIB_TRANSFORMS_ZEROS_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace mlir::hrm {

/// A float tensor of `type` (static shape) filled with 0.
inline Value zerosOf(OpBuilder &b, Location loc, Type type) {
  auto tensor = cast<RankedTensorType>(type);
  Value empty = tensor::EmptyOp::create(b, loc, tensor.getShape(),
                                        tensor.getElementType());
  Value zero = arith::ConstantOp::create(
      b, loc, b.getFloatAttr(tensor.getElementType(), 0.0));
  return linalg::FillOp::create(b, loc, ValueRange{zero}, ValueRange{empty})
      .getResult(0);
}

} // namespace mlir::hrm

#endif // HRMC_LIB_TRANSFORMS_ZEROS_H
