//===- Fail.h - hrm-run's error reporting -----------------------*- C++ -*-===//
#ifndef HRMC_TOOLS_HRM_RUN_FAIL_H
#define HRMC_TOOLS_HRM_RUN_FAIL_H

#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

/// Prints "hrm-run: error: MESSAGE" and returns the exit status 1.
inline int fail(const llvm::Twine &message) {
  llvm::errs() << "hrm-run: error: " << message << "\n";
  return 1;
}
inline int fail(llvm::Error e) { return fail(llvm::toString(std::move(e))); }

#endif // HRMC_TOOLS_HRM_RUN_FAIL_H
