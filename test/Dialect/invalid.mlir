// RUN: nc-opt %s -split-input-file -verify-diagnostics

// Input channels must split evenly into groups.
func.func @bad_group(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error@+1 {{input channels (3) not divisible by group (2)}}
  %0 = nc.conv %x, %w {group = 2 : i64} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

// A conv's weight has C / group input channels.
func.func @bad_weight_channels(%x: tensor<1x4x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error@+1 {{weight dimension 1 is 3, expected 4}}
  %0 = nc.conv %x, %w : (tensor<1x4x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

// Input and weight ranks must agree.
func.func @bad_weight_rank(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3xf32>) {
  // expected-error@+1 {{input rank (4) differs from weight rank (3)}}
  %0 = nc.conv %x, %w : (tensor<1x3x8x8xf32>, tensor<4x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

// Group must be positive.
func.func @zero_group(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error@+1 {{group must be positive, got 0}}
  %0 = nc.conv %x, %w {group = 0 : i64} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

// auto_pad takes one of ONNX's four values.
func.func @bad_auto_pad(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error@+1 {{attribute 'auto_pad' is 'SOMETIMES', expected one of: NOTSET, SAME_UPPER, SAME_LOWER, VALID}}
  %0 = nc.conv %x, %w {auto_pad = "SOMETIMES"} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
  return
}

// -----

// One pad per side of each spatial axis.
func.func @bad_pads(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error@+1 {{'pads' has 2 values, expected 4}}
  %0 = nc.conv %x, %w {pads = array<i64: 1, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
  return
}

// -----

// Strides are positive.
func.func @bad_strides(%x: tensor<1x3x8x8xf32>) {
  // expected-error@+1 {{'strides' must be positive}}
  %0 = nc.max_pool %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 0, 1>} : (tensor<1x3x8x8xf32>) -> tensor<1x3x4x4xf32>
  return
}

// -----

// Pools need a kernel.
func.func @pool_without_kernel(%x: tensor<1x3x8x8xf32>) {
  // expected-error@+1 {{requires 'kernel_shape'}}
  %0 = nc.average_pool %x : (tensor<1x3x8x8xf32>) -> tensor<1x3x8x8xf32>
  return
}

// -----

// Sliding windows need batch, channel and spatial axes.
func.func @pool_rank(%x: tensor<3x8xf32>) {
  // expected-error@+1 {{expects an input of rank >= 3 (N, C, spatial), got rank 2}}
  %0 = nc.max_pool %x {kernel_shape = array<i64: 2>} : (tensor<3x8xf32>) -> tensor<3x4xf32>
  return
}

// -----

// GlobalAveragePool too.
func.func @global_pool_rank(%x: tensor<3x8xf32>) {
  // expected-error@+1 {{expects an input of rank >= 3, got rank 2}}
  %0 = nc.global_average_pool %x : (tensor<3x8xf32>) -> tensor<3x1xf32>
  return
}

// -----

// MatMul contraction dimensions must match.
func.func @bad_matmul(%a: tensor<2x3xf32>, %b: tensor<4x5xf32>) {
  // expected-error@+1 {{contraction dimensions differ (3 vs 4)}}
  %0 = nc.matmul %a, %b : (tensor<2x3xf32>, tensor<4x5xf32>) -> tensor<2x5xf32>
  return
}

// -----

// MatMul has no scalars.
func.func @scalar_matmul(%a: tensor<f32>, %b: tensor<4x5xf32>) {
  // expected-error@+1 {{operands must have rank >= 1}}
  %0 = nc.matmul %a, %b : (tensor<f32>, tensor<4x5xf32>) -> tensor<5xf32>
  return
}

// -----

// Gemm is 2-D.
func.func @bad_gemm(%a: tensor<2x3x4xf32>, %b: tensor<4x5xf32>) {
  // expected-error@+1 {{A and B must be 2-D, got rank 3}}
  %0 = nc.gemm %a, %b : (tensor<2x3x4xf32>, tensor<4x5xf32>) -> tensor<2x5xf32>
  return
}

// -----

// Elementwise operands must broadcast.
func.func @no_broadcast(%a: tensor<2x3xf32>, %b: tensor<4xf32>) {
  // expected-error@+1 {{operand shapes 'tensor<2x3xf32>' and 'tensor<4xf32>' do not broadcast}}
  %0 = nc.add %a, %b : (tensor<2x3xf32>, tensor<4xf32>) -> tensor<2x3xf32>
  return
}

// -----

// Clip bounds are scalars.
func.func @bad_clip(%x: tensor<4xf32>, %lo: tensor<2xf32>) {
  // expected-error@+1 {{bounds must be scalars, got 'tensor<2xf32>'}}
  %0 = nc.clip %x min %lo : (tensor<4xf32>, tensor<2xf32>) -> tensor<4xf32>
  return
}

// -----

// BatchNormalization has one value per channel.
func.func @bad_batch_norm(%x: tensor<1x4x2x2xf32>, %s: tensor<3xf32>) {
  // expected-error@+1 {{per-channel operand has 3 values for 4 channels}}
  %0 = nc.batch_normalization %x, %s, %s, %s, %s : (tensor<1x4x2x2xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<1x4x2x2xf32>
  return
}

// -----

// ... as 1-D tensors.
func.func @batch_norm_rank(%x: tensor<1x4x2x2xf32>, %s: tensor<4x1xf32>) {
  // expected-error@+1 {{per-channel operands must be 1-D, got 'tensor<4x1xf32>'}}
  %0 = nc.batch_normalization %x, %s, %s, %s, %s : (tensor<1x4x2x2xf32>, tensor<4x1xf32>, tensor<4x1xf32>, tensor<4x1xf32>, tensor<4x1xf32>) -> tensor<1x4x2x2xf32>
  return
}

// -----

// ... on an input with a channel axis.
func.func @batch_norm_input_rank(%x: tensor<4xf32>, %s: tensor<4xf32>) {
  // expected-error@+1 {{input must have rank >= 2, got 1}}
  %0 = nc.batch_normalization %x, %s, %s, %s, %s : (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

// Axes must lie within the rank.
func.func @bad_softmax_axis(%x: tensor<2x3xf32>) {
  // expected-error@+1 {{axis 2 is out of range for rank 2}}
  %0 = nc.softmax %x {axis = 2 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return
}

// -----

// Negative axes count from the end, down to -rank.
func.func @bad_gather_axis(%x: tensor<2x3xf32>, %i: tensor<2xi64>) {
  // expected-error@+1 {{axis -3 is out of range for rank 2}}
  %0 = nc.gather %x, %i {axis = -3 : i64} : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<2x3xf32>
  return
}

// -----

// Flatten allows axis == rank, not beyond.
func.func @bad_flatten_axis(%x: tensor<2x3xf32>) {
  // expected-error@+1 {{axis 3 is out of range for rank 2}}
  %0 = nc.flatten %x {axis = 3 : i64} : (tensor<2x3xf32>) -> tensor<6x1xf32>
  return
}

// -----

// LayerNormalization's axis too.
func.func @bad_layer_norm_axis(%x: tensor<2x3xf32>, %g: tensor<3xf32>) {
  // expected-error@+1 {{axis 5 is out of range for rank 2}}
  %0 = nc.layer_normalization %x, %g {axis = 5 : i64} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  return
}

// -----

// Concat inputs share a rank, and the axis lies within it.
func.func @bad_concat_rank(%a: tensor<2x3xf32>, %b: tensor<3xf32>) {
  // expected-error@+1 {{inputs have different ranks (2 and 1)}}
  %0 = nc.concat %a, %b {axis = 0 : i64} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<5x3xf32>
  return
}

// -----

func.func @bad_concat_axis(%a: tensor<2x3xf32>) {
  // expected-error@+1 {{axis -3 is out of range for rank 2}}
  %0 = nc.concat %a, %a {axis = -3 : i64} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<4x3xf32>
  return
}

// -----

// Concat needs inputs.
func.func @empty_concat() {
  // expected-error@+1 {{needs at least one input}}
  %0 = nc.concat {axis = 0 : i64} : () -> tensor<2xf32>
  return
}

// -----

// Transpose's perm is a permutation of the axes.
func.func @bad_perm(%x: tensor<2x3xf32>) {
  // expected-error@+1 {{perm is not a permutation of [0, 2)}}
  %0 = nc.transpose %x {perm = array<i64: 0, 0>} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @bad_perm_size(%x: tensor<2x3xf32>) {
  // expected-error@+1 {{perm has 3 entries for rank 2}}
  %0 = nc.transpose %x {perm = array<i64: 0, 1, 2>} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return
}

// -----

// Reshape's shape is 1-D.
func.func @bad_reshape(%x: tensor<6xf32>, %s: tensor<2x1xi64>) {
  // expected-error@+1 {{shape must be 1-D, got 'tensor<2x1xi64>'}}
  %0 = nc.reshape %x, %s : (tensor<6xf32>, tensor<2x1xi64>) -> tensor<2x3xf32>
  return
}

// -----

// Resize and Pad modes are ONNX's.
func.func @bad_resize_mode(%x: tensor<1x1x2x2xf32>, %s: tensor<4xf32>) {
  // expected-error@+1 {{attribute 'mode' is 'bilinear', expected one of: nearest, linear, cubic}}
  %0 = nc.resize %x scales %s {mode = "bilinear"} : (tensor<1x1x2x2xf32>, tensor<4xf32>) -> tensor<1x1x4x4xf32>
  return
}

// -----

func.func @bad_resize_ctm(%x: tensor<1x1x2x2xf32>, %s: tensor<4xf32>) {
  // expected-error@+1 {{attribute 'coordinate_transformation_mode' is 'center', expected one of}}
  %0 = nc.resize %x scales %s {coordinate_transformation_mode = "center"} : (tensor<1x1x2x2xf32>, tensor<4xf32>) -> tensor<1x1x4x4xf32>
  return
}

// -----

func.func @bad_pad_mode(%x: tensor<2xf32>, %p: tensor<2xi64>) {
  // expected-error@+1 {{attribute 'mode' is 'mirror', expected one of: constant, reflect, edge, wrap}}
  %0 = nc.pad %x, %p {mode = "mirror"} : (tensor<2xf32>, tensor<2xi64>) -> tensor<4xf32>
  return
}

// -----

// A constant's type matches its value, up to a quantized element type.
func.func @bad_constant_shape() {
  // expected-error@+1 {{result type 'tensor<3xf32>' does not have the shape of the value 'tensor<2xf32>'}}
  %0 = nc.constant dense<[1.0, 2.0]> : tensor<2xf32> : tensor<3xf32>
  return
}

// -----

func.func @bad_constant_element() {
  // expected-error@+1 {{result element type 'i32' does not match the value's element type 'f32'}}
  %0 = nc.constant dense<[1.0, 2.0]> : tensor<2xf32> : tensor<2xi32>
  return
}

// -----

// The generic op names its op type and one attribute per region.
func.func @empty_op_type() {
  // expected-error@+1 {{has an empty op_type}}
  %0 = nc.node ""() : () -> tensor<f32>
  return
}

// -----

func.func @unnamed_region(%c: tensor<i1>) {
  // expected-error@+1 {{has 1 graph regions but names 0 graph attributes}}
  %0 = nc.node "If"(%c) graphs {
    nc.yield
  } : (tensor<i1>) -> tensor<f32>
  return
}

// -----

// A required operand of an op with optional ones cannot be left out (found
// by fuzzing the importer: a Resize whose X was "").
func.func @resize_without_input(%s: tensor<4xi64>) {
  // expected-error@+1 {{'nc.resize' op requires operand segment #0 to hold one value, not 0}}
  %0 = "nc.resize"(%s) <{operandSegmentSizes = array<i32: 0, 0, 1, 0>}> : (tensor<4xi64>) -> tensor<1x1x9x10xf32>
  return
}

// -----

func.func @slice_without_ends(%x: tensor<4xf32>, %i: tensor<1xi64>) {
  // expected-error@+1 {{'nc.slice' op requires operand segment #2 to hold one value, not 0}}
  %0 = "nc.slice"(%x, %i, %i) <{operandSegmentSizes = array<i32: 1, 1, 0, 1, 0>}> : (tensor<4xf32>, tensor<1xi64>, tensor<1xi64>) -> tensor<2xf32>
  return
}
