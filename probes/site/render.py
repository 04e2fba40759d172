"""Put matrices into pages: each marker in a page's Markdown becomes the Markdown and HTML of one view.

The hook in ``scripts/hooks/matrix.py`` calls :meth:`Renderer.replace_markers` from
``on_page_markdown``, and that is the whole renderer: a marker such as ``<!-- aioc:matrix core -->``
is replaced by the output of a Jinja macro in ``overrides/partials/aioc/matrix.html``, before
Markdown runs. The macros write headings as Markdown (so that they get TOC entries and permalinks)
and everything else as raw HTML blocks, which Python-Markdown passes through as they are. Nothing is
set aside and put back later, so no other plugin can lose part of a matrix, and no event needs a
priority. Material's search reads the finished HTML; ``data-search-exclude``, its documented way to
leave blocks out of the index, keeps cells, toggles and evidence out.

The macros mark every HTML block they write for :mod:`probes.site.raw_html`, a Markdown extension
that hands them to Markdown's own raw-HTML store before fenced code, MkDocs' id scan and Markdown's
raw-HTML parser would read them: Markdown never reads text from data as its own syntax, and never
parses the tables' tags (about 57,000; a whole ``mkdocs build`` measured 2.8 s without it, 2.0 s
with it).
Material's search still parses every page's HTML, the cells it leaves out included: that is the
price of having no placeholders, about 0.7 s of the build at today's size (excluding the generated
implementation pages from search with ``search: exclude`` would save it, and lose every message and
the implementation's own name from search results).

Rendering uses the theme's Jinja environment; it does not autoescape, so the macros escape every
value from data with ``|e`` and prose passes through :func:`probes.model.text.render_inline`,
which never lets HTML through. A value written into Markdown itself (a heading, a badge's text, the
badges table) goes through :func:`markdown_text`, so that Markdown reads it as text, not syntax. The
filters added here are pure functions of their argument.
"""

from __future__ import annotations

import datetime as dt
import html
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from jinja2 import Environment
from markupsafe import Markup

from probes.load.dataset import Dataset
from probes.matrix.exports import BADGES_DIR
from probes.matrix.history import Change, timelines_of
from probes.matrix.merge import Cell, merge
from probes.matrix.tables import PASSING_DEFINITION, build_implementation, build_matrix, build_overview
from probes.model.status import LEGEND
from probes.model.text import plain, render_inline

TEMPLATE = "partials/aioc/matrix.html"
MARKER = re.compile(r"<!--\s*aioc:(?P<kind>[a-z]+)\s+(?P<id>[a-z0-9._-]+)\s*-->")
"""``<!-- aioc:matrix core -->`` or ``<!-- aioc:implementation llama-cpp -->`` in a page."""

IMPLEMENTATIONS_DIR = "implementations"

TAG = re.compile(r"(<[^<>]*>)")
"""A tag of rendered HTML; ``<`` cannot occur inside one, so no search runs past the next."""
BREAK_AFTER = re.compile(r"(?<=[^./_\s])([./_])(?=[^./_\s])")
"""A name may break after ``.``, ``/`` or ``_`` between two other characters: never at its very start
or end (a line of a lone ``/``), nor inside ``..``."""


def breakable(rendered: str) -> Markup:
    """Allow line breaks inside names in rendered prose only after ``.``, ``_`` and ``/``.

    Row headers are names (``stream_options.include_usage``, ``/v1/chat/completions``); a narrow column
    otherwise breaks them anywhere, mid-word. With a ``<wbr>`` at each boundary the CSS can forbid
    every other break inside a word (``word-break: keep-all``). Only text between tags changes: it is
    already escaped, none of the three characters occurs in an entity, and attributes are left alone.
    """
    parts = TAG.split(str(rendered))
    return Markup(
        "".join(part if i % 2 else BREAK_AFTER.sub(r"\1<wbr>", part) for i, part in enumerate(parts))
    )


def text_content(value: str) -> Markup:
    """Escape ``value`` for an element's text, not an attribute: ``&``, ``<`` and ``>`` only.

    For the evidence bodies, which are mostly JSON: ``|e`` also writes every ``"`` as ``&#34;``, tens
    of thousands of entities that each HTML parser of the build (MkDocs', Material's search) then
    decodes again one by one. Never use it inside an attribute value, where quotes must be escaped.
    """
    return Markup(str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))


MARKDOWN_ESCAPABLE = frozenset("\\`*_{}[]()#+-.!|")
"""What Python-Markdown reads after a backslash as the character itself (its ``ESCAPED_CHARS``, and
``|``, which the tables extension adds), ``>`` left out: escaped for HTML it becomes ``&gt;``."""


def markdown_text(value: str) -> Markup:
    """``value`` as literal text in a line of Markdown: a heading, a link's or an image's text, a cell of
    a Markdown table. Every character Markdown could read as syntax gets a backslash, then the text is
    escaped for HTML. Without it a name or title from data is Markdown: ``]`` ends an image's alt text
    (the badge is lost), ``|`` splits a table cell, and attr_list reads ``{ onclick=… }`` at the end of
    a heading as attributes to set on it."""
    return Markup(html.escape("".join(f"\\{c}" if c in MARKDOWN_ESCAPABLE else c for c in value)))


class MarkerError(Exception):
    """A page names a matrix or implementation that the data does not define."""


@dataclass(frozen=True)
class Renderer:
    """Renders the views of one loaded dataset; built once per site build, never changed after."""

    env: Environment
    dataset: Dataset
    cells: dict[tuple[str, str], Cell]
    today: dt.date
    stale_after_days: int | None = None
    timelines: dict[tuple[str, str], list[Change]] = field(default_factory=dict)
    """Every cell's changes, worked out once per build for the implementation pages and exports."""

    @classmethod
    def create(
        cls,
        env: Environment,
        dataset: Dataset,
        *,
        today: dt.date | None = None,
        stale_after_days: int | None = None,
    ) -> Renderer:
        """Merge the reports and work out every cell's history once; prepare the Jinja filters."""
        cells = merge(dataset.reports)
        renderer = cls(
            env=env,
            dataset=dataset,
            cells=cells,
            today=today or dt.datetime.now(dt.UTC).date(),
            stale_after_days=stale_after_days,
            timelines=timelines_of(cells),
        )
        env.filters["prose"] = render_inline
        env.filters["plain"] = plain
        env.filters["breakable"] = breakable
        env.filters["element_text"] = text_content
        env.filters["markdown_text"] = markdown_text
        env.globals["aioc_passing"] = PASSING_DEFINITION
        return renderer

    @property
    def macros(self) -> Any:
        """The macros of the matrix template (a Jinja template module)."""
        return self.env.get_template(TEMPLATE).module

    def matrix(self, matrix_id: str, link: Callable[[str], str]) -> str:
        """The Markdown (headings) and HTML (tables) of one matrix."""
        if matrix_id not in self.dataset.catalog.matrices:
            raise MarkerError(
                f"unknown matrix {matrix_id!r}; defined: {', '.join(self.dataset.catalog.matrices)}"
            )
        view = build_matrix(
            self.dataset.matrix(matrix_id),
            self.dataset,
            self.cells,
            today=self.today,
            stale_after_days=self.stale_after_days,
        )
        return str(self.macros.matrix(view, LEGEND, link))

    def implementation(self, impl_id: str, link: Callable[[str], str]) -> str:
        """The page body of one implementation: its reports and every cell with evidence."""
        if impl_id not in self.dataset.implementations:
            raise MarkerError(f"unknown implementation {impl_id!r}")
        view = build_implementation(
            self.dataset.implementations[impl_id],
            self.dataset,
            self.cells,
            today=self.today,
            stale_after_days=self.stale_after_days,
            timelines=self.timelines,
        )
        return str(self.macros.implementation(view, LEGEND, link))

    def overview(self, link: Callable[[str], str]) -> str:
        """Every implementation's share bars, one column per matrix."""
        return str(self.macros.overview(build_overview(self.dataset, self.cells), link))

    def badges(self, page: str) -> str:
        """Every implementation's badge as a Markdown table of images and links, relative to ``page``
        (the page's source), so that MkDocs checks and rewrites both (a missing badge stops a strict
        build)."""
        here = posixpath.dirname(page)
        lines = ["| Implementation | Badge |", "|---|---|"]
        for impl in self.dataset.implementations.values():
            name = markdown_text(impl.name)
            target = posixpath.relpath(implementation_page(impl.id), here or ".")
            svg = posixpath.relpath(f"{BADGES_DIR}/{impl.id}.svg", here or ".")
            image = f"![Share of ✅ cells for {name}]({svg}){{ .aioc-badge }}"
            lines.append(f"| [{name}]({target}) | {image} |")
        return "\n".join(lines) + "\n"

    def replace_markers(self, markdown: str, link: Callable[[str], str], page: str = "") -> str:
        """Replace every marker in ``page`` (its source path) by its view; unknown kinds or ids raise
        MarkerError."""

        def one(match: re.Match[str]) -> str:
            kind, ident = match["kind"], match["id"]
            before = markdown[: match.start()].rpartition("\n")[2]
            after = markdown[match.end() :].partition("\n")[0]
            if before.strip() or after.strip():
                # The view starts with HTML blocks, which Markdown keeps only at the start of a line.
                raise MarkerError(f"marker {match[0]!r} must stand on a line of its own")
            if kind == "matrix":
                return self.matrix(ident, link)
            if kind == "implementation":
                return self.implementation(ident, link)
            if kind in ("overview", "badges") and ident == "all":
                return self.overview(link) if kind == "overview" else self.badges(page)
            raise MarkerError(
                f"unknown marker {kind} {ident!r} (use aioc:matrix ID, aioc:implementation ID,"
                " aioc:overview all or aioc:badges all)"
            )

        return MARKER.sub(one, markdown)


def implementation_page(impl_id: str) -> str:
    """Docs-relative path of an implementation's generated page."""
    return f"{IMPLEMENTATIONS_DIR}/{impl_id}.md"


def implementation_markdown(dataset: Dataset, impl_id: str) -> str:
    """The Markdown source of a generated implementation page: a title and a marker."""
    impl = dataset.implementations[impl_id]
    name = markdown_text(impl.name)
    # A Markdown image, relative to this page's source, so that MkDocs checks and rewrites the link.
    badge = f"![Share of ✅ cells for {name}](../{BADGES_DIR}/{impl.id}.svg){{ .aioc-badge }}"
    note = (
        "The badge is the share of ✅ among this implementation's cells graded ✅, ⚠️ or ❌."
        f" {PASSING_DEFINITION}"
    )
    return (
        f"# {name}\n\n{badge}\n\n{note}\n{{: .aioc-definition }}\n\n<!-- aioc:implementation {impl.id} -->\n"
    )
