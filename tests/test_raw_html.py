"""The Markdown extension that passes the matrices' HTML blocks through unparsed changes nothing a reader
sees: each page's Markdown converts to the same HTML with it, without it, and with its comments lost;
only data lines that open a code fence, which Markdown alone would rewrite, come through as they are."""

from __future__ import annotations

import datetime as dt
import re
from functools import cache
from pathlib import Path

import markdown
import pytest
from conftest import build_site, page, probed_report, write_json
from mkdocs.config import load_config

from probes.load.dataset import load_dataset
from probes.site.raw_html import CLOSE, OPEN, StashHtmlExtension
from probes.site.render import Renderer

ROOT = Path(__file__).resolve().parents[1]
EXTENSIONS = ["toc", "tables", "fenced_code", "attr_list", "md_in_html", "admonition", "footnotes"]
"""What mkdocs.yml lists, after the three MkDocs always adds (toc, tables, fenced_code)."""


@cache
def renderer() -> Renderer:
    config = load_config(str(ROOT / "mkdocs.yml"))
    return Renderer.create(config.theme.get_env(), load_dataset(ROOT / "data"))


def views() -> dict[str, str]:
    r = renderer()
    out = {f"matrix {m}": r.matrix(m, lambda i: f"../{i}/") for m in r.dataset.catalog.matrices}
    out["implementation llama-cpp"] = r.implementation("llama-cpp", lambda i: f"../{i}/")
    out["overview"] = r.overview(lambda i: f"../{i}/")
    return out


def convert(text: str, stash: bool) -> str:
    extensions: list[str | markdown.Extension] = list(EXTENSIONS)
    if stash:
        extensions.append(StashHtmlExtension())
    html = markdown.Markdown(extensions=extensions).convert(text)
    return normalised(html)


def normalised(html: str) -> str:
    """The HTML with the marking comments gone and whitespace between tags ignored."""
    html = html.replace(OPEN, "").replace(CLOSE, "")
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", html)).strip()


@pytest.mark.parametrize("name", list(views()))
def test_a_view_converts_to_the_same_html_with_and_without_the_extension(name: str) -> None:
    text = views()[name]
    assert OPEN in text and text.count(OPEN) == text.count(CLOSE), "the view marks its HTML blocks"
    with_stash = convert(text, stash=True)
    assert with_stash == convert(text, stash=False)
    assert "wzxhzdk" not in with_stash, "every stashed block went back into the page"


def test_lost_comments_leave_markdown_to_parse_the_same_html() -> None:
    """A plugin that drops HTML comments before Markdown runs makes the build slower, and with today's
    data no different (a data line that opens a code fence would be Markdown's again)."""
    text = views()["implementation llama-cpp"]
    without_comments = re.sub(r"<!--.*?-->\n?", "", text, flags=re.DOTALL)
    assert convert(without_comments, stash=True) == convert(text, stash=True)


def test_markdown_inside_a_marked_block_is_left_as_it_is() -> None:
    """The block is HTML, passed as it is: Markdown syntax in it is not converted (the macros escape
    every value from data, so nothing in it is meant as Markdown)."""
    text = f"# Title\n\n{OPEN}\n<div>*not emphasis* and [not](a-link)</div>\n{CLOSE}\n\nAfter *this*.\n"
    html = markdown.Markdown(extensions=[StashHtmlExtension()]).convert(text)
    assert "<div>*not emphasis* and [not](a-link)</div>" in html
    assert "<em>this</em>" in html


def test_an_unclosed_block_is_left_to_markdown() -> None:
    text = f"{OPEN}\n<div>kept</div>\n\nText *here*.\n"
    html = markdown.Markdown(extensions=[StashHtmlExtension()]).convert(text)
    assert "<div>kept</div>" in html and "<em>here</em>" in html


def test_evidence_text_is_escaped_for_an_element_and_reads_the_same() -> None:
    """Evidence bodies are escaped for element text only (``&``, ``<``, ``>``): a body that tries to
    close the ``<pre>`` or open a script stays text, and an HTML parser reads back exactly the body."""
    from html.parser import HTMLParser

    from probes.site.render import text_content

    body = '{"a": "</code></pre><script>alert(1)</script>", "b": "&amp; \' \\" <!--"}'
    escaped = str(text_content(body))
    assert "<" not in escaped and ">" not in escaped
    parsed: list[str] = []

    class Reader(HTMLParser):
        def handle_data(self, data: str) -> None:
            parsed.append(data)

        def handle_starttag(self, tag: str, attrs: object) -> None:
            raise AssertionError(f"a tag came through: {tag}")

    reader = Reader(convert_charrefs=True)
    reader.feed(escaped)
    reader.close()
    assert "".join(parsed) == body


FENCED = (
    "Here is the code you asked for:\n"
    "```python\n"
    'print("<b>hi</b>")  # & more\n'
    "```\n"
    "~~~\n"
    "and a tilde fence\n"
    "~~~\n"
    "done"
)
"""A plain-text answer whose lines open and close Markdown code fences, as a server may send."""


def test_evidence_with_code_fences_at_line_starts_reads_back_exactly(data_copy: Path, tmp_path: Path) -> None:
    """Python-Markdown's fenced-code step rewrites ```` ``` ```` lines into code blocks wherever they
    stand, raw HTML included; the matrices' blocks are stored before it runs, so an evidence body with
    fences is shown exactly as the server sent it, not as a nested code block with its text escaped
    twice. Built through the real site, as a reader gets it."""

    run = "llama-cpp-fenced"
    exchange = {
        "label": "a plain-text answer",
        "request": {"method": "POST", "path": "/v1/chat/completions", "body": '{"model": "m"}'},
        "response": {"status": 200, "headers": {"content-type": "text/plain"}, "body": FENCED},
    }
    created = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(hours=1)
    result = {"row": "chat.completions", "status": "pass", "message": "answered", "evidence": [exchange]}
    write_json(
        data_copy / f"reports/llama-cpp/{run}.json", probed_report(run, "llama-cpp", created, [result])
    )
    site = build_site(tmp_path / "site", data_copy)
    cell = page(site, "implementations/llama-cpp/index.html").select_one('[id="cell-chat.completions"]')
    received = cell.select("pre.aioc-received")
    assert len(received) == 1 and received[0].find("pre") is None, "no code block inside the evidence"
    assert received[0].get_text() == f"HTTP 200\ncontent-type: text/plain\n\n{FENCED}"
