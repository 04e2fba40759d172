"""``aioc catalog``: the catalog's rows as a table or JSON, filtered by matrix, section or family.

On a terminal the table is drawn; piped, each row is one tab-separated line (a header line, then
id, title, family, kind, sections), so that ids reach grep, cut and ``--only`` whole.
"""

from __future__ import annotations

import argparse
import json
import sys

from rich.console import Console
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from probes.cli.commands.common import add_data_option, load_data
from probes.cli.errors import UsageError
from probes.model.catalog import Family
from probes.model.text import plain

COLUMNS = ("id", "title", "family", "kind", "sections")

TABLE_ROOM = 70
"""Columns a terminal needs beyond the longest id to draw the table (borders and the other columns)."""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "catalog",
        help="list the catalog's rows",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--matrix", help="only rows of this matrix (e.g. core, features)")
    parser.add_argument("--section", help="only rows of this section id (e.g. core-surface)")
    parser.add_argument(
        "--family", choices=[f.value for f in Family], help="only rows of this endpoint family"
    )
    parser.add_argument("--format", choices=["table", "json"], default="table")
    add_data_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    catalog = load_data(args).catalog
    if args.matrix and args.matrix not in catalog.matrices:
        raise UsageError(f"unknown matrix {args.matrix!r}; known: {', '.join(catalog.matrices)}")
    placements: dict[str, list[str]] = {}
    for matrix in catalog.matrices.values():
        if args.matrix and matrix.id != args.matrix:
            continue
        for section in matrix.sections:
            if args.section and section.id != args.section:
                continue
            for row_id in section.rows:
                placements.setdefault(row_id, []).append(f"{matrix.id}/{section.id}")
    if args.section and not placements:
        known = sorted({s.id for m in catalog.matrices.values() for s in m.sections})
        raise UsageError(f"unknown section {args.section!r}; known: {', '.join(known)}")
    filtered = bool(args.matrix or args.section)
    rows = [
        row
        for row in catalog.rows.values()
        if (not filtered or row.id in placements) and (not args.family or row.family.value == args.family)
    ]
    if args.format == "json":
        payload = [
            {**row.model_dump(mode="json", exclude_none=True), "sections": placements.get(row.id, [])}
            for row in rows
        ]
        json.dump(payload, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    lines = [
        (
            row.id,
            plain(row.title) + (f" (retired {row.retired.date})" if row.retired else ""),
            row.family.value,
            row.kind.value,
            ", ".join(placements.get(row.id, [])),
        )
        for row in rows
    ]
    console = Console(highlight=False)
    if not console.is_terminal:
        # ids are copied into --only and fed to grep: a drawn table would wrap them mid-word
        for line in [COLUMNS, *lines]:
            sys.stdout.write("\t".join(" ".join(cell.split()) for cell in line) + "\n")
        return 0
    widest = max((len(line[0]) for line in lines), default=0)
    if console.width >= widest + TABLE_ROOM:
        table = Table(title=f"aioc catalog: {len(rows)} rows")
        table.add_column(COLUMNS[0], no_wrap=True)  # never split: the other columns wrap instead
        for column in COLUMNS[1:]:
            table.add_column(column, overflow="fold")
        for line in lines:
            table.add_row(*line)
        console.print(table)
        return 0
    # too narrow for a table with whole ids: each id on a line of its own, its details below it
    console.print(Text(f"aioc catalog: {len(rows)} rows", style="italic"))
    for row_id, *details in lines:
        console.print(Text(row_id, style="bold"), soft_wrap=True)
        console.print(Padding(Text(" · ".join(d for d in details if d)), (0, 0, 0, 4)))
    return 0
