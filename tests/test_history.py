"""A cell's history follows the merge's rule: what the matrix showed after each report, and when."""

from __future__ import annotations

import datetime as dt

from conftest import DATA

from probes.load.dataset import LoadedReport, load_dataset
from probes.matrix.cells import cell_record
from probes.matrix.exports import HISTORY_DIR, site_files
from probes.matrix.history import implementation_history, timeline, timelines_of
from probes.matrix.merge import merge
from probes.matrix.tables import CellDetail
from probes.model.report import Report
from probes.model.status import Status


def loaded(run_id: str, day: str, results: list[dict], impl: str = "ollama") -> LoadedReport:
    report = Report.model_validate(
        {
            "run_id": run_id,
            "implementation": impl,
            "origin": "manual",
            "created": f"{day}T12:00:00Z",
            "source": "https://example.org/notes",
            "results": results,
        }
    )
    return LoadedReport(path=f"reports/{impl}/{run_id}.json", report=report)


def test_timeline_lists_the_first_grade_and_each_change_oldest_first() -> None:
    reports = [
        # Given out of order: the merge sorts by time.
        loaded("c", "2026-03-01", [{"row": "embeddings", "status": "deviation", "message": "needs a flag"}]),
        loaded("a", "2026-01-01", [{"row": "embeddings", "status": "fail"}]),
        loaded("b", "2026-02-01", [{"row": "embeddings", "status": "pass"}]),
        loaded("b2", "2026-02-15", [{"row": "embeddings", "status": "pass"}]),
    ]
    steps = timeline(merge(reports)[("ollama", "embeddings")])
    assert [(s.run_id, s.before, s.after) for s in steps] == [
        ("a", None, Status.FAIL),
        ("b", Status.FAIL, Status.PASS),
        ("c", Status.PASS, Status.DEVIATION),
    ], "a confirmation (b2) is not a change"
    assert steps[0].first and not steps[1].first
    assert steps[2].date == dt.date(2026, 3, 1) and steps[2].message == "needs a flag"
    assert steps[2].report == "reports/ollama/c.json"


def test_a_later_untested_is_not_a_change_but_an_early_one_is_replaced() -> None:
    untested = {"row": "embeddings", "status": "untested", "message": "no embedding model loaded"}
    reports = [
        loaded("a", "2026-01-01", [untested]),
        loaded("b", "2026-02-01", [{"row": "embeddings", "status": "fail"}]),
        loaded("c", "2026-03-01", [untested]),
    ]
    cell = merge(reports)[("ollama", "embeddings")]
    steps = timeline(cell)
    assert [(s.run_id, s.after) for s in steps] == [("a", Status.UNTESTED), ("b", Status.FAIL)]
    assert steps[-1].after is cell.status, "the timeline ends at what the matrix shows"


def test_implementation_history_newest_first_with_first_grades_counted_per_report() -> None:
    reports = [
        loaded(
            "seed",
            "2026-01-01",
            [
                {"row": "models.list", "status": "pass"},
                {"row": "embeddings", "status": "fail"},
                {"row": "chat.tools", "status": "fail"},
            ],
        ),
        loaded("fix-1", "2026-02-01", [{"row": "chat.tools", "status": "pass"}]),
        loaded(
            "fix-2",
            "2026-03-01",
            [{"row": "embeddings", "status": "pass"}, {"row": "chat.stream", "status": "pass"}],
        ),
        loaded("other", "2026-03-05", [{"row": "embeddings", "status": "fail"}], impl="vllm"),
    ]
    cells = merge(reports)
    own = {row: timeline(c) for (impl, row), c in cells.items() if impl == "ollama"}
    history = implementation_history(own, ["models.list", "chat.stream", "embeddings", "chat.tools"])
    assert [(c.run_id, c.row, c.before, c.after) for c in history.changes] == [
        ("fix-2", "embeddings", Status.FAIL, Status.PASS),
        ("fix-1", "chat.tools", Status.FAIL, Status.PASS),
    ]
    assert [(f.run_id, f.count) for f in history.first] == [("fix-2", 1), ("seed", 3)]
    # Rows outside the list are left out; the other implementation's report is not counted.
    assert implementation_history(own, ["models.list"]).changes == []


def test_exports_work_out_the_timelines_when_not_given() -> None:
    """The history files never come out empty because a caller had no timelines at hand."""
    dataset = load_dataset(DATA)
    cells = merge(dataset.reports)
    today = dt.date(2026, 11, 22)
    given = site_files(dataset, cells, today=today, timelines=timelines_of(cells))
    worked_out = site_files(dataset, cells, today=today)
    assert given == worked_out
    lines = given[f"{HISTORY_DIR}/llama-cpp.csv"].splitlines()
    graded = [row for (impl, row) in cells if impl == "llama-cpp"]
    assert len(lines) >= 1 + len(graded), "a header, then at least the first grade of every cell"


def test_each_earlier_wording_is_listed_once_at_its_newest_run() -> None:
    """A server probed again and again repeats itself: a wording is listed once, at the newest run
    that gave it, with how many older runs gave it too; words the cell shows are not repeated."""

    def run(run_id: str, day: str, status: str, message: str) -> LoadedReport:
        return loaded(run_id, day, [{"row": "chat.n", "status": status, "message": message}])

    reports = [
        run("a", "2026-01-01", "deviation", "one after another"),
        run("b", "2026-01-08", "deviation", "one after another"),
        run("c", "2026-01-15", "deviation", "one after another"),
        run("d", "2026-01-22", "pass", "two choices"),
        run("e", "2026-01-29", "deviation", "one after another"),
        run("f", "2026-02-05", "pass", "two choices"),
    ]
    cell = merge(reports)[("ollama", "chat.n")]
    assert cell.current.report.run_id == "f"
    assert [(s.entry.report.run_id, s.also) for s in cell.said] == [("e", 3)], "d says what f says"
    assert len(cell.history) == 6, "the history itself keeps every result"


def test_a_note_stays_while_its_grade_stands_and_every_word_stays_in_the_history() -> None:
    """A seed's note describes its grade; a newer report with the same grade and no note of its own
    keeps it (saying whose it is). A newer report with another grade drops it from the cell, and the
    old words stay in what the cell's history lists."""
    note = "needs the `--jinja` flag"
    reports = [
        loaded("seed", "2026-01-01", [{"row": "chat.tools", "status": "deviation", "footnote": note}]),
        loaded(
            "later", "2026-02-01", [{"row": "chat.tools", "status": "deviation", "message": "no tool_calls"}]
        ),
    ]
    cell = merge(reports)[("ollama", "chat.tools")]
    assert cell.current.report.run_id == "later"
    assert cell.note is not None and cell.note.report.run_id == "seed"
    assert [s.entry.report.run_id for s in cell.said] == ["seed"]

    reports.append(loaded("fixed", "2026-03-01", [{"row": "chat.tools", "status": "pass", "message": "ok"}]))
    cell = merge(reports)[("ollama", "chat.tools")]
    assert cell.note is None, "a note given with another grade no longer applies"
    assert [s.entry.report.run_id for s in cell.said] == ["later", "seed"], "newest first, nothing dropped"

    reports.append(loaded("own", "2026-04-01", [{"row": "chat.tools", "status": "pass", "footnote": "own"}]))
    cell = merge(reports)[("ollama", "chat.tools")]
    assert cell.note is cell.current, "the current result's own note wins"


AT = {"today": dt.date(2026, 12, 1), "stale_after_days": None}


def test_an_entry_s_fold_names_what_it_holds() -> None:
    """The summary of a cell's fold on its implementation's page says what opening it shows: the
    exchanges, the sources, the grades over time and the earlier words, each counted; nothing when a
    report covers no such thing, and the entry then has no fold."""
    reports = [
        loaded("a", "2026-01-01", [{"row": "chat.n", "status": "deviation", "message": "one after another"}]),
        loaded("b", "2026-01-08", [{"row": "chat.n", "status": "pass", "message": "two choices"}]),
        loaded(
            "c",
            "2026-01-15",
            [
                {
                    "row": "chat.n",
                    "status": "deviation",
                    "message": "one after another",
                    "sources": ["https://example.org/a", "https://example.org/b"],
                }
            ],
        ),
    ]
    dataset = load_dataset(DATA)
    cell = merge(reports)[("ollama", "chat.n")]
    record = cell_record("ollama", "chat.n", cell, **AT)
    detail = CellDetail(dataset.row("chat.n"), record, cell, timeline(cell))
    assert detail.sources == ["https://example.org/a", "https://example.org/b"], "the result's own first"
    assert detail.folded == ["sources", "3 grades over time", "1 earlier word"]
    first = merge(reports[:1])[("ollama", "chat.n")]
    alone = CellDetail(
        dataset.row("chat.n"), cell_record("ollama", "chat.n", first, **AT), first, timeline(first)
    )
    assert alone.sources == ["https://example.org/notes"] and alone.folded == ["source"], "the report's"
    empty = CellDetail(dataset.row("chat.n"), cell_record("ollama", "chat.n", None, **AT), None)
    assert empty.sources == [] and empty.folded == []
    cells = merge(dataset.reports)
    key, two = next((k, c) for k, c in cells.items() if len(c.current.result.evidence) == 2)
    shown = CellDetail(dataset.row(key[1]), cell_record(*key, two, **AT), two, timeline(two))
    assert shown.folded[0] == "2 exchanges", "a probed cell counts its exchanges first"
