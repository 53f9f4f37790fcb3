//===- Model.cpp - load an artifact, bind buffers, run entry points -------===//
#include "hrmrt/Model.h"
#include "hrmrt/Heap.h"
#include "hrmrt/Safetensors.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/Path.h"

#include <cassert>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <random>
#include <utility>

using namespace hrmrt;

namespace {

/// A strided memref descriptor of rank `shape.size()`, laid out as MLIR's
/// C interface expects: allocated and aligned pointers, offset, sizes,
/// strides.
std::vector<int64_t> makeDescriptor(void *data,
                                    const std::vector<int64_t> &shape) {
  size_t rank = shape.size();
  std::vector<int64_t> d(3 + 2 * rank);
  std::memcpy(&d[0], &data, sizeof(void *));
  std::memcpy(&d[1], &data, sizeof(void *));
  d[2] = 0;
  int64_t stride = 1;
  for (size_t i = rank; i-- > 0;) {
    d[3 + i] = shape[i];
    d[3 + rank + i] = stride;
    stride *= shape[i];
  }
  return d;
}

uint64_t fnv1a(llvm::StringRef s, uint64_t seed) {
  uint64_t h = 1469598103934665603ULL ^ seed;
  for (char c : s) {
    h ^= static_cast<uint8_t>(c);
    h *= 1099511628211ULL;
  }
  return h;
}

} // namespace

llvm::Expected<Device> hrmrt::parseDevice(llvm::StringRef name) {
  if (name == "auto")
    return Device::automatic;
  if (name == "cpu")
    return Device::cpu;
  if (name == "cuda")
    return Device::cuda;
  return llvm::createStringError("unknown device '" + name +
                                 "' (auto, cpu or cuda)");
}

bool hrmrt::cpuHasFeature(llvm::StringRef feature) {
#if defined(__x86_64__) || defined(__i386__)
  // __builtin_cpu_supports takes string literals only.
  return llvm::StringSwitch<bool>(feature)
      .Case("avx", __builtin_cpu_supports("avx"))
      .Case("avx2", __builtin_cpu_supports("avx2"))
      .Case("fma", __builtin_cpu_supports("fma"))
      .Case("avx512f", __builtin_cpu_supports("avx512f"))
      .Case("avx512bw", __builtin_cpu_supports("avx512bw"))
      .Case("avx512dq", __builtin_cpu_supports("avx512dq"))
      .Case("avx512vl", __builtin_cpu_supports("avx512vl"))
      .Default(false);
#else
  (void)feature;
  return false;
#endif
}

llvm::Error hrmrt::checkCPUFeatures(const Manifest &manifest) {
  std::string missing;
  for (const std::string &feature : manifest.cpuFeatures)
    if (!cpuHasFeature(feature))
      missing += (missing.empty() ? "" : ", ") + feature;
  if (missing.empty())
    return llvm::Error::success();
  return llvm::createStringError(
      "the artifact's code was compiled for CPU '" + manifest.cpu +
      "' and uses " + missing +
      ", which this CPU lacks (recompile it here, or with `hrmc compile "
      "--cpu` naming this CPU)");
}

llvm::Error hrmrt::checkChipRunsOn(llvm::StringRef chip, int capability) {
  llvm::StringRef digits = chip;
  bool specific = digits.consume_back("a");
  unsigned number = 0;
  if (!digits.consume_front("sm_") || digits.getAsInteger(10, number) ||
      number < 10)
    return llvm::createStringError("the manifest's CUDA chip '" + chip +
                                   "' is not an architecture like sm_80");
  auto version = [](int n) {
    return std::to_string(n / 10) + "." + std::to_string(n % 10);
  };
  int needed = static_cast<int>(number);
  if (specific ? capability == needed : capability >= needed)
    return llvm::Error::success();
  return llvm::createStringError(
      "the artifact's kernels are PTX for " + chip +
      ", which runs only on compute capability " + version(needed) +
      (specific ? "" : " or later") + "; this GPU is " + version(capability) +
      " (recompile with `hrmc compile --target cuda --chips` naming it)");
}

namespace {

/// The CUDA backend's functions, from libhrmrt_cuda.so loaded RTLD_GLOBAL
/// (the artifact's host code resolves mgpu* and the allocator against it).
struct CudaBackend {
  int (*init)(char *, size_t) = nullptr;
  const char *(*deviceName)() = nullptr;
  int (*computeCapability)() = nullptr;
  void *(*alloc)(int64_t) = nullptr;
  void (*release)(void *) = nullptr;
  void *(*hostAlloc)(int64_t) = nullptr;
  void (*hostFree)(void *) = nullptr;
  int (*upload)(void *, const void *, int64_t) = nullptr;
  int (*download)(void *, const void *, int64_t) = nullptr;
  int (*copy)(void *, const void *, int64_t) = nullptr;
  void (*synchronize)() = nullptr;
  int (*takeError)(char *, size_t) = nullptr;
  int64_t (*launches)() = nullptr;
  int (*captureBegin)() = nullptr;
  void *(*captureEnd)() = nullptr;
  int (*graphLaunch)(void *) = nullptr;
  void (*graphDestroy)(void *) = nullptr;
};

/// Loads and initialises the backend once; the error says why not.
llvm::Expected<const CudaBackend *> cudaBackend() {
  static CudaBackend backend;
  static std::string error;
  static bool tried = false;
  if (!tried) {
    tried = true;
    std::string path;
    if (const char *env = std::getenv("HRMRT_CUDA_LIBRARY"))
      path = env;
#ifdef HRMRT_CUDA_LIBRARY
    else
      path = HRMRT_CUDA_LIBRARY;
#endif
    if (path.empty()) {
      error = "this runtime was built without the CUDA backend (no cuda.h "
              "at configure time)";
    } else if (void *lib = dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL)) {
      auto sym = [&](auto &fn, const char *name) {
        fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(
            dlsym(lib, name));
        if (!fn && error.empty())
          error = path + " has no " + name;
      };
      sym(backend.init, "hrmrt_cuda_init");
      sym(backend.deviceName, "hrmrt_cuda_device_name");
      sym(backend.computeCapability, "hrmrt_cuda_compute_capability");
      sym(backend.alloc, "hrmrt_cuda_alloc");
      sym(backend.release, "hrmrt_cuda_free");
      sym(backend.hostAlloc, "hrmrt_cuda_host_alloc");
      sym(backend.hostFree, "hrmrt_cuda_host_free");
      sym(backend.upload, "hrmrt_cuda_upload");
      sym(backend.download, "hrmrt_cuda_download");
      sym(backend.copy, "hrmrt_cuda_copy");
      sym(backend.synchronize, "hrmrt_cuda_synchronize");
      sym(backend.takeError, "hrmrt_cuda_take_error");
      sym(backend.launches, "hrmrt_cuda_launches");
      sym(backend.captureBegin, "hrmrt_cuda_capture_begin");
      sym(backend.captureEnd, "hrmrt_cuda_capture_end");
      sym(backend.graphLaunch, "hrmrt_cuda_graph_launch");
      sym(backend.graphDestroy, "hrmrt_cuda_graph_destroy");
      char reason[512] = "";
      if (error.empty() && backend.init(reason, sizeof(reason)) != 0)
        error = reason;
    } else {
      error = "cannot load the CUDA backend " + path + ": " + dlerror();
    }
  }
  if (!error.empty())
    return llvm::createStringError(error);
  return &backend;
}

/// The backend's pending error, if any.
llvm::Error takeCudaError(const CudaBackend &backend, const llvm::Twine &what) {
  char reason[1024] = "";
  if (backend.takeError(reason, sizeof(reason)) == 0)
    return llvm::Error::success();
  return llvm::createStringError("CUDA error " + what + ": " + reason);
}

} // namespace

llvm::Expected<std::string> hrmrt::cudaDeviceName() {
  llvm::Expected<const CudaBackend *> backend = cudaBackend();
  if (!backend)
    return backend.takeError();
  return std::string((*backend)->deviceName());
}

llvm::Expected<int> hrmrt::cudaComputeCapability() {
  llvm::Expected<const CudaBackend *> backend = cudaBackend();
  if (!backend)
    return backend.takeError();
  return (*backend)->computeCapability();
}

llvm::Expected<std::unique_ptr<Model>>
Model::load(llvm::StringRef dir, Device device,
            llvm::ArrayRef<std::string> entries) {
  llvm::SmallString<256> manifestPath(dir);
  llvm::sys::path::append(manifestPath, "manifest.json");
  llvm::Expected<Manifest> manifest = Manifest::load(manifestPath);
  if (!manifest)
    return manifest.takeError();

  std::unique_ptr<Model> model(new Model());
  model->manifest_ = std::move(*manifest);
  const Manifest &m = model->manifest_;
  for (const std::string &name : entries)
    if (!m.findEntry(name))
      return llvm::createStringError("model " + m.model +
                                     " has no entry point '" + name + "'");
  auto bound = [&](const EntrySpec &e) {
    return entries.empty() || llvm::is_contained(entries, e.name);
  };

  const CudaBackend *cuda = nullptr;
  if (device != Device::cpu) {
    if (m.cudaLibrary.empty()) {
      if (device == Device::cuda)
        return llvm::createStringError(
            "the artifact has no CUDA library: compile it with `hrmc compile "
            "--target cuda`");
    } else {
      llvm::Expected<const CudaBackend *> backend = cudaBackend();
      // Before the library's constructors JIT the PTX: a driver error there
      // would not say that the GPU is too old (or, for sm_90a, not Hopper).
      llvm::Error usable =
          backend ? (m.cudaChip.empty()
                         ? llvm::Error::success()
                         : checkChipRunsOn(m.cudaChip,
                                           (*backend)->computeCapability()))
                  : backend.takeError();
      if (!usable)
        cuda = *backend;
      else if (device == Device::cuda)
        return llvm::createStringError("cannot run on CUDA: " +
                                       llvm::toString(std::move(usable)));
      else
        llvm::consumeError(std::move(usable));
    }
  }
  model->onGPU_ = cuda != nullptr;
  if (!cuda)
    keepFreedHeapMemory();
  if (cuda)
    model->deviceName_ = std::string("cuda (") + cuda->deviceName() + ")";

  // Both libraries' host code was compiled for m.cpu.
  if (llvm::Error e = checkCPUFeatures(m))
    return std::move(e);
  llvm::SmallString<256> libraryPath(dir);
  llvm::sys::path::append(libraryPath, cuda ? m.cudaLibrary : m.library);
  model->library_ = dlopen(libraryPath.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!model->library_)
    return llvm::createStringError(llvm::Twine("cannot load ") +
                                   libraryPath + ": " + dlerror());
  // The library's constructors JIT-load its PTX.
  if (cuda)
    if (llvm::Error e = takeCudaError(*cuda, "loading " + libraryPath.str()))
      return std::move(e);
  model->cuda_ = cuda;
  // A library built with OpenMP threads (hrm-cpu-parallel) links libomp;
  // dlsym on the handle finds it there, and only there.
  if (!cuda)
    if (auto maxThreads = reinterpret_cast<int (*)()>(
            dlsym(model->library_, "omp_get_max_threads"))) {
      int n = maxThreads();
      model->deviceName_ =
          "cpu (" + std::to_string(n) + (n == 1 ? " thread)" : " threads)");
    }

  model->heapBytes_ =
      static_cast<int64_t *>(dlsym(model->library_, "hrm_heap_bytes"));

  size_t bytes = 0;
  for (const ParamSpec &p : m.params)
    bytes += Arena::footprint(p.tensor.bytes());
  for (const EntrySpec &e : m.entries) {
    if (!bound(e))
      continue;
    for (const TensorSpec &t : e.inputs)
      bytes += Arena::footprint(t.bytes());
    for (const TensorSpec &t : e.outputs)
      bytes += Arena::footprint(t.bytes());
  }
  // On the GPU the host arena is a pinned mirror of the device arena, with
  // the same layout: buffers are allocated from both in the same order.
  if (cuda) {
    model->arena_ = std::make_unique<Arena>(
        cuda->hostAlloc(static_cast<int64_t>(bytes)), bytes, cuda->hostFree);
    model->deviceArena_ = std::make_unique<Arena>(
        cuda->alloc(static_cast<int64_t>(bytes)), bytes, cuda->release);
  } else {
    model->arena_ = std::make_unique<Arena>(bytes);
  }
  for (Arena *arena : {model->arena_.get(), model->deviceArena_.get()})
    if (arena && bytes && arena->capacity() == 0) {
      std::string why = "out of memory: cannot allocate the " +
                        std::to_string(bytes) + "-byte " +
                        (arena == model->deviceArena_.get() ? "device "
                                                            : "host ") +
                        "arena for " + m.model;
      if (cuda)
        if (llvm::Error e = takeCudaError(*cuda, "allocating buffers"))
          why += " (" + llvm::toString(std::move(e)) + ")";
      return llvm::createStringError(why);
    }
  // Where a buffer is for the compiled code: its device copy on the GPU.
  auto allocate = [&](size_t size, void *&device) {
    void *host = model->arena_->allocate(size);
    device = model->deviceArena_ ? model->deviceArena_->allocate(size) : host;
    return host;
  };
  for (const ParamSpec &p : m.params) {
    void *device;
    model->params_.push_back(allocate(p.tensor.bytes(), device));
    model->deviceParams_.push_back(device);
  }
  model->paramBytes_ = model->arena_->used();
  for (const EntrySpec &e : m.entries) {
    if (!bound(e))
      continue;
    Buffers buffers;
    buffers.spec = &e;
    buffers.function = reinterpret_cast<void (*)(void **)>(
        dlsym(model->library_, e.symbol.c_str()));
    if (!buffers.function)
      return llvm::createStringError(libraryPath + " has no entry point '" +
                                     e.symbol + "' named in the manifest");
    for (const TensorSpec &t : e.inputs) {
      void *device;
      buffers.inputs.push_back(allocate(t.bytes(), device));
      // The host code reads it: the pinned mirror is its only copy.
      buffers.deviceInputs.push_back(t.host ? buffers.inputs.back() : device);
      buffers.hostInputs |= t.host;
    }
    buffers.inputOnDevice.assign(e.inputs.size(), false);
    buffers.inputOnHost.assign(e.inputs.size(), true);
    buffers.outputOnHost.assign(e.outputs.size(), true);
    buffers.outputCarried.assign(e.outputs.size(), false);
    for (auto [in, out] : e.carriedStates())
      buffers.outputCarried[out] = true;
    for (const TensorSpec &t : e.outputs) {
      void *device;
      buffers.outputs.push_back(allocate(t.bytes(), device));
      buffers.deviceOutputs.push_back(device);
    }
    for (auto [p, data] : llvm::zip(m.params, model->deviceParams_))
      buffers.descriptors.push_back(makeDescriptor(data, p.tensor.shape));
    for (auto [t, data] : llvm::zip(e.inputs, buffers.deviceInputs))
      buffers.descriptors.push_back(makeDescriptor(data, t.shape));
    for (auto [t, data] : llvm::zip(e.outputs, buffers.deviceOutputs))
      buffers.descriptors.push_back(makeDescriptor(data, t.shape));
    for (std::vector<int64_t> &d : buffers.descriptors)
      buffers.args.push_back(d.data());
    // A fresh arena holds 0: a loop that would run no step.
    if (std::optional<size_t> trip = e.tripCountInput())
      *static_cast<int32_t *>(buffers.inputs[*trip]) =
          e.tripCount->defaultCount;
    if (std::optional<size_t> window = e.gradWindowInput())
      *static_cast<int32_t *>(buffers.inputs[*window]) =
          e.gradWindow->defaultWindow;
    model->entries_[e.name] = std::move(buffers);
  }
  return model;
}

Model::~Model() {
  // A graph's kernels belong to the library's module and run on blocks the
  // arena's release must not race with.
  if (const auto *backend = static_cast<const CudaBackend *>(cuda_))
    for (auto &[name, buffers] : entries_)
      if (buffers.graph)
        backend->graphDestroy(buffers.graph);
  if (library_)
    dlclose(library_);
}

void Model::initParameters(uint64_t seed) {
  parametersChanged();
  for (auto [spec, data] : llvm::zip(manifest_.params, params_)) {
    float *values = static_cast<float *>(data);
    int64_t n = spec.tensor.numElements();
    const InitSpec &init = spec.init;
    std::mt19937_64 rng(fnv1a(spec.tensor.name, seed));
    std::normal_distribution<double> normal(0.0, 1.0);
    for (int64_t i = 0; i < n; ++i) {
      double v = 0.0;
      if (init.kind == "ones") {
        v = 1.0;
      } else if (init.kind == "constant") {
        v = init.value;
      } else if (init.kind == "normal") {
        v = normal(rng) * init.std;
      } else if (init.kind == "trunc_normal") {
        double z;
        do
          z = normal(rng);
        while (std::fabs(z) > 2.0);
        v = z * init.std;
      }
      values[i] = static_cast<float>(v);
    }
  }
}

llvm::Error Model::loadParameters(llvm::StringRef path) {
  llvm::Expected<std::vector<HostTensor>> tensors = readSafetensors(path);
  if (!tensors)
    return tensors.takeError();
  std::map<std::string, const HostTensor *> byName;
  for (const HostTensor &t : *tensors)
    byName[t.spec.name] = &t;
  for (const ParamSpec &p : manifest_.params) {
    auto it = byName.find(p.tensor.name);
    if (it == byName.end())
      return llvm::createStringError(path + ": missing tensor '" +
                                     p.tensor.name + "' (" +
                                     dtypeName(p.tensor.dtype) + " " +
                                     shapeString(p.tensor.shape) + ")");
    const TensorSpec &got = it->second->spec;
    if (got.dtype != p.tensor.dtype || got.shape != p.tensor.shape)
      return llvm::createStringError(
          path + ": tensor '" + p.tensor.name + "' is " + dtypeName(got.dtype) +
          " " + shapeString(got.shape) + "; the model needs " +
          dtypeName(p.tensor.dtype) + " " + shapeString(p.tensor.shape));
  }
  // A training checkpoint also holds the optimizer's moments ("adam.")
  // and the trainer's position ("train.").
  for (const HostTensor &t : *tensors)
    if (!manifest_.findParam(t.spec.name) &&
        !llvm::StringRef(t.spec.name).starts_with("adam.") &&
        !llvm::StringRef(t.spec.name).starts_with("train."))
      return llvm::createStringError(path + ": tensor '" + t.spec.name +
                                     "' is not a parameter of " +
                                     manifest_.model);
  // Validated in full before anything is overwritten.
  parametersChanged();
  for (auto [spec, data] : llvm::zip(manifest_.params, params_))
    std::memcpy(data, byName[spec.tensor.name]->data.data(),
                spec.tensor.bytes());
  return llvm::Error::success();
}

llvm::Error Model::saveParameters(llvm::StringRef path) const {
  pullParameters();
  if (!pendingError_.empty())
    return llvm::createStringError(std::exchange(pendingError_, ""));
  std::vector<HostTensor> tensors;
  tensors.reserve(params_.size());
  for (auto [spec, data] : llvm::zip(manifest_.params, params_)) {
    HostTensor t;
    t.spec = spec.tensor;
    const char *bytes = static_cast<const char *>(data);
    t.data.assign(bytes, bytes + spec.tensor.bytes());
    tensors.push_back(std::move(t));
  }
  std::vector<const HostTensor *> order;
  for (const HostTensor &t : tensors)
    order.push_back(&t);
  return writeSafetensors(path, order,
                          {{"format", "pt"}, {"hrmc.model", manifest_.model}});
}

void *Model::param(llvm::StringRef name) {
  const void *data = std::as_const(*this).param(name);
  if (data)
    parametersChanged();
  return const_cast<void *>(data);
}

const void *Model::param(llvm::StringRef name) const {
  for (auto [spec, data] : llvm::zip(manifest_.params, params_))
    if (spec.tensor.name == name) {
      pullParameters();
      return data;
    }
  return nullptr;
}

void Model::pull(void *host, const void *device, size_t bytes,
                 const llvm::Twine &what) const {
  const auto &backend = *static_cast<const CudaBackend *>(cuda_);
  if (backend.download(host, device, static_cast<int64_t>(bytes)) == 0)
    backend.synchronize();
  if (llvm::Error e = takeCudaError(backend, "downloading " + what))
    pendingError_ = llvm::toString(std::move(e));
}

void Model::pullParameters() const {
  if (parametersOnHost_ || !cuda_)
    return;
  parametersOnHost_ = true;
  pull(params_.front(), deviceParams_.front(), paramBytes_, "the parameters");
}

void Model::pullInput(const Buffers &buffers, size_t index) const {
  if (buffers.inputOnHost[index] || !cuda_)
    return;
  buffers.inputOnHost[index] = true;
  const TensorSpec &spec = buffers.spec->inputs[index];
  pull(buffers.inputs[index], buffers.deviceInputs[index], spec.bytes(),
       "'" + spec.name + "' of '" + buffers.spec->name + "'");
}

llvm::Error Model::syncToHost() {
  pullParameters();
  for (const auto &[name, buffers] : entries_)
    for (size_t i = 0; i < buffers.inputs.size(); ++i)
      pullInput(buffers, i);
  if (!pendingError_.empty())
    return llvm::createStringError(std::exchange(pendingError_, ""));
  return llvm::Error::success();
}

void *Model::input(llvm::StringRef entry, size_t index) {
  auto it = entries_.find(entry);
  if (it == entries_.end() || index >= it->second.inputs.size())
    return nullptr;
  pullInput(it->second, index);
  // The caller may write it: its device copy is no longer current.
  it->second.inputOnDevice[index] = false;
  return it->second.inputs[index];
}

const void *Model::readInput(llvm::StringRef entry, size_t index) const {
  auto it = entries_.find(entry);
  if (it == entries_.end() || index >= it->second.inputs.size())
    return nullptr;
  pullInput(it->second, index);
  return it->second.inputs[index];
}

bool Model::setControl(llvm::StringRef entry, llvm::StringRef name,
                       int32_t value) {
  auto it = entries_.find(entry);
  std::optional<size_t> index =
      it != entries_.end() ? it->second.spec->controlInput(name) : std::nullopt;
  if (!index)
    return false;
  *static_cast<int32_t *>(input(entry, *index)) = value;
  return true;
}

bool Model::setNoiseDraw(llvm::StringRef entry, int32_t draw) {
  return setControl(entry, "noise_draw", draw);
}

bool Model::setTripCount(llvm::StringRef entry, int32_t count) {
  return setControl(entry, "trip_count", count);
}

bool Model::setGradWindow(llvm::StringRef entry, int32_t window) {
  return setControl(entry, "grad_window", window);
}

bool Model::beginSegment(llvm::StringRef entry, bool fresh, bool carry) {
  const EntrySpec *spec = manifest_.findEntry(entry);
  if (!spec || !spec->resetInput())
    return false;
  // Every row alike; a fresh batch has nothing to carry.
  std::vector<int32_t> reset(spec->inputs[*spec->resetInput()].numElements(),
                             fresh ? 1 : 0);
  return beginSegment(entry, reset, !fresh && carry);
}

bool Model::beginSegment(llvm::StringRef entry, llvm::ArrayRef<int32_t> reset,
                         bool carry) {
  auto it = entries_.find(entry);
  if (it == entries_.end() || !it->second.spec->resetInput())
    return false;
  const EntrySpec &spec = *it->second.spec;
  auto *mask = static_cast<int32_t *>(input(entry, *spec.resetInput()));
  assert(static_cast<int64_t>(reset.size()) ==
             spec.inputs[*spec.resetInput()].numElements() &&
         "one flag per row");
  std::copy(reset.begin(), reset.end(), mask);
  // Every row's state goes in; the compiled code picks init where reset.
  // On the GPU it is copied where it is, on the device.
  if (carry)
    for (auto [in, out] : spec.carriedStates()) {
      Buffers &buffers = it->second;
      if (!cuda_) {
        std::memcpy(input(entry, in), output(entry, out),
                    spec.inputs[in].bytes());
        continue;
      }
      const auto &backend = *static_cast<const CudaBackend *>(cuda_);
      if (backend.copy(buffers.deviceInputs[in], buffers.deviceOutputs[out],
                       static_cast<int64_t>(spec.inputs[in].bytes())) != 0) {
        if (llvm::Error e = takeCudaError(
                backend, "carrying '" + spec.inputs[in].name + "'"))
          pendingError_ = llvm::toString(std::move(e));
        continue;
      }
      buffers.inputOnDevice[in] = true;
      buffers.inputOnHost[in] = false;
    }
  return true;
}

bool Model::setHaltLast(llvm::StringRef entry, llvm::ArrayRef<int32_t> last) {
  auto it = entries_.find(entry);
  if (it == entries_.end() || !it->second.spec->haltLastInput())
    return false;
  const EntrySpec &spec = *it->second.spec;
  auto *mask = static_cast<int32_t *>(input(entry, *spec.haltLastInput()));
  int64_t rows = spec.inputs[*spec.haltLastInput()].numElements();
  for (int64_t r = 0; r < rows; ++r)
    mask[r] = last.size() == 1 ? last[0] : last[r];
  return true;
}

llvm::Error Model::runSegments(llvm::StringRef entry, int64_t segments) {
  const EntrySpec *spec = manifest_.findEntry(entry);
  if (!spec || !spec->segments)
    return run(entry);
  if (segments <= 0)
    segments = *spec->segments;
  for (int64_t k = 0; k < segments; ++k) {
    beginSegment(entry, k == 0);
    // Under halting, every row runs on: the last allowed segment is the
    // description's last one (evaluation forces the most, as HRM's does).
    setHaltLast(entry, {int32_t(k + 1 >= *spec->segments ? 1 : 0)});
    if (llvm::Error e = run(entry))
      return e;
  }
  return llvm::Error::success();
}

const void *Model::output(llvm::StringRef entry, size_t index) const {
  auto it = entries_.find(entry);
  if (it == entries_.end() || index >= it->second.outputs.size())
    return nullptr;
  const Buffers &buffers = it->second;
  if (!buffers.outputOnHost[index]) {
    buffers.outputOnHost[index] = true;
    const TensorSpec &spec = buffers.spec->outputs[index];
    pull(buffers.outputs[index], buffers.deviceOutputs[index], spec.bytes(),
         "'" + spec.name + "' of '" + buffers.spec->name + "'");
  }
  return buffers.outputs[index];
}

llvm::Error Model::run(llvm::StringRef entry) {
  auto it = entries_.find(entry);
  if (it == entries_.end())
    return llvm::createStringError(
        "model " + manifest_.model +
        (manifest_.findEntry(entry) ? " was loaded without its entry point '"
                                    : " has no entry point '") +
        entry + "'");
  Buffers &buffers = it->second;
  const auto *backend = static_cast<const CudaBackend *>(cuda_);
  if (!pendingError_.empty())
    return llvm::createStringError(std::exchange(pendingError_, ""));
  std::string what = "running '" + entry.str() + "'";
  int64_t launchesBefore = backend ? backend->launches() : 0;
  if (backend) {
    // Queued before the kernels, on their stream.
    if (!parametersOnDevice_ && !params_.empty()) {
      if (backend->upload(deviceParams_.front(), params_.front(),
                          static_cast<int64_t>(paramBytes_)) != 0)
        return takeCudaError(*backend, "uploading the parameters");
      parametersOnDevice_ = true;
    }
    for (auto [i, t] : llvm::enumerate(buffers.spec->inputs))
      if (!t.host && !buffers.inputOnDevice[i] &&
          backend->upload(buffers.deviceInputs[i], buffers.inputs[i],
                          static_cast<int64_t>(t.bytes())) != 0)
        return takeCudaError(*backend, what + " (uploading the inputs)");
  }
  // Queued after the kernels; complete once synchronised.
  // A carried state stays on the device: the next segment's input is
  // copied from it there, and the host reads it only when asked.
  auto downloadAndWait = [&] {
    for (auto [o, t] : llvm::enumerate(buffers.spec->outputs)) {
      buffers.outputOnHost[o] = !buffers.outputCarried[o];
      if (buffers.outputCarried[o])
        continue;
      if (backend->download(buffers.outputs[o], buffers.deviceOutputs[o],
                            static_cast<int64_t>(t.bytes())) != 0)
        break; // the error is kept
    }
    backend->synchronize();
    lastLaunches_ = backend->launches() - launchesBefore;
    // What the entry updated in place is current on the device only.
    if (buffers.spec->updatesParams)
      parametersOnHost_ = false;
    for (auto [i, t] : llvm::enumerate(buffers.spec->inputs))
      if (t.inout) {
        buffers.inputOnDevice[i] = true;
        buffers.inputOnHost[i] = false;
      }
  };
  if (backend && cudaGraphs_ && buffers.graph) {
    // The host code is not run, so its heap counter does not move.
    lastHeapUse_.reset();
    backend->graphLaunch(buffers.graph);
    downloadAndWait();
    return takeCudaError(*backend, what + " (CUDA graph replay)");
  }
  // The first call fills the backend's block pool; the second is captured.
  // An entry whose host code reads a host input launches what that value
  // says, so a recording of one call would not do for the next.
  bool capture =
      backend && cudaGraphs_ && buffers.calls > 0 && !buffers.hostInputs;
  if (capture && backend->captureBegin() != 0)
    return takeCudaError(*backend, what + " (CUDA graph capture)");
  int64_t before = heapBytes_ ? heapBytes_[0] : 0;
  if (heapBytes_)
    heapBytes_[1] = before;
  buffers.function(buffers.args.data());
  ++buffers.calls;
  if (heapBytes_)
    lastHeapUse_ = HeapUse{heapBytes_[1] - before, heapBytes_[0] - before};
  if (!backend)
    return llvm::Error::success();
  if (capture) {
    // The captured launches were recorded, not run.
    buffers.graph = backend->captureEnd();
    if (!buffers.graph)
      return takeCudaError(*backend, what + " (CUDA graph capture)");
    backend->graphLaunch(buffers.graph);
  }
  downloadAndWait();
  return takeCudaError(*backend, what);
}

size_t Model::arenaBytes() const { return arena_ ? arena_->capacity() : 0; }
