"""Tiny misbehaving servers: each answers every request with one kind of fault.

They exist to show that the prober grades a broken server with evidence and finishes inside its
deadline, instead of hanging or crashing. Three play servers that answer every path alike (a
catch-all proxy, a single-page app, an auth wall) and one that guards its OpenAI routes with a key
it never accepts: the negative control must see through each. :class:`Cooldown` is a fault the
reference server plays in front of its real routes: a gateway's rate limit.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

HTML_PAGE = (
    b"<html><head><title>502 Bad Gateway</title></head>"
    b"<body><h1>Bad Gateway</h1><script>alert('x')</script></body></html>"
)

FAULTS = (
    "hang",
    "drip",
    "status500",
    "invalid_json",
    "truncated_sse",
    "html",
    "huge",
    "echo_key",
    "redirect",
    "catchall",
    "catchall_html",
    "auth_wall",
    "auth_routes",
)
"""Every fault a :class:`FaultServer` can play."""

CATCHALL_BODY = b'{"object": "list", "data": []}'
"""What the catch-all answers every path: a valid empty list, so a list route would pass on it."""

SPA_PAGE = b"<!doctype html><html><head><title>Dashboard</title></head><body><div id=app></div></body></html>"

OPENAI_PATHS = (
    "/v1/models",
    "/v1/chat/completions",
    "/v1/completions",
    "/v1/embeddings",
    "/v1/responses",
    "/v1/realtime",
    "/v1/files",
    "/v1/moderations",
    "/v1/audio/",
    "/v1/images/",
    "/v1/fine_tuning/",
)
"""The routes ``auth_routes`` guards; every other path is 404."""

HUGE_BYTES = 20_000_000
"""How much the ``huge`` fault offers; the prober must stop reading long before."""


@dataclass
class Cooldown:
    """A gateway's rate limit or cooldown, as LiteLLM's router plays one, for ``RefServer(cooldown=…)``.

    Once ``after_failures`` model requests (POST) have failed, the next ``answers`` model requests
    are answered 429 with ``Retry-After: <retry_after>``; ``answers=None`` never recovers. Without
    it, a prober would grade every row after the first few failures on the 429. The server holds
    its lock around the counts.
    """

    answers: int | None = 1
    after_failures: int = 0
    retry_after: str | None = "1"
    failures: int = 0
    limited: int = 0
    """How many requests were answered 429 so far."""

    def take(self) -> bool:
        """Whether this request is answered 429, counting it when it is."""
        if self.failures < self.after_failures:
            return False
        if self.answers is not None and self.limited >= self.answers:
            return False
        self.limited += 1
        return True


class _Server(ThreadingHTTPServer):
    """A threading server with a listen backlog deep enough for a burst of concurrent probes."""

    request_queue_size = 128
    daemon_threads = True


class FaultHandler(BaseHTTPRequestHandler):
    """Answers with the fault its server was started for."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    fault: str
    stop: threading.Event
    redirect_to: str

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def _head(self, status: int, content_type: str, length: int | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        if length is None:
            self.send_header("Connection", "close")
            self.close_connection = True
        else:
            self.send_header("Content-Length", str(length))
        self.end_headers()

    def _answer(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            getattr(self, f"_{self.fault}")()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _hang(self) -> None:
        self.stop.wait(60)
        self.close_connection = True

    def _drip(self) -> None:
        self._head(200, "application/json", 1000)
        for _ in range(1000):
            if self.stop.wait(0.05):
                break
            self.wfile.write(b" ")
            self.wfile.flush()
        self.close_connection = True

    def _status500(self) -> None:
        body = b'{"error": {"message": "internal failure", "type": "server_error"}}'
        self._head(500, "application/json", len(body))
        self.wfile.write(body)

    def _invalid_json(self) -> None:
        body = b'{"id": "x", "choices": [ not json'
        self._head(200, "application/json", len(body))
        self.wfile.write(body)

    def _truncated_sse(self) -> None:
        self._head(200, "text/event-stream")
        self.wfile.write(b'data: {"id": "x", "object": "chat.completion.chunk", "choi')
        self.wfile.flush()

    def _html(self) -> None:
        self._head(502, "text/html", len(HTML_PAGE))
        self.wfile.write(HTML_PAGE)

    def _echo_key(self) -> None:
        credentials = self.headers.get("Authorization", "")
        body = json.dumps({"error": {"message": f"Key rejected: {credentials}", "type": "auth"}}).encode()
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("WWW-Authenticate", f'Bearer realm="{credentials}"')
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _redirect(self) -> None:
        self.send_response(307)
        self.send_header("Location", self.redirect_to + self.path + "?token=leak")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _catchall(self) -> None:
        self._head(200, "application/json", len(CATCHALL_BODY))
        self.wfile.write(CATCHALL_BODY)

    def _catchall_html(self) -> None:
        self._head(200, "text/html; charset=utf-8", len(SPA_PAGE))
        self.wfile.write(SPA_PAGE)

    def _auth_wall(self) -> None:
        body = b'{"error": {"message": "Unauthorized", "type": "auth_error", "param": null, "code": null}}'
        self._head(401, "application/json", len(body))
        self.wfile.write(body)

    def _auth_routes(self) -> None:
        if self.path.startswith(OPENAI_PATHS):
            self._auth_wall()
            return
        body = b'{"error": {"message": "Not Found", "type": "not_found", "param": null, "code": null}}'
        self._head(404, "application/json", len(body))
        self.wfile.write(body)

    def _huge(self) -> None:
        self._head(200, "application/json")
        block = b"[" + b"0," * 32_767 + b"0]"
        sent = 0
        while sent < HUGE_BYTES and not self.stop.is_set():
            self.wfile.write(block)
            sent += len(block)


class FaultServer:
    """A context manager running one fault on 127.0.0.1 in a thread."""

    def __init__(self, fault: str, redirect_to: str = "http://other-server.example:9") -> None:
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}")
        self.fault = fault
        self.stop = threading.Event()
        bound = {"fault": fault, "stop": self.stop, "redirect_to": redirect_to}
        handler = type("BoundFaultHandler", (FaultHandler,), bound)
        self._httpd = _Server(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def __enter__(self) -> FaultServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop.set()
        time.sleep(0.01)
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


KEY_MARK = "{key}"
"""Where a :class:`HostileServer` answer puts the API key its request carried, as an echoing server does."""


@dataclass
class Hostile:
    """What a :class:`HostileServer` answers; a test may change it between runs (one per example).

    ``/v1/models`` lists ``models``; ``/version`` says ``version`` (404 when None); every other path
    answers ``status`` with ``body``: bytes as they are, a str as the message of OpenAI's error
    envelope. :data:`KEY_MARK` in any of them becomes the key the request carried. ``header_line``
    is sent raw among the response headers (a malformed line, say).
    """

    models: list[str] = field(default_factory=lambda: ["hostile-chat"])
    version: str | None = None
    status: int = 400
    body: str | bytes = "bad request"
    content_type: str = "application/json"
    header_line: bytes | None = None


class HostileHandler(BaseHTTPRequestHandler):
    """Answers what its server's :class:`Hostile` says, with the request's key put in."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    hostile: Hostile

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def handle(self) -> None:
        """A client that gave up on a broken answer (a malformed header) is not an error here."""
        try:
            super().handle()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def _answer(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        key = self.headers.get("Authorization", "").removeprefix("Bearer ")
        plan, path = self.hostile, self.path.split("?")[0]
        status, content_type = 200, "application/json"
        if path == "/v1/models":
            listed = [{"id": m.replace(KEY_MARK, key), "object": "model", "created": 0, "owned_by": "x"}
                      for m in plan.models]  # fmt: skip
            body = json.dumps({"object": "list", "data": listed}).encode()
        elif path == "/version" and plan.version is not None:
            body = json.dumps({"version": plan.version.replace(KEY_MARK, key)}).encode()
        elif isinstance(plan.body, bytes):
            status, content_type = plan.status, plan.content_type
            body = plan.body.replace(KEY_MARK.encode(), key.encode())
        else:
            status = plan.status
            message = plan.body.replace(KEY_MARK, key)
            body = json.dumps({"error": {"message": message, "type": "invalid_request_error"}}).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if plan.header_line is not None:
            line = plan.header_line.replace(KEY_MARK.encode(), key.encode())
            self._headers_buffer.append(line + b"\r\n")  # type: ignore[attr-defined]
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


class HostileServer:
    """A context manager running a :class:`HostileHandler` on 127.0.0.1 in a thread."""

    def __init__(self, hostile: Hostile | None = None) -> None:
        self.hostile = hostile or Hostile()
        handler = type("BoundHostileHandler", (HostileHandler,), {"hostile": self.hostile})
        self._httpd = _Server(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def __enter__(self) -> HostileServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)
