"""A real WebSocket server (the ``websockets`` library) on 127.0.0.1 that answers /v1/realtime.

Modes: ``accept`` upgrades /v1/realtime with 101 and answers 404 elsewhere; ``auth`` refuses the
/v1/realtime upgrade with 401 and answers 404 elsewhere; ``absent`` answers 404 everywhere;
``accept_all`` upgrades every path; ``auth_all`` refuses every path with 401; ``bad_model`` refuses
the /v1/realtime upgrade with 400, as a server may for a model it cannot serve in realtime.
``GET /v1/models`` lists one chat model in every mode, so the prober's model discovery works as
against a real server. The handshakes it saw (path and whether a key came) are kept in ``seen``.
"""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any

from websockets.asyncio.server import ServerConnection, serve
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

MODES = ("accept", "auth", "absent", "accept_all", "auth_all", "bad_model")


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
        if self.mode == "accept_all" or (self.mode == "accept" and path == "/v1/realtime"):
            return None  # go on with the handshake: 101
        return _error(404, "Not Found", f"no route for {path}")

    async def _session(self, connection: ServerConnection) -> None:
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
