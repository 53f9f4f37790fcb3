//===- Plot.cpp - loss curves as a PNG ------------------------------------===//
//
// A PNG needs only a zlib stream, and zlib allows uncompressed ("stored")
// blocks, so this writes a valid PNG without a compression library.
//
//===----------------------------------------------------------------------===//
#include "hrmrt/Plot.h"
#include "hrmrt/FileIO.h"

#include "llvm/Support/CRC.h"

#include <algorithm>
#include <cmath>

using namespace hrmrt;

namespace {

void put32(std::vector<uint8_t> &out, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8)
    out.push_back(static_cast<uint8_t>(v >> s));
}

void chunk(std::vector<uint8_t> &out, const char *type,
           const std::vector<uint8_t> &data) {
  put32(out, static_cast<uint32_t>(data.size()));
  std::vector<uint8_t> body(type, type + 4);
  body.insert(body.end(), data.begin(), data.end());
  out.insert(out.end(), body.begin(), body.end());
  put32(out, llvm::crc32(body));
}

std::vector<uint8_t> zlibStored(const std::vector<uint8_t> &raw) {
  std::vector<uint8_t> z{0x78, 0x01};
  size_t at = 0;
  do {
    size_t n = std::min<size_t>(65535, raw.size() - at);
    bool last = at + n == raw.size();
    z.push_back(last ? 1 : 0);
    z.push_back(n & 0xff);
    z.push_back(n >> 8);
    z.push_back(~n & 0xff);
    z.push_back((~n >> 8) & 0xff);
    z.insert(z.end(), raw.begin() + at, raw.begin() + at + n);
    at += n;
  } while (at < raw.size());
  uint32_t a = 1, b = 0;
  for (uint8_t byte : raw) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  put32(z, (b << 16) | a);
  return z;
}

struct Canvas {
  int w, h;
  std::vector<uint8_t> rgb;
  Canvas(int w, int h) : w(w), h(h), rgb(3 * w * h, 255) {}
  void set(int x, int y, std::array<uint8_t, 3> c) {
    if (x < 0 || y < 0 || x >= w || y >= h)
      return;
    std::copy(c.begin(), c.end(), rgb.begin() + 3 * (y * w + x));
  }
  void line(double x0, double y0, double x1, double y1,
            std::array<uint8_t, 3> c, int thick = 1) {
    int steps = static_cast<int>(std::max(std::fabs(x1 - x0), std::fabs(y1 - y0))) + 1;
    for (int i = 0; i <= steps; ++i) {
      double t = static_cast<double>(i) / steps;
      int x = static_cast<int>(std::lround(x0 + t * (x1 - x0)));
      int y = static_cast<int>(std::lround(y0 + t * (y1 - y0)));
      for (int dx = 0; dx < thick; ++dx)
        for (int dy = 0; dy < thick; ++dy)
          set(x + dx, y + dy, c);
    }
  }
};

} // namespace

llvm::Error hrmrt::writeLinePlot(llvm::StringRef path,
                                 const std::vector<Series> &series, int width,
                                 int height) {
  double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
  for (const Series &s : series)
    for (auto [x, y] : s.points) {
      if (!std::isfinite(y))
        continue;
      x0 = std::min(x0, x), x1 = std::max(x1, x);
      y0 = std::min(y0, y), y1 = std::max(y1, y);
    }
  if (!(x0 <= x1))
    return llvm::createStringError("no finite points to plot in " + path);
  if (x1 == x0)
    x1 = x0 + 1;
  if (y1 == y0)
    y1 = y0 + 1;
  Canvas canvas(width, height);
  const int margin = 40;
  auto px = [&](double x) {
    return margin + (x - x0) / (x1 - x0) * (width - 2 * margin);
  };
  auto py = [&](double y) {
    return height - margin - (y - y0) / (y1 - y0) * (height - 2 * margin);
  };
  for (int i = 0; i <= 10; ++i) {
    double gx = margin + i * (width - 2 * margin) / 10.0;
    double gy = margin + i * (height - 2 * margin) / 10.0;
    canvas.line(gx, margin, gx, height - margin, {225, 225, 225});
    canvas.line(margin, gy, width - margin, gy, {225, 225, 225});
  }
  canvas.line(margin, height - margin, width - margin, height - margin, {0, 0, 0});
  canvas.line(margin, margin, margin, height - margin, {0, 0, 0});
  for (const Series &s : series)
    for (size_t i = 1; i < s.points.size(); ++i)
      canvas.line(px(s.points[i - 1].first), py(s.points[i - 1].second),
                  px(s.points[i].first), py(s.points[i].second), s.color, 2);

  std::vector<uint8_t> raw;
  raw.reserve((3 * width + 1) * height);
  for (int y = 0; y < height; ++y) {
    raw.push_back(0); // no filter
    raw.insert(raw.end(), canvas.rgb.begin() + 3 * y * width,
               canvas.rgb.begin() + 3 * (y + 1) * width);
  }
  std::vector<uint8_t> png{0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  std::vector<uint8_t> ihdr;
  put32(ihdr, width);
  put32(ihdr, height);
  ihdr.insert(ihdr.end(), {8, 2, 0, 0, 0}); // 8-bit RGB
  chunk(png, "IHDR", ihdr);
  chunk(png, "IDAT", zlibStored(raw));
  chunk(png, "IEND", {});
  return writeFileAtomically(path, [&](llvm::raw_ostream &os) {
    os.write(reinterpret_cast<const char *>(png.data()), png.size());
  });
}
