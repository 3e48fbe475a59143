// RUN: nc-translate --import-onnx-text %S/../Inputs/tiny.onnxtxt | nc-translate --export-onnx -o %t.onnx
// RUN: head -c 40 %t.onnx > %t.truncated.onnx
// RUN: not nc-translate --import-onnx %t.truncated.onnx 2>&1 | FileCheck %s --check-prefix=TRUNC
// RUN: printf '\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x3a\x99\x01random' > %t.random.onnx
// RUN: not nc-translate --import-onnx %t.random.onnx 2>&1 | FileCheck %s --check-prefix=RANDOM
// RUN: not nc-translate --import-onnx %t.does-not-exist.onnx 2>&1 | FileCheck %s --check-prefix=MISSING
// A truncated model, random bytes and a missing file are diagnosed, never a crash.
// TRUNC: truncated.onnx:0:0: error: not a valid ONNX model (the protobuf data is malformed or truncated)
// RANDOM: random.onnx:0:0: error: not a valid ONNX model
// MISSING: error: cannot read '{{.*}}does-not-exist.onnx'
