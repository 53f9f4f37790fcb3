//===- Arena.h - one allocation carved into aligned buffers -----*- C++ -*-===//
#ifndef HRMRT_ARENA_H
#define HRMRT_ARENA_H

#include <cstddef>
#include <memory>

namespace hrmrt {

/// A bump allocator over one block of `capacity` bytes. Buffers are 64-byte
/// aligned (a cache line, and enough for any vector load); nothing is freed
/// until reset() or destruction. allocate() returns null when full.
class Arena {
public:
  static constexpr size_t kAlignment = 64;

  explicit Arena(size_t capacity);
  /// Over a block from another allocator (device memory), which `release`
  /// gives back. `base` must be kAlignment-aligned.
  Arena(void *base, size_t capacity, void (*release)(void *));
  ~Arena();
  Arena(const Arena &) = delete;
  Arena &operator=(const Arena &) = delete;

  void *allocate(size_t bytes);
  void reset() { used_ = 0; }
  size_t used() const { return used_; }
  size_t capacity() const { return capacity_; }

  /// Bytes `sizes` take in an arena, alignment padding included.
  static size_t footprint(size_t bytes) {
    return (bytes + kAlignment - 1) / kAlignment * kAlignment;
  }

private:
  char *base_ = nullptr;
  void (*release_)(void *) = nullptr;
  size_t capacity_ = 0;
  size_t used_ = 0;
};

} // namespace hrmrt

#endif // HRMRT_ARENA_H
