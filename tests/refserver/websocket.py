"""A real WebSocket server (the ``websockets`` library) on 127.0.0.1 that answers /v1/realtime.

Modes: ``accept`` upgrades /v1/realtime with 101, sends OpenAI's first event ``session.created``
and answers 404 elsewhere; ``auth`` refuses the /v1/realtime upgrade with 401 and answers 404
elsewhere; ``absent`` answers 404 everywhere; ``accept_all`` upgrades every path and sends
``session.created`` on each; ``auth_all`` refuses every path with 401; ``bad_model`` refuses the
/v1/realtime upgrade with 400, as a server may for a model it cannot serve in realtime.

The session modes accept the /v1/realtime upgrade and then misbehave, as gateways do: ``closed``
closes at once with 1011 and a reason that echoes the key (LiteLLM in front of a backend without
realtime closes so, with the backend's error as the reason); ``dropped`` closes the connection
without a close frame; ``error_first`` sends an ``error`` event first; ``other_first`` sends
``conversation.created`` first; ``not_json`` sends text that is not JSON; ``silent`` keeps the
socket open and sends nothing.

``GET /v1/models`` lists one chat model in every mode, so the prober's model discovery works as
against a real server. The handshakes it saw (path and whether a key came) are kept in ``seen``.
"""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import ServerConnection, serve
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

from refserver.server import session_created

SESSION_MODES = ("closed", "dropped", "error_first", "other_first", "not_json", "silent")
"""Modes that accept the /v1/realtime upgrade and then do something other than OpenAI's server."""

MODES = ("accept", "auth", "absent", "accept_all", "auth_all", "bad_model", *SESSION_MODES)

CLOSE_REASON = "realtime is not supported by the backend (key {key})"
"""What ``closed`` says when it closes with 1011; ``{key}`` is the bearer token the client sent."""

FIRST_EVENTS: dict[str, Any] = {
    "error_first": {
        "type": "error",
        "event_id": "event_1",
        "error": {"type": "invalid_request_error", "message": "no realtime model is loaded"},
    },
    "other_first": {"type": "conversation.created", "event_id": "event_1", "conversation": {}},
    "not_json": "hello",
}
"""The first message of the modes that send one other than ``session.created``."""


def _json(status: int, reason: str, payload: Any) -> Response:
    body = json.dumps(payload).encode()
    headers = Headers([("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return Response(status, reason, headers, body)


def _error(status: int, reason: str, message: str) -> Response:
    return _json(
        status, reason, {"error": {"message": message, "type": "error", "param": None, "code": None}}
    )


class WebSocketServer:
    """A context manager running one mode in a thread with its own event loop."""

    def __init__(self, mode: str, api_key: str | None = None) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}")
        self.mode = mode
        self.api_key = api_key
        self.seen: list[tuple[str, bool]] = []
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._stop: asyncio.Future[None] | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def _answer(self, connection: ServerConnection, request: Request) -> Response | None:
        path = request.path.partition("?")[0]
        upgrade = request.headers.get("Upgrade", "").lower() == "websocket"
        keyed = request.headers.get("Authorization") == f"Bearer {self.api_key}" if self.api_key else False
        if not upgrade:
            if path == "/v1/models":
                return _json(200, "OK", {"object": "list", "data": [{"id": "rt-chat", "object": "model"}]})
            return _error(404, "Not Found", f"no route for {path}")
        self.seen.append((request.path, keyed))
        if self.mode == "auth_all" or (self.mode == "auth" and path == "/v1/realtime"):
            return _error(401, "Unauthorized", "a session token is required")
        if self.mode == "bad_model" and path == "/v1/realtime":
            return _error(400, "Bad Request", "Invalid model: not a realtime model")
        if self.mode == "accept_all" or (self.mode != "absent" and path == "/v1/realtime"):
            return None  # go on with the handshake: 101
        return _error(404, "Not Found", f"no route for {path}")

    async def _session(self, connection: ServerConnection) -> None:
        """What the socket does once open: OpenAI's first event, or the mode's misbehaviour."""
        if self.mode == "closed":
            key = connection.request.headers.get("Authorization", "").removeprefix("Bearer ")
            await connection.close(1011, CLOSE_REASON.format(key=key))
            return
        if self.mode == "dropped":
            connection.transport.close()  # a TCP close, no close frame: 1006
            return
        if self.mode == "silent":
            await connection.wait_closed()
            return
        first = FIRST_EVENTS.get(self.mode)
        if first is None:
            model = parse_qs(urlsplit(connection.request.path).query).get("model", ["gpt-realtime"])[0]
            first = session_created(model)
        await connection.send(first if isinstance(first, str) else json.dumps(first))
        await connection.close()

    async def _serve(self) -> None:
        self._stop = self._loop.create_future()
        async with serve(self._session, "127.0.0.1", 0, process_request=self._answer) as server:
            self.port = next(iter(server.sockets)).getsockname()[1]
            self._ready.set()
            await self._stop

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._serve())

    def __enter__(self) -> WebSocketServer:
        self._thread.start()
        if not self._ready.wait(5):
            raise RuntimeError("the WebSocket server did not start")
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._loop.call_soon_threadsafe(
            lambda: self._stop and not self._stop.done() and self._stop.set_result(None)
        )
        self._thread.join(timeout=5)
