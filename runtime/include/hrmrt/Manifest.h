//===- Manifest.h - the manifest of a compiled artifact ---------*- C++ -*-===//
#ifndef HRMRT_MANIFEST_H
#define HRMRT_MANIFEST_H

#include "hrmrt/Tensor.h"

#include <optional>

namespace hrmrt {

struct InitSpec {
  std::string kind; // normal, trunc_normal, zeros, ones
  double std = 0.0;
};

struct ParamSpec {
  TensorSpec tensor;
  InitSpec init;
};

struct EntrySpec {
  std::string name;
  std::string symbol;
  std::vector<TensorSpec> inputs;
  std::vector<TensorSpec> outputs;
  /// The entry writes the parameters in place (a training step with its
  /// optimizer compiled in).
  bool updatesParams = false;

  /// The input of a model that samples a noise state saying which sample
  /// to draw (an I32 scalar; 0, its value in a fresh arena, draws the
  /// seed's own), if the entry has one.
  std::optional<size_t> noiseDrawInput() const;
  /// Its inputs other than that one.
  size_t numDataInputs() const {
    return inputs.size() - (noiseDrawInput() ? 1 : 0);
  }
};

struct Manifest {
  std::string model;
  std::string library;
  /// The CUDA host library (`hrmc compile --target cuda`), or "".
  std::string cudaLibrary;
  /// The architecture of the PTX that library loads ("sm_80", "sm_90a"),
  /// or "" when the manifest does not say.
  std::string cudaChip;
  int64_t batch = 0;
  int64_t seqLen = 0;
  std::vector<ParamSpec> params;
  std::vector<EntrySpec> entries;

  const EntrySpec *findEntry(llvm::StringRef name) const;
  const ParamSpec *findParam(llvm::StringRef name) const;

  static llvm::Expected<Manifest> parse(llvm::StringRef text,
                                        llvm::StringRef source);
  static llvm::Expected<Manifest> load(llvm::StringRef path);
};

} // namespace hrmrt

#endif // HRMRT_MANIFEST_H
