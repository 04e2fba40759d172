"""Tiny misbehaving servers: each answers every request with one kind of fault.

They exist to show that the prober grades a broken server with evidence and finishes inside its
deadline, instead of hanging or crashing. Three play servers that answer every path alike (a
catch-all proxy, a single-page app, an auth wall) and one that guards its OpenAI routes with a key
it never accepts: the negative control must see through each.
"""

from __future__ import annotations

import json
import threading
import time
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
