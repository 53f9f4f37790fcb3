//===- FuseEpilogues.cpp - an elementwise consumer in its producer's loop -===//
#include "BufferLoops.h"
#include "hrmc/Conversion/Passes.h"
#include "hrmc/Support/Remarks.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir::hrm {
#define GEN_PASS_DEF_HRMFUSEEPILOGUES
#include "hrmc/Conversion/Passes.h.inc"
} // namespace mlir::hrm

using namespace mlir;
using mlir::hrm::applyIndexingMap;
using mlir::hrm::rootBuffer;

namespace {

/// A consumer of the buffer `loop` stores into: the generic and its input
/// that reads the buffer (the buffer itself or an expand_shape of it).
struct Epilogue {
  linalg::GenericOp generic;
  OpOperand *input = nullptr;
};

/// The kernel a consumer can be fused into, and its stores into the
/// buffer the consumer reads: each element of it stored exactly once.
struct Producer {
  Operation *op = nullptr;
  SmallVector<memref::StoreOp> stores;
  Value buffer() const {
    return memref::StoreOp(stores.front()).getMemRef();
  }
};

/// Whether `loop` covers every element of the buffer it stores into.
bool coversBuffer(scf::ParallelOp loop, memref::StoreOp store) {
  auto type = cast<MemRefType>(store.getMemRef().getType());
  if (!type.hasStaticShape() ||
      static_cast<int64_t>(loop.getNumLoops()) != type.getRank())
    return false;
  for (auto [ub, size] : llvm::zip(loop.getUpperBound(), type.getShape()))
    if (!isConstantIntValue(ub, size))
      return false;
  return true;
}

/// Whether `buffer` is the kernel's own: shared memory it declares, or
/// allocated inside it (the host emulation of that shared memory).
bool isScratch(Value buffer, Operation *kernel) {
  if (auto launch = dyn_cast<gpu::LaunchOp>(kernel))
    if (llvm::is_contained(launch.getWorkgroupAttributions(), buffer))
      return true;
  Operation *def = buffer.getDefiningOp();
  return def && isa<memref::AllocOp>(def) && kernel->isProperAncestor(def);
}

/// A parallel loop from hrm-accumulate-in-registers, or a kernel that
/// hrm-matmul-to-mma-sync or hrm-matmul-to-wgmma marked: its only writes
/// are stores into one buffer, every element once (by the tiling that pass
/// built), besides its scratch buffers.
Producer asProducer(Operation *op) {
  Producer p;
  if (auto loop = dyn_cast<scf::ParallelOp>(op);
      loop && !op->hasAttr(mlir::hrm::kStoresEachElementOnce)) {
    memref::StoreOp store = mlir::hrm::finalStore(loop);
    if (!store || !coversBuffer(loop, store))
      return {};
    p.stores.push_back(store);
  } else if (op->hasAttr(mlir::hrm::kStoresEachElementOnce)) {
    WalkResult other = op->walk([&](Operation *nested) {
      if (auto store = dyn_cast<memref::StoreOp>(nested)) {
        if (!isScratch(store.getMemRef(), op))
          p.stores.push_back(store);
        return WalkResult::advance();
      }
      if (auto store = dyn_cast<vector::StoreOp>(nested);
          store && isScratch(store.getBase(), op))
        return WalkResult::advance();
      if (auto alloc = dyn_cast<memref::AllocOp>(nested);
          alloc && isScratch(alloc.getResult(), op))
        return WalkResult::advance();
      if (auto dealloc = dyn_cast<memref::DeallocOp>(nested);
          dealloc && isScratch(dealloc.getMemref(), op))
        return WalkResult::advance();
      // The tensor-core ops declare no effects, but only read their register
      // operands (and, for wgmma and ldmatrix, the kernel's shared memory);
      // cp.async writes only the kernel's shared tiles; the fences, waits
      // and barriers order the kernel's own accesses.
      if (nested == op || isPure(nested) ||
          isa<memref::LoadOp, vector::LoadOp, NVVM::MmaOp,
              NVVM::WgmmaMmaAsyncOp, NVVM::WgmmaFenceAlignedOp,
              NVVM::WgmmaGroupSyncAlignedOp, NVVM::WgmmaWaitGroupSyncOp,
              NVVM::FenceProxyOp, NVVM::LdMatrixOp, NVVM::CpAsyncOp,
              NVVM::CpAsyncCommitGroupOp, NVVM::CpAsyncWaitGroupOp,
              gpu::BarrierOp>(nested) ||
          nested->hasTrait<OpTrait::IsTerminator>() ||
          isa<scf::ForOp, scf::IfOp, scf::ParallelOp>(nested))
        return WalkResult::advance();
      return WalkResult::interrupt();
    });
    if (other.wasInterrupted() || p.stores.empty() ||
        llvm::any_of(p.stores, [&](memref::StoreOp s) {
          return s.getMemRef() != p.stores.front().getMemRef();
        }))
      return {};
  } else {
    return {};
  }
  p.op = op;
  return p;
}

Epilogue findEpilogue(const Producer &producer) {
  Operation *loop = producer.op;
  linalg::GenericOp generic = mlir::hrm::elementwiseConsumerAfter(loop);
  if (!generic ||
      !llvm::all_of(generic.getIndexingMapsArray(),
                    [](AffineMap m) { return m.isIdentity(); }))
    return {};
  Value buffer = producer.buffer();
  Value root = rootBuffer(buffer);
  Epilogue found;
  for (OpOperand *input : generic.getDpsInputOperands()) {
    if (rootBuffer(input->get()) != root)
      continue;
    auto expand = input->get().getDefiningOp<memref::ExpandShapeOp>();
    bool view = input->get() == buffer ||
                (expand && expand.getSrc() == buffer);
    if (!view || found.input)
      return {}; // another view of it, or read twice
    found.input = input;
  }
  if (!found.input)
    return {};
  // The loop now writes the generic's outputs while it runs: nothing it
  // reads may be one of them, and none may be the stored buffer.
  for (Value init : generic.getDpsInits()) {
    Value initRoot = rootBuffer(init);
    if (initRoot == root)
      return {};
    WalkResult clash = loop->walk([&](Operation *nested) {
      Value read;
      if (auto load = dyn_cast<memref::LoadOp>(nested))
        read = load.getMemRef();
      else if (auto load = dyn_cast<vector::LoadOp>(nested))
        read = load.getBase();
      return read && rootBuffer(read) == initRoot ? WalkResult::interrupt()
                                                  : WalkResult::advance();
    });
    if (clash.wasInterrupted())
      return {};
  }
  found.generic = generic;
  return found;
}

/// Whether the stored buffer has no reader but the epilogue: then the
/// store, the view and the buffer can go.
bool onlyFeeds(const Producer &producer, Epilogue epilogue) {
  auto alloc = producer.buffer().getDefiningOp<memref::AllocOp>();
  if (!alloc)
    return false;
  Value view = epilogue.input->get();
  for (Operation *user : alloc->getUsers()) {
    if (isa<memref::DeallocOp>(user) ||
        llvm::any_of(producer.stores, [&](memref::StoreOp s) {
          return s.getOperation() == user;
        }))
      continue;
    if (user == epilogue.generic.getOperation() && view == alloc.getResult())
      continue;
    if (user == view.getDefiningOp() && view.hasOneUse())
      continue;
    return false;
  }
  return true;
}

/// The generic's loop variables for the buffer element at `indices`: each
/// index split over the dimensions its reassociation group expands it into.
SmallVector<Value> consumerIndices(RewriterBase &rewriter, Location loc,
                                   ValueRange indices, Epilogue e) {
  auto expand = e.input->get().getDefiningOp<memref::ExpandShapeOp>();
  if (!expand)
    return llvm::to_vector(indices);
  SmallVector<Value> ivs;
  ArrayRef<int64_t> shape = expand.getResultType().getShape();
  for (auto [index, group] :
       llvm::zip(indices, expand.getReassociationIndices())) {
    int64_t stride = 1;
    for (int64_t d : group)
      stride *= shape[d];
    for (int64_t d : group) {
      stride /= shape[d];
      Value v = index;
      if (stride != 1)
        v = arith::DivUIOp::create(
            rewriter, loc, v,
            arith::ConstantIndexOp::create(rewriter, loc, stride));
      if (d != group.front())
        v = arith::RemUIOp::create(
            rewriter, loc, v,
            arith::ConstantIndexOp::create(rewriter, loc, shape[d]));
      ivs.push_back(v);
    }
  }
  return ivs;
}

void fuse(const Producer &producer, Epilogue e, RewriterBase &rewriter) {
  Location loc = e.generic.getLoc();
  bool dropBuffer = onlyFeeds(producer, e);
  // Taken before the stores that name it are erased.
  Value buffer = producer.buffer();
  // What lies between is pure or an allocation (findEpilogue): the kernel
  // moves down to the generic, whose operands then dominate it.
  producer.op->moveBefore(e.generic);
  Block *body = e.generic.getBody();
  for (memref::StoreOp store : producer.stores) {
    rewriter.setInsertionPoint(store);
    SmallVector<Value> ivs =
        consumerIndices(rewriter, loc, store.getIndices(), e);
    IRMapping mapping;
    for (OpOperand &operand : e.generic->getOpOperands()) {
      BlockArgument arg = body->getArgument(operand.getOperandNumber());
      if (arg.use_empty())
        continue;
      Value value =
          &operand == e.input
              ? store.getValueToStore()
              : memref::LoadOp::create(rewriter, loc, operand.get(), ivs)
                    .getResult();
      mapping.map(arg, value);
    }
    SmallVector<Value> results =
        mlir::hrm::inlineLinalgBody(rewriter, *body, mapping, ivs);
    for (auto [value, init] : llvm::zip(results, e.generic.getDpsInits()))
      memref::StoreOp::create(rewriter, loc, value, init, ivs);
    if (dropBuffer)
      rewriter.eraseOp(store);
  }
  Value view = e.input->get();
  rewriter.eraseOp(e.generic);
  if (!dropBuffer)
    return;
  Operation *alloc = buffer.getDefiningOp();
  if (view != alloc->getResult(0))
    rewriter.eraseOp(view.getDefiningOp());
  for (Operation *user : llvm::make_early_inc_range(alloc->getUsers()))
    rewriter.eraseOp(user); // the dealloc
  rewriter.eraseOp(alloc);
}

struct HrmFuseEpiloguesPass
    : public mlir::hrm::impl::HrmFuseEpiloguesBase<HrmFuseEpiloguesPass> {
  void runOnOperation() override {
    SmallVector<Producer> producers;
    for (Operation &op : getOperation().getBody().getOps())
      if (isa<scf::ParallelOp, gpu::LaunchOp>(op))
        if (Producer p = asProducer(&op); p.op)
          producers.push_back(std::move(p));
    IRRewriter rewriter(&getContext());
    for (const Producer &p : producers)
      if (Epilogue e = findEpilogue(p); e.generic) {
        hrmc::remarkPassed(*this, "epilogue", e.generic);
        fuse(p, e, rewriter);
      }
  }
};

} // namespace
