//===- KernelSupport.cpp - registry and helpers of the runtime kernels ----===//

#include "Kernels.h"

#include <algorithm>
#include <cstring>
#include <cmath>
#include <thread>

namespace nc::rt {

const Attr *Node::get(const std::string &n) const {
  auto it = attrs.find(n);
  return it == attrs.end() ? nullptr : &it->second;
}
int64_t Node::getInt(const std::string &n, int64_t fallback) const {
  const Attr *a = get(n);
  return a && a->kind == Attr::Int ? a->i : fallback;
}
float Node::getFloat(const std::string &n, float fallback) const {
  const Attr *a = get(n);
  if (a && a->kind == Attr::Float)
    return a->f;
  return a && a->kind == Attr::Int ? static_cast<float>(a->i) : fallback;
}
std::string Node::getString(const std::string &n,
                            const std::string &fallback) const {
  const Attr *a = get(n);
  return a && a->kind == Attr::String ? a->s : fallback;
}
std::optional<std::vector<int64_t>> Node::getInts(const std::string &n) const {
  const Attr *a = get(n);
  if (!a || a->kind != Attr::Ints)
    return std::nullopt;
  return a->ints;
}
std::optional<std::vector<float>> Node::getFloats(const std::string &n) const {
  const Attr *a = get(n);
  if (!a || a->kind != Attr::Floats)
    return std::nullopt;
  return a->floats;
}
std::string Node::describe() const {
  return "node '" + name + "' (" + opType + ", opset " +
         std::to_string(opset) + ")";
}

KernelFn findKernel(const std::string &opType) {
  static const KernelTable table = [] {
    KernelTable t;
    registerElementwiseKernels(t);
    registerShapeKernels(t);
    registerNNKernels(t);
    registerReduceKernels(t);
    registerQuantKernels(t);
    registerDnnlKernels(t); // replaces reference kernels it covers
    return t;
  }();
  auto it = table.kernels.find(opType);
  return it == table.kernels.end() ? nullptr : it->second;
}

bool readInts(const Tensor &t, std::vector<int64_t> &out) {
  out.clear();
  int64_t n = t.numElements();
  if (t.dtype() == DType::I64) {
    out.assign(t.data<int64_t>(), t.data<int64_t>() + n);
    return true;
  }
  if (t.dtype() == DType::I32) {
    out.assign(t.data<int32_t>(), t.data<int32_t>() + n);
    return true;
  }
  return false;
}

double readScalar(const Tensor &t, int64_t i) {
  switch (t.dtype()) {
  case DType::F32: return t.data<float>()[i];
  case DType::F64: return t.data<double>()[i];
  case DType::I64: return static_cast<double>(t.data<int64_t>()[i]);
  case DType::I32: return t.data<int32_t>()[i];
  case DType::I16: return t.data<int16_t>()[i];
  case DType::I8: return t.data<int8_t>()[i];
  case DType::U8: case DType::Bool: return t.data<uint8_t>()[i];
  case DType::U16: return t.data<uint16_t>()[i];
  case DType::U32: return t.data<uint32_t>()[i];
  case DType::U64: return static_cast<double>(t.data<uint64_t>()[i]);
  default: return 0;
  }
}

bool broadcastShape(const std::vector<int64_t> &a,
                    const std::vector<int64_t> &b, std::vector<int64_t> &out) {
  size_t rank = std::max(a.size(), b.size());
  out.assign(rank, 1);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1)
      return false;
    out[i] = da == 1 ? db : da;
  }
  return true;
}

std::vector<int64_t> broadcastStrides(const std::vector<int64_t> &shape,
                                      const std::vector<int64_t> &target) {
  std::vector<int64_t> strides(target.size(), 0);
  int64_t stride = 1;
  for (int64_t i = static_cast<int64_t>(shape.size()) - 1; i >= 0; --i) {
    size_t t = target.size() - shape.size() + i;
    strides[t] = shape[i] == 1 ? 0 : stride;
    stride *= shape[i];
  }
  return strides;
}

int64_t normalizeAxis(int64_t axis, int64_t rank) {
  return axis < 0 ? axis + rank : axis;
}

bool isFloat(DType t) {
  return t == DType::F32 || t == DType::F64 || t == DType::F16 ||
         t == DType::BF16;
}

float halfToFloat(uint16_t h) {
  uint32_t sign = (h & 0x8000u) << 16, exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  uint32_t bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else { // subnormal: normalize
      int e = -1;
      do {
        ++e;
        mant <<= 1;
      } while (!(mant & 0x400));
      bits = sign | ((127 - 15 - e) << 23) | ((mant & 0x3ff) << 13);
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | (mant << 13);
  } else {
    bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

uint16_t floatToHalf(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  uint32_t sign = (x >> 16) & 0x8000u;
  uint32_t absx = x & 0x7fffffffu;
  if (absx >= 0x7f800000u) // inf or nan
    return sign | 0x7c00u | (absx > 0x7f800000u ? 0x200u : 0);
  if (absx >= 0x477ff000u) // rounds to >= 65520: inf
    return sign | 0x7c00u;
  if (absx < 0x38800000u) { // subnormal half or zero
    float v;
    std::memcpy(&v, &absx, 4);
    // Scale so that the half subnormal unit is 1, then round to even.
    float scaled = v * 16777216.0f; // 2^24
    uint32_t m = static_cast<uint32_t>(std::nearbyint(scaled));
    return sign | m;
  }
  uint32_t mant = absx & 0x7fffff, exp = (absx >> 23) - 127 + 15;
  uint32_t half = (exp << 10) | (mant >> 13);
  uint32_t rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest == 0x1000 && (half & 1)))
    ++half;
  return sign | half;
}

float bf16ToFloat(uint16_t h) {
  uint32_t bits = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

uint16_t floatToBf16(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  if ((x & 0x7fffffffu) > 0x7f800000u)
    return static_cast<uint16_t>((x >> 16) | 0x40);
  uint32_t rounding = 0x7fff + ((x >> 16) & 1);
  return static_cast<uint16_t>((x + rounding) >> 16);
}

void parallelFor(int threads, int64_t n, int64_t grain,
                 const std::function<void(int64_t, int64_t)> &fn) {
  int64_t chunks = std::min<int64_t>(threads, (n + grain - 1) / std::max<int64_t>(grain, 1));
  if (chunks <= 1) {
    fn(0, n);
    return;
  }
  std::vector<std::thread> pool;
  int64_t per = (n + chunks - 1) / chunks;
  for (int64_t c = 1; c < chunks; ++c) {
    int64_t b = c * per, e = std::min(n, b + per);
    if (b < e)
      pool.emplace_back(fn, b, e);
  }
  fn(0, std::min(n, per));
  for (auto &t : pool)
    t.join();
}

} // namespace nc::rt
