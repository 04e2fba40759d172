"""The ``aioc`` command line for someone choosing a server: ``show`` takes an implementation id,
``catalog`` prints ids whole when piped or narrow, and no help text shows docstring markup."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import probed_report, write_json

from probes.cli.main import build_parser, main
from probes.load.dataset import load_dataset

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
CATALOG = load_dataset(DATA).catalog
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def run_aioc(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``aioc`` in a fresh interpreter with stdout a pipe, as a script or ``| grep`` sees it."""
    return subprocess.run(
        [sys.executable, "-m", "probes", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
    )


# ---- aioc show ID -----------------------------------------------------------------------------


PASS = {
    "row": "models.list",
    "status": "pass",
    "evidence": [{"request": {"method": "GET", "path": "/v1/models"}, "response": {"status": 200}}],
}


def test_show_takes_an_implementation_id_and_shows_its_newest_report(data_copy: Path) -> None:
    now = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(minutes=5)
    reports = data_copy / "reports" / "llama-cpp"
    # newest by created, not by file name: the older run's name sorts last
    write_json(
        reports / "llama-cpp-zz-old.json",
        probed_report("llama-cpp-zz-old", "llama-cpp", now - dt.timedelta(days=1), [PASS]),
    )
    write_json(reports / "llama-cpp-aa-new.json", probed_report("llama-cpp-aa-new", "llama-cpp", now, [PASS]))
    shown = run_aioc("show", "llama-cpp", "--format", "json", "--data", str(data_copy))
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["run_id"] == "llama-cpp-aa-new"
    assert "llama-cpp-aa-new.json (the newest of" in shown.stderr  # which file it was
    table = run_aioc("show", "llama-cpp", "--data", str(data_copy))
    assert table.returncode == 0 and "llama-cpp-aa-new" in table.stdout


def test_a_report_file_is_still_shown_by_its_path() -> None:
    path = sorted((DATA / "reports" / "vllm").glob("*.json"))[0]
    shown = run_aioc("show", str(path), "--format", "json")
    assert shown.returncode == 0 and shown.stderr == ""
    assert json.loads(shown.stdout)["run_id"] == path.stem


def test_show_of_a_listed_implementation_without_reports_says_so(data_copy: Path) -> None:
    implementations = json.loads((data_copy / "implementations.json").read_text(encoding="utf-8"))
    listed = [impl["id"] for impl in implementations["implementations"]]
    empty = listed[-1]
    for report in (data_copy / "reports" / empty).glob("*.json"):
        report.unlink()  # listed, with no report on file
    shown = run_aioc("show", empty, "--data", str(data_copy))
    assert shown.returncode == 2 and shown.stderr.count("\n") == 1
    assert f"no report of implementation {empty!r}" in shown.stderr


def test_show_of_an_id_that_is_neither_names_both_readings() -> None:
    shown = run_aioc("show", "no-such-server")
    assert shown.returncode == 2
    assert shown.stderr.count("\n") == 1 and "Traceback" not in shown.stderr
    assert "no report file and no implementation named 'no-such-server'" in shown.stderr


# ---- aioc catalog -----------------------------------------------------------------------------


def whole(row_id: str, line: str) -> bool:
    """True when the id stands in the line as a whole word (not a prefix of a longer id)."""
    return re.search(rf"(?<![\w.-]){re.escape(row_id)}(?![\w.-])", line) is not None


def test_catalog_piped_prints_every_id_whole_on_one_line() -> None:
    listed = run_aioc("catalog", env={"COLUMNS": "60"})
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0].split("\t") == ["id", "title", "family", "kind", "sections"]
    assert [line.split("\t")[0] for line in lines[1:]] == list(CATALOG.rows)
    assert all(len(line.split("\t")) == 5 for line in lines)


@pytest.mark.parametrize("columns", ["80", "200"])
def test_catalog_on_a_terminal_prints_every_id_whole(columns: str) -> None:
    listed = run_aioc("catalog", env={"FORCE_COLOR": "1", "COLUMNS": columns})
    assert listed.returncode == 0, listed.stderr
    assert "\x1b[" in listed.stdout, "FORCE_COLOR should make rich draw for a terminal"
    lines = ANSI.sub("", listed.stdout).splitlines()
    broken = [row_id for row_id in CATALOG.rows if not any(whole(row_id, line) for line in lines)]
    assert broken == []


# ---- help -------------------------------------------------------------------------------------


COMMANDS = list(build_parser()._subparsers._group_actions[0].choices)  # type: ignore[union-attr]


@pytest.mark.parametrize("command", ["", *COMMANDS])
def test_help_shows_no_restructuredtext_markup(command: str, capsys) -> None:
    with pytest.raises(SystemExit) as done:
        main([*([command] if command else []), "--help"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    assert text.startswith("usage: aioc")
    assert "``" not in text and ":func:" not in text and ":mod:" not in text


def test_help_keeps_the_words_the_markup_held(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["show", "--help"])
    assert "aioc show REPORT: one report" in capsys.readouterr().out
