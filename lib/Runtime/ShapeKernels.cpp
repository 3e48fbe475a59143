//===- ShapeKernels.cpp - ONNX data movement and shape kernels ------------===//

#include "Kernels.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

namespace nc::rt {
namespace {

std::string shapeString(const std::vector<int64_t> &s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i)
    r += (i ? "," : "") + std::to_string(s[i]);
  return r + "]";
}

bool shapeKernel(const Node &node, const Inputs &in, std::vector<Tensor> &out,
                 std::string &) {
  const auto &s = in[0]->shape();
  int64_t rank = s.size();
  int64_t start = normalizeAxis(node.getInt("start", 0), rank);
  int64_t end = node.get("end") ? normalizeAxis(node.getInt("end", rank), rank)
                                : rank;
  start = std::clamp<int64_t>(start, 0, rank);
  end = std::clamp<int64_t>(end, start, rank);
  Tensor r(DType::I64, {end - start});
  for (int64_t i = start; i < end; ++i)
    r.data<int64_t>()[i - start] = s[i];
  out.push_back(r);
  return true;
}

bool sizeKernel(const Node &, const Inputs &in, std::vector<Tensor> &out,
                std::string &) {
  Tensor r(DType::I64, {});
  r.data<int64_t>()[0] = in[0]->numElements();
  out.push_back(r);
  return true;
}

bool reshapeKernel(const Node &node, const Inputs &in, std::vector<Tensor> &out,
                   std::string &error) {
  const Tensor &x = *in[0];
  std::vector<int64_t> target;
  if (node.opset < 5) {
    auto s = node.getInts("shape");
    if (!s)
      return kernelError(error, node, "missing 'shape'");
    target = *s;
  } else if (!readInts(*in[1], target)) {
    return kernelError(error, node, "shape must be an integer tensor");
  }
  bool allowZero = node.getInt("allowzero", 0) != 0;
  int64_t known = 1, inferred = -1;
  for (size_t i = 0; i < target.size(); ++i) {
    if (target[i] == 0 && !allowZero) {
      if (i >= x.shape().size())
        return kernelError(error, node, "0 in shape past the input's rank");
      target[i] = x.shape()[i];
    }
    if (target[i] == -1) {
      if (inferred >= 0)
        return kernelError(error, node, "more than one -1 in shape");
      inferred = i;
    } else if (target[i] < 0) {
      return kernelError(error, node, "negative dimension in shape");
    } else {
      known *= target[i];
    }
  }
  if (inferred >= 0) {
    if (known == 0 || x.numElements() % known)
      return kernelError(error, node, "cannot reshape " + x.describe() + " to " +
                                   shapeString(target));
    target[inferred] = x.numElements() / known;
  }
  int64_t n = std::accumulate(target.begin(), target.end(), int64_t(1),
                              std::multiplies<int64_t>());
  if (n != x.numElements())
    return kernelError(error, node, "cannot reshape " + x.describe() + " to " +
                                 shapeString(target));
  out.push_back(x.reshaped(target));
  return true;
}

bool flattenKernel(const Node &node, const Inputs &in, std::vector<Tensor> &out,
                   std::string &error) {
  const Tensor &x = *in[0];
  int64_t axis = normalizeAxis(node.getInt("axis", 1), x.rank());
  if (axis < 0 || axis > x.rank())
    return kernelError(error, node, "axis out of range");
  int64_t a = 1, b = 1;
  for (int64_t i = 0; i < x.rank(); ++i)
    (i < axis ? a : b) *= x.shape()[i];
  out.push_back(x.reshaped({a, b}));
  return true;
}

bool axesOf(const Node &node, const Inputs &in, std::vector<int64_t> &axes,
            bool &given) {
  given = false;
  if (node.opset >= 13) {
    if (in.size() > 1 && in[1]) {
      given = true;
      return readInts(*in[1], axes);
    }
    return true;
  }
  if (auto a = node.getInts("axes")) {
    axes = *a;
    given = true;
  }
  return true;
}

bool squeezeKernel(const Node &node, const Inputs &in, std::vector<Tensor> &out,
                   std::string &error) {
  const Tensor &x = *in[0];
  std::vector<int64_t> axes;
  bool given;
  if (!axesOf(node, in, axes, given))
    return kernelError(error, node, "axes must be integers");
  std::vector<bool> drop(x.rank(), false);
  if (!given) {
    for (int64_t i = 0; i < x.rank(); ++i)
      drop[i] = x.shape()[i] == 1;
  }
  for (int64_t a : axes) {
    a = normalizeAxis(a, x.rank());
    if (a < 0 || a >= x.rank() || x.shape()[a] != 1)
      return kernelError(error, node, "cannot squeeze axis " + std::to_string(a) +
                                   " of " + x.describe());
    drop[a] = true;
  }
  std::vector<int64_t> shape;
  for (int64_t i = 0; i < x.rank(); ++i)
    if (!drop[i])
      shape.push_back(x.shape()[i]);
  out.push_back(x.reshaped(shape));
  return true;
}

bool unsqueezeKernel(const Node &node, const Inputs &in,
                     std::vector<Tensor> &out, std::string &error) {
  const Tensor &x = *in[0];
  std::vector<int64_t> axes;
  bool given;
  if (!axesOf(node, in, axes, given) || !given)
    return kernelError(error, node, "needs integer axes");
  int64_t rank = x.rank() + axes.size();
  std::vector<bool> inserted(rank, false);
  for (int64_t a : axes) {
    a = normalizeAxis(a, rank);
    if (a < 0 || a >= rank || inserted[a])
      return kernelError(error, node, "bad axis " + std::to_string(a));
    inserted[a] = true;
  }
  std::vector<int64_t> shape;
  int64_t next = 0;
  for (int64_t i = 0; i < rank; ++i)
    shape.push_back(inserted[i] ? 1 : x.shape()[next++]);
  out.push_back(x.reshaped(shape));
  return true;
}

/// Copies a strided view of `x` (offset, per-output-dim strides in
/// elements) into a new dense tensor of `shape`.
Tensor gatherStrided(const Tensor &x, const std::vector<int64_t> &shape,
                     int64_t offset, const std::vector<int64_t> &strides) {
  Tensor r(x.dtype(), shape);
  size_t es = dtypeSize(x.dtype());
  int64_t n = r.numElements();
  if (n == 0)
    return r;
  size_t rank = shape.size();
  if (rank == 0) {
    std::memcpy(r.data(), x.data<uint8_t>() + offset * es, es);
    return r;
  }
  std::vector<int64_t> idx(rank, 0);
  int64_t src = offset;
  const uint8_t *px = x.data<uint8_t>();
  uint8_t *pr = r.data<uint8_t>();
  int64_t inner = shape[rank - 1], is = strides[rank - 1];
  for (int64_t o = 0; o < n; o += inner) {
    if (is == 1) {
      std::memcpy(pr + o * es, px + src * es, inner * es);
    } else {
      for (int64_t k = 0; k < inner; ++k)
        std::memcpy(pr + (o + k) * es, px + (src + k * is) * es, es);
    }
    for (int64_t d = static_cast<int64_t>(rank) - 2; d >= 0; --d) {
      src += strides[d];
      if (++idx[d] < shape[d])
        break;
      src -= strides[d] * shape[d];
      idx[d] = 0;
    }
  }
  return r;
}

std::vector<int64_t> denseStrides(const std::vector<int64_t> &shape) {
  std::vector<int64_t> s(shape.size(), 1);
  for (int64_t i = static_cast<int64_t>(shape.size()) - 2; i >= 0; --i)
    s[i] = s[i + 1] * shape[i + 1];
  return s;
}

bool transposeKernel(const Node &node, const Inputs &in,
                     std::vector<Tensor> &out, std::string &error) {
  const Tensor &x = *in[0];
  std::vector<int64_t> perm(x.rank());
  if (auto p = node.getInts("perm"))
    perm = *p;
  else
    for (int64_t i = 0; i < x.rank(); ++i)
      perm[i] = x.rank() - 1 - i;
  if (static_cast<int64_t>(perm.size()) != x.rank())
    return kernelError(error, node, "perm does not match the rank of " + x.describe());
  auto xs = denseStrides(x.shape());
  std::vector<int64_t> shape, strides;
  for (int64_t p : perm) {
    if (p < 0 || p >= x.rank())
      return kernelError(error, node, "bad perm");
    shape.push_back(x.shape()[p]);
    strides.push_back(xs[p]);
  }
  out.push_back(gatherStrided(x, shape, 0, strides));
  return true;
}

bool concatKernel(const Node &node, const Inputs &in, std::vector<Tensor> &out,
                  std::string &error) {
  const Tensor *first = nullptr;
  for (const Tensor *t : in)
    if (t && (!first || t->rank() > first->rank()))
      first = t;
  int64_t rank = first->rank();
  int64_t axis = normalizeAxis(node.getInt("axis", 1), rank);
  if (axis < 0 || axis >= rank)
    return kernelError(error, node, "axis out of range");
  std::vector<int64_t> shape = first->shape();
  shape[axis] = 0;
  for (const Tensor *t : in) {
    if (t->rank() != rank || t->dtype() != first->dtype())
      return kernelError(error, node, "inputs differ in rank or type");
    for (int64_t d = 0; d < rank; ++d)
      if (d != axis && t->shape()[d] != shape[d])
        return kernelError(error, node, "inputs differ in dimension " + std::to_string(d));
    shape[axis] += t->shape()[axis];
  }
  Tensor r(first->dtype(), shape);
  size_t es = dtypeSize(first->dtype());
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d)
    outer *= shape[d];
  for (int64_t d = axis + 1; d < rank; ++d)
    inner *= shape[d];
  int64_t rowOut = shape[axis] * inner * es, offset = 0;
  for (const Tensor *t : in) {
    int64_t row = t->shape()[axis] * inner * es;
    for (int64_t o = 0; o < outer; ++o)
      std::memcpy(r.data<uint8_t>() + o * rowOut + offset,
                  t->data<uint8_t>() + o * row, row);
    offset += row;
  }
  out.push_back(r);
  return true;
}

bool sliceKernel(const Node &node, const Inputs &in, std::vector<Tensor> &out,
                 std::string &error) {
  const Tensor &x = *in[0];
  std::vector<int64_t> starts, ends, axes, steps;
  if (node.opset < 10) {
    starts = node.getInts("starts").value_or(std::vector<int64_t>{});
    ends = node.getInts("ends").value_or(std::vector<int64_t>{});
    axes = node.getInts("axes").value_or(std::vector<int64_t>{});
  } else {
    if (!readInts(*in[1], starts) || !readInts(*in[2], ends) ||
        (in.size() > 3 && in[3] && !readInts(*in[3], axes)) ||
        (in.size() > 4 && in[4] && !readInts(*in[4], steps)))
      return kernelError(error, node, "starts/ends/axes/steps must be integers");
  }
  if (axes.empty())
    for (size_t i = 0; i < starts.size(); ++i)
      axes.push_back(i);
  if (steps.empty())
    steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() ||
      steps.size() != starts.size())
    return kernelError(error, node, "starts, ends, axes and steps differ in length");
  std::vector<int64_t> shape = x.shape(), strides = denseStrides(x.shape());
  std::vector<int64_t> begin(x.rank(), 0), step(x.rank(), 1);
  for (size_t i = 0; i < starts.size(); ++i) {
    int64_t a = normalizeAxis(axes[i], x.rank());
    if (a < 0 || a >= x.rank() || steps[i] == 0)
      return kernelError(error, node, "bad axis or zero step");
    int64_t dim = x.shape()[a], s = starts[i], e = ends[i], st = steps[i];
    if (s < 0) s += dim;
    if (e < 0) e += dim;
    if (st > 0) {
      s = std::clamp<int64_t>(s, 0, dim);
      e = std::clamp<int64_t>(e, 0, dim);
      shape[a] = e > s ? (e - s + st - 1) / st : 0;
    } else {
      s = std::clamp<int64_t>(s, 0, dim - 1);
      e = std::clamp<int64_t>(e, -1, dim - 1);
      shape[a] = s > e ? (s - e - st - 1) / -st : 0;
    }
    begin[a] = s;
    step[a] = st;
  }
  int64_t offset = 0;
  std::vector<int64_t> outStrides(x.rank());
  for (int64_t d = 0; d < x.rank(); ++d) {
    offset += begin[d] * strides[d];
    outStrides[d] = strides[d] * step[d];
  }
  out.push_back(gatherStrided(x, shape, offset, outStrides));
  return true;
}

bool gatherKernel(const Node &node, const Inputs &in, std::vector<Tensor> &out,
                  std::string &error) {
  const Tensor &x = *in[0];
  std::vector<int64_t> idx;
  if (!readInts(*in[1], idx))
    return kernelError(error, node, "indices must be integers");
  int64_t axis = normalizeAxis(node.getInt("axis", 0), x.rank());
  if (axis < 0 || axis >= x.rank())
    return kernelError(error, node, "axis out of range");
  int64_t dim = x.shape()[axis];
  std::vector<int64_t> shape(x.shape().begin(), x.shape().begin() + axis);
  shape.insert(shape.end(), in[1]->shape().begin(), in[1]->shape().end());
  shape.insert(shape.end(), x.shape().begin() + axis + 1, x.shape().end());
  Tensor r(x.dtype(), shape);
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= x.shape()[d];
  for (int64_t d = axis + 1; d < x.rank(); ++d) inner *= x.shape()[d];
  size_t row = inner * dtypeSize(x.dtype());
  for (int64_t o = 0; o < outer; ++o)
    for (size_t k = 0; k < idx.size(); ++k) {
      int64_t i = idx[k] < 0 ? idx[k] + dim : idx[k];
      if (i < 0 || i >= dim)
        return kernelError(error, node, "index " + std::to_string(idx[k]) +
                                     " out of range for dimension " +
                                     std::to_string(dim));
      std::memcpy(r.data<uint8_t>() + (o * idx.size() + k) * row,
                  x.data<uint8_t>() + (o * dim + i) * row, row);
    }
  out.push_back(r);
  return true;
}

bool expandKernel(const Node &node, const Inputs &in, std::vector<Tensor> &out,
                  std::string &error) {
  const Tensor &x = *in[0];
  std::vector<int64_t> target, shape;
  if (!readInts(*in[1], target) || !broadcastShape(x.shape(), target, shape))
    return kernelError(error, node, "cannot expand " + x.describe());
  out.push_back(gatherStrided(x, shape, 0, broadcastStrides(x.shape(), shape)));
  return true;
}

bool constantOfShapeKernel(const Node &node, const Inputs &in,
                           std::vector<Tensor> &out, std::string &error) {
  std::vector<int64_t> shape;
  if (!readInts(*in[0], shape))
    return kernelError(error, node, "shape must be int64");
  const Attr *v = node.get("value");
  DType dt = v && v->kind == Attr::TensorValue ? v->tensor.dtype() : DType::F32;
  Tensor r(dt, shape);
  if (v && v->kind == Attr::TensorValue) {
    size_t es = dtypeSize(dt);
    for (int64_t i = 0; i < r.numElements(); ++i)
      std::memcpy(r.data<uint8_t>() + i * es, v->tensor.data(), es);
  }
  out.push_back(r);
  return true;
}

bool rangeKernel(const Node &node, const Inputs &in, std::vector<Tensor> &out,
                 std::string &error) {
  double start = readScalar(*in[0], 0), limit = readScalar(*in[1], 0),
         delta = readScalar(*in[2], 0);
  if (delta == 0)
    return kernelError(error, node, "delta is zero");
  int64_t n = std::max<int64_t>(0, std::ceil((limit - start) / delta));
  Tensor r(in[0]->dtype(), {n});
  for (int64_t i = 0; i < n; ++i) {
    double v = start + i * delta;
    switch (r.dtype()) {
    case DType::F32: r.data<float>()[i] = static_cast<float>(start) + i * static_cast<float>(delta); break;
    case DType::F64: r.data<double>()[i] = v; break;
    case DType::I64: r.data<int64_t>()[i] = static_cast<int64_t>(start) + i * static_cast<int64_t>(delta); break;
    case DType::I32: r.data<int32_t>()[i] = static_cast<int32_t>(start) + i * static_cast<int32_t>(delta); break;
    default: return kernelError(error, node, "unsupported element type");
    }
  }
  out.push_back(r);
  return true;
}

bool padKernel(const Node &node, const Inputs &in, std::vector<Tensor> &out,
               std::string &error) {
  const Tensor &x = *in[0];
  std::vector<int64_t> pads, axes;
  if (node.opset < 11)
    pads = node.getInts("pads").value_or(std::vector<int64_t>{});
  else if (!readInts(*in[1], pads))
    return kernelError(error, node, "pads must be int64");
  int64_t rank = x.rank();
  if (in.size() > 3 && in[3]) {
    readInts(*in[3], axes);
  } else {
    for (int64_t i = 0; i < rank; ++i)
      axes.push_back(i);
  }
  if (pads.size() != 2 * axes.size())
    return kernelError(error, node, "pads has the wrong length");
  std::vector<int64_t> before(rank, 0), after(rank, 0);
  for (size_t i = 0; i < axes.size(); ++i) {
    int64_t a = normalizeAxis(axes[i], rank);
    before[a] = pads[i];
    after[a] = pads[i + axes.size()];
  }
  std::string mode = node.getString("mode", "constant");
  double value = node.opset < 11 ? node.getFloat("value", 0)
                 : (in.size() > 2 && in[2] && in[2]->numElements())
                     ? readScalar(*in[2], 0) : 0;
  std::vector<int64_t> shape(rank);
  for (int64_t d = 0; d < rank; ++d) {
    shape[d] = x.shape()[d] + before[d] + after[d];
    if (shape[d] < 0)
      return kernelError(error, node, "negative output dimension");
  }
  if (x.dtype() != DType::F32 && !(mode == "constant" || mode == "edge"))
    return kernelError(error, node, "unsupported element type for this mode");
  Tensor r(x.dtype(), shape);
  size_t es = dtypeSize(x.dtype());
  std::vector<int64_t> idx(rank, 0), xs = denseStrides(x.shape());
  for (int64_t o = 0; o < r.numElements(); ++o) {
    int64_t src = 0;
    bool inside = true;
    for (int64_t d = 0; d < rank && inside; ++d) {
      int64_t i = idx[d] - before[d], n = x.shape()[d];
      if (i < 0 || i >= n) {
        if (mode == "constant" || n == 0) {
          inside = false;
        } else if (mode == "edge") {
          i = std::clamp<int64_t>(i, 0, n - 1);
        } else if (mode == "reflect") {
          int64_t period = 2 * (n - 1);
          if (period == 0) i = 0;
          else {
            i = ((i % period) + period) % period;
            if (i >= n) i = period - i;
          }
        } else { // wrap
          i = ((i % n) + n) % n;
        }
      }
      src += i * xs[d];
    }
    if (inside) {
      std::memcpy(r.data<uint8_t>() + o * es, x.data<uint8_t>() + src * es, es);
    } else {
      switch (x.dtype()) {
      case DType::F32: r.data<float>()[o] = static_cast<float>(value); break;
      case DType::F64: r.data<double>()[o] = value; break;
      case DType::I64: r.data<int64_t>()[o] = static_cast<int64_t>(value); break;
      case DType::I32: r.data<int32_t>()[o] = static_cast<int32_t>(value); break;
      case DType::U8: r.data<uint8_t>()[o] = static_cast<uint8_t>(value); break;
      case DType::I8: r.data<int8_t>()[o] = static_cast<int8_t>(value); break;
      default: break;
      }
    }
    nextIndex(idx, shape);
  }
  out.push_back(r);
  return true;
}

bool splitKernel(const Node &node, const Inputs &in, std::vector<Tensor> &out,
                 std::string &error) {
  const Tensor &x = *in[0];
  int64_t axis = normalizeAxis(node.getInt("axis", 0), x.rank());
  if (axis < 0 || axis >= x.rank())
    return kernelError(error, node, "axis out of range");
  std::vector<int64_t> sizes;
  if (node.opset >= 13 && in.size() > 1 && in[1])
    readInts(*in[1], sizes);
  else if (auto s = node.getInts("split"))
    sizes = *s;
  size_t n = node.outputs.size();
  int64_t dim = x.shape()[axis];
  if (sizes.empty()) {
    int64_t chunk = (dim + n - 1) / n;
    for (size_t i = 0; i < n; ++i)
      sizes.push_back(std::min<int64_t>(chunk, dim - chunk * i));
  }
  if (sizes.size() != n)
    return kernelError(error, node, "split sizes do not match the outputs");
  int64_t begin = 0;
  auto strides = denseStrides(x.shape());
  for (int64_t s : sizes) {
    std::vector<int64_t> shape = x.shape();
    shape[axis] = s;
    out.push_back(gatherStrided(x, shape, begin * strides[axis], strides));
    begin += s;
  }
  if (begin != dim)
    return kernelError(error, node, "split sizes do not add up to the dimension");
  return true;
}

bool tileKernel(const Node &node, const Inputs &in, std::vector<Tensor> &out,
                std::string &error) {
  const Tensor &x = *in[0];
  std::vector<int64_t> reps;
  if (!readInts(*in[1], reps) || static_cast<int64_t>(reps.size()) != x.rank())
    return kernelError(error, node, "repeats must have one entry per axis");
  std::vector<int64_t> shape(x.rank());
  for (int64_t d = 0; d < x.rank(); ++d)
    shape[d] = x.shape()[d] * reps[d];
  Tensor r(x.dtype(), shape);
  size_t es = dtypeSize(x.dtype());
  auto xs = denseStrides(x.shape());
  std::vector<int64_t> idx(x.rank(), 0);
  for (int64_t o = 0; o < r.numElements(); ++o) {
    int64_t src = 0;
    for (int64_t d = 0; d < x.rank(); ++d)
      src += (idx[d] % x.shape()[d]) * xs[d];
    std::memcpy(r.data<uint8_t>() + o * es, x.data<uint8_t>() + src * es, es);
    nextIndex(idx, shape);
  }
  out.push_back(r);
  return true;
}

} // namespace

Tensor denseCopy(const Tensor &x, const std::vector<int64_t> &shape,
                 int64_t offset, const std::vector<int64_t> &strides) {
  return gatherStrided(x, shape, offset, strides);
}

void registerShapeKernels(KernelTable &t) {
  t.add("Shape", shapeKernel);
  t.add("Size", sizeKernel);
  t.add("Reshape", reshapeKernel);
  t.add("Flatten", flattenKernel);
  t.add("Squeeze", squeezeKernel);
  t.add("Unsqueeze", unsqueezeKernel);
  t.add("Transpose", transposeKernel);
  t.add("Concat", concatKernel);
  t.add("Slice", sliceKernel);
  t.add("Gather", gatherKernel);
  t.add("Expand", expandKernel);
  t.add("ConstantOfShape", constantOfShapeKernel);
  t.add("Range", rangeKernel);
  t.add("Pad", padKernel);
  t.add("Split", splitKernel);
  t.add("Tile", tileKernel);
}

} // namespace nc::rt
