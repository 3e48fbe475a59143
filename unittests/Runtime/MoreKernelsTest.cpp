//===- MoreKernelsTest.cpp - normalization, pooling, movement kernels -----===//
//
// Naive references written from ONNX's definitions. Tolerances: sums of a
// few dozen float terms in a different order (rtol 1e-5); data movement and
// selection are exact.
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

using namespace nc;
using namespace nc::rt;

namespace {

Tensor random(std::vector<int64_t> shape, unsigned seed) {
  Tensor t(DType::F32, std::move(shape));
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-2.0f, 2.0f);
  for (int64_t i = 0; i < t.numElements(); ++i)
    t.data<float>()[i] = dist(rng);
  return t;
}

Tensor ints(std::vector<int64_t> values) {
  Tensor t(DType::I64, {static_cast<int64_t>(values.size())});
  for (size_t i = 0; i < values.size(); ++i)
    t.data<int64_t>()[i] = values[i];
  return t;
}

Attr intsAttr(std::vector<int64_t> v) {
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
Attr floatAttr(float v) {
  Attr a;
  a.kind = Attr::Float;
  a.f = v;
  return a;
}
Attr stringAttr(std::string v) {
  Attr a;
  a.kind = Attr::String;
  a.s = std::move(v);
  return a;
}

Node node(const std::string &op, size_t outputs = 1, int64_t opset = 17) {
  Node n;
  n.opType = n.name = op;
  n.opset = opset;
  n.outputs.assign(outputs, 0);
  return n;
}

Tensor run1(const Node &n, const Inputs &in) {
  std::vector<Tensor> out;
  std::string error;
  KernelFn fn = findKernel(n.opType);
  EXPECT_TRUE(fn && fn(n, in, out, error)) << n.opType << ": " << error;
  return out.empty() ? Tensor() : out[0];
}

float at(const Tensor &t, std::vector<int64_t> idx) {
  int64_t off = 0;
  for (size_t d = 0; d < idx.size(); ++d)
    off = off * t.shape()[d] + idx[d];
  return t.data<float>()[off];
}

} // namespace

TEST(AveragePoolKernel, CountIncludePadOrNot) {
  Tensor x = random({1, 1, 4, 4}, 1);
  for (int64_t include : {0, 1}) {
    Node n = node("AveragePool");
    n.attrs["kernel_shape"] = intsAttr({3, 3});
    n.attrs["pads"] = intsAttr({1, 1, 1, 1});
    n.attrs["count_include_pad"] = intAttr(include);
    Tensor y = run1(n, {&x});
    ASSERT_EQ(y.shape(), (std::vector<int64_t>{1, 1, 4, 4}));
    for (int64_t i = 0; i < 4; ++i)
      for (int64_t j = 0; j < 4; ++j) {
        float sum = 0;
        int count = 0;
        for (int64_t a = i - 1; a <= i + 1; ++a)
          for (int64_t b = j - 1; b <= j + 1; ++b)
            if (a >= 0 && a < 4 && b >= 0 && b < 4) {
              sum += at(x, {0, 0, a, b});
              ++count;
            }
        EXPECT_NEAR(at(y, {0, 0, i, j}), sum / (include ? 9 : count), 1e-5);
      }
  }
}

TEST(GlobalAveragePoolKernel, MeanOverSpatialAxes) {
  Tensor x = random({2, 3, 5, 4}, 2);
  Tensor y = run1(node("GlobalAveragePool"), {&x});
  ASSERT_EQ(y.shape(), (std::vector<int64_t>{2, 3, 1, 1}));
  for (int64_t n = 0; n < 2; ++n)
    for (int64_t c = 0; c < 3; ++c) {
      float sum = 0;
      for (int64_t i = 0; i < 20; ++i)
        sum += x.data<float>()[(n * 3 + c) * 20 + i];
      EXPECT_NEAR(y.data<float>()[n * 3 + c], sum / 20, 1e-5);
    }
}

TEST(BatchNormalizationKernel, InferenceFormula) {
  Tensor x = random({2, 3, 2, 2}, 3), s = random({3}, 4), b = random({3}, 5),
         m = random({3}, 6), v = random({3}, 7);
  for (int64_t c = 0; c < 3; ++c)
    v.data<float>()[c] = std::abs(v.data<float>()[c]) + 0.1f;
  Node n = node("BatchNormalization");
  n.attrs["epsilon"] = floatAttr(1e-3f);
  Tensor y = run1(n, {&x, &s, &b, &m, &v});
  for (int64_t i = 0; i < x.numElements(); ++i) {
    int64_t c = (i / 4) % 3;
    float want = (x.data<float>()[i] - m.data<float>()[c]) /
                     std::sqrt(v.data<float>()[c] + 1e-3f) * s.data<float>()[c] +
                 b.data<float>()[c];
    EXPECT_NEAR(y.data<float>()[i], want, 1e-5);
  }
}

TEST(LayerNormalizationKernel, NormalizesTrailingAxes) {
  Tensor x = random({3, 2, 4}, 8), g = random({2, 4}, 9), b = random({2, 4}, 10);
  Node n = node("LayerNormalization");
  n.attrs["axis"] = intAttr(1);
  Tensor y = run1(n, {&x, &g, &b});
  for (int64_t r = 0; r < 3; ++r) {
    double mean = 0, var = 0;
    for (int64_t i = 0; i < 8; ++i)
      mean += x.data<float>()[r * 8 + i];
    mean /= 8;
    for (int64_t i = 0; i < 8; ++i)
      var += std::pow(x.data<float>()[r * 8 + i] - mean, 2);
    var /= 8;
    for (int64_t i = 0; i < 8; ++i)
      EXPECT_NEAR(y.data<float>()[r * 8 + i],
                  (x.data<float>()[r * 8 + i] - mean) / std::sqrt(var + 1e-5) *
                          g.data<float>()[i] + b.data<float>()[i],
                  1e-4);
  }
}

TEST(ConvTransposeKernel, MatchesScatterDefinition) {
  Tensor x = random({1, 2, 3, 3}, 11), w = random({2, 3, 2, 2}, 12);
  Node n = node("ConvTranspose");
  n.attrs["strides"] = intsAttr({2, 2});
  Tensor y = run1(n, {&x, &w});
  ASSERT_EQ(y.shape(), (std::vector<int64_t>{1, 3, 6, 6}));
  std::vector<float> want(3 * 36, 0.0f);
  for (int64_t c = 0; c < 2; ++c)
    for (int64_t i = 0; i < 3; ++i)
      for (int64_t j = 0; j < 3; ++j)
        for (int64_t m = 0; m < 3; ++m)
          for (int64_t a = 0; a < 2; ++a)
            for (int64_t b = 0; b < 2; ++b)
              want[(m * 6 + i * 2 + a) * 6 + j * 2 + b] +=
                  at(x, {0, c, i, j}) * at(w, {c, m, a, b});
  for (size_t i = 0; i < want.size(); ++i)
    EXPECT_NEAR(y.data<float>()[i], want[i], 1e-5);
}

TEST(ResizeKernel, LinearHalfPixelAndNearest) {
  Tensor x(DType::F32, {1, 1, 1, 2});
  x.data<float>()[0] = 1;
  x.data<float>()[1] = 3;
  Tensor roi(DType::F32, {0}), scales(DType::F32, {4});
  float s[] = {1, 1, 1, 2};
  std::copy(s, s + 4, scales.data<float>());
  Node lin = node("Resize", 1, 13);
  lin.attrs["mode"] = stringAttr("linear");
  Tensor y = run1(lin, {&x, &roi, &scales});
  // half_pixel: sources -0.25, 0.25, 0.75, 1.25 clamp to [0, 1].
  float want[] = {1.0f, 1.5f, 2.5f, 3.0f};
  for (int i = 0; i < 4; ++i)
    EXPECT_FLOAT_EQ(y.data<float>()[i], want[i]);
  Tensor z = run1(node("Resize", 1, 13), {&x, &roi, &scales});
  float nearest[] = {1, 1, 3, 3};
  for (int i = 0; i < 4; ++i)
    EXPECT_EQ(z.data<float>()[i], nearest[i]);
}

TEST(PadKernel, ReflectAndConstant) {
  Tensor x(DType::F32, {3});
  for (int i = 0; i < 3; ++i)
    x.data<float>()[i] = float(i + 1); // 1 2 3
  Tensor pads = ints({2, 1});
  Node reflect = node("Pad");
  reflect.attrs["mode"] = stringAttr("reflect");
  Tensor y = run1(reflect, {&x, &pads});
  float want[] = {3, 2, 1, 2, 3, 2};
  for (int i = 0; i < 6; ++i)
    EXPECT_EQ(y.data<float>()[i], want[i]);
  Tensor value(DType::F32, {});
  value.data<float>()[0] = 9;
  Tensor z = run1(node("Pad"), {&x, &pads, &value});
  float wantConst[] = {9, 9, 1, 2, 3, 9};
  for (int i = 0; i < 6; ++i)
    EXPECT_EQ(z.data<float>()[i], wantConst[i]);
}

TEST(MovementKernels, ConcatGatherSplitExpand) {
  Tensor a = random({2, 3}, 13), b = random({2, 1}, 14);
  Node concat = node("Concat");
  concat.attrs["axis"] = intAttr(-1);
  Tensor c = run1(concat, {&a, &b});
  ASSERT_EQ(c.shape(), (std::vector<int64_t>{2, 4}));
  EXPECT_EQ(at(c, {1, 3}), at(b, {1, 0}));
  EXPECT_EQ(at(c, {1, 2}), at(a, {1, 2}));

  Tensor idx = ints({-1, 0});
  Node gather = node("Gather");
  gather.attrs["axis"] = intAttr(1);
  Tensor g = run1(gather, {&a, &idx});
  ASSERT_EQ(g.shape(), (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(at(g, {0, 0}), at(a, {0, 2}));
  EXPECT_EQ(at(g, {1, 1}), at(a, {1, 0}));

  Node split = node("Split", 2);
  split.attrs["axis"] = intAttr(1);
  Tensor sizes = ints({1, 2});
  std::vector<Tensor> parts;
  std::string error;
  ASSERT_TRUE(findKernel("Split")(split, {&a, &sizes}, parts, error)) << error;
  ASSERT_EQ(parts[1].shape(), (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(at(parts[1], {1, 1}), at(a, {1, 2}));

  Tensor shape = ints({3, 2, 1});
  Tensor e = run1(node("Expand"), {&b, &shape});
  ASSERT_EQ(e.shape(), (std::vector<int64_t>{3, 2, 1}));
  EXPECT_EQ(at(e, {2, 1, 0}), at(b, {1, 0}));
}

TEST(ReduceKernels, MeanKeepdimsAndArgMax) {
  Tensor x = random({2, 3, 4}, 15);
  Node mean = node("ReduceMean", 1, 13);
  mean.attrs["axes"] = intsAttr({1});
  Tensor m = run1(mean, {&x});
  ASSERT_EQ(m.shape(), (std::vector<int64_t>{2, 1, 4}));
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t k = 0; k < 4; ++k)
      EXPECT_NEAR(at(m, {i, 0, k}),
                  (at(x, {i, 0, k}) + at(x, {i, 1, k}) + at(x, {i, 2, k})) / 3,
                  1e-5);
  Node argmax = node("ArgMax");
  argmax.attrs["axis"] = intAttr(2);
  argmax.attrs["keepdims"] = intAttr(0);
  Tensor am = run1(argmax, {&x});
  ASSERT_EQ(am.shape(), (std::vector<int64_t>{2, 3}));
  for (int64_t i = 0; i < 6; ++i) {
    int64_t best = 0;
    for (int64_t k = 1; k < 4; ++k)
      if (x.data<float>()[i * 4 + k] > x.data<float>()[i * 4 + best])
        best = k;
    EXPECT_EQ(am.data<int64_t>()[i], best);
  }
}

TEST(ElementwiseKernels, ClipWhereAndIntegerCast) {
  Tensor x = random({5}, 16);
  Tensor lo(DType::F32, {}), hi(DType::F32, {});
  lo.data<float>()[0] = -0.5f;
  hi.data<float>()[0] = 0.5f;
  Tensor c = run1(node("Clip"), {&x, &lo, &hi});
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(c.data<float>()[i],
              std::min(0.5f, std::max(-0.5f, x.data<float>()[i])));
  Tensor cond(DType::Bool, {5});
  for (int i = 0; i < 5; ++i)
    cond.data<uint8_t>()[i] = i % 2;
  Tensor w = run1(node("Where"), {&cond, &x, &c});
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(w.data<float>()[i], i % 2 ? x.data<float>()[i] : c.data<float>()[i]);
  Node cast = node("Cast");
  cast.outputTypes = {DType::I32};
  Tensor ci = run1(cast, {&x});
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(ci.data<int32_t>()[i], static_cast<int32_t>(x.data<float>()[i]));
}

TEST(SoftmaxKernel, Opset11CoercesTo2D) {
  Tensor x = random({2, 2, 3}, 17);
  Node n = node("Softmax", 1, 11);
  n.attrs["axis"] = intAttr(1);
  Tensor y = run1(n, {&x});
  for (int64_t r = 0; r < 2; ++r) {
    double sum = 0;
    for (int64_t i = 0; i < 6; ++i)
      sum += std::exp(double(x.data<float>()[r * 6 + i]));
    for (int64_t i = 0; i < 6; ++i)
      EXPECT_NEAR(y.data<float>()[r * 6 + i],
                  std::exp(double(x.data<float>()[r * 6 + i])) / sum, 1e-6);
  }
}
