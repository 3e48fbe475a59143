//===- Session.h - run nc modules on the CPU -----------------------*- C++ -*-===//
//
// nc::Session is built once from an nc module (constants decoded, every op
// bound to a kernel, unsupported ops reported up front) and then run many
// times. Its run-time interface has no MLIR types.
//
//===----------------------------------------------------------------------===//

#ifndef NC_RUNTIME_SESSION_H
#define NC_RUNTIME_SESSION_H

#include "nc/Runtime/Tensor.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace mlir {
class ModuleOp;
} // namespace mlir

namespace nc {

struct SessionOptions {
  /// Threads for the heavy kernels (convolution, matrix products).
  int threads = 1;
  /// Accumulate the time spent per ONNX op type (see Session::profile()).
  bool profile = false;
};

/// Time spent in one ONNX op type over all runs of a session.
struct OpProfile {
  std::string opType;
  int64_t calls = 0;
  double milliseconds = 0;
};

/// A graph input or output: its ONNX name, element type if known, and shape
/// (-1 for a dynamic dimension; empty with `ranked` false if unknown).
struct ValueInfo {
  std::string name;
  bool knownType = false;
  DType dtype = DType::F32;
  bool ranked = false;
  std::vector<int64_t> shape;
};

class Session {
public:
  /// Builds a session for the function @main of `module`. On failure
  /// returns null and sets `error`, naming the node, its op type and opset
  /// when an op is not supported.
  static std::unique_ptr<Session> create(mlir::ModuleOp module,
                                         const SessionOptions &options,
                                         std::string &error);
  ~Session();

  const std::vector<ValueInfo> &inputs() const;
  const std::vector<ValueInfo> &outputs() const;

  /// Runs the model. Every graph input must be given, by name, with its
  /// element type and a shape matching its static dimensions. Outputs come
  /// in the order of outputs(). Returns false and sets `error` on failure.
  bool run(const std::vector<std::pair<std::string, Tensor>> &inputs,
           std::vector<Tensor> &outputs, std::string &error);

  /// With SessionOptions::profile, the time per op type, most first.
  std::vector<OpProfile> profile() const;

  struct Impl;

private:
  explicit Session(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl;
};

} // namespace nc

#endif // NC_RUNTIME_SESSION_H
