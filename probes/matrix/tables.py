"""Turn the merged cells into plain table data for one matrix: columns, rows, footnotes, summary.

Everything a template needs is computed here, as plain dataclasses, so that the Jinja macros only
lay out and escape, and so that these functions can be tested without building a site.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from functools import cached_property
from urllib.parse import urlsplit

from probes.load.dataset import Dataset, LoadedReport
from probes.matrix.cells import CellRecord, cell_record
from probes.matrix.history import Change, History, implementation_history, timeline
from probes.matrix.merge import Cell, Said, report_order
from probes.model.catalog import Matrix, Row, Section
from probes.model.implementations import Implementation
from probes.model.report import Origin
from probes.model.status import Status


@dataclass(frozen=True)
class RowView:
    row: Row
    cells: list[CellRecord]


@dataclass(frozen=True)
class SectionView:
    section: Section
    rows: list[RowView]


@dataclass(frozen=True)
class Footnote:
    number: int
    text: str


PASSING_DEFINITION = (
    "Passing means ✅ only: ⚠️ (works, but differs from OpenAI) is counted apart, never as passing."
)
"""The one meaning of "passing" on the site, stated beside every figure that uses it.

✅ only, because the badges (the figure most often copied elsewhere) already count ✅ only: a ⚠️ cell
works but differs from OpenAI in a way a client can trip over, so it is not full compatibility."""


@dataclass(frozen=True)
class Shares:
    """How many cells of one column of one matrix hold each grade: the data of one share bar."""

    implementation: Implementation
    matrix: Matrix
    counts: dict[Status, int]

    @property
    def total(self) -> int:
        """Every cell of the column, whatever its grade: the bar's full length."""
        return sum(self.counts.values())

    @property
    def segments(self) -> list[tuple[Status, int, float, float]]:
        """(status, count, start, width) for each grade present, start and width in percent of the bar."""
        out, start = [], 0.0
        for status in Status:
            count = self.counts.get(status, 0)
            if count and self.total:
                width = 100 * count / self.total
                out.append((status, count, round(start, 3), round(width, 3)))
                start += width
        return out

    @property
    def text(self) -> str:
        """The bar in words, its text equivalent: every grade with its count."""
        parts = [f"{self.counts.get(s, 0)} {s.symbol} {s.label}" for s in Status]
        return f"{self.implementation.name}, {self.matrix.title}: {', '.join(parts)} (of {self.total} rows)"


def shares_of(matrix: Matrix, impl: Implementation, cells: dict[tuple[str, str], Cell]) -> Shares:
    """Count one column's grades; a cell no report covers is ? (not tested), as the table shows it."""
    counts = {status: 0 for status in Status}
    for row_id in matrix.row_ids:
        cell = cells.get((impl.id, row_id))
        counts[cell.current.result.status if cell else Status.UNTESTED] += 1
    return Shares(implementation=impl, matrix=matrix, counts=counts)


@dataclass(frozen=True)
class SummaryLine:
    """Counts for one column, computed from graded cells only, so that it can show failures."""

    implementation: Implementation
    tested: int
    passing: int
    deviating: int
    failing: int
    rows: int
    shares: Shares | None = None

    @property
    def coverage(self) -> int:
        """Tested rows as a whole percentage of the matrix's rows."""
        return round(100 * self.tested / self.rows) if self.rows else 0


@dataclass(frozen=True)
class Details:
    """Which models, endpoints and versions stand behind one column's current cells."""

    implementation: Implementation
    models: list[str]
    endpoints: list[str]
    versions: list[str]
    sources: list[str]


@dataclass(frozen=True)
class MatrixView:
    matrix: Matrix
    columns: list[Implementation]
    sections: list[SectionView]
    footnotes: list[Footnote] = field(default_factory=list)
    retired: list[Row] = field(default_factory=list)
    summary: list[SummaryLine] = field(default_factory=list)
    details: list[Details] = field(default_factory=list)
    stale_after_days: int | None = None

    @property
    def hand_entered(self) -> int:
        """How many cells come from hand-entered reports."""
        return sum(1 for s in self.sections for r in s.rows for c in r.cells if c.origin is Origin.MANUAL)

    @property
    def unexplained(self) -> int:
        """How many hand-entered cells say that no reason for their grade could be found."""
        return sum(1 for s in self.sections for r in s.rows for c in r.cells if c.unexplained)

    @property
    def has_stale(self) -> bool:
        """Whether any cell is stale, so that the legend explains the faded marks."""
        return any(c.stale for s in self.sections for r in s.rows for c in r.cells)


def columns_for(matrix: Matrix, dataset: Dataset, cells: dict[tuple[str, str], Cell]) -> list[Implementation]:
    """The matrix's columns: as listed in the matrix, else every implementation with a cell in it."""
    if matrix.implementations is not None:
        return [dataset.implementations[i] for i in matrix.implementations]
    rows = set(matrix.row_ids)
    present = {impl for (impl, row) in cells if row in rows}
    return [impl for impl in dataset.implementations.values() if impl.id in present]


def build_matrix(
    matrix: Matrix,
    dataset: Dataset,
    cells: dict[tuple[str, str], Cell],
    *,
    today: dt.date | None = None,
    stale_after_days: int | None = None,
) -> MatrixView:
    """Lay out one matrix: sections of rows by columns, footnotes numbered in reading order."""
    today = today or dt.datetime.now(dt.UTC).date()
    columns = columns_for(matrix, dataset, cells)
    numbers: dict[str, int] = {}
    sections = []
    for section in matrix.sections:
        row_views = []
        for row_id in section.rows:
            views = []
            for impl in columns:
                cell = cells.get((impl.id, row_id))
                record = cell_record(impl.id, row_id, cell, today=today, stale_after_days=stale_after_days)
                if matrix.footnotes and record.note:
                    record = replace(record, footnote=numbers.setdefault(record.note, len(numbers) + 1))
                views.append(record)
            row_views.append(RowView(row=dataset.row(row_id), cells=views))
        sections.append(SectionView(section=section, rows=row_views))
    footnotes = [Footnote(number=n, text=t) for t, n in numbers.items()]
    view = MatrixView(
        matrix=matrix,
        columns=columns,
        sections=sections,
        footnotes=footnotes,
        retired=dataset.catalog.retired_rows if matrix.retired else [],
        stale_after_days=stale_after_days,
    )
    if matrix.summary:
        view = MatrixView(
            **{**view.__dict__, "summary": summarize(view, cells), "details": details(matrix, columns, cells)}
        )
    return view


def summarize(view: MatrixView, cells: dict[tuple[str, str], Cell] | None = None) -> list[SummaryLine]:
    """Tested / passing / deviating / failing counts per column (see :data:`PASSING_DEFINITION`).

    Passing counts ✅ only, deviating ⚠️, failing ❌, as everywhere on the site. With ``cells``, each line
    also carries its column's share bar."""
    rows = [r for s in view.sections for r in s.rows]
    lines = []
    for index, impl in enumerate(view.columns):
        statuses = [r.cells[index].status for r in rows]
        lines.append(
            SummaryLine(
                implementation=impl,
                tested=sum(s.tested for s in statuses),
                passing=sum(s is Status.PASS for s in statuses),
                deviating=sum(s is Status.DEVIATION for s in statuses),
                failing=sum(s is Status.FAIL for s in statuses),
                rows=len(rows),
                shares=shares_of(view.matrix, impl, cells) if cells is not None else None,
            )
        )
    return lines


def details(
    matrix: Matrix, columns: list[Implementation], cells: dict[tuple[str, str], Cell]
) -> list[Details]:
    """The models, endpoint hosts, versions and sources of the reports that supply each column."""
    out = []
    for impl in columns:
        reports = {}
        for row_id in matrix.row_ids:
            cell = cells.get((impl.id, row_id))
            if cell is not None:
                reports[cell.current.source.path] = cell.current.report
        models: set[str] = set()
        endpoints: set[str] = set()
        versions: set[str] = set()
        sources: set[str] = set()
        for report in reports.values():
            models.update(report.models)
            for url in filter(None, [report.base_url, *report.other_base_urls]):
                endpoints.add(urlsplit(url).hostname or "")
            if report.implementation_version:
                versions.add(report.implementation_version)
            if report.prober:
                versions.add(report.prober)
            if report.source:
                sources.add(report.source)
        out.append(
            Details(
                impl, sorted(models), sorted(e for e in endpoints if e), sorted(versions), sorted(sources)
            )
        )
    return out


@dataclass(frozen=True)
class CellDetail:
    """One cell on an implementation's page: the grade, the full result and how it changed."""

    row: Row
    view: CellRecord
    cell: Cell | None
    changes: list[Change] = field(default_factory=list)

    @cached_property
    def said(self) -> list[Said]:
        """What earlier reports said of the cell that it does not show now (see :attr:`Cell.said`)."""
        return self.cell.said if self.cell is not None else []

    @cached_property
    def sources(self) -> list[str]:
        """Where a reader can check the grade: the result's own sources, else its report's source."""
        if self.cell is None:
            return []
        current = self.cell.current
        if current.result.sources:
            return [str(s) for s in current.result.sources]
        return [str(current.report.source)] if current.report.source else []

    @cached_property
    def folded(self) -> list[str]:
        """What the entry's fold holds, in the words of its summary (``2 exchanges, source``); empty when
        there is nothing to fold, and the entry then shows its provenance alone."""
        if self.cell is None:
            return []
        parts = []
        if evidence := len(self.cell.current.result.evidence):
            parts.append(f"{evidence} exchange{'s' * (evidence != 1)}")
        if sources := len(self.sources):
            parts.append(f"source{'s' * (sources > 1)}")
        if len(self.changes) > 1:
            parts.append(f"{len(self.changes)} grades over time")
        if said := len(self.said):
            parts.append(f"{said} earlier word{'s' * (said != 1)}")
        return parts


@dataclass(frozen=True)
class DetailGroup:
    id: str
    """``MATRIX-SECTION`` of the catalog section the group shows, or ``other``: the anchor of its list of
    rows no report covers, so a link to it survives sections added or moved around it."""
    title: str
    cells: list[CellDetail]

    @property
    def covered(self) -> list[CellDetail]:
        """The cells some report graded: each gets its own entry, with its reason and evidence."""
        return [d for d in self.cells if d.cell is not None]

    @property
    def uncovered(self) -> list[CellDetail]:
        """The cells no report covers: the page lists their rows together, as there is nothing to say of
        each (on today's data about half of all cells, and most of a hand-entered column's)."""
        return [d for d in self.cells if d.cell is None]


CHANGES_SHOWN = 100
"""How many changes an implementation's page lists, newest first; its history export has them all."""


@dataclass(frozen=True)
class ImplementationView:
    implementation: Implementation
    reports: list[LoadedReport]
    groups: list[DetailGroup]
    history: History = field(default_factory=lambda: History(changes=[], first=[]))
    shares: list[Shares] = field(default_factory=list)
    """Its share bar in every matrix it is a column of, in catalog order."""

    @property
    def shown_changes(self) -> list[Change]:
        """The newest changes, as many as the page lists: a long history is a download, not a wall."""
        return self.history.changes[:CHANGES_SHOWN]

    @property
    def rows(self) -> dict[str, Row]:
        """The rows shown on the page by id, for the history table's titles."""
        return {d.row.id: d.row for group in self.groups for d in group.cells}


def build_implementation(
    impl: Implementation,
    dataset: Dataset,
    cells: dict[tuple[str, str], Cell],
    *,
    today: dt.date | None = None,
    stale_after_days: int | None = None,
    timelines: dict[tuple[str, str], list[Change]] | None = None,
) -> ImplementationView:
    """Every cell of one implementation, grouped by the sections it appears in first, each row once.

    ``timelines`` are the cells' timelines when the caller has them
    (see :func:`probes.matrix.history.timelines_of`).
    """
    today = today or dt.datetime.now(dt.UTC).date()
    shown: set[str] = set()
    groups = []
    known = timelines or {}
    timelines_by_row: dict[str, list[Change]] = {}

    def detail(row_id: str) -> CellDetail:
        cell = cells.get((impl.id, row_id))
        if cell is not None:
            found = known.get((impl.id, row_id))
            timelines_by_row[row_id] = found if found is not None else timeline(cell)
        return CellDetail(
            dataset.row(row_id),
            cell_record(impl.id, row_id, cell, today=today, stale_after_days=stale_after_days),
            cell,
            timelines_by_row.get(row_id, []),
        )

    for matrix in dataset.catalog.matrices.values():
        for section in matrix.sections:
            rows = [r for r in section.rows if r not in shown]
            shown.update(rows)
            if rows:
                groups.append(
                    DetailGroup(
                        f"{matrix.id}-{section.id}",
                        f"{matrix.title}: {section.title}",
                        [detail(r) for r in rows],
                    )
                )
    others = sorted(row for (i, row) in cells if i == impl.id and row not in shown)
    if others:
        groups.append(DetailGroup("other", "Other rows", [detail(r) for r in others]))
    reports = sorted(dataset.reports_of(impl.id), key=report_order, reverse=True)
    shown_rows = [d.row.id for group in groups for d in group.cells]
    return ImplementationView(
        implementation=impl,
        reports=reports,
        groups=groups,
        history=implementation_history(timelines_by_row, shown_rows),
        shares=implementation_shares(impl, dataset, cells),
    )


def implementation_shares(
    impl: Implementation, dataset: Dataset, cells: dict[tuple[str, str], Cell]
) -> list[Shares]:
    """One implementation's share bars: one per matrix that shows it as a column."""
    return [
        shares_of(matrix, impl, cells)
        for matrix in dataset.catalog.matrices.values()
        if any(c.id == impl.id for c in columns_for(matrix, dataset, cells))
    ]


@dataclass(frozen=True)
class OverviewLine:
    implementation: Implementation
    shares: list[Shares | None]
    """One per matrix of the overview, None where the matrix has no column for it."""


@dataclass(frozen=True)
class Overview:
    """Every implementation's share bars side by side, one column per matrix."""

    matrices: list[Matrix]
    lines: list[OverviewLine]


def build_overview(dataset: Dataset, cells: dict[tuple[str, str], Cell]) -> Overview:
    """The share bars of every implementation in every matrix that shows it, in catalog order."""
    matrices = list(dataset.catalog.matrices.values())
    columns = {m.id: {c.id for c in columns_for(m, dataset, cells)} for m in matrices}
    lines = [
        OverviewLine(
            impl, [shares_of(m, impl, cells) if impl.id in columns[m.id] else None for m in matrices]
        )
        for impl in dataset.implementations.values()
    ]
    return Overview(matrices=matrices, lines=[line for line in lines if any(line.shares)])
