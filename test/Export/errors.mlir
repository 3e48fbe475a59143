// RUN: not nc-translate --export-onnx %s -o %t.onnx 2>&1 | FileCheck %s
// RUN: not nc-translate --export-onnx %S/export-onnx.mlir -o %t.missing/model.onnx 2>&1 | FileCheck %s --check-prefix=NODIR
// RUN: echo "a file" > %t.file
// RUN: not nc-translate --export-onnx %S/export-onnx.mlir -o %t.file/model.onnx 2>&1 | FileCheck %s --check-prefix=NODIR
// RUN: echo "keep me" > %t.existing.onnx
// RUN: not nc-translate --export-onnx %s -o %t.existing.onnx
// RUN: FileCheck %s --check-prefix=KEPT < %t.existing.onnx

// An op with no ONNX form is an error naming the op; a failed export leaves
// an existing output untouched; an output folder that does not exist (or is
// a regular file) is refused.
// CHECK: error: 'arith.addf' has no ONNX form; lower it to nc ops first
// NODIR: error: cannot write '{{.*}}model.onnx': folder '{{.*}}' does not exist or is not a folder
// KEPT: keep me

func.func @main(%x: tensor<2xf32>) -> tensor<2xf32> {
  %0 = arith.addf %x, %x : tensor<2xf32>
  return %0 : tensor<2xf32>
}
