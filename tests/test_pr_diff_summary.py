"""The pull-request summary script, run against a real temporary git repository made here."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import DATA, ROOT, write_json

SCRIPT = ROOT / "scripts" / "pr_diff_summary.py"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.invalid",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.invalid",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def git(repo: Path, *args: str) -> str:
    run = subprocess.run(
        ["git", "-C", str(repo), *args],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **GIT_ENV},
    )
    return run.stdout.strip()


def commit(repo: Path, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--allow-empty", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def summary(repo: Path, base: str, head: str = "HEAD", *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--repo", str(repo), "--base", base, "--head", head, *extra],
        capture_output=True,
        text=True,
        timeout=120,
    )


def probed(run_id: str, results: list[tuple[str, str, str]]) -> dict:
    return {
        "$schema": "../../../docs/schema/report.schema.json",
        "run_id": run_id,
        "implementation": "llama-cpp",
        "implementation_version": "b5000",
        "origin": "probed",
        "created": "2026-06-01T12:00:00Z",
        "prober": "aioc 0.1.0",
        "results": [
            {
                "row": row,
                "status": status,
                "message": message,
                "evidence": [
                    {"request": {"method": "GET", "path": "/v1/models"}, "response": {"status": 200}}
                ],
            }
            for row, status, message in results
        ],
    }


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository whose first commit holds a copy of the real data/."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    shutil.copytree(DATA, repo / "data")
    # These tests reason about llama.cpp's seed cells; a real probe run committed later would hide them.
    for probed_run in (repo / "data/reports/llama-cpp").glob("*.json"):
        if "seed" not in probed_run.name:
            probed_run.unlink()
    (repo / "README.md").write_text("test\n", encoding="utf-8")
    commit(repo, "base")
    return repo


def llama_seed(repo: Path) -> Path:
    return sorted((repo / "data/reports/llama-cpp").glob("*core-seed.json"))[0]


def test_added_report_lists_file_and_changed_cells(repo: Path) -> None:
    base = git(repo, "rev-parse", "HEAD")
    seed = json.loads(llama_seed(repo).read_text(encoding="utf-8"))
    old = {r["row"]: r["status"] for r in seed["results"]}
    flip = next(row for row, status in old.items() if status == "pass")
    # A row the probe grades exactly as the seed did (same grade, no note): not a visible change.
    keep = next(
        r["row"]
        for r in seed["results"]
        if r["status"] == "fail" and not r.get("message") and not r.get("footnote")
    )
    write_json(
        repo / "data/reports/llama-cpp/llama-cpp-2026-06-01-probe.json",
        probed(
            "llama-cpp-2026-06-01-probe",
            [(flip, "deviation", "drops `stop` | sometimes"), (keep, "fail", "")],
        ),
    )
    commit(repo, "add a probe run")
    run = summary(repo, base)
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert out.startswith("<!-- aioc-diff-summary -->\n")
    assert (
        "- added `data/reports/llama-cpp/llama-cpp-2026-06-01-probe.json` (llama-cpp, probed 2026-06-01)"
        in out
    )
    rows = [line for line in out.splitlines() if line.startswith("| llama-cpp |")]
    assert len(rows) == 1, out
    assert f"`{flip}`" in rows[0]
    assert "✅ pass<br><sub>manual" in rows[0]
    assert "⚠️ pass with deviation<br><sub>probed 2026-06-01</sub>" in rows[0]
    assert "drops `stop` \\| sometimes" in rows[0]
    assert "1 cell changes." in out
    assert "1 more cell keeps its grade, now backed by llama-cpp-2026-06-01-probe." in out


def test_edited_report_is_flagged_and_diffed(repo: Path) -> None:
    base = git(repo, "rev-parse", "HEAD")
    path = llama_seed(repo)
    seed = json.loads(path.read_text(encoding="utf-8"))
    seed["results"][0]["status"] = "fail" if seed["results"][0]["status"] != "fail" else "pass"
    write_json(path, seed)
    commit(repo, "edit a seed")
    out = summary(repo, base).stdout
    relative = path.relative_to(repo).as_posix()
    assert f"- changed `{relative}` — a report records one run" in out
    assert f"`{seed['results'][0]['row']}`" in out


def test_no_data_change_says_so(repo: Path) -> None:
    base = git(repo, "rev-parse", "HEAD")
    (repo / "README.md").write_text("changed\n", encoding="utf-8")
    commit(repo, "docs only")
    run = summary(repo, base)
    assert run.returncode == 0
    assert "This pull request changes no data files." in run.stdout


def test_invalid_head_lists_problems_instead_of_a_diff(repo: Path) -> None:
    base = git(repo, "rev-parse", "HEAD")
    bad = repo / "data/reports/llama-cpp/bad.json"
    bad.write_text('{"run_id": "bad", ', encoding="utf-8")
    commit(repo, "truncated report")
    run = summary(repo, base)
    assert run.returncode == 0
    assert "`aioc validate` finds 1 problems" in run.stdout
    assert "data/reports/llama-cpp/bad.json:1: $: is not valid JSON" in run.stdout
    assert "| Implementation |" not in run.stdout


def test_first_data_commit_compares_with_an_empty_matrix(tmp_path: Path) -> None:
    repo = tmp_path / "fresh"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "README.md").write_text("x\n", encoding="utf-8")
    base = commit(repo, "no data yet")
    shutil.copytree(DATA, repo / "data")
    commit(repo, "data")
    out = summary(repo, base, "HEAD", "--limit", "0").stdout
    cells = sum(
        len(json.loads(p.read_text(encoding="utf-8"))["results"]) for p in (DATA / "reports").rglob("*.json")
    )
    assert "_no result_" in out
    # Every cell is new; reports of one implementation may cover the same row twice.
    table = [
        line for line in out.splitlines() if line.startswith("| ") and not line.startswith("| Implementation")
    ]
    assert 0 < len(table) <= cells


def test_unknown_revision_is_one_line_exit_2(repo: Path) -> None:
    run = summary(repo, "no-such-rev")
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1
    assert "no-such-rev" in run.stderr
    assert "Traceback" not in run.stderr
