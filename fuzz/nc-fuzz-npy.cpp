//===- nc-fuzz-npy.cpp - libFuzzer target for the .npy/.npz reader --------===//
//
// Bytes -> nc::readNpyBuffer, and the same bytes as a file -> nc::readNpz
// (which reads only from a path). A tensor that reads must serialize with
// nc::serializeNpy and read back identical; anything else aborts, so that
// libFuzzer records the input.
//
//===----------------------------------------------------------------------===//

#include "nc/Runtime/Npy.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

/// The file readNpz reads, in a folder of its own.
std::string npzFolder, npzPath;

void removeNpzFolder() {
  if (!npzPath.empty())
    llvm::sys::fs::remove(npzPath);
  if (!npzFolder.empty())
    llvm::sys::fs::remove(npzFolder);
}

[[noreturn]] void fail(const char *what, const std::string &detail = "") {
  std::fprintf(stderr, "nc-fuzz-npy: %s %s\n", what, detail.c_str());
  std::abort();
}

bool sameTensor(const nc::Tensor &a, const nc::Tensor &b) {
  if (a.dtype() != b.dtype() || a.shape() != b.shape())
    return false;
  if (a.byteSize() == 0)
    return true;
  if (a.empty() || b.empty())
    return a.empty() == b.empty();
  return std::memcmp(a.data(), b.data(), a.byteSize()) == 0;
}

/// A tensor that was read must write and read back as the same tensor.
void checkRoundTrip(const nc::Tensor &t) {
  std::string bytes;
  if (!nc::serializeNpy(t, bytes))
    return; // A tensor without data (no elements): nothing to write.
  nc::Tensor again;
  std::string error;
  if (!nc::readNpyBuffer(bytes.data(), bytes.size(), again, error))
    fail("serializeNpy's output does not read back:", error);
  if (!sameTensor(t, again))
    fail("serializeNpy's output reads back as another tensor:",
         t.describe() + " vs " + again.describe());
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  llvm::SmallString<256> dir;
  if (llvm::sys::fs::createUniqueDirectory("nc-fuzz-npy", dir))
    fail("cannot create a temporary folder");
  npzFolder = dir.str().str();
  llvm::sys::path::append(dir, "input.npz");
  npzPath = dir.str().str();
  std::atexit(removeNpzFolder);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string error;
  nc::Tensor tensor;
  if (nc::readNpyBuffer(data, size, tensor, error))
    checkRoundTrip(tensor);

  std::FILE *f = std::fopen(npzPath.c_str(), "wb");
  if (!f)
    fail("cannot write", npzPath);
  if (size && std::fwrite(data, 1, size, f) != size)
    fail("cannot write", npzPath);
  std::fclose(f);
  std::vector<std::pair<std::string, nc::Tensor>> entries;
  if (nc::readNpz(npzPath, entries, error))
    for (const auto &entry : entries)
      checkRoundTrip(entry.second);
  return 0;
}
