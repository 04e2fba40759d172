"""Benchmark ``mkdocs serve``: how long a saved data change takes to reach an open page in the browser.

    .venv/bin/python scripts/bench_serve.py [--repeat 5] [--rev REV ...]

Each tree is copied into a temporary directory and served by ``mkdocs serve`` on 127.0.0.1 at a free
port, with the home page open in Debian's Chromium (Playwright). Then, ``--repeat`` times, a
hand-entered report is saved that turns one TabbyAPI cell from ❌ to ✅ or back, and the time is taken
until the open page shows the new grade (serve rebuilds, the page reloads itself). Serve's own
"Documentation built in … seconds" lines give the rebuild's share of that time.

The floor, measured in the same run: the same docs served without the hook, where a line added to
``docs/index.md`` has to reach the open page. It is what MkDocs and Material take to notice a change,
rebuild the plain docs and reload the page, whatever the hook does; the ratio says what the hook adds.

``--rev`` measures a git revision of this repository the same way (``git archive``), so that before
and after figures come from one run on one machine. Issue 16's target: under 2 s at today's size.
Nothing here touches the network; every directory it writes is temporary and removed at the end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TREE = ("mkdocs.yml", "docs", "overrides", "scripts", "probes", "data")
CHROMIUM = "/usr/bin/chromium"
TARGET_SECONDS = 2.0
CELL = 'tr[id="row-core-audio.speech"] td[data-aioc-col="tabbyapi"]'
CHANGED = "data/reports/tabbyapi/tabbyapi-bench-serve.json"
BUILT = re.compile(r"Documentation built in ([0-9.]+) seconds")


@dataclass
class Result:
    label: str
    to_browser: list[float]
    rebuilds: list[float]

    def line(self, floor: Result | None) -> str:
        seen, built = statistics.median(self.to_browser), statistics.median(self.rebuilds or [0.0])
        ratio = f"   {seen / statistics.median(floor.to_browser):4.2f}x the floor" if floor else ""
        return (
            f"{self.label:<28} to the browser: median {seen:4.2f} s, best {min(self.to_browser):4.2f} s"
            f" · serve's rebuild: median {built:4.2f} s{ratio}"
        )


def copy_tree(into: Path, rev: str | None) -> None:
    """The files a build reads: from the working tree, or from ``rev`` with ``git archive``."""
    into.mkdir(parents=True)
    if rev is None:
        for name in TREE:
            source = ROOT / name
            if source.is_dir():
                shutil.copytree(source, into / name, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy(source, into / name)
        return
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", rev, *TREE], check=True, capture_output=True
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")


def without_hook(into: Path) -> None:
    """The plain docs: mkdocs.yml without its ``hooks:`` list (the markers stay HTML comments)."""
    config = into / "mkdocs.yml"
    text = re.sub(r"(?m)^hooks:\n(?:  - .*\n)+", "", config.read_text(encoding="utf-8"))
    config.write_text(text, encoding="utf-8")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def report(status: str) -> str:
    """A hand-entered report that grades the benchmark's cell ``status``, newer than any on file."""
    created = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)).isoformat(timespec="seconds")
    return json.dumps(
        {
            "$schema": "../../../docs/schema/report.schema.json",
            "run_id": "tabbyapi-bench-serve",
            "implementation": "tabbyapi",
            "origin": "manual",
            "created": created,
            "source": "https://example.org/changelog",
            "results": [
                {"row": "audio.speech", "status": status, "sources": ["https://example.org/changelog"]}
            ],
        }
    )


def measure(label: str, tree: Path, repeat: int, browser: Any, *, plain: bool) -> Result:
    """Serve ``tree``, open its home page, and time ``repeat`` changes until the page shows each."""
    port = free_port()
    log_path = tree / "serve.log"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(tree)}
    with log_path.open("w", encoding="utf-8") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "mkdocs", "serve", "-a", f"127.0.0.1:{port}", "--no-strict"],
            cwd=tree,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        try:
            url = wait_until_served(f"http://127.0.0.1:{port}/", server, log_path)
            page = browser.new_page()
            page.goto(url)
            times = [one_change(page, tree, n, plain=plain) for n in range(repeat)]
            page.close()
        finally:
            server.terminate()
            server.wait(timeout=30)
    built = [float(s) for s in BUILT.findall(log_path.read_text(encoding="utf-8"))[1:]]
    return Result(label, times, built)


def wait_until_served(url: str, server: subprocess.Popen[bytes], log: Path) -> str:
    deadline = time.monotonic() + 300
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return str(response.url)
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                tail = log.read_text(encoding="utf-8")[-1500:]
                raise SystemExit(f"bench_serve: mkdocs serve did not start:\n{tail}") from None
            time.sleep(0.2)


def one_change(page: Any, tree: Path, n: int, *, plain: bool) -> float:
    """Save one change and wait for the open page to show it; the seconds in between."""
    page.wait_for_timeout(1500)  # the last reload has settled and its live-reload poll is open
    if plain:
        token = f"aioc-bench-serve-{n}"
        changed, text = tree / "docs/index.md", (tree / "docs/index.md").read_text(encoding="utf-8")
        text += f"\n{token}\n"
        check, arg = "t => document.body.innerText.includes(t)", token
    else:
        status = "pass" if n % 2 == 0 else "fail"
        changed, text = tree / CHANGED, report(status)
        check, arg = (
            f"s => document.querySelector({json.dumps(CELL)})?.classList.contains(s)",
            f"aioc-{status}",
        )
    if page.evaluate(check, arg):
        raise SystemExit(f"bench_serve: the page already shows the change it is to wait for ({arg})")
    began = time.monotonic()
    changed.write_text(text, encoding="utf-8")
    page.wait_for_function(check, arg=arg, timeout=60_000, polling=20)
    return time.monotonic() - began


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="changes timed per tree (default 5)")
    parser.add_argument("--rev", action="append", default=[], help="also measure this git revision")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="aioc-bench-serve-") as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            floor_tree = Path(tmp) / "plain"
            copy_tree(floor_tree, None)
            without_hook(floor_tree)
            floor = measure("plain docs (floor)", floor_tree, args.repeat, browser, plain=True)
            print(floor.line(None), flush=True)
            for rev in [None, *args.rev]:
                tree = Path(tmp) / (rev or "working-tree").replace("/", "_")
                copy_tree(tree, rev)
                result = measure(rev or "working tree", tree, args.repeat, browser, plain=False)
                print(result.line(floor), flush=True)
                results.append(result)
        finally:
            browser.close()
    mine = results[0]
    verdict = "met   " if statistics.median(mine.to_browser) < TARGET_SECONDS else "MISSED"
    print(
        f"{verdict} a data change reaches the browser in under {TARGET_SECONDS:.0f} s (median of"
        f" {args.repeat}): {statistics.median(mine.to_browser):.2f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
