//===- TripCount.h - a loop's trip count sampled per step -------*- C++ -*-===//
//
// A model whose flat loop takes its trip count as an input (`trip_count`)
// runs its description's count at evaluation and a sampled one per training
// step. The sample depends only on the run's seed and the step, so a
// resumed run samples what the uninterrupted one did.
//
//===----------------------------------------------------------------------===//
#ifndef HRMRT_TRIPCOUNT_H
#define HRMRT_TRIPCOUNT_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>

namespace llvm::json {
class Object;
} // namespace llvm::json

namespace hrmrt {

struct TripCountSpec {
  enum class Kind {
    /// Huginn's: 1 + Poisson(e^tau), tau ~ Normal(log(mean) - sigma^2/2,
    /// sigma); the rate's mean is `mean`.
    LogNormalPoisson,
    /// Uniform over [min, max].
    Uniform,
  };
  int32_t defaultCount = 1; // what evaluation runs
  Kind kind = Kind::Uniform;
  double mean = 0.0, sigma = 0.0;
  int32_t min = 1, max = 1; // every sample is clamped to these

  /// Training step `step`'s count in a run seeded `seed`.
  int32_t sample(uint64_t seed, int64_t step) const;
};

/// Parses the manifest's `trip_count` object of an input.
llvm::Expected<TripCountSpec> parseTripCount(const llvm::json::Object &object,
                                             llvm::StringRef where);

} // namespace hrmrt

#endif // HRMRT_TRIPCOUNT_H
