"""NC's runtime against ONNX Runtime (fp32), same model, same inputs, same
thread count. Each engine runs in its own process (oneDNN's OpenMP threads
would otherwise skew ORT), runs are interleaved, and the table prints the
median latency of each and the ratio NC/ORT (goal: <= 1.1 on conv models).

usage: runtime_vs_ort.py [--quick] [--rounds R] [--iterations N]
This is a benchmark, not a test: CI only checks that it runs (--quick)."""
import argparse
import os
import pathlib
import re
import statistics
import subprocess
import sys
import tempfile

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
NC = ROOT / "build" / "bin" / "nc"
MODELS = ROOT / "third_party" / "models" / "ocr-models-1.4.2" / "assets"
CASES = [  # model, input shape for batch b
    ("ch_ppocr_mobile_v2.0_cls_infer.onnx", lambda b: (b, 3, 48, 192)),
    ("ch_PP-OCRv4_rec_infer.onnx", lambda b: (b, 3, 48, 320)),
    ("ch_PP-OCRv4_det_infer.onnx", lambda b: (b, 3, 320, 320)),
]

ORT_SCRIPT = r"""
import sys, time, statistics, numpy as np, onnxruntime as ort
model, npy, threads, warmup, n = sys.argv[1:6]
o = ort.SessionOptions()
o.intra_op_num_threads = int(threads); o.inter_op_num_threads = 1
s = ort.InferenceSession(model, o, providers=["CPUExecutionProvider"])
feed = {s.get_inputs()[0].name: np.load(npy)}
for _ in range(int(warmup)): s.run(None, feed)
t = []
for _ in range(int(n)):
    a = time.perf_counter(); s.run(None, feed); t.append((time.perf_counter() - a) * 1e3)
print(statistics.median(t))
"""


def nc_median(model, npy, threads, warmup, n):
    with tempfile.TemporaryDirectory() as out:
        proc = subprocess.run(
            [str(NC), "run", str(model), "--input", f"x={npy}", "--output-dir",
             out, "--threads", str(threads), "--warmup", str(warmup),
             "--repeat", str(n)], capture_output=True, text=True, check=True)
    return float(re.search(r"median latency ([0-9.]+)", proc.stdout).group(1))


def ort_median(model, npy, threads, warmup, n):
    proc = subprocess.run([sys.executable, "-c", ORT_SCRIPT, str(model), npy,
                           str(threads), str(warmup), str(n)],
                          capture_output=True, text=True, check=True)
    return float(proc.stdout.strip())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true",
                    help="one small configuration, to check the script runs")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--iterations", type=int, default=10)
    args = ap.parse_args()
    cases = CASES[:1] if args.quick else CASES
    batches, thread_counts = ([1], [1]) if args.quick else ([1, 8], [1, 2])
    rounds = 1 if args.quick else args.rounds
    n = 2 if args.quick else args.iterations
    print(f"{'model':40} {'batch':>5} {'thr':>3} {'NC ms':>9} {'ORT ms':>9} "
          f"{'NC/ORT':>7}")
    with tempfile.TemporaryDirectory() as tmp:
        for name, shape in cases:
            for b in batches:
                npy = os.path.join(tmp, f"x{b}.npy")
                np.save(npy, np.random.default_rng(0).random(
                    shape(b), dtype=np.float32))
                for t in thread_counts:
                    ncs, orts = [], []
                    for _ in range(rounds):  # interleaved
                        ncs.append(nc_median(MODELS / name, npy, t, 2, n))
                        orts.append(ort_median(MODELS / name, npy, t, 2, n))
                    a, o = statistics.median(ncs), statistics.median(orts)
                    print(f"{name:40} {b:5} {t:3} {a:9.2f} {o:9.2f} "
                          f"{a / o:7.2f}", flush=True)


if __name__ == "__main__":
    main()
