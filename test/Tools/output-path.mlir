// An output path whose folder does not exist, or whose "folder" is a regular
// file, is refused with a diagnostic naming the path, for imports (MLIR
// text and bytecode) as for exports (test/Export/errors.mlir). Tests run as
// root, so permissions cannot be what stops the write.
// RUN: rm -rf %t && mkdir %t && echo "a file" > %t/file
// RUN: not nc-translate --import-onnx-text %S/../Import/Inputs/tiny.onnxtxt -o %t/file/model.mlir 2>&1 | FileCheck %s
// RUN: not nc-translate --import-onnx-text %S/../Import/Inputs/tiny.onnxtxt --emit-bytecode -o %t/file/model.mlirbc 2>&1 | FileCheck %s
// RUN: not nc-translate --import-onnx-text %S/../Import/Inputs/tiny.onnxtxt -o %t/missing/model.mlir 2>&1 | FileCheck %s
// RUN: not nc-translate --import-onnx-text %S/../Import/Inputs/tiny.onnxtxt -o %t 2>&1 | FileCheck %s --check-prefix=FOLDER
// CHECK: error: cannot write '{{.*}}/model.mlir{{.*}}': folder '{{.*}}' does not exist or is not a folder
// FOLDER: error: cannot write '{{.*}}': it is a folder

// Nothing was created beside the regular file.
// RUN: ls -A %t | count 1
