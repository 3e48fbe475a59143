"""The peer suite: every model of ONNX's backend test data (Debian's
libonnx-testdata) goes through import -> MLIR text -> re-parse -> export,
and ONNX Runtime runs the original and the exported model on the shipped
inputs. Outputs must be bit-for-bit equal. A model is skipped only when
ONNX Runtime cannot run the original; the skip reason is ORT's error.
Ops that are random by nature (unseeded) are compared by shape and dtype."""
import glob
import os

import ctypes

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import numpy_helper

from conftest import TESTDATA, ort_session, roundtrip

GROUPS = ["node", "simple", "pytorch-converted", "pytorch-operator"]
MODELS = sorted(p for g in GROUPS
                for p in glob.glob(str(TESTDATA / g / "*" / "model.onnx")))
RANDOM_OPS = {"RandomNormal", "RandomUniform", "RandomNormalLike",
              "RandomUniformLike", "Bernoulli", "Multinomial"}


def model_id(path):
    parts = path.split(os.sep)
    return f"{parts[-3]}/{parts[-2]}"


def read_value(path, type_proto):
    data = open(path, "rb").read()
    kind = type_proto.WhichOneof("value") if type_proto else "tensor_type"
    if kind == "sequence_type":
        seq = onnx.SequenceProto()
        seq.ParseFromString(data)
        return numpy_helper.to_list(seq)
    if kind == "optional_type":
        opt = onnx.OptionalProto()
        opt.ParseFromString(data)
        return numpy_helper.to_optional(opt)
    if kind == "map_type":
        m = onnx.MapProto()
        m.ParseFromString(data)
        return numpy_helper.to_dict(m)
    t = onnx.TensorProto()
    t.ParseFromString(data)
    return numpy_helper.to_array(t)


def load_inputs(model, case_dir):
    inits = {t.name for t in model.graph.initializer}
    graph_inputs = [i for i in model.graph.input if i.name not in inits]
    feeds = {}
    files = sorted(glob.glob(os.path.join(case_dir, "input_*.pb")),
                   key=lambda p: int(p.rsplit("_", 1)[1].split(".")[0]))
    for i, f in enumerate(files):
        if i < len(graph_inputs):
            feeds[graph_inputs[i].name] = read_value(f, graph_inputs[i].type)
    return feeds


def run(session, feeds):
    """Runs `session`; bfloat16 tensors, which ORT's numpy bridge cannot
    carry, go through OrtValues and come back as their raw uint16 bits."""
    types = [v.type for v in session.get_inputs() + session.get_outputs()]
    if "tensor(bfloat16)" not in types:
        return session.run(None, feeds)
    values = {}
    for i in session.get_inputs():
        v = np.asarray(feeds[i.name])
        if i.type == "tensor(bfloat16)":
            values[i.name] = ort.OrtValue.ortvalue_from_numpy_with_onnx_type(
                v.view(np.uint16), onnx.TensorProto.BFLOAT16)
        else:
            values[i.name] = ort.OrtValue.ortvalue_from_numpy(v)
    outputs = []
    for o in session.run_with_ort_values(None, values):
        if o.data_type() == "tensor(bfloat16)":
            n = int(np.prod(o.shape()))
            raw = (ctypes.c_uint16 * n).from_address(o.data_ptr())
            outputs.append(np.array(raw, dtype=np.uint16).reshape(o.shape()))
        else:
            outputs.append(o.numpy())
    return outputs


def is_random(model):
    def walk(graph):
        for n in graph.node:
            if n.op_type in RANDOM_OPS and not any(a.name == "seed"
                                                    for a in n.attribute):
                return True
            for a in n.attribute:
                if a.HasField("g") and walk(a.g):
                    return True
                if any(walk(g) for g in a.graphs):
                    return True
        return False
    return walk(model.graph)


def assert_same(a, b, name, shape_only):
    if isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), name
        for x, y in zip(a, b):
            assert_same(x, y, name, shape_only)
        return
    if a is None or b is None:
        assert a is None and b is None, name
        return
    a, b = np.asarray(a), np.asarray(b)
    assert a.dtype == b.dtype, f"{name}: dtype {a.dtype} vs {b.dtype}"
    assert a.shape == b.shape, f"{name}: shape {a.shape} vs {b.shape}"
    if shape_only:
        return
    if a.dtype.kind in "fc":
        bytes_a = np.ascontiguousarray(a).reshape(-1).view(np.uint8)
        bytes_b = np.ascontiguousarray(b).reshape(-1).view(np.uint8)
        same = np.array_equal(bytes_a, bytes_b) or \
            np.array_equal(a, b, equal_nan=True)
    else:
        same = np.array_equal(a, b)
    assert same, f"{name}: outputs differ (max abs diff " \
                 f"{np.max(np.abs(a.astype(np.float64) - b.astype(np.float64)))})"


@pytest.mark.parametrize("path", MODELS, ids=[model_id(m) for m in MODELS])
def test_roundtrip(path, tmp_path):
    model = onnx.load(path)
    cases = sorted(glob.glob(os.path.join(os.path.dirname(path),
                                          "test_data_set_*")))
    try:
        original = ort_session(path)
        feeds = [load_inputs(model, c) for c in cases] or [{}]
        expected = [run(original, f) for f in feeds]
    except Exception as e:  # ORT cannot run the original: not NC's to judge.
        pytest.skip(f"ONNX Runtime cannot run the original: "
                    f"{str(e).splitlines()[0][:300]}")
    exported = roundtrip(path, tmp_path)
    # The export is a valid model wherever the original is.
    try:
        onnx.checker.check_model(model)
        original_valid = True
    except onnx.checker.ValidationError:
        original_valid = False
    if original_valid:
        onnx.checker.check_model(onnx.load(str(exported)))
    session = ort_session(exported)
    names = [o.name for o in original.get_outputs()]
    assert [o.name for o in session.get_outputs()] == names
    shape_only = is_random(model)
    for f, want in zip(feeds, expected):
        got = run(session, f)
        for name, a, b in zip(names, want, got):
            assert_same(a, b, name, shape_only)
