//===- GradWindow.cpp -----------------------------------------------------===//
#include "hrmrt/GradWindow.h"

#include "llvm/Support/JSON.h"

#include <algorithm>
#include <cmath>

using namespace hrmrt;

int32_t GradWindowSpec::at(int64_t done, int64_t total) const {
  double span = warmupFraction * double(std::max<int64_t>(total, 1));
  double progress = std::min(1.0, double(std::max<int64_t>(done, 0)) / span);
  return min + static_cast<int32_t>(std::floor(progress * (max - min)));
}

llvm::Expected<GradWindowSpec>
hrmrt::parseGradWindow(const llvm::json::Object &object,
                       llvm::StringRef where) {
  std::optional<int64_t> def = object.getInteger("default");
  std::optional<int64_t> min = object.getInteger("min");
  std::optional<int64_t> max = object.getInteger("max");
  std::optional<double> fraction = object.getNumber("warmup_fraction");
  if (!def || !min || !max || !fraction)
    return llvm::createStringError(
        where + ": grad_window: needs default, min, max and warmup_fraction");
  if (*min < 1 || *max < *min || *max > INT32_MAX || *def < *min ||
      *def > *max || !(*fraction > 0.0) || *fraction > 1.0)
    return llvm::createStringError(
        where + ": grad_window: needs 1 <= min <= default <= max and "
                "0 < warmup_fraction <= 1");
  GradWindowSpec spec;
  spec.defaultWindow = static_cast<int32_t>(*def);
  spec.min = static_cast<int32_t>(*min);
  spec.max = static_cast<int32_t>(*max);
  spec.warmupFraction = *fraction;
  return spec;
}
