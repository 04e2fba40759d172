"""Reports as JUnit, Markdown and exit codes, and the show/catalog commands that print them."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from probes.cli.formats import FailOn, exit_code, to_junit, to_markdown
from probes.load.dataset import load_dataset
from probes.model.report import Origin, Report

ROOT = Path(__file__).resolve().parents[1]
CATALOG = load_dataset(ROOT / "data").catalog


def evidence(status: int, body: str) -> list[dict]:
    return [
        {
            "request": {"method": "POST", "path": "/v1/chat/completions"},
            "response": {"status": status, "body": body},
        }
    ]


REPORT = Report.model_validate(
    {
        "run_id": "demo-20261101-0a1b2c3d",
        "implementation": "llama-cpp",
        "implementation_version": "b9999",
        "origin": "probed",
        "prober": "aioc 0.1.0",
        "created": "2026-11-01T10:00:00Z",
        "results": [
            {"row": "chat.completions", "status": "pass", "evidence": evidence(200, "{}")},
            {
                "row": "errors.envelope",
                "status": "deviation",
                "message": "no `param` key | and code is an int",
                "evidence": evidence(400, '{"error":{"code":400}}'),
            },
            {
                "row": "models.retrieve",
                "status": "fail",
                "message": "404 File Not Found",
                "evidence": evidence(404, '{"error":{"message":"File Not Found"}}'),
            },
            {"row": "server.remote_access", "status": "untested", "message": "cannot be probed from outside"},
            {"row": "images.edits", "status": "out_of_scope", "message": "no image model"},
        ],
    }
)


@pytest.mark.parametrize(("fail_on", "expected"), [(FailOn.NONE, 0), (FailOn.FAIL, 1), (FailOn.DEVIATION, 1)])
def test_exit_code_follows_fail_on(fail_on: FailOn, expected: int) -> None:
    assert exit_code(REPORT, fail_on) == expected


def test_exit_code_deviation_bar_is_stricter_than_fail() -> None:
    only_deviation = REPORT.model_copy(
        update={"results": [r for r in REPORT.results if r.status.value != "fail"]}
    )
    assert exit_code(only_deviation, FailOn.FAIL) == 0
    assert exit_code(only_deviation, FailOn.DEVIATION) == 1


@pytest.mark.parametrize("fail_on", list(FailOn))
def test_junit_matches_the_report(fail_on: FailOn) -> None:
    suite = ET.fromstring(to_junit(REPORT, CATALOG, fail_on)).find("testsuite")
    cases = suite.findall("testcase")
    assert len(cases) == len(REPORT.results) == int(suite.get("tests"))
    by_row = {case.get("name").split(":")[0]: case for case in cases}
    assert set(by_row) == {r.row for r in REPORT.results}
    failed = {row for row, case in by_row.items() if case.find("failure") is not None}
    expected = {
        "none": set(),
        "fail": {"models.retrieve"},
        "deviation": {"models.retrieve", "errors.envelope"},
    }
    assert failed == expected[fail_on.value]
    assert int(suite.get("failures")) == len(failed)
    skipped = {row for row, case in by_row.items() if case.find("skipped") is not None}
    assert skipped == {"server.remote_access", "images.edits"}
    if "models.retrieve" in failed:
        failure = by_row["models.retrieve"].find("failure")
        assert "404 File Not Found" in failure.get("message")
        assert "GET" in failure.text or "POST /v1/chat/completions -> 404" in failure.text


def test_markdown_lists_every_row_with_reason_and_escapes_pipes() -> None:
    text = to_markdown(REPORT, CATALOG, FailOn.FAIL)
    assert "❌ below the bar" in text
    for result in REPORT.results:
        title = CATALOG.rows[result.row].title.replace("`", "")
        assert title.replace("|", "\\|") in text
    assert "no param key \\| and code is an int" in text
    assert "| /v1/models/{id} | ❌ not implemented or failing | 404 File Not Found |" in text


def run_aioc(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "probes", *args], capture_output=True, text=True, cwd=ROOT, timeout=60
    )


def test_show_prints_plain_text_when_piped(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    path.write_text(REPORT.model_dump_json(by_alias=True), encoding="utf-8")
    shown = run_aioc("show", str(path))
    assert shown.returncode == 0
    assert "\x1b[" not in shown.stdout, "no colour codes when piped"
    assert "File Not Found" in shown.stdout
    assert run_aioc("show", str(path), "--fail-on", "fail").returncode == 1
    junit = run_aioc("show", str(path), "--format", "junit", "--fail-on", "fail")
    assert ET.fromstring(junit.stdout).find("testsuite").get("failures") == "1"


def test_show_bad_input_is_one_line_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"run_id": "x", "results": [{"row": 3}]}', encoding="utf-8")
    shown = run_aioc("show", str(path))
    assert shown.returncode == 2
    assert str(path) in shown.stderr and "Traceback" not in shown.stderr
    assert len(shown.stderr.strip().splitlines()) == 1


def test_catalog_filters_by_section_and_prints_json() -> None:
    listed = run_aioc("catalog", "--section", "extensions", "--format", "json")
    assert listed.returncode == 0
    rows = json.loads(listed.stdout)
    expected = next(s for s in CATALOG.matrices["core"].sections if s.id == "extensions").rows
    assert [r["id"] for r in rows] == expected
    unknown = run_aioc("catalog", "--section", "nope")
    assert unknown.returncode == 2 and "unknown section" in unknown.stderr


def test_markdown_of_a_hand_entered_report_is_titled_as_one() -> None:
    manual = REPORT.model_copy(
        update={"origin": Origin.MANUAL, "source": "https://example.com/matrix", "run_id": "llama-cpp-seed"}
    )
    heading = to_markdown(manual, CATALOG).splitlines()[0]
    assert heading == "### llama-cpp b9999 — hand-entered report llama-cpp-seed"
    assert "aioc probe" not in to_markdown(manual, CATALOG)
    # a probed run keeps the title CI step summaries show
    assert to_markdown(REPORT, CATALOG).splitlines()[0] == "### aioc probe: llama-cpp b9999"
