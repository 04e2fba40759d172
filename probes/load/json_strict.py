"""Decode a data file as strict JSON: UTF-8, no duplicate keys, no NaN or Infinity, bounded nesting.

Python's ``json`` accepts more than JSON: the last of two equal keys wins silently, ``NaN`` and
``Infinity`` parse, and a lone surrogate escape (``"\\ud800"``) gives a string that cannot be
written out again. Two hooks of ``json.loads`` refuse the first two in the same pass that decodes
the file; the text is scanned for surrogate escapes with one regular expression. Positions are
worked out (by :mod:`probes.load.jsonpos`) only for a file that has a problem.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

from probes.load.jsonpos import Locator, duplicate_keys, location_at, odd_value, too_deep
from probes.load.problems import Problem, json_path

MAX_DEPTH = 32
"""The deepest nesting a data file may have; a report needs about eight levels."""


class _RefusedConstant(ValueError):
    """NaN and Infinity, which Python's json accepts but JSON does not."""


def _refuse_constant(name: str) -> Any:
    raise _RefusedConstant(name)


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def decode(raw: bytes, shown: str) -> tuple[Any, str | None, list[Problem]]:
    """The data and text of one file's bytes, and the problems that make it unusable.

    The data is None when the file is not JSON at all; the text is None when it is not UTF-8.
    Nesting deeper than :data:`MAX_DEPTH` is not checked here: see :func:`too_deep_problem`.
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, None, [_not_utf8(raw, exc, shown)]

    duplicated = False

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal duplicated
        seen = dict(pairs)
        if len(seen) != len(pairs):
            duplicated = True  # where: duplicate_keys() finds every one from the text
        return seen

    try:
        data = json.loads(text, object_pairs_hook=no_duplicates, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        truncated = exc.pos >= len(text.rstrip()) or exc.msg.startswith("Unterminated")
        return None, text, [_not_json(shown, text, exc, truncated)]
    except _RefusedConstant as exc:
        location, line = odd_value(text) or ((), None)
        return (
            None,
            text,
            [Problem(shown, json_path(location), f"{exc} is not JSON — write a number or null", line)],
        )
    except RecursionError:
        spot = too_deep(text, MAX_DEPTH)
        location, line = spot if spot else ((), None)
        return None, text, [_too_deep(shown, location, line)]
    except ValueError:  # Python refuses integers with more than 4300 digits
        location, line = odd_value(text) or ((), None)
        message = "holds a number thousands of digits long — shorten it"
        return None, text, [Problem(shown, json_path(location), message, line)]

    problems = []
    if duplicated:
        for location, line in duplicate_keys(text):
            message = "this key appears twice in one object — keep one"
            problems.append(Problem(shown, json_path(location), message, line))
    if _SURROGATE_ESCAPE.search(text):
        lines = Locator(text)
        for location in _unwritable_strings(data):
            problems.append(
                Problem(
                    shown,
                    json_path(location),
                    "holds an unpaired surrogate escape (\\ud800-\\udfff) — write the character itself",
                    lines.line(location),
                )
            )
    return data, text, problems


def _not_json(shown: str, text: str, exc: json.JSONDecodeError, truncated: bool) -> Problem:
    tip = (
        "the file ends too early; it looks truncated, so write it out again"
        if truncated
        else "fix the syntax at that point"
    )
    message = f"is not valid JSON: {exc.msg} (column {exc.colno}) — {tip}"
    return Problem(shown, json_path(location_at(text, exc.pos)), message, exc.lineno)


def too_deep_problem(data: Any, text: str, shown: str) -> Problem | None:
    """The problem of data nested deeper than :data:`MAX_DEPTH`, or None.

    Called only for a file that failed validation: the models hold no free-form containers, so a
    file they accept is a few levels deep, and a valid file never pays for this walk.
    """
    location = _first_too_deep(data)
    if location is None:
        return None
    spot = too_deep(text, MAX_DEPTH)
    return _too_deep(shown, location, spot[1] if spot else None)


def _nodes(data: Any) -> Iterator[tuple[tuple[int | str, ...], Any]]:
    """Every value of decoded JSON with its location, in document order, and every object key at the
    location of its value. A container is given before its children are looked at, so a caller that
    stops early walks no deeper; iterative, as a file may nest deeper than Python recurses."""
    stack: list[tuple[tuple[int | str, ...], Any]] = [((), data)]
    while stack:
        location, value = stack.pop()
        yield location, value
        if isinstance(value, dict):
            children: Iterable[tuple[int | str, Any]] = value.items()
        elif isinstance(value, list):
            children = enumerate(value)
        else:
            continue
        for key, child in reversed(list(children)):
            stack.append(((*location, key), child))
            if isinstance(key, str):
                stack.append(((*location, key), key))


def _first_too_deep(data: Any) -> tuple[int | str, ...] | None:
    deep = (loc for loc, value in _nodes(data) if isinstance(value, dict | list) and len(loc) >= MAX_DEPTH)
    return next(deep, None)


def _unwritable_strings(data: Any) -> list[tuple[int | str, ...]]:
    """Locations of the strings (values or keys) that cannot be written as UTF-8."""
    bad = {loc for loc, value in _nodes(data) if isinstance(value, str) and not _writable(value)}
    return sorted(bad, key=str)


def _writable(value: str) -> bool:
    if value.isascii():
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _not_utf8(raw: bytes, exc: UnicodeDecodeError, shown: str) -> Problem:
    """Name the field holding the first byte that is not UTF-8, when the rest of the file parses."""
    line = raw.count(b"\n", 0, exc.start) + 1
    location: tuple[int | str, ...] = ()
    try:
        bad = _unwritable_strings(json.loads(raw.decode("utf-8", errors="surrogateescape")))
        location = bad[0] if bad else ()
    except (ValueError, RecursionError):
        pass
    return Problem(
        shown, json_path(location), f"is not UTF-8 (byte {exc.start}) — save the file as UTF-8", line
    )


def _too_deep(shown: str, location: tuple[int | str, ...], line: int | None) -> Problem:
    return Problem(
        shown,
        json_path(location),
        f"is nested more than {MAX_DEPTH} levels deep — a data file needs far fewer; remove the nesting",
        line,
    )
