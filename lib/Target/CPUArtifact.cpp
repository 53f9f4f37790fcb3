//===- CPUArtifact.cpp - hrm IR -> host shared object ---------------------===//
#include "hrmc/Target/Artifact.h"
#include "HeapCounter.h"
#include "HostLibrary.h"
#include "hrmrt/FileIO.h"

#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/GPU/GPUToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/NVVM/NVVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/OpenMP/OpenMPToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/SubtargetFeature.h"

using namespace mlir;

llvm::Error hrmc::runPipeline(ModuleOp module, llvm::StringRef pipeline) {
  PassManager pm(module.getContext());
  std::string error;
  if (!hrmc::addPipeline(pm, pipeline, error))
    return llvm::createStringError("bad pipeline: " + error);
  // A tool that registered MLIR's pass manager options (hrmc) gets IR
  // printing after each pass, crash reproducers and timing; without them
  // these do nothing.
  if (failed(applyPassManagerCLOptions(pm)))
    return llvm::createStringError("bad pass manager options");
  applyDefaultTimingPassManagerCLOptions(pm);
  if (failed(pm.run(module)))
    return llvm::createStringError(
        "cannot lower the model (see the errors above)");
  return llvm::Error::success();
}

namespace {

llvm::Expected<std::unique_ptr<llvm::TargetMachine>>
createHostTargetMachine(const std::string &cpuName, unsigned optLevel) {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  llvm::Triple triple(llvm::sys::getDefaultTargetTriple());
  std::string error;
  const llvm::Target *target = llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return llvm::createStringError("no LLVM target for " + triple.str() +
                                   ": " + error);
  std::string cpu = cpuName.empty() ? llvm::sys::getHostCPUName().str() : cpuName;
  // An unknown CPU would be a warning, then a fatal error in code
  // generation; the generic subtarget knows every CPU name.
  std::unique_ptr<llvm::MCSubtargetInfo> generic(
      target->createMCSubtargetInfo(triple, "", ""));
  if (!cpuName.empty() && generic && !generic->isCPUStringValid(cpu))
    return llvm::createStringError(
        "--cpu: '" + cpu + "' is not a CPU LLVM knows for " + triple.str() +
        " (`llc -mcpu=help` lists them)");
  std::string features;
  if (cpuName.empty()) {
    llvm::SubtargetFeatures featureList;
    for (const auto &feature : llvm::sys::getHostCPUFeatures())
      featureList.AddFeature(feature.first(), feature.second);
    features = featureList.getString();
  }
  // Constructors (a CUDA library's module loads) go in .init_array, which
  // the loader runs; .ctors needs crtbegin.o, which we do not link.
  llvm::TargetOptions targetOptions;
  targetOptions.UseInitArray = true;
  std::unique_ptr<llvm::TargetMachine> machine(target->createTargetMachine(
      triple, cpu, features, targetOptions, llvm::Reloc::PIC_,
      std::nullopt,
      optLevel >= 3   ? llvm::CodeGenOptLevel::Aggressive
      : optLevel == 0 ? llvm::CodeGenOptLevel::None
                      : llvm::CodeGenOptLevel::Less));
  if (!machine)
    return llvm::createStringError("cannot create a target machine for " +
                                   cpu);
  return machine;
}

} // namespace

int64_t hrmc::cpuVectorWidth(const std::string &cpu) {
  // The same subtarget the library is compiled for (an unknown --cpu is
  // reported when it is).
  llvm::Expected<std::unique_ptr<llvm::TargetMachine>> machine =
      createHostTargetMachine(cpu, /*optLevel=*/0);
  if (!machine) {
    llvm::consumeError(machine.takeError());
    return 8;
  }
  auto has = [&](llvm::StringRef feature) {
    return (*machine)->getMCSubtargetInfo()->checkFeatures(
        ("+" + feature).str());
  };
  if (has("avx512f"))
    return 16;
  return has("avx") ? 8 : 4;
}

namespace {

llvm::Error emitObject(llvm::Module &module, llvm::TargetMachine &machine,
                       llvm::StringRef path) {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec, llvm::sys::fs::OF_None);
  if (ec)
    return llvm::createStringError(ec, "cannot write %s", path.str().c_str());
  llvm::legacy::PassManager pm;
  if (machine.addPassesToEmitFile(pm, os, nullptr,
                                  llvm::CodeGenFileType::ObjectFile))
    return llvm::createStringError("the target cannot emit object files");
  pm.run(module);
  return llvm::Error::success();
}

/// Whether `module` calls into the OpenMP runtime (convert-scf-to-openmp's
/// parallel loops become calls to __kmpc_fork_call and friends).
bool usesOpenMP(const llvm::Module &module) {
  return llvm::any_of(module.functions(), [](const llvm::Function &f) {
    return f.isDeclaration() && f.getName().starts_with("__kmpc_");
  });
}

llvm::Error linkSharedObject(llvm::StringRef object, llvm::StringRef output,
                             bool openMP) {
  llvm::ErrorOr<std::string> lld = llvm::sys::findProgramByName(
      "ld.lld", {"/usr/lib/llvm-22/bin"});
  if (!lld)
    lld = llvm::sys::findProgramByName("ld.lld");
  if (!lld)
    return llvm::createStringError("ld.lld not found (install lld-22)");
  std::string error;
  llvm::SmallVector<llvm::StringRef> args{*lld, "-shared", "--as-needed",
                                          object, "-o", output};
  // The libomp of the LLVM we build with, found at run time where it was at
  // link time (Debian's libomp-22-dev points it at libomp5-19's library).
  std::string libompDir = HRMC_LIBOMP_DIR, searchDir;
  if (openMP) {
    searchDir = "-L" + libompDir;
    llvm::SmallString<256> libomp(libompDir);
    llvm::sys::path::append(libomp, "libomp.so");
    if (!llvm::sys::fs::exists(libomp))
      return llvm::createStringError(
          "the CPU library runs on OpenMP threads but " + libomp +
          " is missing (install libomp-22-dev, or compile with "
          "--cpu-parallel=false)");
    args.append({searchDir, "-lomp", "-rpath", libompDir});
  }
  int rc = llvm::sys::ExecuteAndWait(*lld, args, std::nullopt, {}, 0, 0,
                                     &error);
  if (rc != 0)
    return llvm::createStringError("ld.lld failed (" + llvm::Twine(rc) +
                                   "): " + error);
  return llvm::Error::success();
}

llvm::Error writeText(llvm::StringRef path, llvm::StringRef text) {
  return hrmrt::writeFileAtomically(
      path, [&](llvm::raw_ostream &os) { os << text; });
}

std::string inDir(llvm::StringRef dir, llvm::StringRef name) {
  llvm::SmallString<256> path(dir);
  llvm::sys::path::append(path, name);
  return std::string(path);
}

/// The entry points' `hrm.*` argument and result attributes (roles, names,
/// `hrm.updates`, `hrm.host`) served the manifest and the passes; LLVM has
/// no translation for them and would warn about each.
void dropHrmArgumentAttributes(ModuleOp module) {
  auto isHrm = [](NamedAttribute a) {
    return a.getName().getValue().starts_with("hrm.");
  };
  auto strip = [&](DictionaryAttr attrs) -> DictionaryAttr {
    if (!attrs || llvm::none_of(attrs, isHrm))
      return attrs;
    SmallVector<NamedAttribute> kept;
    llvm::copy_if(attrs, std::back_inserter(kept),
                  [&](NamedAttribute a) { return !isHrm(a); });
    return DictionaryAttr::get(module.getContext(), kept);
  };
  module.walk([&](FunctionOpInterface fn) {
    for (unsigned i = 0, e = fn.getNumArguments(); i < e; ++i)
      if (DictionaryAttr attrs = fn.getArgAttrDict(i))
        fn.setArgAttrs(i, strip(attrs));
    for (unsigned i = 0, e = fn.getNumResults(); i < e; ++i)
      if (DictionaryAttr attrs = fn.getResultAttrDict(i))
        fn.setResultAttrs(i, strip(attrs));
  });
}

} // namespace

llvm::Expected<std::string>
hrmc::emitHostLibrary(ModuleOp lowered, const ArtifactOptions &options,
                      llvm::StringRef dir, llvm::StringRef stem,
                      const HeapFunctions &heap) {
  DialectRegistry registry;
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  registerGPUDialectTranslation(registry);
  registerNVVMDialectTranslation(registry);
  registerOpenMPDialectTranslation(registry);
  lowered.getContext()->appendDialectRegistry(registry);
  dropHrmArgumentAttributes(lowered);
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(lowered, llvmContext, "hrm_model");
  if (!llvmModule)
    return llvm::createStringError("translation to LLVM IR failed");
  if (llvm::Error e = defineCountingAllocator(*llvmModule, heap))
    return std::move(e);

  llvm::Expected<std::unique_ptr<llvm::TargetMachine>> machine =
      createHostTargetMachine(options.cpu, options.optLevel);
  if (!machine)
    return machine.takeError();
  llvmModule->setTargetTriple((*machine)->getTargetTriple());
  llvmModule->setDataLayout((*machine)->createDataLayout());
  if (llvm::Error e = makeOptimizingTransformer(options.optLevel, 0,
                                                machine->get())(
          llvmModule.get()))
    return std::move(e);

  if (std::error_code ec = llvm::sys::fs::create_directories(dir))
    return llvm::createStringError(ec, "cannot create %s", dir.str().c_str());
  if (options.keepIntermediates) {
    std::string ir;
    llvm::raw_string_ostream os(ir);
    llvmModule->print(os, nullptr);
    if (llvm::Error e = writeText(inDir(dir, (stem + ".ll").str()), ir))
      return std::move(e);
  }
  std::string object = inDir(dir, (stem + ".o.tmp").str());
  std::string library = inDir(dir, (stem + ".so.tmp").str());
  if (llvm::Error e = emitObject(*llvmModule, **machine, object))
    return std::move(e);
  llvm::Error linked =
      linkSharedObject(object, library, usesOpenMP(*llvmModule));
  llvm::sys::fs::remove(object);
  if (linked)
    return std::move(linked);
  std::string name = (stem + ".so").str();
  if (std::error_code ec = llvm::sys::fs::rename(library, inDir(dir, name)))
    return llvm::createStringError(ec, "cannot move the library into place");
  return name;
}

llvm::Error hrmc::compileCPUArtifact(ModuleOp module,
                                     const ArtifactOptions &options,
                                     llvm::StringRef dir) {
  std::string source;
  llvm::raw_string_ostream(source) << module;

  OwningOpRef<ModuleOp> lowered(module.clone());
  if (llvm::Error e =
          runPipeline(*lowered, hrmToLinalgPipeline(options.shape)))
    return e;
  llvm::Expected<llvm::json::Object> manifest =
      describeArtifact(module, *lowered, options.shape);
  if (!manifest)
    return manifest.takeError();
  if (llvm::Error e = runPipeline(*lowered, linalgToCPUPipeline(options.shape)))
    return e;
  if (llvm::Error e = checkEntrySignatures(*lowered, *manifest))
    return e;
  // Whether any loop nest runs on threads: with cpu-parallel, only those
  // that hrm-cpu-parallel found large enough do.
  bool threaded =
      lowered->walk([](omp::ParallelOp) { return WalkResult::interrupt(); })
          .wasInterrupted();
  llvm::Expected<std::string> library =
      emitHostLibrary(*lowered, options, dir, "model", HeapFunctions());
  if (!library)
    return library.takeError();
  llvm::Expected<std::unique_ptr<llvm::TargetMachine>> machine =
      createHostTargetMachine(options.cpu, options.optLevel);
  if (!machine)
    return machine.takeError();
  // The vector extensions the code may use, which the runtime checks the
  // CPU for before loading the library (a missing one is SIGILL).
  llvm::json::Array features;
  if ((*machine)->getTargetTriple().isX86())
    for (llvm::StringRef feature :
         {"avx", "avx2", "fma", "avx512f", "avx512bw", "avx512dq", "avx512vl"})
      if ((*machine)->getMCSubtargetInfo()->checkFeatures(
              ("+" + feature).str()))
        features.push_back(feature.str());
  (*manifest)["target"] =
      llvm::json::Object{{"kind", "cpu"},
                         {"triple", (*machine)->getTargetTriple().str()},
                         {"cpu", (*machine)->getTargetCPU().str()},
                         {"features", std::move(features)},
                         {"matmul_precision", options.shape.matmulPrecision},
                         {"threads", threaded ? "openmp" : "one"}};
  (*manifest)["library"] = *library;
  (*manifest)["pipeline"] = hrmToCPUPipeline(options.shape);
  if (!options.cudaChips.empty()) {
    llvm::Expected<llvm::json::Object> cuda =
        compileCUDALibrary(module, options, dir, *manifest);
    if (!cuda)
      return cuda.takeError();
    (*manifest)["cuda"] = std::move(*cuda);
  }
  std::string text;
  llvm::raw_string_ostream os(text);
  os << llvm::formatv("{0:2}", llvm::json::Value(std::move(*manifest)));
  if (llvm::Error e = writeText(inDir(dir, "model.mlir"), source))
    return e;
  return writeText(inDir(dir, "manifest.json"), text);
}
