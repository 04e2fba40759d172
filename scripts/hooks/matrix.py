"""MkDocs hook: load data/, validate it, merge it, and put the matrices into the pages.

Thin on purpose: every decision lives in the tested ``probes`` package. Three events: ``on_config``
loads the data, ``on_files`` adds the generated pages and exports, ``on_page_markdown`` replaces each
page's markers with rendered views. This module keeps no state between builds except what
``on_config`` sets afresh, because ``mkdocs serve`` does not reload hook modules when it rebuilds.
"""

from __future__ import annotations

import datetime as dt
import gc
import html
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page
from mkdocs.utils import get_relative_url

from probes.load.dataset import DataError, Dataset, check_data
from probes.matrix.exports import site_files
from probes.site.raw_html import StashHtmlExtension
from probes.site.render import MarkerError, Renderer, implementation_markdown, implementation_page

log = logging.getLogger("mkdocs.plugins.aioc")

_renderer: Renderer | None = None


def _options(config: MkDocsConfig) -> dict:
    return dict(config.extra.get("aioc") or {})


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    """Load and validate all data; any problem stops the build with file and JSON path."""
    global _renderer
    _renderer = None
    options = _options(config)
    data_dir = Path(config.config_file_path).parent / options.get("data_dir", "data")
    with _collector_paused():
        checked = check_data(data_dir)
        for shown in checked.hidden:
            log.info(f"aioc: {shown}: not read (a hidden file is never data)")
        if checked.dataset is None:
            count = len(checked.problems)
            error = DataError(checked.problems)
            raise PluginError(f"aioc: {count} problem{'s' * (count != 1)} in the data:\n{error}")
        today = options.get("today")
        _renderer = Renderer.create(
            config.theme.get_env(),
            checked.dataset,
            today=dt.date.fromisoformat(str(today)) if today else None,
            stale_after_days=options.get("stale_after_days"),
        )
    _fill_nav(config, checked.dataset)
    if not any(isinstance(e, StashHtmlExtension) for e in config.markdown_extensions):
        # An instance, as plugins such as mkdocs-autorefs add theirs: Python-Markdown takes either, and
        # MkDocs passes the list on as it is (its annotation says names only).
        config.markdown_extensions.append(StashHtmlExtension())  # type: ignore[arg-type]
    return config


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Load and merge with Python's cyclic garbage collector paused, and put it back as it was.

    Loading makes millions of small objects that all stay alive, so each collection pass walks them
    in vain: at 10,000 reports the load takes 43 s paused against 57 s running (measured with
    ``scripts/bench_build.py --load-only``); at today's size it makes no difference. The hook, not
    the library, decides this, because it owns the process.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


NAV_IMPLEMENTATIONS = "Implementations"
"""The nav section that lists one generated page per implementation (left empty in mkdocs.yml)."""


def _fill_nav(config: MkDocsConfig, dataset: Dataset) -> None:
    """Put every implementation's page, in data order, into the nav's empty "Implementations" section.

    The pages are generated from data, so mkdocs.yml cannot list them; without this they would be left
    out of a nav that lists the others. Names are escaped: the theme writes nav titles as HTML.
    """
    for item in config.nav or []:
        if isinstance(item, dict) and item.get(NAV_IMPLEMENTATIONS) == []:
            item[NAV_IMPLEMENTATIONS] = [
                {html.escape(impl.name): implementation_page(impl.id)}
                for impl in dataset.implementations.values()
            ]


def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Add one generated page per implementation, and the exports: matrix.json and .csv, badges, histories."""
    assert _renderer is not None
    generated = {
        implementation_page(impl_id): implementation_markdown(_renderer.dataset, impl_id)
        for impl_id in _renderer.dataset.implementations
    }
    generated.update(
        site_files(
            _renderer.dataset,
            _renderer.cells,
            today=_renderer.today,
            stale_after_days=_renderer.stale_after_days,
            timelines=_renderer.timelines,
        )
    )
    for path, content in generated.items():
        if files.get_file_from_path(path) is None:
            files.append(File.generated(config, path, content=content))
    return files


@contextmanager
def _about(page: Page) -> Iterator[None]:
    """A page's marker problem stops the build with one line naming the page, not a traceback."""
    try:
        yield
    except MarkerError as exc:
        raise PluginError(f"aioc: {page.file.src_uri}: {exc}") from None


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    """Replace each ``<!-- aioc:… -->`` marker with its rendered view, in one step.

    The view is Markdown headings and raw HTML blocks, which Python-Markdown passes through; nothing
    is left for a later event to put back, so no other plugin can break the page by running between.
    """
    assert _renderer is not None

    def link(impl_id: str) -> str:
        target = files.get_file_from_path(implementation_page(impl_id))
        return get_relative_url(target.url, page.file.url) if target else "#"

    with _about(page):
        return _renderer.replace_markers(markdown, link, page.file.src_uri)
