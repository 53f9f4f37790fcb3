//===- CPURegisterTile.cpp - register tiles for contractions on buffers ---===//
//
// A contraction lowered by convert-linalg-to-loops (in hrm-cpu-loop-order's
// order) loads, updates and stores a row of its output at every step of the
// reduction: three memory accesses per vector of multiply-adds. This pass
// keeps a block of the output (rows x vectors) in registers across the whole
// reduction instead, so each step loads one vector per column block of the
// operand that varies along the row, one scalar per row of the other, and
// does rows x vectors vector updates.
//
//===----------------------------------------------------------------------===//
#include "BufferLoops.h"
#include "hrmc/Conversion/Passes.h"
#include "hrmc/Support/Remarks.h"

#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::hrm {
#define GEN_PASS_DEF_HRMCPUREGISTERTILE
#include "hrmc/Conversion/Passes.h.inc"
} // namespace mlir::hrm

using namespace mlir;

namespace {

/// Whether the last axis of `memref` is contiguous.
bool unitLastStride(Value memref) {
  auto type = cast<MemRefType>(memref.getType());
  if (type.getRank() == 0)
    return true;
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(type.getStridesAndOffset(strides, offset)))
    return false;
  return strides.back() == 1;
}

/// The loops of a contraction this pass tiles: `col` indexes the output's
/// contiguous last axis, `row` (if any) its previous one.
struct Plan {
  std::optional<unsigned> row;
  unsigned col;
};

/// A plan for `op`, or none if the pass leaves it alone: a static
/// linalg.generic on buffers with one init and a reduction, projected
/// permutation maps, an elementwise body, and the output's last axis
/// indexed by a parallel loop along which every operand that depends on it
/// is contiguous. A reduction on buffers with one init that does not
/// qualify gets the reason in `whyNot`.
std::optional<Plan> planFor(linalg::GenericOp op, std::string &whyNot) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInits() != 1 ||
      op.getNumReductionLoops() == 0)
    return std::nullopt;
  auto no = [&](llvm::StringRef reason) -> std::optional<Plan> {
    whyNot = reason.str();
    return std::nullopt;
  };
  if (op.hasDynamicShape())
    return no("dynamic shape");
  if (op.hasIndexSemantics())
    return no("the body reads loop indices");
  OpOperand *out = op.getDpsInitOperand(0);
  AffineMap outMap = op.getMatchingIndexingMap(out);
  if (outMap.getNumResults() == 0 || !outMap.isProjectedPermutation() ||
      !unitLastStride(out->get()))
    return no("the output is a scalar, not indexed by loops alone, or not "
              "contiguous along its last dimension");
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  Plan plan;
  plan.col = cast<AffineDimExpr>(outMap.getResults().back()).getPosition();
  if (iterators[plan.col] != utils::IteratorType::parallel)
    return no("the output's last dimension is a reduction");
  if (outMap.getNumResults() > 1) {
    unsigned row = cast<AffineDimExpr>(outMap.getResults().drop_back().back())
                       .getPosition();
    if (iterators[row] == utils::IteratorType::parallel)
      plan.row = row;
  }
  // Every output element written by exactly one iteration of the parallel
  // loops: the tiles' accumulators start from it (or the fill) once.
  if (outMap.getNumResults() != op.getNumParallelLoops())
    return no("an output element is written by more than one iteration");
  for (AffineExpr e : outMap.getResults())
    if (iterators[cast<AffineDimExpr>(e).getPosition()] !=
        utils::IteratorType::parallel)
      return no("the output is indexed by a reduction");
  Value outRoot = hrm::rootBuffer(out->get());
  for (OpOperand *input : op.getDpsInputOperands()) {
    if (!isa<MemRefType>(input->get().getType()))
      continue;
    // Tiles reorder the updates across output elements; an input that is
    // the output may see another element's update.
    if (hrm::rootBuffer(input->get()) == outRoot)
      return no("an input is a view of the output");
    AffineMap map = op.getMatchingIndexingMap(input);
    if (!map.isProjectedPermutation())
      return no("an input is not indexed by loops alone");
    if (!map.isFunctionOfDim(plan.col))
      continue;
    unsigned inner = cast<AffineDimExpr>(map.getResults().back()).getPosition();
    if (iterators[inner] == utils::IteratorType::reduction)
      return no("an input that varies along the output's last dimension "
                "is contiguous along the reduction (a row reduction, or a "
                "transposed matmul operand)");
    if (inner != plan.col || !unitLastStride(input->get()))
      return no("an input is not contiguous along the output's last "
                "dimension (a transposed operand)");
  }
  for (Operation &bodyOp : op.getBlock()->without_terminator())
    if (!bodyOp.hasTrait<OpTrait::Elementwise>() ||
        bodyOp.getNumResults() != 1 || bodyOp.getNumRegions() != 0)
      return no("the body is not elementwise arithmetic");
  return plan;
}

/// Bytes per output column of the memref inputs that vary along loop
/// `col` (the output's columns), over all of the reduction: what a column
/// of the output reads of a matmul's right-hand side.
int64_t bytesPerColumn(linalg::GenericOp op, unsigned col) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  int64_t bytes = 0;
  for (OpOperand *input : op.getDpsInputOperands()) {
    auto type = dyn_cast<MemRefType>(input->get().getType());
    AffineMap map = op.getMatchingIndexingMap(input);
    if (!type || !map.isFunctionOfDim(col))
      continue;
    int64_t elements = 1;
    for (unsigned dim = 0; dim < ranges.size(); ++dim)
      if (iterators[dim] == utils::IteratorType::reduction &&
          map.isFunctionOfDim(dim))
        elements *= ranges[dim];
    bytes += elements * type.getElementTypeBitWidth() / 8;
  }
  return bytes;
}

/// The input a column panel copies: the one memref input that varies
/// along the columns, when it does not vary along the rows and the op has
/// one reduction (a matmul's right-hand side); null if none.
OpOperand *panelCopied(linalg::GenericOp op, const Plan &plan) {
  if (op.getNumReductionLoops() != 1)
    return nullptr;
  OpOperand *found = nullptr;
  for (OpOperand *input : op.getDpsInputOperands()) {
    AffineMap map = op.getMatchingIndexingMap(input);
    if (!map.isFunctionOfDim(plan.col))
      continue;
    if (found || !isa<MemRefType>(input->get().getType()) ||
        (plan.row && map.isFunctionOfDim(*plan.row)))
      return nullptr;
    found = input;
  }
  return found;
}

/// One rectangle of the output's (row, col) plane, tiled by `rows` x
/// (`vectors` x `width`) blocks; `width` 1 is scalar code.
struct Block2D {
  int64_t rowBegin, rowEnd, rows;
  int64_t colBegin, colEnd, width, vectors;
  /// Columns per panel (0: none): all rows of one panel, then the next.
  int64_t panel = 0;
  /// The input each panel copies into a contiguous buffer first, if any.
  OpOperand *packed = nullptr;
};

/// A panel's copy of `input`: `buffer[t][k][c]` holds the input at
/// reduction index k and column `first + t * tile width + c`.
struct PanelCopy {
  OpOperand *input;
  Value buffer, first;
  unsigned reduction;
};

class TileBuilder {
public:
  TileBuilder(RewriterBase &rewriter, linalg::GenericOp op, Plan plan,
              linalg::FillOp fill, bool contract)
      : b(rewriter), op(op), plan(plan), fill(fill), contract(contract),
        loc(op.getLoc()), ranges(op.getStaticLoopRanges()) {}

  /// Emits the blocks at the insertion point, inside loops over the other
  /// parallel dimensions (`ivs` holds their variables).
  void emit(ArrayRef<Block2D> blocks) {
    index(0); // the anchor of the constants
    SmallVector<Value> ivs(ranges.size());
    emitOuter(blocks, ivs, 0);
  }

private:
  /// Index constants, made once in front of the op so that they dominate
  /// every loop built here.
  Value index(int64_t v) {
    Value &constant = constants[v];
    if (constant)
      return constant;
    OpBuilder front(op);
    if (anchor)
      front.setInsertionPointAfter(anchor);
    constant = arith::ConstantIndexOp::create(front, loc, v).getResult();
    if (!anchor)
      anchor = constant.getDefiningOp();
    return constant;
  }

  Type elementType(Value memref) {
    return cast<MemRefType>(memref.getType()).getElementType();
  }

  Type typeOf(Type element, int64_t width) {
    return width == 1 ? element : VectorType::get({width}, element);
  }

  Value load(Value memref, ArrayRef<Value> indices, int64_t width) {
    if (width == 1)
      return memref::LoadOp::create(b, loc, memref, indices);
    return vector::LoadOp::create(
        b, loc, VectorType::get({width}, elementType(memref)), memref, indices);
  }

  Value splat(Value scalar, int64_t width) {
    if (width == 1)
      return scalar;
    return vector::BroadcastOp::create(
        b, loc, VectorType::get({width}, scalar.getType()), scalar);
  }

  void emitOuter(ArrayRef<Block2D> blocks, SmallVector<Value> &ivs,
                 unsigned dim) {
    SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
    for (; dim < ranges.size(); ++dim)
      if (iterators[dim] == utils::IteratorType::parallel && dim != plan.col &&
          dim != plan.row)
        break;
    if (dim == ranges.size()) {
      for (const Block2D &block : blocks)
        emitBlock(block, ivs);
      return;
    }
    auto loop =
        scf::ForOp::create(b, loc, index(0), index(ranges[dim]), index(1));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    ivs[dim] = loop.getInductionVar();
    emitOuter(blocks, ivs, dim + 1);
  }

  /// scf.for from `begin` to `end` by `step`, or the body once at `begin`
  /// when there is one iteration.
  template <typename Fn>
  void loopOver(int64_t begin, int64_t end, int64_t step, Fn body) {
    if (end - begin <= step) {
      body(index(begin));
      return;
    }
    auto loop =
        scf::ForOp::create(b, loc, index(begin), index(end), index(step));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    body(loop.getInductionVar());
  }

  void emitBlock(const Block2D &block, SmallVector<Value> &ivs) {
    if (block.rowBegin >= block.rowEnd || block.colBegin >= block.colEnd)
      return;
    int64_t tileWidth = block.width * block.vectors;
    if (block.panel && block.colEnd - block.colBegin > block.panel) {
      // Panels of columns, so that the columns' slice of the operand that
      // varies along them stays in cache while every row tile reads it.
      auto panels = scf::ForOp::create(b, loc, index(block.colBegin),
                                       index(block.colEnd), index(block.panel));
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(panels.getBody());
      Value first = panels.getInductionVar();
      Value end = arith::MinSIOp::create(
          b, loc, arith::AddIOp::create(b, loc, first, index(block.panel)),
          index(block.colEnd));
      std::optional<PanelCopy> copy;
      if (block.packed)
        copy = copyPanel(block, ivs, first, end);
      loopOver(block.rowBegin, block.rowEnd, block.rows, [&](Value row) {
        auto cols = scf::ForOp::create(b, loc, first, end, index(tileWidth));
        OpBuilder::InsertionGuard inner(b);
        b.setInsertionPointToStart(cols.getBody());
        emitTile(block, ivs, row, cols.getInductionVar(),
                 copy ? &*copy : nullptr);
      });
      if (copy) {
        b.setInsertionPointAfter(panels);
        memref::DeallocOp::create(b, loc, copy->buffer);
      }
      return;
    }
    loopOver(block.rowBegin, block.rowEnd, block.rows, [&](Value row) {
      loopOver(block.colBegin, block.colEnd, block.width * block.vectors,
               [&](Value col) { emitTile(block, ivs, row, col); });
    });
  }

  /// Copies the panel [first, end) of `block.packed` (all of its one
  /// reduction) tile by tile into a buffer allocated before the panel
  /// loop: each tile's K x width slice is contiguous, so the row tiles read
  /// it sequentially instead of one cache line per K from rows a power of
  /// two apart (which all fall into the same few sets of the L1 cache).
  PanelCopy copyPanel(const Block2D &block, ArrayRef<Value> ivs, Value first,
                      Value end) {
    OpOperand *input = block.packed;
    unsigned reduction = 0;
    SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
    for (unsigned dim = 0; dim < iterators.size(); ++dim)
      if (iterators[dim] == utils::IteratorType::reduction)
        reduction = dim;
    int64_t tileWidth = block.width * block.vectors;
    Type element = elementType(input->get());
    auto type = MemRefType::get(
        {block.panel / tileWidth, ranges[reduction], tileWidth}, element);
    Value buffer;
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPoint(b.getInsertionBlock()->getParentOp());
      buffer = memref::AllocOp::create(b, loc, type, b.getI64IntegerAttr(64));
    }
    auto tiles = scf::ForOp::create(b, loc, first, end, index(tileWidth));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(tiles.getBody());
    Value tile = arith::DivUIOp::create(
        b, loc, arith::SubIOp::create(b, loc, tiles.getInductionVar(), first),
        index(tileWidth));
    auto ks = scf::ForOp::create(b, loc, index(0), index(ranges[reduction]),
                                 index(1));
    b.setInsertionPointToStart(ks.getBody());
    SmallVector<Value> point(ivs);
    point[reduction] = ks.getInductionVar();
    for (int64_t v = 0; v < block.vectors; ++v) {
      point[plan.col] = offset(tiles.getInductionVar(), v * block.width);
      Value value = load(input->get(), indices(input, point), block.width);
      SmallVector<Value> to = {tile, ks.getInductionVar(),
                               index(v * block.width)};
      if (block.width == 1)
        memref::StoreOp::create(b, loc, value, buffer, to);
      else
        vector::StoreOp::create(b, loc, value, buffer, to);
    }
    return {input, buffer, first, reduction};
  }

  /// The loop variables at row `r` and vector `v` of the tile at (row, col).
  SmallVector<Value> at(ArrayRef<Value> ivs, Value row, Value col, int64_t r,
                        int64_t v, int64_t width) {
    SmallVector<Value> result(ivs);
    if (plan.row)
      result[*plan.row] = offset(row, r);
    result[plan.col] = offset(col, v * width);
    return result;
  }

  Value offset(Value base, int64_t delta) {
    if (delta == 0)
      return base;
    if (std::optional<int64_t> known = getConstantIntValue(base))
      return index(*known + delta);
    return arith::AddIOp::create(b, loc, base, index(delta));
  }

  /// The operand's indices at `ivs` (its map is a projected permutation).
  SmallVector<Value> indices(OpOperand *operand, ArrayRef<Value> ivs) {
    return llvm::map_to_vector(
        op.getMatchingIndexingMap(operand).getResults(), [&](AffineExpr e) {
          return ivs[cast<AffineDimExpr>(e).getPosition()];
        });
  }

  void emitTile(const Block2D &block, SmallVector<Value> &ivs, Value row,
                Value col, const PanelCopy *copy = nullptr) {
    int64_t rows = plan.row ? block.rows : 1;
    OpOperand *out = op.getDpsInitOperand(0);

    // The accumulators: the fill's value, or the output's elements (a
    // residual folded into the contraction).
    SmallVector<Value> accs;
    Value start = fill ? splat(fill.getInputs()[0], block.width) : Value();
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t v = 0; v < block.vectors; ++v) {
        if (start) {
          accs.push_back(start);
          continue;
        }
        SmallVector<Value> here = at(ivs, row, col, r, v, block.width);
        accs.push_back(load(out->get(), indices(out, here), block.width));
      }

    // Loops over the reductions, in the order of their dimensions (the
    // order the loops of the linalg op take them, so each output element
    // sums in the same order), carrying the accumulators.
    SmallVector<Value> inner(ivs);
    inner[plan.col] = col;
    if (plan.row)
      inner[*plan.row] = row;
    Value copyTile;
    if (copy)
      copyTile = arith::DivUIOp::create(
          b, loc, arith::SubIOp::create(b, loc, col, copy->first),
          index(block.width * block.vectors));
    SmallVector<scf::ForOp> loops;
    OpBuilder::InsertionGuard guard(b);
    Operation *afterLoops = nullptr;
    SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
    for (unsigned dim = 0; dim < ranges.size(); ++dim) {
      if (iterators[dim] != utils::IteratorType::reduction)
        continue;
      ValueRange carried =
          loops.empty() ? ValueRange(accs) : loops.back().getRegionIterArgs();
      auto loop = scf::ForOp::create(b, loc, index(0), index(ranges[dim]),
                                     index(1), carried);
      if (!loops.empty())
        scf::YieldOp::create(b, loc, loop.getResults());
      else
        afterLoops = loop;
      inner[dim] = loop.getInductionVar();
      loops.push_back(loop);
      b.setInsertionPointToStart(loop.getBody());
    }

    // Operand values per (row, vector): loaded once and shared where the
    // operand does not depend on the row or the column.
    Block *body = op.getBlock();
    SmallVector<Value> updated;
    ValueRange carried = loops.back().getRegionIterArgs();
    SmallVector<SmallVector<Value>> operandValues;
    for (OpOperand *input : op.getDpsInputOperands()) {
      SmallVector<Value> values;
      Value memref = input->get();
      AffineMap map = op.getMatchingIndexingMap(input);
      bool alongRow = plan.row && map.isFunctionOfDim(*plan.row);
      bool alongCol = map.isFunctionOfDim(plan.col);
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t v = 0; v < block.vectors; ++v) {
          int64_t shareR = alongRow ? r : 0, shareV = alongCol ? v : 0;
          if (shareR != r || shareV != v) {
            values.push_back(values[shareR * block.vectors + shareV]);
            continue;
          }
          if (!isa<MemRefType>(memref.getType())) {
            values.push_back(splat(memref, block.width));
            continue;
          }
          if (copy && input == copy->input) {
            values.push_back(
                load(copy->buffer,
                     {copyTile, inner[copy->reduction], index(v * block.width)},
                     block.width));
            continue;
          }
          SmallVector<Value> here = at(inner, row, col, r, v, block.width);
          if (alongCol)
            values.push_back(load(memref, indices(input, here), block.width));
          else
            values.push_back(splat(
                memref::LoadOp::create(b, loc, memref, indices(input, here)),
                block.width));
        }
      operandValues.push_back(values);
    }

    for (int64_t t = 0; t < rows * block.vectors; ++t) {
      IRMapping mapping;
      for (OpOperand *input : op.getDpsInputOperands())
        mapping.map(body->getArgument(input->getOperandNumber()),
                    operandValues[input->getOperandNumber()][t]);
      mapping.map(body->getArguments().back(), carried[t]);
      for (Operation &bodyOp : body->without_terminator()) {
        SmallVector<Value> operands;
        for (Value operand : bodyOp.getOperands()) {
          Value mapped = mapping.lookupOrDefault(operand);
          // Values from outside the body are scalars.
          if (block.width > 1 && !isa<VectorType>(mapped.getType()))
            mapped = splat(mapped, block.width);
          operands.push_back(mapped);
        }
        OperationState state(
            loc, bodyOp.getName(), operands,
            {typeOf(bodyOp.getResult(0).getType(), block.width)},
            bodyOp.getAttrs());
        Operation *created = b.create(state);
        // `contract` lets LLVM fuse the multiply and the add into one FMA.
        if (contract &&
            isa<arith::MulFOp, arith::AddFOp, arith::SubFOp>(created))
          if (auto fastMath =
                  dyn_cast<arith::ArithFastMathInterface>(created)) {
            arith::FastMathFlags flags =
                fastMath.getFastMathFlagsAttr()
                    ? fastMath.getFastMathFlagsAttr().getValue()
                    : arith::FastMathFlags::none;
            created->setAttr(
                fastMath.getFastMathAttrName(),
                arith::FastMathFlagsAttr::get(
                    b.getContext(), flags | arith::FastMathFlags::contract));
          }
        mapping.map(bodyOp.getResult(0), created->getResult(0));
      }
      updated.push_back(mapping.lookup(body->getTerminator()->getOperand(0)));
    }
    scf::YieldOp::create(b, loc, updated);

    b.setInsertionPointAfter(afterLoops);
    ValueRange sums = afterLoops->getResults();
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t v = 0; v < block.vectors; ++v) {
        SmallVector<Value> where =
            indices(out, at(ivs, row, col, r, v, block.width));
        Value sum = sums[r * block.vectors + v];
        if (block.width == 1)
          memref::StoreOp::create(b, loc, sum, out->get(), where);
        else
          vector::StoreOp::create(b, loc, sum, out->get(), where);
      }
  }

  RewriterBase &b;
  linalg::GenericOp op;
  Plan plan;
  linalg::FillOp fill;
  bool contract;
  Location loc;
  SmallVector<int64_t> ranges;
  llvm::DenseMap<int64_t, Value> constants;
  /// The first constant, made before any loop: the others go right after.
  Operation *anchor = nullptr;
};

struct HrmCPURegisterTilePass
    : public mlir::hrm::impl::HrmCPURegisterTileBase<HrmCPURegisterTilePass> {
  using Base::Base;

  void runOnOperation() override {
    if (rows < 1 || vectors < 1 || width < 1) {
      getOperation()->emitError("hrm-cpu-register-tile: rows, vectors and "
                                "width must be positive");
      return signalPassFailure();
    }
    SmallVector<std::pair<linalg::GenericOp, Plan>> work;
    getOperation()->walk([&](linalg::GenericOp op) {
      std::string whyNot;
      if (std::optional<Plan> plan = planFor(op, whyNot))
        work.emplace_back(op, *plan);
      else if (!whyNot.empty())
        hrmc::remarkMissed(*this, "register-tile", op)
            << remark::reason("{0}", whyNot)
            << remark::add("left to convert-linalg-to-loops");
    });
    IRRewriter rewriter(&getContext());
    for (auto [op, plan] : work) {
      linalg::FillOp fill = hrm::precedingFill(op);
      SmallVector<int64_t> ranges = op.getStaticLoopRanges();
      int64_t m = plan.row ? ranges[*plan.row] : 1;
      int64_t n = ranges[plan.col];
      int64_t r = plan.row ? int64_t(rows) : 1;
      int64_t mMain = m / r * r;
      // Column blocks: full tiles, then single vectors, then scalars.
      SmallVector<std::pair<int64_t, int64_t>> colBlocks; // (width, vectors)
      colBlocks.push_back({width, vectors});
      if (vectors > 1)
        colBlocks.push_back({width, 1});
      if (width > 1)
        colBlocks.push_back({1, 1});
      SmallVector<Block2D> blocks;
      auto addRows = [&](int64_t rowBegin, int64_t rowEnd, int64_t rowStep) {
        int64_t col = 0;
        for (auto [w, v] : colBlocks) {
          int64_t end = col + (n - col) / (w * v) * (w * v);
          blocks.push_back({rowBegin, rowEnd, rowStep, col, end, w, v});
          col = end;
        }
      };
      addRows(0, mMain, r);
      // Column panels for the whole tiles when the operand that varies
      // along the columns is larger than the cache budget: its slice for
      // one panel (all of K) stays in cache across the row tiles.
      if (int64_t columnBytes = bytesPerColumn(op, plan.col);
          cacheBytes && columnBytes * n > int64_t(cacheBytes)) {
        int64_t tileWidth = width * vectors;
        int64_t tiles = std::max<int64_t>(1, int64_t(cacheBytes) /
                                                 (columnBytes * tileWidth));
        blocks.front().panel = tiles * tileWidth;
        blocks.front().packed = panelCopied(op, plan);
      }
      addRows(mMain, m, 1);
      hrmc::remarkPassed(*this, "register-tile", op)
          << remark::metric("m", m) << remark::metric("n", n)
          << remark::metric("tile-m", r)
          << remark::metric("tile-n", int64_t(width * vectors))
          << remark::metric("fill-folded", fill ? "yes" : "no")
          << remark::metric("panel-columns", blocks.front().panel)
          << remark::metric("panel-copied",
                            blocks.front().packed ? "yes" : "no");
      rewriter.setInsertionPoint(op);
      TileBuilder(rewriter, op, plan, fill, contract).emit(blocks);
      rewriter.eraseOp(op);
      if (fill)
        rewriter.eraseOp(fill);
    }
  }
};

} // namespace
