//===- Kernels.h - NC runtime kernels: nodes, attributes, registry -*- C++ -*-===//
//
// Private to lib/Runtime. A kernel computes one ONNX operator on tensors;
// the session binds each op of the module to a kernel by ONNX op type.
//
//===----------------------------------------------------------------------===//

#ifndef NC_LIB_RUNTIME_KERNELS_H
#define NC_LIB_RUNTIME_KERNELS_H

#include "nc/Runtime/Tensor.h"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace nc::rt {

/// An ONNX attribute value, decoded from the IR when the session is built.
struct Attr {
  enum Kind { Int, Float, String, Ints, Floats, Strings, TensorValue, Other };
  Kind kind = Other;
  int64_t i = 0;
  float f = 0;
  std::string s;
  std::vector<int64_t> ints;
  std::vector<float> floats;
  std::vector<std::string> strings;
  Tensor tensor;
};

/// Per-node state a kernel keeps between runs (oneDNN primitives).
struct KernelState {
  virtual ~KernelState() = default;
};

/// One op of the module, ready to run.
struct Node {
  std::string opType, name;
  int64_t opset = 0;
  std::map<std::string, Attr> attrs;
  /// Value slots; -1 for an absent optional input.
  std::vector<int> inputs, outputs;
  /// Element types the IR states for the outputs (nullopt if unknown).
  std::vector<std::optional<DType>> outputTypes;
  int threads = 1;
  /// Owned by the node's kernel; kernels lock it themselves.
  mutable std::shared_ptr<KernelState> state;

  int64_t getInt(const std::string &n, int64_t fallback) const;
  float getFloat(const std::string &n, float fallback) const;
  std::string getString(const std::string &n, const std::string &fallback) const;
  std::optional<std::vector<int64_t>> getInts(const std::string &n) const;
  std::optional<std::vector<float>> getFloats(const std::string &n) const;
  const Attr *get(const std::string &n) const;
  /// "node 'conv1' (Conv, opset 17)".
  std::string describe() const;
};

/// Inputs are null where an optional input is absent.
using Inputs = std::vector<const Tensor *>;
using KernelFn = bool (*)(const Node &, const Inputs &, std::vector<Tensor> &,
                          std::string &error);

/// The kernel for an ONNX op type (default domain), or null.
KernelFn findKernel(const std::string &opType);

// Registration, one function per kernel family.
struct KernelTable;
void registerElementwiseKernels(KernelTable &table);
void registerShapeKernels(KernelTable &table);
void registerNNKernels(KernelTable &table);
void registerReduceKernels(KernelTable &table);
void registerQuantKernels(KernelTable &table);
void registerDnnlKernels(KernelTable &table);

struct KernelTable {
  std::map<std::string, KernelFn> kernels;
  void add(const std::string &opType, KernelFn fn) { kernels[opType] = fn; }
};

/// Spatial window of Conv and pools (auto_pad and ceil_mode resolved).
struct Window {
  int64_t spatial = 0;
  std::vector<int64_t> kernel, strides, dilations, padBegin, padEnd, in, out;
};
bool resolveWindow(const Node &node, const std::vector<int64_t> &xShape,
                   std::vector<int64_t> kernel, bool ceilMode, Window &w,
                   std::string &error);

//===----------------------------------------------------------------------===//
// Helpers shared by kernels.
//===----------------------------------------------------------------------===//

/// Reads an integer tensor (int32 or int64) as int64 values.
bool readInts(const Tensor &t, std::vector<int64_t> &out);
/// Reads a numeric tensor as doubles.
double readScalar(const Tensor &t, int64_t index);
/// ONNX multidirectional broadcasting; false if the shapes clash.
bool broadcastShape(const std::vector<int64_t> &a, const std::vector<int64_t> &b,
                    std::vector<int64_t> &out);
/// Row-major strides of `shape`, with 0 for broadcast dims of a shape
/// right-aligned into `target`'s rank.
std::vector<int64_t> broadcastStrides(const std::vector<int64_t> &shape,
                                      const std::vector<int64_t> &target);
int64_t normalizeAxis(int64_t axis, int64_t rank);
/// Advances a row-major multi-index over `shape` by one element.
inline void nextIndex(std::vector<int64_t> &idx,
                      const std::vector<int64_t> &shape) {
  for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
    if (++idx[d] < shape[d])
      return;
    idx[d] = 0;
  }
}
/// Sets `error` to "<node>: <message>" and returns false.
inline bool kernelError(std::string &error, const Node &node,
                        const std::string &message) {
  error = node.describe() + ": " + message;
  return false;
}
bool isFloat(DType t);
/// IEEE half and bfloat16 conversions (round to nearest even).
float halfToFloat(uint16_t h);
uint16_t floatToHalf(float f);
float bf16ToFloat(uint16_t h);
uint16_t floatToBf16(float f);
/// Runs fn(begin, end) over [0, n) on up to `threads` threads.
void parallelFor(int threads, int64_t n, int64_t grain,
                 const std::function<void(int64_t, int64_t)> &fn);

} // namespace nc::rt

#endif // NC_LIB_RUNTIME_KERNELS_H
