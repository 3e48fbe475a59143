//===- ReduceQuantKernels.cpp - reductions and ONNX (de)quantization ------===//
//
// QuantizeLinear follows ONNX exactly: y = saturate(round_half_to_even(x /
// scale) + zero_point), per tensor or per axis; DequantizeLinear is
// (x - zero_point) * scale. (Upstream MLIR's lower-quant-ops truncates and
// does not saturate, so it is not used as a reference.)
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"

#include <algorithm>
#include <cfenv>
#include <cmath>
#include <limits>

namespace nc::rt {
namespace {

enum class Red { Sum, Mean, Max, Min, Prod, SumSquare, L1, L2, LogSumExp };

template <Red op>
bool reduceKernel(const Node &node, const Inputs &in, std::vector<Tensor> &out,
                  std::string &error) {
  const Tensor &x = *in[0];
  if (x.dtype() != DType::F32)
    return kernelError(error, node, "supports float32 only, got " + x.describe());
  // Axes moved from an attribute to an input: ReduceSum at 13, others at 18.
  bool axesInput = node.opset >= (op == Red::Sum ? 13 : 18);
  std::vector<int64_t> axes;
  if (axesInput) {
    if (in.size() > 1 && in[1] && !readInts(*in[1], axes))
      return kernelError(error, node, "axes must be int64");
  } else if (auto a = node.getInts("axes")) {
    axes = *a;
  }
  bool keep = node.getInt("keepdims", 1);
  int64_t rank = x.rank();
  std::vector<bool> reduce(rank, axes.empty());
  if (axes.empty() && axesInput && node.getInt("noop_with_empty_axes", 0)) {
    out.push_back(x);
    return true;
  }
  for (int64_t a : axes) {
    a = normalizeAxis(a, rank);
    if (a < 0 || a >= rank)
      return kernelError(error, node, "axis out of range");
    reduce[a] = true;
  }
  std::vector<int64_t> shape, kept;
  for (int64_t d = 0; d < rank; ++d) {
    if (!reduce[d]) {
      shape.push_back(x.shape()[d]);
      kept.push_back(x.shape()[d]);
    } else if (keep) {
      shape.push_back(1);
    }
  }
  Tensor y(DType::F32, shape);
  int64_t n = y.numElements();
  std::vector<double> acc(n, op == Red::Max   ? -std::numeric_limits<double>::infinity()
                             : op == Red::Min ? std::numeric_limits<double>::infinity()
                             : op == Red::Prod ? 1.0 : 0.0);
  std::vector<float> accF(n, op == Red::Prod ? 1.0f : 0.0f);
  std::vector<int64_t> idx(rank, 0);
  int64_t count = n ? x.numElements() / n : 0;
  for (int64_t i = 0; i < x.numElements(); ++i) {
    int64_t o = 0;
    for (int64_t d = 0; d < rank; ++d)
      if (!reduce[d])
        o = o * x.shape()[d] + idx[d];
    float v = x.data<float>()[i];
    switch (op) {
    case Red::Sum: case Red::Mean: accF[o] += v; break;
    case Red::Max: acc[o] = std::max<double>(acc[o], v); break;
    case Red::Min: acc[o] = std::min<double>(acc[o], v); break;
    case Red::Prod: accF[o] *= v; break;
    case Red::SumSquare: case Red::L2: accF[o] += v * v; break;
    case Red::L1: accF[o] += std::abs(v); break;
    case Red::LogSumExp: acc[o] += std::exp(double(v)); break;
    }
    nextIndex(idx, x.shape());
  }
  for (int64_t o = 0; o < n; ++o) {
    float v;
    switch (op) {
    case Red::Mean: v = accF[o] / static_cast<float>(count); break;
    case Red::Max: case Red::Min: v = static_cast<float>(acc[o]); break;
    case Red::L2: v = std::sqrt(accF[o]); break;
    case Red::LogSumExp: v = static_cast<float>(std::log(acc[o])); break;
    default: v = accF[o]; break;
    }
    y.data<float>()[o] = v;
  }
  out.push_back(y);
  return true;
}

template <bool isMax>
bool argKernel(const Node &node, const Inputs &in, std::vector<Tensor> &out,
               std::string &error) {
  const Tensor &x = *in[0];
  if (x.dtype() != DType::F32)
    return kernelError(error, node, "supports float32 only");
  int64_t axis = normalizeAxis(node.getInt("axis", 0), x.rank());
  if (axis < 0 || axis >= x.rank())
    return kernelError(error, node, "axis out of range");
  bool keep = node.getInt("keepdims", 1), last = node.getInt("select_last_index", 0);
  int64_t outer = 1, len = x.shape()[axis], inner = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= x.shape()[d];
  for (int64_t d = axis + 1; d < x.rank(); ++d) inner *= x.shape()[d];
  std::vector<int64_t> shape = x.shape();
  if (keep) shape[axis] = 1;
  else shape.erase(shape.begin() + axis);
  Tensor y(DType::I64, shape);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      const float *src = x.data<float>() + o * len * inner + i;
      int64_t best = 0;
      for (int64_t k = 1; k < len; ++k) {
        float v = src[k * inner], b = src[best * inner];
        bool better = isMax ? (last ? v >= b : v > b) : (last ? v <= b : v < b);
        if (better) best = k;
      }
      y.data<int64_t>()[o * inner + i] = best;
    }
  out.push_back(y);
  return true;
}

/// Scale, zero point and axis of a (de)quantize node: from the node's
/// quantized type (quant.qcast/dcast) or from its scale/zero-point inputs.
struct QuantParams {
  std::vector<float> scales;
  std::vector<int64_t> zeroPoints;
  int64_t axis = -1; // -1: per tensor
  DType storage = DType::U8;
};

bool quantParams(const Node &node, const Inputs &in, const Tensor &data,
                 QuantParams &q, std::string &error) {
  if (auto s = node.getFloats("nc.scales")) {
    q.scales = *s;
    q.zeroPoints = *node.getInts("nc.zero_points");
    q.axis = node.getInt("nc.axis", -1);
    q.storage = static_cast<DType>(node.getInt("nc.storage", 0));
    return true;
  }
  if (in.size() < 2 || !in[1] || in[1]->dtype() != DType::F32)
    return kernelError(error, node, "needs a float32 scale");
  for (int64_t i = 0; i < in[1]->numElements(); ++i)
    q.scales.push_back(in[1]->data<float>()[i]);
  if (in.size() > 2 && in[2]) {
    q.storage = in[2]->dtype();
    for (int64_t i = 0; i < in[2]->numElements(); ++i)
      q.zeroPoints.push_back(static_cast<int64_t>(readScalar(*in[2], i)));
  } else {
    q.zeroPoints.assign(q.scales.size(), 0);
    if (!node.outputTypes.empty() && node.outputTypes[0])
      q.storage = *node.outputTypes[0];
  }
  if (node.get("block_size") && node.getInt("block_size", 0) != 0)
    return kernelError(error, node, "blocked quantization is not supported");
  if (in[1]->rank() > 0 && in[1]->numElements() > 1)
    q.axis = normalizeAxis(node.getInt("axis", 1), data.rank());
  if (q.zeroPoints.size() != q.scales.size())
    return kernelError(error, node, "scale and zero point differ in size");
  if (q.axis >= 0 &&
      (q.axis >= data.rank() ||
       data.shape()[q.axis] != static_cast<int64_t>(q.scales.size())))
    return kernelError(error, node, "per-axis parameters do not match the data");
  return true;
}

void storageRange(DType t, int64_t &lo, int64_t &hi) {
  switch (t) {
  case DType::I8: lo = -128; hi = 127; break;
  case DType::U16: lo = 0; hi = 65535; break;
  case DType::I16: lo = -32768; hi = 32767; break;
  case DType::I32: lo = std::numeric_limits<int32_t>::min(); hi = std::numeric_limits<int32_t>::max(); break;
  default: lo = 0; hi = 255; break;
  }
}

/// Index of the per-axis parameter of element i.
int64_t channelOf(int64_t i, const Tensor &t, int64_t axis) {
  if (axis < 0)
    return 0;
  int64_t inner = 1;
  for (int64_t d = axis + 1; d < t.rank(); ++d)
    inner *= t.shape()[d];
  return (i / inner) % t.shape()[axis];
}

bool quantizeKernel(const Node &node, const Inputs &in,
                    std::vector<Tensor> &out, std::string &error) {
  const Tensor &x = *in[0];
  if (x.dtype() != DType::F32)
    return kernelError(error, node, "quantizes float32 only");
  QuantParams q;
  if (!quantParams(node, in, x, q, error))
    return false;
  int64_t lo, hi;
  storageRange(q.storage, lo, hi);
  Tensor y(q.storage, x.shape());
  int saved = std::fegetround();
  std::fesetround(FE_TONEAREST);
  for (int64_t i = 0; i < x.numElements(); ++i) {
    int64_t c = channelOf(i, x, q.axis);
    // ONNX: divide (not multiply by the reciprocal), round half to even.
    float v = std::nearbyint(x.data<float>()[i] / q.scales[c]);
    double r = static_cast<double>(v) + q.zeroPoints[c];
    int64_t s = std::isnan(r) ? 0 : static_cast<int64_t>(std::clamp<double>(r, lo, hi));
    switch (q.storage) {
    case DType::I8: y.data<int8_t>()[i] = static_cast<int8_t>(s); break;
    case DType::U16: y.data<uint16_t>()[i] = static_cast<uint16_t>(s); break;
    case DType::I16: y.data<int16_t>()[i] = static_cast<int16_t>(s); break;
    case DType::I32: y.data<int32_t>()[i] = static_cast<int32_t>(s); break;
    default: y.data<uint8_t>()[i] = static_cast<uint8_t>(s); break;
    }
  }
  std::fesetround(saved);
  out.push_back(y);
  return true;
}

bool dequantizeKernel(const Node &node, const Inputs &in,
                      std::vector<Tensor> &out, std::string &error) {
  const Tensor &x = *in[0];
  QuantParams q;
  if (!quantParams(node, in, x, q, error))
    return false;
  Tensor y(DType::F32, x.shape());
  for (int64_t i = 0; i < x.numElements(); ++i) {
    int64_t c = channelOf(i, x, q.axis);
    int64_t v = static_cast<int64_t>(readScalar(x, i));
    y.data<float>()[i] = static_cast<float>(v - q.zeroPoints[c]) * q.scales[c];
  }
  out.push_back(y);
  return true;
}

} // namespace

void registerReduceKernels(KernelTable &t) {
  t.add("ReduceSum", reduceKernel<Red::Sum>);
  t.add("ReduceMean", reduceKernel<Red::Mean>);
  t.add("ReduceMax", reduceKernel<Red::Max>);
  t.add("ReduceMin", reduceKernel<Red::Min>);
  t.add("ReduceProd", reduceKernel<Red::Prod>);
  t.add("ReduceSumSquare", reduceKernel<Red::SumSquare>);
  t.add("ReduceL1", reduceKernel<Red::L1>);
  t.add("ReduceL2", reduceKernel<Red::L2>);
  t.add("ReduceLogSumExp", reduceKernel<Red::LogSumExp>);
  t.add("ArgMax", argKernel<true>);
  t.add("ArgMin", argKernel<false>);
}

void registerQuantKernels(KernelTable &t) {
  t.add("QuantizeLinear", quantizeKernel);
  t.add("DequantizeLinear", dequantizeKernel);
}

} // namespace nc::rt
