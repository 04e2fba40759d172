"""The loader's shortcuts for large data change nothing it finds: cached parses, skipped walks,
reading in two processes."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
from conftest import DATA, write_json

from probes.cli.commands.validate import validate
from probes.load import dataset, strict_read
from probes.load.dataset import DataError, load_dataset
from probes.load.strict_read import StrictReader
from probes.model.report import SCHEMA_REF, Report


def manual(run_id: str, status: str) -> dict:
    return {
        "$schema": SCHEMA_REF,
        "run_id": run_id,
        "implementation": "ollama",
        "origin": "manual",
        "created": "2026-04-01T00:00:00Z",
        "source": "https://example.org/notes",
        "results": [{"row": "embeddings", "status": status}],
    }


def status_of(data: Path) -> str:
    loaded = load_dataset(data)
    report = next(r.report for r in loaded.reports if r.report.run_id == "ollama-cache-check")
    return report.results[0].status.value


def test_a_rebuild_sees_every_change_to_a_report(data_copy: Path) -> None:
    """As under mkdocs serve: the same process loads again after a file changed."""
    target = data_copy / "reports/ollama/ollama-cache-check.json"
    write_json(target, manual("ollama-cache-check", "pass"))
    assert status_of(data_copy) == "pass"
    assert status_of(data_copy) == "pass"
    write_json(target, manual("ollama-cache-check", "fail"))
    assert status_of(data_copy) == "fail", "changed bytes are parsed again"
    target.write_text('{"run_id": ', encoding="utf-8")
    with pytest.raises(DataError, match=r"ollama-cache-check\.json"):
        load_dataset(data_copy)
    write_json(target, manual("ollama-cache-check", "pass"))
    assert status_of(data_copy) == "pass"


def test_cross_file_rules_still_apply_to_unchanged_reports(data_copy: Path) -> None:
    """A cached report is checked again against the catalog and implementations of this load."""
    target = data_copy / "reports/ollama/ollama-cache-check.json"
    write_json(target, manual("ollama-cache-check", "pass"))
    load_dataset(data_copy)
    implementations = data_copy / "implementations.json"
    listed = json.loads(implementations.read_text(encoding="utf-8"))
    listed["implementations"] = [i for i in listed["implementations"] if i["id"] != "ollama"]
    write_json(implementations, listed)
    with pytest.raises(DataError) as caught:
        load_dataset(data_copy)
    problem = next(p for p in caught.value.problems if p.file.endswith("ollama-cache-check.json"))
    assert "unknown implementation 'ollama'" in problem.message
    assert problem.line is not None, "line numbers come from the text, cached or not"


def test_the_cache_keeps_only_files_of_the_last_load(data_copy: Path) -> None:
    target = data_copy / "reports/ollama/ollama-cache-check.json"
    write_json(target, manual("ollama-cache-check", "pass"))
    load_dataset(data_copy)
    assert any(shown.endswith("ollama-cache-check.json") for shown, _ in dataset._PARSED)
    target.unlink()
    load_dataset(data_copy)
    assert not any(shown.endswith("ollama-cache-check.json") for shown, _ in dataset._PARSED)


@pytest.mark.parametrize(
    ("text", "odd"),
    [
        ('{"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}', False),
        ("[" * 32 + "]" * 32, False),
        ("[" * 33 + "]" * 33, True),
        ('{"a": ' * 33 + "1" + "}" * 33, True),
        ('{"a": "\\ud800"}', True),
        ('{"a": "\\\\ud800 is how you write it"}', True),
        ('{"a": "caf\\u00e9"}', False),
        ("7", False),
    ],
)
def test_the_walk_is_skipped_only_where_it_would_find_nothing(text: str, odd: bool) -> None:
    data = json.loads(text)
    assert dataset._may_be_odd(text, data) is odd
    bad, deep = dataset._odd_values(data)
    if bad or deep is not None:
        assert odd, "a file the walk would flag is never skipped"


BAD = Path(__file__).parent / "bad_reports"


@pytest.fixture
def in_two(monkeypatch: pytest.MonkeyPatch) -> list[set[int] | None]:
    """Loads read in two processes from the first file on, as loads of a thousand reports do.

    Returns what the second process answered, one entry per load, so a test can tell it ran.
    """
    monkeypatch.setattr(dataset, "PARALLEL_FROM", 1)
    monkeypatch.setattr(dataset, "_usable_cores", lambda: 2)
    answers: list[set[int] | None] = []
    ask = StrictReader.refused

    def recorded(self: StrictReader) -> set[int] | None:
        answers.append(ask(self))
        return answers[-1]

    monkeypatch.setattr(StrictReader, "refused", recorded)
    dataset._PARSED.clear()
    return answers


def loaded(data: Path) -> list[tuple[str, Report]]:
    return [(r.path, r.report) for r in load_dataset(data).reports]


def test_reading_in_two_processes_gives_the_same_reports(in_two: list) -> None:
    dataset._PARSED.clear()
    with pytest.MonkeyPatch.context() as serial:
        serial.setattr(dataset, "PARALLEL_FROM", 10**9)
        expected = loaded(DATA)
    dataset._PARSED.clear()
    assert loaded(DATA) == expected
    assert in_two == [set()], "the second process read every file and refused none"
    assert loaded(DATA) == expected
    assert len(in_two) == 1, "a rebuild with every file unchanged reads from the cache, in one process"


def test_reading_in_two_processes_finds_the_same_problems(in_two: list) -> None:
    """The bad-report corpus: the same problems, messages and lines as a load in one process."""
    with pytest.MonkeyPatch.context() as serial:
        serial.setattr(dataset, "PARALLEL_FROM", 10**9)
        expected, _ = validate([BAD], DATA)
    dataset._PARSED.clear()
    problems, _ = validate([BAD], DATA)
    assert problems == expected
    assert len(in_two) == 1 and in_two[0], "the second process refused the files a strict reading refuses"


def test_the_second_process_catches_what_pydantic_lets_through() -> None:
    """Why it exists: pydantic's JSON parser takes a duplicate key silently; the strict reading does not."""
    duplicate = BAD / "duplicate_keys.json"
    Report.model_validate_json(duplicate.read_bytes())  # no error: the last value wins
    good = next((DATA / "reports").rglob("*.json"))
    assert strict_read.refused([str(good), str(duplicate), str(BAD / "nan_value.json")]) == [1, 2]


def test_a_failed_second_process_leaves_a_serial_load(
    in_two: list, monkeypatch: pytest.MonkeyPatch, data_copy: Path
) -> None:
    expected = loaded(DATA)
    dataset._PARSED.clear()
    monkeypatch.setattr(sys, "executable", shutil.which("false"))
    shutil.copy(BAD / "duplicate_keys.json", data_copy / "reports/llama-cpp/dupe.json")
    with pytest.raises(DataError, match=r"dupe\.json:\d+: results\[1\]\.status: this key appears twice"):
        load_dataset(data_copy)
    assert in_two[-1] is None, "the second process failed, and the load went on without it"
    (data_copy / "reports/llama-cpp/dupe.json").unlink()
    dataset._PARSED.clear()
    assert [report for _, report in loaded(data_copy)] == [report for _, report in expected]


def test_a_site_built_from_two_readings_is_the_same_site(in_two: list, build, site: Path) -> None:
    """The whole build, matrices, pages and exports, as when a thousand reports are read in two processes."""
    ours = build(DATA)
    assert in_two == [set()]
    names = sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file())
    assert names == sorted(p.relative_to(ours).as_posix() for p in ours.rglob("*") if p.is_file())
    differ = [
        n for n in names if n != "sitemap.xml.gz" and (site / n).read_bytes() != (ours / n).read_bytes()
    ]
    assert differ == []


@pytest.mark.parametrize("executable", ["false", "", "/nonexistent/python"])
def test_no_second_process_means_a_serial_load(
    in_two: list, monkeypatch: pytest.MonkeyPatch, executable: str
) -> None:
    """An interpreter that fails, or none at all: the load goes on in one process and finds the same."""
    expected = loaded(DATA)
    dataset._PARSED.clear()
    monkeypatch.setattr(sys, "executable", shutil.which(executable) if executable == "false" else executable)
    assert loaded(DATA) == expected


def test_file_names_with_line_breaks_keep_their_place(in_two: list, tmp_path: Path) -> None:
    """The second process is told the files by name: a name with a line break must not shift the rest."""
    odd = tmp_path / "a\nb.json"
    shutil.copy(BAD / "duplicate_keys.json", odd)
    good = next((DATA / "reports").rglob("*.json"))
    reader = StrictReader([odd, good, BAD / "nan_value.json"])
    try:
        assert reader.refused() == {0, 2}
    finally:
        reader.stop()


def test_an_answer_about_other_files_is_not_used() -> None:
    """Should the second process read a different number of files than it was given, its indices
    cannot be trusted to name ours: the answer is dropped and every file is read in this process."""
    good = next((DATA / "reports").rglob("*.json"))
    reader = StrictReader([good, BAD / "nan_value.json"])
    reader._count += 1  # as if one name had been lost on the way
    try:
        assert reader.refused() is None
    finally:
        reader.stop()
