//===- NCDialect.h - the nc dialect: ONNX semantics for NC --------*- C++ -*-===//

#ifndef NC_DIALECT_NCDIALECT_H
#define NC_DIALECT_NCDIALECT_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir::nc {
/// The newest ONNX opset whose semantics NC's typed ops are known to model;
/// nodes of newer opsets import as the generic `nc.node`.
inline constexpr int64_t kMaxKnownOpset = 23;
} // namespace mlir::nc

#include "nc/Dialect/NCOpsDialect.h.inc"

#define GET_TYPEDEF_CLASSES
#include "nc/Dialect/NCOpsTypes.h.inc"

#include "nc/Dialect/NCInterfaces.h.inc"

namespace mlir::OpTrait::nc {

/// For ops with AttrSizedOperandSegments: the first `N` operand segments are
/// required and hold exactly one value each. ODS checks only that optional
/// segments hold at most one value, so without this a required operand
/// could be left out and the accessors would hand out the wrong operands.
template <unsigned N> class RequiredOperandSegments {
public:
  template <typename ConcreteType>
  class Impl : public TraitBase<ConcreteType, Impl> {
  public:
    static LogicalResult verifyTrait(Operation *op) {
      auto sizes = llvm::dyn_cast_or_null<DenseI32ArrayAttr>(
          op->getInherentAttr("operandSegmentSizes").value_or(Attribute()));
      if (!sizes)
        return success(); // Reported by AttrSizedOperandSegments.
      for (unsigned i = 0; i < N && i < sizes.size(); ++i)
        if (sizes[i] != 1)
          return op->emitOpError()
                 << "requires operand segment #" << i << " to hold one value, "
                 << "not " << sizes[i];
      return success();
    }
  };
};

} // namespace mlir::OpTrait::nc

#define GET_OP_CLASSES
#include "nc/Dialect/NCOps.h.inc"

namespace mlir::nc {

/// Attribute names NC keeps on functions and modules (see docs/Dialect.md).
namespace attr {
inline constexpr llvm::StringLiteral kName = "nc.name";
inline constexpr llvm::StringLiteral kDimParams = "nc.dim_params";
inline constexpr llvm::StringLiteral kDocString = "nc.doc_string";
inline constexpr llvm::StringLiteral kGraphInput = "nc.graph_input";
} // namespace attr

/// The ONNX name of a node (from the metadata of its fused location), or "".
llvm::StringRef getNodeName(Operation *op);
/// The ONNX names of an op's results, from its location; "" where unknown.
SmallVector<std::string> getResultNames(Operation *op);
/// Builds the location NC gives an imported ONNX node.
Location makeNodeLoc(MLIRContext *ctx, llvm::StringRef nodeName,
                     llvm::ArrayRef<std::string> outputNames);

} // namespace mlir::nc

#endif // NC_DIALECT_NCDIALECT_H
