// RUN: nc-opt %s -split-input-file | nc-opt | FileCheck %s

// Typed ops print in their custom form and re-parse.
// CHECK-LABEL: func.func @convnet
//       CHECK:   %[[C:.+]] = nc.conv %{{.+}}, %{{.+}}, %{{.+}} {group = 1 : i64, pads = array<i64: 1, 1, 1, 1>}
//       CHECK:   nc.batch_normalization %[[C]]
//       CHECK:   nc.clip %{{.+}} min %{{.+}} max %{{.+}} :
//       CHECK:   nc.max_pool
//       CHECK:   nc.average_pool
//       CHECK:   nc.global_average_pool
//       CHECK:   nc.flatten
//       CHECK:   nc.gemm %{{.+}}, %{{.+}} {alpha = 5.000000e-01 : f32}
func.func @convnet(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<4xf32>,
                   %s: tensor<4xf32>, %lo: tensor<f32>, %hi: tensor<f32>,
                   %fc: tensor<4x10xf32>) -> tensor<1x10xf32> {
  %0 = nc.conv %x, %w, %b {group = 1 : i64, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<1x4x8x8xf32>
  %1 = nc.batch_normalization %0, %s, %b, %b, %s : (tensor<1x4x8x8xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x4x8x8xf32>
  %2 = nc.clip %1 min %lo max %hi : (tensor<1x4x8x8xf32>, tensor<f32>, tensor<f32>) -> tensor<1x4x8x8xf32>
  %3 = nc.max_pool %2 {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x4x8x8xf32>) -> tensor<1x4x4x4xf32>
  %4 = nc.average_pool %3 {kernel_shape = array<i64: 1, 1>} : (tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  %5 = nc.global_average_pool %4 : (tensor<1x4x4x4xf32>) -> tensor<1x4x1x1xf32>
  %6 = nc.flatten %5 : (tensor<1x4x1x1xf32>) -> tensor<1x4xf32>
  %7 = nc.gemm %6, %fc {alpha = 0.5 : f32} : (tensor<1x4xf32>, tensor<4x10xf32>) -> tensor<1x10xf32>
  return %7 : tensor<1x10xf32>
}

// -----

// Elementwise, activation and data-movement ops.
// CHECK-LABEL: func.func @glue
//       CHECK:   nc.add
//       CHECK:   nc.sub
//       CHECK:   nc.mul
//       CHECK:   nc.div
//       CHECK:   nc.leaky_relu %{{.+}} {alpha = 1.000000e-01 : f32}
//       CHECK:   nc.hard_swish
//       CHECK:   nc.hard_sigmoid
//       CHECK:   nc.sigmoid
//       CHECK:   nc.tanh
//       CHECK:   nc.transpose %{{.+}} {perm = array<i64: 1, 0>}
//       CHECK:   nc.reshape
//       CHECK:   nc.concat %{{.+}}, %{{.+}} {axis = 0 : i64}
//       CHECK:   nc.squeeze %{{.+}}, %{{.+}} :
//       CHECK:   nc.unsqueeze
//       CHECK:   nc.slice %{{.+}}, %{{.+}}, %{{.+}} axes %{{.+}} :
//       CHECK:   nc.gather
//       CHECK:   nc.softmax
//       CHECK:   nc.matmul
func.func @glue(%a: tensor<2x3xf32>, %b: tensor<3xf32>, %shape: tensor<2xi64>,
                %axes: tensor<1xi64>, %idx: tensor<2xi64>) -> tensor<3x3xf32> {
  %0 = nc.add %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %1 = nc.sub %0, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %2 = nc.mul %1, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %3 = nc.div %2, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %4 = nc.leaky_relu %3 {alpha = 0.1 : f32} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %5 = nc.hard_swish %4 : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %6 = nc.hard_sigmoid %5 : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %7 = nc.sigmoid %6 : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %8 = nc.tanh %7 : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %9 = nc.transpose %8 {perm = array<i64: 1, 0>} : (tensor<2x3xf32>) -> tensor<3x2xf32>
  %10 = nc.reshape %9, %shape : (tensor<3x2xf32>, tensor<2xi64>) -> tensor<2x3xf32>
  %11 = nc.concat %10, %a {axis = 0 : i64} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<4x3xf32>
  %12 = nc.unsqueeze %11, %axes : (tensor<4x3xf32>, tensor<1xi64>) -> tensor<1x4x3xf32>
  %13 = nc.squeeze %12, %axes : (tensor<1x4x3xf32>, tensor<1xi64>) -> tensor<4x3xf32>
  %s = nc.unsqueeze %13, %axes : (tensor<4x3xf32>, tensor<1xi64>) -> tensor<1x4x3xf32>
  %14 = nc.slice %11, %axes, %axes axes %axes : (tensor<4x3xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<?x3xf32>
  %15 = nc.gather %14, %idx {axis = 0 : i64} : (tensor<?x3xf32>, tensor<2xi64>) -> tensor<2x3xf32>
  %16 = nc.softmax %15 {axis = -1 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %17 = nc.matmul %9, %16 : (tensor<3x2xf32>, tensor<2x3xf32>) -> tensor<3x3xf32>
  return %17 : tensor<3x3xf32>
}

// -----

// Resize and Pad with optional inputs; LayerNormalization; ConvTranspose.
// CHECK-LABEL: func.func @optional_inputs
//       CHECK:   nc.resize %{{.+}} scales %{{.+}} {mode = "nearest"}
//       CHECK:   nc.pad %{{.+}}, %{{.+}} value %{{.+}} {mode = "constant"}
//       CHECK:   nc.layer_normalization %{{.+}}, %{{.+}} {axis = -1 : i64, epsilon = 9.99999974E-6 : f32}
//       CHECK:   nc.conv_transpose
func.func @optional_inputs(%x: tensor<1x2x4x4xf32>, %scales: tensor<4xf32>, %pads: tensor<8xi64>,
                           %v: tensor<f32>, %g: tensor<10xf32>, %w: tensor<2x2x3x3xf32>) -> tensor<1x2x10x10xf32> {
  %0 = nc.resize %x scales %scales {mode = "nearest"} : (tensor<1x2x4x4xf32>, tensor<4xf32>) -> tensor<1x2x8x8xf32>
  %1 = nc.pad %0, %pads value %v {mode = "constant"} : (tensor<1x2x8x8xf32>, tensor<8xi64>, tensor<f32>) -> tensor<1x2x10x10xf32>
  %2 = nc.layer_normalization %1, %g {axis = -1 : i64, epsilon = 1.0e-5 : f32} : (tensor<1x2x10x10xf32>, tensor<10xf32>) -> tensor<1x2x10x10xf32>
  %3 = nc.conv_transpose %2, %w {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x2x10x10xf32>, tensor<2x2x3x3xf32>) -> tensor<1x2x10x10xf32>
  return %3 : tensor<1x2x10x10xf32>
}

// -----

// The generic op carries any node, with subgraphs; nc types re-parse.
// CHECK-LABEL: func.func @generic
//       CHECK:   nc.node "Loop"(%{{.+}}, %{{.+}}) graphs {
//       CHECK:     nc.yield
//       CHECK:   } {graph_attrs = ["body"]}
//       CHECK:   nc.node "SequenceEmpty"() {{.*}} -> !nc.sequence<tensor<*xf32>>
//       CHECK:   nc.node "OptionalHasElement"({{.*}}) : (!nc.optional<tensor<2xf32>>) -> tensor<i1>
func.func @generic(%n: tensor<i64>, %c: tensor<i1>, %o: !nc.optional<tensor<2xf32>>,
                   %m: !nc.map<i64, tensor<f32>>) -> (tensor<i1>, !nc.sequence<tensor<*xf32>>) {
  %0 = nc.node "Loop"(%n, %c) graphs {
  ^bb0(%i: tensor<i64>, %cond: tensor<i1>):
    nc.yield %cond : tensor<i1>
  } {graph_attrs = ["body"]} : (tensor<i64>, tensor<i1>) -> tensor<i1>
  %1 = nc.node "SequenceEmpty"() {onnx_attributes = {dtype = 1 : i64}} : () -> !nc.sequence<tensor<*xf32>>
  %2 = nc.node "OptionalHasElement"(%o) : (!nc.optional<tensor<2xf32>>) -> tensor<i1>
  return %2, %1 : tensor<i1>, !nc.sequence<tensor<*xf32>>
}

// -----

// A quantized weight is a constant whose result type is quantized.
// CHECK-LABEL: func.func @quantized_weight
//       CHECK:   nc.constant dense<[1, -2]> : tensor<2xi8> : tensor<2x!quant.uniform<i8:f32, 5.000000e-01>>
func.func @quantized_weight() -> tensor<2xf32> {
  %0 = nc.constant dense<[1, -2]> : tensor<2xi8> : tensor<2x!quant.uniform<i8:f32, 0.5>>
  %1 = quant.dcast %0 : tensor<2x!quant.uniform<i8:f32, 0.5>> to tensor<2xf32>
  return %1 : tensor<2xf32>
}
