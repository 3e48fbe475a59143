//===- OnnxImport.h - import ONNX models into the nc dialect ------*- C++ -*-===//

#ifndef NC_IMPORT_ONNXIMPORT_H
#define NC_IMPORT_ONNXIMPORT_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/StringRef.h"

namespace nc {

struct ImportOptions {
  /// Run ONNX's shape inference (for the opsets libonnx knows) to type
  /// intermediate values; values it cannot type get NC's own inference or
  /// !nc.unknown.
  bool inferShapes = true;
  /// Map ONNX operators to typed nc ops where they fit; when false, every
  /// node becomes a generic nc.node.
  bool typedOps = true;
};

/// Imports an ONNX model (binary protobuf) read from `path`. External data
/// is read relative to the model's folder. On error, emits a diagnostic
/// naming the file (and node) and returns null.
mlir::OwningOpRef<mlir::ModuleOp>
importOnnxFile(llvm::StringRef path, mlir::MLIRContext *ctx,
               const ImportOptions &options = {});

/// Imports a model from memory. `fileName` names it in diagnostics and its
/// folder is where external data is looked up. `text` selects ONNX's
/// protobuf text format instead of binary.
mlir::OwningOpRef<mlir::ModuleOp>
importOnnxBuffer(llvm::StringRef bytes, llvm::StringRef fileName,
                 mlir::MLIRContext *ctx, const ImportOptions &options = {},
                 bool text = false);

/// Registers the dialects NC's tools parse: those of imported modules (nc,
/// func, quant) and arith and tensor.
void registerToolDialects(mlir::DialectRegistry &registry);

} // namespace nc

#endif // NC_IMPORT_ONNXIMPORT_H
