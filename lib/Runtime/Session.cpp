//===- Session.cpp - build and run nc modules on the CPU ------------------===//
//
// Building a session walks @main once: constants are decoded into tensors,
// each op is bound to the kernel of its ONNX op type (typed ops, nc.node and
// quant casts alike), and the last use of every value is recorded so that
// intermediate tensors are freed as soon as they are dead.
//
//===----------------------------------------------------------------------===//

#include "nc/Runtime/Session.h"

#include "Kernels.h"
#include "nc/Dialect/NCDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <map>

using namespace mlir;
using ::nc::rt::Attr;
using ::nc::rt::Node;

namespace nc {

struct Session::Impl {
  std::vector<ValueInfo> inputs, outputs;
  std::vector<int> inputSlots, outputSlots;
  std::vector<Node> nodes;
  std::vector<rt::KernelFn> kernels;
  /// Constant tensors by slot (empty for computed slots).
  std::vector<Tensor> constants;
  /// For each node, the slots whose last use it is.
  std::vector<std::vector<int>> release;
  size_t numSlots = 0;
  int threads = 1;
  bool profile = false;
  std::map<std::string, OpProfile> profiles;
};

namespace {

std::optional<DType> dtypeOf(Type t) {
  if (auto q = dyn_cast<quant::QuantizedType>(t)) {
    bool s = q.isSigned();
    switch (q.getStorageTypeIntegralWidth()) {
    case 8: return s ? DType::I8 : DType::U8;
    case 16: return s ? DType::I16 : DType::U16;
    case 32: return s ? DType::I32 : DType::U32;
    default: return std::nullopt;
    }
  }
  if (t.isF32()) return DType::F32;
  if (t.isF64()) return DType::F64;
  if (t.isF16()) return DType::F16;
  if (t.isBF16()) return DType::BF16;
  auto i = dyn_cast<IntegerType>(t);
  if (!i) return std::nullopt;
  bool u = i.isUnsigned();
  switch (i.getWidth()) {
  case 1: return DType::Bool;
  case 8: return u ? DType::U8 : DType::I8;
  case 16: return u ? DType::U16 : DType::I16;
  case 32: return u ? DType::U32 : DType::I32;
  case 64: return u ? DType::U64 : DType::I64;
  default: return std::nullopt;
  }
}

ValueInfo infoOf(Type type, std::string name) {
  ValueInfo v;
  v.name = std::move(name);
  if (auto t = dyn_cast<TensorType>(type)) {
    if (auto dt = dtypeOf(t.getElementType())) {
      v.knownType = true;
      v.dtype = *dt;
    }
    if (t.hasRank()) {
      v.ranked = true;
      for (int64_t d : t.getShape())
        v.shape.push_back(ShapedType::isDynamic(d) ? -1 : d);
    }
  }
  return v;
}

bool decodeElements(ElementsAttr value, Type resultType, Tensor &out,
                    std::string &error) {
  auto shaped = cast<ShapedType>(resultType);
  auto dt = dtypeOf(shaped.getElementType());
  if (!dt) {
    error = "constants of element type " +
            std::to_string(shaped.getElementType().getTypeID().getAsOpaquePointer() != nullptr) +
            " are not supported";
    return false;
  }
  Tensor t(*dt, std::vector<int64_t>(shaped.getShape().begin(),
                                     shaped.getShape().end()));
  size_t bytes = t.byteSize();
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(value)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob || blob->getData().size() != bytes) {
      error = "constant data is missing or has the wrong size";
      return false;
    }
    std::memcpy(t.data(), blob->getData().data(), bytes);
  } else if (auto dense = dyn_cast<DenseIntOrFPElementsAttr>(value)) {
    if (*dt == DType::Bool) {
      int64_t i = 0;
      for (bool b : dense.getValues<bool>())
        t.data<uint8_t>()[i++] = b;
    } else {
      ArrayRef<char> raw = dense.getRawData();
      size_t es = dtypeSize(*dt);
      if (dense.isSplat())
        for (int64_t i = 0; i < t.numElements(); ++i)
          std::memcpy(t.data<uint8_t>() + i * es, raw.data(), es);
      else
        std::memcpy(t.data(), raw.data(), bytes);
    }
  } else {
    error = "string and other non-numeric constants are not supported";
    return false;
  }
  out = t;
  return true;
}

bool convertAttr(Attribute a, Attr &out) {
  if (auto i = dyn_cast<IntegerAttr>(a)) {
    out.kind = Attr::Int;
    out.i = i.getValue().getSExtValue();
  } else if (auto f = dyn_cast<FloatAttr>(a)) {
    out.kind = Attr::Float;
    out.f = static_cast<float>(f.getValueAsDouble());
  } else if (auto s = dyn_cast<StringAttr>(a)) {
    out.kind = Attr::String;
    out.s = s.getValue().str();
  } else if (auto is = dyn_cast<DenseI64ArrayAttr>(a)) {
    out.kind = Attr::Ints;
    out.ints.assign(is.asArrayRef().begin(), is.asArrayRef().end());
  } else if (auto fs = dyn_cast<DenseF32ArrayAttr>(a)) {
    out.kind = Attr::Floats;
    out.floats.assign(fs.asArrayRef().begin(), fs.asArrayRef().end());
  } else if (auto e = dyn_cast<ElementsAttr>(a)) {
    std::string ignored;
    out.kind = decodeElements(e, e.getType(), out.tensor, ignored)
                   ? Attr::TensorValue : Attr::Other;
  } else if (auto list = dyn_cast<ArrayAttr>(a)) {
    out.kind = Attr::Strings;
    for (Attribute item : list) {
      auto s = dyn_cast<StringAttr>(item);
      if (!s) {
        out.kind = Attr::Other;
        break;
      }
      out.strings.push_back(s.getValue().str());
    }
  }
  return true;
}

/// Fills a node's quantization parameters from a quantized type.
bool quantAttrs(Type elem, Node &node) {
  auto put = [&](const char *name, Attr a) { node.attrs[name] = std::move(a); };
  Attr scales, zps, axis, storage;
  scales.kind = Attr::Floats;
  zps.kind = Attr::Ints;
  axis.kind = storage.kind = Attr::Int;
  axis.i = -1;
  if (auto u = dyn_cast<quant::UniformQuantizedType>(elem)) {
    scales.floats.push_back(static_cast<float>(u.getScale()));
    zps.ints.push_back(u.getZeroPoint());
  } else if (auto p = dyn_cast<quant::UniformQuantizedPerAxisType>(elem)) {
    for (double s : p.getScales())
      scales.floats.push_back(static_cast<float>(s));
    zps.ints.assign(p.getZeroPoints().begin(), p.getZeroPoints().end());
    axis.i = p.getQuantizedDimension();
  } else {
    return false;
  }
  auto dt = dtypeOf(elem);
  if (!dt)
    return false;
  storage.i = static_cast<int64_t>(*dt);
  put("nc.scales", scales);
  put("nc.zero_points", zps);
  put("nc.axis", axis);
  put("nc.storage", storage);
  return true;
}

} // namespace

Session::Session(std::unique_ptr<Impl> impl) : impl(std::move(impl)) {}
Session::~Session() = default;
const std::vector<ValueInfo> &Session::inputs() const { return impl->inputs; }
const std::vector<ValueInfo> &Session::outputs() const { return impl->outputs; }

std::vector<OpProfile> Session::profile() const {
  std::vector<OpProfile> list;
  for (const auto &entry : impl->profiles)
    list.push_back(entry.second);
  std::sort(list.begin(), list.end(), [](const OpProfile &a, const OpProfile &b) {
    return a.milliseconds > b.milliseconds;
  });
  return list;
}

std::unique_ptr<Session> Session::create(ModuleOp module,
                                         const SessionOptions &options,
                                         std::string &error) {
  func::FuncOp main;
  for (auto f : module.getOps<func::FuncOp>())
    if (f.getSymName() == "main" || !main)
      main = f;
  if (!main || main.isExternal()) {
    error = "the module has no function @main";
    return nullptr;
  }
  int64_t opset = 17;
  if (auto opsets = module->getAttrOfType<ArrayAttr>("nc.opset_import"))
    for (Attribute entry : opsets)
      if (auto pair = dyn_cast<ArrayAttr>(entry); pair && pair.size() == 2)
        if (auto d = dyn_cast<StringAttr>(pair[0]);
            d && (d.getValue().empty() || d.getValue() == "ai.onnx"))
          if (auto v = dyn_cast<IntegerAttr>(pair[1]))
            opset = v.getInt();

  auto impl = std::make_unique<Impl>();
  impl->threads = std::max(1, options.threads);
  impl->profile = options.profile;
  llvm::DenseMap<Value, int> slots;
  auto newSlot = [&](Value v) {
    int s = impl->numSlots++;
    slots[v] = s;
    impl->constants.emplace_back();
    return s;
  };
  Block &entry = main.getBody().front();
  for (BlockArgument arg : entry.getArguments()) {
    auto name = main.getArgAttrOfType<StringAttr>(arg.getArgNumber(),
                                                  mlir::nc::attr::kName);
    impl->inputs.push_back(infoOf(
        arg.getType(), name ? name.str()
                            : "input_" + std::to_string(arg.getArgNumber())));
    impl->inputSlots.push_back(newSlot(arg));
  }

  for (Operation &op : entry.getOperations()) {
    if (auto cst = dyn_cast<mlir::nc::ConstantOp>(op)) {
      int s = newSlot(cst);
      if (!decodeElements(cst.getValue(), cst.getType(), impl->constants[s],
                          error)) {
        error = "constant '" + mlir::nc::getResultNames(cst)[0] + "': " + error;
        return nullptr;
      }
      continue;
    }
    if (isa<mlir::nc::NoneOp>(op)) {
      slots[op.getResult(0)] = -1;
      continue;
    }
    if (auto scast = dyn_cast<quant::StorageCastOp>(op)) {
      slots[scast.getResult()] = slots.lookup(scast.getInput());
      continue;
    }
    if (auto ret = dyn_cast<func::ReturnOp>(op)) {
      for (auto [i, v] : llvm::enumerate(ret.getOperands())) {
        auto name = main.getResultAttrOfType<StringAttr>(i, mlir::nc::attr::kName);
        impl->outputs.push_back(
            infoOf(v.getType(), name ? name.str() : "output_" + std::to_string(i)));
        impl->outputSlots.push_back(slots.lookup(v));
      }
      continue;
    }

    Node node;
    node.opset = opset;
    node.threads = impl->threads;
    std::string resultName =
        op.getNumResults() ? mlir::nc::getResultNames(&op)[0] : "";
    node.name = mlir::nc::getNodeName(&op).str();
    if (node.name.empty())
      node.name = resultName;
    SmallVector<Value> operands(op.getOperands());
    SmallVector<int> absentAt;
    if (isa<quant::QuantizeCastOp, quant::DequantizeCastOp>(op)) {
      bool q = isa<quant::QuantizeCastOp>(op);
      node.opType = q ? "QuantizeLinear" : "DequantizeLinear";
      Type qt = cast<TensorType>(q ? op.getResult(0).getType()
                                   : op.getOperand(0).getType())
                    .getElementType();
      if (!quantAttrs(qt, node)) {
        error = node.describe() + ": unsupported quantized type";
        return nullptr;
      }
    } else if (auto iface = dyn_cast<mlir::nc::OnnxOpInterface>(op)) {
      node.opType = iface.getOnnxOpType().str();
      for (NamedAttribute a : op.getAttrDictionary()) {
        StringRef n = a.getName().getValue();
        if (n == "operandSegmentSizes" || n.starts_with("nc."))
          continue;
        convertAttr(a.getValue(), node.attrs[n.str()]);
      }
      if (auto seg = dyn_cast_or_null<DenseI32ArrayAttr>(
              op.getInherentAttr("operandSegmentSizes").value_or(Attribute()))) {
        SmallVector<Value> expanded;
        unsigned next = 0;
        for (int32_t size : seg.asArrayRef()) {
          if (size == 0)
            expanded.push_back(Value());
          for (int32_t k = 0; k < size; ++k)
            expanded.push_back(operands[next++]);
        }
        operands = expanded;
      }
    } else if (auto generic = dyn_cast<mlir::nc::NodeOp>(op)) {
      node.opType = generic.getOpType().str();
      bool foreign = generic.getDomain() && !generic.getDomain()->empty() &&
                     *generic.getDomain() != "ai.onnx";
      if (foreign || !generic.getGraphs().empty()) {
        error = node.describe() + (foreign ? " in domain '" + generic.getDomain()->str() + "'" : "") +
                ": not implemented by NC's runtime" +
                (foreign ? "" : " (ops with subgraphs)");
        return nullptr;
      }
      if (auto attrs = generic.getOnnxAttributes())
        for (NamedAttribute a : *attrs)
          convertAttr(a.getValue(), node.attrs[a.getName().str()]);
    } else {
      error = "'" + op.getName().getStringRef().str() +
              "' is not supported by NC's runtime";
      return nullptr;
    }
    rt::KernelFn kernel = rt::findKernel(node.opType);
    if (!kernel) {
      error = node.describe() + ": not implemented by NC's runtime";
      return nullptr;
    }
    for (Value v : operands) {
      if (!v) {
        node.inputs.push_back(-1);
        continue;
      }
      auto it = slots.find(v);
      if (it == slots.end()) {
        error = node.describe() + ": an operand is defined outside @main's body";
        return nullptr;
      }
      node.inputs.push_back(it->second);
    }
    for (Value r : op.getResults()) {
      node.outputs.push_back(newSlot(r));
      auto t = dyn_cast<TensorType>(r.getType());
      node.outputTypes.push_back(t ? dtypeOf(t.getElementType()) : std::nullopt);
    }
    impl->nodes.push_back(std::move(node));
    impl->kernels.push_back(kernel);
  }

  // Free each computed value after its last use (never graph outputs).
  std::vector<int> lastUse(impl->numSlots, -1);
  for (size_t n = 0; n < impl->nodes.size(); ++n)
    for (int s : impl->nodes[n].inputs)
      if (s >= 0)
        lastUse[s] = n;
  for (int s : impl->outputSlots)
    if (s >= 0)
      lastUse[s] = -1;
  impl->release.resize(impl->nodes.size());
  for (size_t s = 0; s < lastUse.size(); ++s)
    if (lastUse[s] >= 0 && impl->constants[s].empty())
      impl->release[lastUse[s]].push_back(s);
  return std::unique_ptr<Session>(new Session(std::move(impl)));
}

bool Session::run(const std::vector<std::pair<std::string, Tensor>> &inputs,
                  std::vector<Tensor> &outputs, std::string &error) {
  std::vector<Tensor> values = impl->constants;
  for (size_t i = 0; i < impl->inputs.size(); ++i) {
    const ValueInfo &info = impl->inputs[i];
    const Tensor *given = nullptr;
    for (const auto &[name, t] : inputs)
      if (name == info.name)
        given = &t;
    if (!given) {
      error = "missing input '" + info.name + "'";
      return false;
    }
    if (info.knownType && given->dtype() != info.dtype) {
      error = "input '" + info.name + "' has element type " +
              dtypeName(given->dtype()) + ", the model expects " +
              dtypeName(info.dtype);
      return false;
    }
    bool shapeOk = !info.ranked || info.shape.size() == given->shape().size();
    for (size_t d = 0; shapeOk && info.ranked && d < info.shape.size(); ++d)
      shapeOk = info.shape[d] < 0 || info.shape[d] == given->shape()[d];
    if (!shapeOk) {
      std::string want;
      for (size_t d = 0; d < info.shape.size(); ++d)
        want += (d ? "x" : "") +
                (info.shape[d] < 0 ? std::string("?") : std::to_string(info.shape[d]));
      error = "input '" + info.name + "' has shape " + given->describe() +
              ", the model expects [" + want + "]";
      return false;
    }
    values[impl->inputSlots[i]] = *given;
  }
  for (const auto &[name, t] : inputs) {
    bool known = false;
    for (const ValueInfo &info : impl->inputs)
      known |= info.name == name;
    if (!known) {
      error = "the model has no input named '" + name + "'";
      return false;
    }
  }
  rt::Inputs args;
  std::vector<Tensor> results;
  for (size_t n = 0; n < impl->nodes.size(); ++n) {
    const Node &node = impl->nodes[n];
    args.clear();
    for (int s : node.inputs) {
      if (s >= 0 && values[s].empty()) {
        error = node.describe() + ": an input has no value";
        return false;
      }
      args.push_back(s >= 0 ? &values[s] : nullptr);
    }
    // Drop trailing absent inputs; kernels treat a short list as absent.
    while (!args.empty() && !args.back())
      args.pop_back();
    if (args.empty() && node.opType != "Constant" && !node.inputs.empty()) {
      error = node.describe() + ": no inputs";
      return false;
    }
    results.clear();
    auto start = std::chrono::steady_clock::now();
    if (!impl->kernels[n](node, args, results, error))
      return false;
    if (impl->profile) {
      OpProfile &p = impl->profiles[node.opType];
      p.opType = node.opType;
      ++p.calls;
      p.milliseconds += std::chrono::duration<double, std::milli>(
                            std::chrono::steady_clock::now() - start)
                            .count();
    }
    if (results.size() != node.outputs.size()) {
      error = node.describe() + ": produced " + std::to_string(results.size()) +
              " outputs, the model has " + std::to_string(node.outputs.size());
      return false;
    }
    for (size_t i = 0; i < results.size(); ++i)
      values[node.outputs[i]] = std::move(results[i]);
    for (int s : impl->release[n])
      values[s] = Tensor();
  }
  outputs.clear();
  for (int s : impl->outputSlots) {
    if (s < 0 || values[s].empty()) {
      error = "a graph output has no value";
      return false;
    }
    outputs.push_back(values[s]);
  }
  return true;
}

} // namespace nc
