//===- OnnxCommon.cpp - ONNX <-> MLIR type conversions --------------------===//

#include "OnnxCommon.h"

#include "nc/Dialect/NCDialect.h"

using namespace mlir;

namespace nc::onnx_bridge {

Type elementTypeFor(int dataType, MLIRContext *ctx) {
  Builder b(ctx);
  auto uint = [&](unsigned w) {
    return IntegerType::get(ctx, w, IntegerType::Unsigned);
  };
  switch (dataType) {
  case kFloat: return b.getF32Type();
  case kUint8: return uint(8);
  case kInt8: return b.getIntegerType(8);
  case kUint16: return uint(16);
  case kInt16: return b.getIntegerType(16);
  case kInt32: return b.getIntegerType(32);
  case kInt64: return b.getIntegerType(64);
  case kString: return mlir::nc::StringType::get(ctx);
  case kBool: return b.getI1Type();
  case kFloat16: return b.getF16Type();
  case kDouble: return b.getF64Type();
  case kUint32: return uint(32);
  case kUint64: return uint(64);
  case kComplex64: return ComplexType::get(b.getF32Type());
  case kComplex128: return ComplexType::get(b.getF64Type());
  case kBfloat16: return b.getBF16Type();
  case kFloat8E4M3FN: return Float8E4M3FNType::get(ctx);
  case kFloat8E4M3FNUZ: return Float8E4M3FNUZType::get(ctx);
  case kFloat8E5M2: return Float8E5M2Type::get(ctx);
  case kFloat8E5M2FNUZ: return Float8E5M2FNUZType::get(ctx);
  case kUint4: return uint(4);
  case kInt4: return b.getIntegerType(4);
  case kFloat4E2M1: return Float4E2M1FNType::get(ctx);
  case kFloat8E8M0: return Float8E8M0FNUType::get(ctx);
  case kUint2: return uint(2);
  case kInt2: return b.getIntegerType(2);
  default: return nullptr;
  }
}

int dataTypeFor(Type t) {
  if (auto q = dyn_cast<quant::QuantizedType>(t)) {
    unsigned w = q.getStorageTypeIntegralWidth();
    bool s = q.isSigned();
    switch (w) {
    case 2: return s ? kInt2 : kUint2;
    case 4: return s ? kInt4 : kUint4;
    case 8: return s ? kInt8 : kUint8;
    case 16: return s ? kInt16 : kUint16;
    case 32: return s ? kInt32 : kUint32;
    default: return kUndefined;
    }
  }
  if (isa<mlir::nc::StringType>(t)) return kString;
  if (t.isF32()) return kFloat;
  if (t.isF64()) return kDouble;
  if (t.isF16()) return kFloat16;
  if (t.isBF16()) return kBfloat16;
  if (isa<Float8E4M3FNType>(t)) return kFloat8E4M3FN;
  if (isa<Float8E4M3FNUZType>(t)) return kFloat8E4M3FNUZ;
  if (isa<Float8E5M2Type>(t)) return kFloat8E5M2;
  if (isa<Float8E5M2FNUZType>(t)) return kFloat8E5M2FNUZ;
  if (isa<Float4E2M1FNType>(t)) return kFloat4E2M1;
  if (isa<Float8E8M0FNUType>(t)) return kFloat8E8M0;
  if (auto c = dyn_cast<ComplexType>(t)) {
    if (c.getElementType().isF32()) return kComplex64;
    if (c.getElementType().isF64()) return kComplex128;
    return kUndefined;
  }
  auto i = dyn_cast<IntegerType>(t);
  if (!i) return kUndefined;
  bool u = i.isUnsigned();
  switch (i.getWidth()) {
  case 1: return kBool;
  case 2: return u ? kUint2 : kInt2;
  case 4: return u ? kUint4 : kInt4;
  case 8: return u ? kUint8 : kInt8;
  case 16: return u ? kUint16 : kInt16;
  case 32: return u ? kUint32 : kInt32;
  case 64: return u ? kUint64 : kInt64;
  default: return kUndefined;
  }
}

unsigned bitsPerElement(int dataType) {
  switch (dataType) {
  case kUint2: case kInt2: return 2;
  case kUint4: case kInt4: case kFloat4E2M1: return 4;
  case kUint8: case kInt8: case kBool: case kFloat8E4M3FN:
  case kFloat8E4M3FNUZ: case kFloat8E5M2: case kFloat8E5M2FNUZ:
  case kFloat8E8M0: return 8;
  case kUint16: case kInt16: case kFloat16: case kBfloat16: return 16;
  case kFloat: case kInt32: case kUint32: return 32;
  case kDouble: case kInt64: case kUint64: case kComplex64: return 64;
  case kComplex128: return 128;
  default: return 0;
  }
}

uint64_t rawSize(int dataType, uint64_t n) {
  return (n * bitsPerElement(dataType) + 7) / 8;
}

Type convertType(const onnx::TypeProto &type, MLIRContext *ctx,
                 SmallVectorImpl<std::string> *dimParams) {
  switch (type.value_case()) {
  case onnx::TypeProto::kTensorType: {
    const auto &t = type.tensor_type();
    Type elem = elementTypeFor(t.elem_type(), ctx);
    if (!elem)
      return mlir::nc::UnknownType::get(ctx);
    if (!t.has_shape())
      return UnrankedTensorType::get(elem);
    SmallVector<int64_t> shape;
    for (const auto &d : t.shape().dim()) {
      bool known = d.has_dim_value() && d.dim_value() >= 0;
      shape.push_back(known ? d.dim_value() : ShapedType::kDynamic);
      if (dimParams)
        dimParams->push_back(d.has_dim_param() ? d.dim_param() : "");
    }
    return RankedTensorType::get(shape, elem);
  }
  case onnx::TypeProto::kSequenceType:
    return mlir::nc::SequenceType::get(
        ctx, convertType(type.sequence_type().elem_type(), ctx));
  case onnx::TypeProto::kOptionalType:
    return mlir::nc::OptionalType::get(
        ctx, convertType(type.optional_type().elem_type(), ctx));
  case onnx::TypeProto::kMapType: {
    Type key = elementTypeFor(type.map_type().key_type(), ctx);
    if (!key)
      return mlir::nc::UnknownType::get(ctx);
    return mlir::nc::MapType::get(ctx, key,
                            convertType(type.map_type().value_type(), ctx));
  }
  default:
    return mlir::nc::UnknownType::get(ctx);
  }
}

void convertType(Type type, onnx::TypeProto &out,
                 ArrayRef<std::string> dimParams) {
  if (auto t = dyn_cast<TensorType>(type)) {
    int dt = dataTypeFor(t.getElementType());
    if (dt == kUndefined)
      return;
    auto *tt = out.mutable_tensor_type();
    tt->set_elem_type(dt);
    if (!t.hasRank())
      return;
    auto *shape = tt->mutable_shape();
    for (auto [i, d] : llvm::enumerate(t.getShape())) {
      auto *dim = shape->add_dim();
      if (!ShapedType::isDynamic(d))
        dim->set_dim_value(d);
      else if (i < dimParams.size() && !dimParams[i].empty())
        dim->set_dim_param(dimParams[i]);
    }
    return;
  }
  if (auto s = dyn_cast<mlir::nc::SequenceType>(type)) {
    convertType(s.getElementType(),
                *out.mutable_sequence_type()->mutable_elem_type());
    return;
  }
  if (auto o = dyn_cast<mlir::nc::OptionalType>(type)) {
    convertType(o.getElementType(),
                *out.mutable_optional_type()->mutable_elem_type());
    return;
  }
  if (auto m = dyn_cast<mlir::nc::MapType>(type)) {
    auto *mt = out.mutable_map_type();
    mt->set_key_type(dataTypeFor(m.getKeyType()));
    convertType(m.getValueType(), *mt->mutable_value_type());
  }
}

} // namespace nc::onnx_bridge
