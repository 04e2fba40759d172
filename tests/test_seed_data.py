"""The hand-entered seed reports must say what the two reference matrices say, cell for cell.

The expected grades are parsed from the seed tables, not typed here, so a wrong, missing or extra
cell in ``data/reports`` fails this test. The tables are committed as fixtures
(``tests/fixtures/seeds``: the two pages' tables, facts only, without their prose), so this runs on
every clone; where the pages themselves are beside the clone (``../shared/seeds``), a test checks
that the fixtures still hold every cell they hold.
Probed runs exist to overrule the seeds, so only the hand-entered reports copied from those pages
(manual, dated before the sourced re-entries of ``SOURCED_FROM``) are merged. A later sourced
re-entry may change a seed's grade only by saying so, and that is checked here too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from probes.load.dataset import Dataset, load_dataset
from probes.matrix.merge import Cell, merge
from probes.model.catalog import Matrix
from probes.model.report import SOURCED_FROM, Origin, Report
from probes.model.status import Status
from probes.model.text import plain

DATA = Path(__file__).parents[1] / "data"
SEEDS = Path(__file__).parent / "fixtures" / "seeds"
CORE_PAGE = SEEDS / "matrix-core.md"
FEATURES_PAGE = SEEDS / "matrix-features.md"
PUBLISHED_SEEDS = Path(__file__).parents[2] / "shared" / "seeds"
"""The published pages the fixtures were copied from, when a checkout has them beside it."""

CORE_MARKS = {
    "✅": Status.PASS,
    "⚠️": Status.DEVIATION,
    "❌": Status.FAIL,
    "n/a": Status.OUT_OF_SCOPE,
    "—": Status.OUT_OF_SCOPE,
}
FEATURE_MARK = re.compile(r"(yes|partial|no)(\d*)")
FEATURE_GRADES = {"yes": Status.PASS, "partial": Status.DEVIATION, "no": Status.FAIL}

FEATURE_ALIASES = {
    "streaming (sse)": "chat.stream",
    "logprobs": "chat.logprobs",
    "seed param (reproducible)": "chat.seed",
}
"""Feature-page labels whose wording differs from the catalog title of the same row."""


@dataclass(frozen=True)
class SeedCell:
    """One cell of a seed table, before it is mapped to catalog ids."""

    section: str
    label: str
    column: str
    mark: str


@dataclass(frozen=True)
class Expected:
    """The grade a seed page gives one (implementation, row), and the footnote number it cites."""

    status: Status
    page: str
    footnote: int | None = None


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def seed_cells(text: str) -> Iterator[SeedCell]:
    """Every cell of every table on a page; a row may be split over a label line and a marks line."""
    lines = text.splitlines()
    section = ""
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.endswith("¶"):
            section = line.removesuffix("¶").strip().lstrip("#").strip()
        is_header = line.startswith("|") and index + 1 < len(lines) and lines[index + 1].startswith("|---")
        if not is_header:
            index += 1
            continue
        columns = _cells(line)[1:]
        index += 2
        while index < len(lines):
            line = lines[index]
            if line.startswith("|"):
                label, *marks = _cells(line)
                index += 1
            elif line.endswith("|") and index + 1 < len(lines):
                label, marks = line.removesuffix("|").strip(), _cells(lines[index + 1])
                index += 2
            else:
                break
            assert len(marks) == len(columns), f"{label!r} has {len(marks)} cells for {len(columns)} columns"
            for column, mark in zip(columns, marks, strict=True):
                yield SeedCell(section, label, column, mark)


def normalise(label: str) -> str:
    """A row label reduced to what both pages and the catalog share: no method, marks or case."""
    text = plain(label).lower().replace("*", "")
    text = re.sub(r"^(get|post) ", "", text).replace(" (legacy)", "")
    return " ".join(text.split())


@cache
def dataset() -> Dataset:
    return load_dataset(DATA)


def implementation_for(column: str) -> str:
    """The implementation a column header names, e.g. ``llama.cpp server`` is ``llama-cpp``."""
    found = [
        impl.id
        for impl in dataset().implementations.values()
        if column == impl.name or column.startswith(impl.name + " ")
    ]
    assert len(found) == 1, f"column {column!r} matches implementations {found}"
    return found[0]


def row_for(matrix: Matrix, cell: SeedCell, by_section: bool) -> str:
    """The catalog row of a seed label, looked up among the matrix's rows (or its section's)."""
    sections = [s for s in matrix.sections if not by_section or s.title == cell.section]
    assert sections, f"no section {cell.section!r} in matrix {matrix.id!r}"
    label = normalise(cell.label)
    if label in FEATURE_ALIASES:
        return FEATURE_ALIASES[label]
    found = [row for s in sections for row in s.rows if normalise(dataset().row(row).title) == label]
    assert len(found) == 1, f"seed row {cell.label!r} matches catalog rows {found} in {matrix.id!r}"
    return found[0]


@cache
def expected() -> dict[tuple[str, str], list[Expected]]:
    """Every seed cell by (implementation, row); the core page comes last, so it wins."""
    out: dict[tuple[str, str], list[Expected]] = {}
    core = dataset().matrix("core")
    features = dataset().matrix("features")

    seen: set[tuple[str, str]] = set()
    for cell in seed_cells(FEATURES_PAGE.read_text(encoding="utf-8")):
        match = FEATURE_MARK.fullmatch(cell.mark)
        assert match, f"unknown mark {cell.mark!r} for {cell.label!r}"
        key = (implementation_for(cell.column), row_for(features, cell, by_section=False))
        assert key not in seen, f"{key} appears twice on the features page"
        seen.add(key)
        footnote = int(match[2]) if match[2] else None
        out.setdefault(key, []).append(Expected(FEATURE_GRADES[match[1]], "features", footnote))
    assert {row for _, row in seen} == set(features.row_ids), "features page and matrix rows differ"

    seen.clear()
    for cell in seed_cells(CORE_PAGE.read_text(encoding="utf-8")):
        assert cell.mark in CORE_MARKS, f"unknown mark {cell.mark!r} for {cell.label!r}"
        key = (implementation_for(cell.column), row_for(core, cell, by_section=True))
        assert key not in seen, f"{key} appears twice on the core page"
        seen.add(key)
        out.setdefault(key, []).append(Expected(CORE_MARKS[cell.mark], "core"))
    assert {row for _, row in seen} == set(core.row_ids), "core page and matrix rows differ"
    return out


@cache
def cells() -> dict[tuple[str, str], Cell]:
    return merge(r for r in dataset().reports if is_seed(r.report))


def is_seed(report: Report) -> bool:
    """A hand-entered report copied from a published matrix, before reports cited a source per cell."""
    return report.origin is Origin.MANUAL and report.created < SOURCED_FROM


def test_the_seed_pages_are_parsed_whole() -> None:
    """Guards the parser: a page it half-reads would make every other check here pass vacuously."""
    per_page = {"core": 0, "features": 0}
    for entries in expected().values():
        for entry in entries:
            per_page[entry.page] += 1
    assert per_page == {
        "core": len(dataset().matrix("core").row_ids) * 6,
        "features": len(dataset().matrix("features").row_ids) * 5,
    }


def test_every_seed_cell_has_its_grade_and_the_core_page_wins() -> None:
    wrong = []
    for (impl, row), entries in sorted(expected().items()):
        cell = cells().get((impl, row))
        if cell is None:
            wrong.append(f"{impl} {row}: missing, seed says {entries[-1].status}")
            continue
        if cell.status is not entries[-1].status:
            wrong.append(f"{impl} {row}: {cell.status}, {entries[-1].page} page says {entries[-1].status}")
        recorded = [entry.result.status for entry in cell.history]
        for entry in entries:
            if entry.status not in recorded:
                wrong.append(f"{impl} {row}: no report carries the {entry.page} page's {entry.status}")
    assert not wrong, "\n".join(wrong)


def test_each_footnote_number_has_one_text_that_survives_the_merge() -> None:
    """The site numbers footnotes by text: one number must be one text, on every cell that cites it."""
    citing: dict[int, list[tuple[str, str]]] = {}
    for key, entries in expected().items():
        for entry in entries:
            if entry.footnote is not None:
                citing.setdefault(entry.footnote, []).append(key)
    texts: dict[int, str] = {}
    for number, keys in sorted(citing.items()):
        shown = {cells()[key].current.result.footnote for key in keys}
        assert len(shown) == 1 and None not in shown, f"footnote {number} is shown as {shown} on {keys}"
        texts[number] = shown.pop()
    assert len(set(texts.values())) == len(texts), "two footnote numbers share one text"


def test_a_sourced_re_entry_changes_a_seed_grade_only_by_saying_so() -> None:
    seeds = cells()
    checked = 0
    for loaded in dataset().reports:
        report = loaded.report
        if report.origin is not Origin.MANUAL or is_seed(report):
            continue
        for result in report.results:
            seed = seeds.get((report.implementation, result.row))
            if seed is None:
                continue
            checked += 1
            before = seed.current.result.status
            if result.status is not before:
                assert result.message.startswith(f"Grade changed from {before.value}"), (
                    f"{report.run_id} {result.row}: {before.label} -> {result.status.label} without saying so"
                )
            else:
                assert not result.message.startswith("Grade changed"), f"{report.run_id} {result.row}"
    assert checked > 40


@pytest.mark.parametrize("name", [CORE_PAGE.name, FEATURES_PAGE.name])
def test_the_fixtures_hold_every_cell_of_the_published_page(name: str) -> None:
    """The committed tables are the published ones, cell for cell (run where the pages are at hand)."""
    published = PUBLISHED_SEEDS / name
    if not published.is_file():
        pytest.skip(f"the published page {name} is not beside this clone (../shared/seeds)")
    fixture = list(seed_cells((SEEDS / name).read_text(encoding="utf-8")))
    assert fixture, f"no cells parsed from the fixture {name}"
    assert fixture == list(seed_cells(published.read_text(encoding="utf-8")))
