//===- AtomicFile.cpp - write outputs to a temporary file, then rename ----===//

#include "nc/Support/AtomicFile.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

using namespace llvm;

bool nc::writeFileAtomically(StringRef path,
                             function_ref<bool(raw_ostream &)> write,
                             std::string &error) {
  SmallString<256> dir(path);
  sys::path::remove_filename(dir);
  if (dir.empty())
    dir = ".";
  if (!sys::fs::is_directory(dir)) {
    error = ("cannot write '" + path + "': folder '" + dir +
             "' does not exist or is not a folder")
                .str();
    return false;
  }
  if (sys::fs::is_directory(path)) {
    error = ("cannot write '" + path + "': it is a folder").str();
    return false;
  }
  SmallString<256> model(path);
  model += ".tmp-%%%%%%";
  int fd;
  SmallString<256> tmp;
  if (std::error_code ec = sys::fs::createUniqueFile(model, fd, tmp)) {
    error = ("cannot create a temporary file beside '" + path +
             "': " + ec.message())
                .str();
    return false;
  }
  bool ok;
  {
    raw_fd_ostream os(fd, /*shouldClose=*/true);
    ok = write(os);
    os.flush();
    if (os.has_error()) {
      error = ("cannot write '" + path + "': " + os.error().message()).str();
      os.clear_error();
      ok = false;
    }
  }
  if (ok) {
    if (std::error_code ec = sys::fs::rename(tmp, path)) {
      error = ("cannot rename the temporary file to '" + path +
               "': " + ec.message())
                  .str();
      ok = false;
    }
  }
  if (!ok)
    sys::fs::remove(tmp);
  else
    error.clear();
  return ok;
}
