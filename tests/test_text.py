"""Prose from data is read in one pass: where its code spans are is what Markdown (markdown-it, the
site's own inline renderer) says, however long and however many backticks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from probes.model.text import check_prose, code_spans, plain

CODE_ONLY = MarkdownIt("zero").enable(["backticks"])
"""markdown-it reading inline code and nothing else, as CommonMark says."""


def markdown_it_code(text: str) -> list[str]:
    """The raw text between the backticks of each code span markdown-it finds, in order."""
    spans = []
    for token in CODE_ONLY.parseInline(text)[0].children or []:
        if token.type == "code_inline":
            spans.append(token.content)
    return spans


def our_code(text: str) -> list[str]:
    inner = [text[start:end] for _, _, start, end in code_spans(text)]
    # markdown-it strips one space from both ends of a span that has one at each, as CommonMark says.
    return [s[1:-1] if len(s) > 2 and s[0] == s[-1] == " " and s.strip() else s for s in inner]


@settings(max_examples=400)
@given(st.text(st.sampled_from("`` `ab<"), max_size=40))
def test_code_spans_are_where_markdown_reads_them(text: str) -> None:
    assert our_code(text) == markdown_it_code(text)


def test_code_may_show_tags_and_prose_may_not() -> None:
    assert check_prose("use `<think>` tags") == "use `<think>` tags"
    for text in ("``<b>`` and <i>", "```<b>` <i>", "`a``b` <i>"):
        with pytest.raises(ValueError, match="raw HTML"):
            check_prose(text)
    assert plain("run `aioc probe` and ``a`b``") == "run aioc probe and a`b"


ONE_PASS = """
from probes.model.redact import printable
from probes.model.report import check_public
from probes.model.text import check_prose, plain
from probes.site.render import breakable, markdown_text

for piece in ("`", "``", "[", "[a](", "](", "<", "\\x1b[", "a=", "?token=", "/home/", "https://a.org/"):
    text = piece * (1_000_000 // len(piece))
    for read in (check_prose, check_public, plain, printable, breakable, markdown_text):
        try:
            read(text)
        except ValueError:
            pass  # refused is an answer too
print("read")
"""
"""Every reader of prose from data over a megabyte of one repeated piece of Markdown, URL, path or
escape sequence: each must answer (or refuse) in one pass."""


def test_every_reader_of_prose_answers_a_megabyte_of_one_piece_in_one_pass() -> None:
    """Bounded by a new process's time limit, not timed: a search that runs to the end of the text from
    every place it could start never answers at this size (``plain`` took over 5 s at 100 KB of ``[``)."""
    root = Path(__file__).resolve().parents[1]
    run = subprocess.run(
        [sys.executable, "-c", ONE_PASS],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    assert (run.returncode, run.stdout.strip()) == (0, "read"), run.stderr
