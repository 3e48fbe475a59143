//===- InferShapes.cpp - refine nc result types with ONNX shape rules -----===//

#include "nc/Passes/Passes.h"

#include "mlir/IR/BuiltinTypes.h"

namespace mlir::nc {
#define GEN_PASS_DEF_INFERSHAPES
#include "nc/Passes/Passes.h.inc"
} // namespace mlir::nc

using namespace mlir;

namespace mlir::nc {
namespace {

/// True if `refined` says more than `current` and does not contradict it.
bool isMorePrecise(Type refined, Type current) {
  if (refined == current)
    return false;
  auto r = dyn_cast<TensorType>(refined), c = dyn_cast<TensorType>(current);
  if (!r || !c || r.getElementType() != c.getElementType() || !r.hasRank())
    return false;
  if (!c.hasRank())
    return true;
  if (r.getRank() != c.getRank())
    return false;
  bool gained = false;
  for (auto [rd, cd] : llvm::zip(r.getShape(), c.getShape())) {
    if (ShapedType::isDynamic(cd)) {
      gained |= !ShapedType::isDynamic(rd);
      continue;
    }
    if (rd != cd)
      return false;
  }
  return gained;
}

struct InferShapesPass : public impl::InferShapesBase<InferShapesPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    func.walk([&](ShapeInferenceOpInterface op) {
      if (op->getNumResults() != 1)
        return;
      FailureOr<Type> type = op.inferResultType();
      if (failed(type)) {
        op->emitWarning() << "operand shapes contradict ONNX's shape rules";
        return;
      }
      if (isMorePrecise(*type, op->getResult(0).getType()))
        op->getResult(0).setType(*type);
    });
    // Keep the signature in step with what is returned.
    Operation *terminator = func.getBody().back().getTerminator();
    func.setType(FunctionType::get(&getContext(), func.getArgumentTypes(),
                                   terminator->getOperandTypes()));
  }
};

} // namespace
} // namespace mlir::nc
