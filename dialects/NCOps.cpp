//===- NCOps.cpp - nc op verifiers and folders ----------------------------===//
//
// Verifiers check what ONNX's specification requires of an op's attributes
// and of operand shapes that are known. Unknown (dynamic or unranked) shapes
// are never an error.
//
//===----------------------------------------------------------------------===//

#include "nc/Dialect/NCDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/SmallSet.h"

using namespace mlir;
using namespace mlir::nc;

#define GET_OP_CLASSES
#include "nc/Dialect/NCOps.cpp.inc"

//===----------------------------------------------------------------------===//
// Helpers.
//===----------------------------------------------------------------------===//

static RankedTensorType ranked(Value v) {
  return dyn_cast<RankedTensorType>(v.getType());
}

/// Checks that `value` is one of `allowed`.
static LogicalResult verifyStringEnum(Operation *op, StringRef name,
                                      std::optional<StringRef> value,
                                      ArrayRef<StringRef> allowed) {
  if (!value || llvm::is_contained(allowed, *value))
    return success();
  std::string list;
  llvm::raw_string_ostream os(list);
  llvm::interleaveComma(allowed, os);
  return op->emitOpError() << "attribute '" << name << "' is '" << *value
                           << "', expected one of: " << list;
}

/// Checks that an axis attribute lies in [-rank, rank + extra).
static LogicalResult verifyAxis(Operation *op, std::optional<int64_t> axis,
                                Value input, int64_t extra = 0) {
  auto type = ranked(input);
  if (!axis || !type)
    return success();
  int64_t rank = type.getRank();
  if (*axis < -rank || *axis >= rank + extra)
    return op->emitOpError() << "axis " << *axis << " is out of range for rank "
                             << rank;
  return success();
}

/// Checks the spatial attributes shared by Conv, ConvTranspose and pools.
static LogicalResult verifyWindow(Operation *op, Value x,
                                  std::optional<StringRef> autoPad,
                                  std::optional<ArrayRef<int64_t>> kernel,
                                  std::optional<ArrayRef<int64_t>> strides,
                                  std::optional<ArrayRef<int64_t>> dilations,
                                  std::optional<ArrayRef<int64_t>> pads) {
  if (failed(verifyStringEnum(op, "auto_pad", autoPad,
                              {"NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"})))
    return failure();
  auto check = [&](StringRef name, std::optional<ArrayRef<int64_t>> values,
                   bool positive) -> LogicalResult {
    if (!values)
      return success();
    for (int64_t v : *values)
      if (positive ? v <= 0 : v < 0)
        return op->emitOpError() << "'" << name << "' must be "
                                 << (positive ? "positive" : "non-negative");
    return success();
  };
  if (failed(check("kernel_shape", kernel, true)) ||
      failed(check("strides", strides, true)) ||
      failed(check("dilations", dilations, true)) ||
      failed(check("pads", pads, false)))
    return failure();
  auto type = ranked(x);
  if (!type)
    return success();
  if (type.getRank() < 3)
    return op->emitOpError() << "expects an input of rank >= 3 (N, C, spatial), "
                                "got rank "
                             << type.getRank();
  size_t spatial = type.getRank() - 2;
  auto size = [&](StringRef name, std::optional<ArrayRef<int64_t>> values,
                  size_t expected) -> LogicalResult {
    if (values && values->size() != expected)
      return op->emitOpError() << "'" << name << "' has " << values->size()
                               << " values, expected " << expected;
    return success();
  };
  return success(succeeded(size("kernel_shape", kernel, spatial)) &&
                 succeeded(size("strides", strides, spatial)) &&
                 succeeded(size("dilations", dilations, spatial)) &&
                 succeeded(size("pads", pads, 2 * spatial)));
}

//===----------------------------------------------------------------------===//
// Structural ops.
//===----------------------------------------------------------------------===//

LogicalResult ConstantOp::verify() {
  auto valueType = cast<ShapedType>(getValue().getType());
  auto resultType = cast<TensorType>(getType());
  if (!resultType.hasRank() || resultType.getShape() != valueType.getShape())
    return emitOpError() << "result type " << resultType
                         << " does not have the shape of the value "
                         << valueType;
  Type elem = resultType.getElementType();
  if (elem == valueType.getElementType())
    return success();
  if (auto quantType = dyn_cast<quant::QuantizedType>(elem))
    if (quantType.getStorageTypeIntegralWidth() ==
        valueType.getElementType().getIntOrFloatBitWidth())
      return success();
  return emitOpError() << "result element type " << elem
                       << " does not match the value's element type "
                       << valueType.getElementType();
}

OpFoldResult ConstantOp::fold(FoldAdaptor) {
  if (getValue().getType() == getType())
    return getValue();
  return {};
}

LogicalResult NodeOp::verify() {
  if (getOpType().empty())
    return emitOpError() << "has an empty op_type";
  size_t names = getGraphAttrs() ? getGraphAttrs()->size() : 0;
  if (names != getGraphs().size())
    return emitOpError() << "has " << getGraphs().size()
                         << " graph regions but names " << names
                         << " graph attributes";
  return success();
}

//===----------------------------------------------------------------------===//
// Convolution and matrix products.
//===----------------------------------------------------------------------===//

template <typename ConvLike>
static LogicalResult verifyConvLike(ConvLike op, bool transposed) {
  if (failed(verifyWindow(op, op.getX(), op.getAutoPad(), op.getKernelShape(),
                          op.getStrides(), op.getDilations(), op.getPads())))
    return failure();
  int64_t group = op.getGroup().value_or(1);
  if (group < 1)
    return op.emitOpError() << "group must be positive, got " << group;
  auto x = ranked(op.getX()), w = ranked(op.getW());
  if (!x || !w)
    return success();
  if (x.getRank() != w.getRank())
    return op.emitOpError() << "input rank (" << x.getRank()
                            << ") differs from weight rank (" << w.getRank()
                            << ")";
  int64_t c = x.getDimSize(1);
  if (ShapedType::isDynamic(c))
    return success();
  if (c % group != 0)
    return op.emitOpError() << "input channels (" << c
                            << ") not divisible by group (" << group << ")";
  int64_t wc = w.getDimSize(transposed ? 0 : 1);
  int64_t expected = transposed ? c : c / group;
  if (!ShapedType::isDynamic(wc) && wc != expected)
    return op.emitOpError() << "weight dimension " << (transposed ? 0 : 1)
                            << " is " << wc << ", expected " << expected;
  return success();
}

LogicalResult ConvOp::verify() { return verifyConvLike(*this, false); }
LogicalResult ConvTransposeOp::verify() { return verifyConvLike(*this, true); }

LogicalResult MatMulOp::verify() {
  auto a = ranked(getA()), b = ranked(getB());
  if ((a && a.getRank() == 0) || (b && b.getRank() == 0))
    return emitOpError() << "operands must have rank >= 1";
  if (!a || !b)
    return success();
  int64_t k1 = a.getShape().back();
  int64_t k2 = b.getRank() == 1 ? b.getDimSize(0) : b.getDimSize(b.getRank() - 2);
  if (!ShapedType::isDynamic(k1) && !ShapedType::isDynamic(k2) && k1 != k2)
    return emitOpError() << "contraction dimensions differ (" << k1 << " vs "
                         << k2 << ")";
  return success();
}

LogicalResult GemmOp::verify() {
  for (Value v : {getA(), getB()})
    if (auto t = ranked(v); t && t.getRank() != 2)
      return emitOpError() << "A and B must be 2-D, got rank " << t.getRank();
  return success();
}

//===----------------------------------------------------------------------===//
// Elementwise ops.
//===----------------------------------------------------------------------===//

/// ONNX multidirectional broadcasting of two shapes; failure if they clash.
static FailureOr<SmallVector<int64_t>> broadcastShapes(ArrayRef<int64_t> a,
                                                       ArrayRef<int64_t> b) {
  size_t rank = std::max(a.size(), b.size());
  SmallVector<int64_t> out(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da == 1)
      out[i] = db;
    else if (db == 1)
      out[i] = da;
    else if (ShapedType::isDynamic(da))
      out[i] = db;
    else if (ShapedType::isDynamic(db) || da == db)
      out[i] = da;
    else
      return failure();
  }
  return out;
}

namespace mlir::nc {
FailureOr<SmallVector<int64_t>> broadcastOnnxShapes(ArrayRef<int64_t> a,
                                                    ArrayRef<int64_t> b) {
  return broadcastShapes(a, b);
}
} // namespace mlir::nc

static LogicalResult verifyBroadcast(Operation *op) {
  auto a = ranked(op->getOperand(0)), b = ranked(op->getOperand(1));
  if (a && b && failed(broadcastShapes(a.getShape(), b.getShape())))
    return op->emitOpError() << "operand shapes " << a << " and " << b
                             << " do not broadcast";
  return success();
}

LogicalResult AddOp::verify() { return verifyBroadcast(*this); }
LogicalResult SubOp::verify() { return verifyBroadcast(*this); }
LogicalResult MulOp::verify() { return verifyBroadcast(*this); }
LogicalResult DivOp::verify() { return verifyBroadcast(*this); }

LogicalResult ClipOp::verify() {
  for (Value bound : {getMin(), getMax()})
    if (auto t = bound ? ranked(bound) : RankedTensorType();
        t && t.getNumElements() > 1)
      return emitOpError() << "bounds must be scalars, got " << t;
  return success();
}

//===----------------------------------------------------------------------===//
// Normalization and pooling.
//===----------------------------------------------------------------------===//

LogicalResult BatchNormalizationOp::verify() {
  auto x = ranked(getX());
  if (x && x.getRank() < 2)
    return emitOpError() << "input must have rank >= 2, got " << x.getRank();
  int64_t c = x ? x.getDimSize(1) : ShapedType::kDynamic;
  for (Value v : {getScale(), getB(), getInputMean(), getInputVar()}) {
    auto t = ranked(v);
    if (!t)
      continue;
    if (t.getRank() != 1)
      return emitOpError() << "per-channel operands must be 1-D, got " << t;
    if (!ShapedType::isDynamic(c) && !t.isDynamicDim(0) && t.getDimSize(0) != c)
      return emitOpError() << "per-channel operand has " << t.getDimSize(0)
                           << " values for " << c << " channels";
  }
  return success();
}

LogicalResult LayerNormalizationOp::verify() {
  return verifyAxis(*this, getAxis(), getX());
}

LogicalResult MaxPoolOp::verify() {
  if (!getKernelShape())
    return emitOpError() << "requires 'kernel_shape'";
  return verifyWindow(*this, getX(), getAutoPad(), getKernelShape(),
                      getStrides(), getDilations(), getPads());
}

LogicalResult AveragePoolOp::verify() {
  if (!getKernelShape())
    return emitOpError() << "requires 'kernel_shape'";
  return verifyWindow(*this, getX(), getAutoPad(), getKernelShape(),
                      getStrides(), getDilations(), getPads());
}

LogicalResult GlobalAveragePoolOp::verify() {
  if (auto x = ranked(getX()); x && x.getRank() < 3)
    return emitOpError() << "expects an input of rank >= 3, got rank "
                         << x.getRank();
  return success();
}

LogicalResult SoftmaxOp::verify() {
  return verifyAxis(*this, getAxis(), getInput());
}

//===----------------------------------------------------------------------===//
// Shape and data movement.
//===----------------------------------------------------------------------===//

LogicalResult ReshapeOp::verify() {
  if (auto s = ranked(getShape()); s && s.getRank() != 1)
    return emitOpError() << "shape must be 1-D, got " << s;
  return success();
}

LogicalResult TransposeOp::verify() {
  auto perm = getPerm();
  auto type = ranked(getData());
  if (!perm || !type)
    return success();
  int64_t rank = type.getRank();
  if (static_cast<int64_t>(perm->size()) != rank)
    return emitOpError() << "perm has " << perm->size()
                         << " entries for rank " << rank;
  llvm::SmallSet<int64_t, 8> seen;
  for (int64_t p : *perm)
    if (p < 0 || p >= rank || !seen.insert(p).second)
      return emitOpError() << "perm is not a permutation of [0, " << rank
                           << ")";
  return success();
}

LogicalResult ConcatOp::verify() {
  if (getInputs().empty())
    return emitOpError() << "needs at least one input";
  std::optional<int64_t> rank;
  for (Value v : getInputs()) {
    auto t = ranked(v);
    if (!t)
      continue;
    if (rank && *rank != t.getRank())
      return emitOpError() << "inputs have different ranks (" << *rank
                           << " and " << t.getRank() << ")";
    rank = t.getRank();
  }
  // I64Attr accessors return uint64_t: read the axis as signed.
  int64_t axis = static_cast<int64_t>(getAxis());
  if (rank && (axis < -*rank || axis >= *rank))
    return emitOpError() << "axis " << axis
                         << " is out of range for rank " << *rank;
  return success();
}

LogicalResult FlattenOp::verify() {
  return verifyAxis(*this, getAxis(), getInput(), /*extra=*/1);
}

LogicalResult GatherOp::verify() {
  return verifyAxis(*this, getAxis(), getData());
}

LogicalResult ResizeOp::verify() {
  if (failed(verifyStringEnum(*this, "mode", getMode(),
                              {"nearest", "linear", "cubic"})))
    return failure();
  return verifyStringEnum(
      *this, "coordinate_transformation_mode", getCoordinateTransformationMode(),
      {"half_pixel", "half_pixel_symmetric", "pytorch_half_pixel",
       "align_corners", "asymmetric", "tf_crop_and_resize"});
}

LogicalResult PadOp::verify() {
  return verifyStringEnum(*this, "mode", getMode(),
                          {"constant", "reflect", "edge", "wrap"});
}
