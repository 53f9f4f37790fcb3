//===- Arena.cpp ----------------------------------------------------------===//
#include "hrmrt/Arena.h"

#include <cstdlib>
#include <cstring>

using namespace hrmrt;

Arena::Arena(size_t capacity) : capacity_(footprint(capacity)) {
  if (capacity_)
    base_ = static_cast<char *>(std::aligned_alloc(kAlignment, capacity_));
  if (!base_)
    capacity_ = 0;
}

Arena::Arena(void *base, size_t capacity, void (*release)(void *))
    : base_(static_cast<char *>(base)),
      release_(release), capacity_(base ? capacity : 0) {}

Arena::~Arena() {
  if (release_)
    release_(base_);
  else
    std::free(base_);
}

void *Arena::allocate(size_t bytes) {
  size_t size = footprint(bytes ? bytes : 1);
  if (size > capacity_ - used_)
    return nullptr;
  void *p = base_ + used_;
  used_ += size;
  std::memset(p, 0, size);
  return p;
}
