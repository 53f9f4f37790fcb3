//===- hrmc.cpp - the hrmc compiler driver --------------------------------===//
//
//   hrmc import MODEL.json [-o OUT.mlir]   model description -> hrm IR
//   hrmc stats  MODEL.json|MODEL.mlir [--seq-len N] [--batch B] [--json]
//   hrmc compile MODEL.json|MODEL.mlir -o DIR [--batch B] [--seq-len N]
//                [--train] [--target cpu|cuda] [--chips sm_80,sm_90]
//                [--matmul-precision f32|tf32|bf16] [--cpu-parallel=false]
//
//===----------------------------------------------------------------------===//
#include "hrm/HrmOps.h"
#include "hrmc/Analysis/ModelStats.h"
#include "hrmc/Conversion/Passes.h"
#include "hrmc/FrontEnd/ModelBuilder.h"
#include "hrmc/Pipelines/Pipelines.h"
#include "hrmc/Target/Artifact.h"
#include "hrmc/Transforms/Passes.h"

#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Remarks.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Support/Timing.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Regex.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

static cl::SubCommand importCmd("import", "Model description (JSON) -> hrm IR");
static cl::SubCommand statsCmd(
    "stats", "Parameter, FLOP and activation-memory counts of a model");

static cl::opt<std::string> importInput(cl::Positional, cl::Required,
                                        cl::desc("<model.json>"),
                                        cl::sub(importCmd));
static cl::opt<std::string> importOutput("o", cl::desc("Output file"),
                                         cl::init("-"), cl::sub(importCmd));

static cl::opt<std::string> statsInput(cl::Positional, cl::Required,
                                       cl::desc("<model.json|model.mlir>"),
                                       cl::sub(statsCmd));
static cl::opt<int64_t> statsSeqLen(
    "seq-len", cl::desc("Sequence length (default: max_seq_len)"),
    cl::init(0), cl::sub(statsCmd));
static cl::opt<int64_t> statsBatch("batch", cl::desc("Batch size"),
                                   cl::init(1), cl::sub(statsCmd));
static cl::opt<int64_t> statsWindow(
    "window",
    cl::desc("k of the truncated(k) and (hrm) slow_first(k) plans in the "
             "table"),
    cl::init(2), cl::sub(statsCmd));
static cl::opt<bool> statsJSON("json", cl::desc("Print JSON"),
                               cl::sub(statsCmd));

static cl::SubCommand compileCmd(
    "compile", "Model -> compiled artifact (shared object + manifest)");
static cl::opt<std::string> compileInput(cl::Positional, cl::Required,
                                         cl::desc("<model.json|model.mlir>"),
                                         cl::sub(compileCmd));
static cl::opt<std::string> compileOutput("o", cl::desc("Artifact directory"),
                                          cl::sub(compileCmd));
static cl::opt<int64_t> compileBatch("batch", cl::desc("Batch size"),
                                     cl::init(1), cl::sub(compileCmd));
static cl::opt<int64_t> compileSeqLen(
    "seq-len", cl::desc("Sequence length (default: max_seq_len)"),
    cl::init(0), cl::sub(compileCmd));
static cl::opt<std::string> compileCPU(
    "cpu", cl::desc("Target CPU (default: this machine's)"),
    cl::sub(compileCmd));
static cl::opt<bool> compileKeep(
    "keep-intermediates", cl::desc("Also write the LLVM IR (model.ll)"),
    cl::sub(compileCmd));
static cl::opt<bool> compileDecode(
    "decode",
    cl::desc("Build the KV-cached `decode` entry point for generation "
             "(--seq-len is then the cache length)"),
    cl::sub(compileCmd));
static cl::opt<bool> compileTrain(
    "train",
    cl::desc("Also build the training entry point `loss_grad` (the loss and "
             "the gradient of every parameter, under the loops' gradient "
             "schedules)"),
    cl::sub(compileCmd));
static cl::opt<bool> compileFusedAttention(
    "fused-attention",
    cl::desc("Lower attention's softmax(QK^T)V as one loop nest with an "
             "online softmax in the CPU library too (the CUDA library "
             "always does; with --matmul-precision bf16, the CPU library "
             "emulates its tensor-core kernel, slowly)"),
    cl::sub(compileCmd));
static cl::opt<unsigned> compileOptLevel(
    "opt-level", cl::desc("LLVM optimisation level of the host code (0-3)"),
    cl::init(3), cl::sub(compileCmd));
static cl::opt<std::string> compileTarget(
    "target",
    cl::desc("cpu: the host library; cuda: also GPU kernels as PTX and a "
             "host library that launches them (the runtime picks one)"),
    cl::init("cpu"), cl::sub(compileCmd));
static cl::list<std::string> compileChips(
    "chips", cl::CommaSeparated,
    cl::desc("NVIDIA architectures for --target cuda (default sm_80,sm_90; "
             "the host code loads the first, which newer GPUs JIT)"),
    cl::sub(compileCmd));
static cl::opt<std::string> compileMatmulPrecision(
    "matmul-precision",
    cl::desc("f32 (the default), or tf32 / bf16 matmul operands with f32 "
             "accumulation: on the tensor cores (mma.sync; wgmma with bf16 "
             "and --chips sm_90a) in the CUDA library, rounded the same way "
             "in the CPU library"),
    cl::init("f32"), cl::sub(compileCmd));
static cl::opt<bool> compileCPUParallel(
    "cpu-parallel",
    cl::desc("Split the CPU library's large loop nests across OpenMP threads "
             "(as many as OMP_NUM_THREADS or hrm-run --cpu-threads says; "
             "default on). Off: one thread, no libomp"),
    cl::init(true), cl::sub(compileCmd));
static cl::opt<std::string> compileRemarks(
    "remarks",
    cl::desc("Print the optimization remarks (passed, missed, analysis) of "
             "the passes whose name matches this regex, e.g. 'hrm-.*' or "
             "'hrm-matmul-to-mma-sync' (docs/remarks.md)"),
    cl::value_desc("regex"), cl::sub(compileCmd));
static cl::opt<bool> compilePrintPipeline(
    "print-pipeline",
    cl::desc("Print the pass pipeline (for hrm-opt) and exit"),
    cl::sub(compileCmd));

/// Loads a model from a description (.json) or from hrm IR (anything else).
static mlir::OwningOpRef<mlir::ModuleOp> loadModel(StringRef path,
                                                   mlir::MLIRContext &context) {
  hrmc::loadFrontEndDialects(context);
  if (path.ends_with(".json")) {
    Expected<hrmc::ModelConfig> config = hrmc::loadModelConfig(path);
    if (!config) {
      errs() << "error: " << toString(config.takeError()) << "\n";
      return nullptr;
    }
    return hrmc::buildModel(*config, context);
  }
  std::string message;
  std::unique_ptr<MemoryBuffer> file = mlir::openInputFile(path, &message);
  if (!file) {
    errs() << "error: " << message << "\n";
    return nullptr;
  }
  SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(file), SMLoc());
  return mlir::parseSourceFile<mlir::ModuleOp>(sourceMgr, &context);
}

static int runImport(mlir::MLIRContext &context) {
  mlir::OwningOpRef<mlir::ModuleOp> module = loadModel(importInput, context);
  if (!module)
    return 1;
  std::string message;
  std::unique_ptr<ToolOutputFile> out =
      mlir::openOutputFile(importOutput, &message);
  if (!out) {
    errs() << "error: " << message << "\n";
    return 1;
  }
  module->print(out->os());
  out->os() << "\n";
  out->keep();
  return 0;
}

static int runStats(mlir::MLIRContext &context) {
  mlir::OwningOpRef<mlir::ModuleOp> module = loadModel(statsInput, context);
  if (!module)
    return 1;
  int status = 0, models = 0;
  module->walk([&](mlir::hrm::ModelOp model) {
    ++models;
    FailureOr<hrmc::ModelStats> stats =
        hrmc::computeModelStats(model, statsSeqLen, statsBatch, statsWindow);
    if (failed(stats)) {
      status = 1;
      return;
    }
    if (statsJSON)
      outs() << formatv("{0:2}", stats->toJSON()) << "\n";
    else
      stats->print(outs());
  });
  if (models == 0) {
    errs() << "error: " << statsInput << ": no hrm.model found\n";
    return 1;
  }
  return status;
}

static int runCompile(mlir::MLIRContext &context) {
  hrmc::CompileShape shape{compileBatch, compileSeqLen, compileDecode,
                           compileTrain, compileFusedAttention};
  if (compileTrain && compileDecode) {
    errs() << "error: --train and --decode build different artifacts; "
              "compile them separately\n";
    return 1;
  }
  if (compileTarget != "cpu" && compileTarget != "cuda") {
    errs() << "error: --target must be cpu or cuda, got '" << compileTarget
           << "'\n";
    return 1;
  }
  std::vector<std::string> chips;
  if (compileTarget == "cuda") {
    chips.assign(compileChips.begin(), compileChips.end());
    if (chips.empty())
      chips = {"sm_80", "sm_90"};
    for (const std::string &chip : chips)
      if (!StringRef(chip).starts_with("sm_")) {
        errs() << "error: --chips takes NVIDIA architectures like sm_80, got '"
               << chip << "'\n";
        return 1;
      }
  }
  if (compileMatmulPrecision != "f32" && compileMatmulPrecision != "tf32" &&
      compileMatmulPrecision != "bf16") {
    errs() << "error: --matmul-precision must be f32, tf32 or bf16, got '"
           << compileMatmulPrecision << "'\n";
    return 1;
  }
  shape.matmulPrecision = compileMatmulPrecision;
  shape.cpuParallel = compileCPUParallel;
  shape.cpuVectorWidth = hrmc::cpuVectorWidth(compileCPU);
  if (compilePrintPipeline) {
    outs() << "builtin.module(" << hrmc::hrmToCPUPipeline(shape) << ")\n";
    if (!chips.empty())
      outs() << "builtin.module(" << hrmc::hrmToCUDAPipeline(shape, chips)
             << ")\n";
    return 0;
  }
  if (compileOutput.empty()) {
    errs() << "error: give the artifact directory with -o\n";
    return 1;
  }
  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  mlir::registerAllToLLVMIRTranslations(registry);
  mlir::registerAllGPUToLLVMIRTranslations(registry);
  context.appendDialectRegistry(registry);
  if (!compileRemarks.empty()) {
    std::string error;
    if (!Regex(compileRemarks).isValid(error)) {
      errs() << "error: --remarks: '" << compileRemarks
             << "' is not a regex: " << error << "\n";
      return 1;
    }
    mlir::remark::RemarkCategories categories;
    categories.passed = categories.missed = categories.failed =
        categories.analysis = compileRemarks.getValue();
    if (failed(mlir::remark::enableOptimizationRemarks(
            context, /*streamer=*/nullptr,
            std::make_unique<mlir::remark::RemarkEmittingPolicyAll>(),
            categories, /*printAsEmitRemarks=*/true))) {
      errs() << "error: --remarks: cannot enable remarks\n";
      return 1;
    }
  }
  mlir::OwningOpRef<mlir::ModuleOp> module = loadModel(compileInput, context);
  if (!module)
    return 1;
  hrmc::ArtifactOptions options;
  options.shape = shape;
  options.cpu = compileCPU;
  options.keepIntermediates = compileKeep;
  if (compileOptLevel > 3) {
    errs() << "error: --opt-level must be 0 to 3, got " << compileOptLevel
           << "\n";
    return 1;
  }
  options.optLevel = compileOptLevel;
  options.cudaChips = chips;
  if (Error e = hrmc::compileCPUArtifact(*module, options, compileOutput)) {
    errs() << "error: " << compileInput << ": " << toString(std::move(e))
           << "\n";
    return 1;
  }
  return 0;
}

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  // Before the pass manager's options: --mlir-print-ir-after=<pass> takes
  // the passes registered when it is made.
  mlir::registerAllPasses();
  mlir::hrm::registerHrmPasses();
  mlir::hrm::registerHrmConversionPasses();
  mlir::registerAsmPrinterCLOptions();
  mlir::registerMLIRContextCLOptions();
  // --mlir-print-ir-after-all, --mlir-print-ir-tree-dir, --mlir-timing, ...
  // for every pipeline `hrmc compile` runs.
  mlir::registerPassManagerCLOptions();
  mlir::registerDefaultTimingManagerCLOptions();
  cl::ParseCommandLineOptions(argc, argv, "hrmc: the hrm compiler driver\n");
  mlir::MLIRContext context;
  // Errors as `file:line:col: error: ...` with the line, for descriptions
  // (the IR's location) and IR files alike.
  SourceMgr diagnosticSources;
  mlir::SourceMgrDiagnosticHandler diagnostics(diagnosticSources, &context);
  // A model's error would print the whole model after it; on request only.
  cl::Option *printOp =
      cl::getRegisteredOptions().lookup("mlir-print-op-on-diagnostic");
  if (!printOp || !printOp->getNumOccurrences())
    context.printOpOnDiagnostic(false);
  if (compileCmd)
    return runCompile(context);
  if (importCmd)
    return runImport(context);
  if (statsCmd)
    return runStats(context);
  errs() << "error: give a subcommand: import, stats or compile (see "
            "--help)\n";
  return 1;
}
