"""Prose from data files: what it may contain, and how it becomes safe HTML.

Notes, messages, footnotes and reasons are written by contributors and published, so they are
held to a small Markdown subset: inline code, emphasis and links to http(s) addresses. Raw HTML
and script links are refused when the data is loaded (the build stops), and whatever passes is
still rendered with HTML disabled, so that text from data can never become markup.
"""

from __future__ import annotations

import functools
import re
from typing import Annotated

from markdown_it import MarkdownIt
from markupsafe import Markup
from pydantic import AfterValidator

_BACKTICKS = re.compile(r"`+")
_HTML_TAG = re.compile(r"<\s*/?\s*[A-Za-z!?]")
_LINK_TARGET = re.compile(r"\]\(\s*<?([^)\s>]*)")
_SCRIPT_SCHEME = re.compile(r"\b(?:javascript|vbscript|data)\s*:", re.IGNORECASE)


def code_spans(text: str) -> list[tuple[int, int, int, int]]:
    """Where ``text`` has inline code, as Markdown reads it: ``(start, end, inner_start, inner_end)`` of
    each span, left to right. A run of backticks opens a span that the next run of the same length
    closes; a run no later run matches is plain text.

    One pass over the runs, so that any text is read in time proportional to its length: a pattern
    with a backreference (``(`+)(.+?)\\1``) took 70 s over 16,000 backticks, and a report of 5 MB of
    them would have stopped every build.
    """
    runs = [(m.start(), m.end()) for m in _BACKTICKS.finditer(text)]
    closer: list[int | None] = [None] * len(runs)
    later: dict[int, int] = {}
    for index in range(len(runs) - 1, -1, -1):
        length = runs[index][1] - runs[index][0]
        closer[index], later[length] = later.get(length), index
    spans, index = [], 0
    while index < len(runs):
        match = closer[index]
        if match is None:
            index += 1
            continue
        spans.append((runs[index][0], runs[match][1], runs[index][1], runs[match][0]))
        index = match + 1
    return spans


def _code_replaced(text: str, *, keep_code: bool) -> str:
    """The text with each code span replaced: by its text without the backticks (``keep_code``), or
    by one space."""
    kept, done = [], 0
    for start, end, inner_start, inner_end in code_spans(text):
        kept += [text[done:start], text[inner_start:inner_end] if keep_code else " "]
        done = end
    return "".join([*kept, text[done:]])


def _outside_code(text: str) -> str:
    """The text with inline code spans blanked out: code may show `<tags>`, prose may not."""
    return _code_replaced(text, keep_code=False)


def check_prose(value: str) -> str:
    """Refuse raw HTML and non-http(s) links in a prose field; return the value unchanged."""
    if "<" not in value and ":" not in value and "](" not in value:
        return value  # each check below needs one of these; most fields have none (fast at scale)
    prose = _outside_code(value)
    if _HTML_TAG.search(prose):
        raise ValueError(
            "contains raw HTML; write it inside backticks (`<tag>`) to show it as code, or remove it"
        )
    if _SCRIPT_SCHEME.search(prose):
        raise ValueError("contains a script or data link; only http:// and https:// links are allowed")
    for target in _LINK_TARGET.findall(prose):
        if not target.lower().startswith(("http://", "https://", "#")):
            raise ValueError(f"links to {target!r}; only http:// and https:// links are allowed")
    return value


def check_one_line(value: str) -> str:
    """Refuse line breaks in fields that the site shows on one line (titles, messages)."""
    if "\n" in value or "\r" in value:
        raise ValueError("must be a single line")
    return check_prose(value)


Prose = Annotated[str, AfterValidator(check_prose)]
"""Markdown-subset text, possibly over several lines (footnotes, reasons, descriptions)."""

OneLine = Annotated[str, AfterValidator(check_one_line)]
"""Markdown-subset text on one line (titles, messages)."""


def _safe_link(url: str) -> bool:
    return url.lower().startswith(("http://", "https://", "#"))


def _inline_renderer() -> MarkdownIt:
    md = MarkdownIt("zero", {"html": False, "linkify": False, "typographer": False})
    md.enable(["backticks", "emphasis", "link", "escape", "entity"])
    md.validateLink = _safe_link  # type: ignore[method-assign]  # markdown-it's documented hook
    return md


_MD = _inline_renderer()


@functools.lru_cache(maxsize=16_384)
def render_inline(text: str | None) -> Markup:
    """Render one prose field as inline HTML. Anything that is not the subset stays literal text."""
    # Cached: the same titles and notes appear on many pages, and parsing was a tenth of a build.
    if not text:
        return Markup("")
    return Markup(_MD.renderInline(text).strip())


_MARKDOWN_LINK = re.compile(r"\[([^\[\]]*)\]\([^()]*\)")
"""``[text](target)``, neither part holding a bracket of its own kind: so that a search from each ``[``
ends at the next one, and any text is read in one pass (the pattern before ran from every ``[`` to the
end of a text with no ``]``)."""


@functools.lru_cache(maxsize=16_384)
def plain(text: str | None) -> str:
    """The prose with its Markdown marks removed, for title attributes, CSV and terminals."""
    # Cached like render_inline: exports ask for the same row titles and notes once per cell.
    if not text:
        return ""
    without_links = _MARKDOWN_LINK.sub(r"\1", text)
    # Code spans line by line: a title or message is one line, and a note's lines stay apart.
    lines = (_code_replaced(line, keep_code=True) for line in without_links.split("\n"))
    return "\n".join(lines).replace("**", "").strip()
