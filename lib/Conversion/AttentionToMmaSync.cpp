//===- AttentionToMmaSync.cpp - fused attention on the tensor cores -------===//
//
// Flash attention's forward on mma.sync: a block of four warps takes 64
// queries of one head, 16 per warp. The queries, and each tile of keys and
// values, are staged in shared memory in bf16; a warp's scores for a tile
// are m16n8k16 products of its Q fragments (loaded once) and the staged
// keys, its lanes keep the online softmax of the two rows each holds, and
// the probabilities, packed to bf16 in the accumulators' layout (which is
// the A fragment's), multiply the values, staged transposed so that every B
// register is one 32-bit load.
//
//===----------------------------------------------------------------------===//
#include "BufferLoops.h"
#include "LinalgEmitter.h"
#include "TensorCoreMatmul.h"
#include "hrmc/Conversion/Passes.h"
#include "hrmc/Support/Remarks.h"

#include "hrm/HrmOps.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"

#include <cmath>
#include <limits>

namespace mlir::hrm {
#define GEN_PASS_DEF_HRMATTENTIONTOMMASYNC
#include "hrmc/Conversion/Passes.h.inc"
} // namespace mlir::hrm

using namespace mlir;

namespace {

constexpr int64_t kWarps = 4;
constexpr int64_t kThreads = 32 * kWarps;
constexpr int64_t kBlockQueries = 16 * kWarps;
/// Under the 48 KiB a kernel may declare statically.
constexpr int64_t kSharedBudget = 40 * 1024;

/// A row of `elements` bf16 padded to an odd number of 16-byte units: lanes
/// (g, t) reading word t of row g then hit 32 distinct banks.
int64_t paddedRow(int64_t elements) {
  int64_t units = elements * 2 / 16;
  return (units % 2 ? units : units + 1) * 8;
}

/// convert-hrm-to-linalg{fused-attention}'s nest: q at (head, query, d), k
/// and v at (head, key, d) (k in the dot product's loop), the output stored
/// at (head, query, d).
struct AttentionNest {
  scf::ParallelOp rows;
  Value q, k, v, out;
  hrm::MaskKind mask;
  int64_t prefix, heads, queries, keys, headDim, keyTile;

  /// The head size the instructions see: a multiple of their K, 16 (the
  /// columns past headDim staged as zeros).
  int64_t paddedHeadDim() const { return llvm::alignTo(headDim, 16); }
  int64_t sharedBytes(int64_t tile) const {
    int64_t hd = paddedHeadDim();
    return 2 * (kBlockQueries * paddedRow(hd) + tile * paddedRow(hd) +
                hd * paddedRow(tile));
  }
};

bool isF32Buffer(Value v, ArrayRef<int64_t> shape) {
  auto type = dyn_cast<MemRefType>(v.getType());
  return type && type.getElementType().isF32() &&
         type.getLayout().isIdentity() && type.getShape() == shape;
}

std::optional<AttentionNest> match(scf::ParallelOp rows) {
  auto mask = rows->getAttrOfType<hrm::MaskKindAttr>(hrm::kAttentionMask);
  auto prefix = rows->getAttrOfType<IntegerAttr>(hrm::kAttentionPrefix);
  std::optional<std::pair<int64_t, int64_t>> shape =
      hrm::fusedAttentionRows(rows);
  if (!mask || !prefix || !shape)
    return std::nullopt;
  AttentionNest nest{};
  nest.rows = rows;
  nest.mask = mask.getValue();
  nest.prefix = prefix.getInt();
  std::tie(nest.heads, nest.queries) = *shape;
  scf::ForOp keys;
  for (Operation &op : rows.getBody()->without_terminator())
    if (auto loop = dyn_cast<scf::ForOp>(op)) {
      if (keys)
        return std::nullopt;
      keys = loop;
    }
  if (!keys)
    return std::nullopt;
  Value head = rows.getInductionVars()[0], query = rows.getInductionVars()[1];
  Value key = keys.getInductionVar();
  auto setOnce = [](Value &slot, Value v) {
    if (slot && slot != v)
      return false;
    slot = v;
    return true;
  };
  WalkResult walked = rows.walk([&](Operation *op) {
    if (op == rows.getOperation())
      return WalkResult::advance();
    if (auto load = dyn_cast<memref::LoadOp>(op)) {
      ValueRange at = load.getIndices();
      if (at.size() != 3 || at[0] != head)
        return WalkResult::interrupt();
      bool ok = false;
      if (at[1] == query)
        ok = setOnce(nest.q, load.getMemRef());
      else if (at[1] == key)
        ok = op->getParentOp() == keys.getOperation()
                 ? setOnce(nest.v, load.getMemRef())
                 : setOnce(nest.k, load.getMemRef());
      return ok ? WalkResult::advance() : WalkResult::interrupt();
    }
    if (auto store = dyn_cast<memref::StoreOp>(op)) {
      ValueRange at = store.getIndices();
      if (at.size() != 3 || at[0] != head || at[1] != query ||
          !setOnce(nest.out, store.getMemRef()))
        return WalkResult::interrupt();
      return WalkResult::advance();
    }
    if (!isPure(op) && !isa<scf::ForOp, scf::YieldOp, scf::ReduceOp>(op))
      return WalkResult::interrupt();
    return WalkResult::advance();
  });
  if (walked.wasInterrupted() || !nest.q || !nest.k || !nest.v || !nest.out)
    return std::nullopt;
  auto qType = cast<MemRefType>(nest.q.getType());
  auto kType = cast<MemRefType>(nest.k.getType());
  if (!qType.hasStaticShape() || !kType.hasStaticShape() ||
      qType.getRank() != 3 || kType.getRank() != 3)
    return std::nullopt;
  nest.headDim = qType.getDimSize(2);
  nest.keys = kType.getDimSize(1);
  SmallVector<int64_t> qShape{nest.heads, nest.queries, nest.headDim};
  SmallVector<int64_t> kShape{nest.heads, nest.keys, nest.headDim};
  if (!isF32Buffer(nest.q, qShape) || !isF32Buffer(nest.out, qShape) ||
      !isF32Buffer(nest.k, kShape) || !isF32Buffer(nest.v, kShape) ||
      nest.headDim > hrm::lowering::kMaxFusedHeadDim)
    return std::nullopt;
  // The largest tile that divides the keys, else the largest that a
  // partial last tile does not leave mostly empty.
  for (bool divides : {true, false})
    for (int64_t tile : {64, 32, 16})
      if ((divides
               ? nest.keys % tile == 0
               : tile <= static_cast<int64_t>(llvm::alignTo(nest.keys, 16))) &&
          nest.sharedBytes(tile) <= kSharedBudget) {
        nest.keyTile = tile;
        return nest;
      }
  return std::nullopt;
}

/// A lane's place: g = lane / 4 and t = lane % 4 in PTX's fragment tables,
/// the first of its warp's 16 rows in the block.
struct Lane {
  Value lane, groupID, threadInGroup, warpRow;
};

using Registers = SmallVector<SmallVector<Value>>;

/// Builds one block: the kernel, or its host emulation.
class TensorCoreAttention : hrm::IndexArith {
public:
  TensorCoreAttention(OpBuilder &b, AttentionNest nest)
      : IndexArith(b, nest.rows.getLoc()), nest(nest) {}

  int64_t tile() const { return nest.keyTile; }
  /// The staged head size (a multiple of 16).
  int64_t hd() const { return nest.paddedHeadDim(); }

  /// Q [64, hd], the key tile [tile, hd] and the values transposed [hd,
  /// tile], in bf16, rows padded.
  SmallVector<Type> sharedTypes(Attribute space) {
    Type bf16 = BFloat16Type::get(nest.rows.getContext());
    auto type = [&](int64_t rows, int64_t elements) -> Type {
      return MemRefType::get({rows, paddedRow(elements)}, bf16,
                             MemRefLayoutAttrInterface(), space);
    };
    return {type(kBlockQueries, hd()), type(tile(), hd()), type(hd(), tile())};
  }

  void buildKernel(Value queryBlock, Value head, Value tid, ValueRange shared) {
    setBlock(queryBlock, head, shared);
    Lane l = laneOf(tid);
    stageQueries(tid);
    gpu::BarrierOp::create(b, loc);
    Registers qRegs = queryRegisters(l);
    SmallVector<Value> init(2,
                            fconst(-std::numeric_limits<double>::infinity()));
    init.append(2 + hd() / 2, fconst(0.0));
    auto loop =
        scf::ForOp::create(b, loc, index(0), blockEnd, index(tile()), init);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(loop.getBody());
      Value k0 = loop.getInductionVar();
      ValueRange state = loop.getRegionIterArgs();
      copyTile(tid, k0);
      gpu::BarrierOp::create(b, loc);
      SmallVector<Value> scores(tile() / 2, fconst(0.0));
      for (int64_t s = 0; s < hd() / 16; ++s) {
        Registers kRegs = keyRegisters(l, s);
        for (int64_t j = 0; j < tile() / 8; ++j)
          setTile(scores, j, mma(qRegs[s], kRegs[j], tileOf(scores, j)));
      }
      scores = maskedScores(l, k0, scores);
      SmallVector<Value> rowMax = localMax(scores);
      for (Value &m : rowMax)
        m = butterfly(m, /*sum=*/false);
      Update u = update(scores, state.take_front(2), rowMax, state.slice(2, 2),
                        state.drop_front(4));
      Registers pRegs = probabilityRegisters(u.probabilities);
      for (int64_t kk = 0; kk < tile() / 16; ++kk) {
        Registers vRegs = valueRegisters(l, kk);
        for (int64_t j = 0; j < hd() / 8; ++j)
          setTile(u.out, j, mma(pRegs[kk], vRegs[j], tileOf(u.out, j)));
      }
      // No thread may overwrite the tiles while another reads them.
      gpu::BarrierOp::create(b, loc);
      SmallVector<Value> next(u.max);
      next.append(u.sum);
      next.append(u.out);
      scf::YieldOp::create(b, loc, next);
    }
    ValueRange results = loop.getResults();
    SmallVector<Value> sums{butterfly(results[2], /*sum=*/true),
                            butterfly(results[3], /*sum=*/true)};
    storeOutput(l, results.drop_front(4), sums);
  }

  /// The block on the host: each phase between barriers, mma.syncs and
  /// shuffles is a loop over the threads; registers and state in buffers
  /// [thread][...].
  void buildEmulation(Value queryBlock, Value head) {
    SmallVector<Value> shared;
    for (Type type : sharedTypes(Attribute()))
      shared.push_back(alloc(cast<MemRefType>(type)));
    setBlock(queryBlock, head, shared);
    Type f32 = b.getF32Type(), i32 = b.getI32Type();
    int64_t maxTiles = std::max(tile(), hd()) / 8;
    Value qRegs = alloc(MemRefType::get({kThreads, hd() / 16, 4}, i32));
    Value pRegs = alloc(MemRefType::get({kThreads, tile() / 16, 4}, i32));
    Value bRegs = alloc(MemRefType::get({kThreads, maxTiles, 2}, i32));
    Value scores = alloc(MemRefType::get({kThreads, tile() / 2}, f32));
    Value out = alloc(MemRefType::get({kThreads, hd() / 2}, f32));
    Value stats = alloc(MemRefType::get({kThreads, 4}, f32)); // max, sum
    Value lanes = alloc(MemRefType::get({2, kThreads, 2}, f32));
    auto row = [&](Value buffer, Value tid, int64_t count, int64_t from = 0) {
      SmallVector<Value> v;
      for (int64_t c = 0; c < count; ++c)
        v.push_back(memref::LoadOp::create(b, loc, buffer,
                                           ValueRange{tid, index(from + c)}));
      return v;
    };
    auto setRow = [&](Value buffer, Value tid, ValueRange v, int64_t from = 0) {
      for (auto [c, x] : llvm::enumerate(v))
        memref::StoreOp::create(b, loc, x, buffer,
                                ValueRange{tid, index(from + c)});
    };
    auto storeRegisters = [&](Value buffer, Value tid, const Registers &regs) {
      for (auto [i, tileRegs] : llvm::enumerate(regs))
        for (auto [r, reg] : llvm::enumerate(tileRegs))
          memref::StoreOp::create(b, loc, reg, buffer,
                                  ValueRange{tid, index(i), index(r)});
    };
    // A shuffle: each lane's two values in lanes[0], then combined with
    // lane ^ 1's and lane ^ 2's, through lanes[1] and back.
    auto reduceLanes = [&](bool sum) {
      for (int64_t mask : {1, 2})
        forEachThread([&](Value tid) {
          Value from = index(mask == 1 ? 0 : 1), to = index(mask == 1 ? 1 : 0);
          Value partner = arith::XOrIOp::create(b, loc, tid, index(mask));
          for (int64_t h = 0; h < 2; ++h) {
            Value own = memref::LoadOp::create(b, loc, lanes,
                                               ValueRange{from, tid, index(h)});
            Value other = memref::LoadOp::create(
                b, loc, lanes, ValueRange{from, partner, index(h)});
            memref::StoreOp::create(b, loc, combine(own, other, sum), lanes,
                                    ValueRange{to, tid, index(h)});
          }
        });
    };
    auto laneValues = [&](Value tid) {
      return SmallVector<Value>{
          memref::LoadOp::create(b, loc, lanes,
                                 ValueRange{index(0), tid, index(0)}),
          memref::LoadOp::create(b, loc, lanes,
                                 ValueRange{index(0), tid, index(1)})};
    };
    auto setLaneValues = [&](Value tid, ValueRange v) {
      for (int64_t h = 0; h < 2; ++h)
        memref::StoreOp::create(b, loc, v[h], lanes,
                                ValueRange{index(0), tid, index(h)});
    };

    forEachThread([&](Value tid) { stageQueries(tid); });
    forEachThread([&](Value tid) {
      storeRegisters(qRegs, tid, queryRegisters(laneOf(tid)));
      Value negInf = fconst(-std::numeric_limits<double>::infinity());
      Value zero = fconst(0.0);
      setRow(stats, tid, {negInf, negInf, zero, zero});
      setRow(out, tid, SmallVector<Value>(hd() / 2, zero));
    });
    auto loop = scf::ForOp::create(b, loc, index(0), blockEnd, index(tile()));
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(loop.getBody());
      Value k0 = loop.getInductionVar();
      forEachThread([&](Value tid) { copyTile(tid, k0); });
      forEachThread([&](Value tid) {
        setRow(scores, tid, SmallVector<Value>(tile() / 2, fconst(0.0)));
      });
      for (int64_t s = 0; s < hd() / 16; ++s) {
        forEachThread([&](Value tid) {
          storeRegisters(bRegs, tid, keyRegisters(laneOf(tid), s));
        });
        mmaPhase(scores, qRegs, s, bRegs, tile() / 8);
      }
      forEachThread([&](Value tid) {
        SmallVector<Value> masked =
            maskedScores(laneOf(tid), k0, row(scores, tid, tile() / 2));
        setRow(scores, tid, masked);
        setLaneValues(tid, localMax(masked));
      });
      reduceLanes(/*sum=*/false);
      forEachThread([&](Value tid) {
        SmallVector<Value> st = row(stats, tid, 4);
        Update u =
            update(row(scores, tid, tile() / 2),
                   ArrayRef<Value>(st).take_front(2), laneValues(tid),
                   ArrayRef<Value>(st).drop_front(2), row(out, tid, hd() / 2));
        setRow(stats, tid, u.max);
        setRow(stats, tid, u.sum, 2);
        setRow(out, tid, u.out);
        storeRegisters(pRegs, tid, probabilityRegisters(u.probabilities));
      });
      for (int64_t kk = 0; kk < tile() / 16; ++kk) {
        forEachThread([&](Value tid) {
          storeRegisters(bRegs, tid, valueRegisters(laneOf(tid), kk));
        });
        mmaPhase(out, pRegs, kk, bRegs, hd() / 8);
      }
    }
    forEachThread(
        [&](Value tid) { setLaneValues(tid, row(stats, tid, 2, 2)); });
    reduceLanes(/*sum=*/true);
    forEachThread([&](Value tid) {
      storeOutput(laneOf(tid), row(out, tid, hd() / 2), laneValues(tid));
    });
    for (Value buffer : allocated)
      memref::DeallocOp::create(b, loc, buffer);
  }

private:
  Value fconst(double v) {
    return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(v));
  }
  Value addv(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value alloc(MemRefType type) {
    Value v = memref::AllocOp::create(b, loc, type);
    allocated.push_back(v);
    return v;
  }
  Value combine(Value x, Value y, bool sum) {
    if (sum)
      return arith::AddFOp::create(b, loc, x, y);
    return arith::MaximumFOp::create(b, loc, x, y);
  }

  template <typename Fn> void forEachThread(Fn fn) {
    auto loop = scf::ForOp::create(b, loc, index(0), index(kThreads), index(1));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    fn(loop.getInductionVar());
  }

  void setBlock(Value queryBlock, Value headIndex, ValueRange shared) {
    head = headIndex;
    firstQuery = mul(queryBlock, kBlockQueries);
    queryTile = shared[0];
    keyTile = shared[1];
    valueTile = shared[2];
    // The keys the block's last query sees; the mask's bound does not
    // decrease along the queries.
    Value last = arith::MinUIOp::create(b, loc, add(firstQuery, kBlockQueries),
                                        index(nest.queries));
    blockEnd = index(nest.keys);
    if (nest.mask != hrm::MaskKind::bidirectional) {
      Value end = last;
      if (nest.mask == hrm::MaskKind::prefix)
        end = arith::MaxUIOp::create(b, loc, end, index(nest.prefix));
      blockEnd = arith::MinUIOp::create(b, loc, end, index(nest.keys));
    }
  }

  Lane laneOf(Value tid) {
    Value lane = rem(tid, 32);
    return {lane, div(lane, 4), rem(lane, 4), mul(div(tid, 32), 16)};
  }

  /// Element (head, at, c) of an f32 buffer rounded to bf16 (nearest
  /// even); 0 past the head size, or where `inside` (if given) is false.
  Value staged(Value source, Value at, Value c, Value inside) {
    Type bf16 = b.getBF16Type();
    if (nest.headDim % 16) {
      Value col = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, c,
                                        index(nest.headDim));
      inside =
          inside ? arith::AndIOp::create(b, loc, inside, col).getResult() : col;
    }
    auto load = [&](OpBuilder &nested, Location l) {
      Value x =
          memref::LoadOp::create(nested, l, source, ValueRange{head, at, c});
      return arith::TruncFOp::create(nested, l, bf16, x).getResult();
    };
    if (!inside)
      return load(b, loc);
    auto guarded = scf::IfOp::create(
        b, loc, inside,
        [&](OpBuilder &nested, Location l) {
          scf::YieldOp::create(nested, l, load(nested, l));
        },
        [&](OpBuilder &nested, Location l) {
          scf::YieldOp::create(
              nested, l,
              arith::ConstantOp::create(nested, l, nested.getZeroAttr(bf16))
                  .getResult());
        });
    return guarded.getResult(0);
  }

  /// Calls `copy(r, c)` for thread `tid`'s share of `rows` x hd elements:
  /// element q * 128 + tid of the rows for each q, so that neighbouring
  /// threads read neighbouring addresses.
  template <typename Copy>
  void forEachShare(Value tid, int64_t rows, Copy copy) {
    auto loop = scf::ForOp::create(b, loc, index(0),
                                   index(rows * hd() / kThreads), index(1));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value flat = addv(mul(loop.getInductionVar(), kThreads), tid);
    copy(div(flat, hd()), rem(flat, hd()));
  }

  /// The block's query rows; rows past the last query repeat it (nothing
  /// of theirs is stored).
  void stageQueries(Value tid) {
    forEachShare(tid, kBlockQueries, [&](Value r, Value c) {
      Value q = arith::MinUIOp::create(b, loc, addv(firstQuery, r),
                                       index(nest.queries - 1));
      memref::StoreOp::create(b, loc, staged(nest.q, q, c, Value()), queryTile,
                              ValueRange{r, c});
    });
  }

  /// Keys [k0, k0 + tile) and their values, transposed; zeros past the
  /// last key (a probability of 0 times a value must be 0).
  void copyTile(Value tid, Value k0) {
    forEachShare(tid, tile(), [&](Value r, Value c) {
      Value key = addv(k0, r), inside;
      if (nest.keys % tile()) {
        inside = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, key,
                                       index(nest.keys));
        key = arith::MinUIOp::create(b, loc, key, index(nest.keys - 1));
      }
      memref::StoreOp::create(b, loc, staged(nest.k, key, c, inside), keyTile,
                              ValueRange{r, c});
      memref::StoreOp::create(b, loc, staged(nest.v, key, c, inside), valueTile,
                              ValueRange{c, r});
    });
  }

  /// The 32-bit register holding elements (r, c) and (r, c + 1) of a tile.
  Value pair(Value tile, Value r, Value c) {
    Value v = vector::LoadOp::create(
        b, loc, VectorType::get({2}, b.getBF16Type()), tile, ValueRange{r, c},
        /*nontemporal=*/false, llvm::MaybeAlign(4));
    return hrm::bf16PairAsRegister(b, loc, v);
  }

  /// Per K step s of QK^T: a0..a7 of the warp's 16 query rows, (g, 16s +
  /// 2t), (g + 8, ...), then 8 columns further.
  Registers queryRegisters(const Lane &l) {
    Registers regs;
    Value r0 = addv(l.warpRow, l.groupID), r8 = add(r0, 8);
    for (int64_t s = 0; s < hd() / 16; ++s) {
      Value c0 = add(mul(l.threadInGroup, 2), 16 * s), c8 = add(c0, 8);
      regs.push_back({pair(queryTile, r0, c0), pair(queryTile, r8, c0),
                      pair(queryTile, r0, c8), pair(queryTile, r8, c8)});
    }
    return regs;
  }

  /// B of K step s for each 8 columns j of the product, from a tile staged
  /// [N, K]: b0..b3 are (k = 16s + 2t.., column 8j + g), then k + 8, the
  /// tile's row 8j + g. The keys are so staged for QK^T (K along hd), the
  /// values transposed for PV (K along the keys).
  Registers registersB(Value tile, const Lane &l, int64_t s, int64_t columns) {
    Registers regs;
    Value c0 = add(mul(l.threadInGroup, 2), 16 * s);
    for (int64_t j = 0; j < columns / 8; ++j) {
      Value r = add(l.groupID, 8 * j);
      regs.push_back({pair(tile, r, c0), pair(tile, r, add(c0, 8))});
    }
    return regs;
  }
  Registers keyRegisters(const Lane &l, int64_t s) {
    return registersB(keyTile, l, s, tile());
  }
  Registers valueRegisters(const Lane &l, int64_t kk) {
    return registersB(valueTile, l, kk, hd());
  }

  /// A of key step kk from the probabilities in the accumulators' layout:
  /// tile 2kk's c0 c1 (row g, keys 2t, 2t + 1) and c2 c3 (row g + 8), then
  /// tile 2kk + 1's, which are the A fragment's a0..a7.
  Registers probabilityRegisters(ArrayRef<Value> p) {
    Registers regs;
    auto packed = [&](Value x, Value y) {
      Type bf16 = b.getBF16Type();
      Value v = vector::FromElementsOp::create(
          b, loc, VectorType::get({2}, bf16),
          ValueRange{arith::TruncFOp::create(b, loc, bf16, x),
                     arith::TruncFOp::create(b, loc, bf16, y)});
      return hrm::bf16PairAsRegister(b, loc, v);
    };
    for (int64_t kk = 0; kk < tile() / 16; ++kk) {
      ArrayRef<Value> lo = p.slice(8 * kk, 4), hi = p.slice(8 * kk + 4, 4);
      regs.push_back({packed(lo[0], lo[1]), packed(lo[2], lo[3]),
                      packed(hi[0], hi[1]), packed(hi[2], hi[3])});
    }
    return regs;
  }

  static SmallVector<Value> tileOf(ArrayRef<Value> accs, int64_t j) {
    return SmallVector<Value>(accs.slice(4 * j, 4));
  }
  static void setTile(SmallVector<Value> &accs, int64_t j, ValueRange v) {
    llvm::copy(v, accs.begin() + 4 * j);
  }

  SmallVector<Value> mma(ArrayRef<Value> a, ArrayRef<Value> bRegs,
                         ArrayRef<Value> c) {
    Type f32 = b.getF32Type();
    auto result =
        LLVM::LLVMStructType::getLiteral(b.getContext(), {f32, f32, f32, f32});
    auto op = NVVM::MmaOp::create(
        b, loc, result, a, bRegs, c, {16, 8, 16}, std::nullopt, std::nullopt,
        std::array<NVVM::MMATypes, 2>{NVVM::MMATypes::bf16,
                                      NVVM::MMATypes::bf16},
        std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row,
                                       NVVM::MMALayout::col});
    SmallVector<Value> d;
    for (int64_t e = 0; e < 4; ++e)
      d.push_back(
          LLVM::ExtractValueOp::create(b, loc, op, ArrayRef<int64_t>{e}));
    return d;
  }

  /// The emulated mma.syncs of one K step: accumulators `accs`
  /// [thread][4 tiles] += A tile `aTile` of `aRegs` times each of `tiles`
  /// B tiles in `bRegs`.
  void mmaPhase(Value accs, Value aRegs, int64_t aTile, Value bRegs,
                int64_t tiles) {
    forEachThread([&](Value tid) {
      hrm::MmaEmulation emulation(b, loc, /*bf16=*/true);
      for (int64_t j = 0; j < tiles; ++j)
        for (int64_t e = 0; e < 4; ++e) {
          Value at[] = {tid, index(4 * j + e)};
          Value sum = memref::LoadOp::create(b, loc, accs, at);
          sum = emulation.accumulate(tid, aTile, j, e, aRegs, bRegs, sum);
          memref::StoreOp::create(b, loc, sum, accs, at);
        }
    });
  }

  /// The query and key of accumulator e of tile j (the lane's rows g and g
  /// + 8, keys 2t and 2t + 1).
  Value queryOf(const Lane &l, int64_t e) {
    return add(addv(addv(firstQuery, l.warpRow), l.groupID), e >= 2 ? 8 : 0);
  }
  Value keyOf(const Lane &l, Value k0, int64_t j, int64_t e) {
    return add(addv(k0, mul(l.threadInGroup, 2)), 8 * j + (e & 1));
  }

  /// Scaled by 1/sqrt(head size), -inf where the mask hides the key or
  /// past the last key.
  SmallVector<Value> maskedScores(const Lane &l, Value k0,
                                  ArrayRef<Value> scores) {
    Value scale = fconst(1.0 / std::sqrt(static_cast<double>(nest.headDim)));
    Value negInf = fconst(-std::numeric_limits<double>::infinity());
    SmallVector<Value> masked;
    for (auto [n, s] : llvm::enumerate(scores)) {
      int64_t j = n / 4, e = n % 4;
      Value x = arith::MulFOp::create(b, loc, s, scale);
      Value key = keyOf(l, k0, j, e);
      Value hidden = hrm::lowering::maskHides(b, loc, nest.mask, nest.prefix,
                                              queryOf(l, e), key);
      if (nest.keys % tile()) {
        Value past = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::uge,
                                           key, index(nest.keys));
        hidden = hidden ? arith::OrIOp::create(b, loc, hidden, past).getResult()
                        : past;
      }
      if (hidden)
        x = arith::SelectOp::create(b, loc, hidden, negInf, x);
      masked.push_back(x);
    }
    return masked;
  }

  /// The lane's max over the tile of each of its two rows.
  SmallVector<Value> localMax(ArrayRef<Value> scores) {
    SmallVector<Value> m(2);
    for (auto [n, s] : llvm::enumerate(scores)) {
      Value &acc = m[(n % 4) / 2];
      acc = acc ? combine(acc, s, /*sum=*/false) : s;
    }
    return m;
  }

  /// `v` combined across the lane's group of four (shfl.xor 1, then 2).
  Value butterfly(Value v, bool sum) {
    for (int32_t mask : {1, 2}) {
      Value other =
          gpu::ShuffleOp::create(b, loc, v, mask, 32, gpu::ShuffleMode::XOR)
              .getShuffleResult();
      v = combine(v, other, sum);
    }
    return v;
  }

  struct Update {
    SmallVector<Value> max, sum, out, probabilities;
  };

  /// The online softmax's step: the rows' new maxima, the probabilities
  /// exp(s - max), the lane's running sums and the outputs rescaled by
  /// exp(old max - new max).
  Update update(ArrayRef<Value> scores, ValueRange max, ValueRange rowMax,
                ValueRange sum, ValueRange out) {
    Update u;
    SmallVector<Value> rescale;
    for (int64_t h = 0; h < 2; ++h) {
      u.max.push_back(arith::MaximumFOp::create(b, loc, max[h], rowMax[h]));
      rescale.push_back(math::ExpOp::create(
          b, loc, arith::SubFOp::create(b, loc, max[h], u.max[h])));
      u.sum.push_back(arith::MulFOp::create(b, loc, sum[h], rescale[h]));
    }
    for (auto [n, s] : llvm::enumerate(scores)) {
      int64_t h = (n % 4) / 2;
      Value p = math::ExpOp::create(b, loc,
                                    arith::SubFOp::create(b, loc, s, u.max[h]));
      u.probabilities.push_back(p);
      u.sum[h] = arith::AddFOp::create(b, loc, u.sum[h], p);
    }
    for (auto [n, o] : llvm::enumerate(out))
      u.out.push_back(arith::MulFOp::create(b, loc, o, rescale[(n % 4) / 2]));
    return u;
  }

  /// Output element e of column tile j is out / sum of its row, stored by
  /// the warps whose rows are queries, where its query and column are.
  void storeOutput(const Lane &l, ValueRange out, ValueRange sums) {
    auto less = [&](Value x, int64_t bound) {
      return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, x,
                                   index(bound))
          .getResult();
    };
    auto guarded = scf::IfOp::create(
        b, loc, less(addv(firstQuery, l.warpRow), nest.queries));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&guarded.getThenRegion().front());
    for (auto [n, o] : llvm::enumerate(out)) {
      int64_t j = n / 4, e = n % 4;
      if (8 * j >= nest.headDim)
        break;
      Value query = queryOf(l, e);
      Value col = add(mul(l.threadInGroup, 2), 8 * j + (e & 1));
      Value inside;
      if (nest.queries % 16)
        inside = less(query, nest.queries);
      if (nest.headDim % 8) {
        Value c = less(col, nest.headDim);
        inside =
            inside ? arith::AndIOp::create(b, loc, inside, c).getResult() : c;
      }
      OpBuilder::InsertionGuard element(b);
      if (inside)
        b.setInsertionPointToStart(
            &scf::IfOp::create(b, loc, inside).getThenRegion().front());
      Value x = arith::DivFOp::create(b, loc, o, sums[e / 2]);
      memref::StoreOp::create(b, loc, x, nest.out,
                              ValueRange{head, query, col});
    }
  }

  AttentionNest nest;
  Value head, firstQuery, blockEnd, queryTile, keyTile, valueTile;
  SmallVector<Value> allocated;
};

void lower(AttentionNest nest, bool emulate, RewriterBase &rewriter) {
  TensorCoreAttention attention(rewriter, nest);
  hrm::replaceWithAttentionBlocks(rewriter, nest.rows, attention,
                                  llvm::divideCeil(nest.queries, kBlockQueries),
                                  nest.heads, kThreads, emulate);
}

struct HrmAttentionToMmaSyncPass
    : public mlir::hrm::impl::HrmAttentionToMmaSyncBase<
          HrmAttentionToMmaSyncPass> {
  using Base::Base;

  void runOnOperation() override {
    hrm::rewriteAttentionNests(
        getOperation(), match, [&](AttentionNest &nest, RewriterBase &r) {
          hrmc::remarkPassed(*this, "flash-attention-mma-sync", nest.rows)
              << remark::metric("heads", nest.heads)
              << remark::metric("queries", nest.queries)
              << remark::metric("keys", nest.keys)
              << remark::metric("head-dim", nest.headDim);
          lower(nest, emulate, r);
        });
  }
};

} // namespace
