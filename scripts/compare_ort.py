"""Runs two ONNX models in ONNX Runtime on the same random inputs and
reports whether their outputs agree bit for bit.

usage: compare_ort.py ORIGINAL EXPORTED [MODULE.mlir]"""
import collections
import re
import sys

import numpy as np
import onnxruntime as ort

DTYPES = {"tensor(float)": np.float32, "tensor(int64)": np.int64,
          "tensor(int32)": np.int32, "tensor(uint8)": np.uint8,
          "tensor(int8)": np.int8, "tensor(bool)": np.bool_,
          "tensor(double)": np.float64, "tensor(float16)": np.float16}


def session(path):
    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    opts.intra_op_num_threads = 1
    return ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])


def feeds_for(sess, rng):
    feeds = {}
    for i in sess.get_inputs():
        # Dynamic dims of an NCHW image: a text line of 48 x 320, batch 1.
        defaults = [1, 3, 48, 320] if len(i.shape) == 4 else []
        shape = [d if isinstance(d, int) else
                 (defaults[k] if k < len(defaults) else 1)
                 for k, d in enumerate(i.shape)]
        feeds[i.name] = rng.random(shape).astype(DTYPES[i.type])
    return feeds


def main():
    original, exported = sys.argv[1], sys.argv[2]
    a, b = session(original), session(exported)
    rng = np.random.default_rng(0)
    worst = 0
    for run in range(3):
        feeds = feeds_for(a, rng)
        for name, x, y in zip([o.name for o in a.get_outputs()],
                              a.run(None, feeds), b.run(None, feeds)):
            equal = x.shape == y.shape and np.array_equal(x, y)
            worst = max(worst, 0 if equal else 1)
            print(f"run {run}: output '{name}' {x.shape} "
                  f"{'bit-identical' if equal else 'DIFFERS'}")
    if len(sys.argv) > 3:
        ops = collections.Counter(re.findall(r"= (nc\.\w+|quant\.\w+)(?: \"(\w+)\")?",
                                             open(sys.argv[3]).read()))
        print("nc dialect ops:", ", ".join(
            f"{op}{'(' + t + ')' if t else ''} x{n}" for (op, t), n in
            sorted(ops.items(), key=lambda kv: -kv[1])))
    print("ONNX Runtime: the exported model " +
          ("agrees bit for bit with the original" if not worst else
           "DISAGREES with the original"))
    return worst


if __name__ == "__main__":
    sys.exit(main())
