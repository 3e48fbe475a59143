#!/usr/bin/env bash
# demo.sh - set up, build and run NC's main job on the bundled default model.
#
# Until the compressor exists, the main job is the lossless round trip:
# import the PaddleOCR v4 text recognizer into the nc dialect, export it back
# to ONNX, run both in ONNX Runtime and check that they agree bit for bit.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${NC_BUILD_DIR:-$ROOT/build}"
"$ROOT/scripts/setup.sh"
"$ROOT/scripts/build.sh"
MODEL="${1:-$ROOT/third_party/models/ocr-models-1.4.2/assets/ch_PP-OCRv4_rec_infer.onnx}"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
"$BUILD/bin/nc-translate" --import-onnx "$MODEL" -o "$OUT/model.mlir"
"$BUILD/bin/nc-translate" --export-onnx "$OUT/model.mlir" -o "$OUT/model.nc.onnx"
"$ROOT/.venv/bin/python" "$ROOT/scripts/compare_ort.py" "$MODEL" "$OUT/model.nc.onnx" "$OUT/model.mlir"
