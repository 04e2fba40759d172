"""``aioc validate`` rejects every kind of bad report, naming the file and the JSON path, never crashing.

The corpus in ``tests/bad_reports/`` holds one flaw per file (the rest of each file is a valid
probed report), so each file must give exactly the problems listed here and nothing else. Files too
big or too deep to commit are generated in the test.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import write_json
from mkdocs.exceptions import Abort

from probes.cli.commands.validate import validate
from probes.cli.main import main
from probes.load.dataset import Problem
from probes.load.files import MAX_FILE_BYTES
from probes.load.json_strict import MAX_DEPTH

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
BAD = ROOT / "tests" / "bad_reports"

DEEP_PATH = 'results[0].evidence[0].response.headers["x-trace"]' + ".inner" * (MAX_DEPTH - 7)

EXPECTED: dict[str, list[tuple[str, str]]] = {
    "truncated.json": [("results[1].message", "ends too early")],
    "wrong_types.json": [("models", "valid list"), ("results[0].runs", "valid integer")],
    "unknown_status.json": [("results[1].status", "Input should be 'pass', 'deviation'")],
    "unknown_row.json": [("results[1].row", "unknown catalog row 'chat.completion' — did you mean")],
    "unknown_implementation.json": [("implementation", "unknown implementation 'llamacpp'")],
    "duplicate_run/b.json": [("run_id", "also used by tests/bad_reports/duplicate_run/a.json")],
    "deeply_nested.json": [(DEEP_PATH, f"nested more than {MAX_DEPTH} levels")],
    "invalid_utf8.json": [("results[1].message", "is not UTF-8")],
    "duplicate_keys.json": [("results[1].status", "appears twice")],
    "script_in_text.json": [("results[1].message", "raw HTML")],
    "javascript_link.json": [("results[1].footnote", "script or data link")],
    "future_date.json": [("created", "2999-01-01 is in the future")],
    "probed_without_evidence.json": [("results[0].evidence", "was probed but carries no evidence")],
    "probed_without_version.json": [("implementation_version", "needs the version")],
    "credentials_in_evidence.json": [("results[0].evidence[0].request.headers", "carries credentials")],
    "manual_without_source.json": [("source", "must cite its source")],
    "nan_value.json": [("results[0].evidence[0].response.elapsed_ms", "NaN is not JSON")],
    "lone_surrogate.json": [("results[1].message", "unpaired surrogate")],
    "huge_number.json": [("results[0].evidence[0].response.status", "thousands of digits")],
    "not_an_object.json": [("$", "valid dictionary")],
    "misspelt_key.json": [("results[0].evidance", "did you mean 'evidence'?")],
}


def shown(name: str) -> str:
    return f"tests/bad_reports/{name}"


def valid_report(run_id: str = "good-run", implementation: str = "llama-cpp") -> dict:
    """A valid probed report, as ``aioc probe`` writes one."""
    return {
        "run_id": run_id,
        "implementation": implementation,
        "implementation_version": "b5000",
        "origin": "probed",
        "created": "2026-05-16T10:00:00Z",
        "models": ["gemma-3-270m"],
        "base_url": "http://127.0.0.1:8080/v1",
        "prober": "aioc 0.1.0",
        "results": [
            {
                "row": "models.list",
                "status": "pass",
                "evidence": [
                    {
                        "request": {"method": "GET", "path": "/v1/models"},
                        "response": {"status": 200, "body": '{"object": "list"}'},
                    }
                ],
            }
        ],
    }


def run_cli(*args: str | Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """Run ``aioc`` in a fresh interpreter, the way a contributor or the workflow does."""
    return subprocess.run(
        [sys.executable, "-m", "probes", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def assert_problems(problems: list[Problem], name: str, expected: list[tuple[str, str]]) -> None:
    ours = [p for p in problems if p.file == shown(name)]
    assert len(ours) == len(expected), "\n".join(map(str, problems))
    for path, fragment in expected:
        match = [p for p in ours if (p.path or "$") == path and fragment in p.message]
        assert match, f"no problem at {path!r} with {fragment!r} in:\n" + "\n".join(map(str, ours))
        assert str(match[0]).startswith(f"{shown(name)}:")
        assert f": {path}: " in str(match[0])


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_bad_report_is_rejected_with_file_and_path(name: str) -> None:
    target = BAD / name.split("/")[0] if "/" in name else BAD / name
    problems, _, _ = validate([target], DATA)
    assert_problems(problems, name, EXPECTED[name])
    assert all(p.file.startswith("tests/bad_reports/") for p in problems)


def test_the_corpus_has_no_file_without_an_expectation() -> None:
    files = {p.relative_to(BAD).as_posix() for p in BAD.rglob("*.json")}
    assert files - {"duplicate_run/a.json"} == set(EXPECTED)


def test_cli_rejects_the_whole_corpus_without_a_traceback() -> None:
    run = run_cli("validate", "--data", DATA, BAD)
    assert run.returncode == 1
    assert "Traceback" not in run.stdout + run.stderr
    lines = run.stdout.splitlines()
    assert len(lines) == sum(len(v) for v in EXPECTED.values())
    for name, expected in EXPECTED.items():
        for path, fragment in expected:
            assert any(
                line.startswith(f"{shown(name)}:") and f": {path}: " in line and fragment in line
                for line in lines
            ), (name, path)
    # The problem lines carry a line number wherever the text could be parsed that far.
    assert any(line.startswith("tests/bad_reports/future_date.json:7: created:") for line in lines)
    files = len(EXPECTED) + 1  # duplicate_run/a.json is valid on its own; data/'s files are not named
    assert run.stderr == f"{len(lines)} problems in {len(EXPECTED)} of {files} files\n"


def test_github_format_annotates_the_line() -> None:
    run = run_cli("validate", "--data", DATA, "--format", "github", BAD / "future_date.json")
    assert run.returncode == 1
    assert run.stdout.startswith(
        "::error file=tests/bad_reports/future_date.json,line=7,title=aioc validate::created: 2999-01-01"
    )


def test_huge_file_is_refused_before_parsing(tmp_path: Path) -> None:
    report = valid_report("huge-run")
    body = "x" * 10_000
    report["results"] = [
        {**report["results"][0], "row": f"row{i}", "message": body}
        for i in range(MAX_FILE_BYTES // 10_000 + 5)
    ]
    target = write_json(tmp_path / "huge.json", report)
    assert target.stat().st_size > MAX_FILE_BYTES
    run = run_cli("validate", "--data", DATA, target)
    assert run.returncode == 1
    assert "Traceback" not in run.stdout + run.stderr
    assert run.stdout.startswith(f"{target}: $: file is ")
    assert f"over the {MAX_FILE_BYTES:,} byte limit" in run.stdout


@pytest.mark.parametrize("opening", ["[", '{"a": '])
def test_json_too_deep_for_the_parser_names_where_it_gets_deep(tmp_path: Path, opening: str) -> None:
    target = tmp_path / "deep.json"
    target.write_text(opening * 200_000, encoding="utf-8")
    run = run_cli("validate", "--data", DATA, target)
    assert run.returncode == 1
    assert "Traceback" not in run.stdout + run.stderr
    step = "[0]" if opening == "[" else ".a"
    assert f": {(step * MAX_DEPTH).lstrip('.')}: is nested more than {MAX_DEPTH} levels" in run.stdout


def test_valid_report_outside_data_passes(tmp_path: Path, capsys) -> None:
    target = write_json(tmp_path / "new-run.json", valid_report())
    assert main(["validate", "--data", str(DATA), str(target)]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert err == "1 file checked, all valid\n"


def test_repository_data_is_valid() -> None:
    problems, count, _ = validate([], DATA)
    assert problems == []
    assert count == len(list(DATA.rglob("*.json")))


def test_single_report_is_checked_against_the_data_catalog(tmp_path: Path) -> None:
    report = valid_report()
    report["results"][0]["row"] = "models.lst"
    problems, _, _ = validate([write_json(tmp_path / "r.json", report)], DATA)
    assert [p.path for p in problems] == ["results[0].row"]
    assert "did you mean 'models.list'" in problems[0].message


def test_run_id_already_in_data_is_a_duplicate(data_copy: Path, tmp_path: Path) -> None:
    existing = sorted((data_copy / "reports").rglob("*.json"))[0]
    run_id = json.loads(existing.read_text(encoding="utf-8"))["run_id"]
    fresh = write_json(tmp_path / "fresh.json", valid_report(run_id))
    problems, _, _ = validate([fresh], data_copy)
    assert len(problems) == 1
    assert problems[0].path == "run_id"
    assert f"also used by data/reports/{existing.parent.name}/{existing.name}" in problems[0].message
    # The existing report checked alone does not collide with itself.
    assert validate([existing], data_copy)[0] == []


def test_reports_in_data_sit_at_implementation_and_run_id(data_copy: Path) -> None:
    write_json(data_copy / "reports/vllm/stray.json", valid_report("stray"))
    write_json(data_copy / "reports/llama-cpp/other-name.json", valid_report("named-run"))
    report = {"$schema": "https://example.com/schema.json", **valid_report("odd-schema")}
    write_json(data_copy / "reports/llama-cpp/odd-schema.json", report)
    problems, _, _ = validate([], data_copy)
    lines = [str(p) for p in problems]
    assert len(lines) == 3, lines
    assert any(
        "data/reports/vllm/stray.json:3: implementation:" in line
        and "move it to reports/llama-cpp/stray.json" in line
        for line in lines
    )
    assert any(
        "data/reports/llama-cpp/other-name.json:2: run_id:" in line and "named-run.json" in line
        for line in lines
    )
    assert any(
        "odd-schema.json:2: $schema: names 'https://example.com/schema.json'" in line for line in lines
    )


def test_broken_catalog_and_implementations_are_reported(data_copy: Path, tmp_path: Path) -> None:
    implementations = json.loads((data_copy / "implementations.json").read_text(encoding="utf-8"))
    implementations["implementations"][0]["homepage"] = "javascript:alert(1)"
    write_json(data_copy / "implementations.json", implementations)
    catalog = sorted((data_copy / "catalog").glob("*.json"))[0]
    text = catalog.read_text(encoding="utf-8")
    catalog.write_text(text.replace('"kind": "endpoint"', '"kind": "endpont"', 1), encoding="utf-8")
    # Even a single report outside data/ shows them: every report is checked against these files.
    problems, _, _ = validate([write_json(tmp_path / "r.json", valid_report())], data_copy)
    assert {(p.file, p.path) for p in problems} == {
        ("data/implementations.json", "implementations[0].homepage"),
        (f"data/catalog/{catalog.name}", "rows[0].kind"),
    }
    assert all(p.line for p in problems)


def test_the_count_is_of_the_files_named(tmp_path: Path, capsys) -> None:
    good = write_json(tmp_path / "good.json", valid_report("good-run"))
    bad = valid_report("bad-run")
    bad["results"][0]["row"] = "models.lst"
    bad = write_json(tmp_path / "bad.json", bad)
    assert main(["validate", "--data", str(DATA), str(good), str(bad)]) == 1
    assert capsys.readouterr().err == "1 problem in 1 of 2 files\n"
    assert main(["validate", "--data", str(DATA), str(good)]) == 0
    assert capsys.readouterr().err == "1 file checked, all valid\n"


def test_with_no_file_named_the_count_is_all_of_data(data_copy: Path, capsys) -> None:
    bad = valid_report("bad-run")
    bad["results"][0]["row"] = "models.lst"
    write_json(data_copy / "reports/llama-cpp/bad-run.json", bad)
    everything = len(list(data_copy.rglob("*.json")))  # the reports, the catalog and the implementations
    assert main(["validate", "--data", str(data_copy)]) == 1
    assert capsys.readouterr().err == f"1 problem in 1 of {everything} files\n"


def test_problems_of_data_itself_are_named_apart_from_the_files_named(
    data_copy: Path, tmp_path: Path, capsys
) -> None:
    implementations = json.loads((data_copy / "implementations.json").read_text(encoding="utf-8"))
    implementations["implementations"][0]["homepage"] = "javascript:alert(1)"
    write_json(data_copy / "implementations.json", implementations)
    report = write_json(tmp_path / "r.json", valid_report())
    assert main(["validate", "--data", str(data_copy), str(report)]) == 1
    err = capsys.readouterr().err
    assert err == (
        "1 problem: 0 in 0 of the 1 file named, 1 in data/implementations.json, which it is checked against\n"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nowhere.json"], "nowhere.json: no such file or directory"),
        (["--data", "tests"], "is not a data directory"),
    ],
)
def test_usage_errors_exit_2_with_one_line(args: list[str], message: str) -> None:
    run = run_cli("validate", *args)
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1
    assert message in run.stderr
    assert "Traceback" not in run.stderr


def test_empty_directory_is_a_usage_error(tmp_path: Path, capsys) -> None:
    assert main(["validate", "--data", str(DATA), str(tmp_path)]) == 2
    assert "holds no .json files" in capsys.readouterr().err


@pytest.mark.parametrize(
    "name", ["script_in_text.json", "invalid_utf8.json", "unknown_row.json", "duplicate_keys.json"]
)
def test_the_build_refuses_bad_reports_too(data_copy: Path, build, caplog, name: str) -> None:
    raw = (BAD / name).read_bytes()
    run_id = json.loads(raw.decode("utf-8", errors="replace"))["run_id"]
    target = data_copy / "reports" / "llama-cpp" / f"{run_id}.json"
    target.write_bytes(raw)
    with pytest.raises(Abort):
        build(data_copy)
    path = EXPECTED[name][0][0]
    assert f"data/reports/llama-cpp/{run_id}.json:" in caplog.text
    assert f": {path}: " in caplog.text


def test_validate_output_matches_what_the_build_loader_says(data_copy: Path) -> None:
    shutil.copy(BAD / "unknown_row.json", data_copy / "reports/llama-cpp/bad-unknown-row.json")
    from probes.load.dataset import DataError, load_dataset

    with pytest.raises(DataError) as caught:
        load_dataset(data_copy)
    assert validate([], data_copy)[0] == caught.value.problems
