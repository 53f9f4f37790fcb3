//===- TempFiles.h - scratch files for the runtime tests --------*- C++ -*-===//
#ifndef HRMC_UNITTESTS_TEMPFILES_H
#define HRMC_UNITTESTS_TEMPFILES_H

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>
#include <string>

namespace hrmrt::testing {

inline std::string tempPath(llvm::StringRef name) {
  llvm::SmallString<128> path;
  llvm::sys::fs::createUniquePath("hrmrt-%%%%%%-" + name, path, true);
  return std::string(path);
}

inline std::string tempDir() {
  llvm::SmallString<128> path;
  llvm::sys::fs::createUniqueDirectory("hrmrt", path);
  return std::string(path);
}

inline void writeFile(const std::string &path, llvm::StringRef bytes) {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  ASSERT_FALSE(ec) << ec.message();
  os << bytes;
}

} // namespace hrmrt::testing

#endif // HRMC_UNITTESTS_TEMPFILES_H
