#!/usr/bin/env bash
# Set up the site's tools on a fresh machine and serve the site at http://127.0.0.1:8000 with live reload.
#   scripts/serve.sh [mkdocs serve arguments]      e.g. --dev-addr 127.0.0.1:8001 for another port
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e .
export NO_MKDOCS_2_WARNING=1

addr=127.0.0.1:8000
for arg in "$@"; do
    case "$arg" in --dev-addr=*) addr=${arg#--dev-addr=} ;; esac
done
previous=""
for arg in "$@"; do
    [ "$previous" = "--dev-addr" ] && addr=$arg
    previous=$arg
done
# One line, not mkdocs' traceback, when the port is taken.
if ! .venv/bin/python -c 'import socket, sys
host, port = sys.argv[1].rsplit(":", 1)
with socket.socket() as s:
    s.bind((host, int(port)))' "$addr" 2>/dev/null; then
    echo "scripts/serve.sh: $addr is already in use; pick another address, e.g. scripts/serve.sh --dev-addr 127.0.0.1:8001" >&2
    exit 1
fi
case " $* " in
    *" --dev-addr "*|*" --dev-addr="*) exec .venv/bin/mkdocs serve "$@" ;;
    *) exec .venv/bin/mkdocs serve --dev-addr "$addr" "$@" ;;
esac
