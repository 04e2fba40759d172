"""One llama-server for the whole test session: started on first use, stopped by its pid at exit.

Several test modules probe the real server (the prober's facts, the GitHub Action's script, the
canary); starting the model once keeps the suite lean on a two-core machine.
"""

from __future__ import annotations

import atexit
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import llama_server  # noqa: E402

_server: llama_server.LlamaServer | None = None


def shared_server() -> llama_server.LlamaServer:
    """The session's running llama-server; skips the test, saying why, when it is not installed."""
    global _server
    if _server is None:
        try:
            server = llama_server.LlamaServer()
        except llama_server.LlamaServerUnavailable as exc:
            pytest.skip(f"llama-server is not installed: {exc}")
        server.start()
        atexit.register(server.stop)
        _server = server
    return _server
