"""Probe of the realtime family: does /v1/realtime accept a WebSocket upgrade?

Only the handshake is tried, with the ``websockets`` library and the key in the ``Authorization``
header: 101 means the route exists, 401/403 that it exists behind auth, 404 that it is absent; 400
says nothing either way (a server may refuse so a model it cannot serve in realtime). The
prober's negative control then checks that a path that cannot exist is not answered the same way
(a server that upgrades, or refuses, every path has not shown that this one exists). Talking the
Realtime protocol over the socket is left to a later probe.
"""

from __future__ import annotations

from urllib.parse import quote as url_quote

from probes.endpoints.grading import error_message, quote, route_problem
from probes.endpoints.registry import Grade, ProbeContext, failed, passed, probe, untested


@probe("realtime")
async def realtime(ctx: ProbeContext) -> Grade:
    """A WebSocket upgrade of /v1/realtime is answered with 101 Switching Protocols."""
    path = "/v1/realtime"
    if model := ctx.target.realtime_model or ctx.target.model:
        path += f"?model={url_quote(model, safe='')}"
    exchange = await ctx.http.websocket(path, label="WebSocket upgrade")
    if exchange.status == 101 and not exchange.error:
        return passed("the WebSocket upgrade was accepted (101)")
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
