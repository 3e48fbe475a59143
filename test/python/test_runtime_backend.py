"""NC's runtime on ONNX's backend test data: `nc run` executes every model of
Debian's libonnx-testdata on the shipped inputs and is compared with the
shipped expected outputs (rtol 1e-3, atol 1e-5 for floats, as ONNX's own
backend tests; exact for integers and booleans).

Each model is counted as pass, fail (wrong numbers or an error) or
unsupported (NC declines: an op or element type its runtime does not
implement yet). The counts are printed. Gates: no model ever crashes the
runtime, and every test of every op that the PaddleOCR models use passes
(except string tensors, which the runtime does not compute with, and
bfloat16 graph inputs/outputs, which .npy cannot carry: the bfloat16 casts
themselves are covered by unittests/Runtime/KernelsTest.cpp)."""
import glob
import os
import re
import subprocess

import numpy as np
import onnx
import pytest
from onnx import numpy_helper

from conftest import OCR_MODELS, TESTDATA, nc_tool

GROUPS = ["node", "simple", "pytorch-converted", "pytorch-operator"]
DECLINED = re.compile(r"not implemented by NC's runtime|not supported|"
                      r"supports float32 only|unsupported|quantizes float32 only")


def op_types(model):
    ops = set()

    def walk(g):
        for n in g.node:
            ops.add(n.op_type)
            for a in n.attribute:
                if a.HasField("g"):
                    walk(a.g)
    walk(model.graph)
    return ops


def uses_strings(model):
    """String tensors are outside what NC's runtime computes with."""
    graph = onnx.shape_inference.infer_shapes(model).graph
    return any(v.type.tensor_type.elem_type == onnx.TensorProto.STRING
               for v in list(graph.input) + list(graph.output) +
               list(graph.value_info))


def real_model_ops():
    ops = set()
    for path in glob.glob(str(OCR_MODELS / "*.onnx")):
        ops |= op_types(onnx.load(path))
    return ops


def run_case(path, case, tmp):
    model = onnx.load(path)
    inits = {t.name for t in model.graph.initializer}
    inputs = [i for i in model.graph.input if i.name not in inits]
    if any(i.type.WhichOneof("value") != "tensor_type" for i in inputs) or \
            any(o.type.WhichOneof("value") not in (None, "tensor_type")
                for o in model.graph.output):
        return "unsupported", "non-tensor inputs or outputs"
    if any(v.type.tensor_type.elem_type == onnx.TensorProto.BFLOAT16
           for v in list(inputs) + list(model.graph.output)):
        return "unsupported", "bfloat16 inputs or outputs (.npy has none)"
    feeds = {}
    for i, f in enumerate(sorted(glob.glob(os.path.join(case, "input_*.pb")))):
        t = onnx.TensorProto()
        t.ParseFromString(open(f, "rb").read())
        arr = numpy_helper.to_array(t)
        if arr.dtype == object or i >= len(inputs):
            return "unsupported", "string or extra inputs"
        feeds[inputs[i].name] = arr
    npz = os.path.join(tmp, "inputs.npz")
    np.savez(npz, **feeds)
    out_dir = os.path.join(tmp, "out")
    os.makedirs(out_dir, exist_ok=True)
    proc = subprocess.run([nc_tool("nc"), "run", path, "--inputs", npz,
                           "--output-dir", out_dir],
                          capture_output=True, text=True, timeout=120)
    if proc.returncode < 0:
        return "crash", f"signal {-proc.returncode}: {proc.stderr[-300:]}"
    if proc.returncode != 0:
        kind = "unsupported" if DECLINED.search(proc.stderr) else "fail"
        return kind, proc.stderr.strip().splitlines()[-1][:200]
    produced = [line.rsplit(" -> ", 1)[1] for line in proc.stdout.splitlines()
                if " -> " in line]
    expected = sorted(glob.glob(os.path.join(case, "output_*.pb")))
    for k, f in enumerate(expected):
        t = onnx.TensorProto()
        t.ParseFromString(open(f, "rb").read())
        want = numpy_helper.to_array(t)
        got = np.load(produced[k])
        if want.shape != got.shape:
            return "fail", f"output {k}: shape {got.shape}, expected {want.shape}"
        if want.dtype.kind == "f":
            ok = np.allclose(got.astype(np.float64), want.astype(np.float64),
                             rtol=1e-3, atol=1e-5, equal_nan=True)
        else:
            ok = np.array_equal(got, want)
        if not ok:
            return "fail", f"output {k}: values differ"
    return "pass", ""


def test_runtime_on_onnx_backend_data(tmp_path):
    models = sorted(p for g in GROUPS
                    for p in glob.glob(str(TESTDATA / g / "*" / "model.onnx")))
    counts = {"pass": 0, "fail": 0, "unsupported": 0, "crash": 0}
    results = {}
    for i, path in enumerate(models):
        name = "/".join(path.split(os.sep)[-3:-1])
        cases = sorted(glob.glob(os.path.join(os.path.dirname(path),
                                              "test_data_set_*")))
        status, why = "pass", ""
        for case in cases[:1]:
            work = tmp_path / str(i)
            work.mkdir()
            status, why = run_case(path, case, str(work))
        counts[status] += 1
        results[name] = (status, why, path)
    print(f"\nNC runtime on libonnx-testdata: {counts['pass']} pass, "
          f"{counts['fail']} fail, {counts['unsupported']} unsupported, "
          f"{counts['crash']} crash (of {len(models)})")
    for name, (status, why, _) in sorted(results.items()):
        if status in ("fail", "crash"):
            print(f"  {status}: {name}: {why}")
    crashes = [n for n, r in results.items() if r[0] == "crash"]
    assert not crashes, f"the runtime crashed on {crashes}"
    needed = real_model_ops()
    gaps = [f"{n}: {r[1]}" for n, r in results.items()
            if r[0] != "pass" and op_types(onnx.load(r[2])) <= needed and
            not uses_strings(onnx.load(r[2])) and "bfloat16" not in r[1]]
    assert not gaps, "tests of ops the real models use do not pass:\n" + \
        "\n".join(gaps)
