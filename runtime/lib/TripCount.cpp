//===- TripCount.cpp ------------------------------------------------------===//
#include "hrmrt/TripCount.h"

#include "llvm/Support/JSON.h"

#include <algorithm>
#include <cmath>
#include <random>

using namespace hrmrt;

namespace {

/// splitmix64: decorrelates neighbouring (seed, step) pairs.
uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

/// A uniform double in [0, 1) from 53 random bits.
double uniform01(std::mt19937_64 &rng) {
  return static_cast<double>(rng() >> 11) * 0x1.0p-53;
}

/// A standard normal sample (Box-Muller).
double normal(std::mt19937_64 &rng) {
  double u1 = std::max(uniform01(rng), 0x1.0p-53), u2 = uniform01(rng);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
}

/// Knuth's product method below a rate of 30, else a rounded normal: the
/// rates here are trip counts (tens), and the clamp bounds the tail.
/// Written out rather than std::poisson_distribution, whose algorithm is
/// the standard library's to choose: a checkpoint must resume with the
/// same counts whichever library the runtime was built against.
int64_t poisson(std::mt19937_64 &rng, double rate) {
  if (rate < 30.0) {
    double limit = std::exp(-rate), product = uniform01(rng);
    int64_t k = 0;
    while (product > limit) {
      product *= uniform01(rng);
      ++k;
    }
    return k;
  }
  return std::max<int64_t>(0,
                           std::llround(rate + std::sqrt(rate) * normal(rng)));
}

} // namespace

int32_t TripCountSpec::sample(uint64_t seed, int64_t step) const {
  std::mt19937_64 rng(mix(mix(seed) ^ static_cast<uint64_t>(step)));
  int64_t count;
  if (kind == Kind::Uniform) {
    uint64_t span = static_cast<uint64_t>(max - min) + 1;
    count = min + static_cast<int64_t>(rng() % span);
  } else {
    double tau = std::log(mean) - 0.5 * sigma * sigma + sigma * normal(rng);
    count = 1 + poisson(rng, std::exp(tau));
  }
  return static_cast<int32_t>(std::clamp<int64_t>(count, min, max));
}

llvm::Expected<TripCountSpec>
hrmrt::parseTripCount(const llvm::json::Object &object, llvm::StringRef where) {
  auto bad = [&](const llvm::Twine &what) {
    return llvm::createStringError(where + ": trip_count: " + what);
  };
  TripCountSpec spec;
  std::optional<llvm::StringRef> distribution =
      object.getString("distribution");
  std::optional<int64_t> def = object.getInteger("default");
  std::optional<int64_t> min = object.getInteger("min");
  std::optional<int64_t> max = object.getInteger("max");
  if (!distribution || !def || !min || !max)
    return bad("needs distribution, default, min and max");
  if (*min < 1 || *max < *min || *max > INT32_MAX || *def < 1 ||
      *def > INT32_MAX)
    return bad("needs 1 <= min <= max and default >= 1");
  spec.defaultCount = static_cast<int32_t>(*def);
  spec.min = static_cast<int32_t>(*min);
  spec.max = static_cast<int32_t>(*max);
  if (*distribution == "uniform") {
    spec.kind = TripCountSpec::Kind::Uniform;
  } else if (*distribution == "lognormal_poisson") {
    spec.kind = TripCountSpec::Kind::LogNormalPoisson;
    std::optional<double> mean = object.getNumber("mean");
    std::optional<double> sigma = object.getNumber("sigma");
    if (!mean || !sigma || !(*mean > 0) || !(*sigma > 0) ||
        !std::isfinite(*mean) || !std::isfinite(*sigma))
      return bad("lognormal_poisson needs a positive mean and sigma");
    spec.mean = *mean;
    spec.sigma = *sigma;
  } else {
    return bad("unknown distribution '" + *distribution + "'");
  }
  return spec;
}
