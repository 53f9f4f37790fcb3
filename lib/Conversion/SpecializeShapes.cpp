//===- SpecializeShapes.cpp - fix batch and sequence sizes ----------------===//
#include "hrm/HrmOps.h"
#include "hrmc/Conversion/Passes.h"

namespace mlir::hrm {
#define GEN_PASS_DEF_HRMSPECIALIZESHAPES
#include "hrmc/Conversion/Passes.h.inc"
} // namespace mlir::hrm

using namespace mlir;
using namespace mlir::hrm;

namespace {

struct HrmSpecializeShapesPass
    : public mlir::hrm::impl::HrmSpecializeShapesBase<
          HrmSpecializeShapesPass> {
  using Base::Base;

  /// The type with its batch and sequence fixed; null when a dynamic
  /// dimension is neither.
  Type specialize(Type type, int64_t seq) {
    auto tensor = dyn_cast<RankedTensorType>(type);
    if (!tensor || tensor.hasStaticShape())
      return type;
    SmallVector<int64_t> shape(tensor.getShape());
    for (auto [i, dim] : llvm::enumerate(shape)) {
      if (!ShapedType::isDynamic(dim))
        continue;
      if (i > 1)
        return nullptr;
      dim = i == 0 ? batch : seq;
    }
    return tensor.clone(shape);
  }

  LogicalResult specializeValue(Value value, Location loc, int64_t seq) {
    Type type = specialize(value.getType(), seq);
    if (!type)
      return emitError(loc) << "cannot specialize " << value.getType()
                            << ": only dimensions 0 (batch) and 1 (sequence) "
                               "may be dynamic";
    value.setType(type);
    return success();
  }

  LogicalResult specializeModel(ModelOp model) {
    int64_t seq = seqLen;
    std::optional<uint64_t> maxSeq = model.getMaxSeqLen();
    if (seq == 0) {
      if (!maxSeq)
        return model.emitError("seq-len is required: the model has no "
                               "max_seq_len");
      seq = *maxSeq;
    }
    int64_t rows = batch;
    if (seq <= 0 || rows <= 0)
      return model.emitError() << "batch (" << rows << ") and seq-len (" << seq
                               << ") must be positive";
    if (maxSeq && seq > static_cast<int64_t>(*maxSeq))
      return model.emitError() << "seq-len " << seq
                               << " exceeds the model's max_seq_len "
                               << *maxSeq;
    WalkResult walk = model.walk([&](Operation *op) {
      for (Region &region : op->getRegions())
        for (Block &block : region)
          for (BlockArgument arg : block.getArguments())
            if (failed(specializeValue(arg, op->getLoc(), seq)))
              return WalkResult::interrupt();
      for (Value result : op->getResults())
        if (failed(specializeValue(result, op->getLoc(), seq)))
          return WalkResult::interrupt();
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      return failure();
    // Signatures follow their bodies.
    model.walk([&](FunctionOpInterface fn) {
      Block &entry = fn.getFunctionBody().front();
      Operation *terminator = &entry.back();
      fn.setType(FunctionType::get(fn.getContext(), entry.getArgumentTypes(),
                                   terminator->getOperandTypes()));
    });
    return success();
  }

  void runOnOperation() override {
    for (ModelOp model :
         llvm::make_early_inc_range(getOperation().getOps<ModelOp>()))
      if (failed(specializeModel(model)))
        return signalPassFailure();
  }
};

} // namespace
