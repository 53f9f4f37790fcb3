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
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace mlir::hrm {

/// The buffer a chain of views is a view of. memref.transpose is a view
/// too, though not a ViewLikeOpInterface.
inline Value rootBuffer(Value memref) {
  while (true) {
    if (auto view = memref.getDefiningOp<ViewLikeOpInterface>())
      memref = view.getViewSource();
    else if (auto transpose = memref.getDefiningOp<memref::TransposeOp>())
      memref = transpose.getIn();
    else
      return memref;
  }
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

/// Marks a kernel (gpu.launch, or its host emulation) whose only writes,
/// besides its own shared memory or scratch buffers, are stores into one
/// buffer, each element exactly once: hrm-matmul-to-mma-sync and
/// hrm-matmul-to-wgmma set it, hrm-fuse-epilogues relies on it.
inline constexpr llvm::StringLiteral kStoresEachElementOnce =
    "hrm.stores_each_element_once";

/// Marks fusedAttention's loop nest (a parallel loop over (head, query)
/// around a sequential loop over the keys), for hrm-tile-attention-keys.
inline constexpr llvm::StringLiteral kFusedAttention = "hrm.fused_attention";
/// The (heads, queries) of a kFusedAttention nest: two loops from 0 by 1 to
/// constants, no results; nullopt for anything else.
inline std::optional<std::pair<int64_t, int64_t>>
fusedAttentionRows(scf::ParallelOp rows) {
  if (!rows->hasAttr(kFusedAttention) || rows.getNumLoops() != 2 ||
      rows.getNumResults() != 0)
    return std::nullopt;
  for (auto [lb, ub, step] :
       llvm::zip(rows.getLowerBound(), rows.getUpperBound(), rows.getStep()))
    if (!isConstantIntValue(lb, 0) || !isConstantIntValue(step, 1) ||
        !getConstantIntValue(ub))
      return std::nullopt;
  return std::make_pair(*getConstantIntValue(rows.getUpperBound()[0]),
                        *getConstantIntValue(rows.getUpperBound()[1]));
}

/// The nest's mask (an hrm::MaskKindAttr) and prefix length (i64), for
/// hrm-attention-to-mma-sync.
inline constexpr llvm::StringLiteral kAttentionMask = "hrm.mask";
inline constexpr llvm::StringLiteral kAttentionPrefix = "hrm.prefix_len";

/// The store that ends `loop` if `loop` is as hrm-accumulate-in-registers
/// builds it: from 0 by 1, its only write its last op, a store at exactly
/// its loop variables (so every element once).
inline memref::StoreOp finalStore(scf::ParallelOp loop) {
  if (!loop.getInitVals().empty())
    return {};
  for (auto [lb, step] : llvm::zip(loop.getLowerBound(), loop.getStep()))
    if (!isConstantIntValue(lb, 0) || !isConstantIntValue(step, 1))
      return {};
  Operation *terminator = loop.getBody()->getTerminator();
  auto store = dyn_cast_or_null<memref::StoreOp>(terminator->getPrevNode());
  if (!store || store.getIndices() != loop.getInductionVars())
    return {};
  WalkResult writes = loop.getBody()->walk([&](Operation *op) {
    if (op == store.getOperation() || isa<memref::LoadOp>(op) || isPure(op) ||
        isa<scf::ForOp, scf::YieldOp, scf::ReduceOp>(op))
      return WalkResult::advance();
    return WalkResult::interrupt();
  });
  return writes.wasInterrupted() ? memref::StoreOp() : store;
}

/// The static, all-parallel linalg.generic on buffers that follows `op`
/// with only pure ops and allocations between (so `op` may move down to
/// it); null if none.
inline linalg::GenericOp elementwiseConsumerAfter(Operation *op) {
  Operation *next = op->getNextNode();
  while (next && (isPure(next) || isa<memref::AllocOp>(next)) &&
         !isa<linalg::GenericOp>(next))
    next = next->getNextNode();
  auto generic = dyn_cast_or_null<linalg::GenericOp>(next);
  if (!generic || !generic.hasPureBufferSemantics() ||
      generic.getNumReductionLoops() != 0 || generic.hasDynamicShape())
    return {};
  return generic;
}

} // namespace mlir::hrm

#endif // HRMC_LIB_CONVERSION_BUFFERLOOPS_H
