"""Put matrices into pages: find the markers in a page's Markdown and render views with Jinja macros.

The hook in ``scripts/hooks/matrix.py`` only wires MkDocs events to this module. Rendering uses
the theme's Jinja environment and the macros in ``overrides/partials/aioc/matrix.html``; the
environment does not autoescape, so the macros escape every value from data with ``|e`` and
prose passes through :func:`probes.model.text.render_inline`, which never lets HTML through.
"""

from __future__ import annotations

import datetime as dt
import html
import itertools
import posixpath
import re
from collections.abc import Callable, Iterator
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

PLACEHOLDER = re.compile(r"<!--aioc-html-\d+-->")
"""Where an HTML block set aside by :meth:`Renderer.stash` goes back after Markdown."""

LATER_PLACEHOLDER = re.compile(r'<aioc-later data-n="\d+"></aioc-later>')
"""Where HTML set aside by :meth:`Renderer.stash_unindexed` goes back after the search index. An
empty element, not a comment: it only ever sits inside HTML blocks, never in Markdown, and plugins
that drop comments (minifiers) keep it."""

STAGES = {
    "html": ("matrix HTML blocks", "HTML comments <!--aioc-html-…-->"),
    "later": ("parts of the matrix (cells, toggles or evidence)", "<aioc-later> elements"),
}
"""What each stage of set-aside HTML holds, and what its placeholders look like, for errors."""

IMPLEMENTATIONS_DIR = "implementations"

TAG = re.compile(r"(<[^>]*>)")
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


class MarkerError(Exception):
    """A page names a matrix or implementation that the data does not define, or what the hook
    set aside could not go back into the page."""


@dataclass
class Renderer:
    """Renders the views of one loaded dataset; built once per site build."""

    env: Environment
    dataset: Dataset
    cells: dict[tuple[str, str], Cell]
    today: dt.date
    stale_after_days: int | None = None
    set_aside: dict[str, str] = field(default_factory=dict)
    """HTML kept out of the page for a while, by placeholder (see :meth:`stash`)."""
    pending: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    """The placeholders each page still waits for, by page and stage (``html`` or ``later``)."""
    page: str = ""
    """The page whose markers are being replaced; what is set aside meanwhile is filed under it."""
    keys: Iterator[int] = field(default_factory=itertools.count)
    """Numbers placeholders; never reused, even after their blocks went back into a page."""
    timelines: dict[tuple[str, str], list[Change]] = field(default_factory=dict)

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
        env.filters["html_block"] = renderer.stash
        env.filters["unindexed"] = renderer.stash_unindexed
        env.filters["breakable"] = breakable
        env.globals["aioc_passing"] = PASSING_DEFINITION
        return renderer

    def stash(self, html: str) -> Markup:
        """Set an HTML block aside and return a placeholder for it that Markdown passes through."""
        return self._set_aside(f"<!--aioc-html-{next(self.keys)}-->", str(html).strip(), "html")

    def restore(self, html: str, page: str = "") -> str:
        """Put the HTML blocks set aside for ``page`` back in place of their placeholders.

        Raises MarkerError if a block found no placeholder: the page would silently lack it.
        """
        return self._put_back(PLACEHOLDER, html, page, "html")

    def stash_unindexed(self, html: str) -> Markup:
        """Set aside HTML that search must not index, until the search plugin has read the page.

        Material's search parses every page's whole HTML, even the parts marked
        ``data-search-exclude``, and at today's size parsing the matrix cells, toggles and evidence
        cost more than the hook itself. Kept out of ``page.content`` until ``on_post_page``, they
        are never parsed, and never indexed.
        """
        return self._set_aside(f'<aioc-later data-n="{next(self.keys)}"></aioc-later>', str(html), "later")

    def restore_unindexed(self, html: str, page: str = "") -> str:
        """Put HTML set aside by :meth:`stash_unindexed` for ``page`` back into its final output."""
        return self._put_back(LATER_PLACEHOLDER, html, page, "later")

    def _set_aside(self, key: str, html: str, stage: str) -> Markup:
        self.set_aside[key] = html
        self.pending.setdefault((self.page, stage), []).append(key)
        return Markup(key)

    def _put_back(self, placeholder: re.Pattern[str], html: str, page: str, stage: str) -> str:
        restored = placeholder.sub(lambda match: self.set_aside.pop(match[0], match[0]), html)
        keys = self.pending.pop((page, stage), [])
        lost = [key for key in keys if self.set_aside.pop(key, None) is not None]
        if lost:
            what, marks = STAGES[stage]
            raise MarkerError(
                f"{len(lost)} of {len(keys)} {what} lost their placeholder before they could go back"
                f" into the page: another plugin removed {marks} from it"
            )
        return restored

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

    def badges(self) -> str:
        """Every implementation's badge as a Markdown table of images and links, relative to the page's
        source, so that MkDocs checks and rewrites both (a missing badge stops a strict build)."""
        here = posixpath.dirname(self.page)
        lines = ["| Implementation | Badge |", "|---|---|"]
        for impl in self.dataset.implementations.values():
            name = html.escape(impl.name)
            target = posixpath.relpath(implementation_page(impl.id), here or ".")
            svg = posixpath.relpath(f"{BADGES_DIR}/{impl.id}.svg", here or ".")
            image = f"![Share of ✅ cells for {name}]({svg}){{ .aioc-badge }}"
            lines.append(f"| [{name}]({target}) | {image} |")
        return "\n".join(lines) + "\n"

    def replace_markers(self, markdown: str, link: Callable[[str], str], page: str = "") -> str:
        """Replace every marker in ``page``; unknown kinds or ids raise MarkerError."""
        self.page = page

        def one(match: re.Match[str]) -> str:
            kind, ident = match["kind"], match["id"]
            if kind == "matrix":
                return self.matrix(ident, link)
            if kind == "implementation":
                return self.implementation(ident, link)
            if kind in ("overview", "badges") and ident == "all":
                return self.overview(link) if kind == "overview" else self.badges()
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
    name = html.escape(impl.name)
    # A Markdown image, relative to this page's source, so that MkDocs checks and rewrites the link.
    badge = f"![Share of ✅ cells for {name}](../{BADGES_DIR}/{impl.id}.svg){{ .aioc-badge }}"
    note = (
        "The badge is the share of ✅ among this implementation's cells graded ✅, ⚠️ or ❌."
        f" {PASSING_DEFINITION}"
    )
    return (
        f"# {name}\n\n{badge}\n\n{note}\n{{: .aioc-definition }}\n\n<!-- aioc:implementation {impl.id} -->\n"
    )
