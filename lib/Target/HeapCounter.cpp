//===- HeapCounter.cpp - count the compiled code's heap use ---------------===//
//
// The compiled code is single-threaded, so plain loads and stores suffice.
// Each block carries a 16-byte header with its size: free() is handed only
// the pointer, and 16 bytes keep malloc's alignment.
//
//===----------------------------------------------------------------------===//
#include "HeapCounter.h"

#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Module.h"

using namespace llvm;

namespace {
constexpr uint64_t kHeader = 16;

/// The declaration the lowering made of `name`, to be given a body here.
Expected<Function *> takeDeclaration(Module &module, StringRef name,
                                     FunctionType *type) {
  auto *fn = dyn_cast<Function>(module.getOrInsertFunction(name, type).getCallee());
  if (!fn || !fn->empty())
    return createStringError(name + " is already defined or has another type");
  fn->setLinkage(GlobalValue::InternalLinkage);
  return fn;
}
} // namespace

Error hrmc::defineCountingAllocator(Module &module,
                                    const HeapFunctions &heap) {
  if (Function *aligned = module.getFunction("_mlir_memref_to_llvm_aligned_alloc"))
    if (!aligned->use_empty())
      return createStringError("the counting allocator does not handle "
                               "aligned allocation (use-aligned-alloc)");
  LLVMContext &ctx = module.getContext();
  Type *i64 = Type::getInt64Ty(ctx);
  PointerType *ptr = PointerType::getUnqual(ctx);
  ArrayType *countsType = ArrayType::get(i64, 2);
  auto *counts = new GlobalVariable(
      module, countsType, /*isConstant=*/false, GlobalValue::ExternalLinkage,
      ConstantAggregateZero::get(countsType), "hrm_heap_bytes");
  counts->setAlignment(Align(8));
  Value *livePtr = counts;
  Constant *peakPtr = ConstantExpr::getInBoundsGetElementPtr(
      countsType, counts,
      ArrayRef<Constant *>{ConstantInt::get(i64, 0), ConstantInt::get(i64, 1)});

  FunctionCallee mallocFn =
      module.getOrInsertFunction(heap.alloc, FunctionType::get(ptr, {i64}, false));
  FunctionCallee freeFn = module.getOrInsertFunction(
      heap.release,
      FunctionType::get(heap.releaseReturnsSize ? i64 : Type::getVoidTy(ctx),
                        {ptr}, false));
  uint64_t header = heap.releaseReturnsSize ? 0 : kHeader;

  // ptr _mlir_memref_to_llvm_alloc(i64 size)
  Expected<Function *> allocFn = takeDeclaration(
      module, "_mlir_memref_to_llvm_alloc", FunctionType::get(ptr, {i64}, false));
  if (!allocFn)
    return allocFn.takeError();
  {
    Function *alloc = *allocFn;
    BasicBlock *entry = BasicBlock::Create(ctx, "entry", alloc);
    BasicBlock *ok = BasicBlock::Create(ctx, "ok", alloc);
    BasicBlock *failed = BasicBlock::Create(ctx, "failed", alloc);
    IRBuilder<> b(entry);
    Value *size = alloc->getArg(0);
    Value *raw = b.CreateCall(mallocFn, {b.CreateAdd(size, b.getInt64(header))});
    b.CreateCondBr(b.CreateIsNull(raw), failed, ok);
    b.SetInsertPoint(failed);
    b.CreateRet(ConstantPointerNull::get(ptr));
    b.SetInsertPoint(ok);
    if (header)
      b.CreateStore(size, raw);
    Value *live = b.CreateAdd(b.CreateLoad(i64, livePtr), size);
    b.CreateStore(live, livePtr);
    Value *peak = b.CreateLoad(i64, peakPtr);
    b.CreateStore(b.CreateSelect(b.CreateICmpUGT(live, peak), live, peak),
                  peakPtr);
    b.CreateRet(b.CreateConstInBoundsGEP1_64(b.getInt8Ty(), raw, header));
  }

  // void _mlir_memref_to_llvm_free(ptr p)
  Expected<Function *> freeDecl = takeDeclaration(
      module, "_mlir_memref_to_llvm_free",
      FunctionType::get(Type::getVoidTy(ctx), {ptr}, false));
  if (!freeDecl)
    return freeDecl.takeError();
  {
    Function *release = *freeDecl;
    BasicBlock *entry = BasicBlock::Create(ctx, "entry", release);
    BasicBlock *body = BasicBlock::Create(ctx, "body", release);
    BasicBlock *done = BasicBlock::Create(ctx, "done", release);
    IRBuilder<> b(entry);
    Value *p = release->getArg(0);
    b.CreateCondBr(b.CreateIsNull(p), done, body);
    b.SetInsertPoint(body);
    Value *size;
    if (header) {
      Value *raw = b.CreateConstInBoundsGEP1_64(
          b.getInt8Ty(), p, -static_cast<int64_t>(header));
      size = b.CreateLoad(i64, raw);
      b.CreateCall(freeFn, {raw});
    } else {
      size = b.CreateCall(freeFn, {p});
    }
    b.CreateStore(b.CreateSub(b.CreateLoad(i64, livePtr), size), livePtr);
    b.CreateBr(done);
    b.SetInsertPoint(done);
    b.CreateRetVoid();
  }
  return Error::success();
}
