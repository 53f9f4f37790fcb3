//===- Manifest.cpp - what an artifact holds, as JSON ---------------------===//
#include "hrm/HrmOps.h"
#include "HostLibrary.h"
#include "hrmc/Target/Artifact.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

using namespace mlir;
using namespace mlir::hrm;
using llvm::json::Array;
using llvm::json::Object;

namespace {

/// The safetensors name of an element type.
std::string dtypeName(Type type) {
  if (type.isF32())
    return "F32";
  if (type.isF64())
    return "F64";
  if (type.isF16())
    return "F16";
  if (type.isBF16())
    return "BF16";
  if (type.isInteger(32))
    return "I32";
  if (type.isInteger(64))
    return "I64";
  std::string s;
  llvm::raw_string_ostream(s) << type;
  return s;
}

Object describeTensor(StringRef name, Type type) {
  auto tensor = cast<RankedTensorType>(type);
  Array shape;
  for (int64_t d : tensor.getShape())
    shape.push_back(d);
  return Object{{"name", name.str()},
                {"dtype", dtypeName(tensor.getElementType())},
                {"shape", std::move(shape)}};
}

/// A dictionary of integers, floats and strings (`hrm.trip_count`,
/// `hrm.grad_window`) as JSON.
Object describeFields(DictionaryAttr dict) {
  Object out;
  for (NamedAttribute field : dict) {
    Attribute v = field.getValue();
    if (auto i = dyn_cast<IntegerAttr>(v))
      out[field.getName().str()] = i.getInt();
    else if (auto f = dyn_cast<FloatAttr>(v))
      out[field.getName().str()] = f.getValueAsDouble();
    else if (auto str = dyn_cast<StringAttr>(v))
      out[field.getName().str()] = str.str();
  }
  return out;
}

} // namespace

llvm::Expected<Object> hrmc::describeArtifact(ModuleOp module,
                                              ModuleOp lowered,
                                              const CompileShape &shape) {
  auto models = llvm::to_vector(module.getOps<ModelOp>());
  if (models.size() != 1)
    return llvm::createStringError("an artifact holds exactly one hrm.model; "
                                   "found %zu",
                                   models.size());
  ModelOp model = models.front();

  Array params;
  for (ParamOp param : model.getBody().getOps<ParamOp>()) {
    Object entry = describeTensor(param.getSymName(), param.getTensorType());
    InitAttr init = param.getInit();
    // constant(v) holds its value where the normal kinds hold their std.
    bool constant = init.getKind() == InitKind::constant;
    entry["init"] =
        Object{{"kind", stringifyInitKind(init.getKind()).str()},
               {constant ? "value" : "std", init.getStd().convertToDouble()}};
    if (param.getFrozen())
      entry["frozen"] = true;
    params.push_back(std::move(entry));
  }
  Array entries;
  // Entry points as the compiled code sees them: functions over the
  // parameters, with static shapes (and the decode entry, when asked).
  for (func::FuncOp fn : lowered.getOps<func::FuncOp>()) {
    if (!fn->hasAttr("hrm.entry"))
      continue;
    // Arguments a result updates in place (hrm.updates): that result is
    // not in the compiled signature.
    llvm::SmallDenseSet<int64_t> updated;
    for (unsigned r = 0, e = fn.getNumResults(); r < e; ++r)
      if (auto arg = fn.getResultAttrOfType<IntegerAttr>(r, "hrm.updates"))
        updated.insert(arg.getInt());
    Array inputs, outputs;
    unsigned input = 0;
    bool updatesParams = false;
    for (auto [i, type] : llvm::enumerate(fn.getArgumentTypes())) {
      if (fn.getArgAttr(i, "hrm.param")) {
        updatesParams |= updated.contains(i);
        continue;
      }
      std::string name = ("input" + llvm::Twine(input++)).str();
      if (auto given = fn.getArgAttrOfType<StringAttr>(i, "hrm.name"))
        name = given.str();
      Object tensor = describeTensor(name, type);
      if (fn.getArgAttr(i, "hrm.host"))
        tensor["host"] = true;
      for (StringRef control : {"trip_count", "grad_window", "reset", "halt"})
        if (auto fields = fn.getArgAttrOfType<DictionaryAttr>(
                i, ("hrm." + control).str()))
          tensor[control] = describeFields(fields);
      if (updated.contains(i))
        tensor["inout"] = true;
      inputs.push_back(std::move(tensor));
    }
    unsigned output = 0;
    for (auto [i, type] : llvm::enumerate(fn.getResultTypes())) {
      if (fn.getResultAttr(i, "hrm.updates"))
        continue;
      // A training entry names its loss and the parameter of each gradient.
      std::string name = ("output" + llvm::Twine(output++)).str();
      if (fn.getResultAttr(i, "hrm.loss"))
        name = "loss";
      else if (auto param = fn.getResultAttrOfType<StringAttr>(i, "hrm.grad"))
        name = ("grad:" + param.getValue()).str();
      else if (auto given = fn.getResultAttrOfType<StringAttr>(i, "hrm.name"))
        name = given.str();
      outputs.push_back(describeTensor(name, type));
    }
    Object entry{{"name", fn.getSymName().str()},
                 {"symbol", ("hrm_entry_" + fn.getSymName()).str()},
                 {"inputs", std::move(inputs)},
                 {"outputs", std::move(outputs)}};
    if (updatesParams)
      entry["updates_params"] = true;
    entries.push_back(std::move(entry));
  }
  int64_t seq = shape.seqLen;
  if (seq == 0 && model.getMaxSeqLen())
    seq = *model.getMaxSeqLen();
  Object manifest{
      {"format", "hrmc-artifact"},
      {"version", 1},
      {"model", model.getSymName().str()},
      {"batch", shape.batch},
      {"seq_len", seq},
      {"abi", "hrm_entry_<name>(void **args): args[i] points to the memref "
              "descriptor of argument i; arguments are the params in manifest "
              "order, then the inputs, then the outputs; an entry with "
              "updates_params writes the parameters in place, and an "
              "inout input is updated in place"},
      {"params", std::move(params)},
      {"entries", std::move(entries)}};
  if (std::optional<uint64_t> maxSeq = model.getMaxSeqLen())
    manifest["max_seq_len"] = static_cast<int64_t>(*maxSeq);
  return manifest;
}

llvm::Error hrmc::checkEntrySignatures(ModuleOp lowered,
                                       const llvm::json::Object &manifest) {
  const Array *params = manifest.getArray("params");
  const Array *entries = manifest.getArray("entries");
  if (!params || !entries)
    return llvm::createStringError("the manifest lists no params or entries");
  for (const llvm::json::Value &value : *entries) {
    const Object *entry = value.getAsObject();
    std::optional<StringRef> name = entry ? entry->getString("name") : std::nullopt;
    const Array *inputs = entry ? entry->getArray("inputs") : nullptr;
    const Array *outputs = entry ? entry->getArray("outputs") : nullptr;
    if (!name || !inputs || !outputs)
      return llvm::createStringError("a manifest entry lacks name, inputs "
                                     "or outputs");
    auto fn = lowered.lookupSymbol<LLVM::LLVMFuncOp>(
        ("_mlir_ciface_" + *name).str());
    if (!fn || !lowered.lookupSymbol(("hrm_entry_" + *name).str()))
      return llvm::createStringError("entry point '" + *name +
                                     "' was not compiled");
    size_t expected = params->size() + inputs->size() + outputs->size();
    if (fn.getNumArguments() != expected)
      return llvm::createStringError(
          llvm::formatv("entry point '{0}' takes {1} buffers, but the "
                        "manifest lists {2} (params, inputs, outputs)",
                        *name, fn.getNumArguments(), expected));
  }
  return llvm::Error::success();
}
