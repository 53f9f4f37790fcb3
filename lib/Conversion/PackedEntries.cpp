//===- PackedEntries.cpp - one C signature for every entry point ----------===//
#include "hrmc/Conversion/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

namespace mlir::hrm {
#define GEN_PASS_DEF_HRMPACKEDENTRIES
#include "hrmc/Conversion/Passes.h.inc"
} // namespace mlir::hrm

using namespace mlir;

namespace {

constexpr StringLiteral kCInterfacePrefix = "_mlir_ciface_";

struct HrmPackedEntriesPass
    : public mlir::hrm::impl::HrmPackedEntriesBase<HrmPackedEntriesPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *context = &getContext();
    auto ptr = LLVM::LLVMPointerType::get(context);
    auto voidTy = LLVM::LLVMVoidType::get(context);
    OpBuilder b(context);
    for (LLVM::LLVMFuncOp fn :
         llvm::to_vector(module.getOps<LLVM::LLVMFuncOp>())) {
      StringRef name = fn.getName();
      if (!name.starts_with(kCInterfacePrefix) || fn.isExternal())
        continue;
      LLVM::LLVMFunctionType type = fn.getFunctionType();
      if (!llvm::all_of(type.getParams(), llvm::IsaPred<LLVM::LLVMPointerType>) ||
          !isa<LLVM::LLVMVoidType>(type.getReturnType())) {
        fn.emitError("hrm-packed-entries expects memref descriptor pointers "
                     "in and nothing out (run buffer-results-to-out-params)");
        return signalPassFailure();
      }
      std::string wrapperName =
          ("hrm_entry_" + name.drop_front(kCInterfacePrefix.size())).str();
      b.setInsertionPointAfter(fn);
      Location loc = fn.getLoc();
      auto wrapper = LLVM::LLVMFuncOp::create(
          b, loc, wrapperName, LLVM::LLVMFunctionType::get(voidTy, {ptr}));
      Block *entry = wrapper.addEntryBlock(b);
      b.setInsertionPointToStart(entry);
      SmallVector<Value> args;
      for (unsigned i = 0, e = type.getNumParams(); i < e; ++i) {
        Value slot = LLVM::GEPOp::create(
            b, loc, ptr, ptr, entry->getArgument(0),
            ArrayRef<LLVM::GEPArg>{static_cast<int32_t>(i)});
        args.push_back(LLVM::LoadOp::create(b, loc, ptr, slot));
      }
      LLVM::CallOp::create(b, loc, fn, args);
      LLVM::ReturnOp::create(b, loc, ValueRange{});
    }
  }
};

} // namespace
