"""What every real server aioc starts has in common: one process on 127.0.0.1, an API key, a probe.

Each ``scripts/<name>_server.py`` subclasses :class:`RealServer` with the command line, the
environment and the files its server needs, and calls :func:`main` for the shell interface:

    python scripts/<name>_server.py probe --output data/reports/<implementation>/   # start, probe, stop
    python scripts/<name>_server.py serve                                           # start, print URL, wait

The rules every server follows here:
- bound to 127.0.0.1 on a free port, with a random API key that is passed in a file or the
  environment (never on the command line, where a process list shows it) and never printed;
- started in a session of its own and stopped by its process id (SIGTERM to the process group
  the pid leads, then SIGKILL), so worker processes a server forks go with it;
- nothing downloads at run time: hub and telemetry variables are set to offline;
- the model is the shipped Gemma 3 270M, a base model, given :data:`CHAT_TEMPLATE`, aioc's one Gemma 3
  turn template, the way each server takes a template.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, ClassVar

import httpx

SCRIPTS = Path(__file__).resolve().parent
ROOT = SCRIPTS.parent
CHAT_TEMPLATE = SCRIPTS / "chat_templates" / "gemma3.jinja"
"""aioc's Gemma 3 turn template: the GGUF carries none, so without it each server picks its own."""

MODEL_FILE = "gemma3-270m-q4_k_m.gguf"
SERVED_MODEL = "gemma-3-270m"
"""The name every server but llama-server (which keeps its historic alias) serves the model as."""

BASE_MODEL_WORDS = (
    "The model is the base Gemma 3 270M (not instruction-tuned; the GGUF carries no chat template), "
    "served with aioc's Gemma 3 turn template `scripts/chat_templates/gemma3.jinja`; rows that depend "
    "on what the model can do (tool calls it chooses to make, vision, audio) say so rather than "
    "blame the server."
)

OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "DO_NOT_TRACK": "1",
    "VLLM_NO_USAGE_STATS": "1",
    "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    "TELEMETRY_ENABLED": "false",
}


class ServerUnavailable(Exception):
    """The server or its model is not installed here; the message says how to install it."""


def cache_dir() -> Path:
    """Where installs and converted models are kept between runs: ``$AIOC_CACHE`` or ~/.cache/aioc."""
    return Path(os.environ.get("AIOC_CACHE", Path.home() / ".cache" / "aioc"))


def model_file() -> Path:
    """The shipped GGUF, assembled once by ``scripts/install_llama_server.sh``."""
    model = Path(os.environ.get("LLAMA_SERVER_MODEL", cache_dir() / "models" / MODEL_FILE))
    if not model.is_file():
        raise ServerUnavailable(
            f"model {model.name} not found; run: bash scripts/install_llama_server.sh .venv/bin/python"
        )
    return model


def installed_python(name: str, variable: str) -> Path:
    """The interpreter of a server's cached environment (``scripts/install_server.sh NAME``)."""
    given = os.environ.get(variable)
    if given:
        python = Path(given)
    else:
        found = sorted(cache_dir().glob(f"{name}-*/.complete"))
        if not found:
            raise ServerUnavailable(f"{name} is not installed; run: bash scripts/install_server.sh {name}")
        python = found[-1].parent / "bin" / "python"
    if not python.is_file():
        raise ServerUnavailable(f"{variable} names no interpreter: {python}")
    return python


def package_version(python: Path, distribution: str) -> str:
    """The installed version of a distribution in another environment, asked of its interpreter."""
    answer = subprocess.run(
        [str(python), "-c", f"from importlib.metadata import version; print(version({distribution!r}))"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return answer.stdout.strip() or "unknown"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RealServer:
    """One server process on 127.0.0.1: started on enter, stopped by its pid on exit.

    Subclasses set the class attributes and implement :meth:`command`; :meth:`prepare` writes
    whatever files the command needs into the private work directory first.
    """

    implementation: ClassVar[str]
    """The report's implementation id (a column of ``data/implementations.json``)."""
    label: ClassVar[str]
    """How messages name the server."""
    health_path: ClassVar[str] = "/health"
    health_needs_key: ClassVar[bool] = False
    startup_timeout: ClassVar[float] = 180.0
    served_model: ClassVar[str] = SERVED_MODEL
    embedding_model: ClassVar[str | None] = None
    probe_options: ClassVar[dict[str, Any]] = {"concurrency": 4, "timeout": 120.0, "deadline": 900.0}

    def __init__(self, *, api_key: str | None = None) -> None:
        self.api_key = api_key or "aioc-" + secrets.token_urlsafe(24)
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self.workdir: Path | None = None
        self.started_in: float | None = None
        self.backend: RealServer | None = None
        """A gateway's upstream server: started before it and stopped after it."""

    # -- what a subclass says -------------------------------------------------------------------
    def command(self) -> list[str]:
        """The full command line (no secrets: those go in files or the environment)."""
        raise NotImplementedError

    def environment(self) -> dict[str, str]:
        """Variables added to the server's environment (the key, when it takes one there)."""
        return {}

    def prepare(self) -> None:
        """Write configuration files into :attr:`workdir` before the command runs."""

    def version(self) -> str:
        """What the report names as the version probed: the package and its version."""
        raise NotImplementedError

    def note(self) -> str:
        """The report's source note: exactly how the server was started."""
        raise NotImplementedError

    def secrets(self) -> list[str]:
        """Every secret this server knows, for redaction: its key and any backend's key."""
        return [self.api_key, *(self.backend.secrets() if self.backend else [])]

    # -- shared behaviour -----------------------------------------------------------------------
    @property
    def root_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """The OpenAI-style base URL of the running server."""
        return f"{self.root_url}/v1"

    @property
    def log_path(self) -> Path:
        """Where the server's own output goes (in the work directory, removed on stop)."""
        assert self.workdir is not None
        return self.workdir / "server.log"

    def log_tail(self, size: int = 800) -> str:
        """The end of the server's log, with every secret taken out."""
        try:
            text = self.log_path.read_text(errors="replace")[-size:]
        except OSError:
            return ""
        for secret in self.secrets():
            text = text.replace(secret, "[redacted]")
        return text

    def private_file(self, name: str, text: str) -> Path:
        """A file only this user can read, in the work directory (keys, configs naming keys)."""
        assert self.workdir is not None
        path = self.workdir / name
        path.touch(mode=0o600)
        path.write_text(text, encoding="utf-8")
        return path

    def start(self) -> None:
        """Start the backend (if any), then the process, and wait until its health route answers 200."""
        began = time.monotonic()
        if self.backend is not None:
            self.backend.start()
        self.workdir = Path(tempfile.mkdtemp(prefix=f"aioc-{self.implementation}-"))
        self.port = free_port()
        self.prepare()
        env = os.environ | OFFLINE_ENV | self.environment()
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                self.command(),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                cwd=self.workdir,
                start_new_session=True,
            )
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.health_needs_key else {}
        deadline = began + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                code, tail = self.process.returncode, self.log_tail()
                kept = self.keep_log()
                self.stop()
                raise RuntimeError(f"{self.label} exited with {code} (whole log: {kept}): {tail}")
            try:
                answer = httpx.get(self.root_url + self.health_path, headers=headers, timeout=5)
                if answer.status_code == 200:
                    self.started_in = time.monotonic() - began
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        tail, kept = self.log_tail(), self.keep_log()
        self.stop()
        raise RuntimeError(
            f"{self.label} did not answer within {self.startup_timeout:g} s (whole log: {kept}): {tail}"
        )

    def keep_log(self) -> Path:
        """Copy the server's log, secrets taken out, to the cache's logs/ before the work dir goes."""
        target = cache_dir() / "logs" / f"{self.implementation}.log"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(self.log_tail(size=2_000_000), encoding="utf-8")
        return target

    def stop(self) -> None:
        """Stop the process group its pid leads (SIGTERM, SIGKILL after 20 s); remove the work dir."""
        if self.process is not None and self.process.poll() is None:
            _signal_group(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                _signal_group(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        if self.process is not None:
            _signal_group(self.process.pid, signal.SIGKILL)  # workers the server left behind
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None
        if self.backend is not None:
            self.backend.stop()

    def __enter__(self) -> RealServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def probe_config(self, **options: Any) -> Any:  # -> ProbeConfig
        """The prober's configuration for this running server."""
        from probes.prober.run import ProbeConfig

        return ProbeConfig(
            base_url=self.base_url,
            implementation=self.implementation,
            model=self.served_model,
            embedding_model=self.embedding_model,
            api_key=self.api_key,
            implementation_version=self.version(),
            note=self.note(),
            **(self.probe_options | options),
        )

    def probe(self, **options: Any) -> Any:  # -> Report
        """Run every probe against the server and return the report."""
        from probes.load.dataset import load_reference
        from probes.load.paths import default_data_dir
        from probes.prober.endpoints import REGISTRY
        from probes.prober.run import run_probes

        problems: list[Any] = []
        reference = load_reference(default_data_dir(), problems)
        if reference.catalog is None:
            raise RuntimeError(f"the catalog cannot be read: {problems[:1]}")
        rows = [row for row in reference.catalog.rows.values() if row.id in REGISTRY]
        return asyncio.run(run_probes(self.probe_config(**options), rows))


def _signal_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


def write_report(server: RealServer, report: Any, output: str) -> Path:
    """Write the report as committed (every secret the servers know redacted) and say where."""
    from probes.model.redact import Redactor
    from probes.prober.run import report_json

    path = Path(output)
    as_dir = path.is_dir() or output.endswith(("/", os.sep))
    target = path / f"{report.run_id}.json" if as_dir else path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(Redactor(server.secrets())(report_json(report)), encoding="utf-8")
    return target


def main(make: type[RealServer], argv: list[str] | None = None, doc: str | None = None) -> int:
    """``probe``: start, probe, write the report, stop. ``serve``: start and wait for Ctrl-C."""
    parser = argparse.ArgumentParser(description=(doc or "").split("\n\n")[0], allow_abbrev=False)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("probe", help="start the server, probe it, write the report, stop it")
    run.add_argument(
        "--output", required=True, help="report file, or a directory (ending in /) for <run_id>.json"
    )
    run.add_argument("--concurrency", type=int, default=None)
    run.add_argument("--deadline", type=float, default=None)
    commands.add_parser("serve", help="start the server and print its base URL until interrupted")
    args = parser.parse_args(argv)
    try:
        server = make()
    except ServerUnavailable as exc:
        print(f"{Path(sys.argv[0]).name}: {exc}", file=sys.stderr)
        return 2
    options = {
        key: value for key, value in (("concurrency", args.__dict__.get("concurrency")),
                                      ("deadline", args.__dict__.get("deadline"))) if value is not None
    }  # fmt: skip
    # SIGTERM (a CI job ending, `kill PID`) unwinds like Ctrl-C, so the server and its backend stop too
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    began = time.monotonic()
    try:
        with server:
            print(f"{server.label} answered after {server.started_in:.0f} s", file=sys.stderr)
            if args.command == "serve":
                print(f"{server.label} at {server.base_url} (model {server.served_model}); Ctrl-C stops it")
                try:
                    while server.process and server.process.poll() is None:
                        time.sleep(1)
                except KeyboardInterrupt:
                    pass
                return 0
            report = server.probe(**options)
    except RuntimeError as exc:
        print(f"{Path(sys.argv[0]).name}: {exc}", file=sys.stderr)
        return 1
    target = write_report(server, report, args.output)
    counts: dict[str, int] = {}
    for result in report.results:
        counts[result.status.symbol] = counts.get(result.status.symbol, 0) + 1
    summary = " · ".join(f"{symbol} {count}" for symbol, count in counts.items())
    print(f"wrote {target} ({summary}) in {time.monotonic() - began:.0f} s")
    return 0
