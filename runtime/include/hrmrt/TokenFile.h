//===- TokenFile.h - a tokenised corpus on disk -----------------*- C++ -*-===//
//
// "HRMTOK1\n", then little-endian u32 vocabulary size, u64 token count, and
// the tokens as u32. Built once from text (`hrm-run prepare-data`), read
// whole by the trainer.
//
//===----------------------------------------------------------------------===//
#ifndef HRMRT_TOKENFILE_H
#define HRMRT_TOKENFILE_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <vector>

namespace hrmrt {

struct TokenFile {
  uint32_t vocabSize = 0;
  std::vector<int32_t> tokens;

  static llvm::Expected<TokenFile> read(llvm::StringRef path);
  /// Written atomically (temporary file, fsync, rename).
  llvm::Error write(llvm::StringRef path) const;
};

} // namespace hrmrt

#endif // HRMRT_TOKENFILE_H
