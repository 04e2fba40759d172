"""The Responses API matrix: every seed group and row on the built page, summary figures that add up.

The expected rows, marks and summary figures are read from the seed page's tables (committed as
``tests/fixtures/seeds/responses-features.md``; where the published page is beside the clone, a test
checks the fixture against it), not typed here; the page figures are recomputed in this file from the
loaded reports, independently of ``probes.matrix.tables``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import page, write_json

from probes.load.dataset import Dataset, LoadedReport, load_dataset
from probes.matrix.merge import merge
from probes.matrix.tables import build_matrix
from probes.model.report import Origin
from probes.model.status import Status

DATA = Path(__file__).parents[1] / "data"
SEED = Path(__file__).parent / "fixtures" / "seeds" / "responses-features.md"
PUBLISHED_SEED = Path(__file__).parents[2] / "shared" / "seeds" / "responses-features.md"
SEED_SOURCE = "https://github.com/llamastack/llama-stack/blob/main/docs/docs/api-openai/provider_matrix.md"
PAGE = "responses/index.html"

MARKS = {"✅": Status.PASS, "❌": Status.FAIL, "⏭️": Status.OUT_OF_SCOPE, "—": None}
"""Seed marks and what the data holds for them; ``None``: no result (the page shows not tested)."""


@dataclass(frozen=True)
class SeedPage:
    """What the seed page says: rows per group, marks per row and provider, and its two tables."""

    groups: dict[str, list[str]]
    marks: dict[tuple[str, str, str], str]
    summary: dict[str, tuple[int, int, int, int]]
    details: dict[str, tuple[list[str], list[str], str]]


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _tables(lines: list[str]) -> list[tuple[str, list[str], list[list[str]]]]:
    """Every Markdown table with the line above its header (the group title)."""
    out = []
    index = 0
    while index < len(lines):
        if lines[index].startswith("|") and index + 1 < len(lines) and lines[index + 1].startswith("|---"):
            title = lines[index - 1].strip() if index else ""
            header = _cells(lines[index])
            body = []
            index += 2
            while index < len(lines) and lines[index].startswith("|"):
                body.append(_cells(lines[index]))
                index += 1
            out.append((title, header, body))
        else:
            index += 1
    return out


@cache
def seed() -> SeedPage:
    """Parse the seed page once."""
    groups: dict[str, list[str]] = {}
    marks: dict[tuple[str, str, str], str] = {}
    summary: dict[str, tuple[int, int, int, int]] = {}
    details: dict[str, tuple[list[str], list[str], str]] = {}
    for title, header, body in _tables(SEED.read_text(encoding="utf-8").splitlines()):
        if header[0] == "Feature":
            groups[title] = [row[0] for row in body]
            for row in body:
                assert len(row) == len(header), f"{title}: {row}"
                for provider, mark in zip(header[1:], row[1:], strict=True):
                    assert mark in MARKS, f"unknown mark {mark!r}"
                    marks[(title, row[0], provider)] = mark
        elif header[:2] == ["Provider", "Tested"]:
            for provider, tested, passing, failing, coverage in body:
                summary[provider] = (int(tested), int(passing), int(failing), int(coverage.rstrip("%")))
        elif header[:2] == ["Provider", "Model(s)"]:
            for provider, models, endpoints, versions in body:
                hosts = [] if endpoints == "—" else endpoints.split(", ")
                details[provider] = (models.split(", "), hosts, versions)
    return SeedPage(groups, marks, summary, details)


@cache
def dataset() -> Dataset:
    return load_dataset(DATA)


def row_id(section_id: str, label: str) -> str:
    """The catalog id of a seed row: ``responses.<section>.<test name with dashes>``."""
    return f"responses.{section_id}.{label.replace(' ', '-')}"


def section_for(group: str):
    """The matrix section of a seed group (the seed title-cases acronyms: Mcp, Openai)."""
    found = [s for s in dataset().matrix("responses").sections if s.title.casefold() == group.casefold()]
    assert len(found) == 1, f"seed group {group!r} matches sections {found}"
    return found[0]


def is_seed(loaded: LoadedReport) -> bool:
    return loaded.report.origin is Origin.MANUAL and loaded.report.source == SEED_SOURCE


def figures(reports: list[LoadedReport], rows: list[str]) -> dict[str, tuple[int, int, int, int]]:
    """Tested, passing, failing and coverage per implementation: newest graded result per cell wins."""
    newest: dict[tuple[str, str], tuple[tuple, Status]] = {}
    for loaded in reports:
        report = loaded.report
        for result in report.results:
            if result.row not in rows or not result.status.graded:
                continue
            key = (report.implementation, result.row)
            order = (report.created, report.run_id)
            if key not in newest or newest[key][0] < order:
                newest[key] = (order, result.status)
    out = {}
    for impl in {impl for impl, _ in newest}:
        statuses = [newest[(impl, row)][1] for row in rows if (impl, row) in newest]
        tested = sum(s in (Status.PASS, Status.DEVIATION, Status.FAIL) for s in statuses)
        passing = sum(s in (Status.PASS, Status.DEVIATION) for s in statuses)
        failing = sum(s is Status.FAIL for s in statuses)
        out[impl] = (tested, passing, failing, round(100 * tested / len(rows)))
    return out


def page_summary(soup: BeautifulSoup) -> dict[str, tuple[int, int, int, int]]:
    table = soup.find("table", attrs={"data-aioc-table": "summary", "data-aioc-matrix": "responses"})
    assert table is not None, "the page has no summary table"
    out = {}
    for tr in table.tbody.find_all("tr"):
        tested, passing, deviating, failing, coverage = (td.get_text() for td in tr.find_all("td")[:5])
        # The page's Passing counts ✅ only and shows ⚠️ apart; the seed page's Passing counts both.
        passing_or_deviating = int(passing) + int(deviating)
        out[tr["data-aioc-col"]] = (
            int(tested),
            passing_or_deviating,
            int(failing),
            int(coverage.rstrip("%")),
        )
    return out


def cell_status(td) -> Status:
    return next(
        Status(c.removeprefix("aioc-")) for c in td["class"] if c.removeprefix("aioc-") in set(Status)
    )


def test_every_seed_group_and_row_is_on_the_page(site: Path) -> None:
    soup = page(site, PAGE)
    matrix = dataset().matrix("responses")
    assert len(seed().groups) == 12 and sum(len(rows) for rows in seed().groups.values()) == 133
    assert [s.title.casefold() for s in matrix.sections] == [g.casefold() for g in seed().groups]
    for group, labels in seed().groups.items():
        section = section_for(group)
        heading = soup.find("h2", id=section.id)
        assert heading is not None and section.title in heading.get_text()
        table = soup.find("table", id=f"table-responses-{section.id}")
        shown = [tr["id"] for tr in table.tbody.find_all("tr")]
        assert shown == [f"row-responses-{row_id(section.id, label)}" for label in labels]
        for label in labels:
            row = dataset().row(row_id(section.id, label))
            assert row.family.value == "responses" and row.kind.value == "behaviour"
            title = soup.find("tr", id=f"row-responses-{row.id}").th.get_text()
            assert title == row.title.replace("`", ""), "our own title, rendered"
    assert "responses" not in matrix.row_ids, "the /v1/responses endpoint row is not a feature row"


def test_seed_cells_are_shipped_as_manual_reports() -> None:
    cells = merge(r for r in dataset().reports if is_seed(r))
    providers = {provider for _, _, provider in seed().marks}
    for provider in providers:
        [report] = [r.report for r in dataset().reports if is_seed(r) and r.report.implementation == provider]
        assert report.run_id.endswith("-responses-seed")
    wrong = []
    for (group, label, provider), mark in seed().marks.items():
        cell = cells.get((provider, row_id(section_for(group).id, label)))
        expected = MARKS[mark]
        got = cell.status if cell else None
        if got is not expected:
            wrong.append(f"{provider} {group}/{label}: {got}, seed says {mark}")
        elif expected is Status.OUT_OF_SCOPE:
            assert "skipped" in cell.current.result.message and "unsupported" in cell.current.result.message
    assert not wrong, "\n".join(wrong)


def test_page_cells_show_the_merged_data(site: Path) -> None:
    soup = page(site, PAGE)
    cells = merge(dataset().reports)
    matrix = dataset().matrix("responses")
    checked = 0
    for row in matrix.row_ids:
        for td in soup.find("tr", id=f"row-responses-{row}").find_all("td"):
            cell = cells.get((td["data-aioc-col"], row))
            assert cell_status(td) is (cell.status if cell else Status.UNTESTED)
            checked += 1
    assert checked >= 133 * len(seed().summary)


def test_summary_is_recomputed_from_the_reports_and_agrees_with_the_seed(site: Path) -> None:
    rows = dataset().matrix("responses").row_ids
    shown = page_summary(page(site, PAGE))
    assert shown == figures(dataset().reports, rows)
    from_seed_reports = figures([r for r in dataset().reports if is_seed(r)], rows)
    assert {p: from_seed_reports[p] for p in seed().summary} == seed().summary
    definition = page(site, PAGE).find("p", class_="aioc-definition").get_text()
    assert f"{len(rows)} rows" in definition


def test_provider_details_state_the_seed_facts(site: Path) -> None:
    seed_cells = merge(r for r in dataset().reports if is_seed(r))
    view = build_matrix(dataset().matrix("responses"), dataset(), seed_cells)
    details = {d.implementation.id: d for d in view.details}
    for provider, (models, hosts, versions) in seed().details.items():
        d = details[provider]
        assert d.models == sorted(models)
        assert ", ".join(d.versions) == versions
        assert d.sources == [SEED_SOURCE]
        assert d.endpoints == sorted(hosts), f"{provider}: every host the source lists, none lost"
    table = page(site, PAGE).find(
        "table", attrs={"data-aioc-table": "details", "data-aioc-matrix": "responses"}
    )
    openai = table.find("tr", attrs={"data-aioc-col": "openai"})
    assert "api.openai.com" in openai.get_text() and "o4-mini" in openai.get_text()


def test_a_new_report_changes_the_summary(data_copy: Path, build) -> None:
    before = page_summary(page(build(data_copy), PAGE))
    rows = load_dataset(data_copy).matrix("responses").row_ids
    cells = merge(load_dataset(data_copy).reports)
    untested = [r for r in rows if ("bedrock", r) not in cells]
    skipped = [r for r in rows if (c := cells.get(("bedrock", r))) and c.status is Status.OUT_OF_SCOPE]
    assert untested and skipped
    newest = max(
        r.report.created for r in load_dataset(data_copy).reports if r.report.implementation == "bedrock"
    )
    created = (newest + dt.timedelta(minutes=1)).isoformat()
    write_json(
        data_copy / "reports" / "bedrock" / "bedrock-recheck.json",
        {
            "run_id": "bedrock-recheck",
            "implementation": "bedrock",
            "origin": "manual",
            "created": created,
            "source_note": "A planted re-check.",
            "results": [
                {"row": untested[0], "status": "fail"},
                {"row": skipped[0], "status": "pass"},
                {"row": untested[1], "status": "untested", "message": "not run"},
            ],
        },
    )
    # Another server appears as a new column with its own line.
    write_json(
        data_copy / "reports" / "lm-studio" / "lm-studio-responses-check.json",
        {
            "run_id": "lm-studio-responses-check",
            "implementation": "lm-studio",
            "origin": "manual",
            "created": created,
            "source_note": "A planted check.",
            "results": [
                {"row": rows[0], "status": "deviation", "message": "answers, with a different shape"}
            ],
        },
    )
    after = page_summary(page(build(data_copy), PAGE))
    tested, passing, failing, _ = before["bedrock"]
    assert after["bedrock"] == (tested + 2, passing + 1, failing + 1, round(100 * (tested + 2) / len(rows)))
    assert after["lm-studio"] == (1, 1, 0, round(100 / len(rows)))
    assert {k: v for k, v in after.items() if k not in {"bedrock", "lm-studio"}} == {
        k: v for k, v in before.items() if k != "bedrock"
    }
    assert after == figures(load_dataset(data_copy).reports, rows)


def test_ids_are_stable_lower_case_and_unique_in_the_matrix() -> None:
    matrix = dataset().matrix("responses")
    assert matrix.summary and matrix.title == "Responses API features"
    assert len(set(matrix.row_ids)) == len(matrix.row_ids) == 133
    for section in matrix.sections:
        for row in section.rows:
            assert re.fullmatch(rf"responses\.{re.escape(section.id)}\.[a-z0-9-]+", row), row


def test_the_fixture_holds_the_published_tables() -> None:
    """The committed tables are the published page's, table for table (where the page is at hand)."""
    if not PUBLISHED_SEED.is_file():
        pytest.skip("the published page is not beside this clone (../shared/seeds)")
    published = _tables(PUBLISHED_SEED.read_text(encoding="utf-8").splitlines())
    fixture = _tables(SEED.read_text(encoding="utf-8").splitlines())
    kept = [(title, header, body) for title, header, body in published if header[0] != "Legend"]
    assert [(h, b) for _, h, b in fixture] == [(h, b) for _, h, b in kept]
    groups = [(t, h) for t, h, _ in kept if h[0] == "Feature"]
    assert [(t, h) for t, h, _ in fixture if h[0] == "Feature"] == groups
