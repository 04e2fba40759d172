"""The committed JSON Schemas match the pydantic models, are named by every data file, and are published."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

from probes.model.report import SCHEMA_REF
from probes.model.status import Status

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "gen_schema.py"
SCHEMA_DIR = ROOT / "docs" / "schema"


def _load_script():
    spec = importlib.util.spec_from_file_location("gen_schema", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gen_schema = _load_script()


def test_committed_schemas_match_the_models() -> None:
    outdated = [p.name for p in gen_schema.stale(SCHEMA_DIR)]
    assert outdated == [], "stale schema: run python scripts/gen_schema.py and commit docs/schema/"


def test_check_mode_exits_1_with_one_line_on_drift(tmp_path: Path) -> None:
    assert gen_schema.main(["--out", str(tmp_path)]) == 0

    def check() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, str(SCRIPT), "--check", "--out", str(tmp_path)],
            capture_output=True,
            text=True,
            timeout=60,
        )

    assert check().returncode == 0
    schema = tmp_path / "report.schema.json"
    schema.write_text(schema.read_text(encoding="utf-8").replace('"untested"', '"unknown"'), encoding="utf-8")
    run = check()
    assert run.returncode == 1
    assert run.stderr.count("\n") == 1
    assert "report.schema.json" in run.stderr
    assert "catalog.schema.json" not in run.stderr
    (tmp_path / "catalog.schema.json").unlink()
    assert "catalog.schema.json" in check().stderr


def test_report_schema_follows_the_model() -> None:
    schema = json.loads((SCHEMA_DIR / "report.schema.json").read_text(encoding="utf-8"))
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert "$schema" in schema["properties"]
    assert schema["additionalProperties"] is False
    assert {"run_id", "implementation", "origin", "created", "results"} <= set(schema["required"])
    status = schema["$defs"]["Status"]
    assert status["enum"] == [s.value for s in Status]


def test_every_data_file_names_a_schema_that_exists() -> None:
    files = sorted((ROOT / "data").rglob("*.json"))
    assert files
    for path in files:
        named = json.loads(path.read_text(encoding="utf-8")).get("$schema")
        assert named, f"{path} names no $schema"
        target = (path.parent / named).resolve()
        assert target.parent == SCHEMA_DIR, f"{path}: {named}"
        assert target.is_file(), f"{path}: {named}"
    assert (ROOT / "data/reports/x/y.json").parent.joinpath(SCHEMA_REF).resolve() == (
        SCHEMA_DIR / "report.schema.json"
    )


def test_the_site_publishes_the_schemas(site: Path) -> None:
    for name in gen_schema.SCHEMAS:
        published = site / "schema" / name
        assert published.read_text(encoding="utf-8") == (SCHEMA_DIR / name).read_text(encoding="utf-8")
