//===- TensorCoreMatmul.h - which matmuls go to the tensor cores ----------===//
//
// Internal to lib/Conversion: hrm-matmul-to-mma-sync puts these matmuls on
// the tensor cores; hrm-round-matmul-operands rounds the same ones on the
// CPU, and hrm-bf16-matmul-operands stores their operands in bf16. Also the
// pieces the block-level kernels share: launches, cp.async stages, the
// host emulation's mma.sync, and the fused attention's blocks
// (hrm-attention-to-mma-sync, hrm-tile-attention-keys).
//
//===----------------------------------------------------------------------===//
#ifndef HRMC_LIB_CONVERSION_TENSORCOREMATMUL_H
#define HRMC_LIB_CONVERSION_TENSORCOREMATMUL_H

#include "BufferLoops.h"
#include "hrmc/Support/Remarks.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/Support/FormatVariadic.h"

#include <string>

namespace mlir::hrm {

struct MatmulDims {
  std::optional<unsigned> batch;
  unsigned m, n, k;
  int64_t batchSize, mSize, nSize, kSize;
};

/// The loop dimensions of a contraction whose M, N and K are multiples of
/// the instruction's (16, 8, kStep), accumulating in f32, with f32 operands
/// or, for the bf16 instruction (kStep 16), operands already stored in bf16
/// (hrm-bf16-matmul-operands). On tensors or buffers. A contraction that
/// does not qualify gets the reason in `whyNot`, when given.
inline std::optional<MatmulDims> tensorCoreDims(linalg::LinalgOp op,
                                                int64_t kStep,
                                                std::string *whyNot = nullptr) {
  auto no = [&](llvm::StringRef reason) -> std::optional<MatmulDims> {
    if (whyNot)
      *whyNot = reason.str();
    return std::nullopt;
  };
  if (op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 ||
      !linalg::isaContractionOpInterface(op))
    return no("not a contraction of two operands into one");
  if (op.hasDynamicShape())
    return no("dynamic shape");
  if (!getElementTypeOrSelf(op.getDpsInitOperand(0)->get().getType()).isF32())
    return no("does not accumulate in f32");
  for (OpOperand *input : op.getDpsInputOperands()) {
    Type type = getElementTypeOrSelf(input->get().getType());
    if (!type.isF32() && !(kStep == 16 && type.isBF16()))
      return no("an operand is neither f32 nor (for bf16) bf16");
  }
  FailureOr<linalg::ContractionDimensions> dims =
      linalg::inferContractionDims(op);
  if (failed(dims) || dims->batch.size() > 1 || dims->m.size() != 1 ||
      dims->n.size() != 1 || dims->k.size() != 1 ||
      op.getNumLoops() != dims->batch.size() + 3)
    return no("not one (batched) matmul: M, N and K must be one loop each");
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  MatmulDims d;
  if (!dims->batch.empty())
    d.batch = dims->batch.front();
  d.m = dims->m.front();
  d.n = dims->n.front();
  d.k = dims->k.front();
  d.batchSize = d.batch ? ranges[*d.batch] : 1;
  d.mSize = ranges[d.m];
  d.nSize = ranges[d.n];
  d.kSize = ranges[d.k];
  if (d.mSize % 16 || d.nSize % 8 || d.kSize % kStep)
    return no(llvm::formatv("M x N x K = {0} x {1} x {2}: the instruction "
                            "needs multiples of 16 x 8 x {3}",
                            d.mSize, d.nSize, d.kSize, kStep)
                  .str());
  return d;
}

/// A passed remark of `pass` on the tensor-core matmul `op`, with its shape.
inline remark::detail::InFlightRemark matmulRemark(const Pass &pass,
                                                   StringRef name,
                                                   linalg::LinalgOp op,
                                                   const MatmulDims &d) {
  remark::detail::InFlightRemark r = hrmc::remarkPassed(pass, name, op);
  r << remark::metric("batch", d.batchSize) << remark::metric("m", d.mSize)
    << remark::metric("n", d.nSize) << remark::metric("k", d.kSize);
  return r;
}

/// The contractions on buffers that hrm-matmul-to-mma-sync puts on the
/// tensor cores.
inline std::optional<MatmulDims>
matchTensorCoreMatmul(linalg::LinalgOp op, int64_t kStep,
                      std::string *whyNot = nullptr) {
  if (!op.hasPureBufferSemantics() || op->getParentOfType<gpu::LaunchOp>())
    return std::nullopt;
  return tensorCoreDims(op, kStep, whyNot);
}

/// The loop-dimension values of the op's point (m, n, k) in `batch` (any
/// value where the op has no batch dimension).
inline SmallVector<Value> matmulPoint(OpBuilder &b, Location loc,
                                      linalg::LinalgOp op,
                                      const MatmulDims &dims, Value batch,
                                      Value m, Value n, Value k) {
  SmallVector<Value> ivs(op.getNumLoops(),
                         arith::ConstantIndexOp::create(b, loc, 0));
  if (dims.batch)
    ivs[*dims.batch] = batch;
  ivs[dims.m] = m;
  ivs[dims.n] = n;
  ivs[dims.k] = k;
  return ivs;
}

/// Operand `operand`'s element at the loop point `ivs`.
inline Value loadAtPoint(OpBuilder &b, Location loc, linalg::LinalgOp op,
                         unsigned operand, ArrayRef<Value> ivs) {
  OpOperand &o = op->getOpOperand(operand);
  return memref::LoadOp::create(
      b, loc, o.get(),
      applyIndexingMap(b, loc, op.getMatchingIndexingMap(&o), ivs));
}

/// Stores `v` into the output at the loop point `ivs`.
inline void storeAtPoint(OpBuilder &b, Location loc, linalg::LinalgOp op,
                         Value v, ArrayRef<Value> ivs) {
  OpOperand *o = op.getDpsInitOperand(0);
  memref::StoreOp::create(
      b, loc, v, o->get(),
      applyIndexingMap(b, loc, op.getMatchingIndexingMap(o), ivs));
}

/// Whether operand `operand` is stored in bf16 with an identity layout
/// whose last dimension K indexes: K-consecutive elements are adjacent and
/// rows start at multiples of K's size.
inline bool kContiguousBf16(linalg::LinalgOp op, const MatmulDims &dims,
                            unsigned operand) {
  OpOperand &o = op->getOpOperand(operand);
  auto type = dyn_cast<MemRefType>(o.get().getType());
  AffineMap map = op.getMatchingIndexingMap(&o);
  return type && type.getElementType().isBF16() &&
         type.getLayout().isIdentity() && map.getNumResults() > 0 &&
         map.getResults().back() == getAffineDimExpr(dims.k, op->getContext());
}

/// A 1-D block of `threads` over the grid (gx, gy, gz), marked
/// kStoresEachElementOnce (the tensor-core passes' and
/// hrm-tile-attention-keys' kernels), with `workgroup` shared-memory
/// attributions; `b` is left at the start of its body, before the terminator.
inline gpu::LaunchOp createStoresOnceLaunch(OpBuilder &b, Location loc,
                                            Value gx, Value gy, Value gz,
                                            int64_t threads,
                                            TypeRange workgroup = {}) {
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  auto launch = gpu::LaunchOp::create(
      b, loc, gx, gy, gz, arith::ConstantIndexOp::create(b, loc, threads), one,
      one, /*dynamicSharedMemorySize=*/nullptr, /*asyncTokenType=*/nullptr,
      /*asyncDependencies=*/{}, workgroup);
  launch->setAttr(kStoresEachElementOnce, b.getUnitAttr());
  b.setInsertionPointToStart(&launch.getBody().front());
  gpu::TerminatorOp::create(b, loc);
  b.setInsertionPointToStart(&launch.getBody().front());
  return launch;
}

/// Replaces the contraction `op` (and the `fill` folded into it) with the
/// blocks `tile` builds over the grid (gridX, gridY, `batch`): a launch of
/// `threads` with `tile.sharedTypes` in workgroup memory, or with
/// `emulate` a parallel loop over the blocks on the host.
template <typename TileBuilder>
void replaceWithBlocks(RewriterBase &rewriter, linalg::LinalgOp op,
                       linalg::FillOp fill, TileBuilder &tile, int64_t batch,
                       int64_t threads, bool emulate) {
  Location loc = op.getLoc();
  auto index = [&](int64_t v) {
    return arith::ConstantIndexOp::create(rewriter, loc, v).getResult();
  };
  Value gx = index(tile.gridX()), gy = index(tile.gridY()), gz = index(batch);
  if (emulate) {
    Value zero = index(0), one = index(1);
    auto blocks = scf::ParallelOp::create(rewriter, loc, {zero, zero, zero},
                                          {gz, gy, gx}, {one, one, one});
    blocks->setAttr(kStoresEachElementOnce, rewriter.getUnitAttr());
    rewriter.setInsertionPointToStart(blocks.getBody());
    SmallVector<Value> ivs(blocks.getInductionVars());
    tile.buildEmulation(ivs[2], ivs[1], ivs[0]);
  } else {
    auto workgroup = gpu::AddressSpaceAttr::get(rewriter.getContext(),
                                                gpu::AddressSpace::Workgroup);
    auto launch = createStoresOnceLaunch(rewriter, loc, gx, gy, gz, threads,
                                         tile.sharedTypes(workgroup));
    tile.buildKernel(launch.getBlockIds().x, launch.getBlockIds().y,
                     launch.getBlockIds().z, launch.getThreadIds().x,
                     launch.getWorkgroupAttributions());
  }
  rewriter.eraseOp(op);
  if (fill)
    rewriter.eraseOp(fill);
}

/// Rewrites with `lower(nest, rewriter)` every fused attention nest under
/// `root` that `match` takes (all matched first: the rewrites erase them).
template <typename Match, typename Lower>
void rewriteAttentionNests(Operation *root, Match match, Lower lower) {
  using Nest =
      typename std::invoke_result_t<Match, scf::ParallelOp>::value_type;
  SmallVector<Nest> nests;
  root->walk([&](scf::ParallelOp rows) {
    if (std::optional<Nest> nest = match(rows))
      nests.push_back(*nest);
  });
  IRRewriter rewriter(root->getContext());
  for (Nest &nest : nests)
    lower(nest, rewriter);
}

/// Replaces the fused attention nest `rows` with `builder`'s blocks over
/// (query block, head): a launch of `threads` (blockIdx.x the query block,
/// blockIdx.y the head) with `builder.sharedTypes(workgroup)`, or with
/// `emulate` a parallel loop over the blocks on the host.
template <typename Builder>
void replaceWithAttentionBlocks(RewriterBase &rewriter, scf::ParallelOp rows,
                                Builder &builder, int64_t queryBlocks,
                                int64_t heads, int64_t threads, bool emulate) {
  Location loc = rows.getLoc();
  rewriter.setInsertionPoint(rows);
  auto index = [&](int64_t v) {
    return arith::ConstantIndexOp::create(rewriter, loc, v).getResult();
  };
  Value blocks = index(queryBlocks), headCount = index(heads);
  if (emulate) {
    Value zero = index(0), one = index(1);
    auto grid = scf::ParallelOp::create(rewriter, loc, {zero, zero},
                                        {headCount, blocks}, {one, one});
    rewriter.setInsertionPointToStart(grid.getBody());
    builder.buildEmulation(grid.getInductionVars()[1],
                           grid.getInductionVars()[0]);
  } else {
    auto workgroup = gpu::AddressSpaceAttr::get(rewriter.getContext(),
                                                gpu::AddressSpace::Workgroup);
    auto launch =
        createStoresOnceLaunch(rewriter, loc, blocks, headCount, index(1),
                               threads, builder.sharedTypes(workgroup));
    builder.buildKernel(launch.getBlockIds().x, launch.getBlockIds().y,
                        launch.getThreadIds().x,
                        launch.getWorkgroupAttributions());
  }
  rewriter.eraseOp(rows);
}

/// The pointer (in address space `space`) to element `indices` of a
/// contiguous buffer of `shape` whose aligned pointer is the byte address
/// `base`.
inline Value byteAddress(OpBuilder &b, Location loc, Value base,
                         ValueRange indices, ArrayRef<int64_t> shape,
                         int64_t elementBytes, unsigned space) {
  Value linear = affine::AffineLinearizeIndexOp::create(b, loc, indices, shape,
                                                        /*disjoint=*/true);
  if (elementBytes != 1)
    linear = arith::MulIOp::create(
        b, loc, linear, arith::ConstantIndexOp::create(b, loc, elementBytes));
  Value bytes = arith::AddIOp::create(b, loc, base, linear);
  bytes = arith::IndexCastUIOp::create(b, loc, b.getI64Type(), bytes);
  return LLVM::IntToPtrOp::create(
      b, loc, LLVM::LLVMPointerType::get(b.getContext(), space), bytes);
}

/// A generic pointer into global memory as a global one (cvta.to.global).
inline Value toGlobal(OpBuilder &b, Location loc, Value generic) {
  return LLVM::AddrSpaceCastOp::create(
      b, loc, LLVM::LLVMPointerType::get(b.getContext(), 1), generic);
}

/// `cp.async.cg` of 16 bytes from `global` to `shared`; where `valid`
/// (when given) is false it reads nothing and writes zeros.
inline void copy16Async(OpBuilder &b, Location loc, Value shared, Value global,
                        Value valid) {
  constexpr int64_t bytes = 16;
  Value size;
  if (valid) {
    Type i32 = b.getI32Type();
    size = arith::SelectOp::create(
        b, loc, valid, arith::ConstantIntOp::create(b, loc, i32, bytes),
        arith::ConstantIntOp::create(b, loc, i32, 0));
  }
  NVVM::CpAsyncOp::create(b, loc, shared, global, bytes,
                          NVVM::LoadCacheModifierKind::CG, size);
}

/// Iteration c of a two-stage K loop over `chunks` chunks (kernel and
/// emulation alike): request chunk `next` = c + 1 (clamped to the last;
/// `more` is false past it, and the request reads nothing) into stage
/// `into` = (c + 1) mod 2, multiply stage `read` = c mod 2.
struct PipelineStep {
  Value next, into, more, read;
};
inline PipelineStep pipelineStep(OpBuilder &b, Location loc, Value c,
                                 int64_t chunks) {
  auto index = [&](int64_t v) {
    return arith::ConstantIndexOp::create(b, loc, v).getResult();
  };
  Value next = arith::AddIOp::create(b, loc, c, index(1));
  return {arith::MinUIOp::create(b, loc, next, index(chunks - 1)),
          arith::RemUIOp::create(b, loc, next, index(2)),
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, next,
                                index(chunks)),
          arith::RemUIOp::create(b, loc, c, index(2))};
}

/// The K loop of a two-stage kernel over `chunks` chunks, carrying
/// `init`: chunk 0 is requested before the loop (`request(chunk, into,
/// more)`, cp.async); iteration c waits for the thread's own copies, calls
/// `arrive()` (fences and the barrier after which chunk c is in place and
/// nobody reads the other stage any more), requests chunk c + 1 into the
/// other stage and yields `multiply(stage, iterArgs)` (chunk c's products)
/// while it arrives. No copy is left in flight after the loop.
template <typename Request, typename Arrive, typename Multiply>
scf::ForOp pipelinedChunks(OpBuilder &b, Location loc, int64_t chunks,
                           ValueRange init, Request request, Arrive arrive,
                           Multiply multiply) {
  auto index = [&](int64_t v) {
    return arith::ConstantIndexOp::create(b, loc, v).getResult();
  };
  request(index(0), index(0), Value());
  NVVM::CpAsyncCommitGroupOp::create(b, loc);
  auto loop =
      scf::ForOp::create(b, loc, index(0), index(chunks), index(1), init);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    NVVM::CpAsyncWaitGroupOp::create(b, loc, 0);
    arrive();
    PipelineStep step = pipelineStep(b, loc, loop.getInductionVar(), chunks);
    request(step.next, step.into, step.more);
    NVVM::CpAsyncCommitGroupOp::create(b, loc);
    SmallVector<Value> yielded =
        multiply(step.read, ValueRange(loop.getRegionIterArgs()));
    scf::YieldOp::create(b, loc, yielded);
  }
  // The last request read nothing.
  NVVM::CpAsyncWaitGroupOp::create(b, loc, 0);
  return loop;
}

/// The K loop of a tensor-core kernel's host emulation, in the kernel's
/// order of copies, each done at once by every thread (`forEachThread`):
/// with two stages chunk 0 is requested before the loop and chunk c + 1
/// in iteration c (`request(tid, chunk, into, more)`); with one, chunk c
/// is copied in iteration c (`copy(tid, c)`). Then `multiply(stage)`: the
/// stage that iteration reads (null with one).
template <typename ForEachThread, typename Request, typename Copy,
          typename Multiply>
void emulateChunks(OpBuilder &b, Location loc, int64_t chunks, bool twoStages,
                   ForEachThread forEachThread, Request request, Copy copy,
                   Multiply multiply) {
  auto index = [&](int64_t v) {
    return arith::ConstantIndexOp::create(b, loc, v).getResult();
  };
  if (twoStages)
    forEachThread(
        [&](Value tid) { request(tid, index(0), index(0), Value()); });
  auto loop = scf::ForOp::create(b, loc, index(0), index(chunks), index(1));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(loop.getBody());
  Value c = loop.getInductionVar();
  if (!twoStages) {
    forEachThread([&](Value tid) { copy(tid, c); });
    return multiply(Value());
  }
  PipelineStep step = pipelineStep(b, loc, c, chunks);
  forEachThread(
      [&](Value tid) { request(tid, step.next, step.into, step.more); });
  multiply(step.read);
}

/// The passes' `precision` option names one of the operand types.
inline LogicalResult checkTensorCorePrecision(Operation *op, StringRef pass,
                                              StringRef precision) {
  if (precision == "bf16" || precision == "tf32")
    return success();
  return emitError(op->getLoc())
         << pass << ": precision must be bf16 or tf32, not '" << precision
         << "'";
}

/// `v` (f32) rounded as the tensor cores read it: bf16 to nearest even, or
/// tf32, the f32's bits with the low 13 mantissa bits dropped.
inline Value roundToTensorCoreType(OpBuilder &b, Location loc, Value v,
                                   bool bf16) {
  if (bf16) {
    Value h = arith::TruncFOp::create(b, loc, b.getBF16Type(), v);
    return arith::ExtFOp::create(b, loc, b.getF32Type(), h);
  }
  Type i32 = b.getI32Type();
  Value bits = arith::BitcastOp::create(b, loc, i32, v);
  Value mask = arith::ConstantIntOp::create(b, loc, i32, ~0x1fff);
  bits = arith::AndIOp::create(b, loc, bits, mask);
  return arith::BitcastOp::create(b, loc, b.getF32Type(), bits);
}

/// A vector<2xbf16> as the 32-bit register holding it (the first element in
/// the low half), as mma.sync takes a bf16 pair.
inline Value bf16PairAsRegister(OpBuilder &b, Location loc, Value pair) {
  pair = vector::BitCastOp::create(b, loc, VectorType::get({1}, b.getI32Type()),
                                   pair);
  return vector::ExtractOp::create(b, loc, pair, ArrayRef<int64_t>{0});
}

/// Index arithmetic with constant operands, for the kernel builders.
class IndexArith {
protected:
  IndexArith(OpBuilder &b, Location loc) : b(b), loc(loc) {}

  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value add(Value x, int64_t y) {
    return y ? arith::AddIOp::create(b, loc, x, index(y)).getResult() : x;
  }
  Value mul(Value x, int64_t y) {
    return y == 1 ? x : arith::MulIOp::create(b, loc, x, index(y)).getResult();
  }
  Value div(Value x, int64_t y) {
    return arith::DivUIOp::create(b, loc, x, index(y));
  }
  Value rem(Value x, int64_t y) {
    return arith::RemUIOp::create(b, loc, x, index(y));
  }

  OpBuilder &b;
  Location loc;
};

/// The host emulations' mma.sync (m16n8k16 on bf16 pairs, or m16n8k4 on
/// tf32), from PTX's fragment tables rather than from the kernels' own
/// coordinates, so that a wrong coordinate in either gives wrong sums. The
/// lanes' registers are in buffers [thread][tile][register].
class MmaEmulation : IndexArith {
public:
  MmaEmulation(OpBuilder &b, Location loc, bool bf16)
      : IndexArith(b, loc), bf16(bf16) {}

  /// `sum` plus what thread `tid`'s mma.sync of A tile `tileA` and B tile
  /// `tileB` adds to its accumulator e (c0, c1: (g, 2t), (g, 2t + 1); c2,
  /// c3: 8 rows further down).
  Value accumulate(Value tid, int64_t tileA, int64_t tileB, int64_t e,
                   Value regsA, Value regsB, Value sum) {
    Value lane = rem(tid, 32);
    Value warpBase = arith::SubIOp::create(b, loc, tid, lane);
    Value row = add(div(lane, 4), e >= 2 ? 8 : 0);
    Value col = add(mul(rem(lane, 4), 2), e & 1);
    auto inner = scf::ForOp::create(b, loc, index(0), index(bf16 ? 16 : 4),
                                    index(1), ValueRange{sum});
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(inner.getBody());
    Value k = inner.getInductionVar();
    Value x = fromRegisters(regsA, warpBase, holderOfA(row, k), tileA);
    Value y = fromRegisters(regsB, warpBase, holderOfB(k, col), tileB);
    Value acc = arith::AddFOp::create(b, loc, inner.getRegionIterArg(0),
                                      arith::MulFOp::create(b, loc, x, y));
    scf::YieldOp::create(b, loc, acc);
    return inner.getResult(0);
  }

private:
  /// The lane and element that hold an operand's element.
  struct Holder {
    Value lane, element;
  };
  Holder holderOfA(Value row, Value k) {
    Value lane = mul(rem(row, 8), 4);
    if (!bf16) // a0: (g, t), a1: (g + 8, t)
      return {arith::AddIOp::create(b, loc, lane, k), div(row, 8)};
    // a0..a7: (g, 2t), (g, 2t + 1), (g + 8, ...), then k + 8.
    lane = arith::AddIOp::create(b, loc, lane, div(rem(k, 8), 2));
    Value element = arith::AddIOp::create(
        b, loc, rem(k, 2),
        arith::AddIOp::create(b, loc, mul(div(row, 8), 2), mul(div(k, 8), 4)));
    return {lane, element};
  }
  Holder holderOfB(Value k, Value col) {
    Value lane = mul(col, 4);
    if (!bf16) // b0: (t, g)
      return {arith::AddIOp::create(b, loc, lane, k), index(0)};
    // b0..b3: (2t, g), (2t + 1, g), then k + 8.
    lane = arith::AddIOp::create(b, loc, lane, div(rem(k, 8), 2));
    Value element = arith::AddIOp::create(b, loc, rem(k, 2), mul(div(k, 8), 2));
    return {lane, element};
  }

  /// A register's element `element` as f32: the bf16 half (the first
  /// element in the low half), or the tf32 (the f32's bits less the low 13).
  Value decode(Value reg, Value element) {
    Type i32 = b.getI32Type();
    if (!bf16)
      return roundToTensorCoreType(
          b, loc, arith::BitcastOp::create(b, loc, b.getF32Type(), reg),
          /*bf16=*/false);
    Value shift =
        arith::IndexCastUIOp::create(b, loc, i32, mul(rem(element, 2), 16));
    Value half = arith::ShRUIOp::create(b, loc, reg, shift);
    half = arith::TruncIOp::create(b, loc, b.getI16Type(), half);
    half = arith::BitcastOp::create(b, loc, b.getBF16Type(), half);
    return arith::ExtFOp::create(b, loc, b.getF32Type(), half);
  }

  /// The element `h` names, from its lane's register of tile `tile`.
  Value fromRegisters(Value regs, Value warpBase, const Holder &h,
                      int64_t tile) {
    Value lane = arith::AddIOp::create(b, loc, warpBase, h.lane);
    Value reg = memref::LoadOp::create(
        b, loc, regs,
        ValueRange{lane, index(tile), div(h.element, bf16 ? 2 : 1)});
    return decode(reg, h.element);
  }

  bool bf16;
};

} // namespace mlir::hrm

#endif // HRMC_LIB_CONVERSION_TENSORCOREMATMUL_H
