#!/usr/bin/env bash
# test.sh - set up, build and run every test of NC (what CI runs).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${NC_BUILD_DIR:-$ROOT/build}"
"$ROOT/scripts/setup.sh"
"$ROOT/scripts/build.sh"
export PATH="$ROOT/.venv/bin:$PATH"
echo "== unit tests (GoogleTest)"
ctest --test-dir "$BUILD" --output-on-failure -j2
echo "== lit tests"
lit -sv "$BUILD/test"
echo "== Python tests (ONNX Runtime as the oracle)"
NC_BIN_DIR="$BUILD/bin" python -m pytest -q -rs "$ROOT/test/python"
echo "== benchmarks (smoke: CI checks that they run; see benchmarks/)"
python "$ROOT/benchmarks/runtime_vs_ort.py" --quick
"$ROOT/scripts/fuzz.sh"
