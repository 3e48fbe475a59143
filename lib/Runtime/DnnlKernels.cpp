//===- DnnlKernels.cpp - oneDNN kernels for the heavy float32 ops ---------===//
//
// Conv runs as a oneDNN convolution_forward primitive, created once per
// input shape and kept on the node with the weights reordered into the
// layout oneDNN picked. Anything oneDNN does not take (other element types,
// unusual shapes) falls back to the reference kernel. oneDNN's C++ API
// throws: every exception is caught in this file.
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"

#include <oneapi/dnnl/dnnl.hpp>
#include <omp.h>

#include <cstring>
#include <mutex>
#include <unordered_map>

namespace nc::rt {

bool referenceConv(const Node &node, const Inputs &in, std::vector<Tensor> &out,
                   std::string &error);
bool referenceConvTranspose(const Node &node, const Inputs &in,
                            std::vector<Tensor> &out, std::string &error);
bool referenceMatMul(const Node &node, const Inputs &in,
                     std::vector<Tensor> &out, std::string &error);
bool referenceMaxPool(const Node &node, const Inputs &in,
                      std::vector<Tensor> &out, std::string &error);
bool referenceAveragePool(const Node &node, const Inputs &in,
                          std::vector<Tensor> &out, std::string &error);
bool referenceSoftmax(const Node &node, const Inputs &in,
                      std::vector<Tensor> &out, std::string &error);
bool referenceLayerNorm(const Node &node, const Inputs &in,
                        std::vector<Tensor> &out, std::string &error);
bool convTransposeGeometry(const Node &node, const Tensor &x, const Tensor &w,
                           std::vector<int64_t> &outDims,
                           std::vector<int64_t> &pads, std::string &error);

namespace {

dnnl::engine &cpuEngine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

using dims = dnnl::memory::dims;
using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

tag plainTag(size_t rank) {
  switch (rank) {
  case 3: return tag::ncw;
  case 4: return tag::nchw;
  default: return tag::ncdhw;
  }
}

tag weightTag(size_t rank, bool grouped) {
  switch (rank) {
  case 3: return grouped ? tag::goiw : tag::oiw;
  case 4: return grouped ? tag::goihw : tag::oihw;
  default: return grouped ? tag::goidhw : tag::oidhw;
  }
}

/// A (de)convolution primitive for one input shape, with its weights and
/// bias already in oneDNN's layout.
struct ConvState : KernelState {
  std::mutex mutex;
  std::vector<int64_t> xShape, wShape;
  const void *weightsData = nullptr;
  dnnl::primitive prim;
  dnnl::memory::desc srcDesc, dstDesc;
  dnnl::memory weights, bias;
  std::vector<int64_t> yShape;
};

/// Reorders `w` (ONNX layout `userTag`) and the bias into the primitive's.
void prepareWeights(ConvState &state, const dnnl::memory::desc &weightsDesc,
                    const dims &wDims, tag userTag, const Tensor &w,
                    const Tensor *b) {
  dnnl::stream s(cpuEngine());
  dnnl::memory userW({wDims, dt::f32, userTag}, cpuEngine(),
                     const_cast<void *>(w.data()));
  state.weights = dnnl::memory(weightsDesc, cpuEngine());
  dnnl::reorder(userW, state.weights).execute(s, userW, state.weights);
  if (b) {
    int64_t n = b->numElements();
    state.bias = dnnl::memory({{n}, dt::f32, tag::x}, cpuEngine());
    std::memcpy(state.bias.get_data_handle(), b->data(), n * sizeof(float));
  }
  s.wait();
}

/// Runs the cached primitive on `x`, reordering in and out of the plain
/// layout when oneDNN chose a blocked one.
Tensor execute(ConvState &state, const Tensor &x, bool hasBias, int threads) {
  omp_set_num_threads(threads);
  dnnl::stream s(cpuEngine());
  size_t rank = x.rank();
  dnnl::memory userSrc({dims(x.shape().begin(), x.shape().end()), dt::f32,
                        plainTag(rank)},
                       cpuEngine(), const_cast<void *>(x.data()));
  dnnl::memory src = userSrc;
  if (state.srcDesc != userSrc.get_desc()) {
    src = dnnl::memory(state.srcDesc, cpuEngine());
    dnnl::reorder(userSrc, src).execute(s, userSrc, src);
  }
  Tensor y = Tensor::uninitialized(DType::F32, state.yShape);
  dnnl::memory userDst({dims(state.yShape.begin(), state.yShape.end()),
                        dt::f32, plainTag(rank)},
                       cpuEngine(), y.data());
  dnnl::memory dst = state.dstDesc == userDst.get_desc()
                         ? userDst
                         : dnnl::memory(state.dstDesc, cpuEngine());
  std::unordered_map<int, dnnl::memory> args{
      {DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, state.weights},
      {DNNL_ARG_DST, dst}};
  if (hasBias)
    args[DNNL_ARG_BIAS] = state.bias;
  state.prim.execute(s, args);
  if (dst != userDst)
    dnnl::reorder(dst, userDst).execute(s, dst, userDst);
  s.wait();
  return y;
}

/// The node's ConvState, created on first use.
std::shared_ptr<ConvState> stateOf(const Node &node) {
  auto state = std::static_pointer_cast<ConvState>(node.state);
  if (!state) {
    state = std::make_shared<ConvState>();
    node.state = state;
  }
  return state;
}

bool dnnlConv(const Node &node, const Inputs &in, std::vector<Tensor> &out,
              std::string &error) {
  const Tensor &x = *in[0], &w = *in[1];
  const Tensor *b = in.size() > 2 ? in[2] : nullptr;
  bool f32 = x.dtype() == DType::F32 && w.dtype() == DType::F32 &&
             (!b || b->dtype() == DType::F32);
  if (!f32 || x.rank() < 3 || x.rank() > 5 || w.rank() != x.rank())
    return referenceConv(node, in, out, error);
  int64_t group = node.getInt("group", 1);
  int64_t c = x.shape()[1], m = w.shape()[0];
  if (group <= 0 || c % group || m % group || w.shape()[1] != c / group)
    return referenceConv(node, in, out, error);
  try {
    auto state = stateOf(node);
    std::lock_guard<std::mutex> lock(state->mutex);
    if (state->xShape != x.shape() || state->wShape != w.shape() ||
        state->weightsData != w.data()) {
      // Resolve the window exactly as the reference kernel does.
      std::vector<int64_t> kernel(w.shape().begin() + 2, w.shape().end());
      size_t spatial = x.rank() - 2;
      auto strides = node.getInts("strides").value_or(std::vector<int64_t>(spatial, 1));
      auto dil = node.getInts("dilations").value_or(std::vector<int64_t>(spatial, 1));
      auto pads = node.getInts("pads").value_or(std::vector<int64_t>(2 * spatial, 0));
      std::string autoPad = node.getString("auto_pad", "NOTSET");
      if (strides.size() != spatial || dil.size() != spatial ||
          pads.size() != 2 * spatial)
        return referenceConv(node, in, out, error);
      dims padL(spatial), padR(spatial), dnnlDil(spatial), outSpatial(spatial);
      for (size_t i = 0; i < spatial; ++i) {
        int64_t inDim = x.shape()[i + 2], eff = (kernel[i] - 1) * dil[i] + 1;
        if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
          int64_t o = (inDim + strides[i] - 1) / strides[i];
          int64_t total = std::max<int64_t>(0, (o - 1) * strides[i] + eff - inDim);
          padL[i] = autoPad == "SAME_UPPER" ? total / 2 : total - total / 2;
          padR[i] = total - padL[i];
        } else if (autoPad == "VALID") {
          padL[i] = padR[i] = 0;
        } else {
          padL[i] = pads[i];
          padR[i] = pads[i + spatial];
        }
        int64_t span = inDim + padL[i] + padR[i] - eff;
        if (span < 0)
          return referenceConv(node, in, out, error);
        outSpatial[i] = span / strides[i] + 1;
        dnnlDil[i] = dil[i] - 1;
        // oneDNN wants the right padding that makes its formula exact.
        padR[i] = (outSpatial[i] - 1) * strides[i] + eff - inDim - padL[i];
      }
      dims srcDims(x.shape().begin(), x.shape().end());
      dims dstDims{x.shape()[0], m};
      dstDims.insert(dstDims.end(), outSpatial.begin(), outSpatial.end());
      dims wDims;
      bool grouped = group > 1;
      if (grouped)
        wDims.push_back(group);
      wDims.push_back(m / group);
      wDims.push_back(c / group);
      wDims.insert(wDims.end(), kernel.begin(), kernel.end());
      dnnl::memory::desc srcMd(srcDims, dt::f32, tag::any);
      dnnl::memory::desc dstMd(dstDims, dt::f32, tag::any);
      dnnl::memory::desc wMd(wDims, dt::f32, tag::any);
      dnnl::memory::desc bMd({m}, dt::f32, tag::x);
      dims dnnlStrides(strides.begin(), strides.end());
      auto desc = b ? dnnl::convolution_forward::desc(
                          dnnl::prop_kind::forward_inference,
                          dnnl::algorithm::convolution_direct, srcMd, wMd, bMd,
                          dstMd, dnnlStrides, dnnlDil, padL, padR)
                    : dnnl::convolution_forward::desc(
                          dnnl::prop_kind::forward_inference,
                          dnnl::algorithm::convolution_direct, srcMd, wMd,
                          dstMd, dnnlStrides, dnnlDil, padL, padR);
      dnnl::convolution_forward::primitive_desc pd(desc, cpuEngine());
      state->prim = dnnl::convolution_forward(pd);
      state->srcDesc = pd.src_desc();
      state->dstDesc = pd.dst_desc();
      prepareWeights(*state, pd.weights_desc(), wDims,
                     weightTag(x.rank(), grouped), w, b);
      state->xShape = x.shape();
      state->wShape = w.shape();
      state->weightsData = w.data();
      state->yShape.assign(dstDims.begin(), dstDims.end());
    }
    Tensor y = execute(*state, x, b != nullptr, node.threads);
    out.push_back(y);
    return true;
  } catch (const dnnl::error &e) {
    // Configurations oneDNN rejects run on the reference kernel.
    node.state.reset();
    return referenceConv(node, in, out, error);
  } catch (const std::exception &e) {
    error = node.describe() + ": oneDNN failed: " + e.what();
    return false;
  }
}

bool dnnlConvTranspose(const Node &node, const Inputs &in,
                       std::vector<Tensor> &out, std::string &error) {
  const Tensor &x = *in[0], &w = *in[1];
  const Tensor *b = in.size() > 2 ? in[2] : nullptr;
  bool f32 = x.dtype() == DType::F32 && w.dtype() == DType::F32 &&
             (!b || b->dtype() == DType::F32);
  int64_t group = node.getInt("group", 1);
  // oneDNN 2.6 has no 1-D (io*w) weight layouts: rank 3 stays reference.
  if (!f32 || x.rank() < 4 || x.rank() > 5 || w.rank() != x.rank() ||
      group <= 0 || x.shape()[1] % group || w.shape()[0] != x.shape()[1])
    return referenceConvTranspose(node, in, out, error);
  try {
    auto state = stateOf(node);
    std::lock_guard<std::mutex> lock(state->mutex);
    if (state->xShape != x.shape() || state->wShape != w.shape() ||
        state->weightsData != w.data()) {
      // Output size and pads exactly as the reference kernel computes them.
      std::vector<int64_t> outDims, pads;
      if (!convTransposeGeometry(node, x, w, outDims, pads, error))
        return false;
      size_t spatial = x.rank() - 2;
      for (int64_t p : pads)
        if (p < 0) // oneDNN takes no negative padding.
          return referenceConvTranspose(node, in, out, error);
      auto strides = node.getInts("strides").value_or(std::vector<int64_t>(spatial, 1));
      auto dil = node.getInts("dilations").value_or(std::vector<int64_t>(spatial, 1));
      int64_t c = x.shape()[1], mg = w.shape()[1], m = mg * group;
      dims dstDims{x.shape()[0], m};
      dstDims.insert(dstDims.end(), outDims.begin(), outDims.end());
      dims wDims;
      bool grouped = group > 1;
      if (grouped)
        wDims.push_back(group);
      wDims.push_back(mg);
      wDims.push_back(c / group);
      wDims.insert(wDims.end(), w.shape().begin() + 2, w.shape().end());
      dims padL(pads.begin(), pads.begin() + spatial),
          padR(pads.begin() + spatial, pads.end()), dnnlDil, dnnlStrides(
              strides.begin(), strides.end());
      for (int64_t d : dil)
        dnnlDil.push_back(d - 1);
      dnnl::memory::desc srcMd(dims(x.shape().begin(), x.shape().end()),
                               dt::f32, tag::any);
      dnnl::memory::desc dstMd(dstDims, dt::f32, tag::any);
      dnnl::memory::desc wMd(wDims, dt::f32, tag::any);
      dnnl::memory::desc bMd({m}, dt::f32, tag::x);
      auto desc = b ? dnnl::deconvolution_forward::desc(
                          dnnl::prop_kind::forward_inference,
                          dnnl::algorithm::deconvolution_direct, srcMd, wMd,
                          bMd, dstMd, dnnlStrides, dnnlDil, padL, padR)
                    : dnnl::deconvolution_forward::desc(
                          dnnl::prop_kind::forward_inference,
                          dnnl::algorithm::deconvolution_direct, srcMd, wMd,
                          dstMd, dnnlStrides, dnnlDil, padL, padR);
      dnnl::deconvolution_forward::primitive_desc pd(desc, cpuEngine());
      state->prim = dnnl::deconvolution_forward(pd);
      state->srcDesc = pd.src_desc();
      state->dstDesc = pd.dst_desc();
      // ONNX stores ConvTranspose weights as (C_in, C_out / group, k...).
      tag userTag = x.rank() == 4 ? (grouped ? tag::giohw : tag::iohw)
                                  : (grouped ? tag::giodhw : tag::iodhw);
      prepareWeights(*state, pd.weights_desc(), wDims, userTag, w, b);
      state->xShape = x.shape();
      state->wShape = w.shape();
      state->weightsData = w.data();
      state->yShape.assign(dstDims.begin(), dstDims.end());
    }
    out.push_back(execute(*state, x, b != nullptr, node.threads));
    return true;
  } catch (const dnnl::error &) {
    node.state.reset();
    return referenceConvTranspose(node, in, out, error);
  } catch (const std::exception &e) {
    error = node.describe() + ": oneDNN failed: " + e.what();
    return false;
  }
}

/// A matmul primitive for one pair of (rank-equalized) operand shapes.
struct MatMulState : KernelState {
  std::mutex mutex;
  std::vector<int64_t> aShape, bShape;
  dnnl::matmul prim;
  dnnl::memory::desc aDesc, bDesc, cDesc;
  std::vector<int64_t> yShape;
};

dims denseStrides(const dims &d) {
  dims s(d.size(), 1);
  for (int64_t i = static_cast<int64_t>(d.size()) - 2; i >= 0; --i)
    s[i] = s[i + 1] * d[i + 1];
  return s;
}

bool dnnlMatMul(const Node &node, const Inputs &in, std::vector<Tensor> &out,
                std::string &error) {
  const Tensor &a = *in[0], &b = *in[1];
  if (a.dtype() != DType::F32 || b.dtype() != DType::F32 || a.rank() < 2 ||
      b.rank() < 2 || std::max(a.rank(), b.rank()) > 6)
    return referenceMatMul(node, in, out, error);
  // Equalize ranks with leading 1s; batch dims must match or be 1.
  size_t rank = std::max(a.rank(), b.rank());
  dims ad(rank - a.rank(), 1), bd(rank - b.rank(), 1);
  ad.insert(ad.end(), a.shape().begin(), a.shape().end());
  bd.insert(bd.end(), b.shape().begin(), b.shape().end());
  dims cd(rank);
  for (size_t i = 0; i + 2 < rank; ++i) {
    if (ad[i] != bd[i] && ad[i] != 1 && bd[i] != 1)
      return referenceMatMul(node, in, out, error);
    cd[i] = std::max(ad[i], bd[i]);
  }
  if (ad[rank - 1] != bd[rank - 2])
    return referenceMatMul(node, in, out, error);
  cd[rank - 2] = ad[rank - 2];
  cd[rank - 1] = bd[rank - 1];
  if (ad[rank - 1] == 0 || cd[rank - 2] == 0 || cd[rank - 1] == 0)
    return referenceMatMul(node, in, out, error);
  try {
    auto state = std::static_pointer_cast<MatMulState>(node.state);
    if (!state) {
      state = std::make_shared<MatMulState>();
      node.state = state;
    }
    std::lock_guard<std::mutex> lock(state->mutex);
    if (state->aShape != a.shape() || state->bShape != b.shape()) {
      state->aDesc = dnnl::memory::desc(ad, dt::f32, denseStrides(ad));
      state->bDesc = dnnl::memory::desc(bd, dt::f32, denseStrides(bd));
      state->cDesc = dnnl::memory::desc(cd, dt::f32, denseStrides(cd));
      dnnl::matmul::desc desc(state->aDesc, state->bDesc, state->cDesc);
      state->prim = dnnl::matmul(dnnl::matmul::primitive_desc(desc, cpuEngine()));
      state->aShape = a.shape();
      state->bShape = b.shape();
      state->yShape.assign(cd.begin(), cd.end());
    }
    omp_set_num_threads(node.threads);
    Tensor y = Tensor::uninitialized(DType::F32, state->yShape);
    dnnl::stream s(cpuEngine());
    dnnl::memory am(state->aDesc, cpuEngine(), const_cast<void *>(a.data()));
    dnnl::memory bm(state->bDesc, cpuEngine(), const_cast<void *>(b.data()));
    dnnl::memory cm(state->cDesc, cpuEngine(), y.data());
    state->prim.execute(s, {{DNNL_ARG_SRC, am}, {DNNL_ARG_WEIGHTS, bm},
                            {DNNL_ARG_DST, cm}});
    s.wait();
    // The equalized rank may exceed ONNX's result rank: drop leading 1s.
    std::vector<int64_t> shape(state->yShape.end() -
                                   std::max(a.rank(), b.rank()),
                               state->yShape.end());
    out.push_back(y.reshaped(shape));
    return true;
  } catch (const dnnl::error &) {
    node.state.reset();
    return referenceMatMul(node, in, out, error);
  } catch (const std::exception &e) {
    error = node.describe() + ": oneDNN failed: " + e.what();
    return false;
  }
}

//===----------------------------------------------------------------------===//
// Primitives on plain (row-major) layouts: pooling, softmax, layer
// normalization. (BatchNormalization stays on the reference kernel: on plain
// NCHW oneDNN's primitive measured 7x slower than the per-channel loop on
// the PaddleOCR classifier.)
//===----------------------------------------------------------------------===//

/// A primitive for one set of input shapes, run on plain layouts (no
/// reorders): the tensors' buffers are handed to oneDNN as they are.
struct PlainState : KernelState {
  std::mutex mutex;
  std::vector<std::vector<int64_t>> key;
  dnnl::primitive prim;
  std::vector<int64_t> yShape;
};

dnnl::memory::desc plainDesc(const std::vector<int64_t> &shape) {
  dims d(shape.begin(), shape.end());
  return dnnl::memory::desc(d, dt::f32, denseStrides(d));
}

dnnl::memory wrap(const Tensor &t, const std::vector<int64_t> &shape) {
  return dnnl::memory(plainDesc(shape), cpuEngine(), const_cast<void *>(t.data()));
}

/// Runs `build` (which returns the primitive and the output shape) when the
/// input shapes change, then executes with `args(y)`.
template <typename Build, typename Args>
bool runPlain(const Node &node, std::vector<std::vector<int64_t>> key,
              Build build, Args args, std::vector<Tensor> &out,
              std::string &error) {
  try {
    auto state = std::dynamic_pointer_cast<PlainState>(node.state);
    if (!state) {
      state = std::make_shared<PlainState>();
      node.state = state;
    }
    std::lock_guard<std::mutex> lock(state->mutex);
    if (state->key != key) {
      std::tie(state->prim, state->yShape) = build();
      state->key = key;
    }
    omp_set_num_threads(node.threads);
    Tensor y = Tensor::uninitialized(DType::F32, state->yShape);
    dnnl::stream s(cpuEngine());
    state->prim.execute(s, args(y, state->yShape));
    s.wait();
    out.push_back(y);
    return true;
  } catch (const dnnl::error &e) {
    node.state.reset();
    error = node.describe() + ": oneDNN rejected it: " + e.what();
    return false;
  }
}

template <bool isMax>
bool dnnlPool(const Node &node, const Inputs &in, std::vector<Tensor> &out,
              std::string &error) {
  const Tensor &x = *in[0];
  auto kernel = node.getInts("kernel_shape");
  bool includePad = node.getInt("count_include_pad", 0);
  bool ceil = node.getInt("ceil_mode", 0);
  auto fallback = [&] {
    return isMax ? referenceMaxPool(node, in, out, error)
                 : referenceAveragePool(node, in, out, error);
  };
  if (x.dtype() != DType::F32 || x.rank() < 3 || x.rank() > 5 || !kernel ||
      node.outputs.size() > 1 || (ceil && includePad))
    return fallback();
  Window w;
  if (!resolveWindow(node, x.shape(), *kernel, ceil, w, error))
    return false;
  dims padL(w.padBegin.begin(), w.padBegin.end()), padR(w.spatial);
  dims dil, strides(w.strides.begin(), w.strides.end()),
      k(kernel->begin(), kernel->end());
  for (int64_t d = 0; d < w.spatial; ++d) {
    int64_t eff = (w.kernel[d] - 1) * w.dilations[d] + 1;
    // The right padding that makes oneDNN's floor formula give ONNX's size.
    padR[d] = (w.out[d] - 1) * w.strides[d] + eff - w.in[d] - w.padBegin[d];
    if (padR[d] < 0)
      return fallback();
    dil.push_back(w.dilations[d] - 1);
  }
  std::vector<int64_t> yShape{x.shape()[0], x.shape()[1]};
  yShape.insert(yShape.end(), w.out.begin(), w.out.end());
  auto algo = isMax ? dnnl::algorithm::pooling_max
              : includePad ? dnnl::algorithm::pooling_avg_include_padding
                           : dnnl::algorithm::pooling_avg_exclude_padding;
  bool ok = runPlain(
      node, {x.shape()},
      [&] {
        dnnl::pooling_v2_forward::desc desc(
            dnnl::prop_kind::forward_inference, algo, plainDesc(x.shape()),
            plainDesc(yShape), strides, k, dil, padL, padR);
        return std::make_pair(
            dnnl::primitive(dnnl::pooling_v2_forward(
                dnnl::pooling_v2_forward::primitive_desc(desc, cpuEngine()))),
            yShape);
      },
      [&](Tensor &y, const std::vector<int64_t> &shape) {
        return std::unordered_map<int, dnnl::memory>{
            {DNNL_ARG_SRC, wrap(x, x.shape())}, {DNNL_ARG_DST, wrap(y, shape)}};
      },
      out, error);
  return ok || (out.clear(), fallback());
}

bool dnnlSoftmax(const Node &node, const Inputs &in, std::vector<Tensor> &out,
                 std::string &error) {
  const Tensor &x = *in[0];
  int64_t rank = x.rank();
  int64_t axis = normalizeAxis(node.getInt("axis", node.opset >= 13 ? -1 : 1), rank);
  if (x.dtype() != DType::F32 || rank == 0 || axis < 0 || axis >= rank ||
      x.numElements() == 0)
    return referenceSoftmax(node, in, out, error);
  // Before opset 13 the input is coerced to 2-D at `axis`.
  std::vector<int64_t> shape = x.shape();
  int64_t dnnlAxis = axis;
  if (node.opset < 13) {
    int64_t outer = 1, inner = 1;
    for (int64_t d = 0; d < rank; ++d)
      (d < axis ? outer : inner) *= x.shape()[d];
    shape = {outer, inner};
    dnnlAxis = 1;
  }
  bool ok = runPlain(
      node, {x.shape()},
      [&] {
        dnnl::softmax_forward::desc desc(dnnl::prop_kind::forward_inference,
                                         plainDesc(shape), dnnlAxis);
        return std::make_pair(
            dnnl::primitive(dnnl::softmax_forward(
                dnnl::softmax_forward::primitive_desc(desc, cpuEngine()))),
            shape);
      },
      [&](Tensor &y, const std::vector<int64_t> &) {
        return std::unordered_map<int, dnnl::memory>{
            {DNNL_ARG_SRC, wrap(x, shape)}, {DNNL_ARG_DST, wrap(y, shape)}};
      },
      out, error);
  if (!ok)
    return out.clear(), referenceSoftmax(node, in, out, error);
  out[0] = out[0].reshaped(x.shape());
  return true;
}

bool dnnlLayerNorm(const Node &node, const Inputs &in, std::vector<Tensor> &out,
                   std::string &error) {
  const Tensor &x = *in[0];
  const Tensor *bias = in.size() > 2 ? in[2] : nullptr;
  int64_t axis = normalizeAxis(node.getInt("axis", -1), x.rank());
  if (x.dtype() != DType::F32 || axis < 0 || axis >= x.rank() ||
      node.outputs.size() > 1 || in[1]->dtype() != DType::F32 ||
      (bias && bias->dtype() != DType::F32))
    return referenceLayerNorm(node, in, out, error);
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < x.rank(); ++d)
    (d < axis ? outer : inner) *= x.shape()[d];
  // oneDNN normalizes over the last axis, with per-element scale and shift.
  if (in[1]->numElements() != inner || (bias && bias->numElements() != inner) ||
      outer == 0 || inner == 0)
    return referenceLayerNorm(node, in, out, error);
  float eps = node.getFloat("epsilon", 1e-5f);
  auto flags = dnnl::normalization_flags::use_scale;
  if (bias)
    flags = flags | dnnl::normalization_flags::use_shift;
  std::vector<int64_t> shape{outer, inner};
  bool ok = runPlain(
      node, {x.shape()},
      [&] {
        dnnl::layer_normalization_forward::desc desc(
            dnnl::prop_kind::forward_inference, plainDesc(shape), eps, flags);
        return std::make_pair(
            dnnl::primitive(dnnl::layer_normalization_forward(
                dnnl::layer_normalization_forward::primitive_desc(
                    desc, cpuEngine()))),
            shape);
      },
      [&](Tensor &y, const std::vector<int64_t> &) {
        std::unordered_map<int, dnnl::memory> args{
            {DNNL_ARG_SRC, wrap(x, shape)},
            {DNNL_ARG_DST, wrap(y, shape)},
            {DNNL_ARG_SCALE, wrap(*in[1], {inner})}};
        if (bias)
          args[DNNL_ARG_SHIFT] = wrap(*bias, {inner});
        return args;
      },
      out, error);
  if (!ok)
    return out.clear(), referenceLayerNorm(node, in, out, error);
  out[0] = out[0].reshaped(x.shape());
  return true;
}

} // namespace

void registerDnnlKernels(KernelTable &t) {
  t.add("MaxPool", dnnlPool<true>);
  t.add("AveragePool", dnnlPool<false>);
  t.add("Softmax", dnnlSoftmax);
  t.add("LayerNormalization", dnnlLayerNorm);
  t.add("MatMul", dnnlMatMul);
  t.add("Conv", dnnlConv);
  t.add("ConvTranspose", dnnlConvTranspose);
}

} // namespace nc::rt
