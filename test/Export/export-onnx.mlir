// RUN: nc-translate --export-onnx-text %s | FileCheck %s
// RUN: nc-translate --export-onnx-text %s | nc-translate --import-onnx-text --keep-names=false | FileCheck %s --check-prefix=BACK

// Typed ops become their ONNX node with ONNX's attribute names; an absent
// optional input in the middle is the empty name; quant casts become
// QuantizeLinear/DequantizeLinear with scale and zero point initializers;
// graph inputs and outputs keep their names and symbolic dims.

// CHECK: ir_version: 8
// CHECK: node {
// CHECK-NEXT:   input: "x"
// CHECK-NEXT:   input: ""
// CHECK-NEXT:   input: "hi"
// CHECK-NEXT:   output: "clipped"
// CHECK-NEXT:   name: "clip0"
// CHECK-NEXT:   op_type: "Clip"
// CHECK: node {
// CHECK-NEXT:   input: "clipped"
// CHECK-NEXT:   input: "q_scale"
// CHECK-NEXT:   input: "q_zero_point"
// CHECK-NEXT:   output: "q"
// CHECK-NEXT:   op_type: "QuantizeLinear"
// CHECK: op_type: "DequantizeLinear"
// CHECK: op_type: "LeakyRelu"
// CHECK-NEXT:   attribute {
// CHECK-NEXT:     name: "alpha"
// CHECK-NEXT:     f: 0.2
// CHECK-NEXT:     type: FLOAT
// CHECK: op_type: "TopK"
// CHECK: name: "largest"
// CHECK-NEXT: i: 1
// CHECK-NEXT: type: INT
// CHECK: initializer {
// CHECK-NEXT:   dims: 1
// CHECK-NEXT:   data_type: 1
// CHECK-NEXT:   name: "hi"
// CHECK: input {
// CHECK-NEXT:   name: "x"
// CHECK:         dim_param: "batch"
// CHECK: output {
// CHECK-NEXT:   name: "y"
// CHECK: output {
// CHECK-NEXT:   name: "top"
// CHECK: opset_import {
// CHECK-NEXT:   domain: ""
// CHECK-NEXT:   version: 17

// BACK: nc.clip %{{.*}} max %{{.*}}
// BACK: quant.qcast {{.*}} to tensor<?x4x!quant.uniform<u8:f32, 5.000000e-01:10>>
// BACK: quant.dcast
// BACK: nc.leaky_relu
// BACK: nc.node "TopK"

module attributes {nc.ir_version = 8 : i64, nc.opset_import = [["", 17]]} {
  func.func @main(%x: tensor<?x4xf32> {nc.name = "x", nc.dim_params = ["batch", ""]})
      -> (tensor<?x4xf32> {nc.name = "y"}, tensor<?x2xf32> {nc.name = "top"}) {
    %hi = nc.constant dense<[6.0]> : tensor<1xf32> : tensor<1xf32> loc("hi")
    %k = nc.constant dense<[2]> : tensor<1xi64> : tensor<1xi64> loc("k")
    %0 = nc.clip %x max %hi : (tensor<?x4xf32>, tensor<1xf32>) -> tensor<?x4xf32> loc(fused<"clip0">["clipped"])
    %1 = quant.qcast %0 : tensor<?x4xf32> to tensor<?x4x!quant.uniform<u8:f32, 0.5:10>> loc("q")
    %2 = quant.dcast %1 : tensor<?x4x!quant.uniform<u8:f32, 0.5:10>> to tensor<?x4xf32> loc("dq")
    %3 = nc.leaky_relu %2 {alpha = 0.2 : f32} : (tensor<?x4xf32>) -> tensor<?x4xf32>
    %4:2 = nc.node "TopK"(%3, %k) {onnx_attributes = {largest = 1 : i64}} : (tensor<?x4xf32>, tensor<1xi64>) -> (tensor<?x2xf32>, tensor<?x2xi64>)
    return %3, %4#0 : tensor<?x4xf32>, tensor<?x2xf32>
  }
}
