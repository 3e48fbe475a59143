//===- OnnxExport.h - export nc modules as ONNX models ------------*- C++ -*-===//

#ifndef NC_EXPORT_ONNXEXPORT_H
#define NC_EXPORT_ONNXEXPORT_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

namespace nc {

struct ExportOptions {
  /// Write initializers of at least `externalDataThreshold` bytes to a
  /// separate data file beside the model (ONNX external data). Forced on
  /// when the model would pass protobuf's 2 GB limit.
  bool externalData = false;
  uint64_t externalDataThreshold = 1024;
  /// Run ONNX's checker on the result (for opsets libonnx knows, <= 17).
  bool check = true;
};

/// Writes `module` as an ONNX model to `path`: data file(s) first, then the
/// model, each to a temporary file renamed into place. Emits a diagnostic
/// and returns failure on error; an existing file at `path` is then kept.
mlir::LogicalResult exportOnnxFile(mlir::ModuleOp module, llvm::StringRef path,
                                   const ExportOptions &options = {});

/// Serializes `module` (binary, or protobuf text format) to `os`. Weights
/// are always embedded.
mlir::LogicalResult exportOnnxToStream(mlir::ModuleOp module,
                                       llvm::raw_ostream &os, bool text,
                                       const ExportOptions &options = {});

} // namespace nc

#endif // NC_EXPORT_ONNXEXPORT_H
