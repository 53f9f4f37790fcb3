//===- Npy.cpp ------------------------------------------------------------===//
#include "hrmrt/Npy.h"
#include "hrmrt/FileIO.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

using namespace hrmrt;

static const char *npyDescr(DType dtype) {
  switch (dtype) {
  case DType::F32:
    return "<f4";
  case DType::F64:
    return "<f8";
  case DType::I32:
    return "<i4";
  case DType::I64:
    return "<i8";
  }
  return "?";
}

llvm::Error hrmrt::writeNpy(llvm::StringRef path, DType dtype,
                            const std::vector<int64_t> &shape,
                            const void *data) {
  // Python tuple syntax: "()", "(2,)", "(2, 3)".
  std::string dims;
  for (size_t i = 0; i < shape.size(); ++i)
    dims += (i ? ", " : "") + std::to_string(shape[i]);
  if (shape.size() == 1)
    dims += ",";
  std::string header = std::string("{'descr': '") + npyDescr(dtype) +
                       "', 'fortran_order': False, 'shape': (" + dims +
                       "), }";
  // Magic (6) + version (2) + length (2) + header, padded to 64 bytes.
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';

  return writeFileAtomically(path, [&](llvm::raw_ostream &os) {
    os << "\x93NUMPY";
    os << '\x01' << '\x00';
    uint16_t len = header.size();
    os << static_cast<char>(len & 0xff) << static_cast<char>(len >> 8);
    os << header;
    os.write(static_cast<const char *>(data),
             numElements(shape) * dtypeSize(dtype));
  });
}
