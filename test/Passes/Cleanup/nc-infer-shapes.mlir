// RUN: nc-opt %s -split-input-file -nc-infer-shapes -verify-diagnostics | FileCheck %s

// Conv, pooling and flatten shapes follow from attributes and weights.
// CHECK-LABEL: func.func @convnet
//  CHECK-SAME: -> tensor<?x4xf32>
//       CHECK:   nc.conv {{.*}} -> tensor<?x4x4x4xf32>
//       CHECK:   nc.relu {{.*}} -> tensor<?x4x4x4xf32>
//       CHECK:   nc.max_pool {{.*}} -> tensor<?x4x2x2xf32>
//       CHECK:   nc.global_average_pool {{.*}} -> tensor<?x4x1x1xf32>
//       CHECK:   nc.flatten {{.*}} -> tensor<?x4xf32>
func.func @convnet(%x: tensor<?x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<*xf32> {
  %0 = nc.conv %x, %w {pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<?x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<*xf32>
  %1 = nc.relu %0 : (tensor<*xf32>) -> tensor<*xf32>
  %2 = nc.max_pool %1 {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, ceil_mode = 1 : i64} : (tensor<*xf32>) -> tensor<*xf32>
  %3 = nc.global_average_pool %2 : (tensor<*xf32>) -> tensor<*xf32>
  %4 = nc.flatten %3 : (tensor<*xf32>) -> tensor<*xf32>
  return %4 : tensor<*xf32>
}

// -----

// SAME_UPPER keeps ceil(in / stride); ConvTranspose inverts conv.
// CHECK-LABEL: func.func @same_and_transpose
//       CHECK:   nc.conv {{.*}} -> tensor<1x2x4x4xf32>
//       CHECK:   nc.conv_transpose {{.*}} -> tensor<1x6x8x8xf32>
func.func @same_and_transpose(%x: tensor<1x2x7x7xf32>, %w: tensor<2x2x3x3xf32>, %wt: tensor<2x3x2x2xf32>) -> (tensor<*xf32>, tensor<*xf32>) {
  %0 = nc.conv %x, %w {auto_pad = "SAME_UPPER", strides = array<i64: 2, 2>} : (tensor<1x2x7x7xf32>, tensor<2x2x3x3xf32>) -> tensor<*xf32>
  %1 = nc.conv_transpose %0, %wt {group = 2 : i64, strides = array<i64: 2, 2>} : (tensor<*xf32>, tensor<2x3x2x2xf32>) -> tensor<*xf32>
  return %0, %1 : tensor<*xf32>, tensor<*xf32>
}

// -----

// Broadcasting, MatMul batch dims and Gemm transposes.
// CHECK-LABEL: func.func @products
//       CHECK:   nc.add {{.*}} -> tensor<4x2x3xf32>
//       CHECK:   nc.matmul {{.*}} -> tensor<4x2x5xf32>
//       CHECK:   nc.gemm {{.*}} -> tensor<3x7xf32>
//       CHECK:   nc.matmul {{.*}} -> tensor<2xf32>
func.func @products(%a: tensor<4x1x3xf32>, %b: tensor<2x1xf32>, %m: tensor<3x5xf32>,
                    %g: tensor<2x3xf32>, %h: tensor<7x2xf32>, %v: tensor<3xf32>) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>) {
  %0 = nc.add %a, %b : (tensor<4x1x3xf32>, tensor<2x1xf32>) -> tensor<*xf32>
  %1 = nc.matmul %0, %m : (tensor<*xf32>, tensor<3x5xf32>) -> tensor<*xf32>
  %2 = nc.gemm %g, %h {transA = 1 : i64, transB = 1 : i64} : (tensor<2x3xf32>, tensor<7x2xf32>) -> tensor<*xf32>
  %3 = nc.matmul %g, %v : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<*xf32>
  return %1, %2, %3 : tensor<*xf32>, tensor<*xf32>, tensor<*xf32>
}

// -----

// Shapes given by constant operands: Reshape (0 copies, -1 infers),
// Unsqueeze, Squeeze, Slice.
// CHECK-LABEL: func.func @constant_shapes
//       CHECK:   nc.reshape {{.*}} -> tensor<2x3x4xf32>
//       CHECK:   nc.unsqueeze {{.*}} -> tensor<1x2x3x4xf32>
//       CHECK:   nc.squeeze {{.*}} -> tensor<2x3x4xf32>
//       CHECK:   nc.slice {{.*}} -> tensor<2x2x4xf32>
func.func @constant_shapes(%x: tensor<2x12xf32>) -> tensor<*xf32> {
  %shape = nc.constant dense<[0, 3, -1]> : tensor<3xi64> : tensor<3xi64>
  %zero = nc.constant dense<[0]> : tensor<1xi64> : tensor<1xi64>
  %start = nc.constant dense<[1]> : tensor<1xi64> : tensor<1xi64>
  %end = nc.constant dense<[100]> : tensor<1xi64> : tensor<1xi64>
  %0 = nc.reshape %x, %shape : (tensor<2x12xf32>, tensor<3xi64>) -> tensor<*xf32>
  %1 = nc.unsqueeze %0, %zero : (tensor<*xf32>, tensor<1xi64>) -> tensor<*xf32>
  %2 = nc.squeeze %1, %zero : (tensor<*xf32>, tensor<1xi64>) -> tensor<*xf32>
  %3 = nc.slice %2, %start, %end axes %start : (tensor<*xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<*xf32>
  return %3 : tensor<*xf32>
}

// -----

// Transpose, Concat, Gather and GlobalAveragePool.
// CHECK-LABEL: func.func @movement
//       CHECK:   nc.transpose {{.*}} -> tensor<4x3x2xf32>
//       CHECK:   nc.concat {{.*}} -> tensor<8x3x2xf32>
//       CHECK:   nc.gather {{.*}} -> tensor<8x5x7x2xf32>
func.func @movement(%x: tensor<2x3x4xf32>, %i: tensor<5x7xi64>) -> tensor<*xf32> {
  %0 = nc.transpose %x : (tensor<2x3x4xf32>) -> tensor<*xf32>
  %1 = nc.concat %0, %0 {axis = 0 : i64} : (tensor<*xf32>, tensor<*xf32>) -> tensor<*xf32>
  %2 = nc.gather %1, %i {axis = 1 : i64} : (tensor<*xf32>, tensor<5x7xi64>) -> tensor<*xf32>
  return %2 : tensor<*xf32>
}

// -----

// Known dims are never overwritten, and contradictions are reported.
// CHECK-LABEL: func.func @keeps_declared
//       CHECK:   nc.add {{.*}} -> tensor<2x3xf32>
func.func @keeps_declared(%a: tensor<2x3xf32>, %b: tensor<?x3xf32>) -> tensor<2x3xf32> {
  %0 = nc.add %a, %b : (tensor<2x3xf32>, tensor<?x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @contradiction(%x: tensor<6xf32>) -> tensor<*xf32> {
  %shape = nc.constant dense<[-1, -1]> : tensor<2xi64> : tensor<2xi64>
  // expected-warning@+1 {{operand shapes contradict ONNX's shape rules}}
  %0 = nc.reshape %x, %shape : (tensor<6xf32>, tensor<2xi64>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}
