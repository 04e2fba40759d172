"""Build the real site and read its HTML: rows, columns, sections, legend, footnotes, toggles, pages,
and what its search finds."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import build_site, page
from mkdocs.exceptions import Abort

from probes.dataset import load_dataset
from probes.status import Status
from probes.text import plain

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
    assert header == ["openai", "vllm", "llama-cpp", "ollama", "lm-studio", "tabbyapi", "wai"]


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
    assert "tool-call-parser" in tip.get_text().lower()


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
    assert "report" in detail.find("p", class_="aioc-provenance").get_text()


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
    assert bodies and not any(body in everything for body in bodies), "evidence is not indexed"


def test_no_placeholder_is_left_in_any_page(site: Path) -> None:
    """Every block the hook set aside, before Markdown or before search, is back in the built pages."""
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 10
    for path in pages:
        text = path.read_text(encoding="utf-8")
        assert "<!--aioc-" not in text and "<aioc-later" not in text, path.relative_to(site)
    cells = page(site, "index.html").select("td.aioc-cell")
    assert cells and all(cell.select_one(".aioc-tip") for cell in cells)


def test_search_never_parses_cells_toggles_or_evidence(tmp_path: Path, monkeypatch) -> None:
    """Material's search parses each page's whole HTML before it drops excluded parts; the hook keeps
    matrix cells, toggles and evidence out of what it parses, and puts them back in the page after."""
    import material.plugins.search.plugin as search

    parsed: dict[str, str] = {}
    original = search.SearchIndex.add_entry_from_context

    def recording(self, page_) -> None:
        parsed[page_.file.src_uri] = page_.content
        original(self, page_)

    monkeypatch.setattr(search.SearchIndex, "add_entry_from_context", recording)
    built = build_site(tmp_path / "site")
    seen = parsed["index.md"] + parsed["implementations/llama-cpp.md"]
    for markup in ('class="aioc-cell ', 'class="aioc-toggles"', 'class="aioc-evidence"'):
        assert markup not in seen, markup
    assert 'class="aioc-rowhead"' in parsed["index.md"], "row titles are still read by search"
    final = (built / "index.html").read_text(encoding="utf-8")
    assert 'class="aioc-cell ' in final and 'class="aioc-toggles"' in final
    impl = (built / "implementations/llama-cpp/index.html").read_text(encoding="utf-8")
    assert 'class="aioc-evidence"' in impl


def build_with_hook_first(tmp_path: Path, source: str) -> Path:
    """Build the real site with another hook, given as Python source, listed before aioc's."""
    other = tmp_path / "other_hook.py"
    other.write_text(source, encoding="utf-8")
    return build_site(tmp_path / "site", hooks=[str(other), "scripts/hooks/matrix.py"])


def test_a_plugin_that_drops_html_comments_does_not_drop_the_matrix(site: Path, tmp_path: Path) -> None:
    """Minifiers drop HTML comments, and the blocks set aside before Markdown come back from comment
    placeholders: the hook restores first among the plugins, and what waits for search is held by
    an element, not a comment."""
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
    assert index.select_one("p.aioc-legend"), "blocks restored after Markdown are there"
    assert page(built, "responses/index.html").select('table[data-aioc-table="summary"] tbody tr')
    assert page(built, "implementations/llama-cpp/index.html").select(".aioc-evidence")


@pytest.mark.parametrize(
    ("event", "placeholder", "said"),
    [
        ("on_page_markdown(markdown, page, config, files)", r"<!--aioc-html-\d+-->", "HTML comments"),
        ("on_page_content(html, page, config, files)", r"<aioc-later[^>]*></aioc-later>", "<aioc-later>"),
    ],
)
def test_a_plugin_that_removes_the_placeholders_stops_the_build(
    tmp_path: Path, caplog, event: str, placeholder: str, said: str
) -> None:
    """Nothing is silently dropped: if what the hook set aside cannot go back into a page, the build
    stops and says which page. A plugin that runs after the hook's own event removes placeholders:
    HTML blocks' before Markdown, or those that wait for search after it."""
    with pytest.raises(Abort):
        build_with_hook_first(
            tmp_path,
            "import re\n"
            "from mkdocs.plugins import event_priority\n"
            "@event_priority(-100)\n"
            f"def {event}:\n"
            f"    return re.sub(r'{placeholder}', '', {event.split('(')[1].split(',')[0]})\n",
        )
    assert "aioc: index.md: " in caplog.text
    assert "lost their placeholder before they could go back into the page" in caplog.text
    assert said in caplog.text
    assert "Traceback" not in caplog.text
