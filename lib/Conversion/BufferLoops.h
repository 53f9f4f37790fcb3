//===- BufferLoops.h - helpers for passes that build loops on buffers -----===//
//
// Internal to lib/Conversion: hrm-accumulate-in-registers,
// hrm-fuse-row-consumers and hrm-matmul-to-mma-sync rewrite linalg ops on
// buffers into explicit loops.
//
//===----------------------------------------------------------------------===//
#ifndef HRMC_LIB_CONVERSION_BUFFERLOOPS_H
#define HRMC_LIB_CONVERSION_BUFFERLOOPS_H

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace mlir::hrm {

/// The buffer a chain of views is a view of.
inline Value rootBuffer(Value memref) {
  while (auto view = memref.getDefiningOp<ViewLikeOpInterface>())
    memref = view.getViewSource();
  return memref;
}

/// The indices `map` gives for the loop variables `ivs` (one per loop
/// dimension), folded where they are a plain loop variable or constant.
inline SmallVector<Value> applyIndexingMap(OpBuilder &b, Location loc,
                                           AffineMap map, ArrayRef<Value> ivs) {
  SmallVector<Value> result;
  for (unsigned i = 0; i < map.getNumResults(); ++i)
    result.push_back(getValueOrCreateConstantIndexOp(
        b, loc,
        affine::makeComposedFoldedAffineApply(
            b, loc, map.getSubMap({i}),
            llvm::to_vector_of<OpFoldResult>(ivs))));
  return result;
}

/// Clones the body of a linalg op at `b`'s insertion point, its block
/// arguments already in `mapping` and `linalg.index` d bound to `ivs[d]`;
/// returns the values it yields.
inline SmallVector<Value> inlineLinalgBody(OpBuilder &b, Block &body,
                                           IRMapping &mapping,
                                           ArrayRef<Value> ivs) {
  for (Operation &op : body.without_terminator()) {
    if (auto index = dyn_cast<linalg::IndexOp>(op)) {
      mapping.map(index.getResult(), ivs[index.getDim()]);
      continue;
    }
    b.clone(op, mapping);
  }
  return llvm::map_to_vector(body.getTerminator()->getOperands(), [&](Value v) {
    return mapping.lookupOrDefault(v);
  });
}

/// The fill of `op`'s init right before it, if nothing in between may touch
/// that buffer.
inline linalg::FillOp precedingFill(linalg::LinalgOp op) {
  Value init = op.getDpsInitOperand(0)->get();
  Value root = rootBuffer(init);
  for (Operation *prev = op->getPrevNode(); prev; prev = prev->getPrevNode()) {
    if (auto fill = dyn_cast<linalg::FillOp>(prev))
      if (fill.hasPureBufferSemantics() && fill.getOutputs()[0] == init)
        return fill;
    if (isPure(prev) && prev->getNumRegions() == 0)
      continue;
    for (Value operand : prev->getOperands())
      if (isa<BaseMemRefType>(operand.getType()) && rootBuffer(operand) == root)
        return {};
    // A linalg op on buffers touches its operands only; anything else with
    // effects might reach the buffer some other way.
    if (!isa<memref::AllocOp, memref::AllocaOp, linalg::LinalgOp>(prev))
      return {};
  }
  return {};
}

} // namespace mlir::hrm

#endif // HRMC_LIB_CONVERSION_BUFFERLOOPS_H
