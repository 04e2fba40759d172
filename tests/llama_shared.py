"""One llama-server for the whole test session: started on first use, stopped by its pid at exit.

Several test modules probe the real server (the prober's facts, the GitHub Action's script, the
canary) and the gateways put their own in front of one; starting the model once keeps the suite
lean on a two-core machine.
"""

from __future__ import annotations

import llama_server
from real_servers import started


def shared_server() -> llama_server.LlamaServer:
    """The session's running llama-server; skips the test, saying why, when it is not installed."""
    server = started(llama_server.LlamaServer)
    assert isinstance(server, llama_server.LlamaServer)
    return server
