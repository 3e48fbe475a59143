//===- OnnxImport.cpp - import ONNX models into the nc dialect ------------===//
//
// A model becomes a module with one function, @main. Initializers and
// Constant nodes become nc.constant ops holding dense resources; nodes
// become typed nc ops where one models the node's op type, opset and
// attributes exactly, QuantizeLinear/DequantizeLinear with constant
// parameters become quant.qcast/quant.dcast, and every other node becomes a
// generic nc.node. Nothing here depends on libonnx knowing an opset: only
// the optional shape inference step does.
//
// ONNX's headers throw; every exception is caught in this file and turned
// into a diagnostic.
//
//===----------------------------------------------------------------------===//

#include "nc/Import/OnnxImport.h"

#include "OnnxCommon.h"
#include "OnnxShapeInference.h"
#include "nc/Dialect/NCDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/text_format.h>

#include <cmath>
#include <cstring>
#include <deque>

using namespace mlir;
using namespace ::nc::onnx_bridge;

namespace {

/// Segmented typed ops: ONNX input i is ODS operand i; the number of ODS
/// operands gives the segment count.
const llvm::StringMap<unsigned> &segmentedOperandCounts() {
  static const llvm::StringMap<unsigned> counts = {
      {"Clip", 3}, {"Slice", 5}, {"Resize", 4}, {"Pad", 4}};
  return counts;
}

struct TypedOpInfo {
  OperationName name;
  int64_t minOpset, maxOpset;
};

std::string describeNode(const onnx::NodeProto &node) {
  std::string s = "node '";
  s += node.name().empty() && node.output_size() ? "(output " + node.output(0) + ")"
                                                 : node.name();
  s += "' (" + node.op_type() + ")";
  return s;
}

bool isDefaultDomain(llvm::StringRef domain) {
  return domain.empty() || domain == "ai.onnx";
}

/// Makes a resource blob key from a tensor name.
std::string blobKey(llvm::StringRef name) {
  std::string key;
  for (char c : name)
    key += (llvm::isAlnum(c) || c == '_' || c == '.') ? c : '_';
  if (key.empty() || !llvm::isAlpha(key[0]))
    key = "w_" + key;
  return key;
}

class Importer {
public:
  Importer(MLIRContext *ctx, llvm::StringRef fileName,
           const ::nc::ImportOptions &options)
      : ctx(ctx), builder(ctx), fileName(fileName.str()), options(options) {
    baseDir = fileName.str();
    llvm::sys::path::remove_filename(baseDir);
    fileLoc = FileLineColLoc::get(ctx, fileName, 0, 0);
    for (RegisteredOperationName name : ctx->getRegisteredOperations())
      if (auto *iface = name.getInterface<mlir::nc::OnnxOpInterface>())
        typedOps.try_emplace(iface->getOnnxOpType(),
                             TypedOpInfo{name, iface->getOnnxMinOpset(),
                                         iface->getOnnxMaxOpset()});
  }

  OwningOpRef<ModuleOp> importModel(onnx::ModelProto &model);

private:
  InFlightDiagnostic error() { return emitError(fileLoc); }

  // Tensors and attributes.
  FailureOr<ElementsAttr> convertTensor(const onnx::TensorProto &t,
                                        llvm::StringRef what);
  LogicalResult readTensorBytes(const onnx::TensorProto &t, int dt,
                                uint64_t n, llvm::StringRef what,
                                std::string &out);
  LogicalResult readExternalData(const onnx::TensorProto &t,
                                 llvm::StringRef what, std::string &out);
  FailureOr<Attribute> convertAttribute(const onnx::AttributeProto &a,
                                        const onnx::NodeProto &node);

  // Graphs and nodes.
  Value lookup(llvm::StringRef name);
  Type lookupType(llvm::StringRef name);
  LogicalResult orderNodes(const onnx::GraphProto &g,
                           const llvm::StringSet<> &local,
                           SmallVectorImpl<int> &order);
  LogicalResult importGraph(const onnx::GraphProto &g, Block *block,
                            SmallVectorImpl<Value> &outputs);
  LogicalResult importNode(const onnx::NodeProto &node);
  FailureOr<Operation *> importConstantNode(const onnx::NodeProto &node,
                                            Location loc);
  FailureOr<Operation *> tryImportTyped(const onnx::NodeProto &node,
                                        ArrayRef<Value> inputs,
                                        ArrayRef<Type> outTypes, Location loc);
  Operation *tryImportQuant(const onnx::NodeProto &node,
                            ArrayRef<Value> inputs, Location loc);
  FailureOr<Operation *> importGeneric(const onnx::NodeProto &node,
                                       ArrayRef<Value> inputs,
                                       ArrayRef<Type> outTypes, Location loc);
  int64_t opsetOf(llvm::StringRef domain) const {
    auto it = opsets.find(isDefaultDomain(domain) ? "" : domain);
    return it == opsets.end() ? 0 : it->second;
  }

  MLIRContext *ctx;
  OpBuilder builder;
  std::string fileName;
  llvm::SmallString<256> baseDir;
  Location fileLoc = UnknownLoc::get(ctx);
  const ::nc::ImportOptions &options;
  llvm::StringMap<TypedOpInfo> typedOps;
  llvm::StringMap<int64_t> opsets;
  /// Value scopes, outermost first (the main graph, then subgraphs).
  std::vector<llvm::StringMap<Value>> scopes;
  /// Value types stated or inferred in the model, per graph scope.
  std::vector<llvm::StringMap<const onnx::TypeProto *>> typeScopes;
};

} // namespace

//===----------------------------------------------------------------------===//
// Tensors.
//===----------------------------------------------------------------------===//

LogicalResult Importer::readExternalData(const onnx::TensorProto &t,
                                         llvm::StringRef what,
                                         std::string &out) {
  std::string location;
  int64_t offset = 0, length = -1;
  for (const auto &kv : t.external_data()) {
    if (kv.key() == "location")
      location = kv.value();
    else if (kv.key() == "offset" || kv.key() == "length") {
      long long v;
      if (llvm::StringRef(kv.value()).getAsInteger(10, v) || v < 0)
        return error() << what << ": external data " << kv.key() << " '"
                       << kv.value() << "' is not a non-negative integer";
      (kv.key() == "offset" ? offset : length) = v;
    }
  }
  if (location.empty())
    return error() << what << ": external data has no location";
  // No path traversal: the data must be inside the model's folder.
  if (llvm::sys::path::is_absolute(location) ||
      llvm::any_of(llvm::make_range(llvm::sys::path::begin(location),
                                    llvm::sys::path::end(location)),
                   [](llvm::StringRef c) { return c == ".."; }))
    return error() << what << ": external data location '" << location
                   << "' points outside the model's folder";
  llvm::SmallString<256> path(baseDir);
  llvm::sys::path::append(path, location);
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer)
    return error() << what << ": cannot read external data file '" << path
                   << "': " << buffer.getError().message();
  llvm::StringRef data = (*buffer)->getBuffer();
  if (static_cast<uint64_t>(offset) > data.size() ||
      (length >= 0 && static_cast<uint64_t>(offset + length) > data.size()))
    return error() << what << ": external data (offset " << offset
                   << ", length " << length << ") is past the end of '"
                   << path << "' (" << data.size() << " bytes)";
  out = data.substr(offset, length < 0 ? llvm::StringRef::npos : length).str();
  return success();
}

LogicalResult Importer::readTensorBytes(const onnx::TensorProto &t, int dt,
                                        uint64_t n, llvm::StringRef what,
                                        std::string &out) {
  uint64_t expected = rawSize(dt, n);
  auto sizeError = [&](uint64_t got, llvm::StringRef unit) {
    return error() << what << ": data size (" << got << " " << unit
                   << ") disagrees with its shape and type (" << expected
                   << " bytes for " << n << " elements)";
  };
  if (t.data_location() == onnx::TensorProto::EXTERNAL) {
    if (failed(readExternalData(t, what, out)))
      return failure();
  } else if (t.has_raw_data()) {
    out = t.raw_data();
  } else {
    unsigned bits = bitsPerElement(dt);
    auto put = [&](const void *p, size_t bytes) {
      out.append(static_cast<const char *>(p), bytes);
    };
    switch (dt) {
    case kFloat: case kComplex64:
      for (float f : t.float_data()) put(&f, 4);
      break;
    case kDouble: case kComplex128:
      for (double d : t.double_data()) put(&d, 8);
      break;
    case kInt64:
      for (int64_t v : t.int64_data()) put(&v, 8);
      break;
    case kUint32: case kUint64:
      for (uint64_t v : t.uint64_data()) put(&v, bits / 8);
      break;
    default:
      // int32_data holds one element per entry, or for sub-byte types one
      // byte of packed elements per entry.
      for (int32_t v : t.int32_data()) put(&v, std::max(1u, bits / 8));
      break;
    }
  }
  if (out.size() != expected)
    return sizeError(out.size(), "bytes");
  return success();
}

FailureOr<ElementsAttr> Importer::convertTensor(const onnx::TensorProto &t,
                                                llvm::StringRef what) {
  Type elem = elementTypeFor(t.data_type(), ctx);
  if (!elem)
    return error() << what << ": unknown data type " << t.data_type();
  SmallVector<int64_t> shape;
  uint64_t n = 1;
  for (int64_t d : t.dims()) {
    if (d < 0)
      return error() << what << ": negative dimension " << d;
    shape.push_back(d);
    if (d && n > (uint64_t(1) << 40) / d)
      return error() << what << ": too many elements";
    n *= d;
  }
  auto type = RankedTensorType::get(shape, elem);
  if (t.data_type() == kString) {
    if (static_cast<uint64_t>(t.string_data_size()) != n)
      return error() << what << ": " << t.string_data_size()
                     << " strings disagree with its shape (" << n
                     << " elements)";
    SmallVector<llvm::StringRef> strings(t.string_data().begin(),
                                         t.string_data().end());
    return cast<ElementsAttr>(DenseStringElementsAttr::get(type, strings));
  }
  std::string bytes;
  if (failed(readTensorBytes(t, t.data_type(), n, what, bytes)))
    return failure();
  auto blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(
      llvm::ArrayRef<char>(bytes.data(), bytes.size()), 64);
  return cast<ElementsAttr>(
      DenseResourceElementsAttr::get(type, blobKey(t.name()), std::move(blob)));
}

//===----------------------------------------------------------------------===//
// Attributes.
//===----------------------------------------------------------------------===//

FailureOr<Attribute>
Importer::convertAttribute(const onnx::AttributeProto &a,
                           const onnx::NodeProto &node) {
  using A = onnx::AttributeProto;
  auto type = a.type();
  if (type == A::UNDEFINED) {
    // Old models leave the type out: take it from the field that is set.
    if (a.has_f()) type = A::FLOAT;
    else if (a.has_i()) type = A::INT;
    else if (a.has_s()) type = A::STRING;
    else if (a.has_t()) type = A::TENSOR;
    else if (a.has_g()) type = A::GRAPH;
    else if (a.floats_size()) type = A::FLOATS;
    else if (a.ints_size()) type = A::INTS;
    else if (a.strings_size()) type = A::STRINGS;
  }
  Builder b(ctx);
  switch (type) {
  case A::FLOAT: return Attribute(b.getF32FloatAttr(a.f()));
  case A::INT: return Attribute(b.getI64IntegerAttr(a.i()));
  case A::STRING: return Attribute(b.getStringAttr(a.s()));
  case A::FLOATS:
    return Attribute(b.getDenseF32ArrayAttr(
        SmallVector<float>(a.floats().begin(), a.floats().end())));
  case A::INTS:
    return Attribute(b.getDenseI64ArrayAttr(
        SmallVector<int64_t>(a.ints().begin(), a.ints().end())));
  case A::STRINGS: {
    SmallVector<Attribute> s;
    for (const std::string &v : a.strings())
      s.push_back(b.getStringAttr(v));
    return Attribute(b.getArrayAttr(s));
  }
  case A::TENSOR: {
    auto t = convertTensor(a.t(), describeNode(node) + " attribute '" +
                                      a.name() + "'");
    if (failed(t))
      return failure();
    return Attribute(*t);
  }
  case A::TENSORS: {
    SmallVector<Attribute> ts;
    for (const auto &t : a.tensors()) {
      auto v = convertTensor(t, describeNode(node) + " attribute '" +
                                    a.name() + "'");
      if (failed(v))
        return failure();
      ts.push_back(*v);
    }
    return Attribute(b.getArrayAttr(ts));
  }
  case A::TYPE_PROTO:
    return Attribute(TypeAttr::get(convertType(a.tp(), ctx)));
  case A::SPARSE_TENSOR:
  case A::SPARSE_TENSORS:
  case A::TYPE_PROTOS: {
    // Carried opaquely: the serialized attribute, re-emitted as is.
    std::string bytes;
    a.SerializeToString(&bytes);
    return Attribute(b.getDictionaryAttr(
        b.getNamedAttr("nc.onnx_attribute", b.getStringAttr(bytes))));
  }
  default:
    return error() << describeNode(node) << ": attribute '" << a.name()
                   << "' has unsupported kind " << static_cast<int>(type);
  }
}

//===----------------------------------------------------------------------===//
// Graphs.
//===----------------------------------------------------------------------===//

Value Importer::lookup(llvm::StringRef name) {
  for (auto it = scopes.rbegin(); it != scopes.rend(); ++it)
    if (auto found = it->find(name); found != it->end())
      return found->second;
  return nullptr;
}

Type Importer::lookupType(llvm::StringRef name) {
  for (auto it = typeScopes.rbegin(); it != typeScopes.rend(); ++it)
    if (auto found = it->find(name); found != it->end())
      return convertType(*found->second, ctx);
  return nullptr;
}

/// Names a subgraph reads from enclosing graphs.
static void collectFreeNames(const onnx::GraphProto &g,
                             llvm::StringSet<> &out) {
  llvm::StringSet<> defined;
  for (const auto &v : g.input()) defined.insert(v.name());
  for (const auto &t : g.initializer()) defined.insert(t.name());
  for (const auto &n : g.node())
    for (const auto &o : n.output()) defined.insert(o);
  for (const auto &n : g.node()) {
    for (const auto &i : n.input())
      if (!i.empty() && !defined.contains(i))
        out.insert(i);
    for (const auto &a : n.attribute()) {
      llvm::StringSet<> inner;
      if (a.has_g())
        collectFreeNames(a.g(), inner);
      for (const auto &sub : a.graphs())
        collectFreeNames(sub, inner);
      for (const auto &name : inner)
        if (!defined.contains(name.getKey()))
          out.insert(name.getKey());
    }
  }
  for (const auto &o : g.output())
    if (!defined.contains(o.name()))
      out.insert(o.name());
}

LogicalResult Importer::orderNodes(const onnx::GraphProto &g,
                                   const llvm::StringSet<> &local,
                                   SmallVectorImpl<int> &order) {
  // Which node produces each value of this graph.
  llvm::StringMap<int> producer;
  for (int i = 0; i < g.node_size(); ++i)
    for (const std::string &o : g.node(i).output()) {
      if (o.empty())
        continue;
      if (local.contains(o) || !producer.try_emplace(o, i).second)
        return error() << describeNode(g.node(i)) << ": output '" << o
                       << "' is defined twice (value names must be unique)";
    }
  std::vector<SmallVector<int>> users(g.node_size());
  std::vector<int> pending(g.node_size(), 0);
  for (int i = 0; i < g.node_size(); ++i) {
    const onnx::NodeProto &node = g.node(i);
    llvm::StringSet<> needs;
    for (const std::string &in : node.input())
      if (!in.empty())
        needs.insert(in);
    for (const auto &a : node.attribute()) {
      if (a.has_g())
        collectFreeNames(a.g(), needs);
      for (const auto &sub : a.graphs())
        collectFreeNames(sub, needs);
    }
    for (const auto &entry : needs) {
      llvm::StringRef in = entry.getKey();
      auto it = producer.find(in);
      if (it != producer.end()) {
        users[it->second].push_back(i);
        ++pending[i];
      } else if (!local.contains(in) && !lookup(in)) {
        return error() << describeNode(node) << ": input '" << in
                       << "' is produced by no node and is not a graph "
                          "input or initializer";
      }
    }
  }
  // Kahn's algorithm, keeping the model's order among ready nodes.
  std::deque<int> ready;
  for (int i = 0; i < g.node_size(); ++i)
    if (!pending[i])
      ready.push_back(i);
  while (!ready.empty()) {
    int i = ready.front();
    ready.pop_front();
    order.push_back(i);
    for (int u : users[i])
      if (--pending[u] == 0)
        ready.push_back(u);
  }
  if (static_cast<int>(order.size()) != g.node_size()) {
    for (int i = 0; i < g.node_size(); ++i)
      if (pending[i])
        return error() << "the graph has a cycle through "
                       << describeNode(g.node(i));
  }
  return success();
}

LogicalResult Importer::importGraph(const onnx::GraphProto &g, Block *block,
                                    SmallVectorImpl<Value> &outputs) {
  typeScopes.emplace_back();
  for (const auto &v : g.value_info())
    if (v.has_type())
      typeScopes.back()[v.name()] = &v.type();
  for (const auto &v : g.output())
    if (v.has_type())
      typeScopes.back()[v.name()] = &v.type();

  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToEnd(block);
  llvm::StringSet<> local;
  for (const auto &entry : scopes.back())
    local.insert(entry.getKey());
  if (g.sparse_initializer_size())
    return error() << "graph '" << g.name()
                   << "': sparse initializers are not supported";
  for (const onnx::TensorProto &t : g.initializer()) {
    if (scopes.back().count(t.name()))
      continue; // Created by the caller (the main graph's input defaults).
    auto value = convertTensor(t, "initializer '" + t.name() + "'");
    if (failed(value))
      return failure();
    auto cst = mlir::nc::ConstantOp::create(
        builder, NameLoc::get(builder.getStringAttr(t.name())),
        cast<TensorType>(value->getType()), *value);
    scopes.back()[t.name()] = cst;
    local.insert(t.name());
  }

  SmallVector<int> order;
  if (failed(orderNodes(g, local, order)))
    return failure();
  for (int i : order)
    if (failed(importNode(g.node(i))))
      return failure();

  for (const auto &o : g.output()) {
    Value v = lookup(o.name());
    if (!v)
      return error() << "graph output '" << o.name()
                     << "' is produced by no node";
    outputs.push_back(v);
  }
  typeScopes.pop_back();
  return success();
}

//===----------------------------------------------------------------------===//
// Nodes.
//===----------------------------------------------------------------------===//

LogicalResult Importer::importNode(const onnx::NodeProto &node) {
  // Attribute names key the op's attribute dictionary: MLIR can neither
  // print an empty key so that it parses again nor hold a key twice.
  llvm::StringSet<> attrNames;
  for (const onnx::AttributeProto &a : node.attribute()) {
    if (a.name().empty())
      return error() << describeNode(node) << ": an attribute has no name";
    if (!attrNames.insert(a.name()).second)
      return error() << describeNode(node) << ": attribute '" << a.name()
                     << "' is given twice";
  }
  SmallVector<Value> inputs;
  for (const std::string &in : node.input()) {
    if (in.empty()) {
      inputs.push_back(mlir::nc::NoneOp::create(builder, builder.getUnknownLoc(),
                                                builder.getNoneType()));
      continue;
    }
    Value v = lookup(in);
    if (!v)
      return error() << describeNode(node) << ": input '" << in
                     << "' is produced by no node";
    inputs.push_back(v);
  }
  SmallVector<std::string> outNames(node.output().begin(),
                                    node.output().end());
  SmallVector<Type> outTypes;
  for (const std::string &o : outNames)
    outTypes.push_back(o.empty() ? Type() : lookupType(o));
  Location loc = mlir::nc::makeNodeLoc(ctx, node.name(), outNames);

  Operation *op = nullptr;
  if (isDefaultDomain(node.domain())) {
    if (node.op_type() == "Constant") {
      auto cst = importConstantNode(node, loc);
      if (failed(cst))
        return failure();
      op = *cst;
    } else if (options.typedOps && (node.op_type() == "QuantizeLinear" ||
                                    node.op_type() == "DequantizeLinear")) {
      op = tryImportQuant(node, inputs, loc);
    } else if (options.typedOps) {
      auto typed = tryImportTyped(node, inputs, outTypes, loc);
      if (failed(typed))
        return failure();
      op = *typed;
    }
  }
  if (!op) {
    auto generic = importGeneric(node, inputs, outTypes, loc);
    if (failed(generic))
      return failure();
    op = *generic;
  }
  if (!node.doc_string().empty())
    op->setAttr(mlir::nc::attr::kDocString, builder.getStringAttr(node.doc_string()));
  for (auto [name, result] : llvm::zip(outNames, op->getResults()))
    if (!name.empty())
      scopes.back()[name] = result;
  return success();
}

FailureOr<Operation *>
Importer::importConstantNode(const onnx::NodeProto &node, Location loc) {
  if (node.attribute_size() != 1 || node.output_size() != 1)
    return static_cast<Operation *>(nullptr);
  const onnx::AttributeProto &a = node.attribute(0);
  onnx::TensorProto t;
  llvm::StringRef name = a.name();
  if (name == "value") {
    t = a.t();
  } else if (name == "value_float") {
    t.set_data_type(kFloat);
    t.add_float_data(a.f());
  } else if (name == "value_floats") {
    t.set_data_type(kFloat);
    t.add_dims(a.floats_size());
    *t.mutable_float_data() = a.floats();
  } else if (name == "value_int") {
    t.set_data_type(kInt64);
    t.add_int64_data(a.i());
  } else if (name == "value_ints") {
    t.set_data_type(kInt64);
    t.add_dims(a.ints_size());
    *t.mutable_int64_data() = a.ints();
  } else if (name == "value_string") {
    t.set_data_type(kString);
    t.add_string_data(a.s());
  } else if (name == "value_strings") {
    t.set_data_type(kString);
    t.add_dims(a.strings_size());
    *t.mutable_string_data() = a.strings();
  } else {
    return static_cast<Operation *>(nullptr); // sparse_value: generic node
  }
  t.set_name(node.output(0));
  auto value = convertTensor(t, describeNode(node));
  if (failed(value))
    return failure();
  return mlir::nc::ConstantOp::create(builder, loc,
                                cast<TensorType>(value->getType()), *value)
      .getOperation();
}

/// The ONNX attribute kind NC's converter gives an MLIR attribute.
static llvm::StringRef kindName(Attribute a) {
  if (isa<FloatAttr>(a)) return "FLOAT";
  if (isa<IntegerAttr>(a)) return "INT";
  if (isa<StringAttr>(a)) return "STRING";
  if (isa<DenseF32ArrayAttr>(a)) return "FLOATS";
  if (isa<DenseI64ArrayAttr>(a)) return "INTS";
  if (isa<ElementsAttr>(a)) return "TENSOR";
  return "a list or other kind";
}

FailureOr<Operation *> Importer::tryImportTyped(const onnx::NodeProto &node,
                                                ArrayRef<Value> inputs,
                                                ArrayRef<Type> outTypes,
                                                Location loc) {
  auto it = typedOps.find(node.op_type());
  if (it == typedOps.end())
    return nullptr;
  const TypedOpInfo &info = it->second;
  int64_t opset = opsetOf(node.domain());
  if (opset < info.minOpset || opset > info.maxOpset)
    return nullptr;
  if (node.output_size() != 1 || node.output(0).empty())
    return nullptr;

  OperationState state(loc, info.name);
  auto segments = segmentedOperandCounts().find(node.op_type());
  if (segments != segmentedOperandCounts().end()) {
    if (inputs.size() > segments->second)
      return nullptr;
    SmallVector<int32_t> sizes;
    for (unsigned i = 0; i < segments->second; ++i) {
      bool present = i < inputs.size() && !isa<NoneType>(inputs[i].getType());
      sizes.push_back(present);
      if (present)
        state.addOperands(inputs[i]);
    }
    state.addAttribute("operandSegmentSizes",
                       builder.getDenseI32ArrayAttr(sizes));
  } else {
    ArrayRef<Value> present = inputs;
    while (!present.empty() && isa<NoneType>(present.back().getType()))
      present = present.drop_back();
    if (llvm::any_of(present,
                     [](Value v) { return isa<NoneType>(v.getType()); }))
      return nullptr;
    state.addOperands(present);
  }

  // Attributes must be inherent attributes of the op, of the expected kind.
  ArrayRef<StringAttr> known = info.name.getAttributeNames();
  NamedAttrList attrs;
  for (const onnx::AttributeProto &a : node.attribute()) {
    if (a.has_g() || a.graphs_size() || a.has_ref_attr_name())
      return nullptr;
    if (!llvm::any_of(known, [&](StringAttr k) { return k == a.name(); }))
      return nullptr;
    ScopedDiagnosticHandler quiet(ctx, [](Diagnostic &) { return success(); });
    FailureOr<Attribute> value = convertAttribute(a, node);
    if (failed(value))
      return nullptr;
    attrs.append(a.name(), *value);
  }
  for (const NamedAttribute &a : attrs)
    state.addAttribute(a.getName(), a.getValue());

  Type resultType = outTypes.front();
  bool provisional = !resultType || !isa<TensorType>(resultType);
  if (provisional) {
    if (inputs.empty() || !isa<TensorType>(inputs.front().getType()))
      return nullptr;
    resultType = UnrankedTensorType::get(
        cast<TensorType>(inputs.front().getType()).getElementType());
  }
  state.addTypes(resultType);

  Operation *op = builder.create(state);
  bool ok;
  {
    ScopedDiagnosticHandler quiet(ctx, [](Diagnostic &) { return success(); });
    ok = succeeded(verify(op, /*verifyRecursively=*/false));
  }
  for (const NamedAttribute &a : attrs) {
    if (op->getInherentAttr(a.getName()) == a.getValue())
      continue;
    // An attribute ONNX's schema defines, of another kind: malformed.
    std::string expected;
    {
      Operation *probe = op->clone();
      ScopedDiagnosticHandler quiet(ctx, [](Diagnostic &) { return success(); });
      for (Attribute candidate :
           {Attribute(builder.getI64IntegerAttr(0)),
            Attribute(builder.getF32FloatAttr(0)),
            Attribute(builder.getStringAttr("")),
            Attribute(builder.getDenseI64ArrayAttr({})),
            Attribute(builder.getDenseF32ArrayAttr({}))}) {
        probe->setInherentAttr(a.getName(), candidate);
        if (probe->getInherentAttr(a.getName()) == candidate) {
          expected = kindName(candidate).str();
          break;
        }
      }
      probe->destroy();
    }
    op->erase();
    if (expected.empty())
      return static_cast<Operation *>(nullptr);
    return error() << describeNode(node) << ": attribute '"
                   << a.getName().getValue() << "' must be " << expected
                   << ", got " << kindName(a.getValue());
  }
  if (ok && provisional) {
    auto shaped = cast<mlir::nc::ShapeInferenceOpInterface>(op);
    FailureOr<Type> inferred = shaped.inferResultType();
    if (succeeded(inferred))
      op->getResult(0).setType(*inferred);
  }
  if (!ok) {
    op->erase();
    return nullptr;
  }
  return op;
}

/// The bytes of a constant value, if `v` is an nc.constant.
static std::optional<std::pair<Type, llvm::ArrayRef<char>>>
constantBytes(Value v) {
  auto cst = v.getDefiningOp<mlir::nc::ConstantOp>();
  if (!cst)
    return std::nullopt;
  auto resource = dyn_cast<DenseResourceElementsAttr>(cst.getValue());
  if (!resource || !resource.getRawHandle().getBlob())
    return std::nullopt;
  return std::make_pair(cst.getValue().getType(),
                        resource.getRawHandle().getBlob()->getData());
}

Operation *Importer::tryImportQuant(const onnx::NodeProto &node,
                                    ArrayRef<Value> inputs, Location loc) {
  bool quantize = node.op_type() == "QuantizeLinear";
  int64_t opset = opsetOf(node.domain());
  if (opset < 10 || node.output_size() != 1 || inputs.size() < 2 ||
      inputs.size() > 3)
    return nullptr;
  std::optional<int64_t> axisAttr;
  for (const onnx::AttributeProto &a : node.attribute()) {
    if (a.name() != "axis" || a.type() != onnx::AttributeProto::INT)
      return nullptr;
    axisAttr = a.i();
  }
  auto scale = constantBytes(inputs[1]);
  if (!scale || !cast<ShapedType>(scale->first).getElementType().isF32())
    return nullptr;
  auto scaleType = cast<ShapedType>(scale->first);
  int64_t count = scaleType.getNumElements();
  bool perAxis = scaleType.getRank() == 1;
  if (scaleType.getRank() > 1 || (perAxis && opset < 13))
    return nullptr;

  // Zero points: absent means uint8 zeros.
  Type storageElem = IntegerType::get(ctx, 8, IntegerType::Unsigned);
  SmallVector<int64_t> zeroPoints(count, 0);
  if (inputs.size() == 3) {
    auto zp = constantBytes(inputs[2]);
    if (!zp || cast<ShapedType>(zp->first).getShape() != scaleType.getShape())
      return nullptr;
    storageElem = cast<ShapedType>(zp->first).getElementType();
    auto intType = dyn_cast<IntegerType>(storageElem);
    if (!intType || (intType.getWidth() != 8 && intType.getWidth() != 16))
      return nullptr;
    unsigned bytes = intType.getWidth() / 8;
    for (int64_t i = 0; i < count; ++i) {
      const char *p = zp->second.data() + i * bytes;
      if (bytes == 1)
        zeroPoints[i] = intType.isUnsigned() ? int64_t(uint8_t(*p))
                                             : int64_t(int8_t(*p));
      else {
        uint16_t raw;
        std::memcpy(&raw, p, 2);
        zeroPoints[i] = intType.isUnsigned() ? int64_t(raw)
                                             : int64_t(int16_t(raw));
      }
    }
  }
  auto intType = cast<IntegerType>(storageElem);
  SmallVector<double> scales;
  for (int64_t i = 0; i < count; ++i) {
    float s;
    std::memcpy(&s, scale->second.data() + i * 4, 4);
    scales.push_back(s);
  }

  // The quantized side's shape: the input of Q, the data of DQ.
  Value data = inputs[0];
  auto shaped = dyn_cast<RankedTensorType>(data.getType());
  if (!shaped)
    return nullptr;
  unsigned flags = intType.isUnsigned() ? 0 : quant::QuantizationFlags::Signed;
  Type storage = IntegerType::get(ctx, intType.getWidth());
  Type f32 = builder.getF32Type();
  int64_t minV = quant::QuantizedType::getDefaultMinimumForInteger(
      !intType.isUnsigned(), intType.getWidth());
  int64_t maxV = quant::QuantizedType::getDefaultMaximumForInteger(
      !intType.isUnsigned(), intType.getWidth());
  auto quiet = [&]() { return emitError(UnknownLoc::get(ctx)); };
  Type qtype;
  {
    ScopedDiagnosticHandler swallow(ctx, [](Diagnostic &) { return success(); });
    if (perAxis) {
      int64_t axis = axisAttr.value_or(1);
      if (axis < 0)
        axis += shaped.getRank();
      if (axis < 0 || axis >= shaped.getRank() ||
          shaped.getDimSize(axis) != count)
        return nullptr;
      qtype = quant::UniformQuantizedPerAxisType::getChecked(
          quiet, flags, storage, f32, scales, zeroPoints, axis, minV, maxV);
    } else {
      qtype = quant::UniformQuantizedType::getChecked(
          quiet, flags, storage, f32, scales[0], zeroPoints[0], minV, maxV);
    }
  }
  if (!qtype)
    return nullptr;
  auto quantTensor = RankedTensorType::get(shaped.getShape(), qtype);

  if (quantize) {
    if (!shaped.getElementType().isF32())
      return nullptr;
    return quant::QuantizeCastOp::create(builder, loc, quantTensor, data);
  }
  // Dequantize: the data must already carry this quantized type, or be an
  // integer constant of the storage type (a quantized weight).
  if (data.getType() != quantTensor) {
    auto cst = data.getDefiningOp<mlir::nc::ConstantOp>();
    if (!cst || shaped.getElementType() != storageElem)
      return nullptr;
    data = mlir::nc::ConstantOp::create(builder, cst.getLoc(), quantTensor,
                                  cst.getValue());
  }
  return quant::DequantizeCastOp::create(
      builder, loc, RankedTensorType::get(shaped.getShape(), f32), data);
}

FailureOr<Operation *> Importer::importGeneric(const onnx::NodeProto &node,
                                               ArrayRef<Value> inputs,
                                               ArrayRef<Type> outTypes,
                                               Location loc) {
  OperationState state(loc, mlir::nc::NodeOp::getOperationName());
  state.addOperands(inputs);
  for (Type t : outTypes)
    state.addTypes(t ? t : mlir::nc::UnknownType::get(ctx));
  state.addAttribute("op_type", builder.getStringAttr(node.op_type()));
  if (!node.domain().empty())
    state.addAttribute("domain", builder.getStringAttr(node.domain()));
  SmallVector<NamedAttribute> attrs;
  SmallVector<Attribute> graphNames;
  SmallVector<const onnx::GraphProto *> graphs;
  for (const onnx::AttributeProto &a : node.attribute()) {
    if (a.has_ref_attr_name())
      return error() << describeNode(node) << ": attribute '" << a.name()
                     << "' refers to a function attribute, which is only "
                        "valid inside a function";
    if (a.type() == onnx::AttributeProto::GRAPH ||
        (a.type() == onnx::AttributeProto::UNDEFINED && a.has_g())) {
      graphNames.push_back(builder.getStringAttr(a.name()));
      graphs.push_back(&a.g());
      continue;
    }
    if (a.type() == onnx::AttributeProto::GRAPHS) {
      for (const auto &g : a.graphs()) {
        graphNames.push_back(builder.getStringAttr(a.name() + "[]"));
        graphs.push_back(&g);
      }
      continue;
    }
    FailureOr<Attribute> value = convertAttribute(a, node);
    if (failed(value))
      return failure();
    attrs.push_back(builder.getNamedAttr(a.name(), *value));
  }
  if (!attrs.empty())
    state.addAttribute("onnx_attributes", builder.getDictionaryAttr(attrs));
  if (!graphs.empty())
    state.addAttribute("graph_attrs", builder.getArrayAttr(graphNames));
  for (size_t i = 0; i < graphs.size(); ++i)
    state.addRegion();
  Operation *op = builder.create(state);

  for (auto [region, g] : llvm::zip(op->getRegions(), graphs)) {
    Block *block = new Block();
    region.push_back(block);
    scopes.emplace_back();
    for (const onnx::ValueInfoProto &in : g->input()) {
      Type t = in.has_type() ? convertType(in.type(), ctx)
                             : mlir::nc::UnknownType::get(ctx);
      scopes.back()[in.name()] = block->addArgument(
          t, NameLoc::get(builder.getStringAttr(in.name())));
    }
    SmallVector<Value> outputs;
    LogicalResult ok = importGraph(*g, block, outputs);
    scopes.pop_back();
    if (failed(ok))
      return failure();
    OpBuilder::InsertionGuard guard(builder);
    builder.setInsertionPointToEnd(block);
    mlir::nc::YieldOp::create(builder, builder.getUnknownLoc(), outputs);
  }
  return op;
}

//===----------------------------------------------------------------------===//
// Models.
//===----------------------------------------------------------------------===//

static ArrayAttr pairs(Builder &b,
                       ArrayRef<std::pair<std::string, Attribute>> entries) {
  SmallVector<Attribute> list;
  for (const auto &[k, v] : entries)
    list.push_back(b.getArrayAttr({b.getStringAttr(k), v}));
  return b.getArrayAttr(list);
}

OwningOpRef<ModuleOp> Importer::importModel(onnx::ModelProto &model) {
  for (const auto &o : model.opset_import())
    opsets[isDefaultDomain(o.domain()) ? "" : o.domain()] = o.version();
  if (!model.has_graph())
    return (error() << "the model has no graph", nullptr);

  if (options.inferShapes) {
    // Best effort: types for the opsets libonnx knows; never fatal, and
    // guarded against what crashes libonnx (see OnnxShapeInference.cpp).
    // It may also rewrite the graph's output types (adding symbolic dims):
    // keep the model's own.
    auto outputs = model.graph().output();
    try {
      inferShapes(model);
    } catch (const std::exception &) {
    }
    *model.mutable_graph()->mutable_output() = outputs;
  }

  Builder &b = builder;
  OwningOpRef<ModuleOp> module = ModuleOp::create(fileLoc);
  SmallVector<std::pair<std::string, Attribute>> opsetList;
  for (const auto &o : model.opset_import())
    opsetList.push_back({o.domain(), b.getI64IntegerAttr(o.version())});
  auto setStr = [&](llvm::StringRef name, const std::string &v) {
    if (!v.empty())
      (*module)->setAttr(name, b.getStringAttr(v));
  };
  (*module)->setAttr("nc.ir_version", b.getI64IntegerAttr(model.ir_version()));
  (*module)->setAttr("nc.opset_import", pairs(b, opsetList));
  setStr("nc.producer_name", model.producer_name());
  setStr("nc.producer_version", model.producer_version());
  setStr("nc.domain", model.domain());
  setStr("nc.doc_string", model.doc_string());
  if (model.has_model_version())
    (*module)->setAttr("nc.model_version",
                       b.getI64IntegerAttr(model.model_version()));
  if (model.metadata_props_size()) {
    SmallVector<std::pair<std::string, Attribute>> props;
    for (const auto &p : model.metadata_props())
      props.push_back({p.key(), b.getStringAttr(p.value())});
    (*module)->setAttr("nc.metadata_props", pairs(b, props));
  }
  if (model.functions_size() || model.training_info_size()) {
    // Model-local functions and training info are carried opaquely.
    SmallVector<Attribute> fns, training;
    for (const auto &f : model.functions()) {
      std::string bytes;
      f.SerializeToString(&bytes);
      fns.push_back(b.getStringAttr(bytes));
    }
    for (const auto &t : model.training_info()) {
      std::string bytes;
      t.SerializeToString(&bytes);
      training.push_back(b.getStringAttr(bytes));
    }
    if (!fns.empty())
      (*module)->setAttr("nc.functions", b.getArrayAttr(fns));
    if (!training.empty())
      (*module)->setAttr("nc.training_info", b.getArrayAttr(training));
  }

  const onnx::GraphProto &g = model.graph();
  llvm::StringSet<> initNames;
  for (const auto &t : g.initializer())
    initNames.insert(t.name());

  // Function signature: graph inputs that are not initializers.
  SmallVector<Type> argTypes;
  SmallVector<const onnx::ValueInfoProto *> args;
  SmallVector<std::string> seenInputs;
  llvm::StringSet<> inputNames;
  for (const auto &in : g.input()) {
    if (!inputNames.insert(in.name()).second)
      return (error() << "graph input '" << in.name() << "' is listed twice",
              nullptr);
    if (initNames.contains(in.name()))
      continue;
    args.push_back(&in);
    argTypes.push_back(in.has_type() ? convertType(in.type(), ctx)
                                     : mlir::nc::UnknownType::get(ctx));
  }
  builder.setInsertionPointToEnd(module->getBody());
  auto func = func::FuncOp::create(builder, fileLoc, "main",
                                   b.getFunctionType(argTypes, {}));
  Block *entry = func.addEntryBlock();
  scopes.emplace_back();
  for (auto [i, in] : llvm::enumerate(args)) {
    scopes.back()[in->name()] = entry->getArgument(i);
    func.setArgAttr(i, mlir::nc::attr::kName, b.getStringAttr(in->name()));
    SmallVector<std::string> dims;
    if (in->has_type())
      convertType(in->type(), ctx, &dims);
    if (llvm::any_of(dims, [](const std::string &d) { return !d.empty(); }))
      func.setArgAttr(i, mlir::nc::attr::kDimParams,
                      b.getStrArrayAttr(SmallVector<llvm::StringRef>(
                          dims.begin(), dims.end())));
  }
  // Initializers that are also graph inputs (IR < 4 lists them both ways).
  builder.setInsertionPointToEnd(entry);
  for (const onnx::TensorProto &t : g.initializer()) {
    if (!inputNames.contains(t.name()))
      continue;
    auto value = convertTensor(t, "initializer '" + t.name() + "'");
    if (failed(value))
      return nullptr;
    auto cst = mlir::nc::ConstantOp::create(
        builder, NameLoc::get(b.getStringAttr(t.name())),
        cast<TensorType>(value->getType()), *value);
    cst->setAttr(mlir::nc::attr::kGraphInput, b.getUnitAttr());
    scopes.back()[t.name()] = cst;
  }

  SmallVector<Value> outputs;
  if (failed(importGraph(g, entry, outputs)))
    return nullptr;
  builder.setInsertionPointToEnd(entry);
  func::ReturnOp::create(builder, fileLoc, outputs);
  SmallVector<Type> resultTypes;
  for (Value v : outputs)
    resultTypes.push_back(v.getType());
  func.setType(b.getFunctionType(argTypes, resultTypes));
  for (auto [i, out] : llvm::enumerate(g.output())) {
    func.setResultAttr(i, mlir::nc::attr::kName, b.getStringAttr(out.name()));
    SmallVector<std::string> dims;
    if (out.has_type())
      convertType(out.type(), ctx, &dims);
    if (llvm::any_of(dims, [](const std::string &d) { return !d.empty(); }))
      func.setResultAttr(i, mlir::nc::attr::kDimParams,
                         b.getStrArrayAttr(SmallVector<llvm::StringRef>(
                             dims.begin(), dims.end())));
  }
  if (!g.name().empty())
    func->setAttr("nc.graph_name", b.getStringAttr(g.name()));
  if (!g.doc_string().empty())
    func->setAttr(mlir::nc::attr::kDocString, b.getStringAttr(g.doc_string()));

  // Drop constants and absent-input markers that nothing uses any more
  // (Q/DQ parameters folded into quantized types).
  SmallVector<Operation *> dead;
  module->walk([&](Operation *op) {
    if (isa<mlir::nc::ConstantOp, mlir::nc::NoneOp>(op) && op->use_empty() &&
        !op->hasAttr(mlir::nc::attr::kGraphInput))
      dead.push_back(op);
  });
  for (Operation *op : dead)
    op->erase();

  if (failed(verify(*module)))
    return (error() << "the imported module does not verify", nullptr);
  return module;
}

//===----------------------------------------------------------------------===//
// Entry points.
//===----------------------------------------------------------------------===//

namespace nc {

void registerToolDialects(DialectRegistry &registry) {
  registry.insert<mlir::nc::NCDialect, func::FuncDialect, quant::QuantDialect,
                  arith::ArithDialect, tensor::TensorDialect>();
}

OwningOpRef<ModuleOp> importOnnxBuffer(llvm::StringRef bytes,
                                           llvm::StringRef fileName,
                                           MLIRContext *ctx,
                                           const ImportOptions &options,
                                           bool text) {
  ctx->loadDialect<mlir::nc::NCDialect, func::FuncDialect,
                   quant::QuantDialect>();
  Location loc = FileLineColLoc::get(ctx, fileName, 0, 0);
  try {
    onnx::ModelProto model;
    bool parsed;
    if (text) {
      parsed = google::protobuf::TextFormat::ParseFromString(bytes.str(),
                                                             &model);
    } else {
      google::protobuf::io::ArrayInputStream input(bytes.data(),
                                                   static_cast<int>(bytes.size()));
      google::protobuf::io::CodedInputStream coded(&input);
      coded.SetTotalBytesLimit(INT_MAX);
      parsed = model.ParseFromCodedStream(&coded) &&
               coded.ConsumedEntireMessage();
    }
    if (!parsed) {
      emitError(loc) << "not a valid ONNX model (the "
                     << (text ? "text" : "protobuf")
                     << " data is malformed or truncated)";
      return nullptr;
    }
    Importer importer(ctx, fileName, options);
    return importer.importModel(model);
  } catch (const std::exception &e) {
    emitError(loc) << "ONNX import failed: " << e.what();
    return nullptr;
  }
}

OwningOpRef<ModuleOp> importOnnxFile(llvm::StringRef path,
                                         MLIRContext *ctx,
                                         const ImportOptions &options) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer) {
    emitError(FileLineColLoc::get(ctx, path, 0, 0))
        << "cannot read '" << path << "': " << buffer.getError().message();
    return nullptr;
  }
  if ((*buffer)->getBufferSize() > static_cast<size_t>(INT_MAX)) {
    emitError(FileLineColLoc::get(ctx, path, 0, 0))
        << "the model file is over 2 GB; store its weights as ONNX external "
           "data";
    return nullptr;
  }
  return importOnnxBuffer((*buffer)->getBuffer(), path, ctx, options);
}

} // namespace nc
