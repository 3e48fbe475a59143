//===- nc-opt.cpp - MlirOptMain with NC's dialects and passes -------------===//

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"

#include "nc/Dialect/NCDialect.h"
#include "nc/Passes/Passes.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  registry.insert<mlir::nc::NCDialect, mlir::func::FuncDialect,
                  mlir::arith::ArithDialect, mlir::tensor::TensorDialect,
                  mlir::quant::QuantDialect>();
  mlir::registerTransformsPasses();
  mlir::nc::registerNCPasses();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "NC optimizer driver\n", registry));
}
