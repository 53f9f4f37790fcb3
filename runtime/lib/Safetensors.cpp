//===- Safetensors.cpp ----------------------------------------------------===//
#include "hrmrt/Safetensors.h"
#include "hrmrt/FileIO.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>

using namespace hrmrt;
namespace json = llvm::json;

static llvm::Error corrupt(llvm::StringRef path, const llvm::Twine &what) {
  return llvm::createStringError(path + ": not a valid safetensors file: " +
                                 what);
}

llvm::Expected<std::vector<HostTensor>>
hrmrt::readSafetensors(llvm::StringRef path) {
  auto file = readFile(path);
  if (!file)
    return file.takeError();
  llvm::StringRef bytes = (*file)->getBuffer();
  if (bytes.size() < 8)
    return corrupt(path, "shorter than its 8-byte header length");
  uint64_t headerLen = 0;
  for (int i = 7; i >= 0; --i)
    headerLen = (headerLen << 8) | static_cast<uint8_t>(bytes[i]);
  if (headerLen > bytes.size() - 8)
    return corrupt(path, "header length " + llvm::Twine(headerLen) +
                             " runs past the end of the file");
  llvm::StringRef header = bytes.substr(8, headerLen);
  llvm::StringRef payload = bytes.substr(8 + headerLen);
  llvm::Expected<json::Value> parsed = json::parse(header);
  if (!parsed)
    return corrupt(path, "header is not JSON: " +
                             llvm::toString(parsed.takeError()));
  const json::Object *object = parsed->getAsObject();
  if (!object)
    return corrupt(path, "header is not a JSON object");

  std::vector<HostTensor> tensors;
  for (const auto &[key, value] : *object) {
    if (key == "__metadata__")
      continue;
    std::string name = key.str();
    const json::Object *entry = value.getAsObject();
    if (!entry)
      return corrupt(path, "entry '" + name + "' is not an object");
    std::optional<llvm::StringRef> dtype = entry->getString("dtype");
    const json::Array *shape = entry->getArray("shape");
    const json::Array *offsets = entry->getArray("data_offsets");
    if (!dtype || !shape || !offsets || offsets->size() != 2)
      return corrupt(path, "entry '" + name +
                               "' needs dtype, shape and two data_offsets");
    HostTensor t;
    t.spec.name = name;
    llvm::Expected<DType> d = parseDType(*dtype);
    if (!d)
      return corrupt(path, "tensor '" + name + "': " +
                               llvm::toString(d.takeError()));
    t.spec.dtype = *d;
    for (const json::Value &dim : *shape) {
      std::optional<int64_t> v = dim.getAsInteger();
      if (!v || *v < 0)
        return corrupt(path, "tensor '" + name + "' has a bad shape");
      t.spec.shape.push_back(*v);
    }
    std::optional<int64_t> begin = (*offsets)[0].getAsInteger();
    std::optional<int64_t> end = (*offsets)[1].getAsInteger();
    if (!begin || !end || *begin < 0 || *end < *begin ||
        static_cast<uint64_t>(*end) > payload.size())
      return corrupt(path, "tensor '" + name +
                               "' has data_offsets outside the file");
    // Saturating, so that a huge shape is not a small size modulo 2^64.
    uint64_t needed = dtypeSize(t.spec.dtype);
    for (int64_t dim : t.spec.shape)
      needed = llvm::SaturatingMultiply(needed, static_cast<uint64_t>(dim));
    if (static_cast<uint64_t>(*end - *begin) != needed)
      return corrupt(path, "tensor '" + name + "' holds " +
                               llvm::Twine(*end - *begin) + " bytes; " +
                               dtypeName(t.spec.dtype) + " " +
                               shapeString(t.spec.shape) + " needs " +
                               (needed == UINT64_MAX ? llvm::Twine("over 2^64")
                                                     : llvm::Twine(needed)));
    t.data.assign(payload.begin() + *begin, payload.begin() + *end);
    tensors.push_back(std::move(t));
  }
  return tensors;
}

llvm::Error
hrmrt::writeSafetensors(llvm::StringRef path,
                        const std::vector<const HostTensor *> &tensors,
                        const std::map<std::string, std::string> &metadata) {
  json::Object header;
  if (!metadata.empty()) {
    json::Object meta;
    for (const auto &[k, v] : metadata)
      meta[k] = v;
    header["__metadata__"] = std::move(meta);
  }
  size_t offset = 0;
  for (const HostTensor *t : tensors) {
    json::Array shape;
    for (int64_t d : t->spec.shape)
      shape.push_back(d);
    header[t->spec.name] = json::Object{
        {"dtype", dtypeName(t->spec.dtype).str()},
        {"shape", std::move(shape)},
        {"data_offsets", json::Array{static_cast<int64_t>(offset),
                                     static_cast<int64_t>(offset +
                                                          t->data.size())}}};
    offset += t->data.size();
  }
  std::string text;
  llvm::raw_string_ostream(text) << json::Value(std::move(header));
  while (text.size() % 8)
    text += ' '; // keeps the payload 8-byte aligned, as the format suggests

  return writeFileAtomically(path, [&](llvm::raw_ostream &os) {
    uint64_t len = text.size();
    char lenBytes[8];
    for (int i = 0; i < 8; ++i)
      lenBytes[i] = static_cast<char>((len >> (8 * i)) & 0xff);
    os.write(lenBytes, 8);
    os << text;
    for (const HostTensor *t : tensors)
      os.write(t->data.data(), t->data.size());
  });
}
