"""Problems found in ``data/``: one line each, naming the file, the line, the JSON path and a tip.

Problems are collected, not raised one by one, so that a contributor sees all of them at once;
:class:`DataError` carries them out of the loader. Pydantic's errors are turned into problems here,
with a tip per kind of error and a "did you mean" for a misspelt key.
"""

from __future__ import annotations

import difflib
import json
import re
import typing
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from probes.load.jsonpos import Locator


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with one place of one file."""

    file: str
    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.path or '$'}: {self.message}"


def sort_key(problem: Problem) -> tuple[str, int, str, str]:
    """The order problems are printed in: by file, then line, so they read top to bottom."""
    return (problem.file, problem.line or 0, problem.path, problem.message)


class DataError(Exception):
    """Raised when data under ``data/`` is invalid; carries every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=sort_key)
        super().__init__("\n".join(str(p) for p in self.problems))


_PLAIN_KEY = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")


def json_path(location: Iterable[int | str]) -> str:
    """Turn a location into a JSON path like ``results[3].status`` (odd keys as ``["x-id"]``)."""
    out = ""
    for part in location:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part.startswith("function-") or part in {"tagged-union", "[key]"}:
            continue
        elif _PLAIN_KEY.match(part):
            out += f".{part}" if out else part
        else:
            out += f"[{json.dumps(part, ensure_ascii=False)}]"
    return out


TIPS = {
    "extra_forbidden": "remove the key, or check its spelling against the schema",
    "missing": "add the field",
    "enum": "use one of the values listed",
    "literal_error": "use one of the values listed",
    "string_pattern_mismatch": "see the pattern in the schema",
    "string_type": 'write it as a JSON string in double quotes, e.g. "text"',
    "string_too_short": "fill it in",
    "string_too_long": "shorten it",
    "too_short": "add the missing items",
    "too_long": "remove items",
    "int_type": "write a whole number without quotes",
    "int_parsing": "write a whole number without quotes",
    "int_from_float": "write a whole number without quotes",
    "bool_type": "write true or false without quotes",
    "bool_parsing": "write true or false without quotes",
    "list_type": "write a JSON array: [ ... ]",
    "dict_type": "write a JSON object: { ... }",
    "model_type": "write a JSON object: { ... }",
    "model_attributes_type": "write a JSON object: { ... }",
    "greater_than_equal": "use a value in the allowed range",
    "less_than_equal": "use a value in the allowed range",
    "timezone_aware": "write the time with a zone, e.g. 2026-05-16T00:00:00Z",
    "datetime_type": "write an ISO 8601 time with a zone, e.g. 2026-05-16T12:00:00Z",
    "datetime_parsing": "write an ISO 8601 time with a zone, e.g. 2026-05-16T12:00:00Z",
    "datetime_from_date_parsing": "write an ISO 8601 time with a zone, e.g. 2026-05-16T12:00:00Z",
    "date_type": "write a date like 2026-05-16",
    "date_parsing": "write a date like 2026-05-16",
    "date_from_datetime_parsing": "write a date like 2026-05-16",
}
"""How to fix each kind of pydantic error, added after its message."""


def suggest(value: str, known: Iterable[str]) -> str:
    """A "did you mean" hint for a mistyped id or key, or nothing."""
    close = difflib.get_close_matches(value, list(known), n=1, cutoff=0.75)
    return f"did you mean {close[0]!r}? " if close else ""


def field_names(model: type[BaseModel]) -> frozenset[str]:
    """Every key the model and the models inside it accept, for "did you mean" hints."""
    names: set[str] = set()
    pending: list[Any] = [model]
    seen: set[type] = set()
    while pending:
        kind = pending.pop()
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            if kind in seen:
                continue
            seen.add(kind)
            for name, info in kind.model_fields.items():
                names.add(info.alias or name)
                pending.append(info.annotation)
        else:
            pending.extend(typing.get_args(kind))
    return frozenset(names)


_MESSAGE_PATH = re.compile(r"^([A-Za-z_$][\w$]*(?:\[\d+\]|\.[A-Za-z_$][\w$]*)*): (.+)$", re.DOTALL)
_PATH_PART = re.compile(r"\[(\d+)\]|\.?([A-Za-z_$][\w$]*)")


def _split_path(message: str) -> tuple[tuple[int | str, ...], str]:
    """A model-level error may start with the path it is about (``results[3].evidence: …``)."""
    match = _MESSAGE_PATH.match(message)
    if not match:
        return (), message
    parts = tuple(int(index) if index else name for index, name in _PATH_PART.findall(match.group(1)))
    return parts, match.group(2)


def validation_problems(
    model: type[BaseModel], exc: ValidationError, shown: str, text: str | None
) -> list[Problem]:
    """Each pydantic error as one problem, with its line in ``text`` and a tip."""
    problems = []
    lines = Locator(text) if text else None
    for error in exc.errors(include_url=False):
        location = tuple(error["loc"])
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "value_error":
            inner, message = _split_path(message)
            location += inner
        tip = TIPS.get(error["type"])
        if error["type"] == "extra_forbidden" and location and isinstance(location[-1], str):
            tip = suggest(location[-1], field_names(model)) + (tip or "")
        if tip:
            message = f"{message} — {tip}"
        line = lines.line(location) if lines else None
        problems.append(Problem(shown, json_path(location), message, line))
    return problems
