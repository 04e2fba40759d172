"""The compare view and the "only ❌/⚠️ rows" switch, used the way a person uses them, in Chromium.

The site is built from the repository's data and served under a project path (``/aioc/``, as GitHub
Pages serves a project), so that the compare view's fetch of ``matrix.json`` is proven relative.
What each view should show is worked out here in Python, from the built ``matrix.json`` (compare) and
the built HTML (the switch), never from the script's own output.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import test_browser
from conftest import ROOT, QuietHandler, page, served
from test_browser import CHROMIUM, MID_WORD, OVERFLOWS, full_screenshot, serious_violations

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Debian's Chromium is not installed at /usr/bin/chromium"
    ),
]

# The browser and page fixtures of the main browser tests; open_page serves from this module's site_url.
browser = test_browser.browser
open_page = test_browser.open_page

PREFIX = "/aioc/"
MATRIX_PAGES = {"core": "", "features": "features/", "responses": "responses/"}
PROBLEM_MARKS = ("❌", "⚠")


class _ProjectPathHandler(QuietHandler):
    """Serves the site under /aioc/ only; anything outside the project path is a 404."""

    def translate_path(self, path: str) -> str:
        inside = path.startswith(PREFIX)
        return super().translate_path(path[len(PREFIX) - 1 :] if inside else "/-outside-the-project-")


@pytest.fixture(scope="module")
def site_url(site: Path) -> Iterator[str]:
    """The site built from the repository's data, at http://127.0.0.1:<port>/aioc/ (used by open_page)."""
    with served(site, _ProjectPathHandler) as port:
        yield f"http://127.0.0.1:{port}{PREFIX}"


@pytest.fixture(scope="module")
def matrix(site: Path) -> dict:
    return json.loads((site / "matrix.json").read_text(encoding="utf-8"))


def plain(markdown: str) -> str:
    """A report's inline Markdown as a reader sees it: code and links as their text, spaces collapsed."""
    text = re.sub(r"\[([^\]]+)\]\(https?://[^)\s]+\)", r"\1", markdown)
    text = re.sub(r"`([^`]+)`", r"\1", text)  # an empty pair (``) is no code span: it stays, as on the site
    return " ".join(text.split())


def differing(document: dict, picked: list[str]) -> tuple[set[str], int]:
    """The rows, over every matrix, whose grades are not all the same for the picked implementations."""
    status = {(c["implementation"], c["row"]): c["status"] for c in document["cells"]}
    rows = {row for m in document["matrices"] for s in m["sections"] for row in s["rows"]}
    return {row for row in rows if len({status[(p, row)] for p in picked}) > 1}, len(rows)


def shown_compare_rows(page_: Any) -> list[str]:
    return page_.eval_on_selector_all(
        "[data-aioc-compare] tr[data-aioc-row]",
        "trs => trs.filter(t => t.checkVisibility()).map(t => t.dataset.aiocRow)",
    )


def in_column_order(document: dict, picked: set[str]) -> list[str]:
    return [i["id"] for i in document["implementations"] if i["id"] in picked]


@pytest.mark.parametrize(
    "shared, picked",
    [
        ("llama-cpp,vllm", ["llama-cpp", "vllm"]),
        ("ollama,lm-studio,tabbyapi", ["ollama", "lm-studio", "tabbyapi"]),
        ("openai,azure", ["openai", "azure"]),
        # an unknown id is dropped, and a fourth one is one too many
        ("vllm,no-such-server,ollama,openai,litellm", ["vllm", "ollama", "openai"]),
    ],
)
def test_compare_from_a_shared_link_shows_exactly_the_rows_that_differ(
    open_page, matrix: dict, shared: str, picked: list[str]
) -> None:
    view = open_page(f"compare/?compare={shared}")
    view.wait_for_selector(".aioc-compare-status")
    expected, total = differing(matrix, picked)
    assert expected, "the chosen implementations differ somewhere, or this test proves nothing"
    shown = shown_compare_rows(view)
    assert len(shown) == len(set(shown)), "each row shows once, even when two matrices list it"
    assert set(shown) == expected
    assert (
        view.locator(".aioc-compare-status")
        .inner_text()
        .startswith(f"{len(expected)} of {total} rows differ")
    )
    checked = view.eval_on_selector_all(".aioc-compare-pick input:checked", "is => is.map(i => i.value)")
    assert checked == in_column_order(matrix, set(picked))
    assert "compare=" + ",".join(checked) in address(view)

    # Each side: its grade in symbol and words, its reason and note, and a link to its cell's evidence.
    cells = {(c["implementation"], c["row"]): c for c in matrix["cells"]}
    sides = view.eval_on_selector_all(
        "[data-aioc-compare] td[data-aioc-col]",
        """tds => tds.map(td => ({impl: td.dataset.aiocCol, row: td.closest('tr').dataset.aiocRow,
            text: td.innerText, link: td.querySelector('a[href*="#cell-"]').href}))""",
    )
    assert len(sides) == len(expected) * len(picked)
    for side in sides:
        cell = cells[(side["impl"], side["row"])]
        grade = matrix["statuses"][cell["status"]]
        text = " ".join(side["text"].split())
        assert f"{grade['symbol']} {grade['label']}" in text
        assert plain(cell["message"]) in text
        if cell["footnote"]:
            assert plain(cell["footnote"]) in text
        assert side["link"].endswith(f"{PREFIX}implementations/{side['impl']}/#cell-{side['row']}")

    # The link lands on the cell's own entry, below the project path.
    first = sides[0]
    view.goto(first["link"])
    assert view.locator(f'[id="cell-{first["row"]}"]').count() == 1


def address(page_: Any) -> str:
    """The address as the page has it now (Playwright's page.url can lag behind history.replaceState)."""
    return page_.evaluate("location.href")


def tab_to(page_: Any, test: str, limit: int = 200) -> None:
    """Press Tab until the focused element passes a JavaScript test (``el => ...``)."""
    for _ in range(limit):
        page_.keyboard.press("Tab")
        if page_.evaluate(f"({test})(document.activeElement)"):
            return
    pytest.fail(f"Tab never reached an element where {test}")


def test_compare_selection_by_keyboard_updates_the_address_and_the_rows(open_page, matrix: dict) -> None:
    view = open_page("compare/")
    status = view.locator(".aioc-compare-status")
    assert "Pick two or three" in status.inner_text()
    assert shown_compare_rows(view) == []

    tab_to(view, "e => e.value === 'llama-cpp'")
    assert view.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    view.keyboard.press("Space")
    tab_to(view, "e => e.value === 'ollama'")
    view.keyboard.press("Space")
    assert "compare=llama-cpp,ollama" in address(view)
    assert set(shown_compare_rows(view)) == differing(matrix, ["llama-cpp", "ollama"])[0]

    # A third one; then the rest cannot be ticked until one is let go, and Tab skips them.
    tab_to(view, "e => e.value === 'tabbyapi'")
    view.keyboard.press("Space")
    assert "compare=llama-cpp,ollama,tabbyapi" in address(view)
    assert set(shown_compare_rows(view)) == differing(matrix, ["llama-cpp", "ollama", "tabbyapi"])[0]
    disabled = view.eval_on_selector_all(".aioc-compare-pick input:disabled", "is => is.map(i => i.value)")
    assert sorted(disabled) == sorted(
        set(i["id"] for i in matrix["implementations"]) - {"llama-cpp", "ollama", "tabbyapi"}
    )
    view.keyboard.press("Shift+Tab")
    assert view.evaluate("document.activeElement.value") == "ollama", (
        "Tab skips the boxes that cannot be ticked"
    )
    view.keyboard.press("Space")
    assert "compare=llama-cpp,tabbyapi" in address(view)
    assert set(shown_compare_rows(view)) == differing(matrix, ["llama-cpp", "tabbyapi"])[0]
    assert view.locator(".aioc-compare-pick input:disabled").count() == 0

    # The address holds the choice: a reload (or the link, shared) shows the same comparison.
    view.reload()
    view.wait_for_selector(".aioc-compare-status")
    assert set(shown_compare_rows(view)) == differing(matrix, ["llama-cpp", "tabbyapi"])[0]


def test_compare_without_javascript_says_so_and_links_to_the_data(open_page, site: Path) -> None:
    view = open_page("compare/", java_script_enabled=False, viewport={"width": 390, "height": 800})
    assert view.evaluate("document.documentElement.scrollWidth") <= 390
    note = view.locator(".aioc-compare-nojs")
    assert note.is_visible() and "needs JavaScript" in note.inner_text()
    hrefs = view.eval_on_selector_all("article a", "as => as.map(a => a.href)")
    base = view.url.split("compare/")[0]
    for target in ("", "features/", "responses/", "matrix.json"):
        assert base + target in hrefs, f"the page links {target or 'the home matrix'}"
    # With JavaScript the note goes, and the script puts nothing from data in as markup.
    assert not open_page("compare/").locator(".aioc-compare-nojs").is_visible()
    script = (ROOT / "overrides/assets/aioc/compare.js").read_text(encoding="utf-8")
    assert "innerHTML" not in script and "insertAdjacentHTML" not in script


def expected_filter(site: Path, path: str, hidden: set[str]) -> tuple[dict[str, bool], dict[str, bool]]:
    """From the built HTML: which matrix rows keep a ❌ or ⚠️ in a shown column, and which section
    headings keep at least one such row."""
    soup = page(site, path + "index.html")
    rows: dict[str, bool] = {}
    headings: dict[str, bool] = {}
    for table in soup.select('table[data-aioc-table="matrix"]'):
        kept_any = False
        for tr in table.select("tbody tr"):
            marks = [
                td.select_one(".aioc-mark > [aria-hidden]").get_text()
                for td in tr.select("td[data-aioc-col]")
                if td["data-aioc-col"] not in hidden
            ]
            rows[tr["id"]] = any(m in mark for mark in marks for m in PROBLEM_MARKS)
            kept_any = kept_any or rows[tr["id"]]
        heading = table.find_parent("div").find_previous_sibling(["h2", "h3", "h4"])
        headings[heading["id"]] = kept_any
    return rows, headings


def filter_state(page_: Any) -> tuple[dict[str, bool], dict[str, bool]]:
    rows = page_.eval_on_selector_all(
        'table[data-aioc-table="matrix"] tbody tr', "trs => trs.map(t => [t.id, t.checkVisibility()])"
    )
    ids = page_.eval_on_selector_all(
        'table[data-aioc-table="matrix"]',
        """ts => ts.map(t => {
            let e = t.closest('.aioc-scroll');
            while (!/^H[2-4]$/.test(e.tagName)) e = e.previousElementSibling;
            return [e.id, e.checkVisibility()];
        })""",
    )
    return dict(rows), dict(ids)


@pytest.mark.parametrize("name", list(MATRIX_PAGES))
def test_problem_switch_from_a_shared_link_hides_exactly_the_rows_without_a_problem(
    open_page, site: Path, name: str
) -> None:
    path = MATRIX_PAGES[name]
    columns = [
        i["data-aioc-col"]
        for i in page(site, path + "index.html").select(".aioc-toggles input[data-aioc-col]")
    ]
    hidden = [c for c in columns if c not in ("openai", "llama-cpp")]
    view = open_page(f"{path}?problems=1&hide={','.join(hidden)}")
    rows, headings = expected_filter(site, path, set(hidden))
    assert any(rows.values()) and not all(rows.values()), "the switch has something to hide and to keep"
    assert rows != expected_filter(site, path, set())[0], "the hidden columns change which rows stay"
    if name == "responses":
        assert not all(headings.values()), "a section left without rows takes its heading with it"
    assert filter_state(view) == (rows, headings)
    switch = view.get_by_role("switch", name=re.compile("Only rows where a shown column is"))
    assert switch.is_checked()
    count = view.locator(".aioc-problems [role=status]").inner_text()
    assert count == f"{sum(rows.values())} of {len(rows)} rows shown"


def test_problem_switch_by_keyboard_follows_the_column_switches(open_page, site: Path) -> None:
    view = open_page("features/")
    every = expected_filter(site, "features/", set())
    tab_to(view, "e => e.getAttribute('role') === 'switch'")
    assert view.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    view.keyboard.press("Space")
    assert "problems=1" in address(view)
    assert filter_state(view) == every

    # A column that alone holds some row's problem: hiding it (by keyboard) hides that row too.
    columns = view.eval_on_selector_all(
        ".aioc-toggles input[data-aioc-col]", "is => is.map(i => i.dataset.aiocCol)"
    )
    column = next(c for c in columns if expected_filter(site, "features/", {c})[0] != every[0])
    for _ in range(len(columns) + 2):
        view.keyboard.press("Shift+Tab")
        if view.evaluate(f"document.activeElement.dataset.aiocCol === '{column}'"):
            break
    view.keyboard.press("Space")
    assert f"hide={column}" in address(view)
    assert filter_state(view) == expected_filter(site, "features/", {column})
    tab_to(view, "e => e.getAttribute('role') === 'switch'")
    view.keyboard.press("Space")
    assert "problems" not in address(view)
    rows, headings = filter_state(view)
    assert all(rows.values()) and all(headings.values()), "switched off, every row is back"


@pytest.mark.parametrize("width", [390, 1400])
@pytest.mark.parametrize(
    "name, path",
    [
        ("compare", "compare/?compare=llama-cpp,vllm,ollama"),
        ("responses-problems", "responses/?problems=1&hide=openai"),
    ],
)
def test_nothing_sticks_out_on_a_phone_or_a_desktop(open_page, name: str, path: str, width: int) -> None:
    view = open_page(path, viewport={"width": width, "height": 900})
    view.wait_for_selector(".aioc-compare-status, .aioc-problems")
    full_screenshot(view, f"{name}-{width}")
    assert view.evaluate("document.documentElement.scrollWidth") <= width, "the page never scrolls sideways"
    assert view.evaluate(OVERFLOWS) == []
    assert view.evaluate(MID_WORD) == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize(
    "path", ["compare/?compare=llama-cpp,vllm,ollama", "compare/", "features/?problems=1&hide=openai"]
)
def test_no_serious_or_critical_accessibility_violation(open_page, path: str, scheme: str) -> None:
    """axe-core audits the compare view and a filtered matrix, in both palettes."""
    from axe_playwright_python.sync_playwright import Axe

    view = open_page(path, color_scheme=scheme)
    view.wait_for_selector(".aioc-compare-status, .aioc-problems")
    bad = serious_violations(Axe().run(view).response)
    assert bad == [], "\n".join(bad)
