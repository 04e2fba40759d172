"""Data people can take away: the merged matrix as JSON and CSV, and a small SVG badge per implementation.

Pure functions of the loaded dataset and the merged cells; the MkDocs hook only adds their output to
the built site (``matrix.json``, ``matrix.csv``, ``badges/<id>.svg``, ``history/<id>.csv``). Every
export carries :data:`SCHEMA_VERSION`, raised whenever a field is removed or changes meaning, so that
a consumer can refuse a shape it does not know. ``docs/exports.md`` documents the fields.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from dataclasses import dataclass
from html import escape
from typing import Any

# defusedcsv is the csv module with OWASP's guard against formula injection: a cell starting with
# = + - @ | % (other than a plain number) gets a leading ' so that a spreadsheet shows it as text.
from defusedcsv import csv

from probes.load.dataset import Dataset
from probes.matrix.cells import CellRecord, cell_record
from probes.matrix.history import Change, timelines_of
from probes.matrix.merge import Cell
from probes.matrix.tables import columns_for
from probes.model.redact import printable
from probes.model.status import Status
from probes.model.text import plain

SCHEMA_VERSION = 1
"""The version of the export format (matrix.json and the CSV files); see docs/exports.md."""

JSON_PATH = "matrix.json"
CSV_PATH = "matrix.csv"
BADGES_DIR = "badges"
HISTORY_DIR = "history"

HISTORY_FIELDS = (
    "schema_version",
    "implementation",
    "row",
    "row_title",
    "date",
    "run_id",
    "report",
    "before",
    "after",
    "message",
)

CSV_FIELDS = (
    "schema_version",
    "implementation",
    "row",
    "row_title",
    "status",
    "symbol",
    "message",
    "footnote",
    "origin",
    "date",
    "run_id",
    "report",
    "evidence",
    "stale",
)


def live_rows(dataset: Dataset) -> list[str]:
    """The rows any matrix shows, each once, in catalog order: what the exports and badges cover."""
    shown = {row for matrix in dataset.catalog.matrices.values() for row in matrix.row_ids}
    return [row for row in dataset.catalog.rows if row in shown]


def cell_records(
    dataset: Dataset,
    cells: dict[tuple[str, str], Cell],
    *,
    today: dt.date,
    stale_after_days: int | None = None,
) -> list[CellRecord]:
    """Every implementation × live row, in column and catalog order; a cell without data is untested."""
    rows = live_rows(dataset)
    return [
        cell_record(impl, row, cells.get((impl, row)), today=today, stale_after_days=stale_after_days)
        for impl in dataset.implementations
        for row in rows
    ]


def matrix_document(
    dataset: Dataset,
    cells: dict[tuple[str, str], Cell],
    records: list[CellRecord],
    *,
    today: dt.date,
    stale_after_days: int | None = None,
) -> dict[str, Any]:
    """The merged matrix as plain JSON data: statuses, columns, rows, matrices and every cell."""
    rows = live_rows(dataset)
    return {
        "schema_version": SCHEMA_VERSION,
        "as_of": today.isoformat(),
        "stale_after_days": stale_after_days,
        "statuses": {s.value: {"symbol": s.symbol, "label": s.label} for s in Status},
        "implementations": [
            {"id": i.id, "name": i.name, "kind": i.kind.value, "homepage": i.homepage}
            for i in dataset.implementations.values()
        ],
        "rows": [
            {
                "id": r.id,
                "title": r.title,
                "kind": r.kind.value,
                "family": r.family.value,
                "method": r.method,
                "path": r.path,
            }
            for r in (dataset.row(row) for row in rows)
        ],
        "matrices": [
            {
                "id": m.id,
                "title": m.title,
                "implementations": [i.id for i in columns_for(m, dataset, cells)],
                "sections": [{"id": s.id, "title": s.title, "rows": list(s.rows)} for s in m.sections],
            }
            for m in dataset.catalog.matrices.values()
        ],
        "cells": [
            {
                "implementation": r.implementation,
                "row": r.row,
                "status": r.status.value,
                "message": r.message,
                "footnote": r.note,
                "origin": r.origin.value if r.origin else None,
                "date": r.date.isoformat() if r.date else None,
                "run_id": r.run_id,
                "report": r.report,
                "evidence": r.evidence,
                "stale": r.stale,
            }
            for r in records
        ],
    }


_HTML_SAFE = (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"))
"""JSON escapes for the characters that let text close a ``<script>`` or open a comment or entity."""


def matrix_json(document: dict[str, Any]) -> str:
    """The JSON export: one top-level key and one list item per line, so that diffs read well.

    ``<``, ``>`` and ``&`` are written as ``\\u003c``, ``\\u003e`` and ``\\u0026``, so that the file can
    be inlined in a page's ``<script>`` as is: report prose may show ``</script>`` or ``<!--`` as
    code, and neither may survive as such. They only occur inside strings, where the escape decodes
    to the same text.
    """

    def one(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False)  # compact: the C encoder, fast on large grids

    fields = []
    for key, value in document.items():
        if isinstance(value, list) and value:
            items = ",\n  ".join(one(item) for item in value)
            fields.append(f"{one(key)}: [\n  {items}\n ]")
        else:
            fields.append(f"{one(key)}: {one(value)}")
    text = "{\n " + ",\n ".join(fields) + "\n}\n"
    for char, escaped in _HTML_SAFE:
        text = text.replace(char, escaped)  # three replaces: much faster than translate on large text
    return text


def matrix_csv(dataset: Dataset, records: list[CellRecord]) -> str:
    """The CSV export: one line per cell, prose as plain text, the schema version in every line.

    Written with defusedcsv, as every CSV here: prose starting with ``=`` and the like is prefixed with
    ``'`` (see docs/exports.md). Tabs and line breaks never lead a cell, since :func:`plain` strips them.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_FIELDS)
    for r in records:
        writer.writerow(
            [
                SCHEMA_VERSION,
                r.implementation,
                r.row,
                plain(dataset.row(r.row).title),
                r.status.value,
                r.status.symbol,
                plain(r.message),
                plain(r.note),
                r.origin.value if r.origin else "",
                r.date.isoformat() if r.date else "",
                r.run_id or "",
                r.report or "",
                r.evidence,
                "true" if r.stale else "false",
            ]
        )
    return out.getvalue()


def history_csv(dataset: Dataset, implementation: str, steps: list[Change]) -> str:
    """Every grade each cell of one implementation showed, newest first: its first grade (``before``
    empty) and each change after it, by the merge's rule (see :mod:`probes.matrix.history`); defused as
    :func:`matrix_csv` is."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HISTORY_FIELDS)
    for step in sorted(steps, key=lambda c: (c.created, c.run_id), reverse=True):
        row = dataset.catalog.rows.get(step.row)
        writer.writerow(
            [
                SCHEMA_VERSION,
                implementation,
                step.row,
                plain(row.title) if row else "",
                step.date.isoformat(),
                step.run_id,
                step.report,
                step.before.value if step.before else "",
                step.after.value,
                plain(step.message),
            ]
        )
    return out.getvalue()


@dataclass(frozen=True)
class Score:
    """A badge's number: ✅ cells as a share of the cells graded ✅, ⚠️ or ❌ (— and ? left out)."""

    passing: int
    graded: int

    @property
    def percent(self) -> int | None:
        """The share as a whole percentage, or None when nothing was graded."""
        return round(100 * self.passing / self.graded) if self.graded else None


def score(records: list[CellRecord], implementation: str) -> Score:
    """Count one implementation's ✅ cells among its graded ones over the live rows."""
    statuses = [r.status for r in records if r.implementation == implementation]
    return Score(passing=sum(s is Status.PASS for s in statuses), graded=sum(s.tested for s in statuses))


BADGE_LABEL = "OpenAI API"
_COLOURS = ((90, "#2e7d32"), (70, "#4b7a0d"), (50, "#8a6100"), (0, "#c62828"))
"""Fill by share of ✅; each keeps white text above a 4.5:1 contrast ratio."""
_NO_GRADE = "#616161"


def _text_width(text: str) -> int:
    """A generous estimate of the text's width in px at 11px Verdana; textLength makes it exact."""
    narrow = sum(ch in "ilj.:,;|!' ()/" for ch in text)
    wide = sum(ch in "%MW@" for ch in text)
    return round(3.8 * narrow + 10.0 * wide + 7.0 * (len(text) - narrow - wide))


def badge_svg(name: str, result: Score) -> str:
    """A flat badge in the usual two-part shape: a label on the left, the share of ✅ on the right.

    The name goes in as a terminal would show it (:func:`printable`): an SVG file is XML, which has no
    way to write most control characters, and one of them would leave an image no viewer can read."""
    name = printable(name)
    percent = result.percent
    value = f"{percent}% pass" if percent is not None else "untested"
    colour = _NO_GRADE if percent is None else next(c for limit, c in _COLOURS if percent >= limit)
    detail = (
        f"{name}: {result.passing} of {result.graded} graded cells pass"
        " (✅ among ✅, ⚠️ and ❌; — and ? not counted)"
        if result.graded
        else f"{name}: no cell graded yet"
    )
    left, right = _text_width(BADGE_LABEL) + 12, _text_width(value) + 12
    width = left + right
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="20" role="img"'
        f' aria-label="{escape(BADGE_LABEL)}: {escape(value)}">'
        f"<title>{escape(detail)}</title>"
        f'<rect width="{left}" height="20" fill="#3d3d3d"/>'
        f'<rect x="{left}" width="{right}" height="20" fill="{colour}"/>'
        '<g fill="#fff" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11">'
        f'<text x="6" y="14" textLength="{left - 12}">{escape(BADGE_LABEL)}</text>'
        f'<text x="{left + 6}" y="14" textLength="{right - 12}">{escape(value)}</text>'
        "</g></svg>\n"
    )


def site_files(
    dataset: Dataset,
    cells: dict[tuple[str, str], Cell],
    *,
    today: dt.date,
    stale_after_days: int | None = None,
    timelines: dict[tuple[str, str], list[Change]] | None = None,
) -> dict[str, str]:
    """Every export by its path in the built site; ``timelines`` (by cell) are worked out when not given."""
    records = cell_records(dataset, cells, today=today, stale_after_days=stale_after_days)
    document = matrix_document(dataset, cells, records, today=today, stale_after_days=stale_after_days)
    files = {JSON_PATH: matrix_json(document), CSV_PATH: matrix_csv(dataset, records)}
    steps: dict[str, list[Change]] = {impl_id: [] for impl_id in dataset.implementations}
    for (impl_id, _), timeline in (timelines if timelines is not None else timelines_of(cells)).items():
        steps.setdefault(impl_id, []).extend(timeline)
    for impl in dataset.implementations.values():
        files[f"{BADGES_DIR}/{impl.id}.svg"] = badge_svg(impl.name, score(records, impl.id))
        files[f"{HISTORY_DIR}/{impl.id}.csv"] = history_csv(dataset, impl.id, steps[impl.id])
    return files
