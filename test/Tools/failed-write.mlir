// No data lost: when writing an output fails, an existing file at the output
// path is left byte for byte as it was, and no temporary file stays behind.
// RUN: rm -rf %t && mkdir %t
// RUN: nc-translate --export-onnx %s -o %t/model.onnx
// RUN: echo "keep me" > %t/existing.keep

// The export fails before anything is written: the module's weights were
// elided when it was printed (the resource section has no blob for 'w').
// RUN: nc-translate --import-onnx %t/model.onnx --mlir-elide-resource-strings-if-larger=1 -o %t.elided.mlir
// RUN: FileCheck %s --check-prefix=ELIDED < %t.elided.mlir
// ELIDED: nc.constant dense_resource<w>
// ELIDED-NOT: "0x
// RUN: cp %t/existing.keep %t/out.onnx
// RUN: not nc-translate --export-onnx %t.elided.mlir -o %t/out.onnx 2>&1 | FileCheck %s --check-prefix=NOWEIGHTS
// NOWEIGHTS: error: loc("w"): the weights of this constant are not available (elided from the printed IR?)
// RUN: cmp %t/existing.keep %t/out.onnx

// The write itself fails midway: a file size limit of 4 KiB (ulimit -f, with
// SIGXFSZ ignored so that write() fails with EFBIG instead of killing the
// tool) stops the 16 KiB model, then the MLIR text of its import.
// RUN: not bash -c "trap '' XFSZ; ulimit -f 4; exec nc-translate --export-onnx %s -o %t/out.onnx" 2>&1 | FileCheck %s --check-prefix=EFBIG
// RUN: cmp %t/existing.keep %t/out.onnx
// RUN: cp %t/existing.keep %t/out.mlir
// RUN: not bash -c "trap '' XFSZ; ulimit -f 4; exec nc-translate --import-onnx %t/model.onnx -o %t/out.mlir" 2>&1 | FileCheck %s --check-prefix=EFBIG
// RUN: cmp %t/existing.keep %t/out.mlir
// EFBIG: error: cannot write '{{.*}}out.{{onnx|mlir}}': File too large

// Only the files made above are in the folder: no temporary file is left.
// RUN: ls -A %t | count 4

func.func @main(%x: tensor<4096xf32>) -> tensor<4096xf32> {
  %w = nc.constant dense<1.0> : tensor<4096xf32> : tensor<4096xf32> loc("w")
  %0 = nc.add %x, %w : (tensor<4096xf32>, tensor<4096xf32>) -> tensor<4096xf32>
  return %0 : tensor<4096xf32>
}
