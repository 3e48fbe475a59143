//===- NNKernels.cpp - convolution, pooling, products, normalization ------===//
//
// Straightforward kernels, accumulating in float in ONNX's loop order so
// that they serve as references. Convolution lowers each group to a matrix
// product over an im2col buffer; matrix products split rows across threads.
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace nc::rt {
namespace {

bool requireF32(const Node &node, const Inputs &in, std::string &error) {
  for (const Tensor *t : in)
    if (t && t->dtype() != DType::F32)
      return kernelError(error, node, "supports float32 only, got " + t->describe());
  return true;
}

/// C[m x n] (+)= A[m x k] * B[k x n], row-major with leading dimensions.
void gemm(int threads, int64_t m, int64_t n, int64_t k, const float *a,
          int64_t lda, const float *b, int64_t ldb, float *c, int64_t ldc,
          bool accumulate) {
  parallelFor(threads, m, 4, [&](int64_t m0, int64_t m1) {
    for (int64_t i = m0; i < m1; ++i) {
      float *row = c + i * ldc;
      if (!accumulate)
        std::fill(row, row + n, 0.0f);
      for (int64_t p = 0; p < k; ++p) {
        float av = a[i * lda + p];
        if (av == 0.0f)
          continue;
        const float *brow = b + p * ldb;
        for (int64_t j = 0; j < n; ++j)
          row[j] += av * brow[j];
      }
    }
  });
}

} // namespace

bool resolveWindow(const Node &node, const std::vector<int64_t> &xShape,
                   std::vector<int64_t> kernel, bool ceilMode, Window &w,
                   std::string &error) {
  w.spatial = xShape.size() - 2;
  w.kernel = kernel;
  w.strides = node.getInts("strides").value_or(std::vector<int64_t>(w.spatial, 1));
  w.dilations = node.getInts("dilations").value_or(std::vector<int64_t>(w.spatial, 1));
  auto pads = node.getInts("pads").value_or(std::vector<int64_t>(2 * w.spatial, 0));
  if (static_cast<int64_t>(w.kernel.size()) != w.spatial ||
      static_cast<int64_t>(w.strides.size()) != w.spatial ||
      static_cast<int64_t>(w.dilations.size()) != w.spatial ||
      static_cast<int64_t>(pads.size()) != 2 * w.spatial)
    return kernelError(error, node, "window attributes do not match the input rank");
  std::string autoPad = node.getString("auto_pad", "NOTSET");
  w.in.assign(xShape.begin() + 2, xShape.end());
  w.padBegin.resize(w.spatial);
  w.padEnd.resize(w.spatial);
  w.out.resize(w.spatial);
  for (int64_t i = 0; i < w.spatial; ++i) {
    int64_t eff = (w.kernel[i] - 1) * w.dilations[i] + 1;
    int64_t in = w.in[i], s = w.strides[i];
    if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
      int64_t out = (in + s - 1) / s;
      int64_t total = std::max<int64_t>(0, (out - 1) * s + eff - in);
      w.padBegin[i] = autoPad == "SAME_UPPER" ? total / 2 : total - total / 2;
      w.padEnd[i] = total - w.padBegin[i];
      w.out[i] = out;
      continue;
    }
    if (autoPad == "VALID") {
      w.padBegin[i] = w.padEnd[i] = 0;
    } else {
      w.padBegin[i] = pads[i];
      w.padEnd[i] = pads[i + w.spatial];
    }
    int64_t span = in + w.padBegin[i] + w.padEnd[i] - eff;
    if (span < 0)
      return kernelError(error, node, "the window is larger than the padded input");
    int64_t out = (ceilMode ? (span + s - 1) / s : span / s) + 1;
    if (ceilMode && (out - 1) * s >= in + w.padBegin[i])
      --out;
    w.out[i] = out;
  }
  return true;
}

namespace {

int64_t product(const std::vector<int64_t> &v) {
  int64_t p = 1;
  for (int64_t x : v)
    p *= x;
  return p;
}

/// Unflattens `index` over `dims` into `idx`.
void unflatten(int64_t index, const std::vector<int64_t> &dims,
               std::vector<int64_t> &idx) {
  for (int64_t d = static_cast<int64_t>(dims.size()) - 1; d >= 0; --d) {
    idx[d] = index % dims[d];
    index /= dims[d];
  }
}

} // namespace

bool referenceConv(const Node &node, const Inputs &in, std::vector<Tensor> &out,
                std::string &error) {
  if (!requireF32(node, in, error))
    return false;
  const Tensor &x = *in[0], &w = *in[1];
  const Tensor *b = in.size() > 2 ? in[2] : nullptr;
  if (x.rank() < 3 || w.rank() != x.rank())
    return kernelError(error, node, "input " + x.describe() + " and weight " +
                                 w.describe() + " do not fit");
  int64_t group = node.getInt("group", 1);
  int64_t n = x.shape()[0], c = x.shape()[1], m = w.shape()[0];
  if (group <= 0 || c % group || m % group || w.shape()[1] != c / group)
    return kernelError(error, node, "channels do not fit the groups");
  std::vector<int64_t> kernel(w.shape().begin() + 2, w.shape().end());
  Window win;
  if (!resolveWindow(node, x.shape(), kernel, false, win, error))
    return false;
  std::vector<int64_t> shape{n, m};
  shape.insert(shape.end(), win.out.begin(), win.out.end());
  Tensor y(DType::F32, shape);
  int64_t cg = c / group, mg = m / group;
  int64_t kSize = product(kernel), outSize = product(win.out),
          inSize = product(win.in);
  int64_t rows = cg * kSize;
  std::vector<float> col(rows * outSize);
  std::vector<int64_t> kIdx(win.spatial), oIdx(win.spatial);
  // Precompute, for each (kernel offset, output position), the input offset
  // or -1 for padding.
  std::vector<int64_t> offsets(kSize * outSize);
  for (int64_t k = 0; k < kSize; ++k) {
    unflatten(k, kernel, kIdx);
    for (int64_t o = 0; o < outSize; ++o) {
      unflatten(o, win.out, oIdx);
      int64_t off = 0;
      for (int64_t d = 0; d < win.spatial; ++d) {
        int64_t pos = oIdx[d] * win.strides[d] - win.padBegin[d] +
                      kIdx[d] * win.dilations[d];
        if (pos < 0 || pos >= win.in[d]) {
          off = -1;
          break;
        }
        off = off * win.in[d] + pos;
      }
      offsets[k * outSize + o] = off;
    }
  }
  for (int64_t img = 0; img < n; ++img)
    for (int64_t g = 0; g < group; ++g) {
      const float *xg = x.data<float>() + (img * c + g * cg) * inSize;
      for (int64_t ci = 0; ci < cg; ++ci)
        for (int64_t k = 0; k < kSize; ++k) {
          float *dst = col.data() + (ci * kSize + k) * outSize;
          const int64_t *off = offsets.data() + k * outSize;
          const float *src = xg + ci * inSize;
          for (int64_t o = 0; o < outSize; ++o)
            dst[o] = off[o] < 0 ? 0.0f : src[off[o]];
        }
      float *yg = y.data<float>() + (img * m + g * mg) * outSize;
      gemm(node.threads, mg, outSize, rows, w.data<float>() + g * mg * rows,
           rows, col.data(), outSize, yg, outSize, false);
      if (b)
        for (int64_t oc = 0; oc < mg; ++oc) {
          float bias = b->data<float>()[g * mg + oc];
          for (int64_t o = 0; o < outSize; ++o)
            yg[oc * outSize + o] += bias;
        }
    }
  out.push_back(y);
  return true;
}


bool convTransposeGeometry(const Node &node, const Tensor &x, const Tensor &w,
                           std::vector<int64_t> &outDims,
                           std::vector<int64_t> &pads, std::string &error) {
  int64_t spatial = x.rank() - 2;
  std::vector<int64_t> kernel(w.shape().begin() + 2, w.shape().end());
  auto strides = node.getInts("strides").value_or(std::vector<int64_t>(spatial, 1));
  auto dil = node.getInts("dilations").value_or(std::vector<int64_t>(spatial, 1));
  auto outPad = node.getInts("output_padding").value_or(std::vector<int64_t>(spatial, 0));
  pads = node.getInts("pads").value_or(std::vector<int64_t>(2 * spatial, 0));
  if (static_cast<int64_t>(strides.size()) != spatial ||
      static_cast<int64_t>(dil.size()) != spatial ||
      static_cast<int64_t>(outPad.size()) != spatial ||
      static_cast<int64_t>(pads.size()) != 2 * spatial)
    return kernelError(error, node, "window attributes do not match the input rank");
  std::string autoPad = node.getString("auto_pad", "NOTSET");
  auto outShape = node.getInts("output_shape");
  outDims.assign(spatial, 0);
  for (int64_t d = 0; d < spatial; ++d) {
    int64_t in = x.shape()[d + 2];
    int64_t full = strides[d] * (in - 1) + outPad[d] + (kernel[d] - 1) * dil[d] + 1;
    bool same = autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER";
    if (outShape || same) {
      // ONNX: total padding from the requested output size; SAME_UPPER puts
      // the smaller half first. It may be negative (output grows).
      int64_t target = outShape ? (*outShape)[outShape->size() - spatial + d]
                                : in * strides[d];
      int64_t total = full - target;
      // Floor division, as ONNX's reference (total may be negative).
      int64_t half = total >= 0 ? total / 2 : -((-total + 1) / 2);
      pads[d] = autoPad == "SAME_UPPER" ? half : total - half;
      pads[d + spatial] = total - pads[d];
    }
    outDims[d] = full - pads[d] - pads[d + spatial];
    if (outDims[d] < 0)
      return kernelError(error, node, "negative output size");
  }
  return true;
}

bool referenceConvTranspose(const Node &node, const Inputs &in,
                            std::vector<Tensor> &out, std::string &error) {
  if (!requireF32(node, in, error))
    return false;
  const Tensor &x = *in[0], &w = *in[1];
  const Tensor *b = in.size() > 2 ? in[2] : nullptr;
  if (x.rank() < 3 || w.rank() != x.rank())
    return kernelError(error, node, "input and weight ranks do not fit");
  int64_t group = node.getInt("group", 1);
  int64_t n = x.shape()[0], c = x.shape()[1];
  if (group <= 0 || c % group || w.shape()[0] != c)
    return kernelError(error, node, "channels do not fit the groups");
  int64_t mg = w.shape()[1], m = mg * group, cg = c / group;
  int64_t spatial = x.rank() - 2;
  std::vector<int64_t> kernel(w.shape().begin() + 2, w.shape().end());
  auto strides = node.getInts("strides").value_or(std::vector<int64_t>(spatial, 1));
  auto dil = node.getInts("dilations").value_or(std::vector<int64_t>(spatial, 1));
  std::vector<int64_t> inDims(x.shape().begin() + 2, x.shape().end()), outDims, pads;
  if (!convTransposeGeometry(node, x, w, outDims, pads, error))
    return false;
  std::vector<int64_t> shape{n, m};
  shape.insert(shape.end(), outDims.begin(), outDims.end());
  Tensor y(DType::F32, shape);
  int64_t inSize = product(inDims), outSize = product(outDims),
          kSize = product(kernel);
  std::vector<int64_t> iIdx(spatial), kIdx(spatial);
  for (int64_t img = 0; img < n; ++img)
    for (int64_t g = 0; g < group; ++g)
      for (int64_t ci = 0; ci < cg; ++ci) {
        const float *xs = x.data<float>() + (img * c + g * cg + ci) * inSize;
        for (int64_t i = 0; i < inSize; ++i) {
          unflatten(i, inDims, iIdx);
          for (int64_t k = 0; k < kSize; ++k) {
            unflatten(k, kernel, kIdx);
            int64_t off = 0;
            bool inside = true;
            for (int64_t d = 0; d < spatial && inside; ++d) {
              int64_t pos = iIdx[d] * strides[d] + kIdx[d] * dil[d] - pads[d];
              inside = pos >= 0 && pos < outDims[d];
              off = off * outDims[d] + pos;
            }
            if (!inside)
              continue;
            for (int64_t oc = 0; oc < mg; ++oc)
              y.data<float>()[(img * m + g * mg + oc) * outSize + off] +=
                  xs[i] * w.data<float>()[((g * cg + ci) * mg + oc) * kSize + k];
          }
        }
      }
  if (b)
    for (int64_t img = 0; img < n; ++img)
      for (int64_t oc = 0; oc < m; ++oc)
        for (int64_t o = 0; o < outSize; ++o)
          y.data<float>()[(img * m + oc) * outSize + o] += b->data<float>()[oc];
  out.push_back(y);
  return true;
}

bool referenceMatMul(const Node &node, const Inputs &in, std::vector<Tensor> &out,
                  std::string &error) {
  if (!requireF32(node, in, error))
    return false;
  std::vector<int64_t> as = in[0]->shape(), bs = in[1]->shape();
  if (as.empty() || bs.empty())
    return kernelError(error, node, "operands must have rank >= 1");
  bool vecA = as.size() == 1, vecB = bs.size() == 1;
  if (vecA) as.insert(as.begin(), 1);
  if (vecB) bs.push_back(1);
  int64_t m = as[as.size() - 2], k = as.back(), n = bs.back();
  if (bs[bs.size() - 2] != k)
    return kernelError(error, node, "contraction dimensions differ: " +
                                 in[0]->describe() + " x " + in[1]->describe());
  std::vector<int64_t> ab(as.begin(), as.end() - 2), bb(bs.begin(), bs.end() - 2),
      batch;
  if (!broadcastShape(ab, bb, batch))
    return kernelError(error, node, "batch dimensions do not broadcast");
  auto sa = broadcastStrides(ab, batch), sb = broadcastStrides(bb, batch);
  std::vector<int64_t> shape = batch;
  if (!vecA) shape.push_back(m);
  if (!vecB) shape.push_back(n);
  Tensor y(DType::F32, shape);
  int64_t batches = product(batch);
  std::vector<int64_t> idx(batch.size());
  for (int64_t bi = 0; bi < batches; ++bi) {
    unflatten(bi, batch, idx);
    int64_t oa = 0, ob = 0;
    for (size_t d = 0; d < batch.size(); ++d) {
      oa += idx[d] * sa[d];
      ob += idx[d] * sb[d];
    }
    gemm(node.threads, m, n, k, in[0]->data<float>() + oa * m * k, k,
         in[1]->data<float>() + ob * k * n, n, y.data<float>() + bi * m * n, n,
         false);
  }
  out.push_back(y);
  return true;
}

namespace {

bool gemmKernel(const Node &node, const Inputs &in, std::vector<Tensor> &out,
                std::string &error) {
  if (!requireF32(node, in, error))
    return false;
  const Tensor &a = *in[0], &b = *in[1];
  const Tensor *c = in.size() > 2 ? in[2] : nullptr;
  if (a.rank() != 2 || b.rank() != 2)
    return kernelError(error, node, "A and B must be 2-D");
  bool ta = node.getInt("transA", 0), tb = node.getInt("transB", 0);
  float alpha = node.getFloat("alpha", 1.0f), beta = node.getFloat("beta", 1.0f);
  int64_t m = a.shape()[ta], k = a.shape()[!ta], n = b.shape()[!tb];
  if (b.shape()[tb] != k)
    return kernelError(error, node, "inner dimensions differ");
  // Materialize transposes, then one product.
  auto transposed = [](const Tensor &t) {
    Tensor r(DType::F32, {t.shape()[1], t.shape()[0]});
    for (int64_t i = 0; i < t.shape()[0]; ++i)
      for (int64_t j = 0; j < t.shape()[1]; ++j)
        r.data<float>()[j * t.shape()[0] + i] = t.data<float>()[i * t.shape()[1] + j];
    return r;
  };
  Tensor ua = ta ? transposed(a) : a, ub = tb ? transposed(b) : b;
  Tensor y(DType::F32, {m, n});
  gemm(node.threads, m, n, k, ua.data<float>(), k, ub.data<float>(), n,
       y.data<float>(), n, false);
  std::vector<int64_t> cs;
  if (c && !broadcastShape(c->shape(), {m, n}, cs))
    return kernelError(error, node, "C does not broadcast to the output");
  auto strides = c ? broadcastStrides(c->shape(), {m, n}) : std::vector<int64_t>{0, 0};
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      float v = alpha * y.data<float>()[i * n + j];
      if (c)
        v += beta * c->data<float>()[i * strides[0] + j * strides[1]];
      y.data<float>()[i * n + j] = v;
    }
  out.push_back(y);
  return true;
}

template <bool isMax>
bool poolKernel(const Node &node, const Inputs &in, std::vector<Tensor> &out,
                std::string &error) {
  const Tensor &x = *in[0];
  bool integer = x.dtype() == DType::U8 || x.dtype() == DType::I8;
  if (x.dtype() != DType::F32 && !(isMax && integer))
    return kernelError(error, node, "supports float32 only, got " + x.describe());
  bool indices = node.outputs.size() > 1;
  auto kernel = node.getInts("kernel_shape");
  if (!kernel || x.rank() < 3)
    return kernelError(error, node, "needs kernel_shape and an input of rank >= 3");
  Window w;
  if (!resolveWindow(node, x.shape(), *kernel, node.getInt("ceil_mode", 0),
                     w, error))
    return false;
  bool countPad = node.getInt("count_include_pad", 0);
  bool columnMajor = node.getInt("storage_order", 0) == 1;
  int64_t nc = x.shape()[0] * x.shape()[1];
  int64_t inSize = product(w.in), outSize = product(w.out),
          kSize = product(*kernel);
  std::vector<int64_t> shape{x.shape()[0], x.shape()[1]};
  shape.insert(shape.end(), w.out.begin(), w.out.end());
  Tensor y(x.dtype(), shape), argmax(DType::I64, shape);
  std::vector<int64_t> oIdx(w.spatial), kIdx(w.spatial), pos(w.spatial);
  std::vector<int64_t> offs, colOffs;
  for (int64_t o = 0; o < outSize; ++o) {
    unflatten(o, w.out, oIdx);
    offs.clear();
    colOffs.clear();
    int64_t padded = 0;
    for (int64_t k = 0; k < kSize; ++k) {
      unflatten(k, *kernel, kIdx);
      int64_t off = 0, col = 0, colStride = 1;
      bool inside = true, inPadded = true;
      for (int64_t d = 0; d < w.spatial; ++d) {
        pos[d] = oIdx[d] * w.strides[d] - w.padBegin[d] + kIdx[d] * w.dilations[d];
        inside &= pos[d] >= 0 && pos[d] < w.in[d];
        inPadded &= pos[d] < w.in[d] + w.padEnd[d];
        off = off * w.in[d] + pos[d];
        col += pos[d] * colStride;
        colStride *= w.in[d];
      }
      if (inside) {
        offs.push_back(off);
        colOffs.push_back(col);
      } else if (inPadded) {
        ++padded;
      }
    }
    float count = static_cast<float>(countPad ? offs.size() + padded : offs.size());
    for (int64_t ch = 0; ch < nc; ++ch) {
      double best = -std::numeric_limits<double>::infinity(), acc = 0;
      int64_t bestAt = -1;
      float accF = 0;
      for (size_t k = 0; k < offs.size(); ++k) {
        double v = readScalar(x, ch * inSize + offs[k]);
        if (isMax && (v > best || bestAt < 0)) {
          best = v;
          bestAt = k;
        }
        if (!isMax)
          accF += static_cast<float>(v);
      }
      (void)acc;
      int64_t at = ch * outSize + o;
      if (!isMax) {
        y.data<float>()[at] = accF / count;
      } else if (x.dtype() == DType::F32) {
        y.data<float>()[at] = bestAt < 0 ? -std::numeric_limits<float>::infinity()
                                         : static_cast<float>(best);
      } else if (x.dtype() == DType::U8) {
        y.data<uint8_t>()[at] = static_cast<uint8_t>(best);
      } else {
        y.data<int8_t>()[at] = static_cast<int8_t>(best);
      }
      if (indices && bestAt >= 0)
        argmax.data<int64_t>()[at] =
            ch * inSize + (columnMajor ? colOffs[bestAt] : offs[bestAt]);
    }
  }
  out.push_back(y);
  if (indices)
    out.push_back(argmax);
  return true;
}

template <bool isMax>
bool globalPoolKernel(const Node &node, const Inputs &in,
                      std::vector<Tensor> &out, std::string &error) {
  if (!requireF32(node, in, error))
    return false;
  const Tensor &x = *in[0];
  if (x.rank() < 3)
    return kernelError(error, node, "needs an input of rank >= 3");
  std::vector<int64_t> shape{x.shape()[0], x.shape()[1]};
  shape.resize(x.rank(), 1);
  Tensor y(DType::F32, shape);
  int64_t nc = x.shape()[0] * x.shape()[1], size = x.numElements() / std::max<int64_t>(nc, 1);
  for (int64_t ch = 0; ch < nc; ++ch) {
    const float *src = x.data<float>() + ch * size;
    float acc = isMax ? -std::numeric_limits<float>::infinity() : 0.0f;
    for (int64_t i = 0; i < size; ++i)
      acc = isMax ? std::max(acc, src[i]) : acc + src[i];
    y.data<float>()[ch] = isMax ? acc : acc / static_cast<float>(size);
  }
  out.push_back(y);
  return true;
}

bool batchNormKernel(const Node &node, const Inputs &in,
                     std::vector<Tensor> &out, std::string &error) {
  if (!requireF32(node, in, error))
    return false;
  const Tensor &x = *in[0];
  if (x.rank() < 2)
    return kernelError(error, node, "needs an input of rank >= 2");
  float eps = node.getFloat("epsilon", 1e-5f);
  int64_t n = x.shape()[0], c = x.shape()[1];
  int64_t size = x.numElements() / std::max<int64_t>(n * c, 1);
  for (int i = 1; i < 5; ++i)
    if (in[i]->numElements() != c)
      return kernelError(error, node, "per-channel inputs need " + std::to_string(c) +
                                   " values");
  Tensor y(DType::F32, x.shape());
  if (node.getInt("training_mode", 0) || node.outputs.size() > 1) {
    // Training mode: normalize with the batch statistics and update the
    // running ones (population variance, as ONNX's reference).
    float momentum = node.getFloat("momentum", 0.9f);
    Tensor runMean(DType::F32, {c}), runVar(DType::F32, {c});
    for (int64_t ch = 0; ch < c; ++ch) {
      double sum = 0, sq = 0;
      for (int64_t img = 0; img < n; ++img)
        for (int64_t i = 0; i < size; ++i)
          sum += x.data<float>()[(img * c + ch) * size + i];
      double mean = sum / (n * size);
      for (int64_t img = 0; img < n; ++img)
        for (int64_t i = 0; i < size; ++i) {
          double d = x.data<float>()[(img * c + ch) * size + i] - mean;
          sq += d * d;
        }
      double var = sq / (n * size);
      float scale = in[1]->data<float>()[ch], bias = in[2]->data<float>()[ch];
      for (int64_t img = 0; img < n; ++img)
        for (int64_t i = 0; i < size; ++i) {
          int64_t at = (img * c + ch) * size + i;
          y.data<float>()[at] = static_cast<float>(
              (x.data<float>()[at] - mean) / std::sqrt(var + eps) * scale + bias);
        }
      runMean.data<float>()[ch] = static_cast<float>(
          in[3]->data<float>()[ch] * momentum + mean * (1 - momentum));
      runVar.data<float>()[ch] = static_cast<float>(
          in[4]->data<float>()[ch] * momentum + var * (1 - momentum));
    }
    out.push_back(y);
    if (node.outputs.size() > 1)
      out.push_back(runMean);
    if (node.outputs.size() > 2)
      out.push_back(runVar);
    return true;
  }
  for (int64_t img = 0; img < n; ++img)
    for (int64_t ch = 0; ch < c; ++ch) {
      float scale = in[1]->data<float>()[ch], bias = in[2]->data<float>()[ch];
      float mean = in[3]->data<float>()[ch], var = in[4]->data<float>()[ch];
      float inv = 1.0f / std::sqrt(var + eps);
      const float *src = x.data<float>() + (img * c + ch) * size;
      float *dst = y.data<float>() + (img * c + ch) * size;
      for (int64_t i = 0; i < size; ++i)
        dst[i] = (src[i] - mean) * inv * scale + bias;
    }
  out.push_back(y);
  return true;
}

bool layerNormKernel(const Node &node, const Inputs &in,
                     std::vector<Tensor> &out, std::string &error) {
  if (!requireF32(node, in, error))
    return false;
  if (node.outputs.size() > 1)
    return kernelError(error, node, "the Mean/InvStdDev outputs are not supported");
  const Tensor &x = *in[0];
  int64_t axis = normalizeAxis(node.getInt("axis", -1), x.rank());
  if (axis < 0 || axis >= x.rank())
    return kernelError(error, node, "axis out of range");
  float eps = node.getFloat("epsilon", 1e-5f);
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < x.rank(); ++d)
    (d < axis ? outer : inner) *= x.shape()[d];
  const Tensor &scale = *in[1];
  const Tensor *bias = in.size() > 2 ? in[2] : nullptr;
  std::vector<int64_t> normShape(x.shape().begin() + axis, x.shape().end());
  auto ss = broadcastStrides(scale.shape(), normShape);
  auto bs = bias ? broadcastStrides(bias->shape(), normShape) : ss;
  std::vector<int64_t> idx(normShape.size());
  Tensor y(DType::F32, x.shape());
  for (int64_t o = 0; o < outer; ++o) {
    const float *src = x.data<float>() + o * inner;
    float *dst = y.data<float>() + o * inner;
    float mean = 0;
    for (int64_t i = 0; i < inner; ++i) mean += src[i];
    mean /= inner;
    float var = 0;
    for (int64_t i = 0; i < inner; ++i) var += (src[i] - mean) * (src[i] - mean);
    var /= inner;
    float inv = 1.0f / std::sqrt(var + eps);
    for (int64_t i = 0; i < inner; ++i) {
      unflatten(i, normShape, idx);
      int64_t si = 0, bi = 0;
      for (size_t d = 0; d < idx.size(); ++d) {
        si += idx[d] * ss[d];
        bi += idx[d] * bs[d];
      }
      dst[i] = (src[i] - mean) * inv * scale.data<float>()[si] +
               (bias ? bias->data<float>()[bi] : 0.0f);
    }
  }
  out.push_back(y);
  return true;
}

template <bool isLog>
bool softmaxKernel(const Node &node, const Inputs &in, std::vector<Tensor> &out,
                   std::string &error) {
  if (!requireF32(node, in, error))
    return false;
  const Tensor &x = *in[0];
  int64_t rank = x.rank();
  int64_t axis = normalizeAxis(node.getInt("axis", node.opset >= 13 ? -1 : 1), rank);
  if (axis < 0 || (rank && axis >= rank))
    return kernelError(error, node, "axis out of range");
  // Before opset 13 the input is coerced to 2-D at `axis`; from 13 on the
  // softmax runs along `axis` alone.
  int64_t outer = 1, len = 1, inner = 1;
  for (int64_t d = 0; d < rank; ++d) {
    if (d < axis) outer *= x.shape()[d];
    else if (d == axis || node.opset < 13) len *= x.shape()[d];
    else inner *= x.shape()[d];
  }
  Tensor y(DType::F32, x.shape());
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      const float *src = x.data<float>() + o * len * inner + i;
      float *dst = y.data<float>() + o * len * inner + i;
      float mx = -std::numeric_limits<float>::infinity();
      for (int64_t k = 0; k < len; ++k) mx = std::max(mx, src[k * inner]);
      float sum = 0;
      for (int64_t k = 0; k < len; ++k) {
        float e = std::exp(src[k * inner] - mx);
        dst[k * inner] = e;
        sum += e;
      }
      for (int64_t k = 0; k < len; ++k)
        dst[k * inner] = isLog ? src[k * inner] - mx - std::log(sum)
                               : dst[k * inner] / sum;
    }
  out.push_back(y);
  return true;
}

bool resizeKernel(const Node &node, const Inputs &in, std::vector<Tensor> &out,
                  std::string &error) {
  if (in[0]->dtype() != DType::F32)
    return kernelError(error, node, "supports float32 only");
  const Tensor &x = *in[0];
  int64_t rank = x.rank();
  std::vector<double> scales(rank, 1.0), lengths(rank);
  std::vector<int64_t> shape = x.shape();
  const Tensor *roiT = node.opset >= 11 && in.size() > 1 ? in[1] : nullptr;
  const Tensor *scalesT = node.opset >= 11 ? (in.size() > 2 ? in[2] : nullptr)
                                           : (in.size() > 1 ? in[1] : nullptr);
  const Tensor *sizesT = node.opset >= 11 && in.size() > 3 ? in[3] : nullptr;
  if (node.get("axes") || node.get("keep_aspect_ratio_policy") ||
      node.getInt("antialias", 0))
    return kernelError(error, node, "axes, keep_aspect_ratio_policy and antialias "
                             "are not supported");
  if (sizesT && sizesT->numElements()) {
    std::vector<int64_t> sizes;
    readInts(*sizesT, sizes);
    if (static_cast<int64_t>(sizes.size()) != rank)
      return kernelError(error, node, "sizes must have one entry per axis");
    for (int64_t d = 0; d < rank; ++d) {
      shape[d] = sizes[d];
      scales[d] = static_cast<double>(sizes[d]) / x.shape()[d];
      lengths[d] = sizes[d];
    }
  } else if (scalesT && scalesT->numElements() == rank) {
    for (int64_t d = 0; d < rank; ++d) {
      scales[d] = scalesT->data<float>()[d];
      shape[d] = static_cast<int64_t>(std::floor(x.shape()[d] * scales[d]));
      lengths[d] = x.shape()[d] * scales[d];
    }
  } else {
    return kernelError(error, node, "needs scales or sizes");
  }
  std::string mode = node.getString("mode", "nearest");
  std::string ctm = node.getString("coordinate_transformation_mode",
                                   node.opset >= 11 ? "half_pixel" : "asymmetric");
  std::string nearestMode = node.getString("nearest_mode", "round_prefer_floor");
  float cubicA = node.getFloat("cubic_coeff_a", -0.75f);
  bool excludeOutside = node.getInt("exclude_outside", 0);
  float extrapolation = node.getFloat("extrapolation_value", 0.0f);
  std::vector<double> roi;
  if (ctm == "tf_crop_and_resize") {
    if (!roiT || roiT->numElements() != 2 * rank)
      return kernelError(error, node, "tf_crop_and_resize needs an roi per axis");
    for (int64_t i = 0; i < 2 * rank; ++i)
      roi.push_back(readScalar(*roiT, i));
  }
  // Source coordinate of output index o on axis d (ONNX's formulas).
  auto source = [&](int64_t d, int64_t o) -> double {
    double s = scales[d], len = lengths[d], inLen = x.shape()[d];
    if (ctm == "half_pixel") return (o + 0.5) / s - 0.5;
    if (ctm == "pytorch_half_pixel") return len > 1 ? (o + 0.5) / s - 0.5 : 0.0;
    if (ctm == "align_corners") return len > 1 ? o * (inLen - 1) / (len - 1) : 0.0;
    if (ctm == "tf_half_pixel_for_nn") return (o + 0.5) / s;
    if (ctm == "half_pixel_symmetric") {
      double adj = static_cast<double>(shape[d]) / (s * inLen);
      return inLen / 2 * (1 - adj) + (o + 0.5) / s - 0.5;
    }
    if (ctm == "tf_crop_and_resize") {
      double a = roi[d], b = roi[d + rank];
      return shape[d] > 1 ? a * (inLen - 1) + o * (b - a) * (inLen - 1) / (shape[d] - 1)
                          : 0.5 * (a + b) * (inLen - 1);
    }
    return o / s; // asymmetric
  };
  if (mode != "nearest" && mode != "linear" && mode != "cubic")
    return kernelError(error, node, "unknown mode '" + mode + "'");
  // Per axis and output index: the input taps and their weights.
  struct Tap { int64_t index; double weight; };
  std::vector<std::vector<std::vector<Tap>>> taps(rank);
  std::vector<std::vector<bool>> outside(rank);
  for (int64_t d = 0; d < rank; ++d) {
    int64_t inLen = x.shape()[d];
    taps[d].resize(shape[d]);
    outside[d].assign(shape[d], false);
    for (int64_t o = 0; o < shape[d]; ++o) {
      double src = source(d, o);
      auto &t = taps[d][o];
      if (ctm == "tf_crop_and_resize" && (src < 0 || src > inLen - 1)) {
        outside[d][o] = true;
        t.push_back({0, 0.0});
        continue;
      }
      if (mode == "nearest") {
        int64_t i;
        if (nearestMode == "floor") i = static_cast<int64_t>(std::floor(src));
        else if (nearestMode == "ceil") i = static_cast<int64_t>(std::ceil(src));
        else if (nearestMode == "round_prefer_ceil")
          i = static_cast<int64_t>(std::floor(src + 0.5));
        else
          i = static_cast<int64_t>(src - std::floor(src) == 0.5 ? std::floor(src)
                                                                : std::round(src));
        t.push_back({std::clamp<int64_t>(i, 0, inLen - 1), 1.0});
        continue;
      }
      int64_t base = static_cast<int64_t>(std::floor(src));
      double r = src - base;
      std::vector<std::pair<int64_t, double>> raw;
      if (mode == "linear") {
        raw = {{base, 1 - r}, {base + 1, r}};
      } else {
        double a = cubicA;
        auto far = [&](double v) { return ((a * v - 5 * a) * v + 8 * a) * v - 4 * a; };
        auto near = [&](double v) { return ((a + 2) * v - (a + 3)) * v * v + 1; };
        raw = {{base - 1, far(r + 1)}, {base, near(r)},
               {base + 1, near(1 - r)}, {base + 2, far(2 - r)}};
      }
      double total = 0;
      for (auto [i, w] : raw) {
        bool in = i >= 0 && i < inLen;
        if (excludeOutside && !in)
          continue;
        t.push_back({std::clamp<int64_t>(i, 0, inLen - 1), w});
        total += w;
      }
      if (excludeOutside && total != 0)
        for (Tap &tap : t)
          tap.weight /= total;
    }
  }
  Tensor y(DType::F32, shape);
  std::vector<int64_t> xs(rank, 1);
  for (int64_t d = rank - 2; d >= 0; --d) xs[d] = xs[d + 1] * x.shape()[d + 1];
  if (mode == "nearest" && ctm != "tf_crop_and_resize") {
    // One tap per axis: a gather with per-axis source offsets.
    std::vector<std::vector<int64_t>> offset(rank);
    for (int64_t d = 0; d < rank; ++d)
      for (int64_t o = 0; o < shape[d]; ++o)
        offset[d].push_back(taps[d][o][0].index * xs[d]);
    std::vector<int64_t> idx(rank, 0);
    int64_t inner = rank ? shape[rank - 1] : 1;
    const float *src = x.data<float>();
    float *dst = y.data<float>();
    for (int64_t o = 0; o < y.numElements(); o += inner) {
      int64_t base = 0;
      for (int64_t d = 0; d + 1 < rank; ++d)
        base += offset[d][idx[d]];
      for (int64_t k = 0; k < inner; ++k)
        dst[o + k] = src[base + (rank ? offset[rank - 1][k] : 0)];
      for (int64_t d = rank - 2; d >= 0; --d) {
        if (++idx[d] < shape[d])
          break;
        idx[d] = 0;
      }
    }
    out.push_back(y);
    return true;
  }
  std::vector<int64_t> idx(rank), pick(rank);
  for (int64_t o = 0; o < y.numElements(); ++o) {
    unflatten(o, shape, idx);
    bool out = false;
    for (int64_t d = 0; d < rank; ++d)
      out |= outside[d][idx[d]];
    if (out) {
      y.data<float>()[o] = extrapolation;
      continue;
    }
    // Sum over the cartesian product of the taps of every axis.
    std::fill(pick.begin(), pick.end(), 0);
    double acc = 0;
    while (true) {
      double w = 1;
      int64_t off = 0;
      for (int64_t d = 0; d < rank; ++d) {
        const Tap &t = taps[d][idx[d]][pick[d]];
        w *= t.weight;
        off += t.index * xs[d];
      }
      acc += w * x.data<float>()[off];
      int64_t d = rank - 1;
      for (; d >= 0; --d) {
        if (++pick[d] < static_cast<int64_t>(taps[d][idx[d]].size()))
          break;
        pick[d] = 0;
      }
      if (d < 0)
        break;
    }
    y.data<float>()[o] = static_cast<float>(acc);
  }
  out.push_back(y);
  return true;
}

} // namespace

bool referenceMaxPool(const Node &node, const Inputs &in,
                      std::vector<Tensor> &out, std::string &error) {
  return poolKernel<true>(node, in, out, error);
}
bool referenceAveragePool(const Node &node, const Inputs &in,
                          std::vector<Tensor> &out, std::string &error) {
  return poolKernel<false>(node, in, out, error);
}
bool referenceSoftmax(const Node &node, const Inputs &in,
                      std::vector<Tensor> &out, std::string &error) {
  return softmaxKernel<false>(node, in, out, error);
}
bool referenceLayerNorm(const Node &node, const Inputs &in,
                        std::vector<Tensor> &out, std::string &error) {
  return layerNormKernel(node, in, out, error);
}

void registerNNKernels(KernelTable &t) {
  t.add("Conv", referenceConv);
  t.add("ConvTranspose", referenceConvTranspose);
  t.add("MatMul", referenceMatMul);
  t.add("Gemm", gemmKernel);
  t.add("MaxPool", poolKernel<true>);
  t.add("AveragePool", poolKernel<false>);
  t.add("GlobalAveragePool", globalPoolKernel<false>);
  t.add("GlobalMaxPool", globalPoolKernel<true>);
  t.add("BatchNormalization", batchNormKernel);
  t.add("LayerNormalization", layerNormKernel);
  t.add("Softmax", softmaxKernel<false>);
  t.add("LogSoftmax", softmaxKernel<true>);
  t.add("Resize", resizeKernel);
}

} // namespace nc::rt
