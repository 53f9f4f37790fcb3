//===- Fail.h - hrm-run's error reporting -----------------------*- C++ -*-===//
#ifndef HRMC_TOOLS_HRM_RUN_FAIL_H
#define HRMC_TOOLS_HRM_RUN_FAIL_H

#include "llvm/Support/Error.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

/// Prints "hrm-run: error: MESSAGE" and returns the exit status 1.
inline int fail(const llvm::Twine &message) {
  llvm::errs() << "hrm-run: error: " << message << "\n";
  return 1;
}
inline int fail(llvm::Error e) { return fail(llvm::toString(std::move(e))); }

/// An option's value as the user would write it (1e-08, 0.003, nan).
inline std::string optionValue(double v) {
  std::string text;
  llvm::raw_string_ostream(text) << llvm::format("%g", v);
  return text;
}

#endif // HRMC_TOOLS_HRM_RUN_FAIL_H
