//===- NCBase.td - nc dialect, types and op base classes ---*- tablegen -*-===//
//
// The nc dialect models ONNX: NCHW layout, ONNX broadcasting, ONNX attribute
// names and defaults. Attributes that ONNX leaves out stay absent so that
// import followed by export reproduces the node exactly.
//
//===----------------------------------------------------------------------===//

#ifndef NC_DIALECT_NCBASE_TD
#define NC_DIALECT_NCBASE_TD

include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/OpBase.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def NC_Dialect : Dialect {
  let name = "nc";
  let cppNamespace = "::mlir::nc";
  let summary = "ONNX semantics for NC, the model compression compiler";
  let description = [{
    Typed ops for the operators compression acts on and their neighbours,
    plus `nc.node`, a generic op that carries any other ONNX node
    losslessly (op type, domain, attributes, subgraphs as regions).
  }];
  let useDefaultTypePrinterParser = 1;
  let hasConstantMaterializer = 1;
  let dependentDialects = ["::mlir::quant::QuantDialect"];
  let extraClassDeclaration = [{
  private:
    void registerTypes();
  public:
  }];
}


//===----------------------------------------------------------------------===//
// Types for ONNX values that are not plain tensors.
//===----------------------------------------------------------------------===//

class NC_Type<string name, string typeMnemonic, list<Trait> traits = []>
    : TypeDef<NC_Dialect, name, traits> {
  let mnemonic = typeMnemonic;
}

def NC_StringType : NC_Type<"String", "string"> {
  let summary = "ONNX string element type";
}

def NC_SequenceType : NC_Type<"Sequence", "sequence"> {
  let summary = "ONNX sequence of values of one type";
  let parameters = (ins "::mlir::Type":$elementType);
  let assemblyFormat = "`<` $elementType `>`";
}

def NC_OptionalType : NC_Type<"Optional", "optional"> {
  let summary = "ONNX optional value";
  let parameters = (ins "::mlir::Type":$elementType);
  let assemblyFormat = "`<` $elementType `>`";
}

def NC_MapType : NC_Type<"Map", "map"> {
  let summary = "ONNX map from a scalar key type to a value type";
  let parameters = (ins "::mlir::Type":$keyType, "::mlir::Type":$valueType);
  let assemblyFormat = "`<` $keyType `,` $valueType `>`";
}

def NC_UnknownType : NC_Type<"Unknown", "unknown"> {
  let summary = "an ONNX value whose type the model does not state";
  let description = [{
    Used where an ONNX model gives no type for a value and none could be
    inferred (for example the inputs of a Loop body). Exported without type.
  }];
}

include "nc/Dialect/NCInterfaces.td"

class NC_Op<string mnemonic, list<Trait> traits = []>
    : Op<NC_Dialect, mnemonic, traits>;

/// With AttrSizedOperandSegments: the first `n` operand segments hold one
/// value each (ODS checks optional segments only).
class NC_RequiredOperandSegments<int n>
    : ParamNativeOpTrait<"nc::RequiredOperandSegments", !cast<string>(n)>;

/// A typed op modelling ONNX operator `onnxType` from opset `minOpset` on.
class NC_OnnxOp<string mnemonic, string onnxType, int minOpset,
                list<Trait> traits = []>
    : NC_Op<mnemonic, !listconcat(traits, [Pure, NC_OnnxOpInterface,
        DeclareOpInterfaceMethods<NC_ShapeInferenceOpInterface>])> {
  let extraClassDeclaration = [{
    static ::llvm::StringRef getOnnxOpType() { return "}] # onnxType # [{"; }
    static int64_t getOnnxMinOpset() { return }] # minOpset # [{; }
    static int64_t getOnnxMaxOpset() { return ::mlir::nc::kMaxKnownOpset; }
  }];
  let assemblyFormat =
      "operands attr-dict `:` functional-type(operands, results)";
}

/// Any tensor, including tensors of quantized or string elements.
def NC_Tensor : AnyTypeOf<[AnyTensor]>;
def NC_TensorOrNone : AnyTypeOf<[AnyTensor, NoneType]>;

#endif // NC_DIALECT_NCBASE_TD
