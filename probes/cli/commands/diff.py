"""``aioc diff OLD NEW`` / ``aioc diff --against-matrix NEW``: which cells a report changes.

Both files are read through the same models as the site, so a diff is only ever shown for valid
reports. Against the matrix, the new report is merged with everything under ``data/`` the way the
build merges it, so the output is what the published page will show differently.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from probes.cli.commands.common import add_data_option, load_report
from probes.cli.errors import UsageError
from probes.load.dataset import DataError, LoadedReport, Problem, load_dataset, load_reference
from probes.load.paths import default_data_dir
from probes.matrix.diff import diff_against_matrix, diff_reports, format_markdown, format_text, ordered
from probes.model.catalog import Row


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``aioc diff`` to the command line."""
    parser = subparsers.add_parser(
        "diff",
        help="show which matrix cells a report changes, from what to what",
        description=(
            "Compare two reports (OLD NEW), or one report with what the merged matrix in data/ shows now "
            "(--against-matrix NEW). Prints the changed cells with their grade before and after."
        ),
    )
    parser.add_argument(
        "reports", nargs="+", type=Path, metavar="REPORT", help="OLD NEW, or NEW with --against-matrix"
    )
    parser.add_argument(
        "--against-matrix",
        action="store_true",
        help="compare NEW with the matrix merged from data/ (replacing a report with the same run id)",
    )
    add_data_option(parser)
    parser.add_argument(
        "--format",
        choices=("text", "markdown"),
        default="text",
        help="plain text (default) or a Markdown table",
    )
    parser.set_defaults(func=run)


def _fail(problems: list[Problem]) -> None:
    for problem in problems[1:]:
        print(problem, file=sys.stderr)
    raise UsageError(
        f"{problems[0]} (run aioc validate)" if len(problems) == 1 else f"{len(problems)} problems above"
    )


def _catalog_rows(data: Path | None) -> dict[str, Row]:
    """Row titles and order from data/, when there is one; the diff works without them."""
    if data is None or not (data / "catalog").is_dir():
        return {}
    reference = load_reference(data, [])
    return reference.rows


def run(args: argparse.Namespace) -> int:
    """Print the changes; exit 0 whether or not anything changes."""
    data = args.data if args.data is not None else default_data_dir()
    format_ = format_markdown if args.format == "markdown" else format_text
    if args.against_matrix:
        if len(args.reports) != 1:
            raise UsageError("--against-matrix takes one report: aioc diff --against-matrix NEW")
        new = load_report(args.reports[0])
        try:
            dataset = load_dataset(data)
        except DataError as exc:
            _fail(exc.problems)
        changes = diff_against_matrix(dataset.reports, LoadedReport(str(args.reports[0]), new))
        rows = dataset.catalog.rows
        title = (
            f"{new.run_id} ({new.implementation}, {new.origin.value} {new.created.date()}) against the matrix"
        )
        implementations = list(dataset.implementations)
    else:
        if len(args.reports) != 2:
            raise UsageError("give two reports (aioc diff OLD NEW), or one with --against-matrix")
        old, new = (load_report(p) for p in args.reports)
        changes = diff_reports(old, new)
        rows = _catalog_rows(data)
        title = f"{old.run_id} → {new.run_id}"
        if old.implementation != new.implementation:
            title += f" (comparing {old.implementation} with {new.implementation})"
        implementations = [new.implementation]
    changes = ordered(changes, rows, implementations)
    if args.format == "markdown":
        title = f"**{title}**"
    sys.stdout.write(format_(changes, rows, title))
    return 0
