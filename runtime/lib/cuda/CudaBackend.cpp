//===- CudaBackend.cpp - mgpu* launch functions on the CUDA driver API ----===//
//
// The host code of gpu-to-llvm's synchronous launches creates, synchronises
// and destroys a stream around every kernel, and allocates and frees each
// temporary buffer around its kernels. Both driver calls cost more than the
// small kernels they surround (measured: docs/performance.md), so:
// - mgpuStreamCreate hands out one stream, made once; mgpuStreamDestroy
//   leaves it. mgpuStreamSynchronize does not wait (HRMRT_CUDA_SYNC=each
//   makes it wait): the compiled host code never reads a buffer a kernel
//   may use (hrm-gpu-check-host-access), so the kernels queue on the
//   stream and the runtime waits once, when the entry point returns.
// - hrmrt_cuda_alloc/free keep freed blocks in per-size free lists (a
//   compiled graph asks for the same sizes on every call) and give them to
//   the driver only at exit.
// - Memory is device memory (cuMemAlloc): the host code never reads a
//   buffer (the same check), and the runtime moves parameters, inputs and
//   outputs with hrmrt_cuda_upload/_download between its pinned host
//   mirror (hrmrt_cuda_host_alloc) and its device arena, queued on the
//   stream the kernels use.
// - hrmrt_cuda_capture_* records an entry point's launches into a CUDA
//   graph: the launch sequence does not depend on data (the same check),
//   so replaying it is the call. The blocks the captured call allocated
//   stay the graph's until it is destroyed.
// HRMRT_CUDA_PROFILE=1 prints where the host time went at exit.
//
//===----------------------------------------------------------------------===//
#include "hrmrt/CudaBackend.h"

#include <cuda.h>
#include <dlfcn.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

struct Driver {
#define HRMRT_CU(name) decltype(&::name) name = nullptr;
  HRMRT_CU(cuInit)
  HRMRT_CU(cuDeviceGetCount)
  HRMRT_CU(cuDeviceGet)
  HRMRT_CU(cuDeviceGetName)
  HRMRT_CU(cuDeviceGetAttribute)
  HRMRT_CU(cuDevicePrimaryCtxRetain)
  HRMRT_CU(cuCtxSetCurrent)
  HRMRT_CU(cuCtxSynchronize)
  HRMRT_CU(cuGetErrorString)
  HRMRT_CU(cuMemAlloc)
  HRMRT_CU(cuMemAllocHost)
  HRMRT_CU(cuMemFreeHost)
  HRMRT_CU(cuMemcpyHtoDAsync)
  HRMRT_CU(cuMemcpyDtoHAsync)
  HRMRT_CU(cuMemcpyDtoDAsync)
  HRMRT_CU(cuModuleLoadDataEx)
  HRMRT_CU(cuModuleLoadData)
  HRMRT_CU(cuModuleUnload)
  HRMRT_CU(cuModuleGetFunction)
  HRMRT_CU(cuLaunchKernel)
  HRMRT_CU(cuStreamCreate)
  HRMRT_CU(cuStreamSynchronize)
  HRMRT_CU(cuStreamDestroy)
  HRMRT_CU(cuStreamBeginCapture)
  HRMRT_CU(cuStreamEndCapture)
  HRMRT_CU(cuGraphInstantiateWithFlags)
  HRMRT_CU(cuGraphLaunch)
  HRMRT_CU(cuGraphExecDestroy)
  HRMRT_CU(cuGraphDestroy)
#undef HRMRT_CU
  CUcontext context = nullptr;
  char name[256] = "";
  int computeCapability = 0; // major * 10 + minor
  std::string initError;
  bool ready = false;
};

Driver driver;
std::once_flag initOnce;
std::mutex errorMutex;
std::string firstError;
// The host code looks a kernel up before every launch: (module, name) ->
// function, dropped when the module is unloaded.
std::mutex cacheMutex;
std::atomic<int64_t> launches{0};
std::map<std::pair<void *, std::string>, CUfunction> cache;

/// Seconds and calls of one kind of host-side work (HRMRT_CUDA_PROFILE).
struct Tally {
  std::atomic<int64_t> calls{0}, nanos{0};
};
/// HRMRT_CUDA_SYNC=each: wait after every launch (the host code's
/// mgpuStreamSynchronize), to find a failing kernel or time each one.
const bool syncEach = [] {
  const char *mode = std::getenv("HRMRT_CUDA_SYNC");
  return mode && std::strcmp(mode, "each") == 0;
}();

/// Kernel names by function, for error messages and the profile.
std::mutex namesMutex;
std::unordered_map<CUfunction, std::string> names;

std::string kernelName(CUfunction function) {
  std::lock_guard<std::mutex> lock(namesMutex);
  auto it = names.find(function);
  return it == names.end() ? std::string("?") : it->second;
}

struct Profile {
  bool on = std::getenv("HRMRT_CUDA_PROFILE") != nullptr;
  Tally launch, sync, deferred, wait, driverAlloc, poolHit, release, graph,
      upload, download, copy;
  // With HRMRT_CUDA_SYNC=each the wait after a launch is about its
  // kernel's run time: waits by kernel name.
  std::mutex mutex;
  std::map<std::string, std::pair<int64_t, int64_t>> byKernel;
  CUfunction last = nullptr;
  ~Profile() {
    if (!on)
      return;
    auto line = [](const char *what, int64_t calls, int64_t nanos) {
      std::fprintf(stderr, "hrmrt_cuda: %-28s %9lld calls %10.3f ms\n", what,
                   static_cast<long long>(calls), nanos / 1e6);
    };
    line("cuLaunchKernel", launch.calls, launch.nanos);
    line("cuStreamSynchronize", sync.calls, sync.nanos);
    line("mgpuStreamSynchronize (no wait)", deferred.calls, deferred.nanos);
    line("wait at the end of a call", wait.calls, wait.nanos);
    line("cuGraphLaunch", graph.calls, graph.nanos);
    line("cuMemAlloc", driverAlloc.calls, driverAlloc.nanos);
    line("upload (queued)", upload.calls, upload.nanos);
    line("download (queued)", download.calls, download.nanos);
    line("device copy (queued)", copy.calls, copy.nanos);
    line("alloc from the pool", poolHit.calls, poolHit.nanos);
    line("free (to the pool)", release.calls, release.nanos);
    std::vector<std::pair<int64_t, std::string>> order;
    for (auto &[name, t] : byKernel)
      order.emplace_back(t.second, name);
    std::sort(order.rbegin(), order.rend());
    if (order.empty()) {
      std::fprintf(stderr, "hrmrt_cuda: HRMRT_CUDA_SYNC=each times each "
                           "kernel (a wait after every launch)\n");
      return;
    }
    std::fprintf(stderr, "hrmrt_cuda: waits after launches, by kernel:\n");
    for (size_t i = 0; i < order.size() && i < 25; ++i)
      line(order[i].second.c_str(), byKernel[order[i].second].first,
           order[i].first);
  }
} profile;

/// Adds the time from construction to destruction to a tally.
class Timed {
public:
  explicit Timed(Tally &tally) : tally(tally) {
    if (profile.on)
      start = std::chrono::steady_clock::now();
  }
  ~Timed() {
    if (!profile.on)
      return;
    ++tally.calls;
    tally.nanos += elapsed();
  }
  /// Nanoseconds since construction (only meaningful when profiling).
  int64_t elapsed() const {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now() - start)
        .count();
  }

private:
  Tally &tally;
  std::chrono::steady_clock::time_point start;
};

/// Freed blocks by size; live blocks by address, with their rounded and
/// asked-for sizes (the compiled code's heap counter needs the latter, and
/// must not keep it in the block: see hrmrt_cuda_free_sized). While a call
/// is captured, the blocks it is given are recorded: the graph replays
/// kernels on them, so they must not go to anyone else afterwards.
struct Pool {
  std::mutex mutex;
  std::unordered_map<size_t, std::vector<void *>> free;
  std::unordered_map<void *, std::pair<size_t, int64_t>> live;
  // Read on every launch and synchronisation: atomic, not under the lock.
  std::atomic<bool> capturing{false};
  std::vector<std::pair<void *, size_t>> captured;
  std::atomic<int64_t> capturedLaunches{0};

  void given(void *p, size_t size) {
    if (capturing)
      captured.emplace_back(p, size);
  }
} pool;

/// A captured call: the executable graph and the blocks it owns.
struct Graph {
  CUgraphExec exec = nullptr;
  int64_t kernels = 0;
  std::vector<std::pair<void *, size_t>> blocks;
};

/// One stream for every launch sequence.
std::once_flag streamOnce;
CUstream sharedStream = nullptr;

void keepError(const std::string &message) {
  std::lock_guard<std::mutex> lock(errorMutex);
  if (firstError.empty())
    firstError = message;
}

/// True on success; else keeps "<what>: <driver's reason>".
bool check(CUresult result, const char *what) {
  if (result == CUDA_SUCCESS)
    return true;
  const char *reason = nullptr;
  if (driver.cuGetErrorString)
    driver.cuGetErrorString(result, &reason);
  keepError(std::string(what) + ": " + (reason ? reason : "unknown error") +
            " (CUresult " + std::to_string(static_cast<int>(result)) + ")");
  return false;
}

void initialise() {
  void *lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    driver.initError = std::string("no CUDA driver (libcuda.so.1): ") + dlerror();
    return;
  }
  bool missing = false;
  auto load = [&](auto &fn, const char *name) {
    fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(
        dlsym(lib, name));
    if (!fn) {
      driver.initError = std::string("the CUDA driver lacks ") + name;
      missing = true;
    }
  };
#define HRMRT_LOAD(name) load(driver.name, #name);
#define HRMRT_LOAD_V2(name) load(driver.name, #name "_v2");
  HRMRT_LOAD(cuInit)
  HRMRT_LOAD(cuDeviceGetCount)
  HRMRT_LOAD(cuDeviceGet)
  HRMRT_LOAD(cuDeviceGetName)
  HRMRT_LOAD(cuDeviceGetAttribute)
  HRMRT_LOAD(cuDevicePrimaryCtxRetain)
  HRMRT_LOAD(cuCtxSetCurrent)
  HRMRT_LOAD(cuCtxSynchronize)
  HRMRT_LOAD(cuGetErrorString)
  HRMRT_LOAD_V2(cuMemAlloc)
  HRMRT_LOAD_V2(cuMemAllocHost)
  HRMRT_LOAD(cuMemFreeHost)
  HRMRT_LOAD_V2(cuMemcpyHtoDAsync)
  HRMRT_LOAD_V2(cuMemcpyDtoHAsync)
  HRMRT_LOAD_V2(cuMemcpyDtoDAsync)
  HRMRT_LOAD(cuModuleLoadDataEx)
  HRMRT_LOAD(cuModuleLoadData)
  HRMRT_LOAD(cuModuleUnload)
  HRMRT_LOAD(cuModuleGetFunction)
  HRMRT_LOAD(cuLaunchKernel)
  HRMRT_LOAD(cuStreamCreate)
  HRMRT_LOAD(cuStreamSynchronize)
  HRMRT_LOAD_V2(cuStreamDestroy)
  HRMRT_LOAD_V2(cuStreamBeginCapture)
  HRMRT_LOAD(cuStreamEndCapture)
  HRMRT_LOAD(cuGraphInstantiateWithFlags)
  HRMRT_LOAD(cuGraphLaunch)
  HRMRT_LOAD(cuGraphExecDestroy)
  HRMRT_LOAD(cuGraphDestroy)
#undef HRMRT_LOAD
#undef HRMRT_LOAD_V2
  if (missing)
    return;
  auto fail = [&](CUresult r, const char *what) {
    const char *reason = nullptr;
    driver.cuGetErrorString(r, &reason);
    driver.initError = std::string(what) + ": " + (reason ? reason : "?");
  };
  CUresult r = driver.cuInit(0);
  if (r != CUDA_SUCCESS)
    return fail(r, "cuInit");
  int count = 0;
  if ((r = driver.cuDeviceGetCount(&count)) != CUDA_SUCCESS)
    return fail(r, "cuDeviceGetCount");
  if (count == 0) {
    driver.initError = "no CUDA device";
    return;
  }
  CUdevice device;
  if ((r = driver.cuDeviceGet(&device, 0)) != CUDA_SUCCESS)
    return fail(r, "cuDeviceGet");
  driver.cuDeviceGetName(driver.name, sizeof(driver.name), device);
  int major = 0, minor = 0;
  if ((r = driver.cuDeviceGetAttribute(
           &major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device)) !=
          CUDA_SUCCESS ||
      (r = driver.cuDeviceGetAttribute(
           &minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device)) !=
          CUDA_SUCCESS)
    return fail(r, "cuDeviceGetAttribute (compute capability)");
  driver.computeCapability = major * 10 + minor;
  if ((r = driver.cuDevicePrimaryCtxRetain(&driver.context, device)) !=
      CUDA_SUCCESS)
    return fail(r, "cuDevicePrimaryCtxRetain");
  if ((r = driver.cuCtxSetCurrent(driver.context)) != CUDA_SUCCESS)
    return fail(r, "cuCtxSetCurrent");
  driver.ready = true;
}

/// Initialises once; the calling thread gets the context. False (error
/// kept) when there is no usable device.
bool ready(const char *caller) {
  std::call_once(initOnce, initialise);
  if (!driver.ready) {
    keepError(std::string(caller) + ": " + driver.initError);
    return false;
  }
  driver.cuCtxSetCurrent(driver.context);
  return true;
}

void copyOut(const std::string &text, char *out, size_t size) {
  if (!out || !size)
    return;
  std::snprintf(out, size, "%s", text.c_str());
}

} // namespace

extern "C" {

void *mgpuStreamCreate();

} // extern "C"

namespace {

/// Queues a copy on the kernels' stream; 0 on success.
template <typename Copy>
int queueCopy(Tally &tally, const char *what, int64_t bytes, Copy copy) {
  if (bytes <= 0)
    return 0;
  if (!mgpuStreamCreate())
    return 1;
  Timed timed(tally);
  return check(copy(), (std::string(what) + " of " + std::to_string(bytes) +
                        " bytes")
                           .c_str())
             ? 0
             : 1;
}

} // namespace

extern "C" {

int hrmrt_cuda_init(char *error, size_t size) {
  std::call_once(initOnce, initialise);
  if (driver.ready)
    return 0;
  copyOut(driver.initError, error, size);
  return 1;
}

const char *hrmrt_cuda_device_name() { return driver.name; }

int hrmrt_cuda_compute_capability() { return driver.computeCapability; }

void *hrmrt_cuda_alloc(int64_t bytes) {
  if (!ready("hrmrt_cuda_alloc"))
    return nullptr;
  // 256-byte granules: the driver's alignment, and fewer distinct lists.
  size_t size = (static_cast<size_t>(bytes > 0 ? bytes : 1) + 255) & ~size_t(255);
  {
    Timed timed(profile.poolHit);
    std::lock_guard<std::mutex> lock(pool.mutex);
    auto it = pool.free.find(size);
    if (it != pool.free.end() && !it->second.empty()) {
      void *p = it->second.back();
      it->second.pop_back();
      pool.live.emplace(p, std::make_pair(size, bytes));
      pool.given(p, size);
      return p;
    }
  }
  Timed timed(profile.driverAlloc);
  CUdeviceptr p = 0;
  if (!check(driver.cuMemAlloc(&p, size),
             ("cuMemAlloc(" + std::to_string(bytes) + " bytes)").c_str()))
    return nullptr;
  std::lock_guard<std::mutex> lock(pool.mutex);
  pool.live.emplace(reinterpret_cast<void *>(p), std::make_pair(size, bytes));
  pool.given(reinterpret_cast<void *>(p), size);
  return reinterpret_cast<void *>(p);
}

int64_t hrmrt_cuda_free_sized(void *p) {
  if (!p)
    return 0;
  Timed timed(profile.release);
  std::lock_guard<std::mutex> lock(pool.mutex);
  auto it = pool.live.find(p);
  if (it == pool.live.end()) {
    keepError("hrmrt_cuda_free: not a block of this allocator");
    return 0;
  }
  auto [size, bytes] = it->second;
  pool.free[size].push_back(p);
  pool.live.erase(it);
  return bytes;
}

void hrmrt_cuda_free(void *p) { hrmrt_cuda_free_sized(p); }

void *hrmrt_cuda_host_alloc(int64_t bytes) {
  if (!ready("hrmrt_cuda_host_alloc"))
    return nullptr;
  void *p = nullptr;
  if (!check(driver.cuMemAllocHost(&p, static_cast<size_t>(bytes > 0 ? bytes : 1)),
             ("cuMemAllocHost(" + std::to_string(bytes) + " bytes)").c_str()))
    return nullptr;
  return p;
}

void hrmrt_cuda_host_free(void *p) {
  if (p && driver.ready)
    check(driver.cuMemFreeHost(p), "cuMemFreeHost");
}

int hrmrt_cuda_upload(void *device, const void *host, int64_t bytes) {
  return queueCopy(profile.upload, "upload", bytes, [&] {
    return driver.cuMemcpyHtoDAsync(reinterpret_cast<CUdeviceptr>(device),
                                    host, static_cast<size_t>(bytes),
                                    sharedStream);
  });
}

int hrmrt_cuda_download(void *host, const void *device, int64_t bytes) {
  return queueCopy(profile.download, "download", bytes, [&] {
    return driver.cuMemcpyDtoHAsync(
        host, reinterpret_cast<CUdeviceptr>(device),
        static_cast<size_t>(bytes), sharedStream);
  });
}

int hrmrt_cuda_copy(void *to, const void *from, int64_t bytes) {
  return queueCopy(profile.copy, "device copy", bytes, [&] {
    return driver.cuMemcpyDtoDAsync(reinterpret_cast<CUdeviceptr>(to),
                                    reinterpret_cast<CUdeviceptr>(from),
                                    static_cast<size_t>(bytes), sharedStream);
  });
}

void hrmrt_cuda_synchronize() {
  if (!ready("hrmrt_cuda_synchronize"))
    return;
  Timed timed(profile.wait);
  check(driver.cuCtxSynchronize(),
        syncEach ? "cuCtxSynchronize"
                 : "cuCtxSynchronize (a kernel of this call failed; "
                   "HRMRT_CUDA_SYNC=each names it)");
}

int hrmrt_cuda_capture_begin() {
  if (!ready("hrmrt_cuda_capture_begin") || !mgpuStreamCreate())
    return 1;
  {
    std::lock_guard<std::mutex> lock(pool.mutex);
    pool.capturing = true;
    pool.captured.clear();
    pool.capturedLaunches = 0;
  }
  // Relaxed: a pool miss may call cuMemAlloc during the capture.
  return check(driver.cuStreamBeginCapture(sharedStream,
                                           CU_STREAM_CAPTURE_MODE_RELAXED),
               "cuStreamBeginCapture")
             ? 0
             : 1;
}

void *hrmrt_cuda_capture_end() {
  CUgraph graph = nullptr;
  bool ok = check(driver.cuStreamEndCapture(sharedStream, &graph),
                  "cuStreamEndCapture");
  auto *result = new Graph;
  {
    std::lock_guard<std::mutex> lock(pool.mutex);
    pool.capturing = false;
    result->kernels = pool.capturedLaunches;
    // Take the call's blocks out of the free lists (all of them were
    // freed again by the call, except any it kept).
    std::sort(pool.captured.begin(), pool.captured.end());
    pool.captured.erase(std::unique(pool.captured.begin(), pool.captured.end()),
                        pool.captured.end());
    for (auto [p, size] : pool.captured) {
      std::vector<void *> &list = pool.free[size];
      auto it = std::find(list.begin(), list.end(), p);
      if (it != list.end()) {
        list.erase(it);
        result->blocks.emplace_back(p, size);
      }
    }
    pool.captured.clear();
  }
  if (ok && graph)
    ok = check(driver.cuGraphInstantiateWithFlags(&result->exec, graph, 0),
               "cuGraphInstantiate");
  if (graph)
    driver.cuGraphDestroy(graph);
  if (!ok) {
    hrmrt_cuda_graph_destroy(result);
    return nullptr;
  }
  return result;
}

int hrmrt_cuda_graph_launch(void *graph) {
  auto *g = static_cast<Graph *>(graph);
  if (!g || !g->exec || !ready("hrmrt_cuda_graph_launch"))
    return 1;
  Timed timed(profile.graph);
  launches += g->kernels;
  return check(driver.cuGraphLaunch(g->exec, sharedStream), "cuGraphLaunch")
             ? 0
             : 1;
}

void hrmrt_cuda_graph_destroy(void *graph) {
  auto *g = static_cast<Graph *>(graph);
  if (!g)
    return;
  if (g->exec && driver.ready) {
    // Replays may still be queued on the blocks about to be released.
    check(driver.cuStreamSynchronize(sharedStream), "cuStreamSynchronize");
    check(driver.cuGraphExecDestroy(g->exec), "cuGraphExecDestroy");
  }
  std::lock_guard<std::mutex> lock(pool.mutex);
  for (auto [p, size] : g->blocks)
    pool.free[size].push_back(p);
  delete g;
}

int64_t hrmrt_cuda_launches() { return launches.load(); }

int hrmrt_cuda_take_error(char *error, size_t size) {
  std::lock_guard<std::mutex> lock(errorMutex);
  if (firstError.empty())
    return 0;
  copyOut(firstError, error, size);
  firstError.clear();
  return 1;
}

// What MLIR's gpu-to-llvm lowering and gpu.binary translation call.

void *mgpuModuleLoadJIT(void *data, int optLevel) {
  if (!ready("mgpuModuleLoadJIT"))
    return nullptr;
  char log[8192] = "";
  CUjit_option options[] = {CU_JIT_OPTIMIZATION_LEVEL, CU_JIT_ERROR_LOG_BUFFER,
                            CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
  void *values[] = {reinterpret_cast<void *>(static_cast<intptr_t>(optLevel)),
                    log, reinterpret_cast<void *>(sizeof(log))};
  CUmodule module = nullptr;
  CUresult r = driver.cuModuleLoadDataEx(&module, data, 3, options, values);
  if (r != CUDA_SUCCESS) {
    check(r, (std::string("cuModuleLoadDataEx (PTX JIT): ") + log).c_str());
    return nullptr;
  }
  return module;
}

void *mgpuModuleLoad(void *data, size_t /*size*/) {
  if (!ready("mgpuModuleLoad"))
    return nullptr;
  CUmodule module = nullptr;
  if (!check(driver.cuModuleLoadData(&module, data), "cuModuleLoadData"))
    return nullptr;
  return module;
}

void mgpuModuleUnload(void *module) {
  {
    std::lock_guard<std::mutex> lock(cacheMutex);
    for (auto it = cache.begin(); it != cache.end();)
      it = it->first.first == module ? cache.erase(it) : std::next(it);
  }
  if (module && driver.ready)
    driver.cuModuleUnload(static_cast<CUmodule>(module));
}

void *mgpuModuleGetFunction(void *module, const char *name) {
  if (!module) // the load failed and kept its error
    return nullptr;
  std::lock_guard<std::mutex> lock(cacheMutex);
  auto [it, inserted] = cache.try_emplace({module, name}, nullptr);
  if (!inserted)
    return it->second;
  CUfunction &function = it->second;
  if (!check(driver.cuModuleGetFunction(&function, static_cast<CUmodule>(module),
                                        name),
             (std::string("cuModuleGetFunction(") + name + ")").c_str())) {
    cache.erase(it);
    return nullptr;
  }
  std::lock_guard<std::mutex> namesLock(namesMutex);
  names[function] = name;
  return function;
}

void *mgpuStreamCreate() {
  if (!ready("mgpuStreamCreate"))
    return nullptr;
  std::call_once(streamOnce, [] {
    check(driver.cuStreamCreate(&sharedStream, CU_STREAM_NON_BLOCKING),
          "cuStreamCreate");
  });
  return sharedStream;
}

void mgpuStreamSynchronize(void *stream) {
  if (!syncEach || pool.capturing) {
    Timed timed(profile.deferred);
    return;
  }
  Timed timed(profile.sync);
  CUfunction last = profile.last;
  profile.last = nullptr;
  if (driver.ready) {
    CUresult r = driver.cuStreamSynchronize(static_cast<CUstream>(stream));
    if (r != CUDA_SUCCESS)
      check(r, ("cuStreamSynchronize after kernel " +
                (last ? kernelName(last) : std::string("?")))
                   .c_str());
  }
  if (profile.on && last) {
    std::lock_guard<std::mutex> lock(profile.mutex);
    auto &[calls, nanos] = profile.byKernel[kernelName(last)];
    ++calls;
    nanos += timed.elapsed();
  }
}

void mgpuStreamDestroy(void *stream) {
  if (driver.ready && stream && stream != sharedStream)
    check(driver.cuStreamDestroy(static_cast<CUstream>(stream)),
          "cuStreamDestroy");
}

void mgpuLaunchKernel(void *function, intptr_t gridX, intptr_t gridY,
                      intptr_t gridZ, intptr_t blockX, intptr_t blockY,
                      intptr_t blockZ, int32_t smem, void *stream,
                      void **params, void **extra, size_t /*paramsCount*/) {
  if (!function || !driver.ready)
    return; // an earlier failure was kept
  // A captured launch runs when its graph is launched.
  if (pool.capturing)
    ++pool.capturedLaunches;
  else
    ++launches;
  profile.last = static_cast<CUfunction>(function);
  Timed timed(profile.launch);
  check(driver.cuLaunchKernel(static_cast<CUfunction>(function), gridX, gridY,
                              gridZ, blockX, blockY, blockZ, smem,
                              static_cast<CUstream>(stream), params, extra),
        "cuLaunchKernel");
}

} // extern "C"
