//===- Passes.td - NC pass declarations ---------------------*- tablegen -*-===//

#ifndef NC_PASSES_PASSES_TD
#define NC_PASSES_PASSES_TD

include "mlir/Pass/PassBase.td"

//===----------------------------------------------------------------------===//
// Cleanup passes.
//===----------------------------------------------------------------------===//

def InferShapes : Pass<"nc-infer-shapes", "mlir::func::FuncOp"> {
  let summary = "Refine result types of nc ops with ONNX's shape rules";
  let description = [{
    Walks the function in order and replaces each typed op's result type by
    the type its ShapeInferenceOpInterface infers, when that type is more
    precise (ranked where it was unranked, static where it was dynamic).
    Function result types are updated to match. Ops the interface cannot
    infer keep their types.
  }];
  let dependentDialects = ["mlir::nc::NCDialect"];
}

#endif // NC_PASSES_PASSES_TD
