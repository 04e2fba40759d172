"""Build the real site and read its HTML: rows, columns, sections, legend, footnotes, toggles, pages,
and what its search finds."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from conftest import build_site, page, probed_report, write_json
from mkdocs.exceptions import Abort

from probes.load.dataset import load_dataset
from probes.model.status import Status
from probes.model.text import plain

DATA = load_dataset(Path(__file__).resolve().parents[1] / "data")


def table_rows(soup, table_id: str) -> dict[str, dict[str, str]]:
    """Row id -> {column id -> status class} for one rendered table."""
    table = soup.find("table", id=table_id)
    assert table is not None, f"no table {table_id}"
    out = {}
    for tr in table.tbody.find_all("tr"):
        statuses = {}
        for td in tr.find_all("td"):
            status = next(
                c.removeprefix("aioc-") for c in td["class"] if c.removeprefix("aioc-") in set(Status)
            )
            statuses[td["data-aioc-col"]] = status
        out[tr["id"]] = statuses
    return out


def test_core_matrix_has_every_section_row_and_column(site: Path) -> None:
    soup = page(site, "index.html")
    matrix = DATA.matrix("core")
    sections = {s.id: s for s in matrix.sections}
    assert [len(s.rows) for s in matrix.sections] == [10, 7, 7]
    for section in sections.values():
        heading = soup.find("h2", id=section.id)
        assert heading is not None and section.title in heading.get_text()
        assert heading.find("a", class_="headerlink"), "section headings carry permalinks"
        rows = table_rows(soup, f"table-core-{section.id}")
        assert list(rows) == [f"row-core-{r}" for r in section.rows]
        for row_id in section.rows:
            title_cell = soup.find("tr", id=f"row-core-{row_id}").th.get_text()
            plain_title = DATA.row(row_id).title.replace("`", "")
            assert plain_title in title_cell
    header = [
        th["data-aioc-col"]
        for th in soup.find("table", id="table-core-core-surface").thead.find_all("th")[1:]
    ]
    assert header == [
        "openai", "vllm", "llama-cpp", "llama-cpp-python", "litellm", "ogx",
        "ollama", "lm-studio", "tabbyapi", "wai",
    ]  # fmt: skip


def test_cells_show_the_merged_status(site: Path) -> None:
    soup = page(site, "index.html")
    rows = table_rows(soup, "table-core-core-surface")
    # Facts from the data files: TabbyAPI routes no speech; its embeddings route was found in its
    # source by the sourced re-entry, which overrules the seed's ❌.
    assert rows["row-core-audio.speech"]["tabbyapi"] == "fail"
    assert rows["row-core-embeddings"]["tabbyapi"] == "pass"
    assert rows["row-core-models.list"]["openai"] == "pass"
    extensions = table_rows(soup, "table-core-extensions")
    assert extensions["row-core-responses.compact"]["openai"] == "pass"


def test_legend_lists_every_status_once(site: Path) -> None:
    soup = page(site, "index.html")
    legend = soup.find("p", class_="aioc-legend")
    items = legend.find_all("span", class_="aioc-legend-item")
    assert [i.get_text(" ", strip=True) for i in items] == [f"{s.symbol} {s.label}" for s in Status]


def test_retired_section_lists_image_variations(site: Path) -> None:
    soup = page(site, "index.html")
    assert soup.find("h2", id="retired")
    entry = soup.find("dt", id="retired-images.variations")
    assert "/v1/images/variations" in entry.get_text() and "2026-05-12" in entry.get_text()
    reason = entry.find_next_sibling("dd").get_text()
    assert "404" in reason and "gpt-image-1" in reason
    # A retired row is not a row of any live table.
    assert not soup.find("tr", id="row-core-images.variations")


def test_prose_sections_are_there(site: Path) -> None:
    soup = page(site, "index.html")
    for heading in ("caveats", "help-us-keep-it-honest"):
        assert soup.find("h2", id=heading) is not None


def test_toggles_markup_one_checkbox_per_column(site: Path) -> None:
    for path, matrix_id in (("index.html", "core"), ("features/index.html", "features")):
        soup = page(site, path)
        box = soup.find("div", class_="aioc-toggles", attrs={"data-aioc-matrix": matrix_id})
        assert box is not None and box.has_attr("hidden"), "hidden until the script runs: no-JS shows all"
        toggles = [i["data-aioc-col"] for i in box.find_all("input", type="checkbox")]
        header = [
            th["data-aioc-col"]
            for th in soup.find("table", attrs={"data-aioc-table": "matrix"}).thead.find_all("th")[1:]
        ]
        assert toggles == header
        for table in soup.find_all("table", attrs={"data-aioc-table": "matrix"}):
            assert table["data-aioc-matrix"] == matrix_id
        assert soup.find("script", src=re.compile(r"assets/aioc/toggles\.js$"))


def test_features_footnotes_are_numbered_in_reading_order(site: Path) -> None:
    soup = page(site, "features/index.html")
    refs = soup.find("table", id="table-features-endpoints-and-features").find_all("sup", class_="aioc-fnref")
    numbers = [int(r.a.get_text()) for r in refs]
    first_seen = list(dict.fromkeys(numbers))
    assert first_seen == list(range(1, len(first_seen) + 1)), "numbered by first appearance, row by row"
    notes = soup.find("section", class_="aioc-footnotes").find_all("li")
    assert [int(li["value"]) for li in notes] == first_seen
    for ref in refs:
        target = ref.a["href"].lstrip("#")
        assert soup.find("li", id=target) is not None
    # Identical texts share one number: the seed's notes 1, 3, 8, 15 and 22 are cited by several cells.
    assert len(numbers) > len(first_seen)
    texts = [li.get_text() for li in notes]
    assert len(texts) == len(set(texts))


def test_cells_explain_themselves_on_hover_and_focus(site: Path) -> None:
    soup = page(site, "features/index.html")
    td = soup.find("tr", id="row-features-chat.tools").find("td", attrs={"data-aioc-col": "vllm"})
    mark = td.find(class_="aioc-mark")
    tip = td.find(class_="aioc-tip")
    assert mark["aria-describedby"] == tip["id"]
    assert mark.name == "a" or mark.get("tabindex") == "0", "focusable by keyboard"
    assert "tool_choice: required was accepted" in tip.get_text(), "the probe's reason is in the popover"


def test_one_page_per_implementation(site: Path) -> None:
    for impl_id, impl in DATA.implementations.items():
        soup = page(site, f"implementations/{impl_id}/index.html")
        assert impl.name in soup.find("h1").get_text()
        runs = [
            tr["id"]
            for tr in soup.find("table", attrs={"data-aioc-table": "reports"}).tbody.find_all("tr")
            if tr.get("id")
        ]
        expected = {f"run-{r.report.run_id}" for r in DATA.reports if r.report.implementation == impl_id}
        assert set(runs) == expected
    soup = page(site, "implementations/llama-cpp/index.html")
    detail = soup.find("div", id="cell-chat.completions")
    assert "report" in detail.find(class_="aioc-provenance").get_text()


def test_matrix_links_cells_to_implementation_pages(site: Path) -> None:
    soup = page(site, "index.html")
    link = soup.find("tr", id="row-core-chat.completions").find("td", attrs={"data-aioc-col": "ollama"}).a
    assert link["href"] == "implementations/ollama/#cell-chat.completions"
    assert (site / "implementations/ollama/index.html").exists()


def search_text(site: Path, prefix: str) -> str:
    """What the site's search knows of the pages under ``prefix``, tags taken out."""
    index = json.loads((site / "search/search_index.json").read_text(encoding="utf-8"))
    text = " ".join(doc["text"] for doc in index["docs"] if doc["location"].startswith(prefix))
    return " ".join(re.sub(r"<[^>]+>", "", text).split())


def test_search_finds_rows_and_cell_details_not_every_cell(site: Path) -> None:
    """Searching "not tested" should lead to prose, not to every table: cells, toggles and evidence are
    left out of the index, while row titles and the cell details on implementation pages stay in."""
    everything = search_text(site, "")
    assert "no report covers this cell" not in everything, "cell popovers are not indexed"
    assert "Show columns" not in everything, "column toggles are not indexed"
    responses = search_text(site, "responses/")
    for row in DATA.matrix("responses").sections[0].rows:
        assert plain(DATA.row(row).title) in responses
    probed = next(r.report for r in DATA.reports_of("llama-cpp") if r.report.origin.value == "probed")
    messages = [plain(result.message) for result in probed.results if result.message]
    llama = search_text(site, "implementations/llama-cpp/")
    assert messages and any(m in llama for m in messages), "a cell's own message is findable"
    assert probed.run_id in llama
    bodies = [
        " ".join(e.response.body.split())[:40]
        for result in probed.results
        for e in result.evidence
        if e.response and e.response.body and len(e.response.body) > 40
    ]
    # a message may quote what a server said (LiteLLM quotes llama-server's errors): indexed on purpose
    said = " ".join(plain(r.message) for loaded in DATA.reports for r in loaded.report.results)
    bodies = [body for body in bodies if body not in said]
    assert bodies and not any(body in everything for body in bodies), "evidence is not indexed"


def test_no_marker_is_left_in_any_page(site: Path) -> None:
    """Every marker became its view: no page keeps an ``<!-- aioc:… -->`` comment."""
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 10
    for path in pages:
        assert not re.search(r"<!--\s*aioc:", path.read_text(encoding="utf-8")), path.relative_to(site)
    cells = page(site, "index.html").select("td.aioc-cell")
    assert cells and all(cell.select_one(".aioc-tip") for cell in cells)


def test_search_is_kept_from_cells_toggles_and_evidence_by_material_s_own_attribute(site: Path) -> None:
    """Material's documented ``data-search-exclude`` marks what search leaves out: every matrix cell,
    the column toggles, every exchange of evidence and every cell detail no report covers, and only
    those (row titles and reported messages stay findable)."""
    for path in MATRIX_PAGES:
        soup = page(site, path)
        cells = soup.select("td.aioc-cell")
        assert cells and all(c.has_attr("data-search-exclude") for c in cells), path
        assert soup.select_one(".aioc-toggles").has_attr("data-search-exclude"), path
        assert not any(th.has_attr("data-search-exclude") for th in soup.select("th.aioc-rowhead")), path
    soup = page(site, "implementations/llama-cpp/index.html")
    evidence = soup.select("details.aioc-evidence")
    assert evidence and all(e.has_attr("data-search-exclude") for e in evidence)
    details = soup.select("div.aioc-cell-detail")
    assert details and all(d.select_one(".aioc-provenance") for d in details), "each entry is covered"
    assert not any(d.has_attr("data-search-exclude") for d in details)
    uncovered = soup.select("div.aioc-uncovered")
    assert uncovered and all(u.has_attr("data-search-exclude") for u in uncovered)


def build_with_hook_first(tmp_path: Path, source: str) -> Path:
    """Build the real site with another hook, given as Python source, listed before aioc's."""
    other = tmp_path / "other_hook.py"
    other.write_text(source, encoding="utf-8")
    return build_site(tmp_path / "site", hooks=[str(other), "scripts/hooks/matrix.py"])


def test_a_plugin_that_drops_html_comments_does_not_drop_the_matrix(site: Path, tmp_path: Path) -> None:
    """Minifiers drop HTML comments once Markdown has run. The matrix is in the page by then: the
    hook put it in place of its marker before Markdown, and left nothing for a later event to find."""
    built = build_with_hook_first(
        tmp_path,
        "import re\n"
        "COMMENT = re.compile(r'<!--.*?-->', re.S)\n"
        "def on_page_content(html, page, config, files):\n"
        "    return COMMENT.sub('', html)\n"
        "def on_post_page(output, page, config):\n"
        "    return COMMENT.sub('', output)\n",
    )
    index = page(built, "index.html")
    cells = index.select("td.aioc-cell")
    assert cells and len(cells) == len(page(site, "index.html").select("td.aioc-cell"))
    assert index.select("td.aioc-cell .aioc-tip") and index.select_one(".aioc-toggles")
    assert index.select_one("p.aioc-legend")
    assert page(built, "responses/index.html").select('table[data-aioc-table="summary"] tbody tr')
    assert page(built, "implementations/llama-cpp/index.html").select(".aioc-evidence")


def test_a_marker_inside_a_line_stops_the_build_naming_the_page(tmp_path: Path, caplog) -> None:
    """A view starts with HTML blocks, which Markdown keeps only at the start of a line: a marker in
    the middle of a paragraph would come out mangled, so the build stops and says where."""
    with pytest.raises(Abort):
        build_with_hook_first(
            tmp_path,
            "def on_page_markdown(markdown, page, config, files):\n"
            "    if page.file.src_uri == 'overview.md':\n"
            "        return markdown + '\\nSee <!-- aioc:matrix core --> here.\\n'\n"
            "    return markdown\n",
        )
    said = "aioc: overview.md: marker '<!-- aioc:matrix core -->' must stand on a line of its own"
    assert said in caplog.text
    assert "Traceback" not in caplog.text


MATRIX_PAGES = ("index.html", "features/index.html", "responses/index.html")
ALL_PAGES = (
    *MATRIX_PAGES,
    "overview/index.html",
    "exports/index.html",
    *(f"implementations/{impl}/index.html" for impl in DATA.implementations),
)


def exported(site: Path) -> dict:
    return json.loads((site / "matrix.json").read_text(encoding="utf-8"))


def column_counts(site: Path, matrix_id: str, impl: str) -> dict[str, int]:
    """How many cells of one column of one matrix hold each status, from the published matrix.json."""
    document = exported(site)
    matrix = next(m for m in document["matrices"] if m["id"] == matrix_id)
    rows = [r for s in matrix["sections"] for r in s["rows"]]
    status = {(c["implementation"], c["row"]): c["status"] for c in document["cells"]}
    counts = dict.fromkeys(Status, 0)
    for row in rows:
        counts[Status(status[(impl, row)])] += 1
    return counts


@pytest.mark.parametrize("path", MATRIX_PAGES)
def test_every_matrix_page_has_the_full_legend(site: Path, path: str) -> None:
    """Every grade, the probed dot and "? •" in words, on each matrix page, not only on the home page."""
    box = page(site, path).find("div", class_="aioc-legend-box")
    assert box is not None, f"{path} has no legend"
    text = box.get_text(" ", strip=True)
    for status in Status:
        assert f"{status.symbol} {status.label}" in text
    probed = box.find(class_="aioc-legend-probed")
    assert probed.find(class_="aioc-probed-dot").get_text() == "•"
    assert "a dot, not a number" in probed.get_text() and "aioc probe" in probed.get_text()
    untested = box.find(class_="aioc-legend-probed-untested")
    assert untested.find(class_="aioc-legend-sample").get_text() == "?•"
    assert "probed, not graded" in untested.get_text()


def test_passing_means_pass_only_beside_every_figure(site: Path) -> None:
    """One meaning of "passing" (✅ only), stated in words beside the summary, the badges and the bars."""
    definition = "Passing means ✅ only"
    soup = page(site, "responses/index.html")
    assert definition in soup.find("p", class_="aioc-definition").get_text()
    table = soup.find("table", attrs={"data-aioc-table": "summary"})
    head = [th.get_text(" ", strip=True) for th in table.thead.find_all("th")]
    assert head[1:5] == ["Tested", "Passing ✅", "Deviating ⚠️", "Failing ❌"]
    for tr in table.tbody.find_all("tr"):
        counts = column_counts(site, "responses", tr["data-aioc-col"])
        tested, passing, deviating, failing = (int(td.get_text()) for td in tr.find_all("td")[:4])
        assert (passing, deviating, failing) == (
            counts[Status.PASS],
            counts[Status.DEVIATION],
            counts[Status.FAIL],
        )
        assert tested == passing + deviating + failing
    for path in ("implementations/llama-cpp/index.html", "overview/index.html"):
        notes = " ".join(p.get_text() for p in page(site, path).find_all("p", class_="aioc-definition"))
        assert definition in notes, path
    assert "means ✅ only" in page(site, "exports/index.html").get_text()


@pytest.mark.parametrize("path", [p for p in ALL_PAGES if not p.startswith("exports/")])
def test_every_table_sits_in_a_box_that_scrolls(site: Path, path: str) -> None:
    """From the build on, with or without script: each of aioc's tables is alone in a scrolling box that
    the keyboard can reach and a screen reader names, and Material's script leaves it alone (class)."""
    soup = page(site, path)
    tables = soup.find_all("table", attrs={"data-aioc-table": True})
    assert tables, f"{path} has no aioc table"
    for table in tables:
        box = table.parent
        assert box.name == "div" and "aioc-scroll" in box["class"], (path, table["data-aioc-table"])
        assert box.find_all("table") == [table]
        assert box["tabindex"] == "0" and box["role"] == "region" and box["aria-label"]
        assert "aioc-table" in table["class"]


def test_row_headers_break_only_after_dots_underscores_and_slashes(site: Path) -> None:
    soup = page(site, "features/index.html")
    head = soup.find("tr", id="row-features-chat.completions").th
    assert "/v1/<wbr/>chat/<wbr/>completions" in str(head).replace("<wbr>", "<wbr/>")
    for th in soup.find_all("th", class_="aioc-rowhead", scope="row"):
        for wbr in th.find_all("wbr"):
            assert str(wbr.previous_sibling)[-1] in "./_", th


def test_nav_lists_the_matrices_first_and_every_implementation(site: Path) -> None:
    nav = page(site, "exports/index.html").find("nav", class_="md-nav--primary")
    tops = [
        li.find(class_="md-nav__link").get_text(" ", strip=True)
        for li in nav.find("ul", class_="md-nav__list").find_all("li", recursive=False)
    ]
    assert tops == [
        "Home",
        "Features",
        "Responses",
        "At a glance",
        "Compare",
        "Implementations",
        "Prober",
        "Contributing",
        "Exports",
    ]
    names = [a.get_text(strip=True) for a in nav.find_all("a", href=re.compile(r"implementations/"))]
    assert names == [impl.name for impl in DATA.implementations.values()]


def test_sitemap_lists_every_page_and_404_works_under_a_project_path(site: Path) -> None:
    sitemap = (site / "sitemap.xml").read_text(encoding="utf-8")
    locations = re.findall(r"<loc>([^<]+)</loc>", sitemap)
    assert "https://aioc.invalid/aioc/" in locations
    assert "https://aioc.invalid/aioc/implementations/llama-cpp/" in locations
    assert len(locations) >= len(ALL_PAGES)
    # 404.html is served for a missing page at any depth, so its links cannot be relative.
    soup = page(site, "404.html")
    stylesheets = [link["href"] for link in soup.find_all("link", rel="stylesheet")]
    assert stylesheets and all(href.startswith("/aioc/assets/") for href in stylesheets)
    assert all(s["src"].startswith("/aioc/") for s in soup.find_all("script", src=True))


def bars(soup) -> dict[str, str]:
    """The titles of the share bars on a page, by id."""
    out = {}
    for svg in soup.find_all("svg", class_="aioc-bar-svg"):
        assert svg["role"] == "img"
        title = svg.find("title")
        assert svg["aria-labelledby"] == title["id"]
        out[title["id"]] = title.get_text()
    return out


def test_share_bars_say_in_svg_and_in_words_what_the_cells_hold(site: Path) -> None:
    counts = column_counts(site, "core", "llama-cpp")
    soup = page(site, "implementations/llama-cpp/index.html")
    titles = bars(soup)
    title = titles["bar-core-llama-cpp-title"]
    for status in Status:
        assert f"{counts[status]} {status.symbol} {status.label}" in title
    svg = soup.find("title", id="bar-core-llama-cpp-title").parent
    widths = {rect["class"][0]: float(rect["width"]) for rect in svg.find_all("rect")}
    total = sum(counts.values())
    for status in Status:
        expected = 100 * counts[status] / total
        assert abs(widths.get(f"aioc-bar-{status.value}", 0) - expected) < 0.01
    words = svg.find_next_sibling(class_="aioc-bar-text").get_text(" ", strip=True)
    assert f"{Status.PASS.label}: {counts[Status.PASS]}" in words
    overview = bars(page(site, "overview/index.html"))
    assert overview["overview-bar-core-llama-cpp-title"] == title
    summary = bars(page(site, "responses/index.html"))
    assert {k for k in summary if k.startswith("summary-bar-responses-")}


def set_implementation(data_dir: Path, impl_id: str, **fields: str) -> None:
    """Change fields of one implementation in a data copy's implementations.json."""
    path = data_dir / "implementations.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    entries = document["implementations"] if isinstance(document, dict) else document
    next(e for e in entries if e["id"] == impl_id).update(fields)
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False), encoding="utf-8")


MARKDOWN_LOOKALIKE = "x | ] [y](https://e.org) *z* `c` \\ # { onclick=alert(1) }"
"""A name or title that Markdown would read as a table cell break, the end of an image's text, a link,
emphasis, code, an escape, a closing hash and attributes to set (attr_list)."""


def test_names_and_titles_with_markdown_syntax_stay_text(data_copy: Path, build) -> None:
    """An implementation's name and a catalog section's title reach Markdown (headings, the badge's
    text, the badges table): each shows exactly as written, the badges stay, and no attribute is set."""
    set_implementation(data_copy, "llama-cpp", name=MARKDOWN_LOOKALIKE)
    catalog = data_copy / "catalog/endpoints.json"
    text = catalog.read_text(encoding="utf-8")
    assert text.count('"title": "Core surface"') == 1
    catalog.write_text(
        text.replace('"title": "Core surface"', json.dumps({"title": MARKDOWN_LOOKALIKE})[1:-1]),
        encoding="utf-8",
    )
    site = build(data_copy)

    def heading(tag) -> str:
        return "".join(t for t in tag.find_all(string=True) if t.parent.get("class") != ["headerlink"])

    impl = page(site, "implementations/llama-cpp/index.html")
    assert heading(impl.select_one(".md-content h1")) == MARKDOWN_LOOKALIKE
    assert impl.find("img", class_="aioc-badge")["alt"] == f"Share of ✅ cells for {MARKDOWN_LOOKALIKE}"
    assert any(heading(h) == f"Compatibility matrix: {MARKDOWN_LOOKALIKE}" for h in impl.find_all("h2"))
    assert heading(page(site, "index.html").find("h2", id="core-surface")) == MARKDOWN_LOOKALIKE
    badges = page(site, "exports/index.html").select_one(
        '.md-content a[href="../implementations/llama-cpp/"]'
    )
    row = badges.find_parent("tr")
    assert badges.get_text() == MARKDOWN_LOOKALIKE and len(row.find_all("td")) == 2
    assert row.find("img", class_="aioc-badge")["alt"] == f"Share of ✅ cells for {MARKDOWN_LOOKALIKE}"
    assert_no_event_handler(site)


def assert_no_event_handler(site: Path) -> None:
    """No element of any built page has an ``on…`` attribute: the site sets none, so one there came
    from data."""
    for built in site.rglob("*.html"):
        soup = page(site, str(built.relative_to(site)))
        assert not [t.name for t in soup.find_all(True) if any(a.startswith("on") for a in t.attrs)], built


FENCE = "a note\n~~~ { onclick=alert(1) }\nfenced\n~~~\nmore"
"""Prose whose lines open and close a code fence with attributes: Python-Markdown would make it a code
block carrying ``onclick``, if it ever read the HTML that holds it."""


def test_prose_that_looks_like_a_code_fence_stays_text(data_copy: Path, build) -> None:
    """A report's footnote, an implementation's description and a section's intro may span lines; one
    that opens and closes a fenced code block with attributes reads back as the text it is, on the
    matrix and the implementation's page, with no code block and no attribute set."""
    set_implementation(data_copy, "llama-cpp", description=FENCE)
    catalog = data_copy / "catalog/responses.json"
    matrices = json.loads(catalog.read_text(encoding="utf-8"))
    section = next(m for m in matrices["matrices"] if m["id"] == "responses")["sections"][0]
    section["intro"] = FENCE
    catalog.write_text(json.dumps(matrices, indent=2, ensure_ascii=False), encoding="utf-8")
    row = section["rows"][0]
    created = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(hours=1)
    exchange = {"request": {"method": "POST", "path": "/v1/responses"}, "response": {"status": 200}}
    result = {"row": row, "status": "deviation", "message": "odd", "footnote": FENCE, "evidence": [exchange]}
    write_json(
        data_copy / "reports/llama-cpp/llama-cpp-fence.json",
        probed_report("llama-cpp-fence", "llama-cpp", created, [result]),
    )
    site = build(data_copy)

    matrix = page(site, "responses/index.html")
    notes = matrix.select(".aioc-footnotes li")
    assert [li.get_text() for li in notes] == [FENCE] and not notes[0].find("pre")
    intro = matrix.find("h2", id=section["id"]).find_next_sibling()
    assert intro.get_text() == FENCE and not intro.find("pre")
    impl = page(site, "implementations/llama-cpp/index.html")
    assert any(p.get_text() == FENCE for p in impl.select(".md-content p"))
    assert any(FENCE in note.get_text() for note in impl.select(f'[id="cell-{row}"] .aioc-note'))
    assert not impl.select(".md-content li pre, .md-content p pre, .aioc-cell-detail > pre")
    assert_no_event_handler(site)


def test_exports_page_shows_every_badge(site: Path) -> None:
    soup = page(site, "exports/index.html")
    sources = [img["src"] for img in soup.find_all("img", class_="aioc-badge")]
    assert sources == [f"../badges/{impl}.svg" for impl in DATA.implementations]


def test_bar_titles_are_escaped(data_copy: Path, build) -> None:
    """An implementation's name is text: in an SVG title it is escaped, never markup."""
    set_implementation(data_copy, "llama-cpp", name='llama "cpp" & co')
    html_text = (build(data_copy) / "overview/index.html").read_text(encoding="utf-8")
    assert "llama &#34;cpp&#34; &amp; co, Compatibility matrix" in html_text or (
        "llama &quot;cpp&quot; &amp; co, Compatibility matrix" in html_text
    )
    assert 'llama "cpp" & co' not in html_text


def test_rows_no_report_covers_are_listed_together_each_keeping_its_anchor(site: Path) -> None:
    """On every implementation's page each catalog row has one entry with its cell's anchor: a full
    entry when a report covers the cell, or a line in its group's list of rows no report covers,
    whose count the list and the jump list state. Each list's anchor names the catalog section of its
    rows (``uncovered-MATRIX-SECTION``), so that a link to it survives other sections coming and going."""
    reported = {(r.report.implementation, res.row) for r in DATA.reports for res in r.report.results}
    rows = {row for matrix in DATA.catalog.matrices.values() for s in matrix.sections for row in s.rows}
    section_of: dict[str, str] = {}
    for matrix in DATA.catalog.matrices.values():
        for section in matrix.sections:
            for row in section.rows:
                section_of.setdefault(row, f"{matrix.id}-{section.id}")
    seen_uncovered = 0
    for impl in DATA.implementations:
        soup = page(site, f"implementations/{impl}/index.html")
        ids = [e["id"].removeprefix("cell-") for e in soup.select('[id^="cell-"]')]
        assert sorted(ids) == sorted(set(ids)), f"{impl}: a row is listed twice"
        assert rows <= set(ids), f"{impl}: rows missing: {sorted(rows - set(ids))[:5]}"
        full = {d["id"].removeprefix("cell-") for d in soup.select("div.aioc-cell-detail")}
        assert full == {row for row in ids if (impl, row) in reported}, impl
        for block in soup.select("div.aioc-uncovered"):
            listed = [li["id"].removeprefix("cell-") for li in block.select("li[id]")]
            assert listed and not any((impl, row) in reported for row in listed), impl
            assert {f"uncovered-{section_of[row]}" for row in listed} == {block["id"]}, impl
            count = f"no report covers {f'these {len(listed)} rows' if len(listed) != 1 else 'this row'}"
            assert count in block.select_one(".aioc-uncovered-title").get_text(), impl
            jump = soup.select_one(f'details.aioc-jump a[href="#{block["id"]}"]')
            assert jump is not None and count in jump.get_text(), impl
            seen_uncovered += len(listed)
    assert seen_uncovered > 500, "today's data leaves many cells uncovered; the test must see them"


def test_an_implementation_page_folds_each_cells_evidence_and_links_every_row(site: Path) -> None:
    """Evidence, sources and history sit in one closed details block per cell, under a summary that
    holds no link (axe: nested-interactive); a folded list at the top links every cell."""
    soup = page(site, "implementations/llama-cpp/index.html")
    details = soup.select("div.aioc-cell-detail")
    assert details
    for detail in details:
        folded = detail.select_one("details.aioc-cell-more")
        for inner in detail.select(".aioc-evidence, .aioc-sources, .aioc-history"):
            assert folded is not None and inner.find_parent("details", class_="aioc-cell-more") is folded
        if folded is not None:
            assert not folded.has_attr("open") and folded.summary.find("a") is None
            assert folded.select_one(f'a[href="#run-{detail.select_one(".aioc-provenance code").text}"]')
    jump = soup.select_one("details.aioc-jump")
    listed = [f"#{d['id']}" for d in soup.select("div.aioc-cell-detail, div.aioc-uncovered")]
    assert [a["href"] for a in jump.select("a")] == listed
