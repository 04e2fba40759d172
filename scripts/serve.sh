#!/usr/bin/env bash
# Set up the site's tools on a fresh machine and serve the site at http://127.0.0.1:8000 with live reload.
#   scripts/serve.sh [mkdocs serve arguments]
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e .
export NO_MKDOCS_2_WARNING=1
exec .venv/bin/mkdocs serve --dev-addr 127.0.0.1:8000 "$@"
