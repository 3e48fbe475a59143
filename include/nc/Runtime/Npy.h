//===- Npy.h - read and write NumPy .npy and .npz files ---------*- C++ -*-===//
//
// Tensors in NumPy's formats: a .npy file holds one array, a .npz file is a
// zip archive of .npy members (np.savez stores them, np.savez_compressed
// deflates them). Every nc::DType but bfloat16 has a numpy counterpart;
// numpy has no bfloat16, so writing one is refused and reading never makes
// one.
//
// Nothing here throws or asserts on bad input: malformed files are reported
// through `error`, which names the file (for the path-based functions), the
// archive member (for .npz files) and the problem.
//
//===----------------------------------------------------------------------===//

#ifndef NC_RUNTIME_NPY_H
#define NC_RUNTIME_NPY_H

#include "nc/Runtime/Tensor.h"

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace nc {

/// Reads the .npy file at `path` into `out`. Accepts format versions 1.0,
/// 2.0 and 3.0, little- and big-endian data (big-endian is byte-swapped) and
/// fortran_order arrays (transposed into NC's row-major layout). On failure
/// returns false, leaves `out` unchanged and sets `error`.
bool readNpy(const std::string &path, Tensor &out, std::string &error);

/// Like readNpy, from the `size` bytes of a .npy file at `data`. `error`
/// names the problem only (there is no path).
bool readNpyBuffer(const void *data, size_t size, Tensor &out,
                   std::string &error);

/// Writes `t` to `path` as a version 1.0 .npy file (2.0 if its header would
/// not fit), byte for byte as np.save writes it. The file is written to a
/// temporary file beside `path` and renamed into place, so on failure an
/// existing file is untouched. Refuses bfloat16 tensors.
bool writeNpy(const std::string &path, const Tensor &t, std::string &error);

/// Sets `out` to the bytes of `t` as a .npy file (what writeNpy writes).
/// Returns false, leaving `out` unchanged, for a bfloat16 tensor or one
/// without data.
bool serializeNpy(const Tensor &t, std::string &out);

/// Reads every member of the .npz archive at `path`, in archive order. An
/// entry is named as numpy names it: the member name without its ".npy"
/// suffix. Members may be stored (np.savez) or deflated
/// (np.savez_compressed), and the archive may use ZIP64 records. Every
/// member must be a .npy file. On failure returns false, leaves `out`
/// unchanged and sets `error`.
bool readNpz(const std::string &path,
             std::vector<std::pair<std::string, Tensor>> &out,
             std::string &error);

/// Writes `entries` to `path` as an uncompressed .npz archive (as np.savez
/// does; member "<name>.npy" for entry "<name>"), atomically like writeNpy.
/// Refuses duplicate names and bfloat16 tensors.
bool writeNpz(const std::string &path,
              const std::vector<std::pair<std::string, Tensor>> &entries,
              std::string &error);

} // namespace nc

#endif // NC_RUNTIME_NPY_H
