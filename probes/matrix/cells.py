"""One record of one cell, as the site shows it and the exports write it.

The matrix tables, the implementation pages, ``matrix.json``, ``matrix.csv`` and the badges all read
the same :class:`CellRecord`, built by :func:`cell_record` from the merged cell, so that a page and an
export can never disagree about a cell's grade, date, staleness or where it came from.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from probes.matrix.merge import Cell, Entry
from probes.model.report import Origin
from probes.model.status import Status
from probes.model.text import plain

NO_REPORT = "no report covers this cell"
"""The message of a cell that no report grades: shown as ? (not tested), never as ❌."""


@dataclass(frozen=True)
class CellRecord:
    """The merged grade of one implementation for one row, with the reason and where it came from."""

    implementation: str
    row: str
    status: Status
    message: str = ""
    note: str | None = None
    """The cell's footnote text (see :attr:`probes.matrix.merge.Cell.note`); a matrix with footnotes
    numbers it (see :attr:`footnote`)."""
    note_from: str | None = None
    """Where the note comes from when it is not the current result's: "run X, DATE"."""
    origin: Origin | None = None
    date: dt.date | None = None
    run_id: str | None = None
    report: str | None = None
    """The report's path under ``data/``."""
    evidence: int = 0
    """How many exchanges of evidence the result carries."""
    stale: bool = False
    unexplained: bool = False
    footnote: int | None = None
    """The note's number in the matrix that shows the cell; None outside a matrix with footnotes."""

    @property
    def tip(self) -> str:
        """Plain text for the hover/focus popover: the grade, the reason and where it came from."""
        parts = [self.status.label]
        if self.message:
            parts.append(plain(self.message))
        if self.note:
            note = (f"[{self.footnote}] " if self.footnote else "") + plain(self.note)
            parts.append(note + (f" (note of {self.note_from})" if self.note_from else ""))
        if self.unexplained:
            parts.append("no reason found")
        if self.origin is not None and self.date is not None:
            parts.append(f"{self.origin.value} {self.date.isoformat()}" + (" (stale)" if self.stale else ""))
        return " — ".join(parts)


def note_source(entry: Entry) -> str:
    """Whose words a note carried over from an older result are: its run and day."""
    return f"run {entry.report.run_id}, {entry.report.created.date().isoformat()}"


def is_stale(date: dt.date, today: dt.date, stale_after_days: int | None) -> bool:
    """A cell is stale when its newest grade is more than ``stale_after_days`` old (None: never)."""
    if not stale_after_days:
        return False
    return today - date > dt.timedelta(days=stale_after_days)


def cell_record(
    impl: str,
    row: str,
    cell: Cell | None,
    *,
    today: dt.date,
    stale_after_days: int | None,
) -> CellRecord:
    """The record of one cell; a cell no report covers is not tested. A matrix that numbers its notes
    sets :attr:`CellRecord.footnote` on the record (``dataclasses.replace``)."""
    if cell is None:
        return CellRecord(impl, row, Status.UNTESTED, NO_REPORT)
    result = cell.current.result
    noted = cell.note
    return CellRecord(
        implementation=impl,
        row=row,
        status=result.status,
        message=result.message,
        note=noted.result.footnote if noted else None,
        note_from=None if noted is None or noted is cell.current else note_source(noted),
        origin=cell.origin,
        date=cell.date,
        run_id=cell.current.report.run_id,
        report=cell.current.source.path,
        evidence=len(result.evidence),
        stale=is_stale(cell.date, today, stale_after_days),
        unexplained=result.unexplained,
    )
