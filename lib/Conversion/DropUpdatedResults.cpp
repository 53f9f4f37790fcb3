//===- DropUpdatedResults.cpp - in-place updates leave the signature ------===//
#include "hrmc/Conversion/Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

namespace mlir::hrm {
#define GEN_PASS_DEF_HRMDROPUPDATEDRESULTS
#include "hrmc/Conversion/Passes.h.inc"
} // namespace mlir::hrm

using namespace mlir;

namespace {

/// The buffer `v` is, seen through casts and through loops that carry it
/// unchanged (each iteration yields its iteration argument).
Value underlyingBuffer(Value v) {
  while (true) {
    if (auto cast = v.getDefiningOp<memref::CastOp>()) {
      v = cast.getSource();
      continue;
    }
    if (auto loop = v.getDefiningOp<scf::ForOp>()) {
      unsigned i = cast<OpResult>(v).getResultNumber();
      if (underlyingBuffer(loop.getYieldedValues()[i]) ==
          loop.getRegionIterArgs()[i]) {
        v = loop.getInits()[i];
        continue;
      }
    }
    return v;
  }
}

struct HrmDropUpdatedResultsPass
    : public mlir::hrm::impl::HrmDropUpdatedResultsBase<
          HrmDropUpdatedResultsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTableCollection symbols;
    SymbolUserMap users(symbols, module);
    for (func::FuncOp fn : module.getOps<func::FuncOp>()) {
      if (fn.isExternal())
        continue;
      llvm::BitVector drop(fn.getNumResults());
      for (unsigned r = 0, e = fn.getNumResults(); r < e; ++r)
        if (fn.getResultAttr(r, "hrm.updates"))
          drop.set(r);
      if (drop.none())
        continue;
      if (!users.getUsers(fn).empty()) {
        fn.emitError("hrm-drop-updated-results: a function with in-place "
                     "updates has callers");
        return signalPassFailure();
      }
      if (failed(dropResults(fn, drop)))
        return signalPassFailure();
    }
  }

  LogicalResult dropResults(func::FuncOp fn, const llvm::BitVector &drop) {
    SmallVector<func::ReturnOp> returns;
    fn.walk([&](func::ReturnOp ret) { returns.push_back(ret); });
    for (unsigned r : drop.set_bits()) {
      auto arg = fn.getResultAttrOfType<IntegerAttr>(r, "hrm.updates");
      if (!arg || arg.getInt() < 0 ||
          arg.getInt() >= static_cast<int64_t>(fn.getNumArguments()))
        return fn.emitError("hrm-drop-updated-results: result ")
               << r << " updates no argument";
      Value target = fn.getArgument(arg.getInt());
      if (!isa<MemRefType>(target.getType()))
        return fn.emitError("hrm-drop-updated-results: argument ")
               << arg.getInt() << " is not a buffer (run one-shot-bufferize "
               << "first)";
      for (func::ReturnOp ret : returns) {
        if (underlyingBuffer(ret.getOperand(r)) != target)
          return ret.emitError("result ")
                 << r << " must update argument " << arg.getInt()
                 << " in place, but bufferization gave it another buffer";
      }
    }
    for (func::ReturnOp ret : returns)
      ret->eraseOperands(drop);
    if (failed(fn.eraseResults(drop)))
      return fn.emitError("hrm-drop-updated-results: cannot erase results");
    return success();
  }
};

} // namespace
