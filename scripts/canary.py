"""The canary: probe a configured endpoint and open a pull request when a matrix cell changed grade.

    python scripts/canary.py --implementation openai --base-url-env CANARY_BASE_URL \\
        --api-key-env CANARY_API_KEY [--model M] [--only GLOBS] [--dry-run]

Steps, each one the project's own code:

1. ``aioc probe`` (in-process) writes the run's report to a scratch file. A run that could not
   reach the server, or whose key was refused on most rows, stops here (exit 2): such a report
   says nothing about the implementation.
2. The report is compared with the merged matrix under ``data/`` (``aioc diff --against-matrix``).
   A pull request is opened only when a cell changes grade, appears or disappears; a changed
   reason alone (a model's reply quoted differently) opens none.
3. Otherwise the report goes to ``data/reports/<implementation>/<run_id>.json``, the
   ``aioc diff --against-matrix --format markdown`` text to ``--body-file``, and git creates the
   branch ``canary/<run_id>`` with one commit holding that file. Without ``--dry-run`` the branch
   is pushed and ``gh pr create`` opens the pull request with the diff as its body.

Exit codes: 0 done (with or without a pull request), 2 usage or input errors and failed runs;
a failing git or gh command ends the script with its message (exit 1).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from probes.cli.main import Parser  # noqa: E402
from probes.cli.main import main as aioc  # noqa: E402

IDENTITY = ("aioc canary", "aioc-canary@users.noreply.github.com")
"""The commit author when the repository has no git identity configured (CI runners have none)."""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    # aioc's parser: options by their full name only (--api-key is not --api-key-env), values unshown
    parser = Parser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--implementation", required=True, help="implementation id in data/implementations.json"
    )
    parser.add_argument(
        "--base-url-env", default="OPENAI_BASE_URL", metavar="VAR", help="variable with the base URL"
    )
    parser.add_argument("--api-key-env", metavar="VAR", help="variable with the API key (none: no key)")
    parser.add_argument("--model", default="", help="chat model (default: discovered)")
    parser.add_argument("--embedding-model", default="", help="embedding model (default: discovered)")
    parser.add_argument("--only", default="", help="row id globs to probe, comma-separated")
    parser.add_argument("--skip", default="", help="row id globs to leave out, comma-separated")
    parser.add_argument("--repo", type=Path, default=ROOT, help="the repository checkout (default: this one)")
    parser.add_argument("--base-branch", default="main", help="the pull request's base (default main)")
    parser.add_argument(
        "--body-file", type=Path, help="where to write the pull request body (default: a temp file)"
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="do everything but push and open the pull request"
    )
    return parser.parse_args(argv)


def git(repo: Path, *args: str) -> str:
    """Run git in the repository; its output, or exit with git's own message."""
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(
            f"canary: git {' '.join(args[:2])} failed: {done.stderr.strip() or done.stdout.strip()}"
        )
    return done.stdout.strip()


def probe(args: argparse.Namespace, output: Path) -> int:
    """``aioc probe`` with the canary's settings; its exit code."""
    base_url = os.environ.get(args.base_url_env, "")
    if not base_url:
        print(f"canary: environment variable {args.base_url_env} holds no base URL", file=sys.stderr)
        return 2
    command = ["probe", "--base-url", base_url, "--implementation", args.implementation]
    command += ["--output", str(output), "--data", str(args.repo / "data"), "--fail-on", "none"]
    for option in ("model", "embedding_model", "only", "skip"):
        if value := getattr(args, option):
            command += [f"--{option.replace('_', '-')}", value]
    if args.api_key_env and os.environ.get(args.api_key_env):  # an endpoint without a key has none
        command += ["--api-key-env", args.api_key_env]
    return aioc(command)


def diff_text(report: Path, data: Path) -> str:
    """What ``aioc diff --against-matrix --format markdown`` prints for the report."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = aioc(["diff", "--against-matrix", str(report), "--data", str(data), "--format", "markdown"])
    if code:
        raise SystemExit(f"canary: aioc diff failed with exit code {code}")
    return out.getvalue()


def changed_cells(report: Path, data: Path) -> list:  # -> list[probes.matrix.diff.Change]
    """The cells whose grade the report changes, or that it adds or removes."""
    from probes.load.dataset import LoadedReport, load_dataset
    from probes.matrix.diff import Kind, diff_against_matrix
    from probes.model.report import Report

    new = Report.model_validate_json(report.read_text(encoding="utf-8"))
    changes = diff_against_matrix(load_dataset(data).reports, LoadedReport(str(report), new))
    return [c for c in changes if c.kind in (Kind.ADDED, Kind.REMOVED, Kind.STATUS)]


def open_pull_request(args: argparse.Namespace, report: Path, body: str, changed: int) -> str:
    """Place the report, commit it on a new branch, and (unless a dry run) push and open the PR."""
    from probes.model.report import Report

    new = Report.model_validate_json(report.read_text(encoding="utf-8"))
    relative = Path("data") / "reports" / new.implementation / f"{new.run_id}.json"
    target = args.repo / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(report, target)
    body_file = args.body_file or Path(tempfile.mkdtemp(prefix="aioc-canary-")) / "body.md"
    body_file.parent.mkdir(parents=True, exist_ok=True)
    body_file.write_text(body, encoding="utf-8")
    branch = f"canary/{new.run_id}"
    title = f"Canary: {new.implementation} probed {new.created.date()}, {changed} cell(s) changed"
    identity: list[str] = []
    if not subprocess.run(
        ["git", "-C", str(args.repo), "config", "user.email"], capture_output=True
    ).stdout.strip():
        identity = ["-c", f"user.name={IDENTITY[0]}", "-c", f"user.email={IDENTITY[1]}"]
    git(args.repo, "switch", "--quiet", "-c", branch)
    git(args.repo, "add", "--", str(relative))
    git(args.repo, *identity, "commit", "--quiet", "-m", title, "--", str(relative))
    steps = [
        ["git", "-C", str(args.repo), "push", "--set-upstream", "origin", branch],
        ["gh", "pr", "create", "--base", args.base_branch, "--head", branch, "--title", title,
         "--body-file", str(body_file)],
    ]  # fmt: skip
    for step in steps:
        if args.dry_run:
            print("canary: dry run, would run: " + " ".join(step))
            continue
        done = subprocess.run(step, cwd=args.repo, capture_output=True, text=True)
        if done.returncode:
            raise SystemExit(f"canary: {step[0]} {step[1]} failed: {done.stderr.strip()}")
        print(done.stdout.strip())
    print(f"canary: branch {branch} holds {relative}; pull request body in {body_file}")
    return branch


def run(argv: list[str] | None = None) -> int:
    """Probe, diff, and open a pull request when a cell changed; the exit code."""
    args = parse_args(argv)
    args.repo = args.repo.resolve()
    if git(args.repo, "status", "--porcelain", "--untracked-files=no"):
        print(f"canary: {args.repo} has uncommitted changes; run it on a clean checkout", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="aioc-canary-") as scratch:
        report = Path(scratch) / "report.json"
        code = probe(args, report)
        if code != 0 or not report.is_file():
            print(
                f"canary: the probe did not give a usable report (exit {code}); no pull request",
                file=sys.stderr,
            )
            return 2
        changed = changed_cells(report, args.repo / "data")
        if not changed:
            print("canary: no cell changed grade; no pull request")
            return 0
        body = diff_text(report, args.repo / "data")
        open_pull_request(args, report, body, len(changed))
    return 0


if __name__ == "__main__":
    sys.exit(run())
