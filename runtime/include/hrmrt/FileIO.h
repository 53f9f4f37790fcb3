//===- FileIO.h - reading files and writing them atomically -----*- C++ -*-===//
#ifndef HRMRT_FILEIO_H
#define HRMRT_FILEIO_H

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <memory>

namespace hrmrt {

/// The whole file; the error says "cannot open PATH: REASON".
llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>>
readFile(llvm::StringRef path);

/// Calls `write` on a temporary next to `path`, fsyncs it, then renames it
/// over `path`: readers, and the file after a crash, are the old file or the
/// new one, never a partial one.
llvm::Error
writeFileAtomically(llvm::StringRef path,
                    llvm::function_ref<void(llvm::raw_ostream &)> write);

} // namespace hrmrt

#endif // HRMRT_FILEIO_H
