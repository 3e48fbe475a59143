//===- NCInterfaces.td - nc op interfaces ------------------*- tablegen -*-===//

#ifndef NC_DIALECT_NCINTERFACES_TD
#define NC_DIALECT_NCINTERFACES_TD

include "mlir/IR/OpBase.td"

//===----------------------------------------------------------------------===//
// Op interface that ties a typed op to the ONNX operator it models.
//===----------------------------------------------------------------------===//

def NC_OnnxOpInterface : OpInterface<"OnnxOpInterface"> {
  let cppNamespace = "::mlir::nc";
  let description = [{
    A typed nc op that models one ONNX operator of the default domain over a
    range of opsets. Import and export dispatch on (op type, opset).
  }];
  let methods = [
    StaticInterfaceMethod<"The ONNX op type", "::llvm::StringRef",
                          "getOnnxOpType">,
    StaticInterfaceMethod<"The first opset whose semantics this op models",
                          "int64_t", "getOnnxMinOpset">,
    StaticInterfaceMethod<"The last opset known to have those semantics",
                          "int64_t", "getOnnxMaxOpset">,
  ];
}

def NC_ShapeInferenceOpInterface : OpInterface<"ShapeInferenceOpInterface"> {
  let cppNamespace = "::mlir::nc";
  let description = [{
    Computes result types from operand types (and constant operands) with
    ONNX's shape rules. Returns failure when nothing can be said.
  }];
  let methods = [
    InterfaceMethod<"Infer the result type (one result)",
                    "::mlir::FailureOr<::mlir::Type>", "inferResultType">,
  ];
}

#endif // NC_DIALECT_NCINTERFACES_TD
