"""The grades a cell can hold, with the symbol and words the site shows for each.

One place defines them so that the legend, the tables, the exports and the prober agree.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """A graded result. ``untested`` is kept apart from ``fail``: unknown is not no."""

    PASS = "pass"
    DEVIATION = "deviation"
    FAIL = "fail"
    OUT_OF_SCOPE = "out_of_scope"
    UNTESTED = "untested"

    @property
    def symbol(self) -> str:
        """The mark shown in a table cell."""
        return _SYMBOLS[self]

    @property
    def label(self) -> str:
        """The words a screen reader and the legend use for the mark."""
        return _LABELS[self]

    @property
    def style(self) -> str:
        """The rich style a terminal table prints the grade in."""
        return _STYLES[self]

    @property
    def graded(self) -> bool:
        """True when a probe or a source said something about the cell (everything but untested)."""
        return self is not Status.UNTESTED

    @property
    def tested(self) -> bool:
        """True for grades that count as tested in a summary: pass, deviation and fail."""
        return self in (Status.PASS, Status.DEVIATION, Status.FAIL)


_SYMBOLS = {
    Status.PASS: "✅",
    Status.DEVIATION: "⚠️",
    Status.FAIL: "❌",
    Status.OUT_OF_SCOPE: "—",
    Status.UNTESTED: "?",
}

_LABELS = {
    Status.PASS: "pass",
    Status.DEVIATION: "pass with deviation",
    Status.FAIL: "not implemented or failing",
    Status.OUT_OF_SCOPE: "out of scope",
    Status.UNTESTED: "not tested",
}

_STYLES = {
    Status.PASS: "green",
    Status.DEVIATION: "yellow",
    Status.FAIL: "red",
    Status.OUT_OF_SCOPE: "dim",
    Status.UNTESTED: "dim",
}

LEGEND: tuple[Status, ...] = tuple(Status)
