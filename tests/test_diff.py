"""``aioc diff``: which cells change between two reports, or when a report joins the matrix."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import write_json

from probes.cli.main import main
from probes.load.dataset import LoadedReport
from probes.matrix.diff import (
    Kind,
    diff_against_matrix,
    diff_reports,
    format_markdown,
    format_text,
    md_cell,
    ordered,
)
from probes.model.catalog import Row
from probes.model.report import Report
from probes.model.status import Status

EVIDENCE = [{"request": {"method": "GET", "path": "/v1/models"}, "response": {"status": 200}}]


def report_dict(run_id: str, created: str, results: list[tuple], implementation: str = "llama-cpp") -> dict:
    """A probed report; each result is ``(row, status)`` or ``(row, status, message)``."""
    return {
        "run_id": run_id,
        "implementation": implementation,
        "implementation_version": "b1",
        "origin": "probed",
        "created": created,
        "prober": "aioc 0.1.0",
        "results": [
            {
                "row": r[0],
                "status": r[1],
                "message": r[2] if len(r) > 2 else "",
                "evidence": EVIDENCE if Status(r[1]).tested else [],
            }
            for r in results
        ],
    }


def report(*args, **kwargs) -> Report:
    return Report.model_validate(report_dict(*args, **kwargs))


def loaded(rep: Report) -> LoadedReport:
    return LoadedReport(f"reports/{rep.implementation}/{rep.run_id}.json", rep)


def test_reports_diff_lists_grade_note_added_and_removed_rows_only() -> None:
    old = report(
        "old",
        "2026-05-01T00:00:00Z",
        [("a", "pass"), ("b", "pass"), ("c", "deviation", "slow"), ("d", "fail"), ("same", "pass")],
    )
    new = report(
        "new",
        "2026-05-02T00:00:00Z",
        [
            ("a", "pass"),
            ("b", "fail", "404"),
            ("c", "deviation", "very slow"),
            ("e", "pass"),
            ("same", "pass"),
        ],
    )
    changes = {c.row: c for c in diff_reports(old, new)}
    assert set(changes) == {"b", "c", "d", "e"}
    assert changes["b"].kind is Kind.STATUS
    assert (changes["b"].before.status, changes["b"].after.status) == (Status.PASS, Status.FAIL)
    assert changes["c"].kind is Kind.NOTE
    assert changes["d"].kind is Kind.REMOVED and changes["d"].after is None
    assert changes["e"].kind is Kind.ADDED and changes["e"].before is None


def test_evidence_alone_is_not_a_change() -> None:
    old = report_dict("old", "2026-05-01T00:00:00Z", [("a", "pass")])
    new = report_dict("new", "2026-05-02T00:00:00Z", [("a", "pass")])
    new["results"][0]["evidence"] = [{**EVIDENCE[0], "label": "second try"}]
    assert diff_reports(Report.model_validate(old), Report.model_validate(new)) == []


def test_against_matrix_follows_the_merge_rules() -> None:
    manual = report("seed", "2026-05-16T00:00:00Z", [("a", "pass"), ("b", "pass"), ("c", "fail")])
    other = report("vllm-seed", "2026-05-16T00:00:00Z", [("a", "fail")], implementation="vllm")
    existing = [loaded(manual), loaded(other)]

    newer = report(
        "probe",
        "2026-05-20T00:00:00Z",
        [("a", "pass"), ("b", "deviation", "no [DONE]"), ("c", "untested", "no model"), ("z", "pass")],
    )
    changes = {c.row: c for c in diff_against_matrix(existing, loaded(newer))}
    # b changes grade, z is a new cell, a keeps its grade (now from the probe), c keeps the older
    # graded fail because untested never hides a grade; the vllm column is untouched.
    assert set(changes) == {"a", "b", "z"}
    assert changes["b"].kind is Kind.STATUS
    assert changes["z"].kind is Kind.ADDED
    assert changes["a"].kind is Kind.SOURCE and not changes["a"].visible
    assert all(c.implementation == "llama-cpp" for c in changes.values())

    older = report("old-probe", "2026-01-01T00:00:00Z", [("a", "fail"), ("b", "fail")])
    assert diff_against_matrix(existing, loaded(older)) == [], "an older run must not change what shows"


def test_a_report_already_in_data_is_compared_with_the_matrix_without_it() -> None:
    seed = report("seed", "2026-05-16T00:00:00Z", [("a", "pass")])
    probe = report("probe", "2026-05-20T00:00:00Z", [("a", "fail")])
    # In a pull request the new file is already under data/: it must not be its own "before".
    [change] = diff_against_matrix([loaded(seed), loaded(probe)], loaded(probe))
    assert (change.before.run, change.after.run) == ("seed", "probe")
    assert (change.before.status, change.after.status) == (Status.PASS, Status.FAIL)


def test_changes_are_ordered_by_column_then_catalog_row() -> None:
    old = report("old", "2026-05-01T00:00:00Z", [("z", "pass"), ("a", "pass"), ("m", "pass")])
    new = report("new", "2026-05-02T00:00:00Z", [("z", "fail"), ("a", "fail"), ("m", "fail")])
    rows = {rid: Row(id=rid, title=rid.upper(), kind="endpoint", family="chat") for rid in ("m", "z", "a")}
    assert [c.row for c in ordered(diff_reports(old, new), rows)] == ["m", "z", "a"]
    assert [c.row for c in ordered(diff_reports(old, new))] == ["a", "m", "z"]


def test_text_and_markdown_show_before_and_after() -> None:
    old = report("old", "2026-05-01T00:00:00Z", [("a", "pass"), ("b", "pass")])
    new = report(
        "new", "2026-05-02T00:00:00Z", [("a", "deviation", "ends without `[DONE]` | @octocat"), ("b", "pass")]
    )
    changes = diff_reports(old, new)
    text = format_text(changes)
    assert "was ✅ pass (probed 2026-05-01, run old)" in text
    assert "now ⚠️ pass with deviation (probed 2026-05-02, run new): ends without [DONE]" in text
    assert text.rstrip().endswith("1 cell changes.")

    markdown = format_markdown(changes, title="**old → new**")
    table = [line for line in markdown.splitlines() if line.startswith("|")]
    assert len(table) == 3  # header, rule, one change
    assert table[2].count(" | ") == 4, "the pipe in the note must not open a new column"
    assert "\\|" in table[2]
    assert "@octocat" not in markdown, "a note must not mention anyone in a PR comment"
    assert "✅ pass<br><sub>probed 2026-05-01</sub>" in table[2]


def test_no_change_says_so() -> None:
    same = report("a", "2026-05-01T00:00:00Z", [("a", "pass")])
    assert format_text(diff_reports(same, same)) == "No cell changes.\n"
    assert "|" not in format_markdown([])


def test_md_cell_keeps_one_line() -> None:
    assert md_cell("one\ntwo |  three") == "one two \\| three"


def test_cli_against_matrix_on_a_copy_of_data(data_copy: Path, tmp_path: Path, capsys) -> None:
    for probed_run in (data_copy / "reports" / "llama-cpp").glob("*.json"):
        if "seed" not in probed_run.name:
            probed_run.unlink()  # the test compares against the seed cell; a newer real run would win
    seed = sorted((data_copy / "reports" / "llama-cpp").glob("*core-seed.json"))[0]
    cells = {r["row"]: r for r in json.loads(seed.read_text(encoding="utf-8"))["results"]}
    flipped = "models.list"
    new_status = "fail" if cells[flipped]["status"] != "fail" else "pass"
    fresh = write_json(
        tmp_path / "fresh.json",
        report_dict("llama-cpp-2099-probe", "2026-06-01T00:00:00Z", [(flipped, new_status, "gone")]),
    )
    assert main(["diff", "--data", str(data_copy), "--against-matrix", str(fresh)]) == 0
    out = capsys.readouterr().out
    before = Status(cells[flipped]["status"])
    assert f"llama-cpp / {flipped} (/v1/models)" in out
    assert f"was {before.symbol} {before.label} (manual" in out
    assert f"now {Status(new_status).symbol}" in out
    assert (
        main(["diff", "--data", str(data_copy), "--against-matrix", "--format", "markdown", str(fresh)]) == 0
    )
    assert f"| llama-cpp | `{flipped}` /v1/models |" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["only-one.json"], "give two reports"),
        (["--against-matrix", "a.json", "b.json"], "takes one report"),
        (["missing.json", "missing2.json"], "missing.json: no such file"),
    ],
)
def test_cli_usage_errors(args: list[str], message: str, capsys) -> None:
    assert main(["diff", *args]) == 2
    assert message in capsys.readouterr().err


def test_cli_refuses_an_invalid_report_naming_file_and_path(capsys) -> None:
    bad = Path(__file__).parent / "bad_reports" / "unknown_status.json"
    good = sorted((Path(__file__).parents[1] / "data" / "reports").rglob("*.json"))[0]
    assert main(["diff", str(good), str(bad)]) == 2
    err = capsys.readouterr().err
    assert "unknown_status.json:32: results[1].status:" in err
