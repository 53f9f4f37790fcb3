//===- Tensor.h - dtypes, tensor specs and views ----------------*- C++ -*-===//
#ifndef HRMRT_TENSOR_H
#define HRMRT_TENSOR_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace hrmrt {

/// Element types, named as safetensors names them.
enum class DType { F32, F64, I32, I64 };

llvm::StringRef dtypeName(DType dtype);
llvm::Expected<DType> parseDType(llvm::StringRef name);
size_t dtypeSize(DType dtype);

int64_t numElements(const std::vector<int64_t> &shape);
std::string shapeString(const std::vector<int64_t> &shape);

/// Name, element type and shape of one tensor.
struct TensorSpec {
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  /// An input the compiled host code reads itself (a decode position): on
  /// the GPU it stays in host memory and is not uploaded.
  bool host = false;
  /// An input the entry updates in place (an optimizer's moments): after a
  /// run its device copy is the current one.
  bool inout = false;

  int64_t numElements() const { return hrmrt::numElements(shape); }
  size_t bytes() const { return numElements() * dtypeSize(dtype); }
};

/// A tensor that owns its bytes.
struct HostTensor {
  TensorSpec spec;
  std::vector<char> data;

  template <typename T> T *as() { return reinterpret_cast<T *>(data.data()); }
  template <typename T> const T *as() const {
    return reinterpret_cast<const T *>(data.data());
  }
};

} // namespace hrmrt

#endif // HRMRT_TENSOR_H
