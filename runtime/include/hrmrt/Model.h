//===- Model.h - a loaded artifact with bound parameters --------*- C++ -*-===//
#ifndef HRMRT_MODEL_H
#define HRMRT_MODEL_H

#include "hrmrt/Arena.h"
#include "hrmrt/Manifest.h"

#include <map>
#include <memory>
#include <optional>

namespace hrmrt {

/// Where a model runs. `automatic` takes the GPU when the artifact has a
/// CUDA library and a device is usable, else the CPU.
enum class Device { automatic, cpu, cuda };

/// Parses "auto", "cpu" or "cuda".
llvm::Expected<Device> parseDevice(llvm::StringRef name);

/// The name of the GPU the CUDA backend would use, or why there is none
/// (runtime built without CUDA, no driver, no device).
llvm::Expected<std::string> cudaDeviceName();
/// That GPU's compute capability, major * 10 + minor, or why there is none.
llvm::Expected<int> cudaComputeCapability();

/// Whether PTX for `chip` ("sm_80", "sm_90a") runs on a GPU of compute
/// capability `capability` (major * 10 + minor): plain PTX on its own
/// capability and later ones, architecture-specific ("a") PTX only on its
/// own. The error names both.
llvm::Error checkChipRunsOn(llvm::StringRef chip, int capability);

/// Whether this CPU has the vector extension `feature` (x86's "avx2",
/// "fma", "avx512f", ...; a name this runtime cannot check: no).
bool cpuHasFeature(llvm::StringRef feature);
/// Success if this CPU has every extension `manifest.cpuFeatures` lists,
/// else an error that names the missing ones and the artifact's CPU.
llvm::Error checkCPUFeatures(const Manifest &manifest);

/// A compiled artifact (manifest.json + model.so) loaded into the process,
/// with its parameters, inputs and outputs in one arena. The accessors
/// below return host memory. On the CUDA backend that arena is a pinned
/// mirror of a device arena the compiled code runs on: run() uploads the
/// entry's inputs, and the parameters when they changed, and downloads
/// its outputs.
class Model {
public:
  /// Loads the artifact in `dir` for `device`. Parameters start as zeros.
  /// `entries` names the entry points to give buffers in the arena (all
  /// when empty): a training run needs `train_step` or `loss_grad`, not
  /// both, and the other's buffers would be as large as the parameters.
  /// The others cannot be run; a name the manifest lacks is an error.
  static llvm::Expected<std::unique_ptr<Model>>
  load(llvm::StringRef dir, Device device = Device::cpu,
       llvm::ArrayRef<std::string> entries = {});
  ~Model();

  /// "cpu", "cpu (<n> threads)" for a library on OpenMP threads, or
  /// "cuda (<device name>)".
  const std::string &deviceName() const { return deviceName_; }
  bool onGPU() const { return onGPU_; }

  const Manifest &manifest() const { return manifest_; }

  /// Fills every parameter from its init spec with a generator seeded by
  /// `seed` and the parameter's name (so one parameter's values do not
  /// depend on which others exist).
  void initParameters(uint64_t seed);
  /// Reads the parameters from a safetensors file: every parameter must be
  /// there with its manifest dtype and shape; extra tensors are an error,
  /// except a training checkpoint's "adam." and "train." tensors.
  llvm::Error loadParameters(llvm::StringRef path);
  llvm::Error saveParameters(llvm::StringRef path) const;

  /// The bytes of one parameter, input or output buffer (null if unknown).
  /// The mutable param() counts as a change of the parameters. On the GPU,
  /// after an entry that updates the parameters in place
  /// (EntrySpec::updatesParams), the first access downloads them; a failed
  /// download is returned by the next run() or syncToHost().
  void *param(llvm::StringRef name);
  const void *param(llvm::StringRef name) const;
  /// Says that parameters were written through pointers kept from earlier
  /// param() calls (an optimizer step): the next run() uploads them. The
  /// host mirror then wins over an update an entry made on the device
  /// since, so after such an entry take the pointers again from param(),
  /// which downloads it, before writing.
  void parametersChanged() {
    parametersOnDevice_ = false;
    parametersOnHost_ = true;
  }
  /// The mutable input() counts as a write of that input; readInput() does
  /// not. Both download an `inout` input (TensorSpec::inout) its entry
  /// updated on the device since.
  void *input(llvm::StringRef entry, size_t index);
  const void *readInput(llvm::StringRef entry, size_t index) const;
  /// Downloads whatever the device updated in place (parameters, `inout`
  /// inputs) that the host mirror does not hold yet. Not needed before the
  /// accessors above, which do it lazily; it returns a failed download.
  llvm::Error syncToHost();
  /// An output of the last call. On the GPU a carried state (`carry.*`)
  /// stays on the device after the call and is downloaded here, when read.
  const void *output(llvm::StringRef entry, size_t index) const;
  /// Writes `draw` into `entry`'s noise_draw input (EntrySpec::
  /// noiseDrawInput), if it has one; says whether it had.
  bool setNoiseDraw(llvm::StringRef entry, int32_t draw);
  /// Writes `count` into `entry`'s trip_count input (EntrySpec::
  /// tripCountInput), if it has one; says whether it had. A fresh model
  /// runs the description's count (TripCountSpec::defaultCount).
  bool setTripCount(llvm::StringRef entry, int32_t count);
  /// Writes `window` into `entry`'s grad_window input (EntrySpec::
  /// gradWindowInput), if it has one; says whether it had. A fresh model
  /// runs the schedule's k (GradWindowSpec::defaultWindow).
  bool setGradWindow(llvm::StringRef entry, int32_t window);

  /// Before a call of a one-segment entry (EntrySpec::segments): `fresh`
  /// sets every row's reset (the first segment of a batch); otherwise it
  /// clears them and, with `carry`, copies the states the last call ended
  /// with into the carried-state inputs (without, those inputs already hold
  /// them: restored from a checkpoint); on the GPU the copy is a device
  /// copy, queued before the next call. Says whether the entry runs
  /// segments.
  bool beginSegment(llvm::StringRef entry, bool fresh, bool carry = true);
  /// Per row, as halting trains: row b restarts where `reset[b]` is set and
  /// carries the last call's state otherwise (with `carry`; without, the
  /// inputs already hold it).
  bool beginSegment(llvm::StringRef entry, llvm::ArrayRef<int32_t> reset,
                    bool carry = true);
  /// Writes the halting entry's `halt.last` mask (one value for every row,
  /// or one per row); says whether the entry has one.
  bool setHaltLast(llvm::StringRef entry, llvm::ArrayRef<int32_t> last);
  /// Runs a one-segment entry `segments` times (0: its EntrySpec::segments)
  /// on one batch, the first call resetting every row and each later one
  /// starting from the last one's states; any other entry once.
  llvm::Error runSegments(llvm::StringRef entry, int64_t segments = 0);

  /// Runs an entry point on its input buffers, filling its output buffers.
  llvm::Error run(llvm::StringRef entry);
  /// On the GPU, records each entry point's second call into a CUDA graph
  /// and replays that graph on later calls: one launch per call instead of
  /// one per kernel. Sound because the compiled host code makes no
  /// decision on device data (hrm-gpu-check-host-access). The blocks of the
  /// captured call's temporaries stay reserved for the graph. Replayed
  /// calls have no lastHeapUse(). No effect on the CPU.
  void useCudaGraphs(bool on) { cudaGraphs_ = on; }

  /// What the compiled code allocated on the heap during the last run():
  /// its peak above what was live before, and what it left allocated
  /// (0 unless the code leaks). Parameters, inputs and outputs live in the
  /// arena and are not counted. nullopt for artifacts without counters.
  struct HeapUse {
    int64_t peakBytes = 0;
    int64_t retainedBytes = 0;
  };
  std::optional<HeapUse> lastHeapUse() const { return lastHeapUse_; }
  /// Kernels the last run() launched (on the GPU; nullopt on the CPU).
  std::optional<int64_t> lastKernelLaunches() const { return lastLaunches_; }
  /// Bytes of the arena (parameters, inputs and outputs of all entries).
  size_t arenaBytes() const;

private:
  Model() = default;
  bool setControl(llvm::StringRef entry, llvm::StringRef name, int32_t value);
  struct Buffers {
    std::vector<void *> inputs, outputs;
    /// Where the compiled code finds them (the same as above on the CPU).
    std::vector<void *> deviceInputs, deviceOutputs;
    /// Their shapes and sizes (in manifest_).
    const EntrySpec *spec = nullptr;
    void (*function)(void **) = nullptr;
    /// Memref descriptors of the parameters, inputs and outputs, and the
    /// argument array pointing at them: buffers never move, so both are
    /// built once, at load.
    std::vector<std::vector<int64_t>> descriptors;
    std::vector<void *> args;
    int64_t calls = 0;
    /// Whether an input stays in host memory (TensorSpec::host): such an
    /// entry is never captured in a CUDA graph.
    bool hostInputs = false;
    /// Per input: its device copy is current (an `inout` input the entry
    /// updated), so run() does not upload it.
    std::vector<bool> inputOnDevice;
    /// Per input: the host mirror holds its current value (false after an
    /// entry updated an `inout` input on the device).
    mutable std::vector<bool> inputOnHost;
    /// Per output: the host mirror holds its current value. A carried
    /// state (`carry.*`) is not downloaded after a call, only when read.
    mutable std::vector<bool> outputOnHost;
    std::vector<bool> outputCarried;
    /// The captured call (CUDA graphs).
    void *graph = nullptr;
  };

  Manifest manifest_;
  std::string deviceName_ = "cpu";
  bool onGPU_ = false;
  void *library_ = nullptr;
  std::unique_ptr<Arena> arena_;
  /// The GPU's copy of arena_ (null on the CPU).
  std::unique_ptr<Arena> deviceArena_;
  std::vector<void *> params_, deviceParams_;
  /// The parameters lie first in both arenas: one upload of this size.
  size_t paramBytes_ = 0;
  bool parametersOnDevice_ = false;
  /// False after an entry updated the parameters on the device.
  mutable bool parametersOnHost_ = true;
  /// A lazy download's failure, returned by the next run() / syncToHost().
  mutable std::string pendingError_;
  /// Download what the device updated in place, if the host lacks it.
  void pull(void *host, const void *device, size_t bytes,
            const llvm::Twine &what) const;
  void pullParameters() const;
  void pullInput(const Buffers &buffers, size_t index) const;
  std::map<std::string, Buffers, std::less<>> entries_;
  /// The artifact's {live, peak} heap byte counters (hrm_heap_bytes).
  int64_t *heapBytes_ = nullptr;
  std::optional<HeapUse> lastHeapUse_;
  std::optional<int64_t> lastLaunches_;
  /// The CUDA backend's function table when running on the GPU.
  const void *cuda_ = nullptr;
  bool cudaGraphs_ = false;
};

} // namespace hrmrt

#endif // HRMRT_MODEL_H
