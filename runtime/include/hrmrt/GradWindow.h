//===- GradWindow.h - a gradient window warmed up over training -*- C++ -*-===//
//
// A model whose description has `grad_warmup` takes its gradient window (the
// k of truncated(k) or slow_first(k)) as an input (`grad_window`), as
// HRM-Text trains: k grows from `min` to `max` over the first
// `warmupFraction` of the run's steps. Evaluation runs `max`.
//
//===----------------------------------------------------------------------===//
#ifndef HRMRT_GRADWINDOW_H
#define HRMRT_GRADWINDOW_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>

namespace llvm::json {
class Object;
} // namespace llvm::json

namespace hrmrt {

struct GradWindowSpec {
  int32_t defaultWindow = 1; // what evaluation runs
  int32_t min = 1, max = 1;
  double warmupFraction = 1.0;

  /// The window of a training step taken after `done` of `total` steps:
  /// min + floor(min(1, done / (warmupFraction * total)) * (max - min)).
  int32_t at(int64_t done, int64_t total) const;
};

/// Parses the manifest's `grad_window` object of an input.
llvm::Expected<GradWindowSpec> parseGradWindow(const llvm::json::Object &object,
                                               llvm::StringRef where);

} // namespace hrmrt

#endif // HRMRT_GRADWINDOW_H
