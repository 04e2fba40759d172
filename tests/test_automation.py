"""The workflows and pre-commit hooks call commands and scripts that exist and do what they say.

GitHub Actions cannot run here; the scripts they call are tested in their own files. These tests
catch the drift in between: a renamed script, a dropped step, a marker the comment step no longer
finds, a deploy job without the permissions Pages needs.
"""

from __future__ import annotations

import importlib.util
import re
import shlex
import shutil
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"


def load(path: Path) -> dict:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if True in data:  # YAML 1.1 reads the key `on` as a boolean
        data["on"] = data.pop(True)
    return data


def steps(workflow: dict) -> list[dict]:
    return [step for job in workflow["jobs"].values() for step in job["steps"]]


def commands(workflow: dict) -> list[str]:
    return [
        line.strip() for step in steps(workflow) for line in step.get("run", "").splitlines() if line.strip()
    ]


def uses(workflow: dict) -> list[str]:
    return [step["uses"].split("@")[0] for step in steps(workflow) if "uses" in step]


def test_pull_request_workflow_validates_builds_and_comments() -> None:
    workflow = load(WORKFLOWS / "pr.yml")
    assert "pull_request" in workflow["on"]
    run = commands(workflow)
    order = [
        next(i for i, c in enumerate(run) if c.startswith(prefix))
        for prefix in (
            "pip install -e '.[test]'",
            "aioc validate",
            "mkdocs build --strict",
            "python scripts/pr_diff_summary.py",
        )
    ]
    assert order == sorted(order), "install, validate, build, then summarise"
    assert "python scripts/gen_schema.py --check" in run
    assert "actions/setup-python" in uses(workflow)
    checkout = next(s for s in steps(workflow) if s.get("uses", "").startswith("actions/checkout"))
    assert checkout["with"]["fetch-depth"] == 0, "the diff needs the base revision"
    assert workflow["permissions"]["pull-requests"] == "write"


def test_comment_step_finds_the_marker_the_script_prints() -> None:
    spec = importlib.util.spec_from_file_location("pr_diff_summary", ROOT / "scripts" / "pr_diff_summary.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while being defined
    spec.loader.exec_module(module)
    workflow = load(WORKFLOWS / "pr.yml")
    script = next(s for s in steps(workflow) if s.get("uses", "").startswith("actions/github-script"))
    assert f'"{module.MARKER}"' in script["with"]["script"]
    summary_step = next(s for s in steps(workflow) if "pr_diff_summary.py" in s.get("run", ""))
    assert "summary.md" in summary_step["run"] and "summary.md" in script["with"]["script"]


def test_pages_workflow_builds_and_deploys_from_main() -> None:
    workflow = load(WORKFLOWS / "pages.yml")
    assert workflow["on"]["push"]["branches"] == ["main"]
    build, deploy = workflow["jobs"]["build"], workflow["jobs"]["deploy"]
    run = commands({"jobs": {"build": build}})
    build_cmd = next(c for c in run if c.startswith("mkdocs build"))
    assert "--strict" in build_cmd
    site_dir = shlex.split(build_cmd)[shlex.split(build_cmd).index("--site-dir") + 1]
    upload = next(s for s in build["steps"] if s.get("uses", "").startswith("actions/upload-pages-artifact"))
    assert upload["with"]["path"] == site_dir
    assert any(s.get("uses", "").startswith("actions/deploy-pages") for s in deploy["steps"])
    assert deploy["needs"] == "build"
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"
    assert any(c.startswith("aioc validate") for c in run)


def test_precommit_hooks_run_validate_schema_check_and_ruff() -> None:
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    hooks = {hook["id"]: hook for repo in config["repos"] for hook in repo["hooks"]}
    assert set(hooks) == {"aioc-validate", "gen-schema-check", "ruff", "ruff-format"}
    assert hooks["aioc-validate"]["entry"] == "aioc validate"
    assert hooks["gen-schema-check"]["entry"] == "python scripts/gen_schema.py --check"
    assert re.search(hooks["gen-schema-check"]["files"], "probes/model/report.py")
    assert re.search(hooks["aioc-validate"]["files"], "data/reports/vllm/x.json")
    for hook in hooks.values():
        program = hook["entry"].split()[0]
        assert (
            program == "python"
            or shutil.which(program, path=str(ROOT / ".venv" / "bin"))
            or shutil.which(program)
        ), f"{hook['id']}: {program} is not installed by pip install -e '.[test]'"


def test_every_script_the_automation_names_exists() -> None:
    texts = [p.read_text(encoding="utf-8") for p in WORKFLOWS.glob("*.yml")]
    texts.append((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    named = {m for text in texts for m in re.findall(r"scripts/[\w/.-]+\.py", text)}
    assert named >= {"scripts/gen_schema.py", "scripts/pr_diff_summary.py"}
    for path in named:
        assert (ROOT / path).is_file(), path
