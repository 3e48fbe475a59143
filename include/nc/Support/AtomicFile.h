//===- AtomicFile.h - write outputs to a temporary file, then rename ---*- C++ -*-===//

#ifndef NC_SUPPORT_ATOMICFILE_H
#define NC_SUPPORT_ATOMICFILE_H

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"
#include <string>

namespace nc {

/// Writes `path` by calling `write` on a temporary file in the same folder
/// and renaming it into place only if `write` returns true and every byte
/// reached the disk. On failure the previous file (if any) is unchanged,
/// the temporary file is removed, and `error` says why (naming the path).
bool writeFileAtomically(llvm::StringRef path,
                         llvm::function_ref<bool(llvm::raw_ostream &)> write,
                         std::string &error);

} // namespace nc

#endif // NC_SUPPORT_ATOMICFILE_H
