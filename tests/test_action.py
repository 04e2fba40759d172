"""The GitHub Action: action.yml wires its inputs to scripts/action_probe.py, which is run here for
real (against the reference server and against llama-server) with GitHub's summary and output
files, as the runner would run it."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from refserver import RefServer

from probes.cli.formats import counts
from probes.load.dataset import load_dataset
from probes.model.report import Report
from probes.model.text import plain

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "action_probe.py"
KEY = "sk-action-test-Hc4nR8zQ"
CATALOG = load_dataset(ROOT / "data").catalog


def action() -> dict:
    return yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))


def script_inputs() -> dict[str, str]:
    """The script's own table of environment variables and the inputs they carry."""
    spec = importlib.util.spec_from_file_location("action_probe", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.INPUTS


def test_action_is_composite_and_runs_the_script_with_every_input() -> None:
    meta = action()
    assert meta["runs"]["using"] == "composite"
    assert {"base-url", "model", "api-key", "implementation", "only", "skip", "fail-on", "output"} <= set(
        meta["inputs"]
    )
    assert meta["inputs"]["fail-on"]["default"] == "fail"
    steps = meta["runs"]["steps"]
    install = next(s for s in steps if "pip install" in s.get("run", ""))
    assert '"$GITHUB_ACTION_PATH"' in install["run"]
    probe = next(s for s in steps if s.get("id") == "probe")
    assert probe["run"] == 'python "$GITHUB_ACTION_PATH/scripts/action_probe.py"'
    inputs = script_inputs()
    assert probe["env"] == {name: f"${{{{ inputs.{field} }}}}" for name, field in inputs.items()}
    assert set(inputs.values()) <= set(meta["inputs"])
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact"))
    assert upload["with"]["path"] == "${{ steps.probe.outputs.report }}"
    assert "steps.probe.outputs.report" in upload["if"] and "!cancelled()" in upload["if"]
    for name in ("pass", "deviation", "fail", "out_of_scope", "untested", "report"):
        assert meta["outputs"][name]["value"] == f"${{{{ steps.probe.outputs.{name} }}}}"


def test_the_key_reaches_the_script_only_through_the_environment() -> None:
    text = (ROOT / "action.yml").read_text(encoding="utf-8")
    uses = [line for line in text.splitlines() if "inputs.api-key" in line]
    assert uses == ["        AIOC_API_KEY: ${{ inputs.api-key }}"]
    for step in action()["runs"]["steps"]:
        assert "api-key" not in step.get("run", "") and "AIOC_API_KEY" not in step.get("run", "")


def run_script(tmp_path: Path, inputs: dict[str, str]) -> tuple[int, str, str, dict[str, str], Path]:
    """Run the script as the runner does; exit code, summary, stderr, outputs and the report path."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    summary, outputs = tmp_path / "summary.md", tmp_path / "outputs.txt"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIOC_", "OPENAI_", "GITHUB_"))}
    env |= {"GITHUB_STEP_SUMMARY": str(summary), "GITHUB_OUTPUT": str(outputs), "AIOC_OUTPUT": "report.json"}
    env |= inputs
    done = subprocess.run(
        [sys.executable, str(SCRIPT)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600
    )
    assert KEY not in done.stdout + done.stderr
    values = dict(line.split("=", 1) for line in outputs.read_text().splitlines()) if outputs.exists() else {}
    text = summary.read_text() if summary.exists() else ""
    return done.returncode, text, done.stderr, values, tmp_path / "report.json"


def check_summary_and_outputs(
    summary: str, outputs: dict[str, str], report_path: Path, secret: str
) -> Report:
    """The summary is the report's Markdown column; the outputs are its counts and path."""
    report = Report.model_validate_json(report_path.read_text())
    assert outputs == {**{k: str(v) for k, v in counts(report).items()}, "report": "report.json"}
    assert summary.startswith(f"### aioc probe: {report.implementation}")
    for result in report.results:
        title = (
            plain(CATALOG.rows[result.row].title)
            .replace("|", "\\|")
            .replace("<", "&lt;")
            .replace(">", "&gt;")
        )
        assert f"| {title} | {result.status.symbol} {result.status.label} |" in summary, result.row
    for text in (summary, report_path.read_text()):
        assert secret not in text
    return report


def test_script_end_to_end_against_the_reference_server(tmp_path: Path) -> None:
    with RefServer(api_key=KEY, deviations={"no_files", "no_done"}) as server:
        inputs = {
            "AIOC_BASE_URL": server.base_url,
            "AIOC_API_KEY": KEY,
            "AIOC_IMPLEMENTATION": "my-server",
            "AIOC_ONLY": "models.*,files,chat.stream",
            "AIOC_SKIP": "models.retrieve",
        }
        code, summary, err, outputs, report_path = run_script(tmp_path, inputs | {"AIOC_FAIL_ON": "fail"})
        assert code == 1, err
        report = check_summary_and_outputs(summary, outputs, report_path, KEY)
        assert {r.row for r in report.results} == {"models.list", "files", "chat.stream"}
        assert (outputs["pass"], outputs["deviation"], outputs["fail"]) == ("1", "1", "1")
        assert "`--fail-on fail`: ❌ below the bar" in summary
        code, summary, err, outputs, _ = run_script(tmp_path / "none", inputs | {"AIOC_FAIL_ON": "none"})
    assert code == 0, err


@pytest.mark.parametrize(
    ("inputs", "words"),
    [
        ({"AIOC_BASE_URL": ""}, "the base-url input is empty"),
        ({"AIOC_BASE_URL": "http://127.0.0.1:9/v1", "AIOC_FAIL_ON": "warn"}, "fail-on must be one of"),
        ({"AIOC_BASE_URL": "127.0.0.1:8080"}, "must start with http:// or https://"),
        ({"AIOC_BASE_URL": "http://127.0.0.1:9/v1", "AIOC_ONLY": "nope.*"}, "matches no probed row"),
    ],
)
def test_script_input_mistakes(tmp_path: Path, inputs: dict[str, str], words: str) -> None:
    code, _, err, outputs, report_path = run_script(tmp_path, inputs)
    assert code == 2 and words in err and "Traceback" not in err
    assert not report_path.exists() and outputs.get("report", "") == ""


def test_script_on_an_unreachable_server_writes_a_report_and_says_why(tmp_path: Path) -> None:
    with RefServer(api_key=KEY) as server:
        base_url = server.base_url
    code, summary, _, outputs, _ = run_script(
        tmp_path, {"AIOC_BASE_URL": base_url, "AIOC_ONLY": "models.list,chat.completions", "AIOC_MODEL": "m"}
    )
    assert code == 2
    assert summary.startswith("> **aioc probe: the server could not be reached: could not connect")
    assert outputs["untested"] == "2" and outputs["report"] == "report.json"


@pytest.mark.llama_server
def test_script_end_to_end_against_llama_server(tmp_path: Path) -> None:
    from llama_shared import llama_server, shared_server

    server = shared_server()
    inputs = {
        "AIOC_BASE_URL": server.base_url,
        "AIOC_API_KEY": server.api_key,
        "AIOC_IMPLEMENTATION": "llama-cpp",
        "AIOC_EMBEDDING_MODEL": llama_server.ALIAS,  # llama.cpp lists its one model as a chat model
        "AIOC_ONLY": "models.*,chat.completions,chat.stream,embeddings,realtime,errors.envelope",
        "AIOC_FAIL_ON": "fail",
    }
    code, summary, err, outputs, report_path = run_script(tmp_path, inputs)
    assert code == 1, err  # /v1/models/{id} and /v1/realtime are not routed: ❌
    report = check_summary_and_outputs(summary, outputs, report_path, server.api_key)
    assert report.models == [llama_server.ALIAS], "the chat model was discovered from /v1/models"
    statuses = {r.row: r.status.value for r in report.results}
    assert statuses == {
        "models.list": "pass",
        "models.retrieve": "fail",
        "chat.completions": "pass",
        "chat.stream": "pass",
        "embeddings": "pass",
        "realtime": "fail",
        "errors.envelope": "deviation",
    }
    assert (outputs["pass"], outputs["deviation"], outputs["fail"], outputs["untested"]) == (
        "4",
        "1",
        "2",
        "0",
    )
    assert "no such route: 404" in summary
