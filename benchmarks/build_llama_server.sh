#!/usr/bin/env bash
# Builds llama.cpp's own C++ `llama-server` (the benchmark's peer) from the llama.cpp
# sources vendored in the pinned llama-cpp-python sdist, with the same portable CPU
# flags as the node. Output goes to benchmarks/.cache/ (git-ignored, never committed).
set -euo pipefail
cd "$(dirname "$0")"
VERSION=$(grep -oE 'llama-cpp-python==[0-9.]+' ../pyproject.toml | cut -d= -f3)
CACHE=.cache
BUILD=$CACHE/llama-server-build
BIN=$BUILD/bin/llama-server
TARGETS=${TARGETS:-llama-server}
if [ -x "$BIN" ] && [ "$TARGETS" = "llama-server" ]; then echo "$BIN"; exit 0; fi
mkdir -p "$CACHE/sdist"
if [ ! -d "$CACHE/src" ]; then
  ../.venv/bin/pip download -q --no-deps --no-binary :all: "llama-cpp-python==$VERSION" -d "$CACHE/sdist" >&2
  mkdir -p "$CACHE/src"
  tar -xzf "$CACHE"/sdist/llama_cpp_python-"$VERSION".tar.gz -C "$CACHE/src" --strip-components=1
fi
cmake -S "$CACHE/src/vendor/llama.cpp" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release \
  -DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_AVX512=OFF -DGGML_FMA=ON -DGGML_F16C=ON \
  -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=ON >&2
cmake --build "$BUILD" --target $TARGETS -j "$(nproc)" >&2
echo "$BIN"
