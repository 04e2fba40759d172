"""Probe of the realtime family: does /v1/realtime open a Realtime session over a WebSocket?

The handshake is made with the ``websockets`` library and the key in the ``Authorization``
header. An accepted upgrade (101) only shows that something answers the path: a gateway such as
LiteLLM accepts it and then closes the socket at once (code 1011) when its backend has no
realtime. So the grade rests on what the session does first. OpenAI's server sends
``session.created`` unasked as its first event: that passes; a close before any event, an
``error`` event, silence or a message that is not a Realtime event fails; another event first is
a deviation. The close code and reason, or the first event, are the evidence's body.

Refusals of the handshake keep their meaning: 401/403 say the route exists behind auth, 404 that
it is absent; 400 says nothing either way (a server may refuse so a model it cannot serve in
realtime). The prober's negative control then checks that a path that cannot exist is not
answered the same way (a server that upgrades, or refuses, every path has not shown that this
one exists).
"""

from __future__ import annotations

import json
from urllib.parse import quote as url_quote

from probes.prober.endpoints.grading import error_message, quote, route_problem
from probes.prober.endpoints.registry import Grade, ProbeContext, deviation, failed, passed, probe, untested
from probes.prober.http import FIRST_EVENT_SECONDS, Exchange

ACCEPTED = "the WebSocket upgrade was accepted (101)"


@probe("realtime")
async def realtime(ctx: ProbeContext) -> Grade:
    """The route accepts a WebSocket upgrade and the session's first event is ``session.created``."""
    route = ctx.route()
    path = route.path()
    if model := ctx.target.realtime_model or ctx.target.model:
        path += f"?model={url_quote(model, safe='')}"
    exchange = await ctx.send(
        route,
        path=path,
        label="WebSocket upgrade and the session's first event",
        first_event=FIRST_EVENT_SECONDS,
    )
    if exchange.status == 101 and not exchange.error:
        return session_grade(exchange)
    if exchange.status in (401, 403) and not exchange.error:
        said = error_message(exchange)
        detail = f" {quote(said)}" if said.strip() else ""
        return passed(f"the route exists behind auth: the upgrade was refused with {exchange.status}{detail}")
    if exchange.status in (400, 422) and not exchange.error:
        return untested(
            f"the upgrade was refused with {exchange.status} {quote(error_message(exchange))}; the route may "
            "want a realtime model (pass one with --model)"
        )
    if problem := route_problem(exchange, api_key_given=ctx.target.api_key_given):
        return problem
    return failed(f"answered the upgrade with {exchange.status} {quote(exchange.content_type)}, not 101")


def session_grade(exchange: Exchange) -> Grade:
    """The grade of an accepted upgrade, from the first thing the session did."""
    if exchange.close_code is not None:
        reason = f" {quote(exchange.close_reason)}" if exchange.close_reason.strip() else ""
        return failed(
            f"{ACCEPTED}, but the server closed the socket before any event (close code "
            f"{exchange.close_code}{reason}): no session was opened"
        )
    message = exchange.first_message
    if message is None:
        return failed(
            f"{ACCEPTED}, but no event came within {FIRST_EVENT_SECONDS:g} s; OpenAI's server sends "
            "`session.created` at once"
        )
    if isinstance(message, bytes):
        return failed(f"{ACCEPTED}, but the first message was {len(message)} binary bytes, not a JSON event")
    try:
        event = json.loads(message)
    except (ValueError, RecursionError):
        return failed(f"{ACCEPTED}, but the first message is not JSON: {quote(message)}")
    kind = event.get("type") if isinstance(event, dict) else None
    if not isinstance(kind, str):
        return failed(f"{ACCEPTED}, but the first message is not a Realtime event (JSON with `type`)")
    if kind == "session.created":
        if not isinstance(event.get("session"), dict):
            return deviation(f"{ACCEPTED} and the first event was `session.created`, but it has no `session`")
        return passed(f"{ACCEPTED} and the first event was `session.created`")
    if kind == "error":
        inner = event.get("error")
        said = inner.get("message") if isinstance(inner, dict) else inner
        detail = f": {quote(said)}" if isinstance(said, str) and said.strip() else ""
        return failed(f"{ACCEPTED}, but the first event was `error`{detail}")
    return deviation(
        f"{ACCEPTED}, but the first event was {quote(kind)}, not `session.created` (which OpenAI's "
        "server sends first, unasked)"
    )
