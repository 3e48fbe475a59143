// MLIR bytecode files that are not what they claim are diagnosed, naming the
// file, by both tools that read MLIR: a wrong magic (the file is then read
// as MLIR text), a version from the future, and a truncated file.
// RUN: nc-translate --import-onnx-text %S/../Import/Inputs/tiny.onnxtxt --emit-bytecode -o %t.mlirbc
// RUN: nc-translate --export-onnx %t.mlirbc -o %t.onnx

// RUN: printf 'MLXR' > %t.magic.mlirbc
// RUN: tail -c +5 %t.mlirbc >> %t.magic.mlirbc
// RUN: not nc-translate --export-onnx %t.magic.mlirbc -o %t.magic.onnx 2>&1 | FileCheck %s --check-prefix=MAGIC
// RUN: not nc-opt %t.magic.mlirbc 2>&1 | FileCheck %s --check-prefix=MAGIC
// MAGIC: magic.mlirbc:1:1: error: custom op 'MLXR' is unknown

// RUN: printf 'ML\xefR\x7fjunk' > %t.version.mlirbc
// RUN: not nc-translate --export-onnx %t.version.mlirbc -o %t.version.onnx 2>&1 | FileCheck %s --check-prefix=VERSION
// RUN: not nc-opt %t.version.mlirbc 2>&1 | FileCheck %s --check-prefix=VERSION
// VERSION: version.mlirbc:0:0: error: bytecode version 63 is newer than the current version

// RUN: head -c 30 %t.mlirbc > %t.truncated.mlirbc
// RUN: not nc-translate --export-onnx %t.truncated.mlirbc -o %t.truncated.onnx 2>&1 | FileCheck %s --check-prefix=TRUNC
// RUN: not nc-opt %t.truncated.mlirbc 2>&1 | FileCheck %s --check-prefix=TRUNC
// TRUNC: truncated.mlirbc:0:0: error: attempting to parse

// No output is left behind by a failed export.
// RUN: not ls %t.magic.onnx %t.version.onnx %t.truncated.onnx
