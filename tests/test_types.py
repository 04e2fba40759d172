"""The type hints are checked: mypy (configured in pyproject.toml, with pydantic's plugin) runs clean
over probes/ and scripts/. A planted mistake shows that it looks."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MYPY = [sys.executable, "-m", "mypy", "--no-incremental"]


def test_probes_and_scripts_type_check() -> None:
    run = subprocess.run([*MYPY], cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Success: no issues found" in run.stdout


def test_a_planted_type_error_is_found(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "probes", tmp_path / "probes", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "scripts").mkdir()
    target = tmp_path / "probes" / "model" / "status.py"
    target.write_text(target.read_text() + '\n\nPLANTED: int = "not a number"\n')
    run = subprocess.run(
        [*MYPY, "probes"], cwd=tmp_path, capture_output=True, text=True, timeout=600, check=False
    )
    assert run.returncode == 1, run.stdout
    assert "probes/model/status.py" in run.stdout and "[assignment]" in run.stdout
