//===- OnnxShapeInference.h - libonnx shape inference, guarded --*- C++ -*-===//
//
// Private to lib/Onnx (includes ONNX's protobuf headers, which throw).
//
//===----------------------------------------------------------------------===//

#ifndef NC_LIB_ONNX_ONNXSHAPEINFERENCE_H
#define NC_LIB_ONNX_ONNXSHAPEINFERENCE_H

#include <onnx/onnx_pb.h>

namespace nc::onnx_bridge {

/// Runs libonnx's shape inference on `model`, adding the types it infers as
/// value_info. Each node's inference function first checks what libonnx
/// 1.12 takes for granted (required attributes, attribute kinds, input
/// counts, convolution ranks and strides, dimension sizes); a node that
/// fails a check is skipped, as ONNX skips nodes whose inference fails.
/// May throw ONNX's exceptions (callers catch them).
void inferShapes(onnx::ModelProto &model);

} // namespace nc::onnx_bridge

#endif // NC_LIB_ONNX_ONNXSHAPEINFERENCE_H
