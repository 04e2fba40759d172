"""The package's layers, as import-linter contracts in pyproject.toml.

cli → site | prober → matrix → load → model, and the prober imports only the model.

The contracts are only worth something if they can fail, so each test plants an import that breaks
one of them in a copy of the package and checks that import-linter names it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint(tree: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(tree / "pyproject.toml"), "--no-cache"],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_package_keeps_its_layers() -> None:
    result = lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_every_subpackage_is_in_a_layer() -> None:
    """A new subpackage outside the contracts would be unchecked: name it in pyproject.toml."""
    layered = {"cli", "site", "prober", "matrix", "load", "model"}
    found = {p.name for p in (ROOT / "probes").iterdir() if (p / "__init__.py").is_file()}
    assert found == layered
    loose = sorted(
        p.name for p in (ROOT / "probes").glob("*.py") if p.name not in {"__init__.py", "__main__.py"}
    )
    assert loose == [], f"modules outside every layer: {loose}"


@pytest.mark.parametrize(
    ("module", "planted", "contract"),
    [
        ("model/base.py", "import probes.load.dataset", "Layers"),
        ("load/paths.py", "import probes.matrix.merge", "Layers"),
        ("matrix/merge.py", "import probes.site.render", "Layers"),
        ("site/render.py", "import probes.cli.main", "Layers"),
        ("prober/http.py", "import probes.load.dataset", "The prober imports only"),
        ("prober/sse.py", "import probes.matrix.merge", "The prober imports only"),
    ],
)
def test_a_planted_import_breaks_a_contract(tmp_path: Path, module: str, planted: str, contract: str) -> None:
    shutil.copytree(ROOT / "probes", tmp_path / "probes", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / "probes" / module
    target.write_text(target.read_text() + f"\n{planted}  # planted by the test\n")
    result = lint(tmp_path)
    assert result.returncode != 0, result.stdout
    broken = [line for line in result.stdout.splitlines() if line.endswith("BROKEN")]
    assert any(line.startswith(contract) for line in broken), result.stdout
    assert planted.split()[-1] in result.stdout
