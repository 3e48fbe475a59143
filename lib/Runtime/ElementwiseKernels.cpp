//===- ElementwiseKernels.cpp - broadcasting and unary ONNX kernels -------===//
//
// Reference kernels, exact in the sense of computing each element with the
// same float operation ONNX Runtime's reference path uses (no reassociation).
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"

#include <cmath>
#include <cstring>
#include <limits>

namespace nc::rt {
namespace {

template <typename S> void storeAs(Tensor &t, int64_t i, S v);

/// Applies `f(out, a, b)` element by element over broadcast operands.
template <typename TA, typename TB, typename TO, typename F>
void broadcastLoop(const Tensor &a, const Tensor &b, Tensor &out, F f) {
  const auto &shape = out.shape();
  int64_t n = out.numElements();
  const TA *pa = a.data<TA>();
  const TB *pb = b.data<TB>();
  TO *po = out.data<TO>();
  if (a.shape() == shape && b.shape() == shape) {
    for (int64_t i = 0; i < n; ++i)
      po[i] = f(pa[i], pb[i]);
    return;
  }
  if (b.numElements() == 1 && a.shape() == shape) {
    TB v = pb[0];
    for (int64_t i = 0; i < n; ++i)
      po[i] = f(pa[i], v);
    return;
  }
  if (a.numElements() == 1 && b.shape() == shape) {
    TA v = pa[0];
    for (int64_t i = 0; i < n; ++i)
      po[i] = f(v, pb[i]);
    return;
  }
  auto sa = broadcastStrides(a.shape(), shape);
  auto sb = broadcastStrides(b.shape(), shape);
  size_t rank = shape.size();
  if (rank == 0) {
    po[0] = f(pa[0], pb[0]);
    return;
  }
  std::vector<int64_t> idx(rank, 0);
  int64_t inner = shape[rank - 1], ia = sa[rank - 1], ib = sb[rank - 1];
  int64_t oa = 0, ob = 0;
  for (int64_t o = 0; o < n; o += inner) {
    for (int64_t k = 0; k < inner; ++k)
      po[o + k] = f(pa[oa + k * ia], pb[ob + k * ib]);
    // Advance the outer multi-index.
    for (int64_t d = static_cast<int64_t>(rank) - 2; d >= 0; --d) {
      oa += sa[d];
      ob += sb[d];
      if (++idx[d] < shape[d])
        break;
      oa -= sa[d] * shape[d];
      ob -= sb[d] * shape[d];
      idx[d] = 0;
    }
  }
}

/// Mod's fmod attribute (C's truncated remainder for integers when set).
thread_local bool fmodFlag = false;

enum class Bin { Add, Sub, Mul, Div, Pow, Max, Min, Mod, Equal, Less, Greater,
                 LessOrEqual, GreaterOrEqual, And, Or, Xor };

template <typename T> T applyArith(Bin op, T a, T b) {
  switch (op) {
  case Bin::Add: return a + b;
  case Bin::Sub: return a - b;
  case Bin::Mul: return a * b;
  case Bin::Div:
    if constexpr (std::is_integral_v<T>)
      return b == 0 ? T(0) : a / b;
    else
      return a / b;
  case Bin::Pow:
    return static_cast<T>(std::pow(static_cast<double>(a), static_cast<double>(b)));
  case Bin::Max: return std::max(a, b);
  case Bin::Min: return std::min(a, b);
  case Bin::Mod:
    if constexpr (std::is_integral_v<T>) {
      if (fmodFlag)
        return b == 0 ? T(0) : T(a % b);
      if (b == 0) return T(0);
      T r = a % b;
      return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;
    } else {
      return std::fmod(a, b);
    }
  default: return T(0);
  }
}

template <typename T> bool applyCompare(Bin op, T a, T b) {
  switch (op) {
  case Bin::Equal: return a == b;
  case Bin::Less: return a < b;
  case Bin::Greater: return a > b;
  case Bin::LessOrEqual: return a <= b;
  case Bin::GreaterOrEqual: return a >= b;
  default: return false;
  }
}

template <Bin op>
bool binaryKernel(const Node &node, const Inputs &in, std::vector<Tensor> &out,
                  std::string &error) {
  const Tensor &a = *in[0], &b = *in[1];
  fmodFlag = op == Bin::Mod && node.getInt("fmod", 0) != 0;
  bool compare = op == Bin::Equal || op == Bin::Less || op == Bin::Greater ||
                 op == Bin::LessOrEqual || op == Bin::GreaterOrEqual;
  bool logical = op == Bin::And || op == Bin::Or || op == Bin::Xor;
  std::vector<int64_t> shape;
  if (!broadcastShape(a.shape(), b.shape(), shape)) {
    error = node.describe() + ": shapes " + a.describe() + " and " +
            b.describe() + " do not broadcast";
    return false;
  }
  // Pow allows a different exponent type; others need equal types.
  if (a.dtype() != b.dtype() && op != Bin::Pow) {
    error = node.describe() + ": operand types differ (" + a.describe() +
            ", " + b.describe() + ")";
    return false;
  }
  if (logical) {
    Tensor r(DType::Bool, shape);
    broadcastLoop<uint8_t, uint8_t, uint8_t>(a, b, r, [](uint8_t x, uint8_t y) {
      if constexpr (op == Bin::And) return uint8_t(x && y);
      else if constexpr (op == Bin::Or) return uint8_t(x || y);
      else return uint8_t(bool(x) != bool(y));
    });
    out.push_back(r);
    return true;
  }
  if (op == Bin::Pow && a.dtype() != b.dtype()) {
    // Mixed types: compute in double, return the base's type.
    auto toDouble = [](const Tensor &t) {
      Tensor d(DType::F64, t.shape());
      for (int64_t i = 0; i < t.numElements(); ++i)
        d.data<double>()[i] = readScalar(t, i);
      return d;
    };
    Tensor da = toDouble(a), db = toDouble(b), r(DType::F64, shape);
    broadcastLoop<double, double, double>(da, db, r, [&](double x, double y) {
      return a.dtype() == DType::F32
                 ? double(std::pow(static_cast<float>(x), static_cast<float>(y)))
                 : std::pow(x, y);
    });
    Tensor cast(a.dtype(), shape);
    for (int64_t i = 0; i < r.numElements(); ++i)
      storeAs(cast, i, r.data<double>()[i]);
    out.push_back(cast);
    return true;
  }
  Tensor r = Tensor::uninitialized(compare ? DType::Bool : a.dtype(), shape);
  auto run = [&](auto tag) {
    using T = decltype(tag);
    if (compare)
      broadcastLoop<T, T, uint8_t>(a, b, r, [](T x, T y) {
        return uint8_t(applyCompare<T>(op, x, y));
      });
    else
      broadcastLoop<T, T, T>(a, b, r,
                             [](T x, T y) { return applyArith<T>(op, x, y); });
  };
  switch (a.dtype()) {
  case DType::F32: run(float()); break;
  case DType::F64: run(double()); break;
  case DType::I64: run(int64_t()); break;
  case DType::I32: run(int32_t()); break;
  case DType::I16: run(int16_t()); break;
  case DType::I8: run(int8_t()); break;
  case DType::U8: run(uint8_t()); break;
  case DType::U16: run(uint16_t()); break;
  case DType::U32: run(uint32_t()); break;
  case DType::U64: run(uint64_t()); break;
  case DType::Bool:
    if (!compare || op != Bin::Equal) {
      error = node.describe() + ": unsupported element type bool";
      return false;
    }
    run(uint8_t());
    break;
  default:
    error = node.describe() + ": unsupported element type " +
            dtypeName(a.dtype());
    return false;
  }
  out.push_back(r);
  return true;
}

/// Variadic Sum/Max/Min/Mean by folding the binary kernel.
template <Bin op, bool mean = false>
bool variadicKernel(const Node &node, const Inputs &in,
                    std::vector<Tensor> &out, std::string &error) {
  Tensor acc = *in[0];
  for (size_t i = 1; i < in.size(); ++i) {
    std::vector<Tensor> r;
    if (!binaryKernel<op>(node, {&acc, in[i]}, r, error))
      return false;
    acc = r[0];
  }
  if (mean) {
    if (acc.dtype() != DType::F32) {
      error = node.describe() + ": Mean supports float32 only";
      return false;
    }
    Tensor r(DType::F32, acc.shape());
    for (int64_t i = 0; i < acc.numElements(); ++i)
      r.data<float>()[i] = acc.data<float>()[i] / static_cast<float>(in.size());
    acc = r;
  } else if (in.size() == 1) {
    acc = acc.clone();
  }
  out.push_back(acc);
  return true;
}

enum class Un { Relu, Sigmoid, Tanh, Sqrt, Exp, Log, Neg, Abs, Erf, Reciprocal,
                Floor, Ceil, Round, Sign, HardSigmoid, HardSwish, LeakyRelu,
                Elu, Selu, Softplus, Sin, Cos, Gelu, Mish, Softsign };

template <Un op>
bool unaryKernel(const Node &node, const Inputs &in, std::vector<Tensor> &out,
                 std::string &error) {
  const Tensor &x = *in[0];
  float alpha = node.getFloat("alpha", op == Un::HardSigmoid ? 0.2f
                                       : op == Un::LeakyRelu ? 0.01f
                                       : op == Un::Selu ? 1.67326319217681884765625f
                                                        : 1.0f);
  float beta = node.getFloat("beta", 0.5f);
  float gamma = node.getFloat("gamma", 1.05070102214813232421875f);
  auto f = [&](auto v) -> decltype(v) {
    using T = decltype(v);
    switch (op) {
    case Un::Relu: return v > T(0) ? v : T(0);
    case Un::Sigmoid: return T(1) / (T(1) + std::exp(-v));
    case Un::Tanh: return std::tanh(v);
    case Un::Sqrt: return std::sqrt(v);
    case Un::Exp: return std::exp(v);
    case Un::Log: return std::log(v);
    case Un::Neg: return -v;
    case Un::Abs: return std::abs(v);
    case Un::Erf: return std::erf(v);
    case Un::Reciprocal: return T(1) / v;
    case Un::Floor: return std::floor(v);
    case Un::Ceil: return std::ceil(v);
    case Un::Round: return std::nearbyint(v);
    case Un::Sign: return T(v > T(0)) - T(v < T(0));
    case Un::HardSigmoid:
      return std::max(T(0), std::min(T(1), T(alpha) * v + T(beta)));
    case Un::HardSwish:
      return v * std::max(T(0), std::min(T(1), T(1.0f / 6) * v + T(0.5)));
    case Un::LeakyRelu: return v < T(0) ? T(alpha) * v : v;
    case Un::Elu: return v < T(0) ? T(alpha) * (std::exp(v) - T(1)) : v;
    case Un::Selu:
      return v <= T(0) ? T(gamma) * (T(alpha) * std::exp(v) - T(alpha))
                       : T(gamma) * v;
    case Un::Softplus: return std::log(std::exp(v) + T(1));
    case Un::Softsign: return v / (T(1) + std::abs(v));
    case Un::Sin: return std::sin(v);
    case Un::Cos: return std::cos(v);
    case Un::Gelu: return T(0.5) * v * (T(1) + std::erf(v / std::sqrt(T(2))));
    case Un::Mish: return v * std::tanh(std::log(T(1) + std::exp(v)));
    }
    return v;
  };
  Tensor r = Tensor::uninitialized(x.dtype(), x.shape());
  int64_t n = x.numElements();
  if (x.dtype() == DType::F32) {
    const float *px = x.data<float>();
    float *pr = r.data<float>();
    parallelFor(node.threads, n, 1 << 15, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i)
        pr[i] = f(px[i]);
    });
  } else if (x.dtype() == DType::F64) {
    for (int64_t i = 0; i < n; ++i)
      r.data<double>()[i] = f(x.data<double>()[i]);
  } else if ((op == Un::Neg || op == Un::Abs || op == Un::Relu ||
              op == Un::Sign) &&
             (x.dtype() == DType::I64 || x.dtype() == DType::I32)) {
    for (int64_t i = 0; i < n; ++i) {
      if (x.dtype() == DType::I64) {
        int64_t v = x.data<int64_t>()[i];
        r.data<int64_t>()[i] = op == Un::Neg ? -v : op == Un::Abs ? std::abs(v)
                               : op == Un::Relu ? std::max<int64_t>(v, 0)
                                                : (v > 0) - (v < 0);
      } else {
        int32_t v = x.data<int32_t>()[i];
        r.data<int32_t>()[i] = op == Un::Neg ? -v : op == Un::Abs ? std::abs(v)
                               : op == Un::Relu ? std::max<int32_t>(v, 0)
                                                : (v > 0) - (v < 0);
      }
    }
  } else {
    error = node.describe() + ": unsupported element type " +
            dtypeName(x.dtype());
    return false;
  }
  out.push_back(r);
  return true;
}

bool identityKernel(const Node &, const Inputs &in, std::vector<Tensor> &out,
                    std::string &) {
  out.push_back(*in[0]);
  return true;
}

bool notKernel(const Node &, const Inputs &in, std::vector<Tensor> &out,
               std::string &) {
  Tensor r(DType::Bool, in[0]->shape());
  for (int64_t i = 0; i < r.numElements(); ++i)
    r.data<uint8_t>()[i] = !in[0]->data<uint8_t>()[i];
  out.push_back(r);
  return true;
}

bool clipKernel(const Node &node, const Inputs &in, std::vector<Tensor> &out,
                std::string &error) {
  const Tensor &x = *in[0];
  double lo = -std::numeric_limits<double>::infinity(), hi = -lo;
  if (node.opset < 11) {
    lo = node.getFloat("min", -std::numeric_limits<float>::max());
    hi = node.getFloat("max", std::numeric_limits<float>::max());
  }
  if (in.size() > 1 && in[1])
    lo = readScalar(*in[1], 0);
  if (in.size() > 2 && in[2])
    hi = readScalar(*in[2], 0);
  Tensor r(x.dtype(), x.shape());
  int64_t n = x.numElements();
  switch (x.dtype()) {
  case DType::F32:
    for (int64_t i = 0; i < n; ++i) {
      float v = x.data<float>()[i];
      v = v < static_cast<float>(lo) ? static_cast<float>(lo) : v;
      r.data<float>()[i] = v > static_cast<float>(hi) ? static_cast<float>(hi) : v;
    }
    break;
  case DType::I64:
    for (int64_t i = 0; i < n; ++i)
      r.data<int64_t>()[i] = static_cast<int64_t>(
          std::min<double>(std::max<double>(x.data<int64_t>()[i], lo), hi));
    break;
  default:
    for (int64_t i = 0; i < n; ++i) {
      double v = std::min(std::max(readScalar(x, i), lo), hi);
      if (x.dtype() == DType::F64) r.data<double>()[i] = v;
      else if (x.dtype() == DType::I32) r.data<int32_t>()[i] = static_cast<int32_t>(v);
      else if (x.dtype() == DType::I8) r.data<int8_t>()[i] = static_cast<int8_t>(v);
      else if (x.dtype() == DType::U8) r.data<uint8_t>()[i] = static_cast<uint8_t>(v);
      else {
        error = node.describe() + ": unsupported element type " +
                dtypeName(x.dtype());
        return false;
      }
    }
  }
  out.push_back(r);
  return true;
}

/// Stores `v` into element i of `t`, converting like a C++ static_cast
/// (ONNX Cast semantics for in-range values).
template <typename S> void storeAs(Tensor &t, int64_t i, S v) {
  switch (t.dtype()) {
  case DType::F32: t.data<float>()[i] = static_cast<float>(v); break;
  case DType::F64: t.data<double>()[i] = static_cast<double>(v); break;
  case DType::I64: t.data<int64_t>()[i] = static_cast<int64_t>(v); break;
  case DType::I32: t.data<int32_t>()[i] = static_cast<int32_t>(v); break;
  case DType::I16: t.data<int16_t>()[i] = static_cast<int16_t>(v); break;
  case DType::I8: t.data<int8_t>()[i] = static_cast<int8_t>(v); break;
  case DType::U8: t.data<uint8_t>()[i] = static_cast<uint8_t>(v); break;
  case DType::U16: t.data<uint16_t>()[i] = static_cast<uint16_t>(v); break;
  case DType::U32: t.data<uint32_t>()[i] = static_cast<uint32_t>(v); break;
  case DType::U64: t.data<uint64_t>()[i] = static_cast<uint64_t>(v); break;
  case DType::Bool: t.data<uint8_t>()[i] = v != S(0); break;
  default: break;
  }
}

bool castKernel(const Node &node, const Inputs &in, std::vector<Tensor> &out,
                std::string &error) {
  const Tensor &x = *in[0];
  std::optional<DType> to =
      node.outputTypes.empty() ? std::nullopt : node.outputTypes[0];
  if (!to) {
    error = node.describe() + ": unsupported cast from " +
            std::string(dtypeName(x.dtype()));
    return false;
  }
  Tensor r(*to, x.shape());
  int64_t n = x.numElements();
  bool half = *to == DType::F16 || *to == DType::BF16;
  for (int64_t i = 0; i < n; ++i) {
    // Half types go through float32 (as ONNX Runtime does).
    if (half) {
      float v = x.dtype() == DType::F16    ? halfToFloat(x.data<uint16_t>()[i])
                : x.dtype() == DType::BF16 ? bf16ToFloat(x.data<uint16_t>()[i])
                : x.dtype() == DType::F64 ? static_cast<float>(x.data<double>()[i])
                                           : static_cast<float>(readScalar(x, i));
      r.data<uint16_t>()[i] =
          *to == DType::F16 ? floatToHalf(v) : floatToBf16(v);
      continue;
    }
    if (x.dtype() == DType::F16 || x.dtype() == DType::BF16) {
      uint16_t h = x.data<uint16_t>()[i];
      storeAs(r, i, x.dtype() == DType::F16 ? halfToFloat(h) : bf16ToFloat(h));
      continue;
    }
    switch (x.dtype()) {
    case DType::F32: storeAs(r, i, x.data<float>()[i]); break;
    case DType::F64: storeAs(r, i, x.data<double>()[i]); break;
    case DType::I64: storeAs(r, i, x.data<int64_t>()[i]); break;
    case DType::U64: storeAs(r, i, x.data<uint64_t>()[i]); break;
    default: storeAs(r, i, readScalar(x, i)); break;
    }
  }
  out.push_back(r);
  return true;
}

bool whereKernel(const Node &node, const Inputs &in, std::vector<Tensor> &out,
                 std::string &error) {
  const Tensor &c = *in[0], &x = *in[1], &y = *in[2];
  std::vector<int64_t> s1, shape;
  if (!broadcastShape(c.shape(), x.shape(), s1) ||
      !broadcastShape(s1, y.shape(), shape) || x.dtype() != y.dtype()) {
    error = node.describe() + ": operands do not broadcast";
    return false;
  }
  Tensor r(x.dtype(), shape);
  auto sc = broadcastStrides(c.shape(), shape);
  auto sx = broadcastStrides(x.shape(), shape);
  auto sy = broadcastStrides(y.shape(), shape);
  size_t es = dtypeSize(x.dtype());
  std::vector<int64_t> idx(shape.size(), 0);
  for (int64_t o = 0; o < r.numElements(); ++o) {
    int64_t ic = 0, ix = 0, iy = 0;
    for (size_t d = 0; d < shape.size(); ++d) {
      ic += idx[d] * sc[d];
      ix += idx[d] * sx[d];
      iy += idx[d] * sy[d];
    }
    const uint8_t *src = c.data<uint8_t>()[ic]
                             ? x.data<uint8_t>() + ix * es
                             : y.data<uint8_t>() + iy * es;
    std::memcpy(r.data<uint8_t>() + o * es, src, es);
    nextIndex(idx, shape);
  }
  out.push_back(r);
  return true;
}

} // namespace

void registerElementwiseKernels(KernelTable &t) {
  t.add("Add", binaryKernel<Bin::Add>);
  t.add("Sub", binaryKernel<Bin::Sub>);
  t.add("Mul", binaryKernel<Bin::Mul>);
  t.add("Div", binaryKernel<Bin::Div>);
  t.add("Pow", binaryKernel<Bin::Pow>);
  t.add("Mod", binaryKernel<Bin::Mod>);
  t.add("Equal", binaryKernel<Bin::Equal>);
  t.add("Less", binaryKernel<Bin::Less>);
  t.add("Greater", binaryKernel<Bin::Greater>);
  t.add("LessOrEqual", binaryKernel<Bin::LessOrEqual>);
  t.add("GreaterOrEqual", binaryKernel<Bin::GreaterOrEqual>);
  t.add("And", binaryKernel<Bin::And>);
  t.add("Or", binaryKernel<Bin::Or>);
  t.add("Xor", binaryKernel<Bin::Xor>);
  t.add("Max", variadicKernel<Bin::Max>);
  t.add("Min", variadicKernel<Bin::Min>);
  t.add("Sum", variadicKernel<Bin::Add>);
  t.add("Mean", variadicKernel<Bin::Add, true>);
  t.add("Relu", unaryKernel<Un::Relu>);
  t.add("Sigmoid", unaryKernel<Un::Sigmoid>);
  t.add("Tanh", unaryKernel<Un::Tanh>);
  t.add("Sqrt", unaryKernel<Un::Sqrt>);
  t.add("Exp", unaryKernel<Un::Exp>);
  t.add("Log", unaryKernel<Un::Log>);
  t.add("Neg", unaryKernel<Un::Neg>);
  t.add("Abs", unaryKernel<Un::Abs>);
  t.add("Erf", unaryKernel<Un::Erf>);
  t.add("Reciprocal", unaryKernel<Un::Reciprocal>);
  t.add("Floor", unaryKernel<Un::Floor>);
  t.add("Ceil", unaryKernel<Un::Ceil>);
  t.add("Round", unaryKernel<Un::Round>);
  t.add("Sign", unaryKernel<Un::Sign>);
  t.add("HardSigmoid", unaryKernel<Un::HardSigmoid>);
  t.add("HardSwish", unaryKernel<Un::HardSwish>);
  t.add("LeakyRelu", unaryKernel<Un::LeakyRelu>);
  t.add("Elu", unaryKernel<Un::Elu>);
  t.add("Selu", unaryKernel<Un::Selu>);
  t.add("Softplus", unaryKernel<Un::Softplus>);
  t.add("Softsign", unaryKernel<Un::Softsign>);
  t.add("Sin", unaryKernel<Un::Sin>);
  t.add("Cos", unaryKernel<Un::Cos>);
  t.add("Gelu", unaryKernel<Un::Gelu>);
  t.add("Mish", unaryKernel<Un::Mish>);
  t.add("Identity", identityKernel);
  t.add("Not", notKernel);
  t.add("Clip", clipKernel);
  t.add("Cast", castKernel);
  t.add("Where", whereKernel);
}

} // namespace nc::rt
