//===- Passes.h - NC passes ------------------------------------*- C++ -*-===//

#ifndef NC_PASSES_PASSES_H
#define NC_PASSES_PASSES_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/Pass.h"
#include "nc/Dialect/NCDialect.h"

namespace mlir::nc {

#define GEN_PASS_DECL
#include "nc/Passes/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "nc/Passes/Passes.h.inc"

} // namespace mlir::nc

#endif // NC_PASSES_PASSES_H
