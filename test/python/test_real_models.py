"""Round trips of real models through NC (import -> MLIR text -> re-parse ->
export), each run in ONNX Runtime against the original on the same inputs:
outputs must be bit-for-bit identical. Also external data in and out, and
newer opsets / IR versions than libonnx 1.12 knows."""
import os
import pathlib

import numpy as np
import onnx
import pytest
from onnx import helper, numpy_helper, TensorProto

from conftest import OCR_MODELS, ort_session, roundtrip, run_tool

OCR = {
    "ch_PP-OCRv4_rec_infer.onnx": [(1, 3, 48, 320), (2, 3, 48, 160)],
    "ch_ppocr_mobile_v2.0_cls_infer.onnx": [(1, 3, 48, 192), (4, 3, 48, 192)],
    "ch_PP-OCRv4_det_infer.onnx": [(1, 3, 96, 128)],
}


def assert_identical(original, exported, feeds_list):
    a, b = ort_session(original), ort_session(exported)
    for feeds in feeds_list:
        for x, y in zip(a.run(None, feeds), b.run(None, feeds)):
            assert x.dtype == y.dtype and x.shape == y.shape
            assert np.array_equal(x, y), "outputs differ"


@pytest.mark.parametrize("name", sorted(OCR))
def test_paddleocr_roundtrip(name, tmp_path):
    model = OCR_MODELS / name
    assert model.exists(), "run scripts/setup.sh to fetch the OCR models"
    exported = roundtrip(model, tmp_path)
    rng = np.random.default_rng(1)
    input_name = ort_session(model).get_inputs()[0].name
    feeds = [{input_name: rng.random(s, dtype=np.float32)} for s in OCR[name]]
    assert_identical(model, exported, feeds)
    # The MLIR is really typed: convolutions are nc.conv, not generic nodes.
    mlir = (tmp_path / "model.mlir").read_text()
    assert "nc.conv " in mlir and 'nc.node "Conv"' not in mlir


def small_model(opset=17, ir=8):
    w = numpy_helper.from_array(
        np.arange(16 * 3 * 3 * 3, dtype=np.float32).reshape(16, 3, 3, 3) / 1000,
        "w")
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c"], ["y"])]
    graph = helper.make_graph(
        nodes, "small",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                       ["N", 3, 8, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], [w])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                             ir_version=ir)


def test_external_data_in_and_out(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    onnx.save(small_model(), src / "model.onnx", save_as_external_data=True,
              all_tensors_to_one_file=True, location="weights.bin",
              size_threshold=0)
    assert (src / "weights.bin").exists()
    mlir = tmp_path / "model.mlir"
    out = tmp_path / "out.onnx"
    run_tool("nc-translate", "--import-onnx", src / "model.onnx", "-o", mlir)
    run_tool("nc-translate", "--export-onnx", "--external-data", mlir,
             "-o", out)
    # Initializers of 1 KiB or more go to <model>.data.
    assert (tmp_path / "out.onnx.data").stat().st_size >= 16 * 27 * 4
    assert out.stat().st_size < 1000  # the weights are not inline
    x = np.random.default_rng(0).random((2, 3, 8, 8), dtype=np.float32)
    assert_identical(src / "model.onnx", out, [{"x": x}])


@pytest.mark.parametrize("opset,ir", [(21, 10), (23, 11)])
def test_newer_opset_than_libonnx(opset, ir, tmp_path):
    """libonnx 1.12 stops at opset 17 / IR 8; NC must not."""
    path = tmp_path / "model.onnx"
    onnx.save(small_model(opset, ir), path)
    exported = roundtrip(path, tmp_path)
    m = onnx.load(str(exported))
    assert m.ir_version == ir and m.opset_import[0].version == opset
    x = np.random.default_rng(0).random((1, 3, 8, 8), dtype=np.float32)
    assert_identical(path, exported, [{"x": x}])


def test_existing_output_kept_on_failure(tmp_path):
    """A failed export leaves a previous output byte for byte unchanged."""
    out = tmp_path / "model.onnx"
    out.write_bytes(b"previous model")
    bad = tmp_path / "bad.mlir"
    bad.write_text("func.func @main() { %0 = arith.constant 1 : i32 return }")
    proc = run_tool("nc-translate", "--export-onnx", bad, "-o", out,
                    check=False)
    assert proc.returncode != 0
    assert out.read_bytes() == b"previous model"
    assert [p.name for p in tmp_path.iterdir()] == sorted(
        ["bad.mlir", "model.onnx"]) or set(os.listdir(tmp_path)) == {
        "bad.mlir", "model.onnx"}
