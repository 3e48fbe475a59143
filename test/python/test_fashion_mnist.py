"""The Fashion-MNIST CNN the project trains (models/fashion_mnist/train.py,
exported ONNX committed): its fp32 accuracy on the real test set in ONNX
Runtime, and NC's runtime against ONNX Runtime on real images."""
import subprocess
import sys

import numpy as np
import pytest

from conftest import ROOT, nc_tool, ort_session

sys.path.insert(0, str(ROOT / "models" / "fashion_mnist"))
from data import DATA, load  # noqa: E402

MODEL = ROOT / "models" / "fashion_mnist" / "model.onnx"

pytestmark = pytest.mark.skipif(
    not (ROOT / "models" / "fashion_mnist" / "model.onnx").exists(),
    reason="model not trained yet")


def test_fp32_accuracy_at_least_90_percent():
    x, y = load("test")
    logits = ort_session(MODEL).run(None, {"image": x})[0]
    accuracy = float((logits.argmax(1) == y).mean())
    print(f"\nFashion-MNIST CNN, fp32, ONNX Runtime: top-1 {accuracy:.2%} "
          f"on {len(y)} test images ({DATA})")
    assert accuracy >= 0.90


def test_nc_runtime_matches_onnxruntime(tmp_path):
    x, y = load("test")
    x = x[:256]
    np.save(tmp_path / "image.npy", x)
    proc = subprocess.run([nc_tool("nc"), "run", MODEL, "--input",
                           f"image={tmp_path / 'image.npy'}", "--output-dir",
                           tmp_path], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    got = np.load(tmp_path / "logits.npy")
    want = ort_session(MODEL).run(None, {"image": x})[0]
    # Logits of magnitude ~10; float32 sums in another order.
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)
    assert (got.argmax(1) == want.argmax(1)).all()
