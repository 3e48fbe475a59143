//===- KernelsTest.cpp - runtime kernels against naive references ---------===//
//
// Each kernel is checked against a straightforward loop written here from
// ONNX's definition. Tolerances: convolution and matrix products sum in the
// same order as the reference loops, so they agree to float rounding of a
// few ulps (rtol 1e-5); quantization, casts, pooling maxima and data
// movement are exact.
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

using namespace nc;
using namespace nc::rt;

namespace {

Tensor randomTensor(std::vector<int64_t> shape, unsigned seed) {
  Tensor t(DType::F32, std::move(shape));
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  for (int64_t i = 0; i < t.numElements(); ++i)
    t.data<float>()[i] = dist(rng);
  return t;
}

Attr ints(std::vector<int64_t> v) {
  Attr a;
  a.kind = Attr::Ints;
  a.ints = std::move(v);
  return a;
}
Attr intAttr(int64_t v) {
  Attr a;
  a.kind = Attr::Int;
  a.i = v;
  return a;
}

Node makeNode(const std::string &op, size_t outputs = 1) {
  Node n;
  n.opType = op;
  n.name = op;
  n.opset = 17;
  n.outputs.assign(outputs, 0);
  return n;
}

std::vector<Tensor> run(const Node &node, const Inputs &in) {
  KernelFn fn = findKernel(node.opType);
  EXPECT_NE(fn, nullptr) << node.opType;
  std::vector<Tensor> out;
  std::string error;
  EXPECT_TRUE(fn(node, in, out, error)) << error;
  return out;
}

void expectClose(const Tensor &got, const std::vector<float> &want,
                 float rtol) {
  ASSERT_EQ(got.numElements(), static_cast<int64_t>(want.size()));
  for (size_t i = 0; i < want.size(); ++i)
    EXPECT_NEAR(got.data<float>()[i], want[i],
                rtol * std::max(1.0f, std::abs(want[i])))
        << "at " << i;
}

} // namespace

TEST(ConvKernel, GroupsPadsStridesDilationsMatchNaiveLoops) {
  const int64_t n = 2, c = 4, h = 7, w = 6, m = 6, group = 2, kh = 3, kw = 2;
  const int64_t sh = 2, sw = 1, dh = 1, dw = 2, pt = 1, pl = 0, pb = 2, pr = 1;
  Tensor x = randomTensor({n, c, h, w}, 1);
  Tensor wt = randomTensor({m, c / group, kh, kw}, 2);
  Tensor b = randomTensor({m}, 3);
  Node node = makeNode("Conv");
  node.attrs["group"] = intAttr(group);
  node.attrs["strides"] = ints({sh, sw});
  node.attrs["dilations"] = ints({dh, dw});
  node.attrs["pads"] = ints({pt, pl, pb, pr});
  auto out = run(node, {&x, &wt, &b});
  int64_t oh = (h + pt + pb - ((kh - 1) * dh + 1)) / sh + 1;
  int64_t ow = (w + pl + pr - ((kw - 1) * dw + 1)) / sw + 1;
  ASSERT_EQ(out[0].shape(), (std::vector<int64_t>{n, m, oh, ow}));
  std::vector<float> want;
  int64_t cg = c / group, mg = m / group;
  for (int64_t in = 0; in < n; ++in)
    for (int64_t oc = 0; oc < m; ++oc)
      for (int64_t y = 0; y < oh; ++y)
        for (int64_t xo = 0; xo < ow; ++xo) {
          int64_t g = oc / mg;
          float acc = 0;
          for (int64_t ci = 0; ci < cg; ++ci)
            for (int64_t ky = 0; ky < kh; ++ky)
              for (int64_t kx = 0; kx < kw; ++kx) {
                int64_t iy = y * sh - pt + ky * dh, ix = xo * sw - pl + kx * dw;
                if (iy < 0 || iy >= h || ix < 0 || ix >= w)
                  continue;
                acc += x.data<float>()[((in * c + g * cg + ci) * h + iy) * w + ix] *
                       wt.data<float>()[((oc * cg + ci) * kh + ky) * kw + kx];
              }
          want.push_back(acc + b.data<float>()[oc]);
        }
  expectClose(out[0], want, 1e-5f);
}

TEST(MatMulKernel, BroadcastBatchesMatchNaiveLoops) {
  Tensor a = randomTensor({2, 1, 3, 5}, 4), b = randomTensor({4, 5, 2}, 5);
  auto out = run(makeNode("MatMul"), {&a, &b});
  ASSERT_EQ(out[0].shape(), (std::vector<int64_t>{2, 4, 3, 2}));
  std::vector<float> want;
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 4; ++j)
      for (int64_t r = 0; r < 3; ++r)
        for (int64_t col = 0; col < 2; ++col) {
          float acc = 0;
          for (int64_t k = 0; k < 5; ++k)
            acc += a.data<float>()[(i * 3 + r) * 5 + k] *
                   b.data<float>()[(j * 5 + k) * 2 + col];
          want.push_back(acc);
        }
  expectClose(out[0], want, 1e-5f);
}

TEST(GemmKernel, TransposesAlphaBetaAndBroadcastBias) {
  Tensor a = randomTensor({4, 3}, 6), b = randomTensor({5, 4}, 7),
         c = randomTensor({5}, 8);
  Node node = makeNode("Gemm");
  node.attrs["transA"] = intAttr(1);
  node.attrs["transB"] = intAttr(1);
  Attr alpha, beta;
  alpha.kind = beta.kind = Attr::Float;
  alpha.f = 0.5f;
  beta.f = 2.0f;
  node.attrs["alpha"] = alpha;
  node.attrs["beta"] = beta;
  auto out = run(node, {&a, &b, &c});
  std::vector<float> want;
  for (int64_t i = 0; i < 3; ++i)
    for (int64_t j = 0; j < 5; ++j) {
      float acc = 0;
      for (int64_t k = 0; k < 4; ++k)
        acc += a.data<float>()[k * 3 + i] * b.data<float>()[j * 4 + k];
      want.push_back(0.5f * acc + 2.0f * c.data<float>()[j]);
    }
  expectClose(out[0], want, 1e-5f);
}

TEST(QuantizeLinearKernel, RoundsHalfToEvenAndSaturates) {
  Tensor x(DType::F32, {8});
  float values[] = {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, 1000.0f, -1000.0f, 0.26f};
  std::memcpy(x.data(), values, sizeof(values));
  Tensor scale(DType::F32, {}), zp(DType::U8, {});
  scale.data<float>()[0] = 1.0f;
  zp.data<uint8_t>()[0] = 10;
  auto out = run(makeNode("QuantizeLinear"), {&x, &scale, &zp});
  ASSERT_EQ(out[0].dtype(), DType::U8);
  // round_half_to_even(x / 1) + 10, then saturate to [0, 255].
  uint8_t want[] = {10, 12, 12, 10, 8, 255, 0, 10};
  for (int i = 0; i < 8; ++i)
    EXPECT_EQ(out[0].data<uint8_t>()[i], want[i]) << "at " << i;
}

TEST(QuantizeLinearKernel, PerAxisInt8) {
  Tensor x(DType::F32, {2, 3});
  float values[] = {1.0f, -1.0f, 0.3f, 10.0f, -10.0f, 2.0f};
  std::memcpy(x.data(), values, sizeof(values));
  Tensor scale(DType::F32, {2}), zp(DType::I8, {2});
  scale.data<float>()[0] = 0.1f;
  scale.data<float>()[1] = 0.05f;
  zp.data<int8_t>()[0] = 0;
  zp.data<int8_t>()[1] = -5;
  Node node = makeNode("QuantizeLinear");
  node.attrs["axis"] = intAttr(0);
  auto out = run(node, {&x, &scale, &zp});
  int8_t want[] = {10, -10, 3, 127, -128, 35};
  for (int i = 0; i < 6; ++i)
    EXPECT_EQ(out[0].data<int8_t>()[i], want[i]) << "at " << i;
  // And back: (q - zp) * scale, exactly.
  // Without axis (default 1) the two parameters do not fit 3 columns.
  std::vector<Tensor> r;
  std::string error;
  EXPECT_FALSE(findKernel("DequantizeLinear")(makeNode("DequantizeLinear"),
                                              {&out[0], &scale, &zp}, r, error));
  EXPECT_NE(error.find("per-axis parameters do not match"), std::string::npos);
  Node dq = makeNode("DequantizeLinear");
  dq.attrs["axis"] = intAttr(0);
  auto deq = run(dq, {&out[0], &scale, &zp});
  for (int i = 0; i < 6; ++i) {
    float s = i < 3 ? 0.1f : 0.05f;
    int z = i < 3 ? 0 : -5;
    EXPECT_EQ(deq[0].data<float>()[i], static_cast<float>(want[i] - z) * s);
  }
}

TEST(CastKernel, HalfAndBfloat16RoundToNearestEven) {
  Tensor x(DType::F32, {6});
  float values[] = {1.0f, 65504.0f, 1e-8f, -2.0f, 1.00048828125f, 70000.0f};
  std::memcpy(x.data(), values, sizeof(values));
  Node toHalf = makeNode("Cast");
  toHalf.outputTypes = {DType::F16};
  auto h = run(toHalf, {&x});
  uint16_t wantHalf[] = {0x3c00, 0x7bff, 0x0000, 0xc000, 0x3c00, 0x7c00};
  for (int i = 0; i < 6; ++i)
    EXPECT_EQ(h[0].data<uint16_t>()[i], wantHalf[i]) << "at " << i;
  Node toBf16 = makeNode("Cast");
  toBf16.outputTypes = {DType::BF16};
  auto bf = run(toBf16, {&x});
  EXPECT_EQ(bf[0].data<uint16_t>()[0], 0x3f80);
  EXPECT_EQ(bf[0].data<uint16_t>()[3], 0xc000);
  Node back = makeNode("Cast");
  back.outputTypes = {DType::F32};
  auto f = run(back, {&bf[0]});
  EXPECT_EQ(f[0].data<float>()[0], 1.0f);
  EXPECT_EQ(f[0].data<float>()[3], -2.0f);
}

TEST(MaxPoolKernel, PadsCeilModeAndIndices) {
  Tensor x = randomTensor({1, 2, 5, 5}, 9);
  Node node = makeNode("MaxPool", 2);
  node.attrs["kernel_shape"] = ints({2, 2});
  node.attrs["strides"] = ints({2, 2});
  node.attrs["pads"] = ints({1, 1, 0, 0});
  node.attrs["ceil_mode"] = intAttr(1);
  auto out = run(node, {&x});
  ASSERT_EQ(out[0].shape(), (std::vector<int64_t>{1, 2, 3, 3}));
  for (int64_t c = 0; c < 2; ++c)
    for (int64_t oy = 0; oy < 3; ++oy)
      for (int64_t ox = 0; ox < 3; ++ox) {
        float best = -INFINITY;
        int64_t at = -1;
        for (int64_t ky = 0; ky < 2; ++ky)
          for (int64_t kx = 0; kx < 2; ++kx) {
            int64_t iy = oy * 2 - 1 + ky, ix = ox * 2 - 1 + kx;
            if (iy < 0 || iy >= 5 || ix < 0 || ix >= 5)
              continue;
            float v = x.data<float>()[(c * 5 + iy) * 5 + ix];
            if (v > best) {
              best = v;
              at = (c * 5 + iy) * 5 + ix;
            }
          }
        int64_t o = (c * 3 + oy) * 3 + ox;
        EXPECT_EQ(out[0].data<float>()[o], best);
        EXPECT_EQ(out[1].data<int64_t>()[o], at);
      }
}

TEST(SoftmaxKernel, MatchesDefinitionAlongAxis) {
  Tensor x = randomTensor({2, 3, 4}, 10);
  Node node = makeNode("Softmax");
  node.attrs["axis"] = intAttr(1);
  auto out = run(node, {&x});
  std::vector<float> want(24);
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t k = 0; k < 4; ++k) {
      double sum = 0;
      for (int64_t j = 0; j < 3; ++j)
        sum += std::exp(double(x.data<float>()[(i * 3 + j) * 4 + k]));
      for (int64_t j = 0; j < 3; ++j)
        want[(i * 3 + j) * 4 + k] =
            std::exp(double(x.data<float>()[(i * 3 + j) * 4 + k])) / sum;
    }
  expectClose(out[0], want, 1e-6f);
}

TEST(BroadcastKernels, AddBroadcastsAndReportsClashes) {
  Tensor a = randomTensor({2, 1, 3}, 11), b = randomTensor({4, 1}, 12);
  auto out = run(makeNode("Add"), {&a, &b});
  ASSERT_EQ(out[0].shape(), (std::vector<int64_t>{2, 4, 3}));
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 4; ++j)
      for (int64_t k = 0; k < 3; ++k)
        EXPECT_EQ(out[0].data<float>()[(i * 4 + j) * 3 + k],
                  a.data<float>()[i * 3 + k] + b.data<float>()[j]);
  Tensor bad = randomTensor({5}, 13);
  std::vector<Tensor> r;
  std::string error;
  EXPECT_FALSE(findKernel("Add")(makeNode("Add"), {&a, &bad}, r, error));
  EXPECT_NE(error.find("do not broadcast"), std::string::npos) << error;
}

TEST(ShapeKernels, TransposeAndSliceMoveTheRightElements) {
  Tensor x = randomTensor({2, 3, 4}, 14);
  Node t = makeNode("Transpose");
  t.attrs["perm"] = ints({2, 0, 1});
  auto tr = run(t, {&x});
  ASSERT_EQ(tr[0].shape(), (std::vector<int64_t>{4, 2, 3}));
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 3; ++j)
      for (int64_t k = 0; k < 4; ++k)
        EXPECT_EQ(tr[0].data<float>()[(k * 2 + i) * 3 + j],
                  x.data<float>()[(i * 3 + j) * 4 + k]);
  Tensor starts(DType::I64, {1}), ends(DType::I64, {1}), axes(DType::I64, {1}),
      steps(DType::I64, {1});
  starts.data<int64_t>()[0] = -1;
  ends.data<int64_t>()[0] = -100;
  axes.data<int64_t>()[0] = 2;
  steps.data<int64_t>()[0] = -2;
  auto sl = run(makeNode("Slice"), {&x, &starts, &ends, &axes, &steps});
  ASSERT_EQ(sl[0].shape(), (std::vector<int64_t>{2, 3, 2}));
  EXPECT_EQ(sl[0].data<float>()[0], x.data<float>()[3]);
  EXPECT_EQ(sl[0].data<float>()[1], x.data<float>()[1]);
}

TEST(Kernels, UnknownOpHasNoKernel) {
  EXPECT_EQ(findKernel("NoSuchOp"), nullptr);
}
