"""Build the real site and read what people take away: exports, badges, stale marks, history, evidence."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import only_seeds, page, probed_report, reader_text, write_json

from probes.load.dataset import load_dataset
from probes.matrix.exports import CSV_FIELDS, HISTORY_FIELDS, SCHEMA_VERSION
from probes.matrix.tables import CHANGES_SHOWN
from probes.model.status import Status

STATUSES = {s.value for s in Status}
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
OLD_DAY = NOW - dt.timedelta(days=40)
NEW_DAY = NOW - dt.timedelta(days=2)


def exchange(status: int, body: str) -> dict:
    return {
        "label": "embeddings request",
        "request": {
            "method": "POST",
            "path": "/v1/embeddings",
            "headers": {"content-type": "application/json"},
            "body": '{"model": "m", "input": "hello"}',
        },
        "response": {"status": status, "headers": {"content-type": "application/json"}, "body": body},
    }


@pytest.fixture
def planted(data_copy: Path) -> Path:
    """Two probed TabbyAPI runs on top of the seed: embeddings go ❌ (seed) → ⚠️ (old) → ✅ (new).

    Any other TabbyAPI run in data/ is left out of the copy, so that the test alone decides the column.
    """
    only_seeds(data_copy, "tabbyapi")
    write_json(
        data_copy / "reports/tabbyapi/tabbyapi-old.json",
        probed_report(
            "tabbyapi-old",
            "tabbyapi",
            OLD_DAY,
            [
                {
                    "row": "embeddings",
                    "status": "deviation",
                    "message": "`encoding_format` is ignored",
                    "evidence": [exchange(200, '{"object": "list"}')],
                },
                {"row": "models.list", "status": "pass", "evidence": [exchange(200, '{"data": []}')]},
                {
                    "row": "chat.tools",
                    "status": "fail",
                    "footnote": "Refuses `tools` unless started with `--tool-parser`.",
                    "evidence": [exchange(400, '{"error": "no tools"}')],
                },
            ],
        ),
    )
    write_json(
        data_copy / "reports/tabbyapi/tabbyapi-new.json",
        probed_report(
            "tabbyapi-new",
            "tabbyapi",
            NEW_DAY,
            [
                {
                    "row": "embeddings",
                    "status": "pass",
                    "evidence": [exchange(200, '{"object": "list", "x": 1}')],
                }
            ],
        ),
    )
    return data_copy


def test_matrix_json_holds_every_cell_the_pages_show(planted: Path, build) -> None:
    site = build(planted)
    document = json.loads((site / "matrix.json").read_text(encoding="utf-8"))
    assert document["schema_version"] == SCHEMA_VERSION == 1
    dataset = load_dataset(planted)
    ids = [i["id"] for i in document["implementations"]]
    assert ids == list(dataset.implementations)
    live = {row for m in dataset.catalog.matrices.values() for row in m.row_ids}
    assert {r["id"] for r in document["rows"]} == live
    assert not any(dataset.row(r["id"]).retired for r in document["rows"])
    cells = {(c["implementation"], c["row"]): c for c in document["cells"]}
    assert len(cells) == len(document["cells"]) == len(ids) * len(live), "a complete grid, each cell once"

    newest = cells[("tabbyapi", "embeddings")]
    assert newest["status"] == "pass" and newest["origin"] == "probed"
    assert newest["run_id"] == "tabbyapi-new" and newest["report"] == "reports/tabbyapi/tabbyapi-new.json"
    assert newest["date"] == NEW_DAY.date().isoformat() and newest["evidence"] == 1

    # Whatever a matrix page shows, the export says the same, cell by cell.
    for matrix, path in (("core", "index.html"), ("features", "features/index.html")):
        soup = page(site, path)
        seen = 0
        for td in soup.select(f'table[data-aioc-matrix="{matrix}"] td[data-aioc-col]'):
            row = td.find_parent("tr")["id"].removeprefix(f"row-{matrix}-")
            status = next(c.removeprefix("aioc-") for c in td["class"] if c.removeprefix("aioc-") in STATUSES)
            assert cells[(td["data-aioc-col"], row)]["status"] == status, (matrix, row, td["data-aioc-col"])
            seen += 1
        assert seen > 50
    columns = {m["id"]: m["implementations"] for m in document["matrices"]}
    header = [
        th["data-aioc-col"]
        for th in page(site, "index.html").select("table#table-core-core-surface th[data-aioc-col]")
    ]
    assert columns["core"] == header


def test_matrix_csv_matches_the_json(planted: Path, build) -> None:
    site = build(planted)
    document = json.loads((site / "matrix.json").read_text(encoding="utf-8"))
    text = (site / "matrix.csv").read_text(encoding="utf-8")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    assert tuple(reader.fieldnames) == CSV_FIELDS
    lines = list(reader)
    assert {line["schema_version"] for line in lines} == {str(SCHEMA_VERSION)}
    assert [(x["implementation"], x["row"], x["status"], x["date"]) for x in lines] == [
        (c["implementation"], c["row"], c["status"], c["date"] or "") for c in document["cells"]
    ]
    old = next(x for x in lines if x["implementation"] == "tabbyapi" and x["row"] == "models.list")
    assert old["symbol"] == "✅" and old["row_title"] == "/v1/models" and old["run_id"] == "tabbyapi-old"
    # Prose is plain text in the CSV: Markdown's backticks are gone, the words stay.
    noted = next(x for x in lines if (x["implementation"], x["row"]) == ("tabbyapi", "chat.tools"))
    assert noted["footnote"] == "Refuses tools unless started with --tool-parser."


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_badges_show_the_share_of_passing_cells(planted: Path, build) -> None:
    site = build(planted)
    document = json.loads((site / "matrix.json").read_text(encoding="utf-8"))
    for impl in document["implementations"]:
        svg = (site / f"badges/{impl['id']}.svg").read_text(encoding="utf-8")
        root = ET.fromstring(svg)
        assert root.tag == "{http://www.w3.org/2000/svg}svg" and root.get("role") == "img"
        statuses = [c["status"] for c in document["cells"] if c["implementation"] == impl["id"]]
        graded = sum(s in ("pass", "deviation", "fail") for s in statuses)
        passing = statuses.count("pass")
        label = root.get("aria-label")
        title = root.find("{http://www.w3.org/2000/svg}title").text
        if graded:
            assert label.endswith(f"{round(100 * passing / graded)}% pass")
            assert f"{passing} of {graded} graded cells" in title
        else:
            assert label.endswith("untested")
        fill = root.findall("{http://www.w3.org/2000/svg}rect")[1].get("fill")
        assert (1.05) / (_luminance(fill) + 0.05) >= 4.5, f"white on {fill} is readable"
        texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
        assert all(int(t.get("textLength")) > 0 for t in root.iter("{http://www.w3.org/2000/svg}text"))
        assert texts[0] == "OpenAI API"
    # The implementation page shows its badge, and the exports page documents the files.
    img = page(site, "implementations/tabbyapi/index.html").find("img", class_="aioc-badge")
    assert img["src"] == "../../badges/tabbyapi.svg"
    exports = page(site, "exports/index.html")
    hrefs = {a["href"] for a in exports.find_all("a")}
    assert {"../matrix.json", "../matrix.csv"} <= hrefs
    assert "schema_version" in exports.get_text()


def test_stale_cells_are_marked_on_every_surface(planted: Path, build) -> None:
    site = build(planted, stale_after_days=30, today=NOW.date().isoformat())
    soup = page(site, "index.html")
    models = soup.find("tr", id="row-core-models.list").find("td", attrs={"data-aioc-col": "tabbyapi"})
    embeddings = soup.find("tr", id="row-core-embeddings").find("td", attrs={"data-aioc-col": "tabbyapi"})
    assert "aioc-stale" in models["class"], "graded 40 days ago, stale after 30"
    assert "(stale)" in models.find(class_="aioc-tip").get_text()
    assert "aioc-stale" not in embeddings["class"], "graded 2 days ago"
    key = soup.select_one(".aioc-legend-box .aioc-legend-stale").get_text(" ", strip=True)
    assert key == "✅ faded: last graded more than 30 days ago", "the legend explains faded marks"
    detail = page(site, "implementations/tabbyapi/index.html")
    assert detail.find("div", id="cell-models.list").find(class_="aioc-stale-tag")
    assert not detail.find("div", id="cell-embeddings").find(class_="aioc-stale-tag")
    cells = {
        (c["implementation"], c["row"]): c for c in json.loads((site / "matrix.json").read_text())["cells"]
    }
    assert cells[("tabbyapi", "models.list")]["stale"] is True
    assert cells[("tabbyapi", "embeddings")]["stale"] is False

    # With the default age (mkdocs.yml: a year) none of these is stale; a later "today" makes all stale.
    fresh = page(build(planted, today=NOW.date().isoformat()), "index.html")
    assert not fresh.select('td[data-aioc-col="tabbyapi"].aioc-stale')
    if not fresh.select("td.aioc-stale"):
        assert not fresh.find(class_="aioc-legend-stale"), "no faded mark, nothing to explain"
    later = (NOW + dt.timedelta(days=400)).date().isoformat()
    aged = page(build(planted, today=later), "index.html")
    graded = aged.select(
        'table[data-aioc-matrix="core"] td.aioc-manual, table[data-aioc-matrix="core"] td.aioc-probed'
    )
    assert graded and all("aioc-stale" in td["class"] for td in graded)


def test_implementation_page_lists_changes_by_date(planted: Path, build) -> None:
    site = build(planted)
    soup = page(site, "implementations/tabbyapi/index.html")
    assert soup.find("h2", id="changes")
    table = soup.find("table", attrs={"data-aioc-table": "changes"})
    lines = [[reader_text(td) for td in tr.find_all("td")] for tr in table.tbody.find_all("tr")]
    assert lines[0] == [
        NEW_DAY.date().isoformat(),
        "/v1/embeddings",
        "⚠️ pass with deviation",
        "✅ pass",
        "tabbyapi-new",
    ]
    assert lines[1] == [
        OLD_DAY.date().isoformat(),
        "/v1/embeddings",
        "❌ not implemented or failing",
        "⚠️ pass with deviation",
        "tabbyapi-old",
    ]
    dates = [line[0] for line in lines]
    assert dates == sorted(dates, reverse=True)
    assert table.tbody.tr.find("a")["href"] == "#cell-embeddings"
    first = soup.find("p", class_="aioc-first-grades").get_text(" ", strip=True)
    assert re.search(r"1 cell on \S+ \(report tabbyapi-old \)", first), first
    history = (
        soup.find("div", id="cell-embeddings").find("p", class_="aioc-history").get_text(" ", strip=True)
    )
    assert history.index("❌") < history.index("⚠️") < history.index("✅")
    assert "The table lists the newest" not in soup.get_text(), "a short history is listed whole"


def read_history(site: Path, soup, implementation: str) -> list[dict[str, str]]:
    """The history export the implementation's page links to, read through that link."""
    link = soup.find("a", class_="aioc-history-export")
    target = (site / "implementations" / implementation / link["href"]).resolve()
    assert target == (site / "history" / f"{implementation}.csv").resolve()
    text = target.read_text(encoding="utf-8")
    lines = list(csv.DictReader(io.StringIO(text)))
    assert tuple(next(csv.reader(io.StringIO(text)))) == HISTORY_FIELDS
    assert all(line["schema_version"] == str(SCHEMA_VERSION) for line in lines)
    return lines


def test_the_history_export_holds_every_grade_each_cell_showed(planted: Path, build) -> None:
    site = build(planted)
    soup = page(site, "implementations/tabbyapi/index.html")
    lines = read_history(site, soup, "tabbyapi")
    embeddings = [
        (line["before"], line["after"], line["run_id"]) for line in lines if line["row"] == "embeddings"
    ]
    seed = next(line["run_id"] for line in lines if line["row"] == "embeddings" and not line["before"])
    assert embeddings == [
        ("deviation", "pass", "tabbyapi-new"),
        ("fail", "deviation", "tabbyapi-old"),
        ("", "fail", seed),
    ], "newest first, down to the first grade"
    shown = soup.find("table", attrs={"data-aioc-table": "changes"}).tbody.find_all("tr")
    assert len([line for line in lines if line["before"]]) == len(shown), "the page lists every change"
    tools = next(line for line in lines if line["row"] == "chat.tools" and line["run_id"] == "tabbyapi-old")
    assert tools["row_title"] and tools["report"] == "reports/tabbyapi/tabbyapi-old.json"
    quiet = read_history(site, page(site, "implementations/bedrock/index.html"), "bedrock")
    assert quiet and all(not line["before"] for line in quiet), "first grades only, for a single report"


def test_a_long_history_lists_the_newest_changes_and_links_the_rest(data_copy: Path, build) -> None:
    """More changes than the page lists: the table stops, the export keeps every one."""
    only_seeds(data_copy, "tabbyapi")
    flips = CHANGES_SHOWN + 5
    for n in range(flips + 1):
        status = "fail" if n % 2 else "pass"  # the seed says fail: every run is a change
        write_json(
            data_copy / f"reports/tabbyapi/tabbyapi-flip-{n:03d}.json",
            probed_report(
                f"tabbyapi-flip-{n:03d}",
                "tabbyapi",
                OLD_DAY + dt.timedelta(minutes=n),
                [{"row": "embeddings", "status": status, "evidence": [exchange(200, "{}")]}],
            ),
        )
    site = build(data_copy)
    soup = page(site, "implementations/tabbyapi/index.html")
    rows = soup.find("table", attrs={"data-aioc-table": "changes"}).tbody.find_all("tr")
    assert len(rows) == CHANGES_SHOWN
    assert rows[0].find("a", href=f"#run-tabbyapi-flip-{flips:03d}"), "newest first"
    lines = read_history(site, soup, "tabbyapi")
    flipped = [line for line in lines if line["run_id"].startswith("tabbyapi-flip-")]
    assert len(flipped) == flips + 1, "every flip is a change after the seed's grade"
    total = len([line for line in lines if line["before"]])
    assert f"The table lists the newest {CHANGES_SHOWN} of {total} changes." in soup.get_text(" ")
    exports = page(site, "exports/index.html").get_text(" ")
    assert f"shows the newest {CHANGES_SHOWN} changes" in " ".join(exports.split()), "the docs say so"


def test_probed_cells_keep_what_was_sent_and_received(planted: Path, build) -> None:
    site = build(planted)
    link = (
        page(site, "index.html")
        .find("tr", id="row-core-embeddings")
        .find("td", attrs={"data-aioc-col": "tabbyapi"})
        .a
    )
    assert link["href"] == "implementations/tabbyapi/#cell-embeddings"
    detail = page(site, "implementations/tabbyapi/index.html").find("div", id="cell-embeddings")
    sent = detail.find("pre", class_="aioc-sent").get_text()
    received = detail.find("pre", class_="aioc-received").get_text()
    assert sent.startswith("POST /v1/embeddings\ncontent-type: application/json\n")
    assert '"input": "hello"' in sent
    assert received.startswith("HTTP 200\n") and '"x": 1' in received
    provenance = detail.find(class_="aioc-provenance").get_text(" ", strip=True)
    assert f"probed on {NEW_DAY.date().isoformat()}" in provenance and "tabbyapi-new" in provenance


def test_a_seed_note_survives_a_probe_that_confirms_its_grade(data_copy: Path, build) -> None:
    """llama.cpp's seed notes ("tools need --jinja", "n > 1 generated one after another") were lost
    when a probe superseded their cells. The first keeps its footnote while a probe confirms ⚠️; the
    second, now ✅, leaves the matrix but stays on the implementation page with its date and run."""
    only_seeds(data_copy, "llama-cpp")
    seed = "llama-cpp-2026-03-01-features-seed"

    def result(row: str, status: str, message: str) -> dict:
        ev = exchange(200, "{}") | {"label": row}
        return {"row": row, "status": status, "message": message, "evidence": [ev]}

    write_json(
        data_copy / "reports/llama-cpp/llama-cpp-new.json",
        probed_report(
            "llama-cpp-new",
            "llama-cpp",
            NEW_DAY,
            [
                result("chat.tools", "deviation", "no tool_calls came back"),
                result("chat.n", "pass", "two choices"),
            ],
        ),
    )
    site = build(data_copy)
    features = page(site, "features/index.html")
    tools = features.find("tr", id="row-features-chat.tools").find("td", attrs={"data-aioc-col": "llama-cpp"})
    number = tools.select_one("sup.aioc-fnref a").text
    note = features.find("li", id=f"aioc-fn-features-{number}").get_text(" ", strip=True)
    assert "--jinja" in note
    tip = tools.select_one(".aioc-tip").get_text()
    assert "no tool_calls came back" in tip and f"note of run {seed}" in tip
    n = features.find("tr", id="row-features-chat.n").find("td", attrs={"data-aioc-col": "llama-cpp"})
    assert n.select_one("sup.aioc-fnref") is None, "a note given with ⚠️ does not hang on a ✅"

    impl = page(site, "implementations/llama-cpp/index.html")
    tools_detail = impl.find("div", id="cell-chat.tools").get_text(" ", strip=True)
    assert "--jinja" in tools_detail and f"note of run {seed}" in tools_detail
    said = impl.find("div", id="cell-chat.n").select_one("ul.aioc-said").get_text(" ", strip=True)
    assert seed in said and "one after another" in said
    assert impl.find("div", id="cell-chat.n").select_one("ul.aioc-said").find_parent("details")
