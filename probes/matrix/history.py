"""When each cell changed: the grades a cell showed over time, read from the reports kept in ``data/``.

A cell changes when the grade the matrix would have shown after a report differs from the grade
it showed before. The rule is the merge's own (:mod:`probes.matrix.merge`): the newest graded result
wins, and a later "not tested" never hides an older grade, so it is not a change either.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from probes.matrix.merge import Cell
from probes.model.status import Status


class Change(NamedTuple):
    """One step in a cell's history: the report after which the cell showed a new grade.

    A named tuple because there is one per step of every cell (tens of thousands at scale).
    """

    implementation: str
    row: str
    created: dt.datetime
    run_id: str
    report: str
    before: Status | None
    after: Status
    message: str = ""

    @property
    def date(self) -> dt.date:
        """The day of the run that brought the change."""
        return self.created.date()

    @property
    def first(self) -> bool:
        """True for the cell's first grade, which is news but not a change."""
        return self.before is None


@dataclass(frozen=True)
class FirstGrades:
    """How many cells one report graded for the first time."""

    date: dt.date
    run_id: str
    count: int


@dataclass(frozen=True)
class History:
    """One implementation's history: real changes newest first, then first grades per report."""

    changes: list[Change]
    first: list[FirstGrades]


def timeline(cell: Cell) -> list[Change]:
    """The grades the cell showed, oldest first: its first grade and every change after it."""
    out: list[Change] = []
    shown: Status | None = None
    graded = False
    for entry in cell.history:
        status = entry.result.status
        if status is shown or (graded and status is Status.UNTESTED):
            continue
        graded = graded or status is not Status.UNTESTED
        report = entry.report
        out.append(
            Change(
                implementation=cell.implementation,
                row=cell.row,
                created=report.created,
                run_id=report.run_id,
                report=entry.source.path,
                before=shown,
                after=status,
                message=entry.result.message,
            )
        )
        shown = status
    return out


def timelines_of(cells: dict[tuple[str, str], Cell]) -> dict[tuple[str, str], list[Change]]:
    """Every cell's timeline, by ``(implementation, row)``: worked out once per build, then shared by
    the implementation pages and the history exports."""
    return {key: timeline(cell) for key, cell in cells.items()}


def implementation_history(timelines: dict[str, list[Change]], rows: Iterable[str]) -> History:
    """One implementation's history from its cells' timelines (by row), over ``rows`` in their order."""
    changes: list[Change] = []
    first: dict[tuple[dt.datetime, str], int] = {}
    for row in dict.fromkeys(rows):
        for change in timelines.get(row, ()):
            if change.first:
                key = (change.created, change.run_id)
                first[key] = first.get(key, 0) + 1
            else:
                changes.append(change)
    # Newest first; within one report, catalog order (the sort is stable).
    changes.sort(key=lambda c: (c.created, c.run_id), reverse=True)
    firsts = [
        FirstGrades(created.date(), run_id, count)
        for (created, run_id), count in sorted(first.items(), reverse=True)
    ]
    return History(changes=changes, first=firsts)
