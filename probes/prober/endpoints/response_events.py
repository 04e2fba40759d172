"""A Responses API event stream read into what the feature probes grade: events, text, the ending.

OpenAI streams a response as named server-sent events whose JSON ``type`` repeats the event name,
each with a ``sequence_number``; the stream starts with ``response.created`` and ends with
``response.completed``, ``response.incomplete`` or ``response.failed`` (there is no ``[DONE]``).
This module only reads a stream; judging it is left to the probes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from probes.prober import sse
from probes.prober.endpoints.grading import dig, quote
from probes.prober.http import Exchange

ENDINGS = ("response.completed", "response.incomplete", "response.failed")
"""The event types that close a response stream."""


@dataclass
class ResponseStream:
    """The parsed events of one stream and what about their framing a client would trip over."""

    events: list[dict[str, Any]] = field(default_factory=list)
    framing: list[str] = field(default_factory=list)

    @property
    def types(self) -> list[str]:
        """The ``type`` of every event, in order."""
        return [str(event.get("type")) for event in self.events]

    @property
    def ending(self) -> dict[str, Any] | None:
        """The event that closed the stream, when its last event is one of :data:`ENDINGS`."""
        if self.events and self.events[-1].get("type") in ENDINGS:
            return self.events[-1]
        return None

    @property
    def response(self) -> dict[str, Any] | None:
        """The response object the closing event carries."""
        value = dig(self.ending, "response")
        return value if isinstance(value, dict) else None

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        """The events of one type."""
        return [event for event in self.events if event.get("type") == kind]

    @property
    def deltas(self) -> list[str]:
        """The text of every ``response.output_text.delta`` event."""
        return [str(event.get("delta", "")) for event in self.of_type("response.output_text.delta")]

    @property
    def done_text(self) -> str | None:
        """The text the first ``response.output_text.done`` event gives as final."""
        done = self.of_type("response.output_text.done")
        text = done[0].get("text") if done else None
        return text if isinstance(text, str) else None


def read_stream(exchange: Exchange) -> tuple[ResponseStream | None, str | None]:
    """The stream of a 2xx answer, or why it is not a Responses event stream (one clause)."""
    if exchange.content_type != "text/event-stream":
        kind = exchange.content_type or "no content type"
        return None, f"answered `stream: true` with {quote(kind)}, not `text/event-stream`"
    parsed = sse.parse(exchange.body)
    stream = ResponseStream()
    if parsed.cut_off:
        stream.framing.append("the last event is cut off")
    if parsed.unknown_lines:
        stream.framing.append(f"lines that are not SSE fields: {quote(parsed.unknown_lines[0], 40)}")
    for event in parsed.data_events:
        try:
            payload = json.loads(event.data)
        except ValueError:
            return None, f"an event's data is not JSON: {quote(event.data, 60)}"
        if not isinstance(payload, dict):
            return None, f"an event's data is not a JSON object: {quote(event.data, 60)}"
        if event.name is not None and event.name != payload.get("type"):
            stream.framing.append(
                f"event name {quote(event.name)} differs from its `type` {quote(payload.get('type'))}"
            )
        stream.events.append(payload)
    if not stream.events:
        return None, "the stream holds no events"
    return stream, None
