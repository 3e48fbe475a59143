//===- NCOps.td - nc dialect operations --------------------*- tablegen -*-===//
//
// Typed ops follow the ONNX operator specification
// (https://onnx.ai/onnx/operators/). Attribute names are ONNX's; an absent
// attribute means ONNX's default. The op summaries cite the spec.
//
//===----------------------------------------------------------------------===//

#ifndef NC_DIALECT_NCOPS_TD
#define NC_DIALECT_NCOPS_TD

include "nc/Dialect/NCBase.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"

//===----------------------------------------------------------------------===//
// Structural ops: constants, absent inputs, the generic node.
//===----------------------------------------------------------------------===//

def NC_ConstantOp : NC_Op<"constant", [ConstantLike, Pure]> {
  let summary = "a constant tensor: an ONNX initializer or Constant node";
  let description = [{
    Weights are `dense_resource` blobs holding exactly the bytes of ONNX's
    `raw_data` layout; string tensors are dense string attributes. The
    result type may have a `!quant.uniform` element type whose storage type
    has the width of the value's element type (a quantized weight).
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs AnyTensor:$output);
  let assemblyFormat = "$value attr-dict `:` type($output)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def NC_NoneOp : NC_Op<"none", [Pure]> {
  let summary = "an absent optional ONNX input (the empty name)";
  let results = (outs NoneType:$output);
  let assemblyFormat = "attr-dict";
}

def NC_NodeOp : NC_Op<"node", [
    RecursiveMemoryEffects,
    SingleBlockImplicitTerminator<"YieldOp">]> {
  let summary = "any ONNX node, carried losslessly";
  let description = [{
    An ONNX node for which NC has no typed op (or whose attributes or opset
    the typed op does not model). `onnx_attributes` holds the ONNX attributes:
    INT as i64, FLOAT as f32, STRING as a string, INTS / FLOATS as dense
    arrays, STRINGS / TENSORS as arrays, TENSOR as elements. Graph
    attributes (If, Loop, Scan bodies) are regions, named by `graph_attrs`
    in order; an entry ending in `[]` is one element of a GRAPHS attribute.
    Absent optional inputs are `nc.none` values.

    ```mlir
    %y = nc.node "Erf"(%x) : (tensor<4xf32>) -> tensor<4xf32>
    %z = nc.node "Foo" domain "com.example" (%x) {onnx_attributes = {k = 2 : i64}}
           : (tensor<4xf32>) -> tensor<4xf32>
    ```
  }];
  let arguments = (ins StrAttr:$op_type, OptionalAttr<StrAttr>:$domain,
                       OptionalAttr<DictionaryAttr>:$onnx_attributes,
                       OptionalAttr<StrArrayAttr>:$graph_attrs,
                       Variadic<AnyType>:$inputs);
  let results = (outs Variadic<AnyType>:$outputs);
  let regions = (region VariadicRegion<SizedRegion<1>>:$graphs);
  let assemblyFormat = [{
    $op_type (`domain` $domain^)? `(` $inputs `)` (`graphs` $graphs^)?
    attr-dict `:` functional-type($inputs, $outputs)
  }];
  let hasVerifier = 1;
}

def NC_YieldOp : NC_Op<"yield", [Pure, ReturnLike, Terminator,
                                 HasParent<"NodeOp">]> {
  let summary = "the outputs of a subgraph of an nc.node";
  let arguments = (ins Variadic<AnyType>:$operands);
  let builders = [OpBuilder<(ins), [{ build($_builder, $_state, {}); }]>];
  let assemblyFormat = "($operands^ `:` type($operands))? attr-dict";
}

//===----------------------------------------------------------------------===//
// Convolution and matrix products.
//===----------------------------------------------------------------------===//

class NC_ConvLikeOp<string mnemonic, string onnxType>
    : NC_OnnxOp<mnemonic, onnxType, 1> {
  let results = (outs NC_Tensor:$Y);
  let assemblyFormat = [{
    $X `,` $W (`,` $B^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def NC_ConvOp : NC_ConvLikeOp<"conv", "Conv"> {
  let summary = "ONNX Conv: N-d convolution with groups, padding, dilation";
  let arguments = (ins NC_Tensor:$X, NC_Tensor:$W, Optional<NC_Tensor>:$B,
      OptionalAttr<StrAttr>:$auto_pad, OptionalAttr<DenseI64ArrayAttr>:$dilations,
      OptionalAttr<I64Attr>:$group, OptionalAttr<DenseI64ArrayAttr>:$kernel_shape,
      OptionalAttr<DenseI64ArrayAttr>:$pads, OptionalAttr<DenseI64ArrayAttr>:$strides);
}

def NC_ConvTransposeOp : NC_ConvLikeOp<"conv_transpose", "ConvTranspose"> {
  let summary = "ONNX ConvTranspose: the gradient of Conv";
  let arguments = (ins NC_Tensor:$X, NC_Tensor:$W, Optional<NC_Tensor>:$B,
      OptionalAttr<StrAttr>:$auto_pad, OptionalAttr<DenseI64ArrayAttr>:$dilations,
      OptionalAttr<I64Attr>:$group, OptionalAttr<DenseI64ArrayAttr>:$kernel_shape,
      OptionalAttr<DenseI64ArrayAttr>:$output_padding,
      OptionalAttr<DenseI64ArrayAttr>:$output_shape,
      OptionalAttr<DenseI64ArrayAttr>:$pads, OptionalAttr<DenseI64ArrayAttr>:$strides);
}

def NC_MatMulOp : NC_OnnxOp<"matmul", "MatMul", 1> {
  let summary = "ONNX MatMul: numpy.matmul semantics";
  let arguments = (ins NC_Tensor:$A, NC_Tensor:$B);
  let results = (outs NC_Tensor:$Y);
  let hasVerifier = 1;
}

def NC_GemmOp : NC_OnnxOp<"gemm", "Gemm", 7> {
  let summary = "ONNX Gemm: alpha * A' * B' + beta * C";
  let arguments = (ins NC_Tensor:$A, NC_Tensor:$B, Optional<NC_Tensor>:$C,
      OptionalAttr<F32Attr>:$alpha, OptionalAttr<F32Attr>:$beta,
      OptionalAttr<I64Attr>:$transA, OptionalAttr<I64Attr>:$transB);
  let results = (outs NC_Tensor:$Y);
  let assemblyFormat = [{
    $A `,` $B (`,` $C^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Elementwise ops.
//===----------------------------------------------------------------------===//

class NC_BinaryOp<string mnemonic, string onnxType>
    : NC_OnnxOp<mnemonic, onnxType, 7> {
  let summary = "ONNX " # onnxType # ": elementwise, multidirectional broadcasting";
  let arguments = (ins NC_Tensor:$A, NC_Tensor:$B);
  let results = (outs NC_Tensor:$C);
  let hasVerifier = 1;
}

def NC_AddOp : NC_BinaryOp<"add", "Add">;
def NC_SubOp : NC_BinaryOp<"sub", "Sub">;
def NC_MulOp : NC_BinaryOp<"mul", "Mul">;
def NC_DivOp : NC_BinaryOp<"div", "Div">;

class NC_UnaryOp<string mnemonic, string onnxType, int minOpset>
    : NC_OnnxOp<mnemonic, onnxType, minOpset> {
  let summary = "ONNX " # onnxType # ": elementwise activation";
  let results = (outs NC_Tensor:$Y);
}

def NC_ReluOp : NC_UnaryOp<"relu", "Relu", 6> {
  let arguments = (ins NC_Tensor:$X);
}
def NC_SigmoidOp : NC_UnaryOp<"sigmoid", "Sigmoid", 6> {
  let arguments = (ins NC_Tensor:$X);
}
def NC_TanhOp : NC_UnaryOp<"tanh", "Tanh", 6> {
  let arguments = (ins NC_Tensor:$input);
}
def NC_HardSwishOp : NC_UnaryOp<"hard_swish", "HardSwish", 14> {
  let arguments = (ins NC_Tensor:$X);
}
def NC_HardSigmoidOp : NC_UnaryOp<"hard_sigmoid", "HardSigmoid", 6> {
  let arguments = (ins NC_Tensor:$X, OptionalAttr<F32Attr>:$alpha,
                       OptionalAttr<F32Attr>:$beta);
}
def NC_LeakyReluOp : NC_UnaryOp<"leaky_relu", "LeakyRelu", 6> {
  let arguments = (ins NC_Tensor:$X, OptionalAttr<F32Attr>:$alpha);
}

def NC_ClipOp : NC_OnnxOp<"clip", "Clip", 11, [AttrSizedOperandSegments,
    NC_RequiredOperandSegments<1>]> {
  let summary = "ONNX Clip: limit values to [min, max] (bounds as inputs)";
  let arguments = (ins NC_Tensor:$input, Optional<NC_Tensor>:$min,
                       Optional<NC_Tensor>:$max);
  let results = (outs NC_Tensor:$output);
  let assemblyFormat = [{
    $input (`min` $min^)? (`max` $max^)? attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Normalization and pooling.
//===----------------------------------------------------------------------===//

def NC_BatchNormalizationOp
    : NC_OnnxOp<"batch_normalization", "BatchNormalization", 9> {
  let summary = "ONNX BatchNormalization (inference form, one output)";
  let arguments = (ins NC_Tensor:$X, NC_Tensor:$scale, NC_Tensor:$B,
      NC_Tensor:$input_mean, NC_Tensor:$input_var,
      OptionalAttr<F32Attr>:$epsilon, OptionalAttr<F32Attr>:$momentum,
      OptionalAttr<I64Attr>:$training_mode);
  let results = (outs NC_Tensor:$Y);
  let hasVerifier = 1;
}

def NC_LayerNormalizationOp
    : NC_OnnxOp<"layer_normalization", "LayerNormalization", 17> {
  let summary = "ONNX LayerNormalization (one output)";
  let arguments = (ins NC_Tensor:$X, NC_Tensor:$Scale, Optional<NC_Tensor>:$B,
      OptionalAttr<I64Attr>:$axis, OptionalAttr<F32Attr>:$epsilon,
      OptionalAttr<I64Attr>:$stash_type);
  let results = (outs NC_Tensor:$Y);
  let assemblyFormat = [{
    $X `,` $Scale (`,` $B^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

class NC_PoolOp<string mnemonic, string onnxType>
    : NC_OnnxOp<mnemonic, onnxType, 1> {
  let results = (outs NC_Tensor:$Y);
  let hasVerifier = 1;
}

def NC_MaxPoolOp : NC_PoolOp<"max_pool", "MaxPool"> {
  let summary = "ONNX MaxPool (the Indices output is carried by nc.node)";
  let arguments = (ins NC_Tensor:$X,
      OptionalAttr<StrAttr>:$auto_pad, OptionalAttr<I64Attr>:$ceil_mode,
      OptionalAttr<DenseI64ArrayAttr>:$dilations,
      OptionalAttr<DenseI64ArrayAttr>:$kernel_shape,
      OptionalAttr<DenseI64ArrayAttr>:$pads, OptionalAttr<I64Attr>:$storage_order,
      OptionalAttr<DenseI64ArrayAttr>:$strides);
}

def NC_AveragePoolOp : NC_PoolOp<"average_pool", "AveragePool"> {
  let summary = "ONNX AveragePool";
  let arguments = (ins NC_Tensor:$X,
      OptionalAttr<StrAttr>:$auto_pad, OptionalAttr<I64Attr>:$ceil_mode,
      OptionalAttr<I64Attr>:$count_include_pad,
      OptionalAttr<DenseI64ArrayAttr>:$dilations,
      OptionalAttr<DenseI64ArrayAttr>:$kernel_shape,
      OptionalAttr<DenseI64ArrayAttr>:$pads,
      OptionalAttr<DenseI64ArrayAttr>:$strides);
}

def NC_GlobalAveragePoolOp
    : NC_OnnxOp<"global_average_pool", "GlobalAveragePool", 1> {
  let summary = "ONNX GlobalAveragePool: mean over all spatial axes";
  let arguments = (ins NC_Tensor:$X);
  let results = (outs NC_Tensor:$Y);
  let hasVerifier = 1;
}

def NC_SoftmaxOp : NC_OnnxOp<"softmax", "Softmax", 13> {
  let summary = "ONNX Softmax (opset 13 semantics: along one axis)";
  let arguments = (ins NC_Tensor:$input, OptionalAttr<I64Attr>:$axis);
  let results = (outs NC_Tensor:$output);
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Shape and data movement.
//===----------------------------------------------------------------------===//

def NC_ReshapeOp : NC_OnnxOp<"reshape", "Reshape", 5> {
  let summary = "ONNX Reshape (shape as an input; 0 copies, -1 infers)";
  let arguments = (ins NC_Tensor:$data, NC_Tensor:$shape,
                       OptionalAttr<I64Attr>:$allowzero);
  let results = (outs NC_Tensor:$reshaped);
  let hasVerifier = 1;
}

def NC_TransposeOp : NC_OnnxOp<"transpose", "Transpose", 1> {
  let summary = "ONNX Transpose (default: reverse the axes)";
  let arguments = (ins NC_Tensor:$data, OptionalAttr<DenseI64ArrayAttr>:$perm);
  let results = (outs NC_Tensor:$transposed);
  let hasVerifier = 1;
}

def NC_ConcatOp : NC_OnnxOp<"concat", "Concat", 4> {
  let summary = "ONNX Concat along one axis";
  let arguments = (ins Variadic<NC_Tensor>:$inputs, I64Attr:$axis);
  let results = (outs NC_Tensor:$concat_result);
  let hasVerifier = 1;
}

def NC_FlattenOp : NC_OnnxOp<"flatten", "Flatten", 1> {
  let summary = "ONNX Flatten to 2-D at `axis` (default 1)";
  let arguments = (ins NC_Tensor:$input, OptionalAttr<I64Attr>:$axis);
  let results = (outs NC_Tensor:$output);
  let hasVerifier = 1;
}

def NC_SqueezeOp : NC_OnnxOp<"squeeze", "Squeeze", 13> {
  let summary = "ONNX Squeeze (axes as an optional input)";
  let arguments = (ins NC_Tensor:$data, Optional<NC_Tensor>:$axes);
  let results = (outs NC_Tensor:$squeezed);
  let assemblyFormat = [{
    $data (`,` $axes^)? attr-dict `:` functional-type(operands, results)
  }];
}

def NC_UnsqueezeOp : NC_OnnxOp<"unsqueeze", "Unsqueeze", 13> {
  let summary = "ONNX Unsqueeze (axes as an input)";
  let arguments = (ins NC_Tensor:$data, NC_Tensor:$axes);
  let results = (outs NC_Tensor:$expanded);
}

def NC_SliceOp : NC_OnnxOp<"slice", "Slice", 10, [AttrSizedOperandSegments,
    NC_RequiredOperandSegments<3>]> {
  let summary = "ONNX Slice (starts, ends, axes, steps as inputs)";
  let arguments = (ins NC_Tensor:$data, NC_Tensor:$starts, NC_Tensor:$ends,
                       Optional<NC_Tensor>:$axes, Optional<NC_Tensor>:$steps);
  let results = (outs NC_Tensor:$output);
  let assemblyFormat = [{
    $data `,` $starts `,` $ends (`axes` $axes^)? (`steps` $steps^)? attr-dict
    `:` functional-type(operands, results)
  }];
}

def NC_GatherOp : NC_OnnxOp<"gather", "Gather", 1> {
  let summary = "ONNX Gather along `axis` (default 0)";
  let arguments = (ins NC_Tensor:$data, NC_Tensor:$indices,
                       OptionalAttr<I64Attr>:$axis);
  let results = (outs NC_Tensor:$output);
  let hasVerifier = 1;
}

def NC_ResizeOp : NC_OnnxOp<"resize", "Resize", 11, [AttrSizedOperandSegments,
    NC_RequiredOperandSegments<1>]> {
  let summary = "ONNX Resize (roi, scales, sizes as optional inputs)";
  let arguments = (ins NC_Tensor:$X, Optional<NC_Tensor>:$roi,
      Optional<NC_Tensor>:$scales, Optional<NC_Tensor>:$sizes,
      OptionalAttr<I64Attr>:$antialias, OptionalAttr<DenseI64ArrayAttr>:$axes,
      OptionalAttr<StrAttr>:$coordinate_transformation_mode,
      OptionalAttr<F32Attr>:$cubic_coeff_a, OptionalAttr<I64Attr>:$exclude_outside,
      OptionalAttr<F32Attr>:$extrapolation_value,
      OptionalAttr<StrAttr>:$keep_aspect_ratio_policy,
      OptionalAttr<StrAttr>:$mode, OptionalAttr<StrAttr>:$nearest_mode);
  let results = (outs NC_Tensor:$Y);
  let assemblyFormat = [{
    $X (`roi` $roi^)? (`scales` $scales^)? (`sizes` $sizes^)? attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def NC_PadOp : NC_OnnxOp<"pad", "Pad", 11, [AttrSizedOperandSegments,
    NC_RequiredOperandSegments<2>]> {
  let summary = "ONNX Pad (pads, constant_value, axes as inputs)";
  let arguments = (ins NC_Tensor:$data, NC_Tensor:$pads,
      Optional<NC_Tensor>:$constant_value, Optional<NC_Tensor>:$axes,
      OptionalAttr<StrAttr>:$mode);
  let results = (outs NC_Tensor:$output);
  let assemblyFormat = [{
    $data `,` $pads (`value` $constant_value^)? (`axes` $axes^)? attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

#endif // NC_DIALECT_NCOPS_TD
