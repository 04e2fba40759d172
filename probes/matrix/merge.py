"""Merge reports into cells: per implementation and row, the newest graded result wins.

Reports are ordered by their ``created`` time and then their run id, so the outcome never depends
on the order files were read in. An ``untested`` result does not hide an older grade (unknown is
not no); it wins only where nothing was ever graded. Every older result stays as the cell's history.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from probes.load.dataset import LoadedReport
from probes.model.report import Origin, Report, Result
from probes.model.status import Status


class Entry(NamedTuple):
    """One result for a cell, with the report it came from.

    A named tuple, not a dataclass: a merge makes one per result of every report (hundreds of
    thousands at 10,000 reports), and a tuple is made about three times faster.
    """

    result: Result
    source: LoadedReport

    @property
    def report(self) -> Report:
        return self.source.report


class Said(NamedTuple):
    """An earlier wording of a cell: the newest result that gave it, and how many older ones did too."""

    entry: Entry
    also: int = 0


@dataclass(frozen=True)
class Cell:
    """What the matrix shows for one implementation and row, and everything said about it before."""

    implementation: str
    row: str
    current: Entry
    history: tuple[Entry, ...]

    @property
    def status(self) -> Status:
        return self.current.result.status

    @property
    def origin(self) -> Origin:
        return self.current.report.origin

    @property
    def date(self) -> dt.date:
        return self.current.report.created.date()

    @property
    def note(self) -> Entry | None:
        """The result whose footnote the cell shows: the current one's, else the newest other result
        with the same grade and a footnote.

        A note describes a grade ("tools need ``--jinja``"); a newer report that confirms the grade
        without a note of its own does not make it wrong, so it stays (saying whose it is) rather than
        vanishing. A note given with another grade no longer applies; it stays in :attr:`said`.
        """
        if self.current.result.footnote:
            return self.current
        for entry in reversed(self.history):
            if entry.result.status is self.status and entry.result.footnote:
                return entry
        return None

    @property
    def said(self) -> list[Said]:
        """What other results said that the cell does not already show, newest first, each wording once.

        The history keeps every report's words, so none is dropped from the site when a newer report
        supersedes it; but a server probed every week repeats itself, so a wording (grade, reason and
        note) is listed once, at the newest run that gave it, with how many older runs gave it too.
        Words the current result gives are not repeated.
        """
        current = self.current.result
        shown = {(current.status, current.message, current.footnote)}
        said: dict[tuple[Status, str | None, str | None], Said] = {}
        for entry in reversed(self.history):
            result = entry.result
            words = (result.status, result.message, result.footnote)
            if entry is self.current or not (result.message or result.footnote) or words in shown:
                continue
            if words in said:
                said[words] = said[words]._replace(also=said[words].also + 1)
            else:
                said[words] = Said(entry)
        return list(said.values())

    @property
    def changes(self) -> list[Entry]:
        """The entries where the status differed from the one before: the cell's history of changes."""
        out: list[Entry] = []
        for entry in self.history:
            if not out or entry.result.status != out[-1].result.status:
                out.append(entry)
        return out


def report_order(loaded: LoadedReport) -> tuple[dt.datetime, str]:
    """The sort key that makes the merge deterministic: time of the run, then its id."""
    return (loaded.report.created, loaded.report.run_id)


def merge(reports: Iterable[LoadedReport]) -> dict[tuple[str, str], Cell]:
    """Pivot reports into cells keyed by ``(implementation, row)``."""
    entries: dict[tuple[str, str], list[Entry]] = {}
    for loaded in sorted(reports, key=report_order):
        impl = loaded.report.implementation
        for result in loaded.report.results:
            key = (impl, result.row)
            history = entries.get(key)
            if history is None:
                history = entries[key] = []
            history.append(Entry(result, loaded))
    cells = {}
    for (impl, row), history in entries.items():
        # The newest graded entry, else the newest: unknown never hides a grade.
        current = next((e for e in reversed(history) if e.result.status is not Status.UNTESTED), history[-1])
        cells[(impl, row)] = Cell(implementation=impl, row=row, current=current, history=tuple(history))
    return cells
