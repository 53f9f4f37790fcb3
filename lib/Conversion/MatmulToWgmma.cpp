//===- MatmulToWgmma.cpp - contractions -> warpgroup wgmma kernels --------===//
//
// Hopper's wgmma reads both operands from shared memory through 64-bit
// matrix descriptors. Without TMA (whose descriptors the host would have
// to encode per call) the threads copy each K chunk into the unswizzled
// K-major layout themselves; a core matrix is 8 rows of 16 bytes. Where
// both operands are stored in bf16 with K last, the copies are cp.async
// into two stages, the next chunk in flight while the wgmmas run.
//
//===----------------------------------------------------------------------===//
#include "BufferLoops.h"
#include "TensorCoreMatmul.h"
#include "hrmc/Conversion/Passes.h"
#include "hrmc/Support/Remarks.h"

#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::hrm {
#define GEN_PASS_DEF_HRMMATMULTOWGMMA
#include "hrmc/Conversion/Passes.h.inc"
} // namespace mlir::hrm

using namespace mlir;

namespace {

constexpr int64_t kThreads = 128; // one warpgroup
constexpr int64_t kTileM = 64;
constexpr int64_t kStepK = 16;
constexpr int64_t kCoreRowBytes = 16; // 8 bf16
constexpr int64_t kCoreBytes = 8 * kCoreRowBytes;

/// A block's output tile (64 x n) and the K chunk staged per barrier.
struct Tiling {
  int64_t n, kChunk;
};

std::optional<Tiling> tiling(const hrm::MatmulDims &dims) {
  if (dims.mSize % kTileM)
    return std::nullopt;
  Tiling t{0, 0};
  for (int64_t n : {64, 32, 16, 8})
    if (dims.nSize % n == 0) {
      t.n = n;
      break;
    }
  for (int64_t k : {64, 32, 16})
    if (dims.kSize % k == 0) {
      t.kChunk = k;
      break;
    }
  if (!t.n || !t.kChunk)
    return std::nullopt;
  return t;
}

/// One operand tile in shared memory: `rows` rows (M for A, N for B) by the
/// K chunk, core matrix (row group g, K group c) at 16-byte vector
/// `base + (c * rows / 8 + g) * 8`.
struct SharedTile {
  int64_t base, rows;
  int64_t leadingBytes() const { return rows / 8 * kCoreBytes; }
  int64_t strideBytes() const { return kCoreBytes; }
  /// The 16-byte vector of K step `step`'s first core matrix.
  int64_t stepStart(int64_t step) const {
    return base + step * 2 * rows / 8 * 8;
  }
};

class WarpgroupTileBuilder {
public:
  WarpgroupTileBuilder(OpBuilder &b, Location loc, linalg::LinalgOp op,
                       const hrm::MatmulDims &dims, Tiling t, Value init,
                       bool emulate)
      : b(b), loc(loc), op(op), dims(dims), t(t), init(init),
        emulate(emulate), a{0, kTileM}, bt{kTileM * t.kChunk / 8, t.n} {
    stages =
        hrm::kContiguousBf16(op, dims, 0) && hrm::kContiguousBf16(op, dims, 1)
            ? 2
            : 1;
  }

  int64_t gridX() const { return dims.nSize / t.n; }
  int64_t gridY() const { return dims.mSize / kTileM; }
  int64_t registers() const { return t.n / 2; }
  /// 16-byte vectors per stage: both operand tiles.
  int64_t stageVectors() const { return (kTileM + t.n) * t.kChunk / 8; }
  /// One buffer holds every stage.
  SmallVector<Type> sharedTypes(Attribute space) const {
    return {MemRefType::get({stages * stageVectors()},
                            VectorType::get({8}, b.getBF16Type()),
                            MemRefLayoutAttrInterface(), space)};
  }

  /// The kernel body of thread `tid` of block (bx, by, bz).
  void buildKernel(Value bx, Value by, Value bz, Value tid, ValueRange shared) {
    setBlock(bx, by, bz);
    smem = shared.front();
    smemBase = memref::ExtractAlignedPointerAsIndexOp::create(b, loc, smem);
    sharedAddress =
        arith::IndexCastUIOp::create(b, loc, b.getI64Type(), smemBase);
    Type f32 = b.getF32Type();
    auto accType = LLVM::LLVMStructType::getLiteral(
        b.getContext(), SmallVector<Type>(registers(), f32));
    Value acc = LLVM::PoisonOp::create(b, loc, accType);
    for (int64_t i = 0; i < registers(); ++i)
      acc = LLVM::InsertValueOp::create(b, loc, acc, startValue(tid, i), i);
    if (stages == 2)
      return buildPipelinedKernel(tid, acc);

    auto loop = scf::ForOp::create(b, loc, index(0), index(dims.kSize),
                                   index(t.kChunk), ValueRange{acc});
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(loop.getBody());
      copyChunk(tid, loop.getInductionVar());
      fenceProxyAsync();
      gpu::BarrierOp::create(b, loc);
      Value d = multiplyChunk(loop.getRegionIterArg(0));
      // No thread may overwrite the tiles while another's wgmma reads them.
      gpu::BarrierOp::create(b, loc);
      scf::YieldOp::create(b, loc, d);
    }
    storeResults(tid, loop.getResult(0));
  }

  /// The two-stage K loop (hrm::pipelinedChunks): each thread's copies are
  /// fenced for the async proxy before the one barrier per chunk, after
  /// which every wgmma of the previous chunk has completed (each thread
  /// waited for its group).
  void buildPipelinedKernel(Value tid, Value acc) {
    for (unsigned operand : {0u, 1u})
      sourceBase[operand] = memref::ExtractAlignedPointerAsIndexOp::create(
          b, loc, op->getOperand(operand));
    scf::ForOp loop = hrm::pipelinedChunks(
        b, loc, dims.kSize / t.kChunk, acc,
        [&](Value chunk, Value into, Value more) {
          requestChunk(tid, chunk, into, more);
        },
        [&] {
          fenceProxyAsync();
          gpu::BarrierOp::create(b, loc);
        },
        [&](Value read, ValueRange iterArgs) {
          stage = read;
          return SmallVector<Value>{multiplyChunk(iterArgs.front())};
        });
    storeResults(tid, loop.getResult(0));
  }

  /// Block (bx, by, bz) on the host: each phase between two barriers is a
  /// loop over the threads; the accumulators live in a buffer.
  void buildEmulation(Value bx, Value by, Value bz) {
    setBlock(bx, by, bz);
    Type f32 = b.getF32Type();
    smem = memref::AllocOp::create(
        b, loc, cast<MemRefType>(sharedTypes(Attribute()).front()));
    sharedAddress = arith::ConstantIntOp::create(b, loc, b.getI64Type(), 0);
    Value accs = memref::AllocOp::create(
        b, loc, MemRefType::get({kThreads, registers()}, f32));
    forEachThread([&](Value tid) {
      for (int64_t i = 0; i < registers(); ++i)
        memref::StoreOp::create(b, loc, startValue(tid, i), accs,
                                ValueRange{tid, index(i)});
    });
    hrm::emulateChunks(
        b, loc, dims.kSize / t.kChunk, stages == 2,
        [&](auto fn) { forEachThread(fn); },
        [&](Value tid, Value chunk, Value into, Value more) {
          requestChunk(tid, chunk, into, more);
        },
        [&](Value tid, Value c) {
          copyChunk(tid, arith::MulIOp::create(b, loc, c, index(t.kChunk)));
        },
        [&](Value read) {
          stage = read;
          forEachThread([&](Value tid) {
            for (int64_t i = 0; i < registers(); ++i) {
              SmallVector<Value> at = accumulatorPoint(tid, i);
              Value sum = memref::LoadOp::create(b, loc, accs,
                                                 ValueRange{tid, index(i)});
              for (int64_t s = 0; s < t.kChunk / kStepK; ++s)
                sum = emulatedStep(sum, descriptor(a, s), descriptor(bt, s),
                                   at[dims.m], at[dims.n]);
              memref::StoreOp::create(b, loc, sum, accs,
                                      ValueRange{tid, index(i)});
            }
          });
        });
    forEachThread([&](Value tid) {
      for (int64_t i = 0; i < registers(); ++i)
        hrm::storeAtPoint(
            b, loc, op,
            memref::LoadOp::create(b, loc, accs, ValueRange{tid, index(i)}),
            accumulatorPoint(tid, i));
    });
    memref::DeallocOp::create(b, loc, accs);
    memref::DeallocOp::create(b, loc, smem);
  }

private:
  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value i64(int64_t v) {
    return arith::ConstantIntOp::create(b, loc, b.getI64Type(), v);
  }

  void setBlock(Value bx, Value by, Value bz) {
    batch = bz;
    m0 = arith::MulIOp::create(b, loc, by, index(kTileM));
    n0 = arith::MulIOp::create(b, loc, bx, index(t.n));
  }

  /// The copies went through the generic proxy (cp.async's too); wgmma
  /// reads through the async proxy.
  void fenceProxyAsync() {
    NVVM::FenceProxyOp::create(
        b, loc, NVVM::ProxyKind::async_shared,
        NVVM::SharedSpaceAttr::get(b.getContext(),
                                   NVVM::SharedSpace::shared_cta));
  }

  /// The chunk's wgmmas on the accumulators `d`, completed.
  Value multiplyChunk(Value d) {
    NVVM::WgmmaFenceAlignedOp::create(b, loc);
    for (int64_t s = 0; s < t.kChunk / kStepK; ++s)
      d = NVVM::WgmmaMmaAsyncOp::create(
          b, loc, d.getType(), d, descriptor(a, s), descriptor(bt, s),
          NVVM::MMAShapeAttr::get(b.getContext(), kTileM, t.n, kStepK),
          NVVM::WGMMATypes::bf16, NVVM::WGMMATypes::bf16, NVVM::WGMMATypes::f32,
          NVVM::WGMMAScaleOut::one, NVVM::WGMMAScaleIn::one,
          NVVM::WGMMAScaleIn::one, NVVM::MMALayout::row, NVVM::MMALayout::col,
          /*satfinite=*/nullptr);
    NVVM::WgmmaGroupSyncAlignedOp::create(b, loc);
    NVVM::WgmmaWaitGroupSyncOp::create(b, loc, 0);
    return d;
  }

  void storeResults(Value tid, Value acc) {
    for (int64_t i = 0; i < registers(); ++i)
      hrm::storeAtPoint(b, loc, op,
                        LLVM::ExtractValueOp::create(b, loc, acc, i),
                        accumulatorPoint(tid, i));
  }

  template <typename Fn> void forEachThread(Fn fn) {
    auto loop = scf::ForOp::create(b, loc, index(0), index(kThreads), index(1));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    fn(loop.getInductionVar());
  }

  /// The output point of thread `tid`'s accumulator register `i` (PTX's
  /// m64nNk16 layout: warp w holds rows 16w..16w+15, and each 8 columns
  /// repeat the m16n8 accumulator fragment).
  SmallVector<Value> accumulatorPoint(Value tid, int64_t i) {
    Value warp = arith::DivUIOp::create(b, loc, tid, index(32));
    Value lane = arith::RemUIOp::create(b, loc, tid, index(32));
    Value group = arith::DivUIOp::create(b, loc, lane, index(4));
    Value inGroup = arith::RemUIOp::create(b, loc, lane, index(4));
    Value row = arith::AddIOp::create(
        b, loc, arith::MulIOp::create(b, loc, warp, index(16)), group);
    row = arith::AddIOp::create(b, loc, row, index(lowerHalfRows(i)));
    row = arith::AddIOp::create(b, loc, m0, row);
    Value col = arith::AddIOp::create(
        b, loc, arith::MulIOp::create(b, loc, inGroup, index(2)),
        index(8 * (i / 4) + i % 2));
    col = arith::AddIOp::create(b, loc, n0, col);
    return hrm::matmulPoint(b, loc, op, dims, batch, row, col, index(0));
  }
  /// Registers 2 and 3 of each group of four hold rows 8 further down.
  static int64_t lowerHalfRows(int64_t i) { return (i / 2) % 2 ? 8 : 0; }

  Value startValue(Value tid, int64_t i) {
    if (init)
      return init;
    OpOperand *out = op.getDpsInitOperand(0);
    return hrm::loadAtPoint(b, loc, op, out->getOperandNumber(),
                            accumulatorPoint(tid, i));
  }

  /// Thread `tid`'s share of copying the K chunk at `k0` of both operands
  /// into their shared tiles. Eight consecutive threads fill one core
  /// matrix (a conflict-free 128-byte store) and a warp reads 64
  /// contiguous bytes of each of eight rows.
  void copyChunk(Value tid, Value k0) {
    for (unsigned operand : {0u, 1u})
      forEachShare(operand, tid, k0, [&](Value row, Value k, Value at) {
        memref::StoreOp::create(b, loc, loadEight(operand, row, k), smem, at);
      });
  }

  /// Thread `tid`'s 16-byte copies of chunk `chunk` of both operands into
  /// stage `into`: cp.async in the kernel (reading nothing and writing
  /// zeros where `valid`, when given, is false), done at once on the host.
  void requestChunk(Value tid, Value chunk, Value into, Value valid) {
    Value k0 = arith::MulIOp::create(b, loc, chunk, index(t.kChunk));
    Value first = arith::MulIOp::create(b, loc, into, index(stageVectors()));
    for (unsigned operand : {0u, 1u})
      forEachShare(operand, tid, k0, [&](Value row, Value k, Value at) {
        OpBuilder::InsertionGuard guard(b);
        at = arith::AddIOp::create(b, loc, at, first);
        if (emulate) {
          if (valid) {
            auto guardIf = scf::IfOp::create(b, loc, valid);
            b.setInsertionPointToStart(&guardIf.getThenRegion().front());
          }
          memref::StoreOp::create(b, loc, loadEight(operand, row, k), smem, at);
          return;
        }
        OpOperand &o = op->getOpOperand(operand);
        SmallVector<Value> indices = hrm::applyIndexingMap(
            b, loc, op.getMatchingIndexingMap(&o), pointAt(operand, row, k));
        auto source = cast<MemRefType>(o.get().getType());
        Value src =
            hrm::toGlobal(b, loc,
                          hrm::byteAddress(b, loc, sourceBase[operand], indices,
                                           source.getShape(), 2, 0));
        Value dst = hrm::byteAddress(
            b, loc, smemBase, at, {stages * stageVectors()}, kCoreRowBytes, 3);
        hrm::copy16Async(b, loc, dst, src, valid);
      });
  }

  /// Calls `copy(row, k, at)` for each of thread `tid`'s 16-byte vectors of
  /// operand `operand`'s tile, the chunk at `k0`: the eight elements from
  /// (row, k) (row M for A, N for B) go to vector `at` of stage 0.
  template <typename Copy>
  void forEachShare(unsigned operand, Value tid, Value k0, Copy copy) {
    const SharedTile &tile = operand == 0 ? a : bt;
    Value row0 = operand == 0 ? m0 : n0;
    int64_t groupsK = t.kChunk / 8;
    int64_t vectors = tile.rows * groupsK;
    for (int64_t q = 0; q * kThreads < vectors; ++q) {
      OpBuilder::InsertionGuard guard(b);
      Value v = arith::AddIOp::create(b, loc, tid, index(q * kThreads));
      if ((q + 1) * kThreads > vectors) {
        Value inRange = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult,
                                              v, index(vectors));
        auto guardIf = scf::IfOp::create(b, loc, inRange);
        b.setInsertionPointToStart(&guardIf.getThenRegion().front());
      }
      Value rowInCore = arith::RemUIOp::create(b, loc, v, index(8));
      Value c = arith::RemUIOp::create(
          b, loc, arith::DivUIOp::create(b, loc, v, index(8)), index(groupsK));
      Value g = arith::DivUIOp::create(b, loc, v, index(8 * groupsK));
      Value r = arith::AddIOp::create(
          b, loc, arith::MulIOp::create(b, loc, g, index(8)), rowInCore);
      Value k = arith::AddIOp::create(
          b, loc, k0, arith::MulIOp::create(b, loc, c, index(8)));
      Value row = arith::AddIOp::create(b, loc, row0, r);
      // Vector (c * rows / 8 + g) * 8 + rowInCore.
      Value at = arith::AddIOp::create(
          b, loc, arith::MulIOp::create(b, loc, c, index(tile.rows / 8)), g);
      at = arith::AddIOp::create(
          b, loc, arith::MulIOp::create(b, loc, at, index(8)), rowInCore);
      at = arith::AddIOp::create(b, loc, at, index(tile.base));
      copy(row, k, at);
    }
  }

  /// The loop point of operand `operand`'s element (row, k).
  SmallVector<Value> pointAt(unsigned operand, Value row, Value k) {
    return operand == 0
               ? hrm::matmulPoint(b, loc, op, dims, batch, row, index(0), k)
               : hrm::matmulPoint(b, loc, op, dims, batch, index(0), row, k);
  }

  /// The eight K-consecutive elements of row `row` (M for A, N for B)
  /// from `k`, as bf16.
  Value loadEight(unsigned operand, Value row, Value k) {
    auto type = VectorType::get({8}, b.getBF16Type());
    if (hrm::kContiguousBf16(op, dims, operand)) {
      OpOperand &o = op->getOpOperand(operand);
      return vector::LoadOp::create(
          b, loc, type, o.get(),
          hrm::applyIndexingMap(b, loc, op.getMatchingIndexingMap(&o),
                                pointAt(operand, row, k)),
          /*nontemporal=*/false, llvm::MaybeAlign(16));
    }
    SmallVector<Value> elements;
    for (int64_t e = 0; e < 8; ++e) {
      Value v = hrm::loadAtPoint(
          b, loc, op, operand,
          pointAt(operand, row, arith::AddIOp::create(b, loc, k, index(e))));
      if (!v.getType().isBF16())
        v = arith::TruncFOp::create(b, loc, b.getBF16Type(), v);
      elements.push_back(v);
    }
    return vector::FromElementsOp::create(b, loc, type, elements);
  }

  /// The matrix descriptor of K step `step` of `tile`: the start address,
  /// the leading and the stride byte offset, each in 16-byte units (bits
  /// 0-13, 16-29, 32-45); no swizzling, base offset 0.
  Value descriptor(const SharedTile &tile, int64_t step) {
    Value start = arith::AddIOp::create(
        b, loc, sharedAddress, i64(tile.stepStart(step) * kCoreRowBytes));
    if (stage) {
      Value bytes = arith::MulIOp::create(
          b, loc, stage, index(stageVectors() * kCoreRowBytes));
      start = arith::AddIOp::create(
          b, loc, start,
          arith::IndexCastUIOp::create(b, loc, b.getI64Type(), bytes));
    }
    start = arith::ShRUIOp::create(
        b, loc, arith::AndIOp::create(b, loc, start, i64(0x3ffff)), i64(4));
    int64_t offsets =
        (tile.leadingBytes() >> 4) << 16 | (tile.strideBytes() >> 4) << 32;
    return arith::OrIOp::create(b, loc, start, i64(offsets));
  }

  /// `sum` plus one m64nNk16 step's products for output (row, col), read
  /// back through the descriptors of A (rows M) and B (rows N).
  Value emulatedStep(Value sum, Value descA, Value descB, Value row,
                     Value col) {
    Value rowInTile = arith::SubIOp::create(b, loc, row, m0);
    Value colInTile = arith::SubIOp::create(b, loc, col, n0);
    auto inner = scf::ForOp::create(b, loc, index(0), index(kStepK), index(1),
                                    ValueRange{sum});
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(inner.getBody());
    Value k = inner.getInductionVar();
    Value x = readThrough(descA, rowInTile, k);
    Value y = readThrough(descB, colInTile, k);
    Value acc = arith::AddFOp::create(b, loc, inner.getRegionIterArg(0),
                                      arith::MulFOp::create(b, loc, x, y));
    scf::YieldOp::create(b, loc, acc);
    return inner.getResult(0);
  }

  /// Element (r, k) of a K-major, unswizzled operand as wgmma finds it:
  /// start + (r / 8) * stride + (r % 8) * 16 + (k / 8) * leading +
  /// (k % 8) * 2 bytes.
  Value readThrough(Value desc, Value r, Value k) {
    auto field = [&](int64_t shift) {
      Value f = arith::ShRUIOp::create(b, loc, desc, i64(shift));
      f = arith::AndIOp::create(b, loc, f, i64(0x3fff));
      return arith::ShLIOp::create(b, loc, f, i64(4)).getResult();
    };
    auto asI64 = [&](Value v) {
      return arith::IndexCastUIOp::create(b, loc, b.getI64Type(), v)
          .getResult();
    };
    Value r64 = asI64(r), k64 = asI64(k);
    Value addr = field(0);
    auto add = [&](Value x, Value y) {
      addr = arith::AddIOp::create(b, loc, addr,
                                   arith::MulIOp::create(b, loc, x, y));
    };
    add(arith::DivUIOp::create(b, loc, r64, i64(8)), field(32));
    add(arith::RemUIOp::create(b, loc, r64, i64(8)), i64(kCoreRowBytes));
    add(arith::DivUIOp::create(b, loc, k64, i64(8)), field(16));
    add(arith::RemUIOp::create(b, loc, k64, i64(8)), i64(2));
    Value vec = arith::IndexCastUIOp::create(
        b, loc, b.getIndexType(),
        arith::DivUIOp::create(b, loc, addr, i64(kCoreRowBytes)));
    Value lane = arith::IndexCastUIOp::create(
        b, loc, b.getIndexType(),
        arith::DivUIOp::create(
            b, loc, arith::RemUIOp::create(b, loc, addr, i64(kCoreRowBytes)),
            i64(2)));
    Value v = memref::LoadOp::create(b, loc, smem, vec);
    Value e =
        vector::ExtractOp::create(b, loc, v, ArrayRef<OpFoldResult>{lane});
    return arith::ExtFOp::create(b, loc, b.getF32Type(), e);
  }

  OpBuilder &b;
  Location loc;
  linalg::LinalgOp op;
  const hrm::MatmulDims &dims;
  Tiling t;
  Value init;
  bool emulate;
  int64_t stages;
  SharedTile a, bt;
  Value batch, m0, n0, smem, sharedAddress;
  Value stage;                   // the stage the wgmmas read; null
                                 // with one
  Value sourceBase[2], smemBase; // byte addresses, for cp.async
};

void lower(linalg::LinalgOp op, linalg::FillOp fill,
           const hrm::MatmulDims &dims, Tiling t, bool emulate,
           RewriterBase &rewriter) {
  rewriter.setInsertionPoint(op);
  Value init = fill ? fill.getInputs()[0] : Value();
  WarpgroupTileBuilder tile(rewriter, op.getLoc(), op, dims, t, init, emulate);
  hrm::replaceWithBlocks(rewriter, op, fill, tile, dims.batchSize, kThreads,
                         emulate);
}

struct HrmMatmulToWgmmaPass
    : public mlir::hrm::impl::HrmMatmulToWgmmaBase<HrmMatmulToWgmmaPass> {
  using Base::Base;

  void runOnOperation() override {
    struct Work {
      linalg::LinalgOp op;
      linalg::FillOp fill;
      hrm::MatmulDims dims;
      Tiling t;
    };
    SmallVector<Work> work;
    getOperation()->walk([&](linalg::LinalgOp op) {
      std::optional<hrm::MatmulDims> dims =
          hrm::matchTensorCoreMatmul(op, kStepK);
      if (!dims)
        return;
      if (std::optional<Tiling> t = tiling(*dims))
        work.push_back({op, hrm::precedingFill(op), *dims, *t});
      else
        hrmc::remarkMissed(*this, "wgmma", op)
            << remark::reason("M x N x K = {0} x {1} x {2}: a warpgroup tile "
                              "needs M a multiple of {3}, N of 8, K of 16",
                              dims->mSize, dims->nSize, dims->kSize, kTileM)
            << remark::add("left to hrm-matmul-to-mma-sync");
    });
    IRRewriter rewriter(&getContext());
    for (Work &w : work) {
      hrm::matmulRemark(*this, "wgmma", w.op, w.dims)
          << remark::metric("tile-n", w.t.n)
          << remark::metric("k-chunk", w.t.kChunk);
      lower(w.op, w.fill, w.dims, w.t, emulate, rewriter);
    }
  }
};

} // namespace
