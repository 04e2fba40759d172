"""Find the line of a JSON path in a file's text, so that messages read ``file:line: path: …``.

The standard ``json`` module keeps no positions, so this walks the text once with the standard
library's own string scanner. It only locates; validity is decided by ``json.loads`` beforehand.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from json.decoder import scanstring  # type: ignore[attr-defined]  # public in json.decoder, not typed

_SPACE = re.compile(r"[ \t\n\r]*")
_SCALAR = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null")


def _skip(text: str, pos: int) -> int:
    match = _SPACE.match(text, pos)  # always matches, if only the empty string
    return match.end() if match else pos


def _end_of_value(text: str, pos: int) -> int:
    """Position just after the value that starts at ``pos``."""
    char = text[pos]
    if char == '"':
        return scanstring(text, pos + 1)[1]
    if char in "[{":
        closing = "]" if char == "[" else "}"
        pos = _skip(text, pos + 1)
        if text[pos] == closing:
            return pos + 1
        while True:
            if char == "{":
                pos = _skip(text, scanstring(text, _skip(text, pos) + 1)[1])
                pos = _skip(text, pos + 1)  # past the colon
            pos = _skip(text, _end_of_value(text, _skip(text, pos)))
            if text[pos] == closing:
                return pos + 1
            pos += 1  # past the comma
    match = _SCALAR.match(text, pos)
    return match.end() if match else pos + 1


def _members(text: str, pos: int) -> Iterator[tuple[int | str, int]]:
    """``(key, position of its value)`` of each member of the container at ``pos``, in order: an
    array's members are keyed by their index."""
    opening = text[pos]
    pos = _skip(text, pos + 1)
    index = 0
    while pos < len(text) and text[pos] not in "]}":
        if opening == "{":
            name, end = scanstring(text, pos + 1)
            pos = _skip(text, _skip(text, end) + 1)
            yield name, pos
        else:
            yield index, pos
        pos = _skip(text, _end_of_value(text, pos))
        if text[pos] == ",":
            pos = _skip(text, pos + 1)
        index += 1


class Locator:
    """The lines of any number of JSON paths in one text, for a file with many problems.

    Each container's members are found once and kept, and lines come from one index of the text's
    newlines: thousands of problems in one file are located in one pass over it, where finding each
    from the start (``results[7999]`` past 7,999 results) took two minutes for 8,000 of them.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self._newlines = [m.start() for m in re.finditer("\n", text)]
        self._members: dict[int, dict[int | str, int]] = {}

    def line_at(self, pos: int) -> int:
        """1-based line of the character at ``pos``."""
        return bisect.bisect_left(self._newlines, pos) + 1

    def _child(self, pos: int, key: int | str) -> int | None:
        members = self._members.get(pos)
        if members is None:
            members = {}
            for name, at in _members(self.text, pos):
                members.setdefault(name, at)  # a repeated key: the first one, as json.loads reads it
            self._members[pos] = members
        return members.get(key)

    def line(self, location: tuple[int | str, ...]) -> int | None:
        """1-based line of the deepest part of ``location`` found (None if not even the root)."""
        text = self.text
        try:
            pos = _skip(text, 0)
            found = pos
            for key in location:
                if pos >= len(text) or text[pos] not in "[{":
                    break
                if (text[pos] == "[") != isinstance(key, int):
                    break
                child = self._child(pos, key)
                if child is None:
                    break
                pos = found = child
            return self.line_at(found)
        except (IndexError, ValueError, RecursionError):
            return None


def line_of(text: str, location: tuple[int | str, ...]) -> int | None:
    """1-based line of the deepest part of ``location`` found in ``text`` (None if not even the root).
    For one path; a :class:`Locator` finds many in one pass."""
    return Locator(text).line(location)


_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}:,]|(?P<odd>NaN|-?Infinity|-?\d{1000,})')


@dataclass
class _Frame:
    opener: str
    key: int | str | None
    keys: set[str] = field(default_factory=set)
    expect_key: bool = True


def _here(stack: list[_Frame]) -> tuple[int | str, ...]:
    """The location the scan is at: the key or index of each open container (none yet: left out)."""
    return tuple(f.key for f in stack if f.key is not None)


def _walk(text: str) -> Iterator[tuple[str, tuple[int | str, ...], int]]:
    """Yield ``(kind, location, pos)``: ``key`` per key, ``open`` per container, ``odd`` per bare value.

    A token scan, not a parser: it works on text that ``json.loads`` refused (too deep, NaN, a
    number with a thousand digits), and marks a key ``dup`` when its object already had it.
    """
    stack: list[_Frame] = []
    for match in _TOKEN.finditer(text):
        token = match.group()
        top = stack[-1] if stack else None
        if match.group("odd"):
            yield "odd", _here(stack), match.start()
        elif token[0] == '"':
            if top is not None and top.opener == "{" and top.expect_key:
                try:
                    key = json.loads(token)
                except ValueError:
                    key = token[1:-1]
                top.key = key
                top.expect_key = False
                kind = "dup" if key in top.keys else "key"
                top.keys.add(key)
                yield kind, _here(stack), match.start()
        elif token in "[{":
            yield "open", _here(stack), match.start()
            stack.append(_Frame(token, 0 if token == "[" else None))
        elif token in "]}":
            if stack:
                stack.pop()
        elif token == "," and top is not None:
            if top.opener == "[":
                top.key = int(top.key or 0) + 1
            else:
                top.expect_key = True
    if stack and stack[-1].opener == "{" and (stack[-1].expect_key or stack[-1].key is None):
        stack[-1].key = None
        yield "end", _here(stack[:-1]), len(text)
    else:
        yield "end", _here(stack), len(text)


def duplicate_keys(text: str) -> list[tuple[tuple[int | str, ...], int]]:
    """Location and 1-based line of every key that repeats a key of the same object."""
    lines = Locator(text)
    return [(location, lines.line_at(pos)) for kind, location, pos in _walk(text) if kind == "dup"]


def too_deep(text: str, limit: int) -> tuple[tuple[int | str, ...], int] | None:
    """Location and line of the first container nested deeper than ``limit``, or None."""
    for kind, location, pos in _walk(text):
        if kind == "open" and len(location) >= limit:
            return location, text.count("\n", 0, pos) + 1
    return None


def odd_value(text: str) -> tuple[tuple[int | str, ...], int] | None:
    """Location and line of the first NaN, Infinity or thousand-digit number outside strings."""
    for kind, location, pos in _walk(text):
        if kind == "odd":
            return location, text.count("\n", 0, pos) + 1
    return None


def location_at(text: str, pos: int) -> tuple[int | str, ...]:
    """The location of the value being written at ``pos``: where a truncated file stops."""
    location: tuple[int | str, ...] = ()
    for kind, found, _ in _walk(text[:pos]):
        if kind == "end":
            location = found
    return location
