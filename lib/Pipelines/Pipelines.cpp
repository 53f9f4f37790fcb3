//===- Pipelines.cpp - named hrm pass pipelines ---------------------------===//
//
// Pipelines are kept as text so that `hrmc compile --print-pipeline` shows
// exactly what a user can paste into hrm-opt to reproduce any stage.
//
//===----------------------------------------------------------------------===//
#include "hrmc/Pipelines/Pipelines.h"

#include "mlir/Pass/PassRegistry.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"

#include <cstdlib>

using namespace mlir;

std::string hrmc::hrmToLinalgPipeline(const CompileShape &shape,
                                      bool forGPU) {
  // A decode step specializes to one new position; seq-len is then the
  // cache length.
  std::string decode =
      shape.decode
          ? llvm::formatv("hrm-decode-entry{{max-len={0}},", shape.seqLen).str()
          : "";
  std::string train = shape.train ? "hrm-autodiff," : "";
  // The training step with its optimizer, next to loss_grad.
  std::string optimizer = shape.train ? ",hrm-adamw-entry" : "";
  std::string options;
  if (forGPU)
    options = "parallel-embed-grad";
  if (forGPU || shape.fusedAttention)
    options += options.empty() ? "fused-attention" : " fused-attention";
  if (!options.empty())
    options = "{" + options + "}";
  return llvm::formatv("hrm-specialize-shapes{{batch={0} seq-len={1}},"
                       "hrm-unroll,convert-hrm-to-func,{3}"
                       "convert-hrm-loops-to-scf,hrm-guard-loss-taps,{2}"
                       "convert-hrm-to-linalg{4}{5},"
                       "canonicalize,cse",
                       shape.batch, shape.decode ? 1 : shape.seqLen, decode,
                       train, options, optimizer)
      .str();
}

/// linalg on tensors -> buffers: results become the caller's buffers (the
/// runtime's arena), every temporary is freed. The canonicalizer folds an
/// scf.if whose branches both yield one argument's buffer (a gradient sum
/// updated in place where a loss tap is taken) into that buffer, so that
/// the result is dropped instead of copied into an out-parameter. Once the
/// callees' in-place results are dropped, it folds the loop results that
/// are their iteration arguments (the weights' gradient sums through the
/// backward loop) into the buffers they start from, which
/// buffer-results-to-out-params then replaces with the caller's.
static constexpr const char *kBufferize =
    "one-shot-bufferize{bufferize-function-boundaries "
    "function-boundary-type-conversion=identity-layout-map "
    "allow-return-allocs-from-loops},canonicalize,"
    "drop-equivalent-buffer-results,hrm-drop-updated-results,canonicalize,"
    "buffer-results-to-out-params{hoist-static-allocs "
    "modify-public-functions},"
    "buffer-deallocation-pipeline,hrm-strided-copy-to-linalg,";

/// bf16 storage of the tensor cores' operands (both targets), before
/// elementwise fusion folds the casts into their producers; on the GPU the
/// weights' copies are K-contiguous, for paired loads.
static std::string bf16Operands(llvm::StringRef matmulPrecision, bool forGPU) {
  if (matmulPrecision != "bf16")
    return "";
  return forGPU ? "hrm-bf16-matmul-operands{k-contiguous-arguments},cse,"
                : "hrm-bf16-matmul-operands,cse,";
}

/// The register tiles at the target's vector width (the pass's default,
/// 8 floats, is AVX's).
static std::string registerTile(int64_t vectorWidth) {
  if (vectorWidth == 8)
    return "hrm-cpu-register-tile,";
  return "hrm-cpu-register-tile{width=" + std::to_string(vectorWidth) + "},";
}

std::string hrmc::linalgToCPUPipeline(const CompileShape &shape) {
  llvm::StringRef matmulPrecision = shape.matmulPrecision;
  bool threads = shape.cpuParallel;
  // The CPU library of a tf32 / bf16 build rounds the matmuls' operands as
  // the tensor cores do (bf16 ones by storing them in bf16, as the CUDA
  // library does), so that it computes what the CUDA library does; a bf16
  // build's fused attention is the tensor cores' too, emulated.
  std::string round;
  if (matmulPrecision == "tf32")
    round = "hrm-round-matmul-operands{precision=tf32},";
  if (matmulPrecision == "bf16")
    round = std::string(shape.fusedAttention
                            ? "func.func(hrm-attention-to-mma-sync{emulate}),"
                            : "") +
            "arith-expand{include-bf16},";
  // hrm-fill-per-use puts each zero fill right before its matmul, where
  // hrm-cpu-register-tile folds it into the accumulators.
  return "hrm-fold-add-into-contraction," +
         bf16Operands(matmulPrecision, /*forGPU=*/false) +
         "hrm-fuse-elementwise,"
         "hrm-cpu-loop-order,hrm-distinct-results,hrm-fill-per-use," +
         kBufferize + round + (threads ? "hrm-cpu-parallel," : "") +
         registerTile(shape.cpuVectorWidth) +
         "hrm-cpu-polynomial-exp,convert-linalg-to-loops,"
         "expand-strided-metadata,lower-affine," +
         // convert-scf-to-openmp wraps each chunk in a memref.alloca_scope,
         // which canonicalize inlines (convert-scf-to-cf needs one block).
         (threads ? "convert-scf-to-openmp,canonicalize," : "") +
         // Last, once no pass looks for ops next to each other (a fill and
         // its matmul) that a dealloc could come between.
         "hrm-dealloc-after-last-use,"
         "convert-scf-to-cf,finalize-memref-to-llvm{use-generic-functions},"
         "convert-math-to-llvm,convert-to-llvm,reconcile-unrealized-casts,"
         "hrm-packed-entries";
}

std::string hrmc::hrmToCPUPipeline(const CompileShape &shape) {
  return hrmToLinalgPipeline(shape) + "," + linalgToCPUPipeline(shape);
}

std::string hrmc::cudaToolkitPath() {
  for (const char *var : {"CUDA_HOME", "CUDA_ROOT", "CUDA_PATH"})
    if (const char *path = std::getenv(var))
      if (*path)
        return path;
  return llvm::sys::fs::is_directory("/usr/local/cuda") ? "/usr/local/cuda"
                                                        : "";
}

bool hrmc::usesWgmma(llvm::ArrayRef<std::string> chips,
                     llvm::StringRef matmulPrecision) {
  return matmulPrecision == "bf16" && !chips.empty() &&
         llvm::all_of(chips,
                      [](const std::string &c) { return c == "sm_90a"; });
}

std::string hrmc::linalgToCUDAPipeline(llvm::ArrayRef<std::string> chips,
                                       llvm::StringRef matmulPrecision) {
  std::string toolkit = cudaToolkitPath();
  std::string targets;
  for (const std::string &chip : chips)
    targets += llvm::formatv("nvvm-attach-target{{chip={0} features=+ptx80},",
                             chip)
                   .str();
  // Fixed-size tiles with a bounds check inside give the thread loops the
  // constant bounds convert-parallel-loops-to-gpu needs; 32 threads (a warp)
  // along the contiguous dimension, which hrm-gpu-thread-order puts first.
  return "hrm-fold-add-into-contraction," +
         bf16Operands(matmulPrecision, /*forGPU=*/true) +
         "hrm-fuse-elementwise,"
         "hrm-distinct-results,hrm-fill-per-use," +
         kBufferize +
         "hrm-strided-copy-to-linalg{contiguous},"
         "func.func(hrm-host-bookkeeping," +
         (matmulPrecision == "bf16" ? "hrm-attention-to-mma-sync," : "") +
         "hrm-tile-attention-keys," +
         (usesWgmma(chips, matmulPrecision) ? "hrm-matmul-to-wgmma," : "") +
         (matmulPrecision == "f32" ? std::string()
                                   : "hrm-matmul-to-mma-sync{precision=" +
                                         matmulPrecision.str() + "},") +
         "hrm-accumulate-in-registers,"
         "hrm-fuse-row-consumers,"
         "hrm-fuse-epilogues,"
         "convert-linalg-to-parallel-loops,"
         "hrm-gpu-host-code,"
         "hrm-gpu-thread-order,"
         "scf-parallel-loop-tiling{parallel-loop-tile-sizes=32,8 "
         "no-min-max-bounds},"
         "gpu-map-parallel-loops,convert-parallel-loops-to-gpu),"
         "gpu-kernel-outlining,hrm-merge-gpu-modules,hrm-gpu-check-host-access,"
         "hrm-align-workgroup-buffers,hrm-dealloc-after-last-use,"
         "expand-strided-metadata,"
         "lower-affine,"
         "convert-scf-to-cf," +
         targets +
         "gpu.module(convert-gpu-to-nvvm,canonicalize,cse,"
         "reconcile-unrealized-casts),"
         "finalize-memref-to-llvm{use-generic-functions},"
         "convert-math-to-llvm,gpu-to-llvm,convert-to-llvm,"
         "reconcile-unrealized-casts,gpu-module-to-binary{format=isa" +
         // libdevice (math functions) comes from the toolkit.
         (toolkit.empty() ? std::string() : " toolkit=" + toolkit) +
         "},hrm-packed-entries";
}

std::string hrmc::hrmToCUDAPipeline(const CompileShape &shape,
                                    llvm::ArrayRef<std::string> chips) {
  return hrmToLinalgPipeline(shape, /*forGPU=*/true) + "," +
         linalgToCUDAPipeline(chips, shape.matmulPrecision);
}

bool hrmc::addPipeline(OpPassManager &pm, llvm::StringRef pipeline,
                       std::string &error) {
  llvm::raw_string_ostream os(error);
  return succeeded(parsePassPipeline(pipeline, pm, os));
}

namespace {
/// Options every named pipeline takes.
template <typename Derived>
struct ShapeOptions : public PassPipelineOptions<Derived> {
  using Base = PassPipelineOptions<Derived>;
  typename Base::template Option<int64_t> batch{
      *this, "batch", llvm::cl::desc("Batch size"), llvm::cl::init(1)};
  typename Base::template Option<int64_t> seqLen{
      *this, "seq-len",
      llvm::cl::desc("Sequence length (default: the model's max_seq_len)"),
      llvm::cl::init(0)};
  typename Base::template Option<bool> train{
      *this, "train",
      llvm::cl::desc("Also build the training entry point loss_grad"),
      llvm::cl::init(false)};
  typename Base::template Option<bool> fusedAttention{
      *this, "fused-attention",
      llvm::cl::desc("Lower attention's core as one loop nest with an "
                     "online softmax (always on for CUDA)"),
      llvm::cl::init(false)};
};

struct PipelineOptions : public ShapeOptions<PipelineOptions> {
  Option<bool> decode{
      *this, "decode",
      llvm::cl::desc("Build the KV-cached decode entry point (seq-len is "
                     "then the cache length)"),
      llvm::cl::init(false)};
  Option<bool> cpuParallel{
      *this, "cpu-parallel",
      llvm::cl::desc("hrm-to-cpu: split large loop nests across OpenMP "
                     "threads"),
      llvm::cl::init(true)};
  Option<int64_t> cpuVectorWidth{
      *this, "cpu-vector-width",
      llvm::cl::desc("hrm-to-cpu: f32 lanes of the register tiles' vectors "
                     "(16 for AVX-512; hrmc compile picks the target's)"),
      llvm::cl::init(8)};
  hrmc::CompileShape shape() const {
    hrmc::CompileShape shape{batch, seqLen, decode, train, fusedAttention};
    shape.cpuParallel = cpuParallel;
    shape.cpuVectorWidth = cpuVectorWidth;
    return shape;
  }
};

struct CUDAPipelineOptions : public ShapeOptions<CUDAPipelineOptions> {
  ListOption<std::string> chips{
      *this, "chips",
      llvm::cl::desc("NVIDIA architectures to emit PTX for (the first is "
                     "the one the host code loads)"),
      llvm::cl::list_init<std::string>({"sm_80", "sm_90"})};
  Option<std::string> matmulPrecision{
      *this, "matmul-precision",
      llvm::cl::desc("f32 (CUDA cores), or tf32 / bf16 operands on the "
                     "tensor cores (mma.sync, or wgmma for bf16 when every "
                     "chip is sm_90a; f32 accumulation)"),
      llvm::cl::init("f32")};
};

void buildFromText(OpPassManager &pm, const std::string &pipeline) {
  std::string error;
  if (!hrmc::addPipeline(pm, pipeline, error))
    llvm::report_fatal_error(llvm::Twine("bad built-in pipeline: ") + error);
}
} // namespace

void hrmc::registerHrmPipelines() {
  PassPipelineRegistration<PipelineOptions>(
      "hrm-to-linalg",
      "Lowers an hrm model to linalg on tensors (static shapes, scf loops)",
      [](OpPassManager &pm, const PipelineOptions &options) {
        buildFromText(pm, hrmToLinalgPipeline(options.shape()));
      });
  PassPipelineRegistration<CUDAPipelineOptions>(
      "hrm-to-cuda",
      "Lowers an hrm model to host LLVM code launching GPU kernels, with "
      "the kernels' PTX embedded (one kernel per linalg op, 32 x 8 threads)",
      [](OpPassManager &pm, const CUDAPipelineOptions &options) {
        hrmc::CompileShape shape{options.batch, options.seqLen, false,
                                 options.train};
        shape.matmulPrecision = options.matmulPrecision;
        buildFromText(pm, hrmc::hrmToCUDAPipeline(
                              shape, llvm::to_vector(options.chips)));
      });
  PassPipelineRegistration<PipelineOptions>(
      "hrm-to-cpu",
      "Lowers an hrm model to the LLVM dialect for the host CPU",
      [](OpPassManager &pm, const PipelineOptions &options) {
        buildFromText(pm, hrmToCPUPipeline(options.shape()));
      });
}
