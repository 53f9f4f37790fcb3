//===- CUDAArtifact.cpp - hrm IR -> kernels (PTX) + host launcher ----------===//
//
// The host library calls the `mgpu*` launch functions and the
// `hrmrt_cuda_alloc` / `_free` allocator of the runtime's CUDA backend
// (runtime/lib/cuda), which resolves them when it loads the artifact. Each
// kernels sit in one gpu.module (hrm-merge-gpu-modules), so each
// architecture has one PTX file, written out for inspection and for ptxas.
//
//===----------------------------------------------------------------------===//
#include "HostLibrary.h"
#include "hrmrt/FileIO.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/Regex.h"

using namespace mlir;

namespace {

/// ptxas from the toolkit that libdevice comes from, else from PATH.
std::optional<std::string> findPtxas() {
  std::string toolkit = hrmc::cudaToolkitPath();
  if (!toolkit.empty())
    if (llvm::ErrorOr<std::string> p =
            llvm::sys::findProgramByName("ptxas", {toolkit + "/bin"}))
      return *p;
  if (llvm::ErrorOr<std::string> p = llvm::sys::findProgramByName("ptxas"))
    return *p;
  return std::nullopt;
}

/// Assembles `file` for `chip` with `ptxas -v` and returns, per kernel,
/// its registers and spill bytes; an error with ptxas's output if it fails.
llvm::Expected<llvm::json::Array> runPtxas(llvm::StringRef ptxas,
                                           llvm::StringRef chip,
                                           llvm::StringRef file) {
  llvm::SmallString<128> log;
  if (std::error_code ec =
          llvm::sys::fs::createTemporaryFile("hrmc-ptxas", "log", log))
    return llvm::createStringError(ec, "cannot create a temporary file");
  std::string arch = ("-arch=" + chip).str();
  llvm::SmallVector<llvm::StringRef> args{ptxas, arch, "-v", file,
                                          "-o", "/dev/null"};
  std::optional<llvm::StringRef> redirects[] = {std::nullopt, log.str(),
                                                log.str()};
  std::string error;
  int rc = llvm::sys::ExecuteAndWait(ptxas, args, std::nullopt, redirects, 0,
                                     0, &error);
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> text =
      llvm::MemoryBuffer::getFile(log);
  llvm::sys::fs::remove(log);
  std::string output = text ? (*text)->getBuffer().str() : "";
  if (rc != 0) {
    // The first lines say why; a broken module can make thousands.
    llvm::SmallVector<llvm::StringRef> first;
    llvm::StringRef(output).split(first, '\n', /*MaxSplit=*/20);
    first.pop_back();
    return llvm::createStringError("ptxas rejected " + file + " for " + chip +
                                   " (" + llvm::Twine(rc) + "): " + error +
                                   "\n" + llvm::join(first, "\n"));
  }
  llvm::json::Array kernels;
  llvm::Regex entry("Compiling entry function '([A-Za-z0-9_$]+)'");
  llvm::Regex spills("([0-9]+) bytes spill stores, ([0-9]+) bytes spill loads");
  llvm::Regex regs("Used ([0-9]+) registers");
  llvm::json::Object current;
  auto flush = [&] {
    if (!current.empty())
      kernels.push_back(std::move(current));
    current = llvm::json::Object();
  };
  llvm::SmallVector<llvm::StringRef> lines;
  llvm::StringRef(output).split(lines, '\n');
  for (llvm::StringRef line : lines) {
    llvm::SmallVector<llvm::StringRef> m;
    int64_t n = 0, k = 0;
    if (entry.match(line, &m)) {
      flush();
      current["name"] = m[1].str();
    } else if (spills.match(line, &m) && !m[1].getAsInteger(10, n) &&
               !m[2].getAsInteger(10, k)) {
      current["spill_store_bytes"] = n;
      current["spill_load_bytes"] = k;
    } else if (regs.match(line, &m) && !m[1].getAsInteger(10, n)) {
      current["registers"] = n;
    }
  }
  flush();
  return kernels;
}

} // namespace

llvm::Expected<llvm::json::Object>
hrmc::compileCUDALibrary(ModuleOp module, const ArtifactOptions &options,
                         llvm::StringRef dir,
                         const llvm::json::Object &manifest) {
  OwningOpRef<ModuleOp> lowered(module.clone());
  std::string pipeline = hrmToCUDAPipeline(options.shape, options.cudaChips);
  if (llvm::Error e = runPipeline(*lowered, pipeline))
    return std::move(e);
  if (llvm::Error e = checkEntrySignatures(*lowered, manifest))
    return std::move(e);

  // hrm-merge-gpu-modules leaves one gpu.binary, with one object per chip.
  auto binaries = llvm::to_vector(lowered->getOps<gpu::BinaryOp>());
  if (binaries.size() != 1)
    return llvm::createStringError(
        "expected the kernels in one gpu.binary, found " +
        llvm::Twine(binaries.size()));
  llvm::StringMap<std::string> chips;
  for (Attribute attr : binaries.front().getObjects()) {
    auto object = cast<gpu::ObjectAttr>(attr);
    auto target = dyn_cast<NVVM::NVVMTargetAttr>(object.getTarget());
    if (!target)
      return llvm::createStringError("the gpu.binary has a non-NVVM object");
    chips[target.getChip()] = object.getObject().getValue().str();
  }
  llvm::SmallString<256> ptxDir(dir);
  llvm::sys::path::append(ptxDir, "ptx");
  if (std::error_code ec = llvm::sys::fs::create_directories(ptxDir))
    return llvm::createStringError(ec, "cannot create %s", ptxDir.c_str());
  std::optional<std::string> ptxas = findPtxas();
  llvm::json::Array chipReports;
  size_t kernels = 0;
  for (const std::string &chip : options.cudaChips) {
    const std::string &ptx = chips[chip];
    llvm::SmallString<256> file(ptxDir);
    llvm::sys::path::append(file, chip + ".ptx");
    if (llvm::Error e = hrmrt::writeFileAtomically(
            file, [&](llvm::raw_ostream &os) { os << ptx; }))
      return std::move(e);
    kernels = llvm::StringRef(ptx).count(".entry ");
    llvm::json::Object report{{"chip", chip},
                              {"ptx", ("ptx/" + chip + ".ptx")}};
    if (ptxas) {
      llvm::Expected<llvm::json::Array> kernels = runPtxas(*ptxas, chip, file);
      if (!kernels)
        return kernels.takeError();
      report["ptxas"] = std::move(*kernels);
    } else {
      report["ptxas"] = "not run: ptxas not found";
    }
    chipReports.push_back(std::move(report));
  }

  HeapFunctions heap{"hrmrt_cuda_alloc", "hrmrt_cuda_free_sized",
                     /*releaseReturnsSize=*/true};
  llvm::Expected<std::string> library =
      emitHostLibrary(*lowered, options, dir, "model.cuda", heap);
  if (!library)
    return library.takeError();
  return llvm::json::Object{{"library", *library},
                            {"loads", options.cudaChips.front()},
                            {"kernels", static_cast<int64_t>(kernels)},
                            {"matmul_precision", options.shape.matmulPrecision},
                            {"chips", std::move(chipReports)},
                            {"pipeline", pipeline}};
}
