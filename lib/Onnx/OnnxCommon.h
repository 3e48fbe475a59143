//===- OnnxCommon.h - ONNX <-> MLIR type and tensor conversions --*- C++ -*-===//
//
// Private to lib/Onnx: includes ONNX's protobuf headers, which throw, so
// only targets built with exceptions and RTTI include it.
//
//===----------------------------------------------------------------------===//

#ifndef NC_LIB_ONNX_ONNXCOMMON_H
#define NC_LIB_ONNX_ONNXCOMMON_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/ADT/StringRef.h"

#include <onnx/onnx_pb.h>

#include <optional>
#include <string>

namespace nc::onnx_bridge {

/// ONNX's TensorProto.DataType numbers, including those newer than the
/// protobuf definitions of ONNX 1.12 (data types are plain int32 fields).
enum DataType : int {
  kUndefined = 0, kFloat = 1, kUint8 = 2, kInt8 = 3, kUint16 = 4,
  kInt16 = 5, kInt32 = 6, kInt64 = 7, kString = 8, kBool = 9, kFloat16 = 10,
  kDouble = 11, kUint32 = 12, kUint64 = 13, kComplex64 = 14,
  kComplex128 = 15, kBfloat16 = 16, kFloat8E4M3FN = 17, kFloat8E4M3FNUZ = 18,
  kFloat8E5M2 = 19, kFloat8E5M2FNUZ = 20, kUint4 = 21, kInt4 = 22,
  kFloat4E2M1 = 23, kFloat8E8M0 = 24, kUint2 = 25, kInt2 = 26,
};

/// The MLIR element type of an ONNX data type, or null if unknown.
mlir::Type elementTypeFor(int dataType, mlir::MLIRContext *ctx);
/// The ONNX data type of an MLIR element type (quantized types map to their
/// storage type), or kUndefined.
int dataTypeFor(mlir::Type elementType);
/// Bits per element in ONNX raw_data (4 for int4, 8 for bool), 0 if none.
unsigned bitsPerElement(int dataType);
/// Bytes that `numElements` elements take in ONNX raw_data.
uint64_t rawSize(int dataType, uint64_t numElements);

/// Converts an ONNX TypeProto; returns !nc.unknown where nothing is stated.
/// `dimParams`, if given, receives the symbolic dimension names ("" where
/// none) of a tensor type.
mlir::Type convertType(const onnx::TypeProto &type, mlir::MLIRContext *ctx,
                       llvm::SmallVectorImpl<std::string> *dimParams = nullptr);
/// Fills `out` from an MLIR type; `dimParams` gives symbolic names for
/// dynamic dims. Leaves `out` empty for !nc.unknown and none.
void convertType(mlir::Type type, onnx::TypeProto &out,
                 llvm::ArrayRef<std::string> dimParams = {});

} // namespace nc::onnx_bridge

#endif // NC_LIB_ONNX_ONNXCOMMON_H
