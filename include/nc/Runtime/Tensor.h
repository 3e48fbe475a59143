//===- Tensor.h - host tensors of NC's runtime ---------------------*- C++ -*-===//
//
// The run-time interface of nc::Session has no MLIR types: inputs and
// outputs are nc::Tensor, a dense row-major buffer with a data type and a
// shape.
//
//===----------------------------------------------------------------------===//

#ifndef NC_RUNTIME_TENSOR_H
#define NC_RUNTIME_TENSOR_H

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace nc {

/// Element types the runtime computes with (ONNX's numbering is not used).
enum class DType : uint8_t {
  F32, F64, F16, BF16, I8, U8, I16, U16, I32, U32, I64, U64, Bool
};

/// Bytes per element.
size_t dtypeSize(DType t);
/// "float32", "int64", ... (numpy's names).
const char *dtypeName(DType t);

/// A dense, row-major tensor. Copies share the buffer (shallow); use clone()
/// for a deep copy. The buffer is 64-byte aligned.
class Tensor {
public:
  Tensor() = default;
  /// Allocates a zero-filled tensor.
  Tensor(DType dtype, std::vector<int64_t> shape);
  /// Allocates a tensor whose contents are left undefined (for kernels that
  /// write every element).
  static Tensor uninitialized(DType dtype, std::vector<int64_t> shape);

  DType dtype() const { return dtype_; }
  const std::vector<int64_t> &shape() const { return shape_; }
  int64_t rank() const { return static_cast<int64_t>(shape_.size()); }
  int64_t numElements() const;
  size_t byteSize() const { return numElements() * dtypeSize(dtype_); }
  bool empty() const { return !buffer_; }

  void *data() { return buffer_.get(); }
  const void *data() const { return buffer_.get(); }
  template <typename T> T *data() { return static_cast<T *>(data()); }
  template <typename T> const T *data() const {
    return static_cast<const T *>(data());
  }

  /// Same buffer, another shape of as many elements.
  Tensor reshaped(std::vector<int64_t> shape) const;
  Tensor clone() const;

  /// "float32[1x3x48x320]".
  std::string describe() const;

private:
  Tensor(DType dtype, std::vector<int64_t> shape, bool zero);
  DType dtype_ = DType::F32;
  std::vector<int64_t> shape_;
  std::shared_ptr<uint8_t> buffer_;
};

} // namespace nc

#endif // NC_RUNTIME_TENSOR_H
