//===- DecodeEntry.cpp - a KV-cached decoding entry point -----------------===//
#include "hrm/HrmOps.h"
#include "hrmc/Conversion/Passes.h"

#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::hrm {
#define GEN_PASS_DEF_HRMDECODEENTRY
#include "hrmc/Conversion/Passes.h.inc"
} // namespace mlir::hrm

using namespace mlir;
using namespace mlir::hrm;

namespace {

struct Caches {
  Value k, v;
};

struct HrmDecodeEntryPass
    : public mlir::hrm::impl::HrmDecodeEntryBase<HrmDecodeEntryPass> {
  using Base::Base;

  RankedTensorType cacheType;
  /// Attention ops per module function (0: the function needs no cache).
  llvm::DenseMap<func::FuncOp, int64_t> attentionCount;
  llvm::DenseMap<func::FuncOp, func::FuncOp> decodeVersion;
  int64_t nextSlot = 0;
  Value position;

  static int64_t tripCount(scf::ForOp loop) {
    std::optional<int64_t> lb = getConstantIntValue(loop.getLowerBound());
    std::optional<int64_t> ub = getConstantIntValue(loop.getUpperBound());
    std::optional<int64_t> step = getConstantIntValue(loop.getStep());
    if (!lb || !ub || !step || *lb != 0 || *step != 1)
      return -1;
    return *ub;
  }

  /// Executions of `op` per call of its function and the linearized
  /// iteration index at `op` (built before `op`); null index on failure.
  std::pair<int64_t, Value> iterationOf(RewriterBase &rewriter, Operation *op) {
    SmallVector<scf::ForOp> loops;
    for (Operation *p = op->getParentOp(); !isa<func::FuncOp>(p);
         p = p->getParentOp()) {
      auto loop = dyn_cast<scf::ForOp>(p);
      if (!loop || tripCount(loop) < 0)
        return {0, nullptr};
      loops.push_back(loop);
    }
    Location loc = op->getLoc();
    rewriter.setInsertionPoint(op);
    Value index = arith::ConstantIndexOp::create(rewriter, loc, 0);
    int64_t executions = 1;
    for (scf::ForOp loop : llvm::reverse(loops)) { // outermost first
      int64_t n = tripCount(loop);
      Value scaled = arith::MulIOp::create(
          rewriter, loc, index, arith::ConstantIndexOp::create(rewriter, loc, n));
      index = arith::AddIOp::create(rewriter, loc, scaled,
                                    loop.getInductionVar());
      executions *= n;
    }
    return {executions, index};
  }

  /// Slot base for `op`: a fresh range of `executions * perExecution` slots
  /// and, inside it, the current execution's group.
  Value slotBase(RewriterBase &rewriter, Operation *op, int64_t perExecution) {
    auto [executions, iteration] = iterationOf(rewriter, op);
    if (!iteration)
      return nullptr;
    Location loc = op->getLoc();
    Value offset = arith::ConstantIndexOp::create(rewriter, loc, nextSlot);
    nextSlot += executions * perExecution;
    Value group = arith::MulIOp::create(
        rewriter, loc, iteration,
        arith::ConstantIndexOp::create(rewriter, loc, perExecution));
    return arith::AddIOp::create(rewriter, loc, offset, group);
  }

  Caches cachedAttention(RewriterBase &rewriter, AttentionOp op, Value slot,
                         Value position, Caches caches) {
    rewriter.setInsertionPoint(op);
    auto cached = CachedAttentionOp::create(
        rewriter, op.getLoc(), op.getType(), cacheType, cacheType,
        op.getInput(), op.getWq(), op.getWk(), op.getWv(), op.getWo(),
        caches.k, caches.v, slot, position, op.getQuery(), op.getHeadsAttr(),
        op.getRopeThetaAttr());
    rewriter.replaceOp(op, cached.getResult());
    return {cached.getNewKCache(), cached.getNewVCache()};
  }

  /// F.decode(params..., inputs..., k, v, base, position) -> (results..., k, v)
  func::FuncOp makeDecodeVersion(RewriterBase &rewriter, func::FuncOp fn) {
    rewriter.setInsertionPointAfter(fn);
    auto copy = cast<func::FuncOp>(rewriter.clone(*fn));
    copy.setSymName((fn.getSymName() + "_decode").str());
    Block &entry = copy.getBody().front();
    Location loc = fn.getLoc();
    Value k = entry.addArgument(cacheType, loc);
    Value v = entry.addArgument(cacheType, loc);
    Value base = entry.addArgument(rewriter.getIndexType(), loc);
    Value pos = entry.addArgument(rewriter.getIndexType(), loc);
    Caches caches{k, v};
    int64_t local = 0;
    for (AttentionOp op : llvm::to_vector(copy.getOps<AttentionOp>())) {
      rewriter.setInsertionPoint(op);
      Value slot = arith::AddIOp::create(
          rewriter, loc, base,
          arith::ConstantIndexOp::create(rewriter, loc, local++));
      caches = cachedAttention(rewriter, op, slot, pos, caches);
    }
    auto ret = cast<func::ReturnOp>(entry.getTerminator());
    SmallVector<Value> results(ret.getOperands());
    results.push_back(caches.k);
    results.push_back(caches.v);
    rewriter.setInsertionPoint(ret);
    rewriter.replaceOpWithNewOp<func::ReturnOp>(ret, results);
    copy.setType(FunctionType::get(&getContext(), entry.getArgumentTypes(),
                                   ValueRange(results).getTypes()));
    return copy;
  }

  bool needsCache(Operation *op) {
    bool needs = false;
    op->walk([&](Operation *inner) {
      if (isa<AttentionOp>(inner))
        needs = true;
      if (auto call = dyn_cast<func::CallOp>(inner))
        if (auto fn = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(
                call, call.getCalleeAttr()))
          needs |= attentionCount.lookup(fn) > 0;
    });
    return needs;
  }

  /// Threads the caches through the ops of `block` in order.
  FailureOr<Caches> threadBlock(RewriterBase &rewriter, Block &block,
                                Caches caches) {
    for (Operation &op : llvm::make_early_inc_range(block)) {
      if (auto attention = dyn_cast<AttentionOp>(op)) {
        Value slot = slotBase(rewriter, attention, 1);
        if (!slot)
          return attention.emitError("decode needs loops from 0 with step 1 "
                                     "and constant trip counts around "
                                     "attention");
        caches = cachedAttention(rewriter, attention, slot, position, caches);
      } else if (auto call = dyn_cast<func::CallOp>(op)) {
        auto fn = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(
            call, call.getCalleeAttr());
        int64_t count = fn ? attentionCount.lookup(fn) : 0;
        if (count == 0)
          continue;
        Value base = slotBase(rewriter, call, count);
        if (!base)
          return call.emitError("decode needs loops from 0 with step 1 and "
                                "constant trip counts around module calls");
        SmallVector<Value> operands(call.getOperands());
        llvm::append_range(operands, ValueRange{caches.k, caches.v, base,
                                                position});
        rewriter.setInsertionPoint(call);
        func::FuncOp decode = decodeVersion.lookup(fn);
        auto newCall =
            func::CallOp::create(rewriter, call.getLoc(), decode, operands);
        unsigned n = call.getNumResults();
        rewriter.replaceOp(call, newCall.getResults().take_front(n));
        caches = {newCall.getResult(n), newCall.getResult(n + 1)};
      } else if (auto loop = dyn_cast<scf::ForOp>(op)) {
        if (!needsCache(loop))
          continue;
        FailureOr<LoopLikeOpInterface> extended =
            loop.replaceWithAdditionalYields(
                rewriter, ValueRange{caches.k, caches.v},
                /*replaceInitOperandUsesInLoop=*/false,
                [](OpBuilder &, Location, ArrayRef<BlockArgument> args) {
                  return SmallVector<Value>(args.begin(), args.end());
                });
        if (failed(extended))
          return loop.emitError("cannot carry the caches through this loop");
        auto newLoop = cast<scf::ForOp>(extended->getOperation());
        Block *body = newLoop.getBody();
        unsigned n = body->getNumArguments();
        FailureOr<Caches> inner = threadBlock(
            rewriter, *body,
            {body->getArgument(n - 2), body->getArgument(n - 1)});
        if (failed(inner))
          return failure();
        Operation *yield = body->getTerminator();
        unsigned m = yield->getNumOperands();
        yield->setOperand(m - 2, inner->k);
        yield->setOperand(m - 1, inner->v);
        unsigned r = newLoop.getNumResults();
        caches = {newLoop.getResult(r - 2), newLoop.getResult(r - 1)};
      } else if (op.getNumRegions() != 0 && needsCache(&op)) {
        return op.emitError("decode cannot carry caches through '")
               << op.getName() << "'";
      }
    }
    return caches;
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *context = &getContext();
    IRRewriter rewriter(context);
    auto logits = module.lookupSymbol<func::FuncOp>("logits");
    if (!logits || !logits->hasAttr("hrm.entry")) {
      module.emitError("hrm-decode-entry needs an entry point @logits (run "
                       "convert-hrm-to-func first)");
      return signalPassFailure();
    }
    int64_t cacheLen = maxLen;
    if (cacheLen == 0) {
      auto attr = module->getAttrOfType<IntegerAttr>("hrm.max_seq_len");
      if (!attr) {
        module.emitError("hrm-decode-entry needs max-len: the module has no "
                         "hrm.max_seq_len");
        return signalPassFailure();
      }
      cacheLen = attr.getInt();
    }

    // Every attention must be causal and of one shape.
    int64_t heads = 0, headDim = 0, batch = 0;
    Type element;
    WalkResult checked = module.walk([&](AttentionOp op) {
      if (op.getMask() != MaskKind::causal) {
        op.emitError("decode caches keys and values, which needs causal "
                     "attention; this one is ")
            << stringifyMaskKind(op.getMask());
        return WalkResult::interrupt();
      }
      RankedTensorType type = op.getType();
      int64_t h = op.getHeadsAttr().getInt();
      int64_t hd = type.getDimSize(2) / h;
      if (heads && (h != heads || hd != headDim)) {
        op.emitError("decode needs one attention shape for the whole model");
        return WalkResult::interrupt();
      }
      heads = h;
      headDim = hd;
      batch = type.getDimSize(0);
      element = type.getElementType();
      return WalkResult::advance();
    });
    if (checked.wasInterrupted())
      return signalPassFailure();

    for (func::FuncOp fn : module.getOps<func::FuncOp>()) {
      if (fn->hasAttr("hrm.entry"))
        continue;
      int64_t count = llvm::range_size(fn.getOps<AttentionOp>());
      bool nested = false;
      fn.walk([&](Operation *op) {
        if (isa<AttentionOp>(op) && op->getParentOp() != fn)
          nested = true;
      });
      if (nested) {
        fn.emitError("decode supports attention only at the top level of a "
                     "module function");
        return signalPassFailure();
      }
      attentionCount[fn] = count;
    }

    // Slots are counted as call sites are threaded; the cache type is fixed
    // up once the count is known.
    cacheType = RankedTensorType::get(
        {ShapedType::kDynamic, batch, heads, cacheLen, headDim},
        element ? element : Float32Type::get(context));
    for (auto [fn, count] : llvm::to_vector(attentionCount))
      if (count > 0)
        decodeVersion[fn] = makeDecodeVersion(rewriter, fn);

    rewriter.setInsertionPointAfter(logits);
    auto decode = cast<func::FuncOp>(rewriter.clone(*logits));
    decode.setSymName("decode");
    Block &entry = decode.getBody().front();
    Location loc = decode.getLoc();
    Value k = entry.addArgument(cacheType, loc);
    Value v = entry.addArgument(cacheType, loc);
    Value posTensor = entry.addArgument(
        RankedTensorType::get({}, rewriter.getI32Type()), loc);
    rewriter.setInsertionPointToStart(&entry);
    Value pos32 = tensor::ExtractOp::create(rewriter, loc, posTensor);
    position = arith::IndexCastOp::create(rewriter, loc,
                                          rewriter.getIndexType(), pos32);
    // A count known only at run time (hrm.loop's `count`) cannot size the
    // caches: the decode entry runs the loop's nominal count.
    decode.walk([&](scf::ForOp loop) {
      auto steps = loop->getAttrOfType<IntegerAttr>("hrm.steps");
      if (!steps)
        return;
      rewriter.setInsertionPoint(loop);
      Value bound = arith::ConstantIndexOp::create(rewriter, loop.getLoc(),
                                                   steps.getInt());
      rewriter.modifyOpInPlace(
          loop, [&] { loop.getUpperBoundMutable().assign(bound); });
    });
    // Noise is keyed by absolute position.
    decode.walk([&](RandomNormalLikeOp op) {
      rewriter.modifyOpInPlace(op,
                               [&] { op.getPositionMutable().assign(position); });
    });
    FailureOr<Caches> caches = threadBlock(rewriter, entry, {k, v});
    if (failed(caches))
      return signalPassFailure();
    auto ret = cast<func::ReturnOp>(entry.getTerminator());
    SmallVector<Value> results(ret.getOperands());
    results.push_back(caches->k);
    results.push_back(caches->v);
    rewriter.setInsertionPoint(ret);
    rewriter.replaceOpWithNewOp<func::ReturnOp>(ret, results);

    // The slot count is known now: give every cache value its static type.
    cacheType = RankedTensorType::get(
        {std::max<int64_t>(nextSlot, 1), batch, heads, cacheLen, headDim},
        cacheType.getElementType());
    auto isCache = [](Type t) {
      auto r = dyn_cast<RankedTensorType>(t);
      return r && r.getRank() == 5 && r.isDynamicDim(0);
    };
    module.walk([&](Operation *op) {
      for (Region &region : op->getRegions())
        for (Block &block : region)
          for (BlockArgument arg : block.getArguments())
            if (isCache(arg.getType()))
              arg.setType(cacheType);
      for (Value result : op->getResults())
        if (isCache(result.getType()))
          result.setType(cacheType);
    });
    for (func::FuncOp fn : module.getOps<func::FuncOp>()) {
      Block &body = fn.getBody().front();
      fn.setType(FunctionType::get(context, body.getArgumentTypes(),
                                   body.getTerminator()->getOperandTypes()));
    }
    // The decode artifact has one entry point; the originals and module
    // functions without attention stay only if used.
    for (func::FuncOp fn : llvm::to_vector(module.getOps<func::FuncOp>()))
      if (fn->hasAttr("hrm.entry") && fn != decode)
        rewriter.eraseOp(fn);
    for (auto [fn, copy] : decodeVersion)
      if (SymbolTable::symbolKnownUseEmpty(fn, module))
        rewriter.eraseOp(fn);
    // The position is read by the host code (loop bounds, cache offsets):
    // the CUDA runtime passes it in host memory.
    decode.setArgAttr(decode.getNumArguments() - 1, "hrm.host",
                      rewriter.getUnitAttr());
    // The new caches are the arguments' caches with this step's rows
    // written: updated in place, so the caller's buffers never move.
    unsigned numResults = decode.getNumResults();
    unsigned numArgs = decode.getNumArguments();
    decode.setResultAttr(numResults - 2, "hrm.updates",
                         rewriter.getI64IntegerAttr(numArgs - 3));
    decode.setResultAttr(numResults - 1, "hrm.updates",
                         rewriter.getI64IntegerAttr(numArgs - 2));
    module->setAttr("hrm.decode_slots", rewriter.getI64IntegerAttr(nextSlot));
  }
};

} // namespace
