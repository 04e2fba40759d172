"""The site as people use it, in Debian's Chromium driven by Playwright.

The site is built from a copy of ``data/`` with planted reports (a probed run, so that a cell carries
evidence, and a note with a footnote), served from a stdlib HTTP server on 127.0.0.1, and read
through a real browser: column
switches by mouse, keyboard, reload and shared link; popovers; both palettes; a phone-sized screen;
evidence behind a cell; and no script or console error anywhere. Screenshots of the matrix page are
kept under ``test-artifacts/`` for a person to look at.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import DATA, ROOT, build_site, only_seeds, probed_report, served, write_json
from playwright.sync_api import sync_playwright

from probes.model.report import SCHEMA_REF

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = ROOT / "test-artifacts"
MARKER = "planted-evidence-body-7f3a"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Debian's Chromium is not installed at /usr/bin/chromium"
    ),
]


def chat_evidence(marker: str) -> dict:
    return {
        "label": "plain chat request",
        "request": {
            "method": "POST",
            "path": "/v1/chat/completions",
            "headers": {"content-type": "application/json"},
            "body": '{"model": "gemma-3-270m", "messages": [{"role": "user", "content": "Say hi"}]}',
        },
        "response": {
            "status": 200,
            "headers": {"content-type": "application/json"},
            "body": '{"object": "chat.completion", "choices": [{"message": {"content": "' + marker + '"}}]}',
            "elapsed_ms": 412,
        },
    }


PROBED_DAY = (dt.datetime.now(dt.UTC) - dt.timedelta(days=2)).replace(
    hour=12, minute=0, second=0, microsecond=0
)
PROBED_RUN = f"llama-cpp-{PROBED_DAY.date().isoformat()}-probe"


FOOTNOTE = "Tool calls need the server started with `--planted-tool-flag`."


def plant_reports(data_dir: Path) -> Path:
    """A probed llama.cpp run with evidence, and a hand-entered Ollama note with a footnote.

    Other llama.cpp runs in data/ are left out of the copy, so that the planted run decides its cells.
    """
    only_seeds(data_dir, "llama-cpp")
    only_seeds(data_dir, "ollama")  # the sourced re-entry is newer than the planted note
    write_json(
        data_dir / "reports/ollama/ollama-planted-note.json",
        {
            "$schema": SCHEMA_REF,
            "run_id": "ollama-planted-note",
            "implementation": "ollama",
            "origin": "manual",
            "created": PROBED_DAY.isoformat().replace("+00:00", "Z"),
            "source": "https://example.org/notes",
            "results": [
                {"row": "chat.tools", "status": "deviation", "message": "needs a flag", "footnote": FOOTNOTE}
            ],
        },
    )
    report = probed_report(
        PROBED_RUN,
        "llama-cpp",
        PROBED_DAY,
        [{"row": "chat.completions", "status": "pass", "evidence": [chat_evidence(MARKER)]}],
    )
    return write_json(data_dir / "reports/llama-cpp" / f"{PROBED_RUN}.json", report)


@pytest.fixture(scope="module")
def site_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The site built from data/ plus a planted probed report, served on 127.0.0.1 at a free port."""
    data = tmp_path_factory.mktemp("browser-data") / "data"
    shutil.copytree(DATA, data)
    plant_reports(data)
    site = build_site(tmp_path_factory.mktemp("browser-site"), data)
    with served(site) as port:
        yield f"http://127.0.0.1:{port}/"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium for the module; every test gets its own context (fresh storage)."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def open_page(browser: Any, site_url: str) -> Iterator[Callable[..., Any]]:
    """Open site pages in new contexts; at the end, fail on any console error, page error or failed load."""
    errors: list[str] = []
    contexts = []

    def open_(path: str = "", **context_options: Any) -> Any:
        context = browser.new_context(**{"viewport": {"width": 1280, "height": 900}, **context_options})
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.on(
            "console", lambda m: errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None
        )
        page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
        # ERR_ABORTED is the browser cancelling its own request (a reload mid-load), not a failure.
        page.on(
            "requestfailed",
            lambda r: (
                errors.append(f"request failed: {r.url} {r.failure}")
                if r.failure != "net::ERR_ABORTED"
                else None
            ),
        )
        page.on("response", lambda r: errors.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
        page.goto(site_url + path)
        return page

    yield open_
    for context in contexts:
        context.close()
    assert errors == []


def screenshot(page: Any, name: str) -> None:
    """Keep a picture of what a person would see, as a test artefact."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)


def column_shown(page: Any, column: str) -> list[bool]:
    """Whether each element of one column (header, cells) of the core matrix is displayed."""
    return page.eval_on_selector_all(
        f'table[data-aioc-matrix="core"] [data-aioc-col="{column}"]',
        "els => els.map(e => e.offsetParent !== null)",
    )


def toggle(page: Any, column: str) -> Any:
    return page.locator(f'.aioc-toggles[data-aioc-matrix="core"] input[data-aioc-col="{column}"]')


def test_columns_hide_and_show(open_page) -> None:
    page = open_page()
    assert page.locator(".aioc-toggles").first.is_visible(), "the script reveals the switches"
    shown = column_shown(page, "ollama")
    assert len(shown) > 20 and all(shown)
    toggle(page, "ollama").uncheck()
    assert not any(column_shown(page, "ollama"))
    assert all(column_shown(page, "vllm")), "only the chosen column goes"
    assert "hide=ollama" in page.url
    toggle(page, "vllm").uncheck()
    assert not any(column_shown(page, "vllm"))
    toggle(page, "ollama").check()
    assert all(column_shown(page, "ollama"))
    page.get_by_role("button", name="Show all").first.click()
    assert all(column_shown(page, "vllm"))
    assert toggle(page, "vllm").is_checked()
    assert "hide=" not in page.url
    screenshot(page, "matrix-desktop-light")


def test_choice_survives_reload_and_travels_in_a_link(open_page, site_url: str) -> None:
    page = open_page()
    toggle(page, "ollama").uncheck()
    toggle(page, "lm-studio").uncheck()
    page.reload()
    assert not any(column_shown(page, "ollama")) and not any(column_shown(page, "lm-studio"))
    # Without the query the choice still comes back, from localStorage.
    page.goto(site_url)
    assert not any(column_shown(page, "ollama"))
    assert not toggle(page, "lm-studio").is_checked()
    assert all(column_shown(page, "vllm"))

    # A shared link, opened by someone else (fresh storage), shows the same columns.
    shared = open_page("?hide=vllm,tabbyapi")
    assert not any(column_shown(shared, "vllm")) and not any(column_shown(shared, "tabbyapi"))
    assert all(column_shown(shared, "ollama"))
    assert not toggle(shared, "vllm").is_checked() and toggle(shared, "ollama").is_checked()
    # The link wins over what the visitor stored before.
    page.goto(site_url + "?hide=openai")
    assert not any(column_shown(page, "openai")) and all(column_shown(page, "ollama"))


def test_switches_work_from_the_keyboard_alone(open_page) -> None:
    page = open_page()
    first = page.eval_on_selector(
        '.aioc-toggles[data-aioc-matrix="core"] input[data-aioc-col]', "e => e.dataset.aiocCol"
    )
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches('.aioc-toggles input[data-aioc-col]')"):
            break
    else:
        pytest.fail("Tab never reached the column switches")
    assert page.evaluate("document.activeElement.dataset.aiocCol") == first
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none", "the focused switch shows a focus ring"
    page.keyboard.press("Space")
    assert not any(column_shown(page, first))
    page.keyboard.press("Tab")
    second = page.evaluate("document.activeElement.dataset.aiocCol")
    assert second and second != first
    page.keyboard.press("Space")
    assert not any(column_shown(page, second))
    page.keyboard.press("Space")
    assert all(column_shown(page, second))
    while not page.evaluate("document.activeElement.matches('.aioc-toggle-all')"):
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert all(column_shown(page, first))


def test_popovers_on_hover_and_on_focus(open_page) -> None:
    page = open_page("features/")
    td = page.locator('tr[id="row-features-chat.tools"] td[data-aioc-col="ollama"]')
    tip = td.locator(".aioc-tip")
    assert tip.is_hidden()
    td.hover()
    assert tip.is_visible()
    text = tip.inner_text()
    number = td.locator(".aioc-fnref a").inner_text()
    assert f"[{number}] Tool calls need the server started with --planted-tool-flag." in text
    box, viewport = tip.bounding_box(), page.viewport_size
    assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]
    page.mouse.move(0, 0)
    assert tip.is_hidden()

    # Keyboard: focus the mark, then the footnote number; the popover shows for both.
    td.locator(".aioc-mark").focus()
    assert tip.is_visible()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('.aioc-fnref') !== null")
    assert tip.is_visible()
    page.keyboard.press("Tab")
    assert tip.is_hidden()

    # The last row's popover is not cut off by the table's scroll box.
    last = page.locator('table[data-aioc-table="matrix"] tbody tr').last.locator("td").first
    last.hover()
    last_tip = last.locator(".aioc-tip")
    assert last_tip.is_visible()
    shown_fully = last_tip.evaluate(
        """tip => {
            tip.style.pointerEvents = "auto";  // hit-testing tells what is really painted on top
            const box = tip.getBoundingClientRect();
            const points = [[box.left + 3, box.top + 3], [box.right - 3, box.top + 3],
                            [box.left + 3, box.bottom - 3], [box.right - 3, box.bottom - 3]];
            const ok = points.every(([x, y]) => {
                const hit = document.elementFromPoint(x, y);
                return hit !== null && (hit === tip || tip.contains(hit));
            });
            tip.style.pointerEvents = "";
            return ok;
        }"""
    )
    assert shown_fully, "the bottom of the last row's popover is hidden"


CONTRAST = """
(el) => {
  const parse = c => {
    const m = c.match(/[\\d.]+/g).map(Number);
    return [m[0], m[1], m[2], m.length > 3 ? m[3] : 1];
  };
  const over = (top, bottom) => [0, 1, 2].map(i => top[i] * top[3] + bottom[i] * (1 - top[3])).concat([1]);
  const backgroundOf = node => {
    const layers = [];
    for (let n = node; n; n = n.parentElement) {
      const bg = parse(getComputedStyle(n).backgroundColor);
      if (bg[3] > 0) { layers.push(bg); if (bg[3] >= 1) break; }
    }
    let colour = [255, 255, 255, 1];
    for (const layer of layers.reverse()) colour = over(layer, colour);
    return colour;
  };
  const channel = x => { x /= 255; return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4; };
  const lum = c => 0.2126 * channel(c[0]) + 0.7152 * channel(c[1]) + 0.0722 * channel(c[2]);
  const bg = backgroundOf(el);
  const fg = over(parse(getComputedStyle(el).color), bg);
  const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}
"""


def readable(page: Any, selector: str) -> float:
    return page.locator(selector).first.evaluate(CONTRAST)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_both_palettes_are_readable(open_page, scheme: str) -> None:
    page = open_page(color_scheme=scheme)
    expected = {"light": "default", "dark": "slate"}[scheme]
    assert page.get_attribute("body", "data-md-color-scheme") == expected
    checks = {
        "column header": 'table[data-aioc-matrix="core"] thead th[data-aioc-col] a',
        "row header": 'table[data-aioc-matrix="core"] tbody th.aioc-rowhead',
        "legend": ".aioc-legend-item",
        "switch label": ".aioc-toggle",
    }
    for name, selector in checks.items():
        assert readable(page, selector) >= 4.5, f"{name} is hard to read in the {scheme} palette"
    page.locator('tr[id="row-core-embeddings"] td[data-aioc-col="tabbyapi"]').hover()
    tip = 'tr[id="row-core-embeddings"] td[data-aioc-col="tabbyapi"] .aioc-tip'
    assert readable(page, tip) >= 4.5
    tip_bg = page.locator(tip).evaluate("e => getComputedStyle(e).backgroundColor")
    assert tip_bg.startswith("rgb("), f"the popover is opaque, so marks under it do not show ({tip_bg})"
    screenshot(page, f"matrix-palette-{scheme}")

    # Material's palette switch flips to the other scheme and the table follows it.
    page.locator("form[data-md-component='palette'] label:visible").first.click()
    other = {"default": "slate", "slate": "default"}[expected]
    assert page.get_attribute("body", "data-md-color-scheme") == other
    # The sticky heads have the page's own, opaque background, so scrolled cells never show through.
    backgrounds = page.eval_on_selector_all(
        'table[data-aioc-matrix="core"] thead th, table[data-aioc-matrix="core"] tbody th.aioc-rowhead',
        "els => [...new Set(els.map(e => getComputedStyle(e).backgroundColor))]",
    )
    page_bg = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert backgrounds == [page_bg] and page_bg.startswith("rgb(")
    assert readable(page, 'table[data-aioc-matrix="core"] thead th[data-aioc-col] a') >= 4.5
    assert readable(page, 'table[data-aioc-matrix="core"] tbody th.aioc-rowhead') >= 4.5


def test_phone_screen_scrolls_the_table_and_keeps_its_heads_in_view(open_page) -> None:
    page = open_page("features/", viewport={"width": 390, "height": 740}, is_mobile=True, has_touch=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, (
        "the page itself never scrolls sideways"
    )
    table = page.locator('table[data-aioc-table="matrix"]').first
    box = table.locator("xpath=..")
    sizes = box.evaluate("b => [b.scrollWidth, b.clientWidth, b.scrollHeight, b.clientHeight]")
    assert sizes[0] > sizes[1], "the table is wider than the phone and scrolls inside its box"
    assert sizes[2] > sizes[3], "a long table scrolls down inside its box"
    box.scroll_into_view_if_needed()
    screenshot(page, "matrix-phone-before-scroll")

    corner = table.locator("thead th.aioc-rowhead")
    some_cell = table.locator("tbody tr").first.locator("td").first
    header_cell = table.locator("thead th[data-aioc-col]").first
    cell_before = some_cell.bounding_box()
    box.evaluate("b => { b.scrollLeft = 250; b.scrollTop = 200; }")
    page.wait_for_timeout(50)
    cell_after = some_cell.bounding_box()
    assert cell_after["x"] < cell_before["x"] - 200, "the cells moved left"
    assert cell_after["y"] < cell_before["y"] - 150, "and up"
    # The first column stays at the box's left edge, the header at its top, the corner at both.
    frame = box.bounding_box()
    row_heads = table.locator("tbody th.aioc-rowhead")
    visible_head = next(
        row_heads.nth(i).bounding_box()
        for i in range(row_heads.count())
        if row_heads.nth(i).bounding_box()["y"] >= frame["y"] + 30
    )
    assert abs(visible_head["x"] - frame["x"]) <= 2
    assert abs(header_cell.bounding_box()["y"] - frame["y"]) <= 2
    corner_box = corner.bounding_box()
    assert abs(corner_box["x"] - frame["x"]) <= 2 and abs(corner_box["y"] - frame["y"]) <= 2
    # What is on top at the row head's place is the row head, not a cell showing through.
    on_top = page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y).closest('th, td').className",
        [visible_head["x"] + 10, visible_head["y"] + visible_head["height"] / 2],
    )
    assert "aioc-rowhead" in on_top
    screenshot(page, "matrix-phone-scrolled")


def test_a_probed_cell_leads_to_its_evidence(open_page) -> None:
    page = open_page()
    td = page.locator('tr[id="row-core-chat.completions"] td[data-aioc-col="llama-cpp"]')
    assert td.locator(".aioc-probed-dot").count() == 1
    neighbour = page.locator('tr[id="row-core-chat.completions"] td[data-aioc-col="vllm"] .aioc-mark')
    assert abs(td.locator(".aioc-mark").bounding_box()["y"] - neighbour.bounding_box()["y"]) <= 1, (
        "the probed dot does not push its mark out of line"
    )
    assert PROBED_DAY.date().isoformat() in td.locator(".aioc-tip").text_content()
    td.locator("a.aioc-mark").click()
    page.wait_for_url("**/implementations/llama-cpp/#cell-chat.completions")
    detail = page.locator('[id="cell-chat.completions"]')
    evidence = detail.locator("details.aioc-evidence")
    assert evidence.count() == 1
    assert evidence.evaluate("d => d.open"), "the linked cell's evidence opens by itself"
    sent = detail.locator(".aioc-sent").inner_text()
    received = detail.locator(".aioc-received").inner_text()
    assert sent.startswith("POST /v1/chat/completions") and '"Say hi"' in sent
    assert "HTTP 200" in received and MARKER in received
    provenance = detail.locator(".aioc-provenance").inner_text()
    assert PROBED_RUN in provenance and PROBED_DAY.date().isoformat() in provenance
    # The target is in view, below Material's fixed header.
    header = page.locator("header.md-header").bounding_box()
    top = detail.bounding_box()["y"]
    assert header["height"] - 1 <= top < page.viewport_size["height"] / 2
    # Other cells' evidence stays closed.
    closed = page.eval_on_selector_all(
        "details.aioc-evidence",
        "ds => ds.filter(d => !d.closest('[id=\"cell-chat.completions\"]') && d.open)",
    )
    assert closed == []
    detail.screenshot(path=str(ARTIFACTS / "evidence-llama-cpp-chat.png"))


def test_a_long_implementation_page_folds_its_evidence_and_jumps_to_a_row(open_page) -> None:
    """Every cell of llama.cpp that a report covers has an entry (35 on the seeds here), so evidence,
    sources and history fold under one line each (the page was 33,600 px tall at 1400 px with them
    open), and a folded list of links jumps to any row by keyboard, opening that cell's details."""
    page = open_page("implementations/llama-cpp/", viewport={"width": 1400, "height": 900})
    cells = page.locator(".aioc-cell-detail").count()
    assert cells >= 30
    assert page.evaluate("document.documentElement.scrollHeight") < 22_000
    assert page.eval_on_selector_all("details.aioc-cell-more", "ds => ds.filter(d => d.open).length") == 0
    evidence = page.locator("details.aioc-evidence")
    assert evidence.count() and not evidence.first.is_visible(), "evidence is folded away"
    jump = page.locator("details.aioc-jump")
    uncovered = page.locator(".aioc-uncovered").count()
    assert jump.locator("a").count() == cells + uncovered, "the jump list links every entry and list"
    # The last cell on the page with evidence: far from the top, so the jump has to move the page.
    row = page.eval_on_selector_all(
        ".aioc-cell-detail", "ds => ds.filter(d => d.querySelector('.aioc-evidence')).pop().id"
    ).removeprefix("cell-")
    jump.locator("summary").focus()
    page.keyboard.press("Enter")
    target = jump.locator(f'a[href="#cell-{row}"]')
    assert target.is_visible()
    target.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/implementations/llama-cpp/#cell-{row}")
    detail = page.locator(f'[id="cell-{row}"]')
    header = page.locator("header.md-header").bounding_box()
    assert header["height"] - 1 <= detail.bounding_box()["y"] < page.viewport_size["height"] / 2
    assert detail.locator("details.aioc-cell-more").evaluate("d => d.open"), "the jumped-to cell opens"
    assert detail.locator("details.aioc-evidence").first.is_visible()


def test_pages_load_without_errors(open_page) -> None:
    for path in ("", "features/", "exports/", "implementations/ollama/", "implementations/llama-cpp/"):
        page = open_page(path)
        assert page.locator("h1").first.is_visible()
    badge = open_page("implementations/llama-cpp/").locator("img.aioc-badge")
    assert badge.evaluate("img => img.complete && img.naturalWidth > 0"), "the badge loads"


def test_data_change_under_mkdocs_serve_reaches_the_browser(browser, tmp_path: Path) -> None:
    """Time from saving a report to the open page showing the new grade, through serve's live reload,
    measured as ``scripts/bench_serve.py`` does (which also checks the page did not show it before)."""
    import bench_serve

    tree = tmp_path / "tree"
    bench_serve.copy_tree(tree, None)
    result = bench_serve.measure("serve", tree, 1, browser, plain=False)
    elapsed = result.to_browser[0]
    print(f"\nmkdocs serve: a data change reached the browser in {elapsed:.2f} s")
    assert elapsed < 30


SCREENSHOTS = ARTIFACTS / "screenshots"
_IMPLEMENTATIONS_FILE = json.loads((DATA / "implementations.json").read_text(encoding="utf-8"))
IMPLEMENTATIONS = [impl["id"] for impl in _IMPLEMENTATIONS_FILE["implementations"]]
LAYOUT_PAGES = {
    "home": "",
    "features": "features/",
    "responses": "responses/",
    "overview": "overview/",
    "compare": "compare/",
    "prober": "prober/",
    "contributing": "contributing/",
    "exports": "exports/",
    **{impl: f"implementations/{impl}/" for impl in IMPLEMENTATIONS},
}
"""Every page of the site: each is audited, measured for overflow and photographed at both widths."""
WIDTHS = (390, 1400)

OVERFLOWS = """() => {
  // Tables wider than their column whose box does not scroll sideways, and scroll boxes that stick out.
  const column = document.querySelector('article.md-content__inner').getBoundingClientRect();
  const out = [];
  for (const table of document.querySelectorAll('article table')) {
    let box = null;
    for (let e = table.parentElement; e && e.tagName !== 'ARTICLE'; e = e.parentElement) {
      const x = getComputedStyle(e).overflowX;
      if (x === 'auto' || x === 'scroll') { box = e; break; }
    }
    const rect = table.getBoundingClientRect();
    const name = table.getAttribute('data-aioc-table') || 'markdown';
    if (!box && (rect.right > column.right + 1 || rect.left < column.left - 1)) {
      out.push(name + ': ' + Math.round(rect.width) + ' px wide in a column of ' + Math.round(column.width));
    }
    const sticksOut = box && box.getBoundingClientRect().right > column.right + 1;
    if (box && box.scrollWidth > box.clientWidth + 1 && sticksOut) {
      out.push(name + ': its scroll box sticks out of the column');
    }
  }
  return out;
}"""

MID_WORD = """() => {
  // Every place where a row head's text wraps onto a new line, unless after '.', '_', '/', '-' or a space.
  const out = [];
  const heads = document.querySelectorAll(
    'th.aioc-rowhead[scope=row], table[data-aioc-table=changes] td:nth-child(2)');
  for (const head of heads) {
    let previous = null;  // [top of the last character's line box, the character]
    const walker = document.createTreeWalker(head, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (let i = 0; i < node.length; i++) {
        const range = document.createRange();
        range.setStart(node, i); range.setEnd(node, i + 1);
        const rects = range.getClientRects();
        if (!rects.length) { continue; }
        const top = rects[0].top, ch = node.data[i];
        if (previous && top > previous[0] + 2 && !/[\\s./_-]/.test(previous[1]) && !/\\s/.test(ch)) {
          out.push(head.textContent.trim() + ' breaks between ' + JSON.stringify(previous[1] + ch));
        }
        previous = [top, ch];
      }
    }
  }
  return out;
}"""


def full_screenshot(page: Any, name: str) -> None:
    """A picture of the page from its top, at most 6,000 px of it (evidence pages are far longer)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    height = min(page.evaluate("document.documentElement.scrollHeight"), 6000)
    page.screenshot(
        path=str(SCREENSHOTS / f"{name}.png"),
        full_page=True,
        clip={"x": 0, "y": 0, "width": size["width"], "height": height},
    )


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", list(LAYOUT_PAGES))
def test_nothing_is_cut_off_and_row_heads_break_between_words(open_page, name: str, width: int) -> None:
    page = open_page(LAYOUT_PAGES[name], viewport={"width": width, "height": 900})
    page.wait_for_load_state("load")
    full_screenshot(page, f"{name}-{width}")
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "the page never scrolls sideways"
    assert page.evaluate(OVERFLOWS) == []
    assert page.evaluate(MID_WORD) == []
    if name in ("ollama", "llama-cpp"):
        # The source prose keeps a readable width: a word a line is not readable.
        widths = page.eval_on_selector_all(
            'table[data-aioc-table="reports"] tbody td:last-child',
            "tds => tds.map(td => td.getBoundingClientRect().width)",
        )
        assert widths and min(widths) >= 250
    if name == "responses":
        # Every source link in the provider details is whole and inside its cell.
        cut = page.eval_on_selector_all(
            'table[data-aioc-table="details"] td:last-child a',
            """links => links.filter(a => {
                const td = a.closest('td'), r = a.getBoundingClientRect(), c = td.getBoundingClientRect();
                return td.scrollWidth > td.clientWidth + 1 || r.right > c.right + 1 || r.width < 20;
            }).map(a => a.textContent)""",
        )
        assert cut == []


@pytest.mark.parametrize("name", ["home", "features", "responses", "ollama"])
def test_without_javascript_tables_scroll_in_their_own_box(open_page, name: str) -> None:
    """Material wraps tables in a scrolling box only from its script; aioc's boxes come with the page."""
    page = open_page(LAYOUT_PAGES[name], viewport={"width": 390, "height": 740}, java_script_enabled=False)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.evaluate(OVERFLOWS) == []


@pytest.mark.parametrize("name", ["home", "features", "responses"])
def test_every_matrix_page_shows_the_legend_with_the_probed_dot_in_words(open_page, name: str) -> None:
    page = open_page(LAYOUT_PAGES[name])
    legend = page.locator(".aioc-legend-box")
    assert legend.is_visible()
    text = legend.inner_text()
    assert "a dot, not a number" in text and "probed, not graded" in text
    # The legend comes before the first table, where a reader looks first.
    first_table = page.locator('table[data-aioc-table="matrix"]').first
    assert legend.bounding_box()["y"] < first_table.bounding_box()["y"]


def test_share_bars_show_without_script(open_page) -> None:
    page = open_page("overview/", java_script_enabled=False)
    bars = page.locator("svg.aioc-bar-svg")
    assert bars.count() >= len(IMPLEMENTATIONS), "at least one bar per implementation"
    box = bars.first.bounding_box()
    assert box["width"] > 100 and box["height"] >= 8
    assert page.locator("svg.aioc-bar-svg rect").first.evaluate("r => r.getBoundingClientRect().width") > 0
    badges = open_page("exports/").locator("img.aioc-badge")
    assert badges.count() > 1
    assert badges.evaluate_all("imgs => imgs.every(i => i.complete && i.naturalWidth > 0)")


def serious_violations(response: dict) -> list[str]:
    """axe-core's serious and critical violations in one line each: rule, impact, how many, an example."""
    return [
        f"{v['id']} ({v['impact']}): {len(v['nodes'])} nodes, e.g. {v['nodes'][0]['target']}"
        for v in response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("name", list(LAYOUT_PAGES))
def test_no_serious_or_critical_accessibility_violation(open_page, name: str) -> None:
    """axe-core, as Deque ships it, audits each page: nothing serious or critical."""
    from axe_playwright_python.sync_playwright import Axe

    page = open_page(LAYOUT_PAGES[name])
    bad = serious_violations(Axe().run(page).response)
    assert bad == [], "\n".join(bad)
