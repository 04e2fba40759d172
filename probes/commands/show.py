"""``aioc show REPORT``: one report as a terminal table (coloured on a terminal, plain when piped)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

from probes.commands.common import add_data_option, add_fail_on_option, load_data, load_report
from probes.formats import exit_code, ordered_results, to_json, to_junit, to_markdown
from probes.text import plain


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("show", help="show one probe report", description=__doc__)
    parser.add_argument("report", type=Path, help="a probe report JSON file")
    parser.add_argument("--format", choices=["table", "markdown", "junit", "json"], default="table")
    add_fail_on_option(parser)
    add_data_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    report = load_report(args.report)
    catalog = load_data(args).catalog
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
