//===- Heap.h - how the process heap serves compiled CPU code ---*- C++ -*-===//
#ifndef HRMRT_HEAP_H
#define HRMRT_HEAP_H

namespace hrmrt {

/// Makes the C heap keep the memory that compiled CPU code frees, so that
/// the next call reuses its pages instead of faulting fresh ones in. With
/// glibc: blocks up to 32 MiB come from the heap rather than their own
/// mappings, and freed memory at the heap's top stays up to 1 GiB.
/// Model::load calls it for CPU models; `HRMRT_KEEP_HEAP=0` turns it off.
/// Idempotent; returns whether the policy is in force (false without glibc).
bool keepFreedHeapMemory();

} // namespace hrmrt

#endif // HRMRT_HEAP_H
