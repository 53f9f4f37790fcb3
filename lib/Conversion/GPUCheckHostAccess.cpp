//===- GPUCheckHostAccess.cpp - host code touches no device buffer --------===//
#include "BufferLoops.h"
#include "hrmc/Conversion/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir::hrm {
#define GEN_PASS_DEF_HRMGPUCHECKHOSTACCESS
#include "hrmc/Conversion/Passes.h.inc"
} // namespace mlir::hrm

using namespace mlir;

namespace {

struct HrmGPUCheckHostAccessPass
    : public mlir::hrm::impl::HrmGPUCheckHostAccessBase<
          HrmGPUCheckHostAccessPass> {
  /// Arguments in host memory: entry arguments marked `hrm.host`, and
  /// private functions' memref arguments that every caller fills with a
  /// host-stack or host buffer.
  DenseSet<Value> stackArguments;

  bool onHostStack(Value memref) const {
    Value root = mlir::hrm::rootBuffer(memref);
    return root.getDefiningOp<memref::AllocaOp>() ||
           stackArguments.contains(root);
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<func::FuncOp> hostFunctions(module.getOps<func::FuncOp>());
    // Inputs the runtime passes in host memory.
    for (func::FuncOp func : hostFunctions)
      if (!func.isExternal())
        for (BlockArgument arg : func.getArguments())
          if (func.getArgAttr(arg.getArgNumber(), "hrm.host"))
            stackArguments.insert(arg);
    findStackArguments(hostFunctions);
    for (func::FuncOp func : hostFunctions)
      if (!func.isExternal() && failed(check(func)))
        return signalPassFailure();
  }

  /// Grows `stackArguments` to a fixed point over the module's calls.
  void findStackArguments(ArrayRef<func::FuncOp> functions) {
    DenseMap<Operation *, SmallVector<func::CallOp>> callers;
    for (func::FuncOp func : functions)
      func.walk([&](func::CallOp call) {
        if (auto callee = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(
                call, call.getCalleeAttr()))
          callers[callee].push_back(call);
      });
    for (bool changed = true; changed;) {
      changed = false;
      for (func::FuncOp func : functions) {
        if (func.isExternal() || !func.isPrivate() || !callers.count(func))
          continue;
        for (BlockArgument arg : func.getArguments()) {
          if (!isa<MemRefType>(arg.getType()) || stackArguments.contains(arg))
            continue;
          if (llvm::all_of(callers[func], [&](func::CallOp call) {
                return onHostStack(call.getOperand(arg.getArgNumber()));
              })) {
            stackArguments.insert(arg);
            changed = true;
          }
        }
      }
    }
  }

  LogicalResult check(func::FuncOp func) {
    WalkResult result = func.walk([&](Operation *op) {
      if (isa<gpu::LaunchFuncOp, memref::AllocOp, memref::AllocaOp,
              memref::DeallocOp>(op))
        return WalkResult::advance();
      if (auto call = dyn_cast<func::CallOp>(op)) {
        auto callee = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(
            call, call.getCalleeAttr());
        if (callee && !callee.isExternal())
          return WalkResult::advance(); // checked as a function itself
        for (Value operand : call.getOperands())
          if (isa<MemRefType>(operand.getType()) && !onHostStack(operand))
            return fail(op, operand, "passes", "to an external function");
        return WalkResult::advance();
      }
      if (op->hasTrait<OpTrait::HasRecursiveMemoryEffects>())
        return WalkResult::advance(); // its body is walked
      auto effects = dyn_cast<MemoryEffectOpInterface>(op);
      for (Value operand : op->getOperands()) {
        if (!isa<MemRefType>(operand.getType()) || onHostStack(operand))
          continue;
        if (!effects)
          return fail(op, operand, "may read or write", "(unknown effects)");
        if (effects.getEffectOnValue<MemoryEffects::Read>(operand))
          return fail(op, operand, "reads", "");
        if (effects.getEffectOnValue<MemoryEffects::Write>(operand))
          return fail(op, operand, "writes", "");
      }
      return WalkResult::advance();
    });
    return failure(result.wasInterrupted());
  }

  WalkResult fail(Operation *op, Value buffer, StringRef verb, StringRef how) {
    InFlightDiagnostic diag =
        op->emitError() << "host code " << verb << " a buffer kernels may use"
                        << (how.empty() ? "" : " ") << how
                        << ": the CUDA backend does not wait for a kernel "
                           "before the host goes on, so host code may touch "
                           "only host-stack buffers (memref.alloca)";
    if (Operation *def = buffer.getDefiningOp())
      diag.attachNote(def->getLoc()) << "the buffer";
    return WalkResult::interrupt();
  }
};

} // namespace
