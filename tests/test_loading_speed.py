"""The loader keeps nothing between loads and leaves the garbage collector alone: a rebuild under
``mkdocs serve`` sees every change, and a load in one pass finds what a strict reading finds."""

from __future__ import annotations

import gc
import json
from pathlib import Path

import pytest
from conftest import DATA, write_json

from probes.load.dataset import DataError, load_dataset
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
    """An unchanged report is checked again against the catalog and implementations of this load."""
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
    assert problem.line is not None, "line numbers come from the text"


def test_a_load_leaves_the_garbage_collector_as_it_found_it() -> None:
    """Library code changes no process-wide state: the hook may pause the collector, the loader does not."""
    frozen, enabled = gc.get_freeze_count(), gc.isenabled()
    load_dataset(DATA)
    assert (gc.get_freeze_count(), gc.isenabled()) == (frozen, enabled)
    gc.disable()
    try:
        load_dataset(DATA)
        assert not gc.isenabled(), "a caller's pause is left as it was"
    finally:
        if enabled:
            gc.enable()


BAD = Path(__file__).parent / "bad_reports"


def test_the_strict_reading_catches_what_pydantic_lets_through(data_copy: Path) -> None:
    """Why the loader decodes with json.loads and hooks: pydantic's JSON parser takes a duplicate key
    silently (the last value wins), and the loader does not."""
    duplicate = BAD / "duplicate_keys.json"
    Report.model_validate_json(duplicate.read_bytes())  # no error
    run_id = json.loads(duplicate.read_text(encoding="utf-8", errors="replace"))["run_id"]
    (data_copy / f"reports/llama-cpp/{run_id}.json").write_bytes(duplicate.read_bytes())
    with pytest.raises(DataError, match=rf"{run_id}\.json:\d+: results\[1\]\.status: this key appears twice"):
        load_dataset(data_copy)
