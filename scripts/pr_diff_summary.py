#!/usr/bin/env python3
"""Print the Markdown a pull request gets as a comment: which data files it touches, which cells change.

Both revisions' ``data/`` are exported from git (nothing is checked out), loaded with the site's
own loader and merged the site's way, so the table shows what the published matrix will show
differently once the pull request is merged.

    python scripts/pr_diff_summary.py --base origin/main --head HEAD > summary.md
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from probes.load.dataset import DataError, Dataset, Problem, load_dataset
from probes.matrix.diff import diff_cells, format_markdown, ordered
from probes.matrix.merge import merge

MARKER = "<!-- aioc-diff-summary -->"
"""First line of the comment, so a workflow can find and update its own earlier comment."""

MAX_PROBLEMS = 30
MAX_ROWS = 250
MAX_CHARS = 50_000
"""Table rows and characters in one comment; GitHub refuses comments over 65,536 characters."""


class GitError(Exception):
    """git refused a command (an unknown revision, not a repository)."""


@dataclass(frozen=True)
class FileChange:
    """One file under data/ that the pull request adds (A), modifies (M) or deletes (D)."""

    status: str
    path: str


def git(repo: Path, *args: str) -> bytes:
    """Run git in ``repo`` and return its output; a failure becomes a GitError with git's message."""
    run = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, check=False)
    if run.returncode != 0:
        message = run.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(message[-1] if message else f"git {args[0]} failed")
    return run.stdout


def changed_files(repo: Path, base: str, head: str, data: str = "data") -> list[FileChange]:
    """Files under ``data/`` that differ between the two revisions (renames count as delete + add)."""
    out = git(repo, "diff", "--name-status", "--no-renames", "-z", base, head, "--", data)
    fields = out.decode("utf-8", "replace").split("\0")
    return [FileChange(fields[i][0], fields[i + 1]) for i in range(0, len(fields) - 1, 2)]


def export(repo: Path, rev: str, data: str, dest: Path) -> bool:
    """Write ``data/`` as it is at ``rev`` under ``dest``; False when the revision has no ``data/``."""
    try:
        archive = git(repo, "archive", "--format=tar", rev, "--", data)
    except GitError as exc:
        if "did not match" in str(exc):
            return False
        raise
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(dest, filter="data")
    return True


def load(root: Path) -> tuple[Dataset | None, list[Problem]]:
    """The dataset, or the problems that keep it from loading."""
    try:
        return load_dataset(root), []
    except DataError as exc:
        return None, exc.problems


def _file_line(change: FileChange, head: Dataset | None, data: str) -> str:
    path = f"`{change.path}`"
    if change.status == "A":
        report = (
            next((r.report for r in head.reports if f"{data}/{r.path}" == change.path), None)
            if head
            else None
        )
        if report is not None:
            return f"- added {path} ({report.implementation}, {report.origin.value} {report.created.date()})"
        return f"- added {path}"
    if change.status == "D":
        return f"- removed {path}"
    if "/reports/" in change.path:
        return f"- changed {path} — a report records one run: add a new report rather than edit this one"
    return f"- changed {path}"


def summarize(repo: Path, base: str, head: str, data: str = "data", limit: int | None = MAX_ROWS) -> str:
    """The whole comment: files touched, validation state, and the table of changed cells."""
    lines = [MARKER, "## Matrix changes", ""]
    files = changed_files(repo, base, head, data)
    if not files:
        return "\n".join([*lines, "This pull request changes no data files."]) + "\n"
    with tempfile.TemporaryDirectory() as tmp:
        before_root, after_root = Path(tmp, "base"), Path(tmp, "head")
        before, after = None, None
        before_problems: list[Problem] = []
        if export(repo, base, data, before_root):
            before, before_problems = load(before_root / data)
        after_problems: list[Problem] = []
        if export(repo, head, data, after_root):
            after, after_problems = load(after_root / data)
        else:
            after_problems = [Problem(data, "", "is gone in this pull request")]

    lines += [_file_line(change, after, data) for change in files]
    lines.append("")
    if after is None:
        lines += [
            f"`aioc validate` finds {len(after_problems)} problems, so no diff can be shown:",
            "",
            "```",
        ]
        lines += [str(p) for p in after_problems[:MAX_PROBLEMS]]
        if len(after_problems) > MAX_PROBLEMS:
            lines.append(f"… and {len(after_problems) - MAX_PROBLEMS} more")
        lines.append("```")
        return "\n".join(lines) + "\n"
    if before_problems:
        lines += [
            "The base revision's data does not load, so every cell is compared with an empty matrix.",
            "",
        ]
    changes = diff_cells(merge(before.reports) if before else {}, merge(after.reports))
    changes = ordered(changes, after.catalog.rows, after.implementations)
    table = format_markdown(changes, after.catalog.rows, limit=limit)
    while limit is not None and len(table) > MAX_CHARS and limit > 1:
        limit //= 2
        table = format_markdown(changes, after.catalog.rows, limit=limit)
    lines.append(table.rstrip("\n"))
    if limit is not None and sum(c.visible for c in changes) > limit:
        lines += ["", f"`python scripts/pr_diff_summary.py --base {base} --limit 0` lists them all."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Print the summary; exit 2 with one line when git cannot answer."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="the revision the pull request merges into")
    parser.add_argument("--head", default="HEAD", help="the pull request's revision (default: HEAD)")
    parser.add_argument("--repo", type=Path, default=Path("."), help="the git work tree (default: .)")
    parser.add_argument("--data", default="data", help="the data directory inside the repository")
    parser.add_argument(
        "--limit", type=int, default=MAX_ROWS, help=f"table rows at most (default {MAX_ROWS}; 0: no limit)"
    )
    args = parser.parse_args(argv)
    try:
        sys.stdout.write(summarize(args.repo, args.base, args.head, args.data, args.limit or None))
    except GitError as exc:
        print(f"pr_diff_summary: git: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
