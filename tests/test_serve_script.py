"""scripts/serve.sh says in one line when its address is taken, and how to pick another."""

from __future__ import annotations

import socket
import subprocess

from conftest import ROOT


def test_a_taken_port_is_one_line_with_the_way_out() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        addr = f"127.0.0.1:{taken.getsockname()[1]}"
        done = subprocess.run(
            ["bash", "scripts/serve.sh", "--dev-addr", addr],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    assert done.returncode == 1
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert lines == [
        f"scripts/serve.sh: {addr} is already in use; pick another address, "
        "e.g. scripts/serve.sh --dev-addr 127.0.0.1:8001"
    ], done.stderr
