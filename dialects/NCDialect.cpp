//===- NCDialect.cpp - nc dialect registration and locations --------------===//

#include "nc/Dialect/NCDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::nc;

#include "nc/Dialect/NCOpsDialect.cpp.inc"

#define GET_TYPEDEF_CLASSES
#include "nc/Dialect/NCOpsTypes.cpp.inc"

#include "nc/Dialect/NCInterfaces.cpp.inc"

void NCDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "nc/Dialect/NCOps.cpp.inc"
      >();
  registerTypes();
}

void NCDialect::registerTypes() {
  addTypes<
#define GET_TYPEDEF_LIST
#include "nc/Dialect/NCOpsTypes.cpp.inc"
      >();
}

Operation *NCDialect::materializeConstant(OpBuilder &builder, Attribute value,
                                          Type type, Location loc) {
  auto elements = dyn_cast<ElementsAttr>(value);
  if (!elements || !isa<TensorType>(type))
    return nullptr;
  return ConstantOp::create(builder, loc, type, elements);
}

//===----------------------------------------------------------------------===//
// Names of ONNX nodes and values, kept in locations.
//===----------------------------------------------------------------------===//

Location mlir::nc::makeNodeLoc(MLIRContext *ctx, StringRef nodeName,
                               ArrayRef<std::string> outputNames) {
  SmallVector<Location> locs;
  for (const std::string &name : outputNames)
    locs.push_back(NameLoc::get(StringAttr::get(ctx, name)));
  if (locs.empty())
    locs.push_back(UnknownLoc::get(ctx));
  if (nodeName.empty() && locs.size() == 1)
    return locs.front();
  return FusedLoc::get(locs, StringAttr::get(ctx, nodeName), ctx);
}

StringRef mlir::nc::getNodeName(Operation *op) {
  if (auto fused = dyn_cast<FusedLoc>(op->getLoc()))
    if (auto name = dyn_cast_or_null<StringAttr>(fused.getMetadata()))
      return name.getValue();
  return "";
}

SmallVector<std::string> mlir::nc::getResultNames(Operation *op) {
  SmallVector<std::string> names(op->getNumResults());
  SmallVector<Location> locs;
  if (auto fused = dyn_cast<FusedLoc>(op->getLoc()))
    llvm::append_range(locs, fused.getLocations());
  else
    locs.push_back(op->getLoc());
  if (locs.size() != names.size())
    return names;
  for (auto [i, loc] : llvm::enumerate(locs))
    if (auto name = dyn_cast<NameLoc>(loc))
      names[i] = name.getName().str();
  return names;
}
