"""A Markdown extension that passes the matrices' HTML blocks through without parsing them.

The macros in ``overrides/partials/aioc/matrix.html`` mark every HTML block they write (through
their ``raw()`` macro) with a pair of comments, ``<!-- aioc:html -->`` and ``<!-- /aioc:html -->``,
each on a line of its own. Before Python-Markdown looks for raw HTML, this preprocessor hands every
such block to Markdown's own store of raw HTML (``md.htmlStash``, the place Markdown keeps HTML it
must not touch) and leaves Markdown's placeholder in its stead; Markdown puts the block back as it is
when it writes the page. Without this, Markdown's raw-HTML parser reads every tag of every table (about
57,000 on today's pages), and so does MkDocs' own scan for ids in raw HTML, which runs just before:
both cost 0.8 s of a 2.8 s build. MkDocs' scan is what checks a Markdown link's ``#anchor`` inside a
matrix (and reports a missing one only at its default ``info`` level); no page links into a matrix
that way, so the block skips that scan too. It skips fenced code as well: a line of a note or an
evidence body that opens a code fence would otherwise become a code block inside the page's HTML,
with whatever attributes the fence names (``~~~ { onclick=… }``). If the comments were lost (another
plugin dropping comments before Markdown runs), Markdown would parse the same HTML the slow way, and
such a line would be Markdown again: keep the comments.
"""

from __future__ import annotations

from markdown import Extension, Markdown
from markdown.preprocessors import Preprocessor

OPEN = "<!-- aioc:html -->"
CLOSE = "<!-- /aioc:html -->"

PRIORITY = 26
"""After Markdown's whitespace step (``normalize_whitespace``, 30), which strips the STX and ETX
characters its store's placeholders are made of, so a placeholder must come after it; before fenced
code (``fenced_code_block``, 25), which would rewrite any line of a block that opens a code fence (an
evidence body may hold ```` ``` ````) into a code block of its own; and before MkDocs' scan for ids
in raw HTML (21) and Markdown's raw-HTML parser (``html_block``, 20)."""


class _StashHtml(Preprocessor):
    def run(self, lines: list[str]) -> list[str]:
        out: list[str] = []
        block: list[str] | None = None
        for line in lines:
            if block is None:
                if line == OPEN:
                    block = []
                else:
                    out.append(line)
            elif line == CLOSE:
                out.extend(["", self.md.htmlStash.store("\n".join(block)), ""])
                block = None
            else:
                block.append(line)
        if block is not None:  # an unclosed block: leave it to Markdown, as it is
            out.extend([OPEN, *block])
        return out


class StashHtmlExtension(Extension):
    """Registers the preprocessor; the hook adds one instance to MkDocs' Markdown extensions."""

    def extendMarkdown(self, md: Markdown) -> None:  # Python-Markdown names it so
        md.preprocessors.register(_StashHtml(md), "aioc_stash_html", PRIORITY)
