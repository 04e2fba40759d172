"""``aioc validate [PATH...]``: check data files the way the build will, before anyone reviews them.

With no PATH it checks all of ``data/``: the catalog, the implementations and every report. A PATH
may be a report file or a directory of reports, inside ``data/`` or not (a fresh run before it is
moved in); either way it is checked against ``data/``'s catalog and implementations, and its run id
against the runs already there. The loader is :mod:`probes.load.dataset`, the same one the site uses.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable
from pathlib import Path

from probes.cli.commands.common import add_data_option
from probes.cli.errors import UsageError
from probes.load.dataset import (
    REPORTS_DIR,
    Problem,
    check_data,
    known_run_ids,
    load_reference,
    load_reports,
    reference_files,
)
from probes.load.paths import default_data_dir


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``aioc validate`` to the command line."""
    parser = subparsers.add_parser(
        "validate",
        help="check data files (default: all of data/) against the models and cross-file rules",
        description=(
            "Check report files, or all of data/, against the data models and the cross-file rules. "
            "Prints one line per problem (file:line: json.path: what is wrong — how to fix). "
            "Exit 0 when everything is valid, 1 when problems were found, 2 on usage errors."
        ),
    )
    parser.add_argument(
        "paths", nargs="*", metavar="PATH", type=Path, help="report files or directories (default: data/)"
    )
    add_data_option(parser)
    parser.add_argument(
        "--format",
        choices=("text", "github"),
        default="text",
        help="text (default) or github: workflow commands that annotate the pull request",
    )
    parser.set_defaults(func=run)


def _display(path: Path, root: Path) -> str:
    """How a file is named in messages: repository-relative inside data/, else as the user wrote it."""
    resolved = Path(os.path.abspath(path))  # not resolve(): a link is named as itself, not its target
    try:
        return resolved.relative_to(Path(os.path.abspath(root)).parent).as_posix()
    except ValueError:
        pass
    relative = os.path.relpath(resolved)
    return relative if not relative.startswith("..") else str(path)


def report_files(paths: Iterable[Path], root: Path) -> list[tuple[Path, str]]:
    """The report files named by ``paths``: files as given, directories searched for ``*.json``."""
    skip = {p.resolve() for p in reference_files(root)}
    seen: set[Path] = set()
    out: list[tuple[Path, str]] = []
    for path in paths:
        if path.is_dir():
            found = sorted(path.rglob("*.json"))
            if not found and path.resolve() != root.resolve():
                raise UsageError(f"{path} holds no .json files")
        elif path.exists():
            found = [path]
        else:
            raise UsageError(f"{path}: no such file or directory")
        for file in found:
            resolved = file.resolve()
            if resolved in skip or resolved in seen:
                continue
            seen.add(resolved)
            out.append((file, _display(file, root)))
    return out


def validate(paths: list[Path], root: Path) -> tuple[list[Problem], int, list[str]]:
    """Every problem in the reference files and the given reports, and how many files were checked:
    the report files the paths name, or, with no path, every file of ``data/`` (the catalog and the
    implementations too). The reference files are read either way, but a user who names one file
    asked about that one: counting the catalog too would say "1 of 4 files" of a single report.
    With no path (or ``data/`` itself), this is the build's own check of ``data/``: every file, those
    nothing reads, and the hidden entries it names without reading (the third value)."""
    if not paths or all(p.is_dir() and p.resolve() == root.resolve() for p in paths):
        checked = check_data(root)
        return checked.problems, checked.files, checked.hidden
    problems: list[Problem] = []
    reference = load_reference(root, problems)
    files = report_files(paths, root)
    others = known_run_ids(root, skip=[path for path, _ in files]) if (root / REPORTS_DIR).is_dir() else {}
    load_reports(root, reference.rows, reference.implementations, problems, files=files, other_run_ids=others)
    return sorted(problems, key=lambda p: (p.file, p.line or 0, p.path, p.message)), len(files), []


def _github(problem: Problem) -> str:
    """One problem as a GitHub Actions workflow command, so the pull request shows it on the line."""

    def escape(value: str, prop: bool = False) -> str:
        value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        return value.replace(":", "%3A").replace(",", "%2C") if prop else value

    where = f"file={escape(problem.file, True)}"
    if problem.line:
        where += f",line={problem.line}"
    text = escape(f"{problem.path or '$'}: {problem.message}")
    return f"::error {where},title=aioc validate::{text}"


def run(args: argparse.Namespace) -> int:
    """Print every problem; exit 1 when there is any."""
    root = args.data if args.data is not None else default_data_dir()
    if not (root / "catalog").is_dir():
        raise UsageError(f"{root} is not a data directory (it has no catalog/)")
    problems, count, hidden = validate(list(args.paths), root)
    for shown in hidden:
        print(f"{shown}: not read (a hidden file is never data)", file=sys.stderr)
    for problem in problems:
        print(_github(problem) if args.format == "github" else str(problem))
    files = "file" if count == 1 else "files"
    if not problems:
        print(f"{count} {files} checked, all valid", file=sys.stderr)
        return 0
    noun = "problem" if len(problems) == 1 else "problems"
    named = {shown for _, shown in report_files(args.paths, root)} if args.paths else None
    inside = [p for p in problems if named is None or p.file in named]
    bad = len({p.file for p in inside})
    if outside := sorted({p.file for p in problems} - {p.file for p in inside}):  # data/'s own files
        which = "it is" if count == 1 else "they are"
        summary = (
            f"{len(problems)} {noun}: {len(inside)} in {bad} of the {count} {files} named, "
            f"{len(problems) - len(inside)} in {', '.join(outside)}, which {which} checked against"
        )
    else:
        summary = f"{len(problems)} {noun} in {bad} of {count} {files}"
    print(summary, file=sys.stderr)
    return 1
