"""The loader's shortcuts for large data change nothing it finds: cached parses, skipped walks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import write_json

from probes import dataset
from probes.dataset import DataError, load_dataset
from probes.report import SCHEMA_REF


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
