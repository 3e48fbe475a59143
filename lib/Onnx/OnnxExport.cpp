//===- OnnxExport.cpp - export nc modules as ONNX models ------------------===//
//
// The inverse of the importer: @main becomes the graph, nc.constant ops
// become initializers, typed ops become the ONNX nodes they model (their
// inherent attributes are ONNX's), nc.node is re-emitted as it came in,
// quant.qcast/quant.dcast become QuantizeLinear/DequantizeLinear with their
// scale and zero point as initializers.
//
//===----------------------------------------------------------------------===//

#include "nc/Export/OnnxExport.h"

#include "OnnxCommon.h"
#include "nc/Dialect/NCDialect.h"
#include "nc/Support/AtomicFile.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <google/protobuf/text_format.h>
#include <onnx/checker.h>

#include <cstring>

using namespace mlir;
using namespace ::nc::onnx_bridge;

namespace {

class Exporter {
public:
  explicit Exporter(ModuleOp module) : module(module) {}
  LogicalResult exportModel(onnx::ModelProto &model);

private:
  LogicalResult exportBlock(Block &block, onnx::GraphProto &g,
                            ArrayRef<std::string> outputNames,
                            ArrayRef<DictionaryAttr> outputAttrs);
  LogicalResult exportOp(Operation *op, onnx::GraphProto &g);
  LogicalResult exportTensor(ElementsAttr value, Type type,
                             onnx::TensorProto &t, Operation *op);
  LogicalResult exportAttribute(llvm::StringRef name, Attribute value,
                                onnx::AttributeProto &a, Operation *op);
  LogicalResult exportQuantParams(Type quantType, llvm::StringRef base,
                                  onnx::GraphProto &g, onnx::NodeProto &node);

  /// A fresh value name based on `hint`.
  std::string uniqueName(llvm::StringRef hint);
  /// The name of `v`, giving it one if it has none.
  const std::string &nameOf(Value v);

  ModuleOp module;
  llvm::DenseMap<Value, std::string> names;
  llvm::StringSet<> used;
  unsigned counter = 0;
  int64_t defaultOpset = 0;
  int64_t irVersion = 8;
};

} // namespace

std::string Exporter::uniqueName(llvm::StringRef hint) {
  std::string base = hint.empty() ? "nc_v" : hint.str();
  std::string name = base;
  while (hint.empty() || used.contains(name)) {
    name = base + "__" + std::to_string(counter++);
    if (!used.contains(name))
      break;
  }
  used.insert(name);
  return name;
}

const std::string &Exporter::nameOf(Value v) {
  auto it = names.find(v);
  if (it != names.end())
    return it->second;
  std::string hint;
  if (auto arg = dyn_cast<BlockArgument>(v)) {
    if (auto loc = dyn_cast<NameLoc>(arg.getLoc()))
      hint = loc.getName().str();
  } else {
    SmallVector<std::string> resultNames =
        mlir::nc::getResultNames(v.getDefiningOp());
    hint = resultNames[cast<OpResult>(v).getResultNumber()];
  }
  return names[v] = uniqueName(hint);
}

//===----------------------------------------------------------------------===//
// Tensors and attributes.
//===----------------------------------------------------------------------===//

LogicalResult Exporter::exportTensor(ElementsAttr value, Type type,
                                     onnx::TensorProto &t, Operation *op) {
  auto shaped = cast<ShapedType>(type);
  int dt = dataTypeFor(shaped.getElementType());
  if (dt == kUndefined)
    return op->emitError() << "element type " << shaped.getElementType()
                           << " has no ONNX data type";
  t.set_data_type(dt);
  for (int64_t d : shaped.getShape())
    t.add_dims(d);
  if (auto strings = dyn_cast<DenseStringElementsAttr>(value)) {
    for (llvm::StringRef s : strings.getValues<llvm::StringRef>())
      t.add_string_data(s.str());
    return success();
  }
  uint64_t n = shaped.getNumElements();
  std::string *raw = t.mutable_raw_data();
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(value)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return op->emitError() << "the weights of this constant are not "
                                "available (elided from the printed IR?)";
    ArrayRef<char> data = blob->getData();
    if (data.size() != rawSize(dt, n))
      return op->emitError() << "constant holds " << data.size()
                             << " bytes, expected " << rawSize(dt, n);
    raw->assign(data.data(), data.size());
    return success();
  }
  auto dense = dyn_cast<DenseElementsAttr>(value);
  if (!dense)
    return op->emitError() << "cannot export constant attribute " << value;
  unsigned bits = bitsPerElement(dt);
  if (dt == kBool) {
    for (bool bit : dense.getValues<bool>())
      raw->push_back(bit ? 1 : 0);
  } else if (bits < 8) {
    // MLIR stores one sub-byte element per byte; ONNX packs them.
    raw->assign(rawSize(dt, n), 0);
    unsigned i = 0;
    for (APInt v : dense.getValues<APInt>()) {
      uint8_t bitsVal = v.getZExtValue() & ((1u << bits) - 1);
      (*raw)[i * bits / 8] |= bitsVal << ((i * bits) % 8);
      ++i;
    }
  } else {
    ArrayRef<char> data = dense.getRawData();
    size_t elem = bits / 8;
    if (dense.isSplat())
      for (uint64_t i = 0; i < n; ++i)
        raw->append(data.data(), elem);
    else
      raw->assign(data.data(), data.size());
  }
  return success();
}

LogicalResult Exporter::exportAttribute(llvm::StringRef name, Attribute value,
                                        onnx::AttributeProto &a,
                                        Operation *op) {
  using A = onnx::AttributeProto;
  if (auto dict = dyn_cast<DictionaryAttr>(value)) {
    if (auto opaque = dict.getAs<StringAttr>("nc.onnx_attribute")) {
      if (!a.ParseFromString(opaque.getValue().str()))
        return op->emitError() << "attribute '" << name
                               << "' holds a malformed serialized attribute";
      a.set_name(name.str());
      return success();
    }
  }
  a.set_name(name.str());
  if (auto f = dyn_cast<FloatAttr>(value)) {
    a.set_type(A::FLOAT);
    a.set_f(f.getValueAsDouble());
  } else if (auto i = dyn_cast<IntegerAttr>(value)) {
    a.set_type(A::INT);
    a.set_i(i.getValue().getSExtValue());
  } else if (auto s = dyn_cast<StringAttr>(value)) {
    a.set_type(A::STRING);
    a.set_s(s.getValue().str());
  } else if (auto fs = dyn_cast<DenseF32ArrayAttr>(value)) {
    a.set_type(A::FLOATS);
    for (float f : fs.asArrayRef())
      a.add_floats(f);
  } else if (auto is = dyn_cast<DenseI64ArrayAttr>(value)) {
    a.set_type(A::INTS);
    for (int64_t i : is.asArrayRef())
      a.add_ints(i);
  } else if (auto e = dyn_cast<ElementsAttr>(value)) {
    a.set_type(A::TENSOR);
    return exportTensor(e, e.getType(), *a.mutable_t(), op);
  } else if (auto t = dyn_cast<TypeAttr>(value)) {
    a.set_type(A::TYPE_PROTO);
    convertType(t.getValue(), *a.mutable_tp());
  } else if (auto list = dyn_cast<ArrayAttr>(value)) {
    bool tensors = !list.empty() && isa<ElementsAttr>(list[0]);
    a.set_type(tensors ? A::TENSORS : A::STRINGS);
    for (Attribute item : list) {
      if (tensors) {
        auto e = dyn_cast<ElementsAttr>(item);
        if (!e || failed(exportTensor(e, e.getType(), *a.add_tensors(), op)))
          return op->emitError() << "attribute '" << name
                                 << "' mixes tensors and other values";
      } else {
        auto s = dyn_cast<StringAttr>(item);
        if (!s)
          return op->emitError() << "attribute '" << name
                                 << "' is a list of neither strings nor tensors";
        a.add_strings(s.getValue().str());
      }
    }
  } else {
    return op->emitError() << "attribute '" << name << "' (" << value
                           << ") has no ONNX form";
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Ops.
//===----------------------------------------------------------------------===//

LogicalResult Exporter::exportQuantParams(Type quantType, llvm::StringRef base,
                                          onnx::GraphProto &g,
                                          onnx::NodeProto &node) {
  SmallVector<double> scales;
  SmallVector<int64_t> zeroPoints;
  std::optional<int64_t> axis;
  quant::QuantizedType q;
  if (auto u = dyn_cast<quant::UniformQuantizedType>(quantType)) {
    scales.push_back(u.getScale());
    zeroPoints.push_back(u.getZeroPoint());
    q = u;
  } else if (auto p = dyn_cast<quant::UniformQuantizedPerAxisType>(quantType)) {
    llvm::append_range(scales, p.getScales());
    llvm::append_range(zeroPoints, p.getZeroPoints());
    axis = p.getQuantizedDimension();
    q = p;
  } else {
    return failure();
  }
  onnx::TensorProto *scale = g.add_initializer();
  scale->set_name(uniqueName((base + "_scale").str()));
  scale->set_data_type(kFloat);
  onnx::TensorProto *zp = g.add_initializer();
  zp->set_name(uniqueName((base + "_zero_point").str()));
  zp->set_data_type(dataTypeFor(q));
  if (axis) {
    scale->add_dims(scales.size());
    zp->add_dims(scales.size());
  }
  unsigned bytes = q.getStorageTypeIntegralWidth() / 8;
  for (auto [s, z] : llvm::zip(scales, zeroPoints)) {
    float f = static_cast<float>(s);
    scale->mutable_raw_data()->append(reinterpret_cast<char *>(&f), 4);
    int64_t zv = z;
    zp->mutable_raw_data()->append(reinterpret_cast<char *>(&zv), bytes);
  }
  node.add_input(scale->name());
  node.add_input(zp->name());
  if (axis) {
    auto *a = node.add_attribute();
    a->set_name("axis");
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(*axis);
  }
  return success();
}

LogicalResult Exporter::exportOp(Operation *op, onnx::GraphProto &g) {
  auto newNode = [&](llvm::StringRef opType) {
    onnx::NodeProto *node = g.add_node();
    node->set_op_type(opType.str());
    llvm::StringRef nodeName = mlir::nc::getNodeName(op);
    if (!nodeName.empty())
      node->set_name(nodeName.str());
    if (auto doc = op->getAttrOfType<StringAttr>(mlir::nc::attr::kDocString))
      node->set_doc_string(doc.getValue().str());
    for (Value r : op->getResults())
      node->add_output(nameOf(r));
    return node;
  };

  if (auto cst = dyn_cast<mlir::nc::ConstantOp>(op)) {
    onnx::TensorProto t;
    t.set_name(nameOf(cst));
    if (failed(exportTensor(cst.getValue(), cst.getType(), t, op)))
      return failure();
    // An initializer that is also a graph output is emitted as a Constant
    // node: some runtimes refuse initializers as graph outputs. Before IR
    // version 4 every initializer must be a graph input, so constants that
    // were not are Constant nodes there too.
    bool isOutput = llvm::any_of(cst->getUsers(), [](Operation *u) {
      return isa<func::ReturnOp, mlir::nc::YieldOp>(u);
    });
    if ((isOutput || irVersion < 4) &&
        !cst->hasAttr(mlir::nc::attr::kGraphInput)) {
      onnx::NodeProto *node = newNode("Constant");
      auto *a = node->add_attribute();
      a->set_name("value");
      a->set_type(onnx::AttributeProto::TENSOR);
      t.clear_name();
      *a->mutable_t() = std::move(t);
      return success();
    }
    *g.add_initializer() = std::move(t);
    if (cst->hasAttr(mlir::nc::attr::kGraphInput)) {
      auto *in = g.add_input();
      in->set_name(nameOf(cst));
      convertType(cst.getType(), *in->mutable_type());
    }
    return success();
  }
  if (isa<mlir::nc::NoneOp>(op)) {
    names[op->getResult(0)] = "";
    return success();
  }
  if (auto scast = dyn_cast<quant::StorageCastOp>(op)) {
    names[scast.getResult()] = nameOf(scast.getInput());
    return success();
  }
  if (isa<quant::QuantizeCastOp, quant::DequantizeCastOp>(op)) {
    bool quantize = isa<quant::QuantizeCastOp>(op);
    if (defaultOpset < 10)
      return op->emitError() << "QuantizeLinear/DequantizeLinear need opset "
                                ">= 10, the model imports opset "
                             << defaultOpset;
    Value in = op->getOperand(0);
    Type quantized = quantize ? op->getResult(0).getType() : in.getType();
    Type elem = cast<TensorType>(quantized).getElementType();
    if (isa<quant::UniformQuantizedPerAxisType>(elem) && defaultOpset < 13)
      return op->emitError() << "per-axis quantization needs opset >= 13";
    const std::string &inName = nameOf(in);
    onnx::NodeProto *node =
        newNode(quantize ? "QuantizeLinear" : "DequantizeLinear");
    node->add_input(inName);
    if (failed(exportQuantParams(elem, node->output(0), g, *node)))
      return op->emitError() << "only uniform quantized types (per tensor "
                                "or per axis) can be exported";
    return success();
  }
  if (auto iface = dyn_cast<mlir::nc::OnnxOpInterface>(op)) {
    SmallVector<std::string> inputs;
    auto segments =
        dyn_cast_or_null<DenseI32ArrayAttr>(op->getInherentAttr("operandSegmentSizes")
                                                .value_or(Attribute()));
    if (segments) {
      unsigned next = 0;
      for (int32_t size : segments.asArrayRef())
        for (int32_t k = 0; k < std::max(size, 1); ++k)
          inputs.push_back(size ? nameOf(op->getOperand(next++)) : "");
    } else {
      for (Value v : op->getOperands())
        inputs.push_back(nameOf(v));
    }
    while (!inputs.empty() && inputs.back().empty())
      inputs.pop_back();
    onnx::NodeProto *node = newNode(iface.getOnnxOpType());
    for (const std::string &in : inputs)
      node->add_input(in);
    DictionaryAttr props = op->getAttrDictionary();
    for (NamedAttribute a : props) {
      llvm::StringRef n = a.getName().getValue();
      if (n == "operandSegmentSizes" || n.starts_with("nc."))
        continue;
      if (failed(exportAttribute(n, a.getValue(), *node->add_attribute(), op)))
        return failure();
    }
    return success();
  }
  if (auto generic = dyn_cast<mlir::nc::NodeOp>(op)) {
    SmallVector<std::string> inputs;
    for (Value v : generic.getInputs())
      inputs.push_back(nameOf(v));
    onnx::NodeProto *node = newNode(generic.getOpType());
    if (generic.getDomain())
      node->set_domain(generic.getDomain()->str());
    for (const std::string &in : inputs)
      node->add_input(in);
    if (auto attrs = generic.getOnnxAttributes())
      for (NamedAttribute a : *attrs)
        if (failed(exportAttribute(a.getName().getValue(), a.getValue(),
                                   *node->add_attribute(), op)))
          return failure();
    if (auto graphNames = generic.getGraphAttrs()) {
      for (auto [nameAttr, region] :
           llvm::zip(*graphNames, generic.getGraphs())) {
        llvm::StringRef attrName = cast<StringAttr>(nameAttr).getValue();
        bool many = attrName.consume_back("[]");
        onnx::AttributeProto *a = nullptr;
        for (auto &existing : *node->mutable_attribute())
          if (many && existing.name() == attrName)
            a = &existing;
        if (!a) {
          a = node->add_attribute();
          a->set_name(attrName.str());
          a->set_type(many ? onnx::AttributeProto::GRAPHS
                           : onnx::AttributeProto::GRAPH);
        }
        onnx::GraphProto *sub = many ? a->add_graphs() : a->mutable_g();
        sub->set_name(attrName.str());
        if (failed(exportBlock(region.front(), *sub, {}, {})))
          return failure();
      }
    }
    return success();
  }
  return op->emitError() << "'" << op->getName()
                         << "' has no ONNX form; lower it to nc ops first";
}

LogicalResult Exporter::exportBlock(Block &block, onnx::GraphProto &g,
                                    ArrayRef<std::string> outputNames,
                                    ArrayRef<DictionaryAttr> outputAttrs) {
  // Block arguments of a subgraph are its inputs.
  bool isMain = isa<func::FuncOp>(block.getParentOp());
  if (!isMain) {
    for (BlockArgument arg : block.getArguments()) {
      auto *in = g.add_input();
      in->set_name(nameOf(arg));
      convertType(arg.getType(), *in->mutable_type());
    }
  }
  Operation *terminator = block.getTerminator();
  // Graph outputs name the values that produce them, where they can.
  for (auto [i, v] : llvm::enumerate(terminator->getOperands())) {
    if (i >= outputNames.size() || outputNames[i].empty() || names.count(v) ||
        isa<BlockArgument>(v) || used.contains(outputNames[i]))
      continue;
    names[v] = outputNames[i];
    used.insert(outputNames[i]);
  }
  for (Operation &op : block.without_terminator())
    if (failed(exportOp(&op, g)))
      return failure();
  llvm::StringSet<> outputsSoFar;
  for (auto [i, v] : llvm::enumerate(terminator->getOperands())) {
    std::string name = nameOf(v);
    std::string wanted =
        i < outputNames.size() && !outputNames[i].empty() ? outputNames[i]
                                                           : name;
    if (wanted != name || outputsSoFar.contains(wanted)) {
      // Rename through an Identity (the value already has another name).
      if (wanted == name || used.contains(wanted))
        wanted = uniqueName(wanted);
      else
        used.insert(wanted);
      onnx::NodeProto *id = g.add_node();
      id->set_op_type("Identity");
      id->add_input(name);
      id->add_output(wanted);
    }
    outputsSoFar.insert(wanted);
    auto *out = g.add_output();
    out->set_name(wanted);
    SmallVector<std::string> dims;
    if (i < outputAttrs.size() && outputAttrs[i])
      if (auto d = outputAttrs[i].getAs<ArrayAttr>(mlir::nc::attr::kDimParams))
        for (Attribute s : d)
          dims.push_back(cast<StringAttr>(s).getValue().str());
    convertType(v.getType(), *out->mutable_type(), dims);
  }
  return success();
}

LogicalResult Exporter::exportModel(onnx::ModelProto &model) {
  auto funcs = llvm::to_vector(module.getOps<func::FuncOp>());
  func::FuncOp main;
  for (func::FuncOp f : funcs)
    if (f.getSymName() == "main" || funcs.size() == 1)
      main = f;
  if (!main || main.isExternal())
    return module.emitError() << "the module has no function @main to export";

  Builder b(module.getContext());
  auto i64 = [&](llvm::StringRef name, int64_t fallback) {
    auto a = module->getAttrOfType<IntegerAttr>(name);
    return a ? a.getInt() : fallback;
  };
  auto str = [&](llvm::StringRef name) {
    auto a = module->getAttrOfType<StringAttr>(name);
    return a ? a.getValue().str() : std::string();
  };
  irVersion = i64("nc.ir_version", 8);
  model.set_ir_version(irVersion);
  if (auto opsets = module->getAttrOfType<ArrayAttr>("nc.opset_import")) {
    for (Attribute entry : opsets) {
      auto pair = dyn_cast<ArrayAttr>(entry);
      if (!pair || pair.size() != 2 || !isa<StringAttr>(pair[0]) ||
          !isa<IntegerAttr>(pair[1]))
        return module.emitError() << "malformed nc.opset_import entry "
                                  << entry;
      auto *o = model.add_opset_import();
      o->set_domain(cast<StringAttr>(pair[0]).getValue().str());
      o->set_version(cast<IntegerAttr>(pair[1]).getInt());
      if (o->domain().empty() || o->domain() == "ai.onnx")
        defaultOpset = o->version();
    }
  } else {
    auto *o = model.add_opset_import();
    o->set_version(17);
    defaultOpset = 17;
  }
  model.set_producer_name(
      module->hasAttr("nc.producer_name") ? str("nc.producer_name") : "nc");
  if (module->hasAttr("nc.producer_version"))
    model.set_producer_version(str("nc.producer_version"));
  if (module->hasAttr("nc.domain"))
    model.set_domain(str("nc.domain"));
  if (module->hasAttr("nc.doc_string"))
    model.set_doc_string(str("nc.doc_string"));
  if (module->hasAttr("nc.model_version"))
    model.set_model_version(i64("nc.model_version", 0));
  if (auto props = module->getAttrOfType<ArrayAttr>("nc.metadata_props"))
    for (Attribute entry : props)
      if (auto pair = dyn_cast<ArrayAttr>(entry); pair && pair.size() == 2) {
        auto *p = model.add_metadata_props();
        p->set_key(cast<StringAttr>(pair[0]).getValue().str());
        p->set_value(cast<StringAttr>(pair[1]).getValue().str());
      }
  if (auto fns = module->getAttrOfType<ArrayAttr>("nc.functions"))
    for (Attribute f : fns)
      if (!model.add_functions()->ParseFromString(
              cast<StringAttr>(f).getValue().str()))
        return module.emitError() << "nc.functions holds a malformed function";
  if (auto infos = module->getAttrOfType<ArrayAttr>("nc.training_info"))
    for (Attribute t : infos)
      if (!model.add_training_info()->ParseFromString(
              cast<StringAttr>(t).getValue().str()))
        return module.emitError() << "nc.training_info is malformed";

  onnx::GraphProto *g = model.mutable_graph();
  g->set_name(main->hasAttr("nc.graph_name")
                  ? main->getAttrOfType<StringAttr>("nc.graph_name").str()
                  : "main");
  if (auto doc = main->getAttrOfType<StringAttr>(mlir::nc::attr::kDocString))
    g->set_doc_string(doc.str());

  Block &entry = main.getBody().front();
  for (BlockArgument arg : entry.getArguments()) {
    auto name = main.getArgAttrOfType<StringAttr>(arg.getArgNumber(),
                                                  mlir::nc::attr::kName);
    std::string n = uniqueName(name ? name.getValue() : "input");
    names[arg] = n;
    auto *in = g->add_input();
    in->set_name(n);
    SmallVector<std::string> dims;
    if (auto d = main.getArgAttrOfType<ArrayAttr>(arg.getArgNumber(),
                                                  mlir::nc::attr::kDimParams))
      for (Attribute s : d)
        dims.push_back(cast<StringAttr>(s).getValue().str());
    convertType(arg.getType(), *in->mutable_type(), dims);
  }
  SmallVector<std::string> outputNames;
  SmallVector<DictionaryAttr> outputAttrs;
  for (unsigned i = 0; i < main.getNumResults(); ++i) {
    auto name = main.getResultAttrOfType<StringAttr>(i, mlir::nc::attr::kName);
    outputNames.push_back(name ? name.str() : "output_" + std::to_string(i));
    outputAttrs.push_back(main.getResultAttrDict(i));
  }
  return exportBlock(entry, *g, outputNames, outputAttrs);
}

//===----------------------------------------------------------------------===//
// Entry points.
//===----------------------------------------------------------------------===//

namespace nc {

static LogicalResult buildModel(ModuleOp module, onnx::ModelProto &model,
                                const ExportOptions &options) {
  Exporter exporter(module);
  if (failed(exporter.exportModel(model)))
    return failure();
  if (!options.check)
    return success();
  // libonnx 1.12 knows opsets up to 17 and IR versions up to 8.
  bool known = model.ir_version() <= 8;
  for (const auto &o : model.opset_import())
    if ((o.domain().empty() || o.domain() == "ai.onnx") && o.version() > 17)
      known = false;
  if (!known)
    return success();
  try {
    onnx::checker::check_model(model);
  } catch (const std::exception &e) {
    llvm::StringRef what(e.what());
    module.emitWarning() << "the ONNX checker rejects the exported model: "
                         << what.take_front(500);
  }
  return success();
}

LogicalResult exportOnnxToStream(ModuleOp module, llvm::raw_ostream &os,
                                     bool text, const ExportOptions &options) {
  try {
    onnx::ModelProto model;
    if (failed(buildModel(module, model, options)))
      return failure();
    std::string bytes;
    bool ok = text ? google::protobuf::TextFormat::PrintToString(model, &bytes)
                   : model.SerializeToString(&bytes);
    if (!ok)
      return module.emitError() << "cannot serialize the model (over 2 GB? "
                                   "export it to a file with external data)";
    os << bytes;
    return success();
  } catch (const std::exception &e) {
    return module.emitError() << "ONNX export failed: " << e.what();
  }
}

/// Moves large initializers of `g` (and its subgraphs) into `data`.
static void externalize(onnx::GraphProto &g, llvm::StringRef location,
                        uint64_t threshold, std::string &data) {
  for (onnx::TensorProto &t : *g.mutable_initializer()) {
    if (!t.has_raw_data() || t.raw_data().size() < threshold)
      continue;
    while (data.size() % 64)
      data.push_back(0);
    auto add = [&](const char *k, const std::string &v) {
      auto *e = t.add_external_data();
      e->set_key(k);
      e->set_value(v);
    };
    add("location", location.str());
    add("offset", std::to_string(data.size()));
    add("length", std::to_string(t.raw_data().size()));
    data += t.raw_data();
    t.clear_raw_data();
    t.set_data_location(onnx::TensorProto::EXTERNAL);
  }
  for (onnx::NodeProto &n : *g.mutable_node())
    for (onnx::AttributeProto &a : *n.mutable_attribute()) {
      if (a.has_g())
        externalize(*a.mutable_g(), location, threshold, data);
      for (auto &sub : *a.mutable_graphs())
        externalize(sub, location, threshold, data);
    }
}

LogicalResult exportOnnxFile(ModuleOp module, llvm::StringRef path,
                                 const ExportOptions &options) {
  try {
    onnx::ModelProto model;
    if (failed(buildModel(module, model, options)))
      return failure();
    std::string error;
    bool external = options.externalData ||
                    model.ByteSizeLong() >= (uint64_t(1) << 31) - (1 << 20);
    if (external) {
      std::string location = llvm::sys::path::filename(path).str() + ".data";
      std::string data;
      externalize(*model.mutable_graph(), location,
                  options.externalDataThreshold, data);
      llvm::SmallString<256> dataPath(path);
      llvm::sys::path::remove_filename(dataPath);
      llvm::sys::path::append(dataPath, location);
      if (!data.empty() &&
          !writeFileAtomically(
              dataPath, [&](llvm::raw_ostream &os) { os << data; return true; },
              error))
        return emitError(module.getLoc()) << error;
    }
    if (!writeFileAtomically(
            path,
            [&](llvm::raw_ostream &os) {
              std::string bytes;
              if (!model.SerializeToString(&bytes)) {
                error = "cannot serialize the model";
                return false;
              }
              os << bytes;
              return true;
            },
            error))
      return emitError(module.getLoc()) << error;
    return success();
  } catch (const std::exception &e) {
    return module.emitError() << "ONNX export failed: " << e.what();
  }
}

} // namespace nc
