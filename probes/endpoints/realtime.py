"""Probe of the realtime family: does /v1/realtime accept a WebSocket upgrade?

Only the handshake is tried: 101 means the route exists. Talking the Realtime protocol over the
socket is left to a later probe.
"""

from __future__ import annotations

import base64
import os
from urllib.parse import quote as url_quote

from probes.endpoints.grading import quote, route_problem
from probes.endpoints.registry import Grade, ProbeContext, failed, passed, probe


@probe("realtime")
async def realtime(ctx: ProbeContext) -> Grade:
    """A WebSocket upgrade of /v1/realtime is answered with 101 Switching Protocols."""
    headers = {
        "Connection": "Upgrade",
        "Upgrade": "websocket",
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": base64.b64encode(os.urandom(16)).decode("ascii"),
    }
    path = f"/v1/realtime?model={url_quote(ctx.target.model, safe='')}"
    exchange = await ctx.http.get(path, headers=headers, label="WebSocket upgrade")
    if exchange.status == 101 and not exchange.error:
        return passed("the WebSocket upgrade was accepted (101)")
    if problem := route_problem(exchange, api_key_given=ctx.target.api_key_given):
        return problem
    return failed(f"answered the upgrade with {exchange.status} {quote(exchange.content_type)}, not 101")
