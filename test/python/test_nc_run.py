"""`nc run` end to end: real models against ONNX Runtime, and every class of
bad input giving a diagnostic that names the input, file or node with exit
code 1 (never a crash)."""
import subprocess

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from conftest import OCR_MODELS, nc_tool, ort_session, run_tool


def nc_run(*args):
    return subprocess.run([nc_tool("nc"), "run", *map(str, args)],
                          capture_output=True, text=True)


def outputs_of(proc):
    return [np.load(line.rsplit(" -> ", 1)[1])
            for line in proc.stdout.splitlines() if " -> " in line]


# Tolerance: NC's kernels sum in another order than ORT's (im2col + GEMM vs
# ORT's MLAS), so results differ by float rounding; the softmax outputs are
# probabilities, compared absolutely.
@pytest.mark.parametrize("name,shape,threads", [
    ("ch_ppocr_mobile_v2.0_cls_infer.onnx", (2, 3, 48, 192), 1),
    ("ch_PP-OCRv4_rec_infer.onnx", (1, 3, 48, 320), 2),
    ("ch_PP-OCRv4_det_infer.onnx", (1, 3, 64, 96), 2),
])
def test_real_models_match_onnxruntime(name, shape, threads, tmp_path):
    model = OCR_MODELS / name
    x = np.random.default_rng(3).random(shape, dtype=np.float32)
    np.save(tmp_path / "x.npy", x)
    proc = nc_run(model, "--input", f"x={tmp_path / 'x.npy'}", "--output-dir",
                  tmp_path, "--threads", threads)
    assert proc.returncode == 0, proc.stderr
    want = ort_session(model).run(None, {"x": x})
    got = outputs_of(proc)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.shape == w.shape and g.dtype == w.dtype
        np.testing.assert_allclose(g, w, rtol=0, atol=1e-4)


def test_runs_mlir_modules_too(tmp_path):
    model = OCR_MODELS / "ch_ppocr_mobile_v2.0_cls_infer.onnx"
    mlir = tmp_path / "cls.mlir"
    run_tool("nc-translate", "--import-onnx", model, "-o", mlir)
    x = np.random.default_rng(4).random((1, 3, 48, 192), dtype=np.float32)
    np.savez(tmp_path / "in.npz", x=x)
    proc = nc_run(mlir, "--inputs", tmp_path / "in.npz", "--output",
                  tmp_path / "out.npz")
    assert proc.returncode == 0, proc.stderr
    np.testing.assert_allclose(np.load(tmp_path / "out.npz")["softmax_0.tmp_0"],
                               ort_session(model).run(None, {"x": x})[0],
                               rtol=0, atol=1e-5)


@pytest.fixture
def small_model(tmp_path):
    graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["r"], name="relu0"),
         helper.make_node("Add", ["r", "x"], ["y"], name="add0")], "small",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 4])])
    path = tmp_path / "small.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[
        helper.make_opsetid("", 17)]), path)
    return path


def test_small_model_computes_relu_plus_x(small_model, tmp_path):
    x = np.array([[-1, 2, -3, 4]], dtype=np.float32)
    np.save(tmp_path / "x.npy", x)
    proc = nc_run(small_model, "--input", f"x={tmp_path / 'x.npy'}",
                  "--output-dir", tmp_path)
    assert proc.returncode == 0, proc.stderr
    np.testing.assert_array_equal(outputs_of(proc)[0], np.maximum(x, 0) + x)


@pytest.mark.parametrize("make_input,message", [
    (None, "missing input 'x'"),
    (lambda d: np.zeros((1, 4), np.int64),
     "input 'x' has element type int64, the model expects float32"),
    (lambda d: np.zeros((1, 5), np.float32),
     "input 'x' has shape float32[1x5], the model expects [?x4]"),
])
def test_bad_inputs_are_named(small_model, tmp_path, make_input, message):
    args = [small_model, "--output-dir", tmp_path]
    if make_input:
        np.save(tmp_path / "x.npy", make_input(tmp_path))
        args += ["--input", f"x={tmp_path / 'x.npy'}"]
    proc = nc_run(*args)
    assert proc.returncode == 1
    assert message in proc.stderr, proc.stderr


def test_unknown_input_name_and_bad_files(small_model, tmp_path):
    np.save(tmp_path / "x.npy", np.zeros((1, 4), np.float32))
    proc = nc_run(small_model, "--input", f"x={tmp_path / 'x.npy'}",
                  "--input", f"z={tmp_path / 'x.npy'}", "--output-dir", tmp_path)
    assert proc.returncode == 1 and "no input named 'z'" in proc.stderr
    (tmp_path / "bad.npy").write_bytes(b"\x93NUMPX garbage")
    proc = nc_run(small_model, "--input", f"x={tmp_path / 'bad.npy'}",
                  "--output-dir", tmp_path)
    assert proc.returncode == 1 and "bad.npy" in proc.stderr
    assert "bad magic" in proc.stderr, proc.stderr
    proc = nc_run(small_model, "--input", f"x={tmp_path / 'x.npy'}",
                  "--output-dir", tmp_path / "missing")
    assert proc.returncode == 1 and "does not exist" in proc.stderr


def test_unimplemented_op_names_node_type_and_opset(tmp_path):
    graph = helper.make_graph(
        [helper.make_node("Det", ["x"], ["y"], name="det0")], "det",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 2])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [])])
    path = tmp_path / "det.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[
        helper.make_opsetid("", 17)]), path)
    proc = nc_run(path, "--output-dir", tmp_path)
    assert proc.returncode == 1
    assert "node 'det0' (Det, opset 17): not implemented by NC's runtime" in \
        proc.stderr, proc.stderr
