//===- FileIO.cpp ---------------------------------------------------------===//
#include "hrmrt/FileIO.h"

#include "llvm/Support/FileSystem.h"

#include <unistd.h>

using namespace hrmrt;

llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>>
hrmrt::readFile(llvm::StringRef path) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> file =
      llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                  /*RequiresNullTerminator=*/false);
  if (!file)
    return llvm::createStringError(file.getError(), "cannot open %s: %s",
                                   path.str().c_str(),
                                   file.getError().message().c_str());
  return std::move(*file);
}

llvm::Error hrmrt::writeFileAtomically(
    llvm::StringRef path, llvm::function_ref<void(llvm::raw_ostream &)> write) {
  std::string temp = (path + ".tmp").str();
  int fd = -1;
  if (std::error_code ec = llvm::sys::fs::openFileForWrite(temp, fd))
    return llvm::createStringError(ec, "cannot write %s: %s", temp.c_str(),
                                   ec.message().c_str());
  bool failed;
  {
    llvm::raw_fd_ostream os(fd, /*shouldClose=*/false);
    write(os);
    os.flush();
    failed = os.has_error();
    os.clear_error();
  }
  // The bytes must be on disk before the rename makes them the file.
  failed |= ::fsync(fd) != 0;
  failed |= ::close(fd) != 0;
  if (failed) {
    llvm::sys::fs::remove(temp);
    return llvm::createStringError("cannot write %s", temp.c_str());
  }
  if (std::error_code ec = llvm::sys::fs::rename(temp, path)) {
    llvm::sys::fs::remove(temp);
    return llvm::createStringError(ec, "cannot rename %s to %s", temp.c_str(),
                                   path.str().c_str());
  }
  return llvm::Error::success();
}
