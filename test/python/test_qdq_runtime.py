"""NC's runtime on a whole QDQ graph against ONNX Runtime.

ONNX Runtime fuses DequantizeLinear -> op -> QuantizeLinear into int8
kernels with its own requantization; NC's runtime executes the graph as
written (dequantize, compute in float32, quantize with ONNX's exact
semantics). The two therefore differ by rounding, which compounds through
the layers. This test measures the difference in quantization steps on
every quantized activation of the text-orientation classifier quantized by
ORT's own quantize_static, prints it, and bounds it. The model's input
quantization, which ORT does not fuse, must be bit-exact."""
import subprocess

import numpy as np
import onnx
from onnx import version_converter
from onnxruntime.quantization import (CalibrationDataReader, QuantFormat,
                                      QuantType, quantize_static)

from conftest import OCR_MODELS, nc_tool


class Reader(CalibrationDataReader):
    def __init__(self, samples):
        self.it = iter(samples)

    def get_next(self):
        return next(self.it, None)


def test_qdq_graph_matches_onnxruntime_within_steps(tmp_path):
    import onnxruntime as ort
    rng = np.random.default_rng(0)
    fp32 = version_converter.convert_version(
        onnx.load(OCR_MODELS / "ch_ppocr_mobile_v2.0_cls_infer.onnx"), 13)
    onnx.save(fp32, tmp_path / "fp32.onnx")
    calib = [{"x": rng.random((1, 3, 48, 192), dtype=np.float32)}
             for _ in range(8)]
    quantize_static(str(tmp_path / "fp32.onnx"), str(tmp_path / "qdq.onnx"),
                    Reader(calib), quant_format=QuantFormat.QDQ,
                    per_channel=True, activation_type=QuantType.QUInt8,
                    weight_type=QuantType.QInt8)
    # Expose every quantized activation (QuantizeLinear of a non-constant).
    q = onnx.load(tmp_path / "qdq.onnx")
    consts = {t.name for t in q.graph.initializer}
    acts = [n.output[0] for n in q.graph.node
            if n.op_type == "QuantizeLinear" and n.input[0] not in consts]
    for name in acts:
        q.graph.output.append(onnx.helper.make_empty_tensor_value_info(name))
    onnx.save(q, tmp_path / "qdq_all.onnx")

    x = rng.random((4, 3, 48, 192), dtype=np.float32)
    np.save(tmp_path / "x.npy", x)
    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    want = ort.InferenceSession(str(tmp_path / "qdq_all.onnx"), opts,
                                providers=["CPUExecutionProvider"]).run(
        None, {"x": x})
    proc = subprocess.run([nc_tool("nc"), "run", tmp_path / "qdq_all.onnx",
                           "--input", f"x={tmp_path / 'x.npy'}",
                           "--output-dir", tmp_path],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    got = [np.load(line.rsplit(" -> ", 1)[1])
           for line in proc.stdout.splitlines() if " -> " in line]
    assert len(got) == len(want) == len(acts) + 1

    steps = [np.abs(a.astype(np.int32) - b.astype(np.int32))
             for a, b in zip(want[1:], got[1:])]
    worst = max(int(s.max()) for s in steps)
    mean = float(np.mean([s.mean() for s in steps]))
    differing = float(np.mean([(s > 0).mean() for s in steps]))
    probs = float(np.abs(want[0] - got[0]).max())
    print(f"\nQDQ classifier, {len(acts)} quantized activations: NC vs ORT "
          f"differ on {differing:.1%} of values, by {mean:.2f} steps on "
          f"average and {worst} at most; output probabilities by {probs:.4f}")
    # The input's QuantizeLinear is not fused by ORT: exact semantics.
    assert np.array_equal(want[1], got[1])
    assert mean < 1.0 and differing < 0.3
    assert probs < 0.1
    assert (want[0].argmax(1) == got[0].argmax(1)).all()
