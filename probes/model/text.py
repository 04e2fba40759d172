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

_CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.DOTALL)
_HTML_TAG = re.compile(r"<\s*/?\s*[A-Za-z!?]")
_LINK_TARGET = re.compile(r"\]\(\s*<?([^)\s>]*)")
_SCRIPT_SCHEME = re.compile(r"\b(?:javascript|vbscript|data)\s*:", re.IGNORECASE)


def _outside_code(text: str) -> str:
    """The text with inline code spans blanked out: code may show `<tags>`, prose may not."""
    return _CODE_SPAN.sub(" ", text)


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


_MARKDOWN_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_CODE_SPAN_ON_A_LINE = re.compile(r"(`+)(.+?)\1")


@functools.lru_cache(maxsize=16_384)
def plain(text: str | None) -> str:
    """The prose with its Markdown marks removed, for title attributes, CSV and terminals."""
    # Cached like render_inline: exports ask for the same row titles and notes once per cell.
    if not text:
        return ""
    without_links = _MARKDOWN_LINK.sub(r"\1", text)
    return _CODE_SPAN_ON_A_LINE.sub(r"\2", without_links).replace("**", "").strip()
