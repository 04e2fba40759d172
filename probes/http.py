"""The one HTTP client every probe uses: bounded, never following redirects, keeping evidence.

Each request is an :class:`Exchange`: what was sent, what came back (status, headers, a capped
body) or the transport error, and how long it took. Bodies are streamed and reading stops at a
limit, so a huge or endless answer cannot exhaust memory; a whole request has a wall-clock limit,
so a server that drips bytes cannot stall a probe. Redirects are recorded, never followed, so the
API key is never sent to another host. The key travels only in the ``Authorization`` header,
which is never recorded, and any echo of it in captured text is replaced before it is stored.
"""

from __future__ import annotations

import asyncio
import json
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from probes import __version__
from probes.redact import Redactor
from probes.report import Evidence, EvidenceRequest, EvidenceResponse

DEFAULT_MAX_BODY_BYTES = 4_000_000
"""How much of one response body is read before reading stops and the body is marked truncated."""

EVIDENCE_HEAD_CHARS = 1800
EVIDENCE_TAIL_CHARS = 1200
"""A long body is kept in evidence as its start and its end, where a stream's last events are."""

REQUEST_BODY_CHARS = 2000
"""How much of a request body the evidence keeps."""

KEPT_RESPONSE_HEADERS = (
    "content-type",
    "content-length",
    "location",
    "server",
    "allow",
    "www-authenticate",
    "retry-after",
    "upgrade",
)
"""Response headers that help a reader judge a grade; the rest (dates, ids, cookies) are noise."""

KEPT_REQUEST_HEADERS = ("content-type", "accept", "upgrade", "connection", "sec-websocket-version")
"""Request headers shown in evidence. ``Authorization`` is never among them."""

USER_AGENT = f"aioc/{__version__} (OpenAI API compatibility prober)"


@dataclass
class Exchange:
    """One request and what came of it, as the probe sees it and as the evidence records it."""

    label: str
    method: str
    path: str
    request_headers: dict[str, str]
    request_body: str | None
    redact: Redactor
    own_host: str
    status: int | None = None
    headers: httpx.Headers = field(default_factory=httpx.Headers)
    body: bytes = b""
    truncated: bool = False
    elapsed_ms: int | None = None
    error: str | None = None
    connect_failed: bool = False
    read_limit: int = DEFAULT_MAX_BODY_BYTES
    usual_key: bool = True
    """False when the probe chose what to send instead of the run's key (none, or a wrong one)."""

    @property
    def ok(self) -> bool:
        """A complete 2xx answer: the only kind a probe grades on its content."""
        return self.error is None and self.status is not None and 200 <= self.status < 300

    @property
    def unreached(self) -> bool:
        """True when no connection could be made (refused, DNS, TLS): the server said nothing."""
        return self.connect_failed and self.status is None

    @property
    def content_type(self) -> str:
        """The media type without parameters, lower case ("" when absent)."""
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def text(self) -> str:
        """The body decoded as UTF-8, with undecodable bytes replaced."""
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body parsed as JSON; raises ValueError when it is not JSON."""
        return json.loads(self.body.decode("utf-8"))

    def evidence(self) -> Evidence:
        """This exchange as report evidence: trimmed, with secrets and private hosts replaced."""
        request = EvidenceRequest(
            method=self.method,
            path=self.redact(self.path)[:2000],
            headers={k: self.redact(v) for k, v in self.request_headers.items()},
            body=self.redact(self.request_body)[:REQUEST_BODY_CHARS] if self.request_body else None,
        )
        response = None
        if self.status is not None:
            headers = {}
            for name in KEPT_RESPONSE_HEADERS:
                if name in self.headers:
                    value = self.headers[name]
                    value = (
                        self.redact.url(value, self.own_host) if name == "location" else self.redact(value)
                    )
                    headers[name] = value[:300]
            body, trimmed = self._body_excerpt()
            response = EvidenceResponse(
                status=self.status,
                headers=headers,
                body=body,
                truncated=trimmed or self.truncated,
                elapsed_ms=self.elapsed_ms,
            )
        error = one_line(self.redact(self.error), 300) if self.error else None
        return Evidence(label=one_line(self.label, 120), request=request, response=response, error=error)

    def _body_excerpt(self) -> tuple[str | None, bool]:
        if not self.body:
            return None, False
        media = self.content_type
        if media.startswith(("audio/", "image/", "video/")) or media == "application/octet-stream":
            return f"[{len(self.body)} bytes of {media}]", True
        try:
            text = self.body.decode("utf-8")
        except UnicodeDecodeError:
            return f"[{len(self.body)} bytes that are not UTF-8 text]", True
        text = self.redact(text)
        suffix = f"\n[… stopped reading after {self.read_limit} bytes …]" if self.truncated else ""
        if len(text) <= EVIDENCE_HEAD_CHARS + EVIDENCE_TAIL_CHARS:
            return text + suffix, False
        omitted = len(text) - EVIDENCE_HEAD_CHARS - EVIDENCE_TAIL_CHARS
        head, tail = text[:EVIDENCE_HEAD_CHARS], text[-EVIDENCE_TAIL_CHARS:]
        return f"{head}\n[… {omitted} characters omitted …]\n{tail}{suffix}", True


def one_line(text: str, limit: int) -> str:
    """Collapse whitespace and shorten, so that a server's words fit a one-line field."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _is_tls(exc: BaseException) -> bool:
    """True for a certificate or TLS protocol failure, however the library wrapped it."""
    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None:
            break
        if isinstance(seen, ssl.SSLError) or "SSL" in str(seen) or "CERTIFICATE" in str(seen).upper():
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _specific(exc: BaseException) -> str:
    """The most specific words in an exception chain: the refused connection, not "all attempts failed"."""
    words, seen = str(exc), exc.__cause__ or exc.__context__
    for _ in range(5):
        if seen is None:
            break
        if isinstance(seen, ConnectionError | ssl.SSLError) and str(seen):
            return str(seen)
        seen = seen.__cause__ or seen.__context__
    return words


def connect_level(exc: BaseException) -> bool:
    """True when the failure happened before any byte of an answer: nothing reached the API."""
    return isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout)) or (
        isinstance(exc, OSError) and not isinstance(exc, TimeoutError)
    )


def describe_transport_error(exc: BaseException) -> str:
    """A short line naming what went wrong on the wire, without URLs or tracebacks."""
    kinds = {
        httpx.ConnectTimeout: "could not connect in time",
        httpx.ConnectError: "could not connect",
        httpx.ReadTimeout: "the server stopped sending",
        httpx.WriteTimeout: "the server stopped reading",
        httpx.PoolTimeout: "no free connection",
        httpx.RemoteProtocolError: "the server broke the HTTP protocol",
        httpx.ReadError: "the connection failed while reading",
        httpx.WriteError: "the connection failed while sending",
        httpx.UnsupportedProtocol: "unsupported URL scheme",
        httpx.DecodingError: "the body could not be decoded",
    }
    what = next((text for kind, text in kinds.items() if isinstance(exc, kind)), type(exc).__name__)
    detail = one_line(_specific(exc), 160)
    if _is_tls(exc):
        what = "the TLS handshake failed"
    return f"{what}: {detail}" if detail else what


class ProbeClient:
    """A shared connection pool to one server; probes talk to it through a :class:`Session`."""

    def __init__(
        self,
        root_url: str,
        *,
        api_key: str | None = None,
        timeout: float = 30.0,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        redactor: Redactor | None = None,
    ) -> None:
        self.root_url = root_url.rstrip("/")
        self.host = urlsplit(self.root_url).hostname or ""
        self._api_key = api_key
        self.timeout = timeout
        self.max_body_bytes = max_body_bytes
        self.redact = redactor or Redactor([api_key or ""], [self.host])
        self._client = httpx.AsyncClient(
            base_url=self.root_url,
            follow_redirects=False,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            headers={"User-Agent": USER_AGENT},
            trust_env=False,
        )

    @property
    def has_key(self) -> bool:
        """True when requests carry an API key."""
        return bool(self._api_key)

    async def aclose(self) -> None:
        """Close every pooled connection."""
        await self._client.aclose()

    async def __aenter__(self) -> ProbeClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def session(self) -> Session:
        """A recorder for one probe: every exchange it makes becomes evidence."""
        return Session(self)

    async def send(
        self,
        exchange: Exchange,
        *,
        method: str,
        headers: Mapping[str, str],
        content: Mapping[str, Any],
        api_key: str | bool | None,
        timeout: float,
    ) -> None:
        """Fill ``exchange`` in place, so that a probe cut off mid-request still leaves evidence."""
        wire_headers = dict(headers)
        key = self._api_key if api_key is True else (api_key or None)
        if key:
            wire_headers["Authorization"] = f"Bearer {key}"
        buffer = bytearray()
        started = time.perf_counter()
        try:
            async with asyncio.timeout(timeout):
                request = self._client.build_request(method, exchange.path, headers=wire_headers, **content)
                try:
                    response = await self._client.send(request, stream=True)
                except httpx.RemoteProtocolError:
                    # A kept-alive connection the server had already closed (llama-server does this
                    # after some streams): nothing of this request reached it, so send it once more on
                    # a fresh connection, as the OpenAI SDK does. A second failure is graded.
                    response = await self._client.send(request, stream=True)
                try:
                    exchange.status = response.status_code
                    exchange.headers = response.headers
                    if response.status_code != 101:
                        async for chunk in response.aiter_bytes():
                            room = exchange.read_limit - len(buffer)
                            if len(chunk) > room:
                                buffer += chunk[:room]
                                exchange.truncated = True
                                break
                            buffer += chunk
                finally:
                    await response.aclose()
        except TimeoutError:
            exchange.error = f"no complete answer within {timeout:g} s" + _arrived(exchange, buffer)
        except httpx.HTTPError as exc:
            exchange.error = describe_transport_error(exc)
            exchange.connect_failed = connect_level(exc)
        except asyncio.CancelledError:
            exchange.error = "cut off before the answer was complete" + _arrived(exchange, buffer)
            raise
        finally:
            exchange.body = bytes(buffer)
            exchange.elapsed_ms = int((time.perf_counter() - started) * 1000)

    async def upgrade(self, exchange: Exchange, *, api_key: str | bool | None, timeout: float) -> None:
        """Try a WebSocket handshake at ``exchange.path`` and record the answer; the socket is closed.

        The ``websockets`` library does the handshake (its key check included); the key travels in
        the ``Authorization`` header only, and proxies from the environment are ignored as for HTTP.
        """
        from websockets.asyncio.client import connect
        from websockets.exceptions import InvalidHandshake, InvalidStatus

        class NoRedirects(connect):
            """The library follows redirects; a probe records them instead, like every request."""

            def process_redirect(self, exc: Exception) -> Exception:
                return exc

        headers = {}
        key = self._api_key if api_key is True else (api_key or None)
        if key:
            headers["Authorization"] = f"Bearer {key}"
        url = websocket_url(self.root_url) + exchange.path
        started = time.perf_counter()
        try:
            async with asyncio.timeout(timeout):
                async with NoRedirects(
                    url,
                    additional_headers=headers,
                    user_agent_header=USER_AGENT,
                    proxy=None,
                    compression=None,
                    open_timeout=None,
                    close_timeout=1,
                    max_size=2**16,
                ) as socket:
                    exchange.status = socket.response.status_code
                    exchange.headers = httpx.Headers(list(socket.response.headers.raw_items()))
        except InvalidStatus as exc:
            exchange.status = exc.response.status_code
            exchange.headers = httpx.Headers(list(exc.response.headers.raw_items()))
            body = bytes(exc.response.body or b"")
            exchange.body, exchange.truncated = body[: exchange.read_limit], len(body) > exchange.read_limit
        except InvalidHandshake as exc:
            exchange.error = f"the WebSocket handshake failed: {one_line(str(exc), 160)}"
        except TimeoutError:
            exchange.error = f"no complete answer within {timeout:g} s" + _arrived(exchange, bytearray())
        except OSError as exc:
            exchange.error = describe_transport_error(exc)
            exchange.connect_failed = exchange.status is None
        except asyncio.CancelledError:
            exchange.error = "cut off before the handshake was complete"
            raise
        except Exception as exc:  # the library's other protocol errors: evidence, not a crash
            detail = one_line(str(exc) or type(exc).__name__, 160)
            exchange.error = f"the WebSocket handshake failed: {detail}"
        finally:
            exchange.elapsed_ms = int((time.perf_counter() - started) * 1000)


def websocket_url(root_url: str) -> str:
    """The ws(s):// form of an http(s):// root URL."""
    scheme, _, rest = root_url.partition("://")
    return ("wss" if scheme == "https" else "ws") + "://" + rest


def _arrived(exchange: Exchange, buffer: bytearray) -> str:
    """How far an unfinished answer got, for the evidence of a timeout."""
    if exchange.status is None:
        return " (no response had started)"
    return f" (status {exchange.status}; {len(buffer)} bytes of the body had arrived)"


@dataclass
class Session:
    """One probe's view of the client: it sends requests and keeps every exchange, in order."""

    client: ProbeClient
    exchanges: list[Exchange] = field(default_factory=list)

    async def request(
        self,
        method: str,
        path: str,
        *,
        label: str = "",
        json_body: Any = None,
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
        data: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        api_key: str | bool | None = True,
        timeout: float | None = None,
        read_limit: int | None = None,
        shown_body: str | None = None,
    ) -> Exchange:
        """Send one request and return its exchange; never raises for HTTP or transport trouble.

        ``api_key=True`` sends the configured key, ``None``/``False`` sends none, a string sends
        that string instead (the auth probe's wrong key). ``shown_body`` replaces the request body
        in evidence (multipart uploads are described, not dumped).
        """
        sent_headers = {k.lower(): v for k, v in (headers or {}).items()}
        content: dict[str, Any] = {}
        body_text = shown_body
        if json_body is not None:
            raw = json.dumps(json_body, ensure_ascii=False)
            content["content"] = raw.encode("utf-8")
            sent_headers.setdefault("content-type", "application/json")
            body_text = body_text or raw
        elif files is not None:
            content["files"] = dict(files)
            content["data"] = dict(data or {})
            body_text = body_text or describe_multipart(files, data or {})
        shown_headers = {k: v for k, v in sent_headers.items() if k in KEPT_REQUEST_HEADERS}
        exchange = Exchange(
            label=label,
            method="WS" if sent_headers.get("upgrade", "").lower() == "websocket" else method,
            path=path,
            request_headers=shown_headers,
            request_body=body_text,
            redact=self.client.redact,
            own_host=self.client.host,
            read_limit=read_limit or self.client.max_body_bytes,
            usual_key=api_key is True,
        )
        self.exchanges.append(exchange)
        await self.client.send(
            exchange,
            method=method,
            headers=sent_headers,
            content=content,
            api_key=api_key,
            timeout=timeout or self.client.timeout,
        )
        return exchange

    async def websocket(
        self, path: str, *, label: str = "", api_key: str | bool | None = True, timeout: float | None = None
    ) -> Exchange:
        """A WebSocket upgrade of ``path``: 101 when accepted, else the status the server answered."""
        exchange = Exchange(
            label=label,
            method="WS",
            path=path,
            request_headers={"connection": "Upgrade", "upgrade": "websocket", "sec-websocket-version": "13"},
            request_body=None,
            redact=self.client.redact,
            own_host=self.client.host,
            read_limit=min(self.client.max_body_bytes, 65_536),
            usual_key=api_key is True,
        )
        self.exchanges.append(exchange)
        await self.client.upgrade(exchange, api_key=api_key, timeout=timeout or self.client.timeout)
        return exchange

    async def get(self, path: str, **kwargs: Any) -> Exchange:
        """A GET request."""
        return await self.request("GET", path, **kwargs)

    async def post(self, path: str, body: Any, **kwargs: Any) -> Exchange:
        """A POST request with a JSON body."""
        return await self.request("POST", path, json_body=body, **kwargs)


def describe_multipart(files: Mapping[str, tuple[str, bytes, str]], data: Mapping[str, str]) -> str:
    """A readable stand-in for a multipart body: field names, values and file sizes."""
    parts = [f"{name}={value}" for name, value in data.items()]
    parts += [f"{name}=@{fname} ({len(blob)} bytes {ctype})" for name, (fname, blob, ctype) in files.items()]
    return "multipart/form-data: " + ", ".join(parts)
