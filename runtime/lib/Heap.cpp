//===- Heap.cpp - keep freed heap memory for the next call ----------------===//
//
// The compiled code mallocs its temporaries and frees them on every call,
// many of them hundreds of KiB. glibc's defaults serve blocks over 128 KiB
// with fresh mappings and give a freed heap top back to the system, so
// every call faulted all pages of its temporaries in again: a third of
// HRM-LM's CPU forward (docs/performance.md).
//
//===----------------------------------------------------------------------===//
#include "hrmrt/Heap.h"

#include <cstdlib>
#include <cstring>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

bool hrmrt::keepFreedHeapMemory() {
#if defined(__GLIBC__)
  static const bool inForce = [] {
    const char *setting = std::getenv("HRMRT_KEEP_HEAP");
    if (setting && std::strcmp(setting, "0") == 0)
      return false;
    // glibc caps the mapping threshold at 32 MiB on 64-bit targets.
    return mallopt(M_MMAP_THRESHOLD, 32 << 20) == 1 &&
           mallopt(M_TRIM_THRESHOLD, 1 << 30) == 1;
  }();
  return inForce;
#else
  return false;
#endif
}
