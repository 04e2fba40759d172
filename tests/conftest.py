"""Shared fixtures: a copy of data/ to plant files in, and a real MkDocs build of the site into tmp."""

from __future__ import annotations

import datetime as dt
import functools
import json
import shutil
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config

from probes.model.report import SCHEMA_REF

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
sys.path.insert(0, str(ROOT / "scripts"))  # the real servers' scripts, imported by the tests that start them


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A writable copy of the repository's data/ directory."""
    target = tmp_path / "data"
    shutil.copytree(DATA, target)
    return target


def only_seeds(data_dir: Path, implementation: str) -> Path:
    """Leave only an implementation's seed reports in a data copy, so that a test alone decides what
    comes after the seed's grades (later sourced or probed reports would otherwise be newer)."""
    for other in (data_dir / "reports" / implementation).glob("*.json"):
        if not other.name.endswith("-seed.json"):
            other.unlink()
    return data_dir


def write_json(path: Path, payload: Any) -> Path:
    """Write a data file the way contributors do (UTF-8, indented)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def probed_report(run_id: str, impl: str, created: dt.datetime, results: list[dict]) -> dict:
    """A report as ``aioc probe`` writes one: version, prober and evidence for every tested cell."""
    return {
        "$schema": SCHEMA_REF,
        "run_id": run_id,
        "implementation": impl,
        "implementation_version": "b5000",
        "origin": "probed",
        "created": created.isoformat().replace("+00:00", "Z"),
        "models": ["gemma-3-270m"],
        "base_url": "http://127.0.0.1:8080/v1",
        "prober": "aioc 0.1.0",
        "results": results,
    }


def build_site(
    site_dir: Path, data_dir: Path | None = None, *, hooks: list[str] | None = None, **aioc_options: Any
) -> Path:
    """Build the real site (mkdocs.yml, hook, theme overrides) into ``site_dir`` and return it.

    ``hooks`` replaces mkdocs.yml's list of hooks, to build beside another plugin.
    """
    options = {"data_dir": str(data_dir or DATA), "stale_after_days": 365, **aioc_options}
    overrides: dict[str, Any] = {"site_dir": str(site_dir), "extra": {"aioc": options}}
    if hooks is not None:
        overrides["hooks"] = hooks
    config = load_config(str(ROOT / "mkdocs.yml"), **overrides)
    mkdocs_build(config)
    return site_dir


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site built once from the repository's own data."""
    return build_site(tmp_path_factory.mktemp("site"))


@pytest.fixture
def build(tmp_path: Path) -> Callable[..., Path]:
    """Build the site from a given data directory into a fresh folder."""
    counter = iter(range(100))

    def run(data_dir: Path, **options: Any) -> Path:
        return build_site(tmp_path / f"site{next(counter)}", data_dir, **options)

    return run


def reader_text(tag: Any) -> str:
    """A tag's text as a reader sees it: ``<wbr>`` break points join the words around them."""
    html = str(tag).replace("<wbr/>", "").replace("<wbr>", "")
    return BeautifulSoup(html, "html.parser").get_text(" ", strip=True)


def page(site_dir: Path, path: str) -> BeautifulSoup:
    """Parse one built page."""
    return BeautifulSoup((site_dir / path).read_text(encoding="utf-8"), "html.parser")


class QuietHandler(SimpleHTTPRequestHandler):
    """A static file handler that keeps test output clean; failures show up as browser errors."""

    def log_message(self, format: str, *args: Any) -> None:
        """Log nothing."""


@contextmanager
def served(site: Path, handler: type[SimpleHTTPRequestHandler] = QuietHandler) -> Iterator[int]:
    """Serve a built site from a thread on 127.0.0.1 at a free port (yielded) until the block ends."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        server.server_close()
