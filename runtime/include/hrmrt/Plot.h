//===- Plot.h - loss curves as a PNG ----------------------------*- C++ -*-===//
#ifndef HRMRT_PLOT_H
#define HRMRT_PLOT_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <array>
#include <string>
#include <utility>
#include <vector>

namespace hrmrt {

struct Series {
  std::string name;
  std::array<uint8_t, 3> color;
  std::vector<std::pair<double, double>> points; // (step, value)
};

/// Draws the series as lines on shared axes (x: step, y: value, both
/// spanning the data; grid lines at tenths) into an RGB PNG, written
/// atomically. No text: the CSV log holds the numbers, the legend is the
/// colour order the caller documents.
llvm::Error writeLinePlot(llvm::StringRef path,
                          const std::vector<Series> &series, int width = 800,
                          int height = 500);

} // namespace hrmrt

#endif // HRMRT_PLOT_H
