//===- TileAttentionKeys.cpp - fused attention through shared memory -----===//
//
// fusedAttention's kernel is a thread per query row, and every thread reads
// each key and value row it sees, and its own query row once per key, from
// global memory. Here a block of threads (a tile of queries of one head)
// copies its query rows once and each tile of keys and values into shared
// memory, coalesced, and every thread's key loop reads them there. The key
// loop's body is cloned unchanged, so each query adds the same terms in the
// same order as before.
//
//===----------------------------------------------------------------------===//
#include "BufferLoops.h"
#include "TensorCoreMatmul.h"
#include "hrmc/Conversion/Passes.h"
#include "hrmc/Support/Remarks.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::hrm {
#define GEN_PASS_DEF_HRMTILEATTENTIONKEYS
#include "hrmc/Conversion/Passes.h.inc"
} // namespace mlir::hrm

using namespace mlir;

namespace {

constexpr int64_t kMaxTile = 64;
constexpr int64_t kMinTile = 32; // a warp
/// Below the 48 KiB a kernel may declare statically, leaving room for two
/// blocks per multiprocessor.
constexpr int64_t kSharedBudget = 32 * 1024;

/// fusedAttention's nest: rows over (head, query), inside it pure index
/// arithmetic, then `keys` over [0, end(query)) reading `sources` (the key
/// and value buffers, [heads, keys, headDim]) at the key index and, when
/// one buffer is read at the query index, `query` (its row of the queries,
/// [heads, queries, queryDim]), then the query's stores.
struct AttentionNest {
  scf::ParallelOp rows;
  scf::ForOp keys;
  SmallVector<Value> sources;
  Value query;
  int64_t heads, queries, keyCount, headDim, queryDim, tile;
  Type element;
};

std::optional<AttentionNest> match(scf::ParallelOp rows) {
  std::optional<std::pair<int64_t, int64_t>> shape =
      hrm::fusedAttentionRows(rows);
  if (!shape)
    return std::nullopt;
  AttentionNest nest{rows, {}, {}, {}, 0, 0, 0, 0, 0, 0, {}};
  std::tie(nest.heads, nest.queries) = *shape;
  // The ops before the key loop are cloned per thread and once with the
  // block's last query, so they must be free of effects; the key bound
  // must not decrease along the queries (as under every mask).
  for (Operation &op : rows.getBody()->without_terminator()) {
    if (auto loop = dyn_cast<scf::ForOp>(op)) {
      if (nest.keys)
        return std::nullopt;
      nest.keys = loop;
    } else if (!nest.keys && !isPure(&op)) {
      return std::nullopt;
    }
  }
  scf::ForOp keys = nest.keys;
  if (!keys || !isConstantIntValue(keys.getLowerBound(), 0) ||
      !isConstantIntValue(keys.getStep(), 1))
    return std::nullopt;
  Value head = rows.getInductionVars()[0];
  Value key = keys.getInductionVar();
  bool ok = true;
  keys.walk([&](memref::LoadOp load) {
    if (load.getIndices().size() != 3 || load.getIndices()[1] != key)
      return;
    auto type = cast<MemRefType>(load.getMemRef().getType());
    if (load.getIndices()[0] != head || !type.hasStaticShape() ||
        !type.getLayout().isIdentity() ||
        (nest.element && type.getElementType() != nest.element) ||
        (nest.headDim && (type.getDimSize(1) != nest.keyCount ||
                          type.getDimSize(2) != nest.headDim))) {
      ok = false;
      return;
    }
    nest.element = type.getElementType();
    nest.keyCount = type.getDimSize(1);
    nest.headDim = type.getDimSize(2);
    if (!llvm::is_contained(nest.sources, load.getMemRef()))
      nest.sources.push_back(load.getMemRef());
  });
  if (!ok || nest.sources.empty())
    return std::nullopt;
  // The query's row, read again for every key: one buffer read at the
  // query index, not also a staged one.
  Value queryIndex = rows.getInductionVars()[1];
  keys.walk([&](memref::LoadOp load) {
    if (load.getIndices().size() != 3 || load.getIndices()[1] != queryIndex)
      return;
    auto type = cast<MemRefType>(load.getMemRef().getType());
    bool fits = load.getIndices()[0] == head && type.hasStaticShape() &&
                type.getLayout().isIdentity() &&
                type.getElementType() == nest.element &&
                type.getDimSize(1) == nest.queries &&
                !llvm::is_contained(nest.sources, load.getMemRef());
    if (!fits || (nest.query && nest.query != load.getMemRef()))
      ok = false;
    nest.query = load.getMemRef();
    nest.queryDim = type.getDimSize(2);
  });
  if (!ok)
    nest.query = nullptr;
  // The carried state is kept in a buffer of the element type when the
  // kernel is emulated.
  for (Value init : keys.getInitArgs())
    if (init.getType() != nest.element)
      return std::nullopt;
  // The tiles are read-only while the kernel runs.
  WalkResult written = rows.walk([&](Operation *op) {
    if (op == rows.getOperation())
      return WalkResult::advance();
    if (auto store = dyn_cast<memref::StoreOp>(op))
      if (llvm::is_contained(nest.sources, store.getMemRef()) ||
          (nest.query && store.getMemRef() == nest.query))
        return WalkResult::interrupt();
    if (!isa<memref::StoreOp, memref::LoadOp>(op) && !isPure(op) &&
        !isa<scf::ForOp, scf::YieldOp, scf::ReduceOp>(op))
      return WalkResult::interrupt();
    return WalkResult::advance();
  });
  if (written.wasInterrupted())
    return std::nullopt;
  int64_t rowBytes = (static_cast<int64_t>(nest.sources.size()) * nest.headDim +
                      (nest.query ? nest.queryDim + 1 : 0)) *
                     nest.element.getIntOrFloatBitWidth() / 8;
  nest.tile = kMaxTile;
  while (nest.tile > kMinTile && nest.tile * rowBytes > kSharedBudget)
    nest.tile /= 2;
  if (nest.tile * rowBytes > kSharedBudget)
    return std::nullopt;
  return nest;
}

/// Builds one tiled nest: block (`queryBlock`, `head`), thread `thread`.
/// The kernel and its host emulation share the phases; they differ in
/// where a thread's state lives between barriers.
class TiledAttention {
public:
  TiledAttention(OpBuilder &b, AttentionNest nest)
      : b(b), loc(nest.rows.getLoc()), nest(nest) {}

  /// A tile per source, then the queries' tile, its rows one element
  /// longer than the queries' so that the threads of a warp, each reading
  /// its own row at the same column, hit 32 different banks.
  SmallVector<Type> sharedTypes(Attribute memorySpace) const {
    SmallVector<Type> types(
        nest.sources.size(),
        MemRefType::get({nest.tile, nest.headDim}, nest.element,
                        MemRefLayoutAttrInterface(), memorySpace));
    if (nest.query)
      types.push_back(MemRefType::get({nest.tile, nest.queryDim + 1},
                                      nest.element, MemRefLayoutAttrInterface(),
                                      memorySpace));
    return types;
  }

  void setBlock(Value queryBlock, Value headIndex, ValueRange sharedTiles) {
    head = headIndex;
    firstQuery = arith::MulIOp::create(b, loc, queryBlock, index(nest.tile));
    tiles.assign(sharedTiles.begin(),
                 sharedTiles.begin() + nest.sources.size());
    if (nest.query)
      queryTile = sharedTiles.back();
    // The block's last query bounds the keys any of its threads reads.
    Value last = arith::MinUIOp::create(
        b, loc, arith::AddIOp::create(b, loc, firstQuery, index(nest.tile)),
        index(nest.queries));
    last = arith::SubIOp::create(b, loc, last, index(1));
    IRMapping map = threadMap(last);
    blockEnd = map.lookupOrDefault(nest.keys.getUpperBound());
  }

  /// The pre-loop values of the thread's query; `query` is that query.
  IRMapping threadMap(Value query) {
    IRMapping map;
    map.map(nest.rows.getInductionVars()[0], head);
    map.map(nest.rows.getInductionVars()[1], query);
    for (Operation &op : nest.rows.getBody()->without_terminator()) {
      if (&op == nest.keys.getOperation())
        break;
      b.clone(op, map);
    }
    return map;
  }

  Value query(Value thread) {
    return arith::AddIOp::create(b, loc, firstQuery, thread);
  }
  Value inRange(Value query) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, query,
                                 index(nest.queries));
  }

  /// The thread's share of a copy of `tile` rows of `width` elements:
  /// element r * tile + thread of the flattened rows for each r, so that
  /// neighbouring threads read neighbouring addresses. `copy(row, col)`,
  /// called with `b` inside the loop, copies one element.
  template <typename Copy>
  void forEachShare(Value thread, int64_t width, Copy copy) {
    auto loop = scf::ForOp::create(b, loc, index(0), index(width), index(1));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value flat = arith::AddIOp::create(
        b, loc,
        arith::MulIOp::create(b, loc, loop.getInductionVar(), index(nest.tile)),
        thread);
    copy(arith::DivUIOp::create(b, loc, flat, index(width)).getResult(),
         arith::RemUIOp::create(b, loc, flat, index(width)).getResult());
  }

  /// The thread's share of the copy of the block's query rows; read after
  /// the first tile's barrier.
  void stageQueries(Value thread) {
    if (!nest.query)
      return;
    forEachShare(thread, nest.queryDim, [&](Value row, Value col) {
      Value q = arith::AddIOp::create(b, loc, firstQuery, row);
      auto guarded = scf::IfOp::create(b, loc, inRange(q));
      b.setInsertionPointToStart(&guarded.getThenRegion().front());
      Value v =
          memref::LoadOp::create(b, loc, nest.query, ValueRange{head, q, col});
      memref::StoreOp::create(b, loc, v, queryTile, ValueRange{row, col});
    });
  }

  /// The thread's share of the copy of keys [k0, k0 + tile) of every
  /// source.
  void copyTile(Value thread, Value k0) {
    forEachShare(thread, nest.headDim, [&](Value row, Value col) {
      Value key = arith::AddIOp::create(b, loc, k0, row);
      Value inside = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult,
                                           key, index(nest.keyCount));
      auto guarded = scf::IfOp::create(b, loc, inside);
      b.setInsertionPointToStart(&guarded.getThenRegion().front());
      for (auto [source, tile] : llvm::zip(nest.sources, tiles)) {
        Value v =
            memref::LoadOp::create(b, loc, source, ValueRange{head, key, col});
        memref::StoreOp::create(b, loc, v, tile, ValueRange{row, col});
      }
    });
  }

  /// The key loop's start values for the thread of `map`.
  SmallVector<Value> initialState(IRMapping &map) {
    SmallVector<Value> init;
    for (Value v : nest.keys.getInitArgs())
      init.push_back(map.lookupOrDefault(v));
    return init;
  }

  /// Where the thread's keys end: its query's bound, or 0 past the last
  /// query. Chosen once, outside the tile loop: a select per tile made
  /// ptxas spill on sm_90.
  Value keyEnd(IRMapping &map, Value valid) {
    return arith::SelectOp::create(
        b, loc, valid, map.lookupOrDefault(nest.keys.getUpperBound()),
        index(0));
  }

  /// The thread's key loop over the staged tile starting at `k0`, up to
  /// `end`, from the carried state `state`.
  SmallVector<Value> keysOfTile(IRMapping map, Value end, Value k0,
                                ValueRange state) {
    Value tileEnd = arith::MinUIOp::create(
        b, loc, arith::AddIOp::create(b, loc, k0, index(nest.tile)), end);
    auto loop = scf::ForOp::create(b, loc, k0, tileEnd, index(1), state);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    map.map(nest.keys.getInductionVar(), loop.getInductionVar());
    map.map(nest.keys.getRegionIterArgs(), loop.getRegionIterArgs());
    for (Operation &op : nest.keys.getBody()->without_terminator())
      b.clone(op, map);
    auto yield = cast<scf::YieldOp>(nest.keys.getBody()->getTerminator());
    SmallVector<Value> next;
    for (Value v : yield.getOperands())
      next.push_back(map.lookupOrDefault(v));
    scf::YieldOp::create(b, loc, next);
    // The sources' rows at this key, and the thread's query row, now come
    // from shared memory: row `at - origin` of `tile`.
    auto readStaged = [&](memref::LoadOp load, Value tile, Value at,
                          Value origin) {
      OpBuilder::InsertionGuard inner(b);
      b.setInsertionPoint(load);
      Value row = arith::SubIOp::create(b, loc, at, origin);
      load.replaceAllUsesWith(
          memref::LoadOp::create(b, loc, tile,
                                 ValueRange{row, load.getIndices()[2]})
              .getResult());
      load.erase();
    };
    Value key = loop.getInductionVar();
    Value ownQuery = map.lookupOrDefault(nest.rows.getInductionVars()[1]);
    loop.walk([&](memref::LoadOp load) {
      if (load.getIndices().size() != 3)
        return;
      Value at = load.getIndices()[1];
      if (nest.query && load.getMemRef() == nest.query && at == ownQuery)
        return readStaged(load, queryTile, ownQuery, firstQuery);
      auto it = llvm::find(nest.sources, load.getMemRef());
      if (it != nest.sources.end() && at == key)
        readStaged(load, tiles[it - nest.sources.begin()], key, k0);
    });
    return loop.getResults();
  }

  /// The ops after the key loop (the query's stores), for a valid thread.
  void finish(IRMapping map, Value valid, ValueRange results) {
    auto guarded = scf::IfOp::create(b, loc, valid);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&guarded.getThenRegion().front());
    map.map(nest.keys.getResults(), results);
    for (Operation *op = nest.keys->getNextNode();
         op != nest.rows.getBody()->getTerminator(); op = op->getNextNode())
      b.clone(*op, map);
  }

  void buildKernel(Value queryBlock, Value headIndex, Value thread,
                   ValueRange sharedTiles) {
    setBlock(queryBlock, headIndex, sharedTiles);
    Value q = query(thread);
    Value valid = inRange(q);
    IRMapping map = threadMap(q);
    Value end = keyEnd(map, valid);
    SmallVector<Value> init = initialState(map);
    stageQueries(thread);
    auto loop =
        scf::ForOp::create(b, loc, index(0), blockEnd, index(nest.tile), init);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(loop.getBody());
      Value k0 = loop.getInductionVar();
      copyTile(thread, k0);
      gpu::BarrierOp::create(b, loc);
      SmallVector<Value> next =
          keysOfTile(map, end, k0, loop.getRegionIterArgs());
      // No thread may overwrite the tile while another reads it.
      gpu::BarrierOp::create(b, loc);
      scf::YieldOp::create(b, loc, next);
    }
    finish(map, valid, loop.getResults());
  }

  /// The block on the host: each phase between two barriers is a loop over
  /// the threads, and the threads' state lives in a buffer.
  void buildEmulation(Value queryBlock, Value headIndex) {
    SmallVector<Value> shared;
    for (Type type : sharedTypes(Attribute()))
      shared.push_back(memref::AllocOp::create(b, loc, cast<MemRefType>(type)));
    setBlock(queryBlock, headIndex, shared);
    int64_t carried = nest.keys.getNumRegionIterArgs();
    Value state = memref::AllocOp::create(
        b, loc, MemRefType::get({nest.tile, carried}, nest.element));
    auto load = [&](Value thread) {
      SmallVector<Value> values;
      for (int64_t c = 0; c < carried; ++c)
        values.push_back(memref::LoadOp::create(b, loc, state,
                                                ValueRange{thread, index(c)}));
      return values;
    };
    auto store = [&](Value thread, ValueRange values) {
      for (auto [c, v] : llvm::enumerate(values))
        memref::StoreOp::create(b, loc, v, state, ValueRange{thread, index(c)});
    };
    forEachThread([&](Value thread) {
      IRMapping map = threadMap(query(thread));
      store(thread, initialState(map));
      stageQueries(thread);
    });
    auto loop =
        scf::ForOp::create(b, loc, index(0), blockEnd, index(nest.tile));
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(loop.getBody());
      Value k0 = loop.getInductionVar();
      forEachThread([&](Value thread) { copyTile(thread, k0); });
      forEachThread([&](Value thread) {
        Value q = query(thread);
        IRMapping map = threadMap(q);
        store(thread,
              keysOfTile(map, keyEnd(map, inRange(q)), k0, load(thread)));
      });
    }
    forEachThread([&](Value thread) {
      Value q = query(thread);
      IRMapping map = threadMap(q);
      finish(map, inRange(q), load(thread));
    });
    memref::DeallocOp::create(b, loc, state);
    for (Value tile : shared)
      memref::DeallocOp::create(b, loc, tile);
  }

private:
  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }

  template <typename Fn> void forEachThread(Fn fn) {
    auto loop =
        scf::ForOp::create(b, loc, index(0), index(nest.tile), index(1));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    fn(loop.getInductionVar());
  }

  OpBuilder &b;
  Location loc;
  AttentionNest nest;
  Value head, firstQuery, blockEnd, queryTile;
  SmallVector<Value> tiles;
};

void lower(AttentionNest nest, bool emulate, RewriterBase &rewriter) {
  TiledAttention tiled(rewriter, nest);
  hrm::replaceWithAttentionBlocks(rewriter, nest.rows, tiled,
                                  (nest.queries + nest.tile - 1) / nest.tile,
                                  nest.heads, nest.tile, emulate);
}

struct HrmTileAttentionKeysPass
    : public mlir::hrm::impl::HrmTileAttentionKeysBase<
          HrmTileAttentionKeysPass> {
  using Base::Base;

  void runOnOperation() override {
    hrm::rewriteAttentionNests(
        getOperation(), match, [&](AttentionNest &nest, RewriterBase &r) {
          hrmc::remarkPassed(*this, "shared-memory-keys", nest.rows)
              << remark::metric("heads", nest.heads)
              << remark::metric("queries", nest.queries)
              << remark::metric("keys", nest.keyCount)
              << remark::metric("key-tile", nest.tile);
          lower(nest, emulate, r);
        });
  }
};

} // namespace
