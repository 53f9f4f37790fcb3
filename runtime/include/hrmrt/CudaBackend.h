//===- CudaBackend.h - the CUDA backend's C interface -----------*- C++ -*-===//
//
// libhrmrt_cuda.so implements, on the CUDA driver API (loaded with dlopen,
// so the library builds and loads without a driver), what a CUDA artifact's
// host code calls: the `mgpu*` module / stream / launch functions of
// MLIR's gpu-to-llvm lowering and the allocator behind its counting heap
// (`hrmrt_cuda_alloc` / `_free`, device memory: the host code never reads
// a buffer). The runtime keeps parameters, inputs and outputs in a pinned
// host mirror and a device arena and moves them with the queued copies
// below. Model loads it with RTLD_GLOBAL before the artifact, which
// resolves those symbols against it.
//
// Launches are not waited for: the runtime calls hrmrt_cuda_synchronize
// when an entry point returns (HRMRT_CUDA_SYNC=each waits after each).
// Errors are sticky: the first failure is kept until taken, because the
// generated host code cannot check return values.
//
//===----------------------------------------------------------------------===//
#ifndef HRMRT_CUDABACKEND_H
#define HRMRT_CUDABACKEND_H

#include <cstddef>
#include <cstdint>

extern "C" {
/// Loads the driver, initialises device 0 and makes its primary context
/// current. 0 on success; else 1, with the reason in `error`.
int hrmrt_cuda_init(char *error, size_t size);
/// The device's name (after a successful init).
const char *hrmrt_cuda_device_name();
/// The device's compute capability as major * 10 + minor (90 for an
/// H100), after a successful init.
int hrmrt_cuda_compute_capability();
/// Device memory (null on failure, with the error kept). Freed blocks are
/// kept for later requests of the same size, not returned to the driver.
void *hrmrt_cuda_alloc(int64_t bytes);
void hrmrt_cuda_free(void *p);
/// Frees `p` and returns the size it was allocated with (0 for null): what
/// a CUDA artifact's heap counter calls, so that it writes no size header
/// into device-used memory.
int64_t hrmrt_cuda_free_sized(void *p);
/// Page-locked host memory, so that copies run asynchronously (null on
/// failure, error kept); hrmrt_cuda_host_free gives it back.
void *hrmrt_cuda_host_alloc(int64_t bytes);
void hrmrt_cuda_host_free(void *p);
/// Queue a copy on the stream the kernels run on, so it is ordered with
/// them; 0 on success (else the error is kept). The host side must stay
/// untouched, and a download's destination unread, until
/// hrmrt_cuda_synchronize.
int hrmrt_cuda_upload(void *device, const void *host, int64_t bytes);
int hrmrt_cuda_download(void *host, const void *device, int64_t bytes);
/// Queue a copy between two device blocks on the same stream (a segment's
/// carried state, from one call's output to the next call's input).
int hrmrt_cuda_copy(void *to, const void *from, int64_t bytes);
/// Waits for all work on the device.
void hrmrt_cuda_synchronize();
/// Starts recording the launches queued from this thread into a CUDA
/// graph; 0 on success (else the error is kept).
int hrmrt_cuda_capture_begin();
/// Ends the recording: an executable graph (null on failure, error kept).
/// The blocks allocated while recording are the graph's until it is
/// destroyed.
void *hrmrt_cuda_capture_end();
/// Queues the graph's kernels; 0 on success.
int hrmrt_cuda_graph_launch(void *graph);
/// Waits for queued replays, frees the graph, returns its blocks to the
/// pool.
void hrmrt_cuda_graph_destroy(void *graph);
/// Kernels launched since the library was loaded.
int64_t hrmrt_cuda_launches();
/// The first error since the last call (copied into `error`); 0 if none.
int hrmrt_cuda_take_error(char *error, size_t size);
}

#endif // HRMRT_CUDABACKEND_H
