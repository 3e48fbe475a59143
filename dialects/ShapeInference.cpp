//===- ShapeInference.cpp - ONNX shape rules for typed nc ops -------------===//
//
// Each typed op infers its result type from its operand types and, where
// ONNX makes a shape depend on a tensor (Reshape's shape, Squeeze's axes),
// from constant operands. Unknown dimensions stay dynamic.
//
//===----------------------------------------------------------------------===//

#include "nc/Dialect/NCDialect.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

using namespace mlir;
using namespace mlir::nc;

namespace mlir::nc {
FailureOr<SmallVector<int64_t>> broadcastOnnxShapes(ArrayRef<int64_t> a,
                                                    ArrayRef<int64_t> b);
} // namespace mlir::nc

static constexpr int64_t kDyn = ShapedType::kDynamic;

static Type elementTypeOf(Value v) {
  return cast<TensorType>(v.getType()).getElementType();
}

static RankedTensorType ranked(Value v) {
  return dyn_cast<RankedTensorType>(v.getType());
}

static Type unranked(Value like) {
  return UnrankedTensorType::get(elementTypeOf(like));
}

static Type makeTensor(ArrayRef<int64_t> shape, Type elem) {
  return RankedTensorType::get(shape, elem);
}

/// The integer values of a constant operand (nc.constant of i64 or i32).
static std::optional<SmallVector<int64_t>> constantInts(Value v) {
  if (!v)
    return std::nullopt;
  auto cst = v.getDefiningOp<ConstantOp>();
  if (!cst)
    return std::nullopt;
  ElementsAttr value = cst.getValue();
  if (!value.getElementType().isInteger(64) &&
      !value.getElementType().isInteger(32))
    return std::nullopt;
  SmallVector<int64_t> out;
  if (auto dense = dyn_cast<DenseIntElementsAttr>(value)) {
    for (const APInt &i : dense.getValues<APInt>())
      out.push_back(i.getSExtValue());
    return out;
  }
  auto resource = dyn_cast<DenseResourceElementsAttr>(value);
  if (!resource)
    return std::nullopt;
  AsmResourceBlob *blob = resource.getRawHandle().getBlob();
  if (!blob)
    return std::nullopt;
  ArrayRef<char> data = blob->getData();
  size_t width = value.getElementType().isInteger(64) ? 8 : 4;
  int64_t n = value.getNumElements();
  if (data.size() != n * width)
    return std::nullopt;
  for (int64_t i = 0; i < n; ++i) {
    if (width == 8) {
      int64_t x;
      std::memcpy(&x, data.data() + i * 8, 8);
      out.push_back(x);
    } else {
      int32_t x;
      std::memcpy(&x, data.data() + i * 4, 4);
      out.push_back(x);
    }
  }
  return out;
}

static int64_t normalizeAxis(int64_t axis, int64_t rank) {
  return axis < 0 ? axis + rank : axis;
}

/// Output size of one spatial axis of a convolution or pooling window.
static int64_t windowOutput(int64_t in, int64_t k, int64_t stride,
                            int64_t dilation, int64_t padBegin, int64_t padEnd,
                            StringRef autoPad, bool ceilMode) {
  if (ShapedType::isDynamic(in) || ShapedType::isDynamic(k))
    return kDyn;
  if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER")
    return (in + stride - 1) / stride;
  int64_t effective = (k - 1) * dilation + 1;
  if (autoPad == "VALID")
    return (in - effective) / stride + 1;
  int64_t span = in + padBegin + padEnd - effective;
  if (span < 0)
    return kDyn;
  int64_t out = (ceilMode ? (span + stride - 1) / stride : span / stride) + 1;
  // ONNX: with ceil_mode the last window must start inside the input.
  if (ceilMode && (out - 1) * stride >= in + padBegin)
    --out;
  return out;
}

/// Result type of a sliding-window op with `channels` output channels.
static FailureOr<Type> inferWindow(Value x, int64_t channels,
                                   std::optional<ArrayRef<int64_t>> kernel,
                                   std::optional<ArrayRef<int64_t>> strides,
                                   std::optional<ArrayRef<int64_t>> dilations,
                                   std::optional<ArrayRef<int64_t>> pads,
                                   std::optional<StringRef> autoPad,
                                   bool ceilMode) {
  auto type = ranked(x);
  if (!type || type.getRank() < 3 || !kernel)
    return unranked(x);
  size_t spatial = type.getRank() - 2;
  SmallVector<int64_t> shape{type.getDimSize(0), channels};
  for (size_t i = 0; i < spatial; ++i) {
    int64_t s = strides ? (*strides)[i] : 1;
    int64_t d = dilations ? (*dilations)[i] : 1;
    int64_t pb = pads ? (*pads)[i] : 0, pe = pads ? (*pads)[i + spatial] : 0;
    shape.push_back(windowOutput(type.getDimSize(i + 2), (*kernel)[i], s, d,
                                 pb, pe, autoPad.value_or("NOTSET"), ceilMode));
  }
  return makeTensor(shape, type.getElementType());
}

/// Kernel shape of a conv: the attribute, or the weight's spatial dims.
static std::optional<SmallVector<int64_t>>
convKernel(std::optional<ArrayRef<int64_t>> attr, Value w) {
  if (attr)
    return SmallVector<int64_t>(*attr);
  if (auto t = ranked(w); t && t.getRank() >= 3)
    return SmallVector<int64_t>(t.getShape().drop_front(2));
  return std::nullopt;
}

//===----------------------------------------------------------------------===//
// Convolution and matrix products.
//===----------------------------------------------------------------------===//

FailureOr<Type> ConvOp::inferResultType() {
  auto w = ranked(getW());
  auto kernel = convKernel(getKernelShape(), getW());
  if (!kernel)
    return unranked(getX());
  return inferWindow(getX(), w ? w.getDimSize(0) : kDyn, ArrayRef(*kernel),
                     getStrides(), getDilations(), getPads(), getAutoPad(),
                     false);
}

FailureOr<Type> ConvTransposeOp::inferResultType() {
  auto x = ranked(getX()), w = ranked(getW());
  auto kernel = convKernel(getKernelShape(), getW());
  if (!x || !w || !kernel || x.getRank() < 3)
    return unranked(getX());
  int64_t group = getGroup().value_or(1);
  int64_t m = w.isDynamicDim(1) ? kDyn : w.getDimSize(1) * group;
  size_t spatial = x.getRank() - 2;
  SmallVector<int64_t> shape{x.getDimSize(0), m};
  auto outShape = getOutputShape();
  for (size_t i = 0; i < spatial; ++i) {
    if (outShape && outShape->size() == spatial) {
      shape.push_back((*outShape)[i]);
      continue;
    }
    int64_t in = x.getDimSize(i + 2);
    int64_t s = getStrides() ? (*getStrides())[i] : 1;
    int64_t d = getDilations() ? (*getDilations())[i] : 1;
    int64_t op = getOutputPadding() ? (*getOutputPadding())[i] : 0;
    int64_t pb = getPads() ? (*getPads())[i] : 0;
    int64_t pe = getPads() ? (*getPads())[i + spatial] : 0;
    StringRef autoPad = getAutoPad().value_or("NOTSET");
    if (ShapedType::isDynamic(in))
      shape.push_back(kDyn);
    else if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER")
      shape.push_back(in * s);
    else
      shape.push_back(s * (in - 1) + op + ((*kernel)[i] - 1) * d + 1 - pb - pe);
  }
  return makeTensor(shape, x.getElementType());
}

FailureOr<Type> MatMulOp::inferResultType() {
  auto a = ranked(getA()), b = ranked(getB());
  if (!a || !b || a.getRank() == 0 || b.getRank() == 0)
    return unranked(getA());
  SmallVector<int64_t> as(a.getShape()), bs(b.getShape());
  bool vecA = as.size() == 1, vecB = bs.size() == 1;
  if (vecA)
    as.insert(as.begin(), 1);
  if (vecB)
    bs.push_back(1);
  auto batch = broadcastOnnxShapes(ArrayRef(as).drop_back(2),
                                   ArrayRef(bs).drop_back(2));
  if (failed(batch))
    return failure();
  SmallVector<int64_t> shape(*batch);
  if (!vecA)
    shape.push_back(as[as.size() - 2]);
  if (!vecB)
    shape.push_back(bs.back());
  return makeTensor(shape, a.getElementType());
}

FailureOr<Type> GemmOp::inferResultType() {
  auto a = ranked(getA()), b = ranked(getB());
  if (!a || !b || a.getRank() != 2 || b.getRank() != 2)
    return unranked(getA());
  int64_t m = a.getDimSize(getTransA().value_or(0) ? 1 : 0);
  int64_t n = b.getDimSize(getTransB().value_or(0) ? 0 : 1);
  return makeTensor({m, n}, a.getElementType());
}

//===----------------------------------------------------------------------===//
// Elementwise ops.
//===----------------------------------------------------------------------===//

static FailureOr<Type> inferBroadcast(Operation *op) {
  Value a = op->getOperand(0), b = op->getOperand(1);
  auto ta = ranked(a), tb = ranked(b);
  if (!ta || !tb)
    return unranked(a);
  auto shape = broadcastOnnxShapes(ta.getShape(), tb.getShape());
  if (failed(shape))
    return failure();
  return makeTensor(*shape, ta.getElementType());
}

FailureOr<Type> AddOp::inferResultType() { return inferBroadcast(*this); }
FailureOr<Type> SubOp::inferResultType() { return inferBroadcast(*this); }
FailureOr<Type> MulOp::inferResultType() { return inferBroadcast(*this); }
FailureOr<Type> DivOp::inferResultType() { return inferBroadcast(*this); }

FailureOr<Type> ReluOp::inferResultType() { return getX().getType(); }
FailureOr<Type> SigmoidOp::inferResultType() { return getX().getType(); }
FailureOr<Type> TanhOp::inferResultType() { return getInput().getType(); }
FailureOr<Type> HardSwishOp::inferResultType() { return getX().getType(); }
FailureOr<Type> HardSigmoidOp::inferResultType() { return getX().getType(); }
FailureOr<Type> LeakyReluOp::inferResultType() { return getX().getType(); }
FailureOr<Type> ClipOp::inferResultType() { return getInput().getType(); }

//===----------------------------------------------------------------------===//
// Normalization and pooling.
//===----------------------------------------------------------------------===//

FailureOr<Type> BatchNormalizationOp::inferResultType() {
  return getX().getType();
}
FailureOr<Type> LayerNormalizationOp::inferResultType() {
  return getX().getType();
}
FailureOr<Type> SoftmaxOp::inferResultType() { return getInput().getType(); }

FailureOr<Type> MaxPoolOp::inferResultType() {
  auto x = ranked(getX());
  return inferWindow(getX(), x ? x.getDimSize(1) : kDyn, getKernelShape(),
                     getStrides(), getDilations(), getPads(), getAutoPad(),
                     getCeilMode().value_or(0) != 0);
}

FailureOr<Type> AveragePoolOp::inferResultType() {
  auto x = ranked(getX());
  return inferWindow(getX(), x ? x.getDimSize(1) : kDyn, getKernelShape(),
                     getStrides(), getDilations(), getPads(), getAutoPad(),
                     getCeilMode().value_or(0) != 0);
}

FailureOr<Type> GlobalAveragePoolOp::inferResultType() {
  auto x = ranked(getX());
  if (!x || x.getRank() < 3)
    return unranked(getX());
  SmallVector<int64_t> shape{x.getDimSize(0), x.getDimSize(1)};
  shape.append(x.getRank() - 2, 1);
  return makeTensor(shape, x.getElementType());
}

//===----------------------------------------------------------------------===//
// Shape and data movement.
//===----------------------------------------------------------------------===//

FailureOr<Type> ReshapeOp::inferResultType() {
  auto target = constantInts(getShape());
  if (!target) {
    auto s = ranked(getShape());
    if (s && s.getRank() == 1 && !s.isDynamicDim(0))
      return makeTensor(SmallVector<int64_t>(s.getDimSize(0), kDyn),
                        elementTypeOf(getData()));
    return unranked(getData());
  }
  auto in = ranked(getData());
  bool allowZero = getAllowzero().value_or(0) != 0;
  SmallVector<int64_t> shape;
  int64_t known = 1, inferred = -1;
  for (auto [i, d] : llvm::enumerate(*target)) {
    if (d == 0 && !allowZero)
      d = in && static_cast<int64_t>(i) < in.getRank() ? in.getDimSize(i)
                                                        : kDyn;
    if (d == -1) {
      if (inferred >= 0)
        return failure();
      inferred = i;
      shape.push_back(kDyn);
      continue;
    }
    if (d < -1)
      return failure();
    shape.push_back(d);
    if (ShapedType::isDynamic(d))
      known = -1;
    else if (known >= 0)
      known *= d;
  }
  if (inferred >= 0 && in && in.hasStaticShape() && known > 0 &&
      in.getNumElements() % known == 0)
    shape[inferred] = in.getNumElements() / known;
  return makeTensor(shape, elementTypeOf(getData()));
}

FailureOr<Type> TransposeOp::inferResultType() {
  auto in = ranked(getData());
  if (!in)
    return unranked(getData());
  SmallVector<int64_t> shape;
  int64_t rank = in.getRank();
  for (int64_t i = 0; i < rank; ++i)
    shape.push_back(
        in.getDimSize(getPerm() ? (*getPerm())[i] : rank - 1 - i));
  return makeTensor(shape, in.getElementType());
}

FailureOr<Type> ConcatOp::inferResultType() {
  RankedTensorType first;
  for (Value v : getInputs())
    if (!(first = ranked(v)))
      return unranked(getInputs().front());
  first = ranked(getInputs().front());
  int64_t axis = normalizeAxis(getAxis(), first.getRank());
  SmallVector<int64_t> shape(first.getShape());
  shape[axis] = 0;
  for (Value v : getInputs()) {
    auto t = ranked(v);
    for (int64_t i = 0; i < t.getRank(); ++i) {
      if (i == axis) {
        shape[i] = ShapedType::isDynamic(shape[i]) || t.isDynamicDim(i)
                       ? kDyn
                       : shape[i] + t.getDimSize(i);
      } else if (ShapedType::isDynamic(shape[i])) {
        shape[i] = t.getDimSize(i);
      }
    }
  }
  return makeTensor(shape, first.getElementType());
}

FailureOr<Type> FlattenOp::inferResultType() {
  auto in = ranked(getInput());
  if (!in)
    return makeTensor({kDyn, kDyn}, elementTypeOf(getInput()));
  int64_t axis = normalizeAxis(getAxis().value_or(1), in.getRank());
  auto product = [&](ArrayRef<int64_t> dims) {
    int64_t p = 1;
    for (int64_t d : dims) {
      if (ShapedType::isDynamic(d))
        return kDyn;
      p *= d;
    }
    return p;
  };
  return makeTensor({product(in.getShape().take_front(axis)),
                     product(in.getShape().drop_front(axis))},
                    in.getElementType());
}

FailureOr<Type> SqueezeOp::inferResultType() {
  auto in = ranked(getData());
  if (!in)
    return unranked(getData());
  SmallVector<int64_t> shape;
  if (!getAxes()) {
    for (int64_t d : in.getShape()) {
      if (ShapedType::isDynamic(d))
        return unranked(getData());
      if (d != 1)
        shape.push_back(d);
    }
    return makeTensor(shape, in.getElementType());
  }
  auto axes = constantInts(getAxes());
  if (!axes)
    return unranked(getData());
  SmallVector<bool> drop(in.getRank(), false);
  for (int64_t a : *axes) {
    a = normalizeAxis(a, in.getRank());
    if (a < 0 || a >= in.getRank())
      return failure();
    drop[a] = true;
  }
  for (int64_t i = 0; i < in.getRank(); ++i)
    if (!drop[i])
      shape.push_back(in.getDimSize(i));
  return makeTensor(shape, in.getElementType());
}

FailureOr<Type> UnsqueezeOp::inferResultType() {
  auto in = ranked(getData());
  auto axes = constantInts(getAxes());
  if (!in || !axes)
    return unranked(getData());
  int64_t rank = in.getRank() + axes->size();
  SmallVector<bool> inserted(rank, false);
  for (int64_t a : *axes) {
    a = normalizeAxis(a, rank);
    if (a < 0 || a >= rank || inserted[a])
      return failure();
    inserted[a] = true;
  }
  SmallVector<int64_t> shape;
  int64_t next = 0;
  for (int64_t i = 0; i < rank; ++i)
    shape.push_back(inserted[i] ? 1 : in.getDimSize(next++));
  return makeTensor(shape, in.getElementType());
}

FailureOr<Type> SliceOp::inferResultType() {
  auto in = ranked(getData());
  if (!in)
    return unranked(getData());
  auto starts = constantInts(getStarts()), ends = constantInts(getEnds());
  std::optional<SmallVector<int64_t>> axes, steps;
  if (getAxes())
    axes = constantInts(getAxes());
  if (getSteps())
    steps = constantInts(getSteps());
  SmallVector<int64_t> shape(in.getShape());
  if (!starts || !ends || (getAxes() && !axes) || (getSteps() && !steps)) {
    return makeTensor(SmallVector<int64_t>(in.getRank(), kDyn),
                      in.getElementType());
  }
  for (size_t i = 0; i < starts->size(); ++i) {
    int64_t axis = normalizeAxis(axes ? (*axes)[i] : i, in.getRank());
    if (axis < 0 || axis >= in.getRank() || i >= ends->size())
      return failure();
    int64_t step = steps ? (*steps)[i] : 1;
    int64_t dim = in.getDimSize(axis);
    if (ShapedType::isDynamic(dim) || step == 0) {
      shape[axis] = kDyn;
      continue;
    }
    auto clampIndex = [&](int64_t v, bool isEnd) {
      if (v < 0)
        v += dim;
      if (step > 0)
        return std::clamp<int64_t>(v, 0, dim);
      return std::clamp<int64_t>(v, -1, dim - 1);
    };
    int64_t s = clampIndex((*starts)[i], false), e = clampIndex((*ends)[i], true);
    int64_t n = step > 0 ? (e - s + step - 1) / step : (s - e - step - 1) / -step;
    shape[axis] = std::max<int64_t>(n, 0);
  }
  return makeTensor(shape, in.getElementType());
}

FailureOr<Type> GatherOp::inferResultType() {
  auto data = ranked(getData()), indices = ranked(getIndices());
  if (!data || !indices)
    return unranked(getData());
  int64_t axis = normalizeAxis(getAxis().value_or(0), data.getRank());
  SmallVector<int64_t> shape(data.getShape().take_front(axis));
  llvm::append_range(shape, indices.getShape());
  llvm::append_range(shape, data.getShape().drop_front(axis + 1));
  return makeTensor(shape, data.getElementType());
}

FailureOr<Type> ResizeOp::inferResultType() {
  auto in = ranked(getX());
  if (!in)
    return unranked(getX());
  SmallVector<int64_t> shape(in.getRank(), kDyn);
  if (getAxes())
    return makeTensor(shape, in.getElementType());
  if (auto sizes = constantInts(getSizes());
      sizes && static_cast<int64_t>(sizes->size()) == in.getRank() &&
      !getKeepAspectRatioPolicy())
    return makeTensor(*sizes, in.getElementType());
  return makeTensor(shape, in.getElementType());
}

FailureOr<Type> PadOp::inferResultType() {
  auto in = ranked(getData());
  auto pads = constantInts(getPads());
  if (!in)
    return unranked(getData());
  int64_t rank = in.getRank();
  if (!pads || getAxes() || static_cast<int64_t>(pads->size()) != 2 * rank)
    return makeTensor(SmallVector<int64_t>(rank, kDyn), in.getElementType());
  SmallVector<int64_t> shape;
  for (int64_t i = 0; i < rank; ++i)
    shape.push_back(in.isDynamicDim(i)
                        ? kDyn
                        : in.getDimSize(i) + (*pads)[i] + (*pads)[i + rank]);
  return makeTensor(shape, in.getElementType());
}
