//===- HrmToFunc.cpp - hrm.model -> functions over parameters -------------===//
#include "hrm/HrmOps.h"
#include "hrmc/Conversion/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/StringExtras.h"

namespace mlir::hrm {
#define GEN_PASS_DEF_CONVERTHRMTOFUNC
#include "hrmc/Conversion/Passes.h.inc"
} // namespace mlir::hrm

using namespace mlir;
using namespace mlir::hrm;

namespace {

/// `hrm_module_<name>`, with every character outside [A-Za-z0-9_] as `_`:
/// the name must also be a valid PTX identifier, where `.` is not allowed.
std::string moduleFunctionName(StringRef module) {
  std::string name = ("hrm_module_" + module).str();
  for (char &c : name)
    if (!llvm::isAlnum(c) && c != '_')
      c = '_';
  return name;
}

struct ConvertHrmToFuncPass
    : public mlir::hrm::impl::ConvertHrmToFuncBase<ConvertHrmToFuncPass> {
  SmallVector<ParamOp> params;
  llvm::StringMap<unsigned> paramIndex;

  /// Prepends one argument per parameter to `fn` and rewires the weights,
  /// applications and calls of its body.
  void lowerBody(RewriterBase &rewriter, func::FuncOp fn) {
    Block &entry = fn.getBody().front();
    // insertArgument shifts the attributes of the arguments already there.
    for (auto [i, param] : llvm::enumerate(params)) {
      SmallVector<NamedAttribute> attrs{rewriter.getNamedAttr(
          "hrm.param", rewriter.getStringAttr(param.getSymName()))};
      if (param.getFrozen())
        attrs.push_back(
            rewriter.getNamedAttr("hrm.frozen", rewriter.getUnitAttr()));
      if (failed(fn.insertArgument(i, param.getTensorType(),
                                   rewriter.getDictionaryAttr(attrs),
                                   param.getLoc())))
        llvm_unreachable("a func.func takes any argument type");
    }
    ValueRange paramArgs = entry.getArguments().take_front(params.size());

    fn.walk([&](Operation *op) {
      rewriter.setInsertionPoint(op);
      if (auto weight = dyn_cast<WeightOp>(op)) {
        rewriter.replaceOp(weight,
                           paramArgs[paramIndex.lookup(weight.getParam())]);
      } else if (auto apply = dyn_cast<ApplyOp>(op)) {
        SmallVector<Value> operands(paramArgs);
        llvm::append_range(operands, apply.getInputs());
        auto call = rewriter.replaceOpWithNewOp<func::CallOp>(
            apply, moduleFunctionName(apply.getCallee()),
            apply.getResultTypes(), operands);
        // hrm-autodiff reads the memory policy of unrolled applications.
        if (MemoryPolicyAttr memory = apply.getMemoryAttr())
          call->setAttr("hrm.memory", memory);
      } else if (auto call = dyn_cast<func::CallOp>(op)) {
        SmallVector<Value> operands(paramArgs);
        llvm::append_range(operands, call.getOperands());
        rewriter.modifyOpInPlace(
            call, [&] { call.getOperandsMutable().assign(operands); });
      } else if (auto yield = dyn_cast<YieldOp>(op);
                 yield && yield->getParentOp() == fn) {
        rewriter.replaceOpWithNewOp<func::ReturnOp>(yield, yield.getValues());
      }
    });
  }

  LogicalResult lowerModel(ModelOp model) {
    MLIRContext *context = &getContext();
    IRRewriter rewriter(context);
    params = llvm::to_vector(model.getBody().getOps<ParamOp>());
    paramIndex.clear();
    for (auto [i, param] : llvm::enumerate(params))
      paramIndex[param.getSymName()] = i;

    SmallVector<func::FuncOp> functions;
    rewriter.setInsertionPoint(model);
    for (Operation &op : llvm::make_early_inc_range(model.getBody().front())) {
      if (auto module = dyn_cast<ModuleDefOp>(op)) {
        auto fn = func::FuncOp::create(
            rewriter, module.getLoc(),
            moduleFunctionName(module.getSymName()), module.getFunctionType());
        fn.setPrivate();
        rewriter.inlineRegionBefore(module.getBody(), fn.getBody(),
                                    fn.getBody().end());
        rewriter.eraseOp(module);
        functions.push_back(fn);
      } else if (auto fn = dyn_cast<func::FuncOp>(op)) {
        fn->moveBefore(model);
        fn->setAttr("hrm.entry", rewriter.getUnitAttr());
        fn->setAttr("llvm.emit_c_interface", rewriter.getUnitAttr());
        functions.push_back(fn);
      } else if (!isa<ParamOp>(op)) {
        return op.emitError("cannot lower '")
               << op.getName() << "' at the top level of an hrm.model";
      }
    }
    for (func::FuncOp fn : functions)
      lowerBody(rewriter, fn);
    getOperation()->setAttr("hrm.model", model.getSymNameAttr());
    if (model.getMaxSeqLenAttr())
      getOperation()->setAttr("hrm.max_seq_len", model.getMaxSeqLenAttr());
    rewriter.eraseOp(model);
    return success();
  }

  void runOnOperation() override {
    auto models = llvm::to_vector(getOperation().getOps<ModelOp>());
    if (models.size() > 1) {
      models[1].emitError("convert-hrm-to-func lowers one hrm.model per "
                          "module; found another here");
      return signalPassFailure();
    }
    if (!models.empty() && failed(lowerModel(models.front())))
      signalPassFailure();
  }
};

} // namespace
