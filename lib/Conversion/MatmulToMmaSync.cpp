//===- MatmulToMmaSync.cpp - contractions -> warp mma.sync kernels --------===//
//
// A block of four warps stages each K chunk of its A rows and B columns in
// shared memory (coalesced, 16 bytes per copy where the operand allows;
// two stages filled by cp.async where both operands do), and each lane
// reads its fragment registers from there: ldmatrix for bf16 (transposed
// for a B staged [K, N] as it is stored), PTX's mma.sync coordinates
// (groupID = lane / 4, threadID_in_group = lane % 4) for tf32. The tiles'
// rows are padded so that a warp's fragment loads hit 32 banks.
//
//===----------------------------------------------------------------------===//
#include "BufferLoops.h"
#include "TensorCoreMatmul.h"
#include "hrmc/Conversion/Passes.h"
#include "hrmc/Support/Remarks.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::hrm {
#define GEN_PASS_DEF_HRMMATMULTOMMASYNC
#include "hrmc/Conversion/Passes.h.inc"
} // namespace mlir::hrm

using namespace mlir;

namespace {

/// A fragment element's place in its tile: row = rowG * groupID +
/// rowT * threadIDInGroup + rowOff, and likewise the column.
struct FragmentCoord {
  int64_t rowG, rowT, rowOff, colG, colT, colOff;
};

/// The accumulator (and result) of every m16n8 shape: c0..c3.
FragmentCoord accumulatorCoord(int64_t e) {
  return {1, 0, e >= 2 ? 8 : 0, 0, 2, e & 1};
}

/// The instruction for one precision: its K, its registers per lane, and
/// for tf32 the (row, k) of each A register and of each B register in the
/// staged [N, K] tile (row n). bf16 fragments come through ldmatrix.
struct MmaShape {
  bool bf16;
  int64_t k, registersA, registersB;
  SmallVector<FragmentCoord> a, b;
};

MmaShape mmaShape(bool bf16) {
  // m16n8k16 .bf16: a0..a7 in four registers of two, b0..b3 in two.
  if (bf16)
    return {true, 16, 4, 2, {}, {}};
  // m16n8k4 .tf32: a0 (g, t), a1 (g + 8, t); b0 (k t, column g).
  FragmentCoord g{1, 0, 0, 0, 1, 0}, g8{1, 0, 8, 0, 1, 0};
  return {false, 4, 2, 1, {g, g8}, {g}};
}

constexpr int64_t kWarpsPerBlock = 4;
constexpr int64_t kThreads = 32 * kWarpsPerBlock;
constexpr int64_t kLoadBytes = 16;

/// How one matmul is cut: each warp computes mTiles x nTiles instruction
/// tiles (16 x 8), the block's warps are arranged warpsM x warpsN, and the
/// block stages `chunk` of K per barrier.
struct Tiling {
  int64_t mTiles, nTiles, warpsM, warpsN, chunk;
  int64_t warpRows; // warp tiles along the whole M
  int64_t blockRows() const { return warpsM * 16 * mTiles; }
  int64_t blockCols() const { return warpsN * 8 * nTiles; }
};

Tiling tiling(const hrm::MatmulDims &dims, const MmaShape &shape) {
  Tiling t{};
  t.mTiles = dims.mSize % 32 == 0 ? 2 : 1;
  t.nTiles = dims.nSize % 32 == 0 ? 4 : dims.nSize % 16 == 0 ? 2 : 1;
  // Two warps along N where the columns divide: each staged A row and B
  // column is then read by two warps.
  t.warpsN = (dims.nSize / (8 * t.nTiles)) % 2 == 0 ? 2 : 1;
  t.warpsM = kWarpsPerBlock / t.warpsN;
  t.warpRows = dims.mSize / (16 * t.mTiles);
  // 64 bytes of K per row for tf32 as for bf16: eight tf32 steps per
  // chunk (128 bytes) took ptxas to 250 registers, four to under 200.
  int64_t largest = shape.bf16 ? 32 : 16;
  for (int64_t k : {32, 16, 8, 4})
    if (k <= largest && k >= shape.k && dims.kSize % k == 0) {
      t.chunk = k;
      break;
    }
  return t;
}

/// A lane's place: its fragment coordinates and where its warp's tile
/// starts in the block's tiles.
struct Lane {
  Value lane, groupID, threadInGroup;
  Value rowInBlock, colInBlock; // the warp tile's first row / column
  Value valid;                  // null when every warp has rows
};

/// Builds one matmul's kernel body (or its host emulation).
class BlockTileBuilder {
public:
  BlockTileBuilder(OpBuilder &b, Location loc, linalg::LinalgOp op,
                   const hrm::MatmulDims &dims, const MmaShape &shape, Tiling t,
                   Value init, bool emulate)
      : b(b), loc(loc), op(op), dims(dims), shape(shape), t(t), init(init),
        emulate(emulate) {
    stages = vectorWidth(0) > 1 && vectorWidth(1) > 1 ? 2 : 1;
  }

  int64_t gridX() const { return dims.nSize / t.blockCols(); }
  int64_t gridY() const { return llvm::divideCeil(t.warpRows, t.warpsM); }
  /// Rows of A a block stages: all of M where one block row covers it.
  int64_t stagedRows() const {
    return gridY() == 1 ? std::min(t.blockRows(), dims.mSize) : t.blockRows();
  }

  /// The staged chunks of A (block rows) and B (block columns) in the
  /// instruction's operand type: [rows, K], or for a k-major B [K, N].
  /// Where both operands are copied 16 bytes at a time, two stages: the
  /// copy of the next chunk (cp.async) runs while the warps multiply this
  /// one.
  SmallVector<Type> sharedTypes(Attribute space) {
    auto type = [&](int64_t rows, int64_t elements, bool kMajorRead) {
      return MemRefType::get({stages, rows, paddedRow(elements, kMajorRead)},
                             sharedElement(), MemRefLayoutAttrInterface(),
                             space);
    };
    Type tileB = kMajor(1) ? type(t.chunk, t.blockCols(), true)
                           : type(t.blockCols(), t.chunk, false);
    return {type(stagedRows(), t.chunk, false), tileB};
  }

  void buildKernel(Value bx, Value by, Value bz, Value tid, ValueRange tiles) {
    setBlock(bx, by, bz, tiles);
    for (unsigned operand : {0u, 1u})
      tileBase[operand] = memref::ExtractAlignedPointerAsIndexOp::create(
          b, loc, tiles[operand]);
    Lane lane = laneOf(tid);
    SmallVector<Value> accs;
    forEachAccumulator([&](int64_t i, int64_t j, int64_t e) {
      accs.push_back(startValue(lane, i, j, e));
    });
    if (stages == 2)
      return buildPipelinedKernel(tid, lane, accs);
    auto loop = scf::ForOp::create(b, loc, index(0), index(dims.kSize),
                                   index(t.chunk), accs);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(loop.getBody());
      stage = index(0);
      copyChunk(tid, loop.getInductionVar());
      gpu::BarrierOp::create(b, loc);
      SmallVector<Value> d(loop.getRegionIterArgs());
      for (int64_t s = 0; s < t.chunk / shape.k; ++s)
        d = mmaStep(lane, s, d);
      // No thread may overwrite the chunk while another reads it.
      gpu::BarrierOp::create(b, loc);
      scf::YieldOp::create(b, loc, d);
    }
    storeResults(lane, [&](unsigned n) { return loop.getResult(n); });
  }

  /// The two-stage K loop (hrm::pipelinedChunks): one barrier per chunk.
  void buildPipelinedKernel(Value tid, const Lane &lane, ValueRange accs) {
    for (unsigned operand : {0u, 1u})
      sourceBase[operand] = memref::ExtractAlignedPointerAsIndexOp::create(
          b, loc, op->getOperand(operand));
    scf::ForOp loop = hrm::pipelinedChunks(
        b, loc, dims.kSize / t.chunk, accs,
        [&](Value chunk, Value into, Value more) {
          requestChunk(tid, chunk, into, more);
        },
        [&] { gpu::BarrierOp::create(b, loc); },
        [&](Value read, ValueRange iterArgs) {
          stage = read;
          SmallVector<Value> d(iterArgs);
          for (int64_t s = 0; s < t.chunk / shape.k; ++s)
            d = mmaStep(lane, s, d);
          return d;
        });
    storeResults(lane, [&](unsigned n) { return loop.getResult(n); });
  }

  /// Block (bx, by, bz) on the host: each phase between two barriers is a
  /// loop over the threads. Each lane loads its registers as the kernel
  /// does, and a warp's products are taken from its lanes' registers where
  /// PTX's fragment layouts (written out again, separately, below) place
  /// each element, so that a wrong coordinate in either gives wrong sums.
  void buildEmulation(Value bx, Value by, Value bz) {
    SmallVector<Value> tiles;
    for (Type type : sharedTypes(Attribute()))
      tiles.push_back(memref::AllocOp::create(b, loc, cast<MemRefType>(type)));
    setBlock(bx, by, bz, tiles);
    Type f32 = b.getF32Type(), i32 = b.getI32Type();
    int64_t count = t.mTiles * t.nTiles * 4;
    Value accs = memref::AllocOp::create(
        b, loc, MemRefType::get({kThreads, count}, f32));
    Value regsA = memref::AllocOp::create(
        b, loc, MemRefType::get({kThreads, t.mTiles, shape.registersA}, i32));
    Value regsB = memref::AllocOp::create(
        b, loc, MemRefType::get({kThreads, t.nTiles, shape.registersB}, i32));
    Value rows = memref::AllocOp::create(
        b, loc,
        MemRefType::get({kThreads, t.mTiles + (t.nTiles + 1) / 2, 2},
                        b.getIndexType()));
    forEachThread([&](Value tid) {
      Lane lane = laneOf(tid);
      unsigned n = 0;
      forEachAccumulator([&](int64_t i, int64_t j, int64_t e) {
        memref::StoreOp::create(b, loc, startValue(lane, i, j, e), accs,
                                ValueRange{tid, index(n++)});
      });
    });
    stage = index(0);
    hrm::emulateChunks(
        b, loc, dims.kSize / t.chunk, stages == 2,
        [&](auto fn) { forEachThread(fn); },
        [&](Value tid, Value chunk, Value into, Value more) {
          requestChunk(tid, chunk, into, more);
        },
        [&](Value tid, Value c) { copyChunk(tid, mul(c, t.chunk)); },
        [&](Value read) {
          if (read)
            stage = read;
          emulateChunk(accs, regsA, regsB, rows);
        });
    forEachThread([&](Value tid) {
      storeResults(laneOf(tid), [&](unsigned n) {
        return memref::LoadOp::create(b, loc, accs, ValueRange{tid, index(n)})
            .getResult();
      });
    });
    for (Value buffer : {accs, regsA, regsB, rows, tiles[0], tiles[1]})
      memref::DeallocOp::create(b, loc, buffer);
  }

private:
  /// The products of the chunk in `stage`, phase by phase: the lanes'
  /// ldmatrix addresses, their registers, their warps' mma.syncs.
  void emulateChunk(Value accs, Value regsA, Value regsB, Value rows) {
    for (int64_t s = 0; s < t.chunk / shape.k; ++s) {
      // ldmatrix: every lane gives its rows' addresses, then takes its
      // registers from the rows other lanes gave.
      if (shape.bf16)
        forEachThread([&](Value tid) {
          for (auto [m, load] : llvm::enumerate(matrixLoads(laneOf(tid), s))) {
            Value at[] = {load.row, load.col};
            for (int64_t c = 0; c < 2; ++c)
              memref::StoreOp::create(b, loc, at[c], rows,
                                      ValueRange{tid, index(m), index(c)});
          }
        });
      forEachThread([&](Value tid) {
        Lane lane = laneOf(tid);
        Fragments f;
        if (shape.bf16) {
          SmallVector<SmallVector<Value>> loaded;
          for (auto [m, load] : llvm::enumerate(matrixLoads(lane, s)))
            loaded.push_back(emulatedMatrixLoad(tid, m, load, rows));
          f = split(loaded);
        } else {
          f = fragments(lane, s);
        }
        for (auto [i, regs] : llvm::enumerate(f.first))
          for (auto [r, reg] : llvm::enumerate(regs))
            memref::StoreOp::create(b, loc, reg, regsA,
                                    ValueRange{tid, index(i), index(r)});
        for (auto [j, regs] : llvm::enumerate(f.second))
          for (auto [r, reg] : llvm::enumerate(regs))
            memref::StoreOp::create(b, loc, reg, regsB,
                                    ValueRange{tid, index(j), index(r)});
      });
      forEachThread([&](Value tid) {
        hrm::MmaEmulation emulation(b, loc, shape.bf16);
        unsigned n = 0;
        forEachAccumulator([&](int64_t i, int64_t j, int64_t e) {
          Value at[] = {tid, index(n++)};
          Value sum = memref::LoadOp::create(b, loc, accs, at);
          sum = emulation.accumulate(tid, i, j, e, regsA, regsB, sum);
          memref::StoreOp::create(b, loc, sum, accs, at);
        });
      });
    }
  }

  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value add(Value x, int64_t y) {
    return y ? arith::AddIOp::create(b, loc, x, index(y)).getResult() : x;
  }
  Value mul(Value x, int64_t y) {
    if (y == 1)
      return x;
    return arith::MulIOp::create(b, loc, x, index(y));
  }
  Value div(Value x, int64_t y) {
    return arith::DivUIOp::create(b, loc, x, index(y));
  }
  Value rem(Value x, int64_t y) {
    return arith::RemUIOp::create(b, loc, x, index(y));
  }

  /// A tile row of `elements` plus padding, so that a warp's fragment
  /// loads hit distinct banks. ldmatrix reads 16 bytes from each of 8
  /// rows, and tf32 lanes (g, t) read word g * row + t: an odd number of
  /// 16-byte units, so that g * row mod 32 takes eight distinct multiples
  /// of 4. tf32 lanes of a k-major tile read word t * row + g: row mod 16
  /// = 8, so that t * row mod 32 takes four distinct multiples of 8.
  int64_t paddedRow(int64_t elements, bool kMajorRead) const {
    int64_t words = elements * elementBytes() / 4;
    assert(words % 4 == 0 && "rows of whole 16-byte units");
    if (!shape.bf16 && kMajorRead) {
      if (words % 16 == 0)
        words += 8;
      else if (words % 16 != 8)
        words += 4;
    } else if ((words / 4) % 2 == 0) {
      words += 4;
    }
    return words * 4 / elementBytes();
  }

  Type sharedElement() const {
    return shape.bf16 ? Type(b.getBF16Type()) : Type(b.getF32Type());
  }
  int64_t elementBytes() const { return shape.bf16 ? 2 : 4; }

  template <typename Fn> void forEachAccumulator(Fn fn) {
    for (int64_t i = 0; i < t.mTiles; ++i)
      for (int64_t j = 0; j < t.nTiles; ++j)
        for (int64_t e = 0; e < 4; ++e)
          fn(i, j, e);
  }

  template <typename Fn> void forEachThread(Fn fn) {
    auto loop = scf::ForOp::create(b, loc, index(0), index(kThreads), index(1));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    fn(loop.getInductionVar());
  }

  void setBlock(Value bx, Value by, Value bz, ValueRange tiles) {
    batch = bz;
    blockRow = by;
    m0 = mul(by, t.blockRows());
    n0 = mul(bx, t.blockCols());
    tileA = tiles[0];
    tileB = tiles[1];
  }

  /// Warp w of the block covers warp row by * warpsM + w / warpsN and warp
  /// column w % warpsN. The last block's spare warps (no rows left) repeat
  /// the last warp row's products, reading only staged rows, and store
  /// nothing; every thread still reaches each barrier.
  Lane laneOf(Value tid) {
    Lane l;
    Value lane = rem(tid, 32), warp = div(tid, 32);
    l.lane = lane;
    l.groupID = div(lane, 4);
    l.threadInGroup = rem(lane, 4);
    Value warpRow = arith::AddIOp::create(b, loc, mul(blockRow, t.warpsM),
                                          div(warp, t.warpsN));
    if (t.warpRows % t.warpsM) {
      l.valid = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult,
                                      warpRow, index(t.warpRows));
      warpRow = arith::MinUIOp::create(b, loc, warpRow, index(t.warpRows - 1));
    }
    l.rowInBlock =
        arith::SubIOp::create(b, loc, mul(warpRow, 16 * t.mTiles), m0);
    l.colInBlock = mul(rem(warp, t.warpsN), 8 * t.nTiles);
    return l;
  }
  /// base + the fragment's row (or column) for this lane.
  Value offset(const Lane &l, Value base, int64_t g, int64_t tg, int64_t off) {
    Value v = add(base, off);
    if (g)
      v = arith::AddIOp::create(b, loc, v, mul(l.groupID, g));
    if (tg)
      v = arith::AddIOp::create(b, loc, v, mul(l.threadInGroup, tg));
    return v;
  }

  /// The output point of accumulator e of tile (i, j).
  SmallVector<Value> accumulatorPoint(const Lane &l, int64_t i, int64_t j,
                                      int64_t e) {
    FragmentCoord c = accumulatorCoord(e);
    Value row = offset(l, arith::AddIOp::create(b, loc, m0, l.rowInBlock),
                       c.rowG, c.rowT, c.rowOff + 16 * i);
    Value col = offset(l, arith::AddIOp::create(b, loc, n0, l.colInBlock),
                       c.colG, c.colT, c.colOff + 8 * j);
    return hrm::matmulPoint(b, loc, op, dims, batch, row, col, index(0));
  }

  Value startValue(const Lane &l, int64_t i, int64_t j, int64_t e) {
    if (init)
      return init;
    return hrm::loadAtPoint(b, loc, op, op.getNumDpsInputs(),
                            accumulatorPoint(l, i, j, e));
  }

  template <typename Result> void storeResults(const Lane &l, Result result) {
    OpBuilder::InsertionGuard guard(b);
    if (l.valid) {
      auto guarded = scf::IfOp::create(b, loc, l.valid);
      b.setInsertionPointToStart(&guarded.getThenRegion().front());
    }
    unsigned n = 0;
    forEachAccumulator([&](int64_t i, int64_t j, int64_t e) {
      hrm::storeAtPoint(b, loc, op, result(n++), accumulatorPoint(l, i, j, e));
    });
  }

  //===--------------------------------------------------------------------===//
  // Staging
  //===--------------------------------------------------------------------===//

  /// Elements per load of operand `operand`: 16 bytes where it is stored in
  /// the instruction's type with K last, or k-major, else one.
  int64_t vectorWidth(unsigned operand) {
    if (!storedAsStaged(operand) ||
        !(lastIndexIs(operand, dims.k) || kMajor(operand)))
      return 1;
    return kLoadBytes / elementBytes();
  }

  /// Whether B is staged [K, N]: stored [.., K, N] in the instruction's
  /// type, N contiguous (the weights of the tf32 build, the output
  /// gradients that the weight gradients read). Its chunk rows are then
  /// 16-byte copies along N, read through ldmatrix.trans (bf16) or as
  /// 32-bit words at (k, n) (tf32). A with M contiguous is not staged so:
  /// its last block row may be partial, which a 16-byte copy along M
  /// cannot clamp.
  bool kMajor(unsigned operand) {
    return operand == 1 && storedAsStaged(1) && lastIndexIs(1, dims.n);
  }

  /// Whether operand `operand` is stored as its tile is: in the
  /// instruction's type, contiguous, each last-dimension line a whole
  /// number of 16-byte units (so that every 16-byte copy is aligned).
  bool storedAsStaged(unsigned operand) {
    auto type = cast<MemRefType>(op->getOperand(operand).getType());
    return type.getElementType() == sharedElement() &&
           type.getLayout().isIdentity() && type.getRank() > 0 &&
           (type.getShape().back() * elementBytes()) % kLoadBytes == 0;
  }

  /// Whether operand `operand`'s last index is loop dimension `dim`.
  bool lastIndexIs(unsigned operand, unsigned dim) {
    AffineMap map = op.getMatchingIndexingMap(&op->getOpOperand(operand));
    return map.getNumResults() > 0 &&
           map.getResults().back() == b.getAffineDimExpr(dim);
  }

  /// Where element (r, c) of a chunk (r along the operand's rows, c along
  /// K) lies in its staged tile's stage `stage`.
  SmallVector<Value> tileIndex(unsigned operand, Value stage, Value r,
                               Value c) {
    if (kMajor(operand))
      return {stage, c, r};
    return {stage, r, c};
  }

  /// The pointer (in address space `space`) to element `indices` of a
  /// buffer of `type` whose aligned pointer is `base`.
  Value address(Value base, ValueRange indices, MemRefType type,
                unsigned space) {
    return hrm::byteAddress(b, loc, base, indices, type.getShape(),
                            elementBytes(), space);
  }

  /// Thread `tid`'s 16-byte copies of chunk `chunk` of both operands into
  /// stage `into`: `cp.async` in the kernel (reading nothing and writing
  /// zeros where `valid`, when given, is false), done at once on the host.
  void requestChunk(Value tid, Value chunk, Value into, Value valid) {
    Value k0 = mul(chunk, t.chunk);
    requestTile(0, tileA, stagedRows(), tid, k0, into, valid);
    requestTile(1, tileB, t.blockCols(), tid, k0, into, valid);
  }

  void requestTile(unsigned operand, Value tile, int64_t rows, Value tid,
                   Value k0, Value into, Value valid) {
    OpOperand &o = op->getOpOperand(operand);
    auto source = cast<MemRefType>(o.get().getType());
    auto staged = cast<MemRefType>(tile.getType());
    forEachShare(
        operand, rows, tid, k0, /*clamp=*/true,
        [&](Value r, Value c, ArrayRef<Value> at, Value inside) {
          Value ok = valid;
          if (inside)
            ok = ok ? arith::AndIOp::create(b, loc, ok, inside).getResult()
                    : inside;
          SmallVector<Value> to = tileIndex(operand, into, r, c);
          if (emulate) {
            if (ok) {
              auto guardIf = scf::IfOp::create(b, loc, ok);
              b.setInsertionPointToStart(&guardIf.getThenRegion().front());
            }
            Value x = vector::LoadOp::create(
                b, loc,
                VectorType::get({vectorWidth(operand)}, sharedElement()),
                o.get(), at);
            vector::StoreOp::create(b, loc, x, tile, to);
            return;
          }
          Value src = hrm::toGlobal(
              b, loc, address(sourceBase[operand], at, source, 0));
          Value dst = address(tileBase[operand], to, staged, 3);
          hrm::copy16Async(b, loc, dst, src, ok);
        });
  }

  void copyChunk(Value tid, Value k0) {
    copyTile(0, tileA, stagedRows(), tid, k0);
    copyTile(1, tileB, t.blockCols(), tid, k0);
  }

  void copyTile(unsigned operand, Value tile, int64_t rows, Value tid,
                Value k0) {
    int64_t width = vectorWidth(operand);
    OpOperand &o = op->getOpOperand(operand);
    forEachShare(
        operand, rows, tid, k0, /*clamp=*/false,
        [&](Value r, Value c, ArrayRef<Value> at, Value) {
          SmallVector<Value> to = tileIndex(operand, stage, r, c);
          if (width > 1) {
            Value x = vector::LoadOp::create(
                b, loc, VectorType::get({width}, sharedElement()), o.get(), at,
                /*nontemporal=*/false, llvm::MaybeAlign(kLoadBytes));
            vector::StoreOp::create(b, loc, x, tile, to, /*nontemporal=*/false,
                                    llvm::MaybeAlign(kLoadBytes));
            return;
          }
          Value x = memref::LoadOp::create(b, loc, o.get(), at);
          // bf16 rounds to nearest even; tf32 keeps the f32's bits, of which
          // the tensor core ignores the low 13 mantissa bits.
          if (x.getType() != sharedElement())
            x = arith::TruncFOp::create(b, loc, sharedElement(), x);
          memref::StoreOp::create(b, loc, x, tile, to);
        });
  }

  /// Calls `copy(r, c, at, inside)` for thread `tid`'s share of copying
  /// `rows` rows of the chunk at `k0` of `operand` (copies q * 128 + tid,
  /// for each q, in the order in which the operand is contiguous): chunk
  /// element (r, c) (row r, K c), operand indices `at`. Rows of A past M
  /// (the last block row) are skipped, or with `clamp` moved onto its last
  /// row and `inside` (else null) is false there.
  template <typename Copy>
  void forEachShare(unsigned operand, int64_t rows, Value tid, Value k0,
                    bool clamp, Copy copy) {
    int64_t width = vectorWidth(operand);
    // Contiguous along the rows: a k-major tile, or an operand copied an
    // element at a time whose rows' index is its last.
    bool acrossRows =
        kMajor(operand) ||
        (width == 1 && lastIndexIs(operand, operand == 0 ? dims.m : dims.n));
    int64_t perLine = (acrossRows ? rows : t.chunk) / width;
    int64_t loads = (acrossRows ? t.chunk : rows) * perLine;
    bool partialRows = operand == 0 && gridY() * stagedRows() > dims.mSize;
    OpOperand &o = op->getOpOperand(operand);
    auto guardBy = [&](Value cond) {
      auto guardIf = scf::IfOp::create(b, loc, cond);
      b.setInsertionPointToStart(&guardIf.getThenRegion().front());
    };
    for (int64_t q = 0; q * kThreads < loads; ++q) {
      OpBuilder::InsertionGuard guard(b);
      Value v = add(tid, q * kThreads);
      if ((q + 1) * kThreads > loads)
        guardBy(arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, v,
                                      index(loads)));
      Value along = mul(rem(v, perLine), width), line = div(v, perLine);
      Value r = acrossRows ? along : line;
      Value c = acrossRows ? line : along;
      Value row = arith::AddIOp::create(b, loc, operand == 0 ? m0 : n0, r);
      Value inside;
      if (partialRows) {
        inside = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, row,
                                       index(dims.mSize));
        if (clamp) {
          row = arith::MinUIOp::create(b, loc, row, index(dims.mSize - 1));
        } else {
          guardBy(inside);
          inside = nullptr;
        }
      }
      Value k = arith::AddIOp::create(b, loc, k0, c);
      SmallVector<Value> point =
          operand == 0
              ? hrm::matmulPoint(b, loc, op, dims, batch, row, index(0), k)
              : hrm::matmulPoint(b, loc, op, dims, batch, index(0), row, k);
      copy(r, c,
           hrm::applyIndexingMap(b, loc, op.getMatchingIndexingMap(&o), point),
           inside);
    }
  }

  //===--------------------------------------------------------------------===//
  // Registers and products
  //===--------------------------------------------------------------------===//

  /// The 32-bit register whose elements start at (row, col) of `tile`: a
  /// bf16 pair (the first element in the low half) or a tf32.
  Value loadRegister(Value tile, Value row, Value col) {
    Type i32 = b.getI32Type();
    if (!shape.bf16)
      return arith::BitcastOp::create(
          b, loc, i32,
          memref::LoadOp::create(b, loc, tile, ValueRange{stage, row, col}));
    Value pair =
        vector::LoadOp::create(b, loc, VectorType::get({2}, b.getBF16Type()),
                               tile, ValueRange{stage, row, col},
                               /*nontemporal=*/false, llvm::MaybeAlign(4));
    return hrm::bf16PairAsRegister(b, loc, pair);
  }

  /// The tf32 registers at `coords` of operand `operand`'s instruction
  /// tile whose first row (M of A, N of B) is `row`, for the K step `s` of
  /// the chunk.
  SmallVector<Value> registersAt(const Lane &l, unsigned operand,
                                 ArrayRef<FragmentCoord> coords, Value row,
                                 int64_t s) {
    return llvm::map_to_vector(coords, [&](const FragmentCoord &c) {
      SmallVector<Value> at = tileIndex(
          operand, stage, offset(l, row, c.rowG, c.rowT, c.rowOff),
          offset(l, index(0), c.colG, c.colT, c.colOff + s * shape.k));
      return loadRegister(operand == 0 ? tileA : tileB, at[1], at[2]);
    });
  }

  /// One `ldmatrix` (bf16): `count` 8 x 8 matrices of `tile` (transposed
  /// with `trans`), and the tile row (and its column) of them that this
  /// lane addresses (lane 8m + r gives row r of matrix m; lanes past 8 *
  /// count are ignored).
  struct MatrixLoad {
    Value tile;
    int64_t count;
    bool trans;
    Value row, col;
  };

  /// K step s's loads: an x4 per M tile of A (rows 0-7 and 8-15 by K 0-7,
  /// then by K 8-15: a0..a7's registers in order), then an x4 per pair of
  /// N tiles of B (tile j by K 0-7 and 8-15, then tile j + 1) and an x2
  /// for a last odd one. A k-major B's matrices are [K, N]: rows of K,
  /// transposed, so that each lane still gets its two K-consecutive
  /// elements of one column.
  SmallVector<MatrixLoad> matrixLoads(const Lane &l, int64_t s) {
    SmallVector<MatrixLoad> loads;
    Value kA = add(mul(div(l.lane, 16), 8), 16 * s);
    for (int64_t i = 0; i < t.mTiles; ++i)
      loads.push_back({tileA, 4, false,
                       arith::AddIOp::create(b, loc, add(l.rowInBlock, 16 * i),
                                             rem(l.lane, 16)),
                       kA});
    bool trans = kMajor(1);
    Value kB = add(mul(rem(div(l.lane, 8), 2), 8), 16 * s);
    for (int64_t j = 0; j < t.nTiles; j += 2) {
      bool pair = j + 1 < t.nTiles;
      // The matrix's first column (k-major) or row: N tile j, or j + 1
      // for lanes 16-31 of an x4.
      Value n = add(l.colInBlock, 8 * j);
      if (pair)
        n = arith::AddIOp::create(b, loc, n, mul(div(l.lane, 16), 8));
      if (trans)
        loads.push_back({tileB, pair ? 4 : 2, true,
                         arith::AddIOp::create(b, loc, kB, rem(l.lane, 8)), n});
      else
        loads.push_back({tileB, pair ? 4 : 2, false,
                         arith::AddIOp::create(b, loc, n, rem(l.lane, 8)), kB});
    }
    return loads;
  }

  using Fragments = std::pair<SmallVector<SmallVector<Value>>,
                              SmallVector<SmallVector<Value>>>;

  /// The registers of each load (in matrixLoads' order) as A's per M tile
  /// and B's per N tile.
  Fragments split(ArrayRef<SmallVector<Value>> loaded) {
    Fragments f;
    unsigned m = 0;
    for (int64_t i = 0; i < t.mTiles; ++i)
      f.first.push_back(loaded[m++]);
    for (int64_t j = 0; j < t.nTiles; j += 2) {
      ArrayRef<Value> regs = loaded[m++];
      f.second.push_back(SmallVector<Value>(regs.take_front(2)));
      if (regs.size() == 4)
        f.second.push_back(SmallVector<Value>(regs.drop_front(2)));
    }
    return f;
  }

  /// The lane's A and B registers of K step s: through `ldmatrix` for
  /// bf16, a 32-bit load per register for tf32 (ldmatrix moves 16-bit
  /// elements).
  Fragments fragments(const Lane &l, int64_t s) {
    Fragments f;
    if (!shape.bf16) {
      for (int64_t i = 0; i < t.mTiles; ++i)
        f.first.push_back(
            registersAt(l, 0, shape.a, add(l.rowInBlock, 16 * i), s));
      for (int64_t j = 0; j < t.nTiles; ++j)
        f.second.push_back(
            registersAt(l, 1, shape.b, add(l.colInBlock, 8 * j), s));
      return f;
    }
    SmallVector<SmallVector<Value>> loaded;
    for (const MatrixLoad &m : matrixLoads(l, s)) {
      auto type = LLVM::LLVMStructType::getLiteral(
          b.getContext(), SmallVector<Type>(m.count, b.getI32Type()));
      Value ptr = address(tileBase[m.tile == tileB ? 1 : 0],
                          ValueRange{stage, m.row, m.col},
                          cast<MemRefType>(m.tile.getType()), 3);
      Value regs = NVVM::LdMatrixOp::create(
          b, loc, type, ptr, m.count,
          m.trans ? NVVM::MMALayout::col : NVVM::MMALayout::row,
          NVVM::LdStMatrixShapeAttr::get(b.getContext(), 8, 8),
          NVVM::LdStMatrixEltType::B16);
      SmallVector<Value> values;
      for (int64_t r = 0; r < m.count; ++r)
        values.push_back(LLVM::ExtractValueOp::create(b, loc, regs, r));
      loaded.push_back(values);
    }
    return split(loaded);
  }

  /// What `ldmatrix` gives thread `tid` for load `m` of its warp (`rows`
  /// [thread][load][row, col]: the addresses the lanes gave). Register r
  /// holds two elements of matrix r, whose row i lane 8r + i addressed:
  /// those at 2 x (lane % 4) of row lane / 4, or with `.trans` those at
  /// column lane / 4 of rows 2 x (lane % 4) and the next.
  SmallVector<Value> emulatedMatrixLoad(Value tid, int64_t m,
                                        const MatrixLoad &load, Value rows) {
    Value lane = rem(tid, 32);
    Value warpBase = arith::SubIOp::create(b, loc, tid, lane);
    auto addressed = [&](Value from) -> std::pair<Value, Value> {
      from = arith::AddIOp::create(b, loc, warpBase, from);
      return {memref::LoadOp::create(b, loc, rows,
                                     ValueRange{from, index(m), index(0)}),
              memref::LoadOp::create(b, loc, rows,
                                     ValueRange{from, index(m), index(1)})};
    };
    SmallVector<Value> regs;
    for (int64_t r = 0; r < load.count; ++r) {
      if (!load.trans) {
        auto [row, col] = addressed(add(div(lane, 4), 8 * r));
        col = arith::AddIOp::create(b, loc, col, mul(rem(lane, 4), 2));
        regs.push_back(loadRegister(load.tile, row, col));
        continue;
      }
      SmallVector<Value> pair;
      for (int64_t e = 0; e < 2; ++e) {
        auto [row, col] = addressed(add(mul(rem(lane, 4), 2), 8 * r + e));
        col = arith::AddIOp::create(b, loc, col, div(lane, 4));
        pair.push_back(memref::LoadOp::create(b, loc, load.tile,
                                              ValueRange{stage, row, col}));
      }
      regs.push_back(hrm::bf16PairAsRegister(
          b, loc,
          vector::FromElementsOp::create(
              b, loc, VectorType::get({2}, b.getBF16Type()), pair)));
    }
    return regs;
  }

  SmallVector<Value> mmaStep(const Lane &l, int64_t s, ValueRange accs) {
    auto [a, bRegs] = fragments(l, s);
    Type f32 = b.getF32Type();
    auto result =
        LLVM::LLVMStructType::getLiteral(b.getContext(), {f32, f32, f32, f32});
    NVVM::MMATypes type = shape.bf16 ? NVVM::MMATypes::bf16
                                     : NVVM::MMATypes::tf32;
    SmallVector<Value> updated;
    for (int64_t i = 0; i < t.mTiles; ++i)
      for (int64_t j = 0; j < t.nTiles; ++j) {
        ValueRange c = accs.slice((i * t.nTiles + j) * 4, 4);
        auto mma = NVVM::MmaOp::create(
            b, loc, result, a[i], bRegs[j], c, {16, 8, shape.k},
            std::nullopt, std::nullopt,
            std::array<NVVM::MMATypes, 2>{type, type},
            std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row,
                                           NVVM::MMALayout::col});
        for (int64_t e = 0; e < 4; ++e)
          updated.push_back(LLVM::ExtractValueOp::create(
              b, loc, mma, ArrayRef<int64_t>{e}));
      }
    return updated;
  }

  OpBuilder &b;
  Location loc;
  linalg::LinalgOp op;
  const hrm::MatmulDims &dims;
  const MmaShape &shape;
  Tiling t;
  Value init;
  bool emulate;
  int64_t stages;
  Value batch, blockRow, m0, n0, tileA, tileB;
  Value stage;                      // the stage the fragments are read from
  Value sourceBase[2], tileBase[2]; // byte addresses, for cp.async
};

void lower(linalg::LinalgOp op, linalg::FillOp fill,
           const hrm::MatmulDims &dims, const MmaShape &shape, bool emulate,
           RewriterBase &rewriter) {
  rewriter.setInsertionPoint(op);
  Value init = fill ? fill.getInputs()[0] : Value();
  BlockTileBuilder tile(rewriter, op.getLoc(), op, dims, shape,
                        tiling(dims, shape), init, emulate);
  hrm::replaceWithBlocks(rewriter, op, fill, tile, dims.batchSize, kThreads,
                         emulate);
}

struct HrmMatmulToMmaSyncPass
    : public mlir::hrm::impl::HrmMatmulToMmaSyncBase<HrmMatmulToMmaSyncPass> {
  using Base::Base;

  void runOnOperation() override {
    if (failed(hrm::checkTensorCorePrecision(getOperation(), getArgument(),
                                             precision)))
      return signalPassFailure();
    MmaShape shape = mmaShape(precision == "bf16");
    struct Work {
      linalg::LinalgOp op;
      linalg::FillOp fill;
      hrm::MatmulDims dims;
    };
    SmallVector<Work> work;
    getOperation()->walk([&](linalg::LinalgOp op) {
      std::string whyNot;
      if (std::optional<hrm::MatmulDims> dims =
              hrm::matchTensorCoreMatmul(op, shape.k, &whyNot))
        work.push_back({op, hrm::precedingFill(op), *dims});
      else if (linalg::isaContractionOpInterface(op) && !whyNot.empty())
        hrmc::remarkMissed(*this, "mma-sync", op)
            << remark::reason("{0}", whyNot)
            << remark::add("stays on the CUDA cores");
    });
    IRRewriter rewriter(&getContext());
    for (Work &w : work) {
      hrm::matmulRemark(*this, "mma-sync", w.op, w.dims)
          << remark::metric("precision", precision.getValue());
      lower(w.op, w.fill, w.dims, shape, emulate, rewriter);
    }
  }
};

} // namespace
