//===- Npy.h - write NumPy .npy files ---------------------------*- C++ -*-===//
#ifndef HRMRT_NPY_H
#define HRMRT_NPY_H

#include "hrmrt/Tensor.h"

namespace hrmrt {

/// Writes a C-ordered array (format 1.0), atomically.
llvm::Error writeNpy(llvm::StringRef path, DType dtype,
                     const std::vector<int64_t> &shape, const void *data);

} // namespace hrmrt

#endif // HRMRT_NPY_H
