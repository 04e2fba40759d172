"""The GitHub Action's one step: probe, write the report, the step summary and the step outputs.

``action.yml`` runs this script with the action's inputs in environment variables (see
:data:`INPUTS`); the API key arrives in ``AIOC_API_KEY`` and reaches ``aioc probe`` the same way
(``--api-key-env``), never on a command line. The probe is ``aioc probe`` itself, run in-process:
the same code, catalog and models as everywhere else. Then:

- the Markdown form of the report (:func:`probes.cli.formats.to_markdown`, the site's column with the
  reasons) is appended to ``$GITHUB_STEP_SUMMARY``, after the run's problem line if it had one;
- ``pass``, ``deviation``, ``fail``, ``out_of_scope``, ``untested`` and ``report`` (the report's
  path) are written to ``$GITHUB_OUTPUT``;
- the exit code is ``aioc probe``'s: 0 within ``fail-on``, 1 below it, 2 usage or input errors
  (also: the server could not be reached, or refused the key on most rows).

Run it by hand the same way: ``AIOC_BASE_URL=http://127.0.0.1:8080/v1 AIOC_IMPLEMENTATION=llama-cpp
python scripts/action_probe.py`` (without the GitHub variables it writes no summary or outputs).
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # a checkout without `pip install` works too

from probes.cli.formats import FailOn, counts  # noqa: E402
from probes.cli.main import main  # noqa: E402

INPUTS = {
    "AIOC_BASE_URL": "base-url",
    "AIOC_MODEL": "model",
    "AIOC_EMBEDDING_MODEL": "embedding-model",
    "AIOC_API_KEY": "api-key",
    "AIOC_IMPLEMENTATION": "implementation",
    "AIOC_ONLY": "only",
    "AIOC_SKIP": "skip",
    "AIOC_FAIL_ON": "fail-on",
    "AIOC_RUNS": "runs",
    "AIOC_OUTPUT": "output",
}
"""The environment variables this script reads, and the action input each one carries."""

KEY_VARIABLE = "AIOC_API_KEY"


class _Tee(io.TextIOBase):
    """Passes stderr through and keeps ``aioc probe``'s own problem lines for the summary."""

    def __init__(self, target: TextIO) -> None:
        self.target = target
        self.problems: list[str] = []
        self._line = ""

    def write(self, text: str) -> int:
        self.target.write(text)
        self._line += text
        *done, self._line = self._line.split("\n")
        self.problems += [line for line in done if line.startswith("aioc probe:")]
        return len(text)

    def flush(self) -> None:
        self.target.flush()

    def isatty(self) -> bool:
        return False


def probe_arguments(env: Mapping[str, str], summary: Path) -> list[str]:
    """The ``aioc probe`` command line for the inputs; the key is named, never included."""
    args = [
        "probe",
        "--base-url", env.get("AIOC_BASE_URL", ""),
        "--implementation", env.get("AIOC_IMPLEMENTATION") or "custom",
        "--unlisted",
        "--output", env.get("AIOC_OUTPUT") or "aioc-report.json",
        "--format", "markdown",
        "--format-output", str(summary),
        "--fail-on", env.get("AIOC_FAIL_ON") or "fail",
        "--runs", env.get("AIOC_RUNS") or "3",
        "--data", str(ROOT / "data"),
    ]  # fmt: skip
    for variable, option in (("AIOC_MODEL", "--model"), ("AIOC_EMBEDDING_MODEL", "--embedding-model")):
        if env.get(variable):
            args += [option, env[variable]]
    for variable, option in (("AIOC_ONLY", "--only"), ("AIOC_SKIP", "--skip")):
        for pattern in env.get(variable, "").replace("\n", ",").split(","):
            if pattern.strip():
                args += [option, pattern.strip()]
    if env.get(KEY_VARIABLE):
        args += ["--api-key-env", KEY_VARIABLE]
    return args


def _append(path: str | None, text: str) -> None:
    if path:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(text)


def run(env: Mapping[str, str]) -> int:
    """Probe with the inputs in ``env``; write the summary and outputs GitHub reads; the exit code."""
    if not env.get("AIOC_BASE_URL"):
        print("action_probe: the base-url input is empty", file=sys.stderr)
        return 2
    if (env.get("AIOC_FAIL_ON") or "fail") not in set(FailOn):
        choices = ", ".join(FailOn)
        print(f"action_probe: fail-on must be one of {choices}, got {env['AIOC_FAIL_ON']!r}", file=sys.stderr)
        return 2
    output = Path(env.get("AIOC_OUTPUT") or "aioc-report.json")
    output.unlink(missing_ok=True)  # a report left from an earlier run must not pass for this one's
    with tempfile.TemporaryDirectory(prefix="aioc-action-") as scratch:
        summary = Path(scratch) / "summary.md"
        tee = _Tee(sys.stderr)
        saved, sys.stderr = sys.stderr, tee
        try:
            code = main(probe_arguments(env, summary))
        except SystemExit as exc:  # argparse refuses an input: it has printed why
            code = int(exc.code or 0)
        finally:
            sys.stderr = saved
        markdown = summary.read_text(encoding="utf-8") if summary.is_file() else ""
    problems = "".join(f"> **{line}**\n\n" for line in tee.problems)
    if not output.is_file():
        said = problems or "No report was written; see the step's log.\n"
        _append(env.get("GITHUB_STEP_SUMMARY"), f"### aioc probe\n\n{said}")
        _append(env.get("GITHUB_OUTPUT"), "report=\n")
        return code or 2
    from probes.model.report import Report

    report = Report.model_validate_json(output.read_text(encoding="utf-8"))
    _append(env.get("GITHUB_STEP_SUMMARY"), problems + markdown)
    lines = [f"{status}={count}" for status, count in counts(report).items()]
    _append(env.get("GITHUB_OUTPUT"), "\n".join([*lines, f"report={output}"]) + "\n")
    return code


if __name__ == "__main__":
    sys.exit(run(os.environ))
