"""Small JSON judgements the structured-output probes need, without a schema library.

The probes ask for one fixed schema, so checking it takes a few lines; what needs care is a
reply cut off by a token limit: :func:`read_reply` is the one place that judges it, and
:func:`is_json_prefix` tells a valid start of JSON (the server was constraining its output) from
text that was never going to be JSON.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

PICK_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "color": {"type": "string", "enum": ["red", "green", "blue"]},
        "count": {"type": "integer"},
    },
    "required": ["color", "count"],
    "additionalProperties": False,
}
"""The schema the ``json_schema`` probe asks for: small, so even a tiny model finishes it."""


def pick_schema_problems(value: Any) -> list[str]:
    """How a parsed reply breaks :data:`PICK_SCHEMA` (empty when it satisfies it)."""
    if not isinstance(value, dict):
        return [f"is a JSON {type(value).__name__}, not an object"]
    problems = [f"misses {key!r}" for key in ("color", "count") if key not in value]
    extra = sorted(set(value) - {"color", "count"})
    if extra:
        problems.append(f"has keys the schema forbids: {', '.join(map(repr, extra[:3]))}")
    if "color" in value and value["color"] not in ("red", "green", "blue"):
        problems.append(f"color {value['color']!r} is not one of the enum values")
    if "count" in value and (not isinstance(value["count"], int) or isinstance(value["count"], bool)):
        problems.append(f"count {value['count']!r} is not an integer")
    return problems


def parse_object(text: str) -> tuple[Any, bool]:
    """The reply parsed as JSON, and whether it parsed at all (surrounding whitespace allowed)."""
    try:
        return json.loads(text), True
    except (ValueError, TypeError, RecursionError):
        return None, False


@dataclass(frozen=True)
class JsonReply:
    """A model's reply read as JSON: its value when it parsed; else whether it was cut before it closed."""

    parsed: bool
    value: Any = None
    cut: bool = False
    """A token limit stopped the reply while it was still a valid start of JSON: the server was
    constraining its output, and the JSON could not be checked (not a deviation)."""


def read_reply(text: str, *, hit_limit: bool) -> JsonReply:
    """The one judgement of a structured reply: JSON, JSON cut by the token limit, or not JSON.

    ``hit_limit`` is the server's own word that the limit stopped the reply (``finish_reason:
    length``, ``status: incomplete``, or as many tokens as were allowed).
    """
    value, parsed = parse_object(text)
    if parsed:
        return JsonReply(True, value)
    return JsonReply(False, cut=hit_limit and is_json_prefix(text))


_LITERALS = ("true", "false", "null")


def is_json_prefix(text: str) -> bool:
    """True when ``text`` could be the start of a JSON value: brackets, strings and tokens so far.

    A lexical check (strings, escapes, numbers, literals, bracket nesting), enough to tell a
    constrained reply cut by a token limit from prose.
    """
    text = text.strip()
    if not text or text[0] not in "{[":
        return False
    stack: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char in " \t\r\n,:":
            i += 1
        elif char in "{[":
            stack.append("}" if char == "{" else "]")
            i += 1
        elif char in "}]":
            if not stack or stack.pop() != char:
                return False
            i += 1
            if not stack and text[i:].strip():
                return False
        elif char == '"':
            i += 1
            while i < len(text) and text[i] != '"':
                if text[i] == "\\":
                    i += 1
                elif ord(text[i]) < 0x20:
                    return False
                i += 1
            i += 1
        elif char in "-0123456789":
            while i < len(text) and text[i] in "-+.eE0123456789":
                i += 1
        else:
            word = ""
            while i < len(text) and text[i].isalpha():
                word += text[i]
                i += 1
            if not word or not any(lit.startswith(word) for lit in _LITERALS):
                return False
            if word not in _LITERALS and i < len(text):
                return False
    return True
