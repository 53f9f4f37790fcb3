//===- MatmulToMmaSync.cpp - contractions -> warp mma.sync kernels --------===//
//
// Each lane computes its fragment coordinates from PTX's mma.sync layouts
// (groupID = lane / 4, threadID_in_group = lane % 4) and loads its operand
// elements straight from global memory (bf16 pairs adjacent along K in one
// 32-bit load); no shared memory yet.
//
//===----------------------------------------------------------------------===//
#include "BufferLoops.h"
#include "TensorCoreMatmul.h"
#include "hrmc/Conversion/Passes.h"

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

/// The instruction for one precision: its K, and the (row, k) / (k, col)
/// coordinates of each lane's A and B elements in register order.
struct MmaShape {
  bool bf16;
  int64_t k;
  SmallVector<FragmentCoord> a, b;
};

MmaShape mmaShape(bool bf16) {
  MmaShape s{bf16, bf16 ? 16 : 4, {}, {}};
  if (bf16) {
    // m16n8k16 .bf16: a0..a7 in four registers of two, b0..b3 in two.
    for (int64_t q = 0; q < 8; ++q)
      s.a.push_back({1, 0, (q / 2) % 2 ? 8 : 0, 0, 2, (q & 1) + (q >= 4 ? 8 : 0)});
    for (int64_t q = 0; q < 4; ++q)
      s.b.push_back({0, 2, (q & 1) + (q >= 2 ? 8 : 0), 1, 0, 0});
  } else {
    // m16n8k4 .tf32: a0, a1 and b0, one register each.
    s.a = {{1, 0, 0, 0, 1, 0}, {1, 0, 8, 0, 1, 0}};
    s.b = {{0, 1, 0, 1, 0, 0}};
  }
  return s;
}

constexpr int64_t kWarpsPerBlock = 4;

/// Builds one matmul's kernel body for the lane `tid` of block
/// (`bx`, `by`, `bz`).
class WarpTileBuilder {
public:
  WarpTileBuilder(OpBuilder &b, Location loc, linalg::LinalgOp op,
                  const hrm::MatmulDims &dims, const MmaShape &shape, Value init,
                  bool emulate)
      : b(b), loc(loc), op(op), dims(dims), shape(shape), init(init),
        emulate(emulate) {
    mTilesPerWarp = dims.mSize % 32 == 0 ? 2 : 1;
    nTilesPerWarp = dims.nSize % 32 == 0 ? 4 : dims.nSize % 16 == 0 ? 2 : 1;
  }

  int64_t gridX() const { return dims.nSize / (8 * nTilesPerWarp); }
  int64_t warpRows() const { return dims.mSize / (16 * mTilesPerWarp); }
  int64_t gridY() const {
    return llvm::divideCeil(warpRows(), kWarpsPerBlock);
  }

  void build(Value bx, Value by, Value bz, Value tid) {
    Value lane = arith::RemUIOp::create(b, loc, tid, index(32));
    Value warp = arith::DivUIOp::create(b, loc, tid, index(32));
    Value warpRow = arith::AddIOp::create(
        b, loc, arith::MulIOp::create(b, loc, by, index(kWarpsPerBlock)),
        warp);
    // The last block's spare warps have no rows; the test is warp-uniform,
    // as mma.sync needs.
    if (warpRows() % kWarpsPerBlock) {
      Value inRange = arith::CmpIOp::create(
          b, loc, arith::CmpIPredicate::ult, warpRow, index(warpRows()));
      auto guard = scf::IfOp::create(b, loc, inRange);
      b.setInsertionPointToStart(&guard.getThenRegion().front());
    }
    batch = bz;
    m0 = arith::MulIOp::create(b, loc, warpRow, index(16 * mTilesPerWarp));
    n0 = arith::MulIOp::create(b, loc, bx, index(8 * nTilesPerWarp));
    groupID = arith::DivUIOp::create(b, loc, lane, index(4));
    threadInGroup = arith::RemUIOp::create(b, loc, lane, index(4));

    SmallVector<Value> accs;
    forEachAccumulator([&](int64_t i, int64_t j, int64_t e) {
      accs.push_back(init ? init : load(2, accumulatorIndices(i, j, e)));
    });

    auto loop = scf::ForOp::create(b, loc, index(0), index(dims.kSize),
                                   index(shape.k), accs);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(loop.getBody());
      k0 = loop.getInductionVar();
      SmallVector<Value> updated =
          emulate ? emulatedProducts(loop.getRegionIterArgs())
                  : mmaProducts(loop.getRegionIterArgs());
      scf::YieldOp::create(b, loc, updated);
    }
    unsigned next = 0;
    forEachAccumulator([&](int64_t i, int64_t j, int64_t e) {
      store(loop.getResult(next++), accumulatorIndices(i, j, e));
    });
  }

private:
  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }

  template <typename Fn> void forEachAccumulator(Fn fn) {
    for (int64_t i = 0; i < mTilesPerWarp; ++i)
      for (int64_t j = 0; j < nTilesPerWarp; ++j)
        for (int64_t e = 0; e < 4; ++e)
          fn(i, j, e);
  }

  /// base + the fragment's row (or column) for this lane.
  Value offset(Value base, int64_t g, int64_t t, int64_t off) {
    Value v = arith::AddIOp::create(b, loc, base, index(off));
    if (g)
      v = arith::AddIOp::create(
          b, loc, v, arith::MulIOp::create(b, loc, groupID, index(g)));
    if (t)
      v = arith::AddIOp::create(
          b, loc, v, arith::MulIOp::create(b, loc, threadInGroup, index(t)));
    return v;
  }

  /// Loop-dimension values of an (m, n, k) point of the op.
  SmallVector<Value> point(Value m, Value n, Value k) {
    return hrm::matmulPoint(b, loc, op, dims, batch, m, n, k);
  }

  SmallVector<Value> accumulatorIndices(int64_t i, int64_t j, int64_t e) {
    FragmentCoord c = accumulatorCoord(e);
    Value row = offset(m0, c.rowG, c.rowT, c.rowOff + 16 * i);
    Value col = offset(n0, c.colG, c.colT, c.colOff + 8 * j);
    return point(row, col, index(0));
  }

  Value load(unsigned operand, ArrayRef<Value> ivs) {
    return hrm::loadAtPoint(b, loc, op, operand, ivs);
  }

  void store(Value v, ArrayRef<Value> ivs) {
    hrm::storeAtPoint(b, loc, op, v, ivs);
  }

  /// The point of A(row, k) of M tile i / of B(k, col) of N tile j that a
  /// fragment element holds.
  SmallVector<Value> pointOfA(int64_t i, const FragmentCoord &c) {
    Value row = offset(m0, c.rowG, c.rowT, c.rowOff + 16 * i);
    Value k = offset(k0, c.colG, c.colT, c.colOff);
    return point(row, index(0), k);
  }
  SmallVector<Value> pointOfB(int64_t j, const FragmentCoord &c) {
    Value k = offset(k0, c.rowG, c.rowT, c.rowOff);
    Value col = offset(n0, c.colG, c.colT, c.colOff + 8 * j);
    return point(index(0), col, k);
  }

  /// Each fragment element of M tile i / N tile j.
  SmallVector<Value> loadA(int64_t i) {
    return llvm::map_to_vector(shape.a, [&](const FragmentCoord &c) {
      return load(0, pointOfA(i, c));
    });
  }
  SmallVector<Value> loadB(int64_t j) {
    return llvm::map_to_vector(shape.b, [&](const FragmentCoord &c) {
      return load(1, pointOfB(j, c));
    });
  }

  /// The 32-bit registers mma.sync takes: bf16 pairs (the first element in
  /// the low half; f32 elements rounded to nearest even) or tf32 (an f32's
  /// bits; the tensor core ignores the low 13 mantissa bits).
  SmallVector<Value> registers(ArrayRef<Value> elements) {
    Type i32 = b.getI32Type();
    SmallVector<Value> regs;
    if (!shape.bf16) {
      for (Value v : elements)
        regs.push_back(arith::BitcastOp::create(b, loc, i32, v));
      return regs;
    }
    auto bits = [&](Value v) {
      Value h = v.getType().isBF16()
                    ? v
                    : arith::TruncFOp::create(b, loc, b.getBF16Type(), v);
      h = arith::BitcastOp::create(b, loc, b.getI16Type(), h);
      return arith::ExtUIOp::create(b, loc, i32, h).getResult();
    };
    Value sixteen = arith::ConstantIntOp::create(b, loc, i32, 16);
    for (size_t q = 0; q < elements.size(); q += 2)
      regs.push_back(arith::OrIOp::create(
          b, loc, bits(elements[q]),
          arith::ShLIOp::create(b, loc, bits(elements[q + 1]), sixteen)));
    return regs;
  }

  /// Whether a lane's pairs of K-consecutive elements of operand `operand`
  /// are adjacent in memory and 4-byte aligned: stored in bf16, with an
  /// identity layout whose last dimension K indexes (its size, a multiple
  /// of 16, makes every row start 4-byte aligned; pairs start at even k).
  bool pairsAdjacent(unsigned operand) {
    return shape.bf16 && hrm::kContiguousBf16(op, dims, operand);
  }

  /// One 32-bit load of the pair that starts at `ivs` (bf16 storage).
  Value loadPair(unsigned operand, ArrayRef<Value> ivs) {
    OpOperand &o = op->getOpOperand(operand);
    auto pair = VectorType::get({2}, b.getBF16Type());
    Value v = vector::LoadOp::create(
        b, loc, pair, o.get(),
        hrm::applyIndexingMap(b, loc, op.getMatchingIndexingMap(&o), ivs),
        /*nontemporal=*/false, llvm::MaybeAlign(4));
    v = vector::BitCastOp::create(b, loc, VectorType::get({1}, b.getI32Type()),
                                  v);
    return vector::ExtractOp::create(b, loc, v, ArrayRef<int64_t>{0});
  }

  /// The A registers of M tile i / the B registers of N tile j: a pair
  /// per register (shape.a / shape.b list the pairs' elements in order).
  SmallVector<Value> pairedA(int64_t i) {
    SmallVector<Value> regs;
    for (size_t q = 0; q < shape.a.size(); q += 2)
      regs.push_back(loadPair(0, pointOfA(i, shape.a[q])));
    return regs;
  }
  SmallVector<Value> pairedB(int64_t j) {
    SmallVector<Value> regs;
    for (size_t q = 0; q < shape.b.size(); q += 2)
      regs.push_back(loadPair(1, pointOfB(j, shape.b[q])));
    return regs;
  }

  SmallVector<Value> mmaProducts(ValueRange accs) {
    SmallVector<SmallVector<Value>> a, bRegs;
    bool pairA = pairsAdjacent(0), pairB = pairsAdjacent(1);
    for (int64_t i = 0; i < mTilesPerWarp; ++i)
      a.push_back(pairA ? pairedA(i) : registers(loadA(i)));
    for (int64_t j = 0; j < nTilesPerWarp; ++j)
      bRegs.push_back(pairB ? pairedB(j) : registers(loadB(j)));
    Type f32 = b.getF32Type();
    auto result =
        LLVM::LLVMStructType::getLiteral(b.getContext(), {f32, f32, f32, f32});
    NVVM::MMATypes type = shape.bf16 ? NVVM::MMATypes::bf16
                                     : NVVM::MMATypes::tf32;
    SmallVector<Value> updated;
    for (int64_t i = 0; i < mTilesPerWarp; ++i)
      for (int64_t j = 0; j < nTilesPerWarp; ++j) {
        ValueRange c = accs.slice((i * nTilesPerWarp + j) * 4, 4);
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

  /// What the tensor cores compute for each accumulator, from the operand
  /// rows and columns themselves, rounded as the precision rounds them.
  SmallVector<Value> emulatedProducts(ValueRange accs) {
    auto rounded = [&](Value v) -> Value {
      if (v.getType().isBF16())
        return arith::ExtFOp::create(b, loc, b.getF32Type(), v);
      return hrm::roundToTensorCoreType(b, loc, v, shape.bf16);
    };
    SmallVector<Value> updated;
    unsigned next = 0;
    forEachAccumulator([&](int64_t i, int64_t j, int64_t e) {
      SmallVector<Value> at = accumulatorIndices(i, j, e);
      Value row = at[dims.m], col = at[dims.n];
      auto inner = scf::ForOp::create(b, loc, index(0), index(shape.k),
                                      index(1), ValueRange{accs[next++]});
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(inner.getBody());
      Value k = arith::AddIOp::create(b, loc, k0, inner.getInductionVar());
      Value x = rounded(load(0, point(row, index(0), k)));
      Value y = rounded(load(1, point(index(0), col, k)));
      Value sum = arith::AddFOp::create(b, loc, inner.getRegionIterArg(0),
                                        arith::MulFOp::create(b, loc, x, y));
      scf::YieldOp::create(b, loc, sum);
      updated.push_back(inner.getResult(0));
    });
    return updated;
  }

  OpBuilder &b;
  Location loc;
  linalg::LinalgOp op;
  const hrm::MatmulDims &dims;
  const MmaShape &shape;
  Value init;
  bool emulate;
  int64_t mTilesPerWarp, nTilesPerWarp;
  Value batch, m0, n0, k0, groupID, threadInGroup;
};

void lower(linalg::LinalgOp op, linalg::FillOp fill, const hrm::MatmulDims &dims,
           const MmaShape &shape, bool emulate, RewriterBase &rewriter) {
  Location loc = op.getLoc();
  rewriter.setInsertionPoint(op);
  Value init = fill ? fill.getInputs()[0] : Value();
  WarpTileBuilder tile(rewriter, loc, op, dims, shape, init, emulate);
  auto index = [&](int64_t v) {
    return arith::ConstantIndexOp::create(rewriter, loc, v).getResult();
  };
  Value gx = index(tile.gridX()), gy = index(tile.gridY()),
        gz = index(dims.batchSize), threads = index(32 * kWarpsPerBlock);
  if (emulate) {
    Value zero = index(0), one = index(1);
    auto loops = scf::ParallelOp::create(rewriter, loc, {zero, zero, zero, zero},
                                         {gz, gy, gx, threads},
                                         {one, one, one, one});
    loops->setAttr(hrm::kStoresEachElementOnce, rewriter.getUnitAttr());
    rewriter.setInsertionPointToStart(loops.getBody());
    SmallVector<Value> ivs(loops.getInductionVars());
    tile.build(ivs[2], ivs[1], ivs[0], ivs[3]);
  } else {
    auto launch = hrm::createStoresOnceLaunch(rewriter, loc, gx, gy, gz,
                                              32 * kWarpsPerBlock);
    tile.build(launch.getBlockIds().x, launch.getBlockIds().y,
               launch.getBlockIds().z, launch.getThreadIds().x);
  }
  rewriter.eraseOp(op);
  if (fill)
    rewriter.eraseOp(fill);
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
      if (std::optional<hrm::MatmulDims> dims =
              hrm::matchTensorCoreMatmul(op, shape.k))
        work.push_back({op, hrm::precedingFill(op), *dims});
    });
    IRRewriter rewriter(&getContext());
    for (Work &w : work)
      lower(w.op, w.fill, w.dims, shape, emulate, rewriter);
  }
};

} // namespace
