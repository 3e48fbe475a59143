"""Shared fixtures of NC's Python tests: where the tools are, helpers to run
them, and ONNX Runtime configured as the oracle (no graph optimizations,
one thread, so that results are reproducible bit for bit)."""
import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = pathlib.Path(os.environ.get("NC_BIN_DIR", ROOT / "build" / "bin"))
TESTDATA = pathlib.Path("/usr/share/libonnx-testdata/data")
OCR_MODELS = ROOT / "third_party" / "models" / "ocr-models-1.4.2" / "assets"


def nc_tool(name):
    path = BIN / name
    if not path.exists():
        pytest.fail(f"{path} is not built (run scripts/test.sh)")
    return str(path)


def run_tool(name, *args, check=True):
    proc = subprocess.run([nc_tool(name), *map(str, args)],
                          capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise AssertionError(f"{name} {' '.join(map(str, args))} failed "
                             f"({proc.returncode}):\n{proc.stderr}")
    return proc


def roundtrip(model, workdir):
    """ONNX -> nc MLIR text -> re-parse -> ONNX. Returns the exported path."""
    mlir = pathlib.Path(workdir) / "model.mlir"
    out = pathlib.Path(workdir) / "model.nc.onnx"
    run_tool("nc-translate", "--import-onnx", model, "-o", mlir)
    run_tool("nc-translate", "--export-onnx", mlir, "-o", out)
    return out


def ort_session(path):
    import onnxruntime as ort
    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 3
    return ort.InferenceSession(str(path), opts,
                                providers=["CPUExecutionProvider"])
