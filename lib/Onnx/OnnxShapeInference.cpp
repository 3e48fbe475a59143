//===- OnnxShapeInference.cpp - libonnx's shape inference, guarded --------===//
//
// libonnx 1.12's shape inference functions trust the model they are given:
// a missing required attribute, a zero stride, or a convolution weight of
// another rank than its input makes them dereference null, divide by zero or
// read out of bounds, and take the whole process down (found by fuzzing the
// importer, see fuzz/ and docs/Robustness.md). Newer ONNX releases check
// more, but Debian 12 ships 1.12.
//
// NC therefore runs ONNX's shape inference through a schema registry of its
// own: it hands out copies of ONNX's schemas whose inference function first
// checks what the original takes for granted, and throws ONNX's
// InferenceError when a check fails. ONNX records that error for the node
// and goes on with the next one, so a malformed node only loses the types
// ONNX would have inferred for it; the importer then falls back on NC's own
// shape inference or !nc.unknown, and its own checks report the problem.
//
//===----------------------------------------------------------------------===//

#include "OnnxShapeInference.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/StringSwitch.h"

#include <onnx/defs/schema.h>
#include <onnx/defs/shape_inference.h>
#include <onnx/shape_inference/implementation.h>

#include <map>
#include <memory>
#include <mutex>
#include <tuple>

using namespace onnx;

namespace {

/// Larger dimensions are refused: ONNX's inference loops over and multiplies
/// them without checking for overflow. No real tensor has a dimension of
/// 2^32 elements or more.
constexpr int64_t kMaxDim = int64_t(1) << 32;
/// Deeper nesting (sequence of optional of ...) is refused.
constexpr unsigned kMaxTypeDepth = 16;

bool isSaneShape(const TensorShapeProto &shape) {
  for (const auto &d : shape.dim())
    if (d.has_dim_value() && (d.dim_value() < 0 || d.dim_value() > kMaxDim))
      return false;
  return true;
}

bool isSaneType(const TypeProto &type, unsigned depth = 0) {
  if (depth > kMaxTypeDepth)
    return false;
  switch (type.value_case()) {
  case TypeProto::kTensorType:
    return !type.tensor_type().has_shape() ||
           isSaneShape(type.tensor_type().shape());
  case TypeProto::kSparseTensorType:
    return !type.sparse_tensor_type().has_shape() ||
           isSaneShape(type.sparse_tensor_type().shape());
  case TypeProto::kSequenceType:
    return !type.sequence_type().has_elem_type() ||
           isSaneType(type.sequence_type().elem_type(), depth + 1);
  case TypeProto::kOptionalType:
    return !type.optional_type().has_elem_type() ||
           isSaneType(type.optional_type().elem_type(), depth + 1);
  case TypeProto::kMapType:
    return !type.map_type().has_value_type() ||
           isSaneType(type.map_type().value_type(), depth + 1);
  default:
    return true;
  }
}

/// The rank of input `i`, or -1 if it is absent or not a ranked tensor.
int64_t inputRank(InferenceContext &ctx, size_t i) {
  if (i >= ctx.getNumInputs())
    return -1;
  const TypeProto *t = ctx.getInputType(i);
  if (!t || !t->has_tensor_type() || !t->tensor_type().has_shape())
    return -1;
  return t->tensor_type().shape().dim_size();
}

/// The operand holding the kernel of a convolution or pooling op (whose
/// rank must be the input's), or -1 for ops without one.
int kernelOperand(llvm::StringRef opType) {
  return llvm::StringSwitch<int>(opType)
      .Cases({"Conv", "ConvTranspose", "ConvInteger", "MaxUnpool"}, 1)
      .Case("QLinearConv", 3)
      .Default(-1);
}

bool isConvOrPool(llvm::StringRef opType) {
  return kernelOperand(opType) >= 0 ||
         llvm::StringSwitch<bool>(opType)
             .Cases({"MaxPool", "AveragePool", "LpPool", "MaxRoundPool"}, true)
             .Default(false);
}

/// The attributes of a convolution or pooling op: sizes that match the
/// input's spatial rank, and values in range.
void checkConvOrPool(InferenceContext &ctx, llvm::StringRef opType) {
  int64_t rank = inputRank(ctx, 0);
  if (rank >= 0 && rank < 2)
    fail_shape_inference("input rank ", rank, " is below 2");
  int kernel = kernelOperand(opType);
  if (kernel >= 0) {
    int64_t kernelRank = inputRank(ctx, kernel);
    if (kernelRank >= 0 && rank >= 0 && kernelRank != rank)
      fail_shape_inference("input ", kernel, " has rank ", kernelRank,
                           ", the input has rank ", rank);
  }
  // (attribute, smallest value, values per spatial dimension)
  for (auto [name, least, perDim] :
       {std::make_tuple("kernel_shape", 1, 1), std::make_tuple("strides", 1, 1),
        std::make_tuple("dilations", 1, 1), std::make_tuple("pads", 0, 2),
        std::make_tuple("output_padding", 0, 1),
        std::make_tuple("output_shape", 0, 1)}) {
    const AttributeProto *a = ctx.getAttribute(name);
    if (!a)
      continue;
    if (rank >= 0 && a->ints_size() != perDim * (rank - 2))
      fail_shape_inference("attribute ", name, " has ", a->ints_size(),
                           " values for rank ", rank);
    for (int64_t v : a->ints())
      if (v < least || v > kMaxDim)
        fail_shape_inference("attribute ", name, " has value ", v);
  }
}

/// Checks what ONNX's inference functions assume about a node of `schema`
/// and throws InferenceError if it does not hold.
void checkNode(const OpSchema &schema, InferenceContext &ctx) {
  int inputs = static_cast<int>(ctx.getNumInputs());
  int outputs = static_cast<int>(ctx.getNumOutputs());
  if (inputs < schema.min_input() || inputs > schema.max_input())
    fail_shape_inference("the node has ", inputs, " inputs, ", schema.Name(),
                         " takes ", schema.min_input(), " to ",
                         schema.max_input());
  if (outputs < schema.min_output() || outputs > schema.max_output())
    fail_shape_inference("the node has ", outputs, " outputs, ", schema.Name(),
                         " has ", schema.min_output(), " to ",
                         schema.max_output());
  // Inference functions read required attributes without checking that
  // they are there, and read the field of the declared kind.
  for (const auto &[name, declared] : schema.attributes()) {
    const AttributeProto *a = ctx.getAttribute(name);
    if (!a) {
      if (declared.required)
        fail_shape_inference("required attribute ", name, " is missing");
      continue;
    }
    if (a->type() != AttributeProto::UNDEFINED && a->type() != declared.type)
      fail_shape_inference("attribute ", name, " has the wrong kind");
  }
  for (size_t i = 0; i < ctx.getNumInputs(); ++i)
    if (const TypeProto *t = ctx.getInputType(i); t && !isSaneType(*t))
      fail_shape_inference("input ", i, " has a malformed type");
  for (const char *name : {"group", "blocksize"})
    if (const AttributeProto *a = ctx.getAttribute(name); a && a->i() < 1)
      fail_shape_inference("attribute ", name, " is ", a->i());
  if (isConvOrPool(schema.Name()))
    checkConvOrPool(ctx, schema.Name());
}

/// ONNX's schemas with guarded inference functions, made on first use.
class GuardedSchemaRegistry : public ISchemaRegistry {
public:
  const OpSchema *GetSchema(const std::string &key,
                            const int maxInclusiveVersion,
                            const std::string &domain) const override {
    const OpSchema *schema =
        OpSchemaRegistry::Schema(key, maxInclusiveVersion, domain);
    // Ops without an inference function are inferred from their function
    // body, whose nodes come back here.
    if (!schema || !schema->has_type_and_shape_inference_function())
      return schema;
    std::lock_guard<std::mutex> lock(mutex);
    std::unique_ptr<OpSchema> &guarded = schemas[schema];
    if (!guarded) {
      guarded = std::make_unique<OpSchema>(*schema);
      InferenceFunction infer = schema->GetTypeAndShapeInferenceFunction();
      guarded->TypeAndShapeInferenceFunction(
          [schema, infer](InferenceContext &ctx) {
            checkNode(*schema, ctx);
            infer(ctx);
          });
    }
    return guarded.get();
  }

private:
  mutable std::mutex mutex;
  mutable std::map<const OpSchema *, std::unique_ptr<OpSchema>> schemas;
};

} // namespace

void nc::onnx_bridge::inferShapes(ModelProto &model) {
  static const GuardedSchemaRegistry registry;
  shape_inference::InferShapes(model, &registry);
}
