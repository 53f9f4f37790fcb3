//===- Safetensors.h - read and write .safetensors files --------*- C++ -*-===//
//
// The format: an 8-byte little-endian header length, a JSON header mapping
// each tensor name to {dtype, shape, data_offsets}, then the raw bytes.
//
//===----------------------------------------------------------------------===//
#ifndef HRMRT_SAFETENSORS_H
#define HRMRT_SAFETENSORS_H

#include "hrmrt/Tensor.h"

#include <map>

namespace hrmrt {

/// Reads every tensor of a file. Errors name the file and what is wrong
/// (missing file, truncated or corrupt header, offsets out of range).
llvm::Expected<std::vector<HostTensor>>
readSafetensors(llvm::StringRef path);

/// Writes `tensors` (in the given order) with optional string metadata,
/// through a temporary file renamed into place.
llvm::Error writeSafetensors(llvm::StringRef path,
                             const std::vector<const HostTensor *> &tensors,
                             const std::map<std::string, std::string> &metadata = {});

} // namespace hrmrt

#endif // HRMRT_SAFETENSORS_H
