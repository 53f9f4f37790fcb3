//===- Manifest.cpp -------------------------------------------------------===//
#include "hrmrt/Manifest.h"
#include "hrmrt/FileIO.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

using namespace hrmrt;
namespace json = llvm::json;

namespace {

llvm::Error bad(llvm::StringRef source, const llvm::Twine &what) {
  return llvm::createStringError(source + ": bad manifest: " + what);
}

/// Reads the optional flag `key` of `object` into `out` (left as it is when
/// the key is absent).
llvm::Error readFlag(const json::Object &object, llvm::StringRef key,
                     bool &out, llvm::StringRef source,
                     const llvm::Twine &where) {
  const json::Value *value = object.get(key);
  if (!value)
    return llvm::Error::success();
  std::optional<bool> b = value->getAsBoolean();
  if (!b)
    return bad(source, where + ": '" + key + "' must be true or false");
  out = *b;
  return llvm::Error::success();
}

llvm::Expected<TensorSpec> parseTensor(const json::Value &value,
                                       llvm::StringRef source,
                                       llvm::StringRef where) {
  const json::Object *object = value.getAsObject();
  if (!object)
    return bad(source, where + " is not an object");
  std::optional<llvm::StringRef> name = object->getString("name");
  std::optional<llvm::StringRef> dtype = object->getString("dtype");
  const json::Array *shape = object->getArray("shape");
  if (!name || !dtype || !shape)
    return bad(source, where + " needs name, dtype and shape");
  TensorSpec spec;
  spec.name = name->str();
  llvm::Expected<DType> d = parseDType(*dtype);
  if (!d)
    return bad(source, where + ": " + llvm::toString(d.takeError()));
  spec.dtype = *d;
  for (const json::Value &dim : *shape) {
    std::optional<int64_t> v = dim.getAsInteger();
    if (!v || *v < 0)
      return bad(source, where + " has a bad shape");
    spec.shape.push_back(*v);
  }
  for (auto [key, flag] : {std::pair<const char *, bool *>{"host", &spec.host},
                           {"inout", &spec.inout}})
    if (llvm::Error e = readFlag(*object, key, *flag, source, where))
      return std::move(e);
  if (spec.host && spec.inout)
    return bad(source, where + ": an input cannot be both 'host' and 'inout'");
  return spec;
}

llvm::Error parseTensors(const json::Object &object, llvm::StringRef key,
                         std::vector<TensorSpec> &out, llvm::StringRef source,
                         llvm::StringRef where) {
  const json::Array *array = object.getArray(key);
  if (!array)
    return bad(source, where + " has no '" + key + "' list");
  for (const json::Value &v : *array) {
    llvm::Expected<TensorSpec> t =
        parseTensor(v, source, (where + "." + key).str());
    if (!t)
      return t.takeError();
    out.push_back(std::move(*t));
  }
  return llvm::Error::success();
}

/// The `key` object of control input `index` (its sampling or warm-up),
/// parsed by `parse` into `out`.
template <typename Spec>
llvm::Error parseControl(const json::Object &entry, std::optional<size_t> index,
                         llvm::StringRef key,
                         llvm::Expected<Spec> (*parse)(const json::Object &,
                                                       llvm::StringRef),
                         std::optional<Spec> &out, llvm::StringRef source,
                         llvm::StringRef entryName) {
  if (!index)
    return llvm::Error::success();
  const json::Object *spec =
      (*entry.getArray("inputs"))[*index].getAsObject()->getObject(key);
  if (!spec)
    return bad(source,
               entryName + ": input '" + key + "' has no '" + key + "' object");
  llvm::Expected<Spec> parsed = parse(*spec, (entryName + "." + key).str());
  if (!parsed)
    return bad(source, llvm::toString(parsed.takeError()));
  out = *parsed;
  return llvm::Error::success();
}

} // namespace

std::optional<size_t> EntrySpec::controlInput(llvm::StringRef name) const {
  for (auto [i, input] : llvm::enumerate(inputs))
    if (input.name == name && input.dtype == DType::I32 && input.shape.empty())
      return i;
  return std::nullopt;
}

std::optional<size_t> EntrySpec::rowMaskInput(llvm::StringRef name) const {
  for (auto [i, input] : llvm::enumerate(inputs))
    if (input.name == name && input.dtype == DType::I32 &&
        input.shape.size() == 1)
      return i;
  return std::nullopt;
}

std::optional<size_t> EntrySpec::haltQOutput() const {
  for (auto [i, output] : llvm::enumerate(outputs))
    if (output.name == "halt.q" && output.dtype == DType::F32 &&
        output.shape.size() == 2 && output.shape[1] == 2)
      return i;
  return std::nullopt;
}

/// The index of a scalar F32 output named `name`.
static std::optional<size_t> scalarOutput(const EntrySpec &spec,
                                          llvm::StringRef name) {
  for (auto [i, output] : llvm::enumerate(spec.outputs))
    if (output.name == name && output.dtype == DType::F32 &&
        output.shape.empty())
      return i;
  return std::nullopt;
}

std::optional<size_t> EntrySpec::lmLossOutput() const {
  return scalarOutput(*this, "lm_loss");
}

std::optional<size_t> EntrySpec::actPonderOutput() const {
  return scalarOutput(*this, "act.ponder");
}

std::vector<std::pair<size_t, size_t>> EntrySpec::carriedStates() const {
  std::vector<std::pair<size_t, size_t>> pairs;
  for (auto [i, input] : llvm::enumerate(inputs))
    if (llvm::StringRef(input.name).starts_with("carry."))
      for (auto [o, output] : llvm::enumerate(outputs))
        if (output.name == input.name)
          pairs.emplace_back(i, o);
  return pairs;
}

const EntrySpec *Manifest::findEntry(llvm::StringRef name) const {
  for (const EntrySpec &e : entries)
    if (e.name == name)
      return &e;
  return nullptr;
}

const ParamSpec *Manifest::findParam(llvm::StringRef name) const {
  for (const ParamSpec &p : params)
    if (p.tensor.name == name)
      return &p;
  return nullptr;
}

std::vector<const ParamSpec *> Manifest::trainableParams() const {
  std::vector<const ParamSpec *> trainable;
  for (const ParamSpec &p : params)
    if (!p.frozen)
      trainable.push_back(&p);
  return trainable;
}

llvm::Expected<Manifest> Manifest::parse(llvm::StringRef text,
                                         llvm::StringRef source) {
  llvm::Expected<json::Value> parsed = json::parse(text);
  if (!parsed)
    return bad(source, llvm::toString(parsed.takeError()));
  const json::Object *root = parsed->getAsObject();
  if (!root || root->getString("format") != "hrmc-artifact")
    return bad(source, "not an hrmc artifact manifest (format)");
  if (root->getInteger("version") != 1)
    return bad(source, "unsupported version (this runtime reads version 1)");
  Manifest m;
  std::optional<llvm::StringRef> model = root->getString("model");
  std::optional<llvm::StringRef> library = root->getString("library");
  std::optional<int64_t> batch = root->getInteger("batch");
  std::optional<int64_t> seqLen = root->getInteger("seq_len");
  if (!model || !library || !batch || !seqLen)
    return bad(source, "needs model, library, batch and seq_len");
  m.model = model->str();
  m.library = library->str();
  if (const json::Object *cuda = root->getObject("cuda")) {
    std::optional<llvm::StringRef> cudaLibrary = cuda->getString("library");
    if (!cudaLibrary)
      return bad(source, "'cuda' needs a library");
    m.cudaLibrary = cudaLibrary->str();
    if (std::optional<llvm::StringRef> chip = cuda->getString("loads"))
      m.cudaChip = chip->str();
  }
  if (const json::Object *target = root->getObject("target")) {
    if (std::optional<llvm::StringRef> cpu = target->getString("cpu"))
      m.cpu = cpu->str();
    if (const json::Array *features = target->getArray("features"))
      for (const json::Value &f : *features) {
        std::optional<llvm::StringRef> name = f.getAsString();
        if (!name)
          return bad(source, "'target.features' must be a list of strings");
        m.cpuFeatures.push_back(name->str());
      }
  }
  m.batch = *batch;
  m.seqLen = *seqLen;

  const json::Array *params = root->getArray("params");
  if (!params)
    return bad(source, "has no 'params' list");
  for (const json::Value &v : *params) {
    llvm::Expected<TensorSpec> t = parseTensor(v, source, "params");
    if (!t)
      return t.takeError();
    ParamSpec p;
    p.tensor = std::move(*t);
    if (const json::Object *init = v.getAsObject()->getObject("init")) {
      p.init.kind = init->getString("kind").value_or("").str();
      p.init.std = init->getNumber("std").value_or(0.0);
      p.init.value = init->getNumber("value").value_or(0.0);
    }
    if (llvm::Error e = readFlag(*v.getAsObject(), "frozen", p.frozen, source,
                                 "params: " + p.tensor.name))
      return std::move(e);
    m.params.push_back(std::move(p));
  }
  const json::Array *entries = root->getArray("entries");
  if (!entries)
    return bad(source, "has no 'entries' list");
  for (const json::Value &v : *entries) {
    const json::Object *object = v.getAsObject();
    if (!object || !object->getString("name") || !object->getString("symbol"))
      return bad(source, "an entry needs name and symbol");
    EntrySpec e;
    e.name = object->getString("name")->str();
    e.symbol = object->getString("symbol")->str();
    if (llvm::Error err =
            parseTensors(*object, "inputs", e.inputs, source, e.name))
      return std::move(err);
    if (llvm::Error err =
            parseTensors(*object, "outputs", e.outputs, source, e.name))
      return std::move(err);
    if (llvm::Error err =
            parseControl(*object, e.tripCountInput(), "trip_count",
                         parseTripCount, e.tripCount, source, e.name))
      return std::move(err);
    if (llvm::Error err =
            parseControl(*object, e.gradWindowInput(), "grad_window",
                         parseGradWindow, e.gradWindow, source, e.name))
      return std::move(err);
    if (std::optional<size_t> reset = e.resetInput()) {
      const json::Object *input =
          (*object->getArray("inputs"))[*reset].getAsObject();
      const json::Object *fields = input->getObject("reset");
      std::optional<int64_t> segments =
          fields ? fields->getInteger("segments") : std::nullopt;
      if (!segments || *segments < 2)
        return bad(source, e.name + ": input 'reset' needs \"reset\": "
                                    "{\"segments\": S} with S >= 2");
      e.segments = *segments;
      for (auto [in, out] : e.carriedStates())
        if (e.inputs[in].shape != e.outputs[out].shape ||
            e.inputs[in].dtype != e.outputs[out].dtype)
          return bad(source, e.name + ": carried state '" + e.inputs[in].name +
                                 "' comes back with another type");
      if (e.carriedStates().empty())
        return bad(source, e.name + ": a 'reset' input but no carried state");
    }
    if (std::optional<size_t> last = e.haltLastInput()) {
      const json::Object *input =
          (*object->getArray("inputs"))[*last].getAsObject();
      const json::Object *fields = input->getObject("halt");
      std::optional<double> exploration =
          fields ? fields->getNumber("exploration") : std::nullopt;
      std::optional<int64_t> most =
          fields ? fields->getInteger("max_segments") : std::nullopt;
      if (!exploration || !(*exploration >= 0 && *exploration <= 1) || !most ||
          *most != e.segments.value_or(0))
        return bad(source, e.name + ": input 'halt.last' needs \"halt\": "
                                    "{\"exploration\": p in [0, 1], "
                                    "\"max_segments\": the entry's "
                                    "segments}");
      if (!e.haltQOutput() ||
          e.outputs[*e.haltQOutput()].shape[0] != e.inputs[*last].shape[0])
        return bad(source, e.name + ": a 'halt.last' input but no "
                                    "[batch, 2] 'halt.q' output");
      e.halt = EntrySpec::HaltSpec{*exploration, *most};
    }
    if (llvm::Error err = readFlag(*object, "updates_params", e.updatesParams,
                                   source, e.name))
      return std::move(err);
    m.entries.push_back(std::move(e));
  }
  return m;
}

llvm::Expected<Manifest> Manifest::load(llvm::StringRef path) {
  auto file = readFile(path);
  if (!file)
    return file.takeError();
  return parse((*file)->getBuffer(), path);
}
