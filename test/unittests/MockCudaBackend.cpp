//===- MockCudaBackend.cpp - libhrmrt_cuda's interface, without a GPU
//------===//
//
// Stands in for runtime/lib/cuda/CudaBackend.cpp (HRMRT_CUDA_LIBRARY=this
// library) so that the host side of a CUDA artifact can be checked on a
// machine without a GPU: every module load must get NVPTX assembly, every
// kernel looked up must be an .entry of it, every launch must have a sane
// shape; "device" memory is host memory apart from the runtime's pinned
// mirror, and every upload and download must lie inside one block of each
// (a device copy inside two device blocks).
// Kernels are not run, so outputs are meaningless. CUDA graphs are
// modelled: a capture counts the launches it records, a replay adds them
// to the launch count. HRMRT_MOCK_DEVICE_BYTES=N gives the "device" N bytes:
// an allocation beyond them fails as cuMemAlloc does;
// HRMRT_MOCK_COMPUTE_CAPABILITY=N (default 90) is the compute capability it
// reports. At exit it prints what it saw.
//
//===----------------------------------------------------------------------===//
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>

namespace {

struct Stats {
  int modules = 0, functions = 0, streamsOpen = 0, errors = 0;
  long launches = 0, largestBlock = 0;
  int captures = 0, replays = 0;
  long uploads = 0, downloads = 0, uploadBytes = 0, downloadBytes = 0;
  long copies = 0, copyBytes = 0;
  // Live blocks by start address, with their sizes.
  std::map<const char *, int64_t> device, host;
  int64_t deviceBytes = 0;
  const int64_t capacity = [] {
    const char *env = std::getenv("HRMRT_MOCK_DEVICE_BYTES");
    return env ? std::atoll(env) : INT64_MAX;
  }();
  bool capturing = false;
  long captured = 0;
  std::string firstError;
  ~Stats() {
    std::fprintf(stderr,
                 "mock cuda: %d modules loaded, %d kernels looked up, %ld "
                 "kernel launches, largest block %ld threads, %d streams "
                 "open, %d graphs captured, %d replays, %d errors%s%s\n",
                 modules, functions, launches, largestBlock, streamsOpen,
                 captures, replays, errors,
                 errors ? ": " : "", firstError.c_str());
    std::fprintf(stderr,
                 "mock cuda: %ld uploads of %ld bytes, %ld downloads of %ld "
                 "bytes\n",
                 uploads, uploadBytes, downloads, downloadBytes);
    if (copies)
      std::fprintf(stderr, "mock cuda: %ld device copies of %ld bytes\n",
                   copies, copyBytes);
  }
} stats;

void fail(const std::string &message) {
  if (stats.errors++ == 0)
    stats.firstError = message;
}

/// True if [p, p + bytes) lies inside one of `blocks`.
bool inside(const std::map<const char *, int64_t> &blocks, const void *p,
            int64_t bytes) {
  const char *c = static_cast<const char *>(p);
  auto it = blocks.upper_bound(c);
  if (it == blocks.begin())
    return false;
  --it;
  return bytes >= 0 && c + bytes <= it->first + it->second;
}

int copy(void *to, const void *from, int64_t bytes, bool up) {
  const void *device = up ? to : from, *host = up ? from : to;
  if (!inside(stats.device, device, bytes) || !inside(stats.host, host, bytes)) {
    fail(std::string(up ? "hrmrt_cuda_upload" : "hrmrt_cuda_download") +
         ": not inside a device block and a pinned host block");
    return 1;
  }
  std::memcpy(to, from, static_cast<size_t>(bytes));
  ++(up ? stats.uploads : stats.downloads);
  (up ? stats.uploadBytes : stats.downloadBytes) += bytes;
  return 0;
}

} // namespace

extern "C" {

int hrmrt_cuda_init(char *, size_t) { return 0; }
const char *hrmrt_cuda_device_name() { return "mock: kernels are not run"; }
int hrmrt_cuda_compute_capability() {
  const char *env = std::getenv("HRMRT_MOCK_COMPUTE_CAPABILITY");
  return env ? std::atoi(env) : 90;
}

// A size header in front of each block (host memory here); the real backend
// keeps sizes beside its blocks.
void *hrmrt_cuda_alloc(int64_t bytes) {
  if (stats.deviceBytes + bytes > stats.capacity) {
    fail("cuMemAlloc(" + std::to_string(bytes) +
         " bytes): out of memory (CUresult 2)");
    return nullptr;
  }
  stats.deviceBytes += bytes;
  size_t size = (static_cast<size_t>(bytes ? bytes : 1) + 63) / 64 * 64 + 64;
  char *p = static_cast<char *>(std::aligned_alloc(64, size));
  if (!p)
    return nullptr;
  std::memset(p, 0, size);
  std::memcpy(p, &bytes, sizeof(bytes));
  stats.device[p + 64] = bytes;
  return p + 64;
}
int64_t hrmrt_cuda_free_sized(void *p) {
  if (!p)
    return 0;
  int64_t bytes;
  std::memcpy(&bytes, static_cast<char *>(p) - 64, sizeof(bytes));
  stats.device.erase(static_cast<char *>(p));
  stats.deviceBytes -= bytes;
  std::free(static_cast<char *>(p) - 64);
  return bytes;
}
void hrmrt_cuda_free(void *p) { hrmrt_cuda_free_sized(p); }
void *hrmrt_cuda_host_alloc(int64_t bytes) {
  size_t size = (static_cast<size_t>(bytes ? bytes : 1) + 63) / 64 * 64;
  char *p = static_cast<char *>(std::aligned_alloc(64, size));
  if (p)
    stats.host[p] = bytes;
  return p;
}
void hrmrt_cuda_host_free(void *p) {
  stats.host.erase(static_cast<char *>(p));
  std::free(p);
}
int hrmrt_cuda_upload(void *device, const void *host, int64_t bytes) {
  return copy(device, host, bytes, true);
}
int hrmrt_cuda_download(void *host, const void *device, int64_t bytes) {
  return copy(host, device, bytes, false);
}
int hrmrt_cuda_copy(void *to, const void *from, int64_t bytes) {
  if (!inside(stats.device, to, bytes) || !inside(stats.device, from, bytes)) {
    fail("hrmrt_cuda_copy: not inside two device blocks");
    return 1;
  }
  std::memmove(to, from, static_cast<size_t>(bytes));
  ++stats.copies;
  stats.copyBytes += bytes;
  return 0;
}
void hrmrt_cuda_synchronize() {}

int64_t hrmrt_cuda_launches() { return stats.launches; }

int hrmrt_cuda_capture_begin() {
  if (stats.capturing) {
    fail("hrmrt_cuda_capture_begin: already capturing");
    return 1;
  }
  stats.capturing = true;
  stats.captured = 0;
  return 0;
}
void *hrmrt_cuda_capture_end() {
  if (!stats.capturing) {
    fail("hrmrt_cuda_capture_end: not capturing");
    return nullptr;
  }
  stats.capturing = false;
  ++stats.captures;
  return new long(stats.captured);
}
int hrmrt_cuda_graph_launch(void *graph) {
  if (!graph || stats.capturing) {
    fail("hrmrt_cuda_graph_launch: no graph, or launched while capturing");
    return 1;
  }
  ++stats.replays;
  stats.launches += *static_cast<long *>(graph);
  return 0;
}
void hrmrt_cuda_graph_destroy(void *graph) { delete static_cast<long *>(graph); }

int hrmrt_cuda_take_error(char *error, size_t size) {
  if (stats.firstError.empty())
    return 0;
  std::snprintf(error, size, "%s", stats.firstError.c_str());
  stats.firstError.clear();
  return 1;
}

void *mgpuModuleLoadJIT(void *data, int) {
  const char *ptx = static_cast<const char *>(data);
  if (!ptx || !std::strstr(ptx, "Generated by LLVM NVPTX Back-End") ||
      !std::strstr(ptx, ".entry ")) {
    fail("mgpuModuleLoadJIT: not NVPTX assembly with kernels");
    return nullptr;
  }
  ++stats.modules;
  return new std::string(ptx);
}

void mgpuModuleUnload(void *module) { delete static_cast<std::string *>(module); }

void *mgpuModuleGetFunction(void *module, const char *name) {
  if (!module) {
    fail("mgpuModuleGetFunction: no module");
    return nullptr;
  }
  const std::string &ptx = *static_cast<std::string *>(module);
  if (ptx.find(std::string(".entry ") + name + "(") == std::string::npos) {
    fail(std::string("mgpuModuleGetFunction: no kernel ") + name);
    return nullptr;
  }
  ++stats.functions;
  return const_cast<char *>(ptx.c_str()) + ptx.find(name);
}

void *mgpuStreamCreate() {
  ++stats.streamsOpen;
  return &stats;
}
void mgpuStreamSynchronize(void *) {}
void mgpuStreamDestroy(void *) { --stats.streamsOpen; }

void mgpuLaunchKernel(void *function, intptr_t gx, intptr_t gy, intptr_t gz,
                      intptr_t bx, intptr_t by, intptr_t bz, int32_t smem,
                      void *stream, void **params, void **, size_t count) {
  // A captured launch runs only when its graph is replayed.
  if (stats.capturing)
    ++stats.captured;
  else
    ++stats.launches;
  if (!function)
    return fail("mgpuLaunchKernel: no function");
  if (gx < 1 || gy < 1 || gz < 1 || bx < 1 || by < 1 || bz < 1 ||
      bx * by * bz > 1024 || smem < 0)
    return fail("mgpuLaunchKernel: bad launch shape");
  if (bx * by * bz > stats.largestBlock)
    stats.largestBlock = bx * by * bz;
  if (!stream || (count && !params))
    return fail("mgpuLaunchKernel: no stream or no parameters");
  for (size_t i = 0; i < count; ++i)
    if (!params[i])
      return fail("mgpuLaunchKernel: a null parameter slot");
}

} // extern "C"
