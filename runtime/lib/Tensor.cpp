//===- Tensor.cpp ---------------------------------------------------------===//
#include "hrmrt/Tensor.h"

using namespace hrmrt;

llvm::StringRef hrmrt::dtypeName(DType dtype) {
  switch (dtype) {
  case DType::F32:
    return "F32";
  case DType::F64:
    return "F64";
  case DType::I32:
    return "I32";
  case DType::I64:
    return "I64";
  }
  return "?";
}

llvm::Expected<DType> hrmrt::parseDType(llvm::StringRef name) {
  for (DType d : {DType::F32, DType::F64, DType::I32, DType::I64})
    if (name == dtypeName(d))
      return d;
  return llvm::createStringError("unsupported dtype '" + name +
                                 "' (supported: F32, F64, I32, I64)");
}

size_t hrmrt::dtypeSize(DType dtype) {
  return dtype == DType::F64 || dtype == DType::I64 ? 8 : 4;
}

int64_t hrmrt::numElements(const std::vector<int64_t> &shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

std::string hrmrt::shapeString(const std::vector<int64_t> &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}
