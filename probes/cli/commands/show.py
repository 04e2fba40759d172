"""``aioc show REPORT``: one report as a terminal table (coloured on a terminal, plain when piped).

REPORT is a report file, or an implementation id: then its newest report (by ``created``) under
``data/reports/<id>/``, so that someone choosing a server can look at one without finding the file.
"""

from __future__ import annotations

import argparse
import difflib
import os
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

from probes.cli.commands.common import add_data_option, add_fail_on_option, load_data, load_report
from probes.cli.errors import UsageError
from probes.cli.formats import exit_code, ordered_results, to_json, to_junit, to_markdown
from probes.load.dataset import REPORTS_DIR, Dataset
from probes.load.paths import default_data_dir
from probes.model.report import Report
from probes.model.text import plain


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "show",
        help="show one report: a file, or an implementation's newest",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "report",
        metavar="REPORT",
        help="a report JSON file, or an implementation id (its newest report in data/reports/<id>/)",
    )
    parser.add_argument("--format", choices=["table", "markdown", "junit", "json"], default="table")
    add_fail_on_option(parser)
    add_data_option(parser)
    parser.set_defaults(func=run)


def newest_report(dataset: Dataset, data_dir: Path, implementation: str) -> tuple[Report, str]:
    """The implementation's newest report by ``created`` (ties: the later file name), and its path
    as the user would type it; a one-line usage error when there is none."""
    loaded = dataset.reports_of(implementation)
    if not loaded:
        where = data_dir / REPORTS_DIR / implementation
        raise UsageError(f"no report of implementation {implementation!r} in {_display(where)}/ yet")
    newest = max(loaded, key=lambda item: (item.report.created, item.path))
    return newest.report, _display(data_dir / newest.path)


def _display(path: Path) -> str:
    """A path relative to the working directory when it is below it, else as it is."""
    relative = os.path.relpath(path)
    return relative if not relative.startswith("..") else str(path)


def resolve(args: argparse.Namespace) -> tuple[Report, Dataset]:
    """The report REPORT names: a file when there is one, else an implementation's newest report."""
    path = Path(args.report)
    if os.path.lexists(path):  # a file, pipe or link: the one report reader refuses all but a plain file
        report = load_report(path)
        return report, load_data(args)
    dataset = load_data(args)
    if args.report not in dataset.implementations:
        close = difflib.get_close_matches(args.report, list(dataset.implementations), n=1, cutoff=0.75)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise UsageError(
            f"{args.report}: no report file and no implementation named {args.report!r} "
            f"({hint}give a report's path, or an id from data/implementations.json)"
        )
    report, shown = newest_report(dataset, args.data or default_data_dir(), args.report)
    count = len(dataset.reports_of(args.report))
    which = f"the newest of {count} reports" if count > 1 else "the only report"
    print(f"aioc show: {shown} ({which} of {args.report})", file=sys.stderr)
    return report, dataset


def run(args: argparse.Namespace) -> int:
    report, dataset = resolve(args)
    catalog = dataset.catalog
    if args.format == "markdown":
        sys.stdout.write(to_markdown(report, catalog, args.fail_on))
    elif args.format == "junit":
        sys.stdout.write(to_junit(report, catalog, args.fail_on))
    elif args.format == "json":
        sys.stdout.write(to_json(report))
    else:
        console = Console(highlight=False)
        title = f"{report.implementation} {report.implementation_version or ''} · {report.origin.value} · "
        console.print(f"[bold]{title}{report.created.date()}[/bold]  run {report.run_id}")
        for section, results in ordered_results(report, catalog):
            table = Table(title=section, title_justify="left", show_lines=False)
            table.add_column("Row")
            table.add_column("Grade")
            table.add_column("Reason", overflow="fold")
            for result in results:
                row = catalog.rows.get(result.row)
                table.add_row(
                    plain(row.title) if row else result.row,
                    f"[{result.status.style}]{result.status.symbol} {result.status.label}[/]",
                    plain(result.message or result.footnote or ""),
                )
            console.print(table)
    return exit_code(report, args.fail_on)
