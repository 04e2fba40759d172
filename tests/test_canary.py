"""scripts/canary.py in a temporary clone: a pull request (dry run) only when a cell changed grade,
against the reference server and against the real llama-server; the workflow that runs it."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from refserver import RefServer

from probes.model.report import Report
from probes.model.status import Status

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "canary.py"
KEY = "sk-canary-test-Lm3qW8vE"


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True).stdout


@pytest.fixture
def clone(tmp_path: Path) -> tuple[Path, Path]:
    """A bare "origin" copy of this repository and a working clone of it (the checkout CI would have)."""
    origin, work = tmp_path / "origin.git", tmp_path / "work"
    subprocess.run(["git", "clone", "--quiet", "--bare", str(ROOT), str(origin)], check=True)
    subprocess.run(["git", "clone", "--quiet", str(origin), str(work)], check=True)
    for key, value in (("user.name", "Test"), ("user.email", "test@example.invalid")):
        git(work, "config", key, value)
    return origin, work


def canary(work: Path, base_url: str, key: str, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "CANARY_"))}
    env |= {"CANARY_BASE_URL": base_url, "CANARY_API_KEY": key}
    command = [sys.executable, str(SCRIPT), "--repo", str(work), "--base-url-env", "CANARY_BASE_URL"]
    command += ["--api-key-env", "CANARY_API_KEY", "--dry-run", *extra]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert key not in done.stdout + done.stderr
    return done


def new_commit_files(work: Path) -> list[str]:
    return git(work, "diff", "--name-only", "HEAD~1", "HEAD").split()


def test_a_changed_matrix_gives_a_branch_and_an_unchanged_one_does_not(
    clone: tuple[Path, Path], tmp_path: Path
) -> None:
    origin, work = clone
    git(work, "rm", "--quiet", "-r", "data/reports/openai")  # the openai column starts empty here
    git(work, "commit", "--quiet", "-m", "empty the openai column")
    body = tmp_path / "body.md"
    only = ("--only", "models.list,chat.completions,files")
    with RefServer(api_key=KEY, deviations={"no_files"}) as server:
        first = canary(
            work, server.base_url, KEY, "--implementation", "openai", *only, "--body-file", str(body)
        )
        assert first.returncode == 0, first.stderr
        branch = git(work, "branch", "--show-current").strip()
        assert branch.startswith("canary/openai-")
        (placed,) = new_commit_files(work)
        assert placed == f"data/reports/openai/{branch.removeprefix('canary/')}.json"
        report = Report.model_validate_json((work / placed).read_text())
        assert {r.row: r.status for r in report.results} == {
            "models.list": Status.PASS,
            "chat.completions": Status.PASS,
            "files": Status.FAIL,
        }
        assert KEY not in (work / placed).read_text()
        text = body.read_text()
        assert text.startswith(f"**{report.run_id} (openai, probed")
        assert "3 cells change (3 new)" in text and "❌ not implemented or failing" in text
        assert "would run: gh pr create --base main --head " + branch in first.stdout
        assert "canary/" not in git(origin, "branch", "--list"), "a dry run pushes nothing"

        # the matrix now holds that report: the same grades again open no pull request
        second = canary(work, server.base_url, KEY, "--implementation", "openai", *only)
    assert second.returncode == 0, second.stderr
    assert "no cell changed grade; no pull request" in second.stdout
    assert git(work, "branch", "--show-current").strip() == branch
    assert git(work, "status", "--porcelain") == ""


def test_an_unreachable_endpoint_opens_nothing(clone: tuple[Path, Path]) -> None:
    _, work = clone
    with RefServer(api_key=KEY) as server:
        base_url = server.base_url
    done = canary(work, base_url, KEY, "--implementation", "openai", "--only", "models.list")
    assert done.returncode == 2
    assert "the probe did not give a usable report (exit 2); no pull request" in done.stderr
    assert git(work, "branch", "--show-current").strip() == "main"


def test_the_workflow_runs_the_script_with_secrets_in_the_environment() -> None:
    text = (ROOT / ".github" / "workflows" / "canary.yml").read_text(encoding="utf-8")
    workflow = yaml.safe_load(text)
    triggers = workflow[True]  # YAML 1.1 reads `on` as a boolean
    assert "schedule" in triggers and "workflow_dispatch" in triggers
    assert workflow["permissions"] == {"contents": "write", "pull-requests": "write"}
    (job,) = workflow["jobs"].values()
    step = next(s for s in job["steps"] if "scripts/canary.py" in s.get("run", ""))
    assert step["env"]["CANARY_BASE_URL"] == "${{ secrets.CANARY_BASE_URL }}"
    assert step["env"]["CANARY_API_KEY"] == "${{ secrets.CANARY_API_KEY }}"
    assert "secrets." not in step["run"], "secrets reach the script through the environment only"
    assert "--api-key-env CANARY_API_KEY" in step["run"] and "--base-url-env CANARY_BASE_URL" in step["run"]
    assert "--dry-run" not in step["run"]


@pytest.mark.llama_server
def test_canary_dry_run_against_llama_server(clone: tuple[Path, Path], tmp_path: Path) -> None:
    from llama_shared import llama_server, shared_server

    server = shared_server()
    _, work = clone
    # plant a newer hand-entered report that marks two rows llama.cpp passes as failing, so the
    # probe must flip exactly those cells back
    created = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)).replace(microsecond=0)
    source = "https://example.org/planted"  # a hand-entered ❌ links its source
    planted = {
        "$schema": "../../../docs/schema/report.schema.json",
        "run_id": "llama-cpp-canary-plant",
        "implementation": "llama-cpp",
        "origin": "manual",
        "created": created.isoformat(),
        "source_note": "planted by the canary test",
        "results": [
            {"row": "models.list", "status": "fail", "message": "planted", "sources": [source]},
            {"row": "chat.completions", "status": "fail", "message": "planted", "sources": [source]},
        ],
    }
    path = work / "data" / "reports" / "llama-cpp" / "llama-cpp-canary-plant.json"
    path.write_text(json.dumps(planted, indent=2) + "\n")
    git(work, "add", str(path))
    git(work, "commit", "--quiet", "-m", "plant")
    body = tmp_path / "body.md"
    done = canary(
        work, server.base_url, server.api_key, "--implementation", "llama-cpp",
        "--embedding-model", llama_server.ALIAS, "--only", "models.list,chat.completions",
        "--body-file", str(body),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    (placed,) = new_commit_files(work)
    report = Report.model_validate_json((work / placed).read_text())
    assert report.implementation == "llama-cpp" and report.models == [llama_server.ALIAS]
    assert {r.row: r.status for r in report.results} == {
        "models.list": Status.PASS,
        "chat.completions": Status.PASS,
    }
    text = body.read_text()
    assert "2 cells change" in text and text.count("❌ not implemented or failing") == 2
    assert server.api_key not in (work / placed).read_text() + text


def test_options_are_matched_by_their_full_name_only(capsys) -> None:
    """`--api-key VALUE` must not be taken for `--api-key-env` (prefix matching), nor its value shown."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("canary_script", SCRIPT)
    assert spec and spec.loader
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    with pytest.raises(SystemExit) as refused:
        script.parse_args(["--implementation", "openai", "--api-key", KEY])
    assert refused.value.code == 2
    err = capsys.readouterr().err
    assert "unrecognized arguments: --api-key" in err and KEY not in err
    assert script.parse_args(["--implementation", "openai", "--api-key-env", "V"]).api_key_env == "V"
