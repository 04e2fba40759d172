"""Server-sent events as the WHATWG spec frames them, parsed strictly enough to grade a stream.

A parser that only looks for ``data:`` lines would accept streams that break real clients, so
this one also reports what a client would trip over: lines that are not ``field: value``, an
event cut off without its closing blank line, events after ``data: [DONE]``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

DONE = "[DONE]"
"""The data of the sentinel event OpenAI sends last on chat and completion streams."""

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_FIELDS = {"data", "event", "id", "retry"}


@dataclass(frozen=True)
class Event:
    """One dispatched event: its ``event:`` name (None when absent) and its joined data lines."""

    name: str | None
    data: str


@dataclass
class Stream:
    """What a stream held, and what about its framing a client would notice."""

    events: list[Event] = field(default_factory=list)
    done: bool = False
    events_after_done: int = 0
    cut_off: bool = False
    unknown_lines: list[str] = field(default_factory=list)

    @property
    def data_events(self) -> list[Event]:
        """The events before ``[DONE]`` that carry data, the ones that hold JSON payloads."""
        out = []
        for event in self.events:
            if event.data == DONE:
                break
            if event.data:
                out.append(event)
        return out


def parse(body: bytes) -> Stream:
    """Split a response body into events; a last event without a closing blank line is cut off."""
    stream = Stream()
    *lines, tail = _LINE_BREAK.split(body.decode("utf-8", errors="replace"))
    name: str | None = None
    data: list[str] = []
    pending = False
    for line in [*lines, tail] if tail else lines:
        if line == "":
            if pending:
                _dispatch(stream, name, data)
            name, data, pending = None, [], False
            continue
        if line.startswith(":"):
            continue
        key, sep, value = line.partition(":")
        if sep and value.startswith(" "):
            value = value[1:]
        if key not in _FIELDS:
            if len(stream.unknown_lines) < 3:
                stream.unknown_lines.append(line[:80])
            continue
        pending = True
        if key == "data":
            data.append(value)
        elif key == "event":
            name = value
    stream.cut_off = pending or bool(tail)
    return stream


def _dispatch(stream: Stream, name: str | None, data: list[str]) -> None:
    joined = "\n".join(data)
    if stream.done:
        stream.events_after_done += 1
    if joined == DONE:
        stream.done = True
    stream.events.append(Event(name, joined))
