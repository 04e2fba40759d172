"""Which matrix cells a report changes, from what to what: the text a reviewer reads before merging.

Two ways to compare: one report against another (``diff_reports``), or the matrix before and after
adding reports (``diff_cells`` over :func:`probes.matrix.merge.merge`, the same merge the site uses, so the
diff shows exactly what the published page will show). Formatting is plain text for a terminal or
a Markdown table for a pull request comment. Everything here is pure.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from probes.load.dataset import LoadedReport
from probes.matrix.merge import Cell, merge
from probes.model.catalog import Row
from probes.model.report import Origin, Report, Result
from probes.model.status import Status
from probes.model.text import plain


@dataclass(frozen=True)
class Side:
    """One side of a changed cell: the grade, its note and which run gave it."""

    status: Status
    note: str
    origin: Origin
    date: dt.date
    run: str

    @classmethod
    def of(cls, result: Result, report: Report) -> Side:
        return cls(result.status, result.note, report.origin, report.created.date(), report.run_id)

    @property
    def grade(self) -> str:
        """The symbol and the words, e.g. ``⚠️ pass with deviation``."""
        return f"{self.status.symbol} {self.status.label}"

    @property
    def provenance(self) -> str:
        """Where the grade came from, e.g. ``probed 2026-05-20``."""
        return f"{self.origin.value} {self.date.isoformat()}"


class Kind(StrEnum):
    """How a cell changes. ``source``: same grade and note, now backed by another run."""

    ADDED = "added"
    REMOVED = "removed"
    STATUS = "status"
    NOTE = "note"
    SOURCE = "source"


@dataclass(frozen=True)
class Change:
    """One cell (implementation, row) whose content differs between two sides."""

    implementation: str
    row: str
    before: Side | None
    after: Side | None

    @property
    def kind(self) -> Kind:
        if self.before is None:
            return Kind.ADDED
        if self.after is None:
            return Kind.REMOVED
        if self.before.status != self.after.status:
            return Kind.STATUS
        if self.before.note != self.after.note:
            return Kind.NOTE
        return Kind.SOURCE

    @property
    def visible(self) -> bool:
        """True when a reader of the matrix sees a difference (grade, note, or a cell appearing)."""
        return self.kind is not Kind.SOURCE


def diff_reports(old: Report, new: Report) -> list[Change]:
    """Rows whose grade or note differs between two reports; rows only in one of them too."""
    changes = []
    rows = dict.fromkeys([r.row for r in old.results] + [r.row for r in new.results])
    for row in rows:
        before, after = old.result_for(row), new.result_for(row)
        change = Change(
            new.implementation,
            row,
            Side.of(before, old) if before else None,
            Side.of(after, new) if after else None,
        )
        if change.kind is not Kind.SOURCE:
            changes.append(change)
    return changes


def diff_cells(before: Mapping[tuple[str, str], Cell], after: Mapping[tuple[str, str], Cell]) -> list[Change]:
    """Cells whose current entry differs between two merged matrices."""
    changes = []
    for key in dict.fromkeys([*before, *after]):
        old, new = before.get(key), after.get(key)
        if (
            old is not None
            and new is not None
            and old.current.source.path == new.current.source.path
            and old.current.result == new.current.result
        ):
            continue
        changes.append(
            Change(
                key[0],
                key[1],
                Side.of(old.current.result, old.current.report) if old else None,
                Side.of(new.current.result, new.current.report) if new else None,
            )
        )
    return changes


def diff_against_matrix(reports: Iterable[LoadedReport], new: LoadedReport) -> list[Change]:
    """What the matrix shows differently once ``new`` is added (replacing a report with its run id)."""
    base = [r for r in reports if r.report.run_id != new.report.run_id]
    return diff_cells(merge(base), merge([*base, new]))


def ordered(
    changes: Iterable[Change], rows: Mapping[str, Row] | None = None, implementations: Iterable[str] = ()
) -> list[Change]:
    """Changes by column order, then catalog row order (unknown ids last, alphabetically)."""
    impl_rank = {impl: i for i, impl in enumerate(implementations)}
    row_rank = {row: i for i, row in enumerate(rows or {})}
    return sorted(
        changes,
        key=lambda c: (
            impl_rank.get(c.implementation, len(impl_rank)),
            c.implementation,
            row_rank.get(c.row, len(row_rank)),
            c.row,
        ),
    )


def summary_line(changes: list[Change]) -> str:
    """One sentence counting the visible changes, e.g. ``3 cells change (1 new)``."""
    visible = [c for c in changes if c.visible]
    if not visible:
        return "No cell changes."
    counts = {kind: sum(c.kind is kind for c in visible) for kind in Kind}
    extra = []
    if counts[Kind.ADDED]:
        extra.append(f"{counts[Kind.ADDED]} new")
    if counts[Kind.REMOVED]:
        extra.append(f"{counts[Kind.REMOVED]} no longer covered")
    if counts[Kind.NOTE]:
        extra.append(f"{counts[Kind.NOTE]} only in their note")
    noun = "cell changes" if len(visible) == 1 else "cells change"
    return f"{len(visible)} {noun}" + (f" ({', '.join(extra)})" if extra else "") + "."


def _confirmed_line(changes: list[Change]) -> str:
    confirmed = [c for c in changes if not c.visible]
    if not confirmed:
        return ""
    runs = sorted({c.after.run for c in confirmed if c.after})
    noun = "cell keeps its grade" if len(confirmed) == 1 else "cells keep their grade"
    return f"{len(confirmed)} more {noun}, now backed by {', '.join(runs)}."


def _row_label(row: str, rows: Mapping[str, Row] | None) -> str:
    title = rows[row].title if rows and row in rows else ""
    return f"{row} ({plain(title)})" if title and title != row else row


def format_text(changes: list[Change], rows: Mapping[str, Row] | None = None, title: str = "") -> str:
    """Plain text for a terminal: each changed cell with its grade before and after."""
    lines = [title] if title else []
    for change in changes:
        if not change.visible:
            continue
        lines.append(f"{change.implementation} / {_row_label(change.row, rows)}")
        for word, side in (("was", change.before), ("now", change.after)):
            if side is None:
                lines.append(f"    {word} (no result)")
            else:
                note = f": {plain(side.note)}" if side.note else ""
                lines.append(f"    {word} {side.grade} ({side.provenance}, run {side.run}){note}")
    lines.append(summary_line(changes))
    confirmed = _confirmed_line(changes)
    if confirmed:
        lines.append(confirmed)
    return "\n".join(lines) + "\n"


def md_cell(text: str) -> str:
    """Text that stays inside one Markdown table cell and pings nobody."""
    flat = " ".join(text.split())
    return flat.replace("|", "\\|").replace("@", "@\u200b")


def _md_side(side: Side | None) -> str:
    if side is None:
        return "_no result_"
    return f"{side.grade}<br><sub>{md_cell(side.provenance)}</sub>"


def _md_note(change: Change) -> str:
    if change.kind is Kind.NOTE and change.before and change.after:
        return f"~~{md_cell(change.before.note) or '(none)'}~~ → {md_cell(change.after.note) or '(none)'}"
    side = change.after or change.before
    return md_cell(side.note) if side else ""


def format_markdown(
    changes: list[Change], rows: Mapping[str, Row] | None = None, title: str = "", limit: int | None = None
) -> str:
    """A Markdown table for a pull request: implementation, row, before, after and the note."""
    lines = [title, ""] if title else []
    visible = [c for c in changes if c.visible]
    lines.append(summary_line(changes))
    if visible:
        lines += ["", "| Implementation | Row | Before | After | Note |", "|---|---|---|---|---|"]
        for change in visible[:limit]:
            row = f"`{md_cell(change.row)}`"
            if rows and change.row in rows and rows[change.row].title != change.row:
                row += f" {md_cell(plain(rows[change.row].title))}"
            lines.append(
                f"| {md_cell(change.implementation)} | {row} | {_md_side(change.before)} "
                f"| {_md_side(change.after)} | {_md_note(change)} |"
            )
    if limit is not None and len(visible) > limit:
        lines += ["", f"… and {len(visible) - limit} more cells."]
    confirmed = _confirmed_line(changes)
    if confirmed:
        lines += ["", md_cell(confirmed)]
    return "\n".join(lines) + "\n"
