"""The Contributing page shows real output: its example commands are re-run here and must still match.

Numbers are compared loosely (any digits match any digits), so that a new report, which changes the
file count, does not make the page wrong; every word and every path must still be there, in order.
Lines the page leaves out are marked ``…``.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "contributing.md"
BLOCK = re.compile(r"^```(\w+)\n(.*?)^```", re.DOTALL | re.MULTILINE)


def blocks(language: str) -> list[str]:
    return [body for lang, body in BLOCK.findall(PAGE.read_text(encoding="utf-8")) if lang == language]


def loose(line: str) -> str:
    return re.sub(r"\d+", "0", line.rstrip())


CONSOLE = blocks("console")


def test_the_page_has_the_examples() -> None:
    commands = [block.splitlines()[0] for block in CONSOLE]
    assert any(c.startswith("$ aioc validate") for c in commands)
    assert any(c.startswith("$ aioc diff") for c in commands)


@pytest.mark.parametrize("block", CONSOLE, ids=[b.splitlines()[0][2:60] for b in CONSOLE])
def test_example_output_is_what_the_command_prints(block: str) -> None:
    command, *expected = block.rstrip("\n").splitlines()
    assert command.startswith("$ aioc ")
    args = shlex.split(command[2:])[1:]
    run = subprocess.run(
        [sys.executable, "-m", "probes", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    actual = [loose(line) for line in (run.stdout + run.stderr).splitlines()]
    shown = [loose(line) for line in expected if line.strip() != "…"]
    if len(shown) == len(expected):
        assert actual == shown, f"{command}: the page no longer shows the whole output"
        return
    position = 0
    for line in shown:
        if line not in actual[position:]:
            pytest.fail(f"{command}: the page shows a line the command no longer prints here:\n{line}")
        position = actual.index(line, position) + 1


def test_json_excerpt_is_taken_from_the_file_it_names() -> None:
    page = PAGE.read_text(encoding="utf-8")
    named = re.search(r"`(data/reports/[^`]+\.json)`, with two of its results", page).group(1)
    [excerpt] = [json.loads(body) for body in blocks("json")]
    real = json.loads((ROOT / named).read_text(encoding="utf-8"))
    for key, value in excerpt.items():
        if key != "results":
            assert real[key] == value, key
    for result in excerpt["results"]:
        assert result in real["results"]


def adding_a_probe() -> str:
    text = PAGE.read_text(encoding="utf-8")
    return text.split("## Adding a probe", 1)[1].split("\n## ", 1)[0]


def test_adding_a_probe_shows_the_real_catalog_row() -> None:
    """The worked row is the catalog's own entry, field for field, in a matrix section."""
    section = adding_a_probe()
    [shown] = [
        json.loads(body) for lang, body in BLOCK.findall(section.replace("\n    ", "\n")) if lang == "json"
    ]
    catalog = json.loads((ROOT / "data" / "catalog" / "endpoints.json").read_text(encoding="utf-8"))
    assert shown in catalog["rows"]
    sections = [s for m in catalog["matrices"] for s in m["sections"]]
    assert any(shown["id"] in s["rows"] for s in sections)


def test_adding_a_probe_quotes_the_probe_as_it_is() -> None:
    """Every line of the probe the page quotes (but the ``...`` gaps) is in its module, in order."""
    section = adding_a_probe().replace("\n    ", "\n")
    [shown] = [body for lang, body in BLOCK.findall(section) if lang == "python"]
    source = (ROOT / "probes" / "prober" / "endpoints" / "models.py").read_text(encoding="utf-8")
    lines = [line.strip() for line in source.splitlines()]
    position = 0
    for line in (line.strip() for line in shown.splitlines()):
        if line in ("", "..."):
            continue
        assert line in lines[position:], f"the page quotes a line the probe no longer has: {line}"
        position = lines.index(line, position) + 1
