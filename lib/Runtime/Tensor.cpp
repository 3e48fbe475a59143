//===- Tensor.cpp - host tensors of NC's runtime --------------------------===//

#include "nc/Runtime/Tensor.h"

#include <cstdlib>
#include <cstring>

using namespace nc;

size_t nc::dtypeSize(DType t) {
  switch (t) {
  case DType::F64: case DType::I64: case DType::U64: return 8;
  case DType::F32: case DType::I32: case DType::U32: return 4;
  case DType::F16: case DType::BF16: case DType::I16: case DType::U16: return 2;
  case DType::I8: case DType::U8: case DType::Bool: return 1;
  }
  return 1;
}

const char *nc::dtypeName(DType t) {
  switch (t) {
  case DType::F32: return "float32";
  case DType::F64: return "float64";
  case DType::F16: return "float16";
  case DType::BF16: return "bfloat16";
  case DType::I8: return "int8";
  case DType::U8: return "uint8";
  case DType::I16: return "int16";
  case DType::U16: return "uint16";
  case DType::I32: return "int32";
  case DType::U32: return "uint32";
  case DType::I64: return "int64";
  case DType::U64: return "uint64";
  case DType::Bool: return "bool";
  }
  return "?";
}

Tensor::Tensor(DType dtype, std::vector<int64_t> shape)
    : Tensor(dtype, std::move(shape), /*zero=*/true) {}

Tensor Tensor::uninitialized(DType dtype, std::vector<int64_t> shape) {
  return Tensor(dtype, std::move(shape), /*zero=*/false);
}

Tensor::Tensor(DType dtype, std::vector<int64_t> shape, bool zero)
    : dtype_(dtype), shape_(std::move(shape)) {
  size_t bytes = byteSize();
  size_t rounded = ((bytes + 63) / 64) * 64;
  if (rounded == 0)
    rounded = 64;
  void *p = std::aligned_alloc(64, rounded);
  if (zero)
    std::memset(p, 0, rounded);
  buffer_ = std::shared_ptr<uint8_t>(static_cast<uint8_t *>(p), std::free);
}

int64_t Tensor::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape_)
    n *= d;
  return n;
}

Tensor Tensor::reshaped(std::vector<int64_t> shape) const {
  Tensor t = *this;
  t.shape_ = std::move(shape);
  return t;
}

Tensor Tensor::clone() const {
  Tensor t(dtype_, shape_);
  if (buffer_)
    std::memcpy(t.data(), data(), byteSize());
  return t;
}

std::string Tensor::describe() const {
  std::string s = dtypeName(dtype_);
  s += "[";
  for (size_t i = 0; i < shape_.size(); ++i)
    s += (i ? "x" : "") + std::to_string(shape_[i]);
  return s + "]";
}
