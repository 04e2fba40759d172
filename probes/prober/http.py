"""The one HTTP client every probe uses: bounded, never following redirects, keeping evidence.

Each request is an :class:`Exchange`: what was sent, what came back (status, headers, a capped
body) or the transport error, and how long it took. Bodies are streamed and reading stops at a
limit, so a huge or endless answer cannot exhaust memory; a whole request has a wall-clock limit,
so a server that drips bytes cannot stall a probe. Redirects are recorded, never followed, so the
API key is never sent to another host. The key travels only in the ``Authorization`` header,
which is never recorded, and any echo of it is replaced as the answer arrives (body, headers,
error texts), before any probe reads it, so that no message, cut or not, can hold it: a body cut
at the size cap loses even a key's start at its end. Text from a server that becomes a one-line
field goes through :func:`inert_line`, so that no answer can make the report invalid.
"""

from __future__ import annotations

import asyncio
import json
import re
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, cast
from urllib.parse import urlsplit

import httpx
from pydantic import BaseModel, TypeAdapter, ValidationError

from probes import __version__
from probes.model.redact import Redactor, printable
from probes.model.report import Evidence, EvidenceRequest

if TYPE_CHECKING:
    from typing_extensions import TypeForm
    from websockets.http11 import Response as WebSocketResponse

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

FIRST_EVENT_SECONDS = 3.0
"""How long an accepted WebSocket is watched for the server's first message (OpenAI's server sends
``session.created`` at once, unasked): long enough for a gateway to reach its backend, short enough
that a silent socket costs the run little."""

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
    timed_out: bool = False
    """The request's time limit ran out before the answer was complete."""
    read_limit: int = DEFAULT_MAX_BODY_BYTES
    usual_key: bool = True
    """False when the probe chose what to send instead of the run's key (none, or a wrong one)."""
    first_message: str | bytes | None = None
    """A WebSocket session's first message from the server (None: none came before a close or the wait)."""
    close_code: int | None = None
    """The code the server closed a WebSocket with before any message (1006: dropped without a close)."""
    close_reason: str = ""

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
        """This exchange as report evidence: trimmed, with secrets and private hosts replaced.

        Never raises: a part of the server's answer that the report's rules refuse (a field the
        model does not accept) is replaced by :data:`NOT_KEPT`, so that evidence is always kept.
        """
        data = self._evidence_data()
        for _ in range(8):
            try:
                return Evidence.model_validate(data)
            except ValidationError as exc:
                for problem in exc.errors(include_url=False):
                    _not_kept(data, problem["loc"])
        return Evidence(label="", request=EvidenceRequest(method=self.method, path="/"), error=NOT_KEPT)

    def _evidence_data(self) -> dict[str, Any]:
        request = {
            "method": self.method,
            "path": self.redact(self.path)[:2000],
            "headers": {k: self.redact(v) for k, v in self.request_headers.items()},
            "body": self.redact(self.request_body)[:REQUEST_BODY_CHARS] if self.request_body else None,
        }
        response, error = None, self.error
        if self.status is not None and not 100 <= self.status <= 599:  # a report keeps HTTP's statuses only
            undefined = f"answered with status {self.status}, which HTTP does not define"
            error = f"{undefined}; {error}" if error else undefined
        elif self.status is not None:
            headers = {}
            for name in KEPT_RESPONSE_HEADERS:
                if name in self.headers:
                    value = self.headers[name]
                    value = (
                        self.redact.url(value, self.own_host) if name == "location" else self.redact(value)
                    )
                    headers[name] = value[:300]
            body, trimmed = self._body_excerpt()
            response = {
                "status": self.status,
                "headers": headers,
                "body": body,
                "truncated": trimmed or self.truncated,
                "elapsed_ms": self.elapsed_ms,
            }
        if response is None and not error:
            error = "no answer was recorded: the request failed before it was sent"
        if error:  # server words (a protocol error quotes them): redacted whole, then made inert
            error = inert_line(self.redact(error), 300)[0] or NOT_KEPT
        label = inert_line(self.redact(self.label), 120)[0]
        return {"label": label, "request": request, "response": response, "error": error}

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
        text = self.redact(text, cut=self.truncated or self.error is not None)
        suffix = f"\n[… stopped reading after {self.read_limit} bytes …]" if self.truncated else ""
        if len(text) <= EVIDENCE_HEAD_CHARS + EVIDENCE_TAIL_CHARS:
            return text + suffix, False
        omitted = len(text) - EVIDENCE_HEAD_CHARS - EVIDENCE_TAIL_CHARS
        head, tail = text[:EVIDENCE_HEAD_CHARS], text[-EVIDENCE_TAIL_CHARS:]
        return f"{head}\n[… {omitted} characters omitted …]\n{tail}{suffix}", True


def _not_kept(data: dict[str, Any], where: tuple[int | str, ...]) -> None:
    """Replace the part of evidence data at ``where`` (a validation error's location) by NOT_KEPT."""
    if not where:  # the whole record was refused (no response and no error): say so as the error
        data["error"] = NOT_KEPT
        return
    *path, last = where
    parent: Any = data
    for step in path:
        if not isinstance(parent, dict) or step not in parent:
            data["error"] = NOT_KEPT
            return
        parent = parent[step]
    if not isinstance(parent, dict) or last not in parent:
        return
    value = parent[last]
    if last == "path":
        parent[last] = "/" + NOT_KEPT  # a request path starts with /
    elif isinstance(value, dict):
        parent[last] = {}
    else:
        parent[last] = NOT_KEPT if isinstance(value, str) else None


def one_line(text: str, limit: int) -> str:
    """Collapse whitespace, drop control characters and shorten, so that a server's words fit a
    one-line field (and a terminal line)."""
    flat = " ".join(printable(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


MARKUP = re.compile(r"[<>`\[\]]|(?i:javascript|vbscript|data)\s*:")
"""What makes a one-line field refused (raw HTML, script links) or misread (a code span left open)."""

_CODE_SPAN = re.compile(r"`[^`]*`")
"""Where a message holds a server's words (:func:`probes.prober.endpoints.grading.quote` backticks them)."""

NEUTRALISED = "(server text neutralised: markup characters replaced)"
"""What a message says when text from the server had to lose its markup to be kept."""

DROPPED = "(server text neutralised: the server's words were not kept)"
"""What a message says when the server's words in it could not be kept at all."""

NOT_KEPT = "[not kept: the report refuses this text from the server]"
"""What stands in a field when nothing of the server's text in it can be kept."""


def field_check(model: type[BaseModel], name: str) -> Callable[[Any], Any]:
    """The validation a report model gives one field, as a function: whatever rules the report holds
    the field to (today's and tomorrow's), a value that passes it can be written. Raises ValueError."""
    info = model.model_fields[name]
    if info.annotation is None:  # TypeAdapter(None) would accept only null: never check against that
        raise TypeError(f"{model.__name__}.{name} has no type annotation to check values against")
    # an Annotated built at run time from the field's metadata: pydantic reads it, mypy cannot
    kind = (
        cast("TypeForm[Any]", Annotated[(info.annotation, *info.metadata)])
        if info.metadata
        else info.annotation
    )
    return TypeAdapter(kind).validate_python


_ONE_LINE = field_check(Evidence, "label")
"""The rules of a report's one-line fields (messages, labels, model ids); lengths are the caller's."""


def _closed(text: str, limit: int) -> str:
    """One line of at most ``limit`` characters whose code spans are all closed."""
    line = one_line(text, limit)
    if line.count("`") % 2:
        line = line[: line.rfind("`")].rstrip() + " …"
    return line


def inert_line(
    text: str, limit: int, *, flag: bool = False, check: Callable[[str], str] = _ONE_LINE
) -> tuple[str, bool]:
    """Text (from a server, most often) as a one-line report field always accepts, and whether it
    had to be neutralised for that. Redact before calling: this cuts.

    The text is shortened with its code spans closed; when the field's rules (``check``) still
    refuse it (raw HTML, a script link), the characters that make markup become spaces; when even
    that is refused (a private host, say), the server's words (the code spans) are dropped; and as a
    last resort the field says that nothing was kept. With ``flag`` a neutralised line says so at
    its end and stays within ``limit``.
    """
    try:
        return check(_closed(text, limit)), False
    except ValueError:
        pass
    for note, neutralise in ((NEUTRALISED, lambda t: t), (DROPPED, lambda t: _CODE_SPAN.sub("…", t))):
        room = max(1, limit - len(note) - 1) if flag else limit
        line = one_line(MARKUP.sub(" ", neutralise(_closed(text, limit))), room)
        try:
            return check(f"{line} {note}".strip() if flag else line), True
        except ValueError:
            continue
    return (DROPPED if flag else NOT_KEPT)[:limit], True


@dataclass
class ServerFields:
    """Report fields a server's words fill (the model ids it lists, the version it states), made
    inert and redacted, remembering which ones lost their markup so that the report can say so."""

    redact: Redactor
    neutralised: dict[str, list[str]] = field(default_factory=dict)
    """What was done ("markup characters replaced", "control characters dropped"): in which fields."""

    def __call__(self, text: str, limit: int, what: str) -> str:
        """``text`` redacted, then fit for a one-line field of ``limit`` characters."""
        text = self.redact(text)
        line, changed = inert_line(text, limit)
        done = ["markup characters replaced"] if changed else []
        done += (
            ["control characters dropped"]
            if printable(text, lines=True) != text.replace("\r\n", "\n")
            else []
        )
        for how in done:
            if what not in self.neutralised.setdefault(how, []):
                self.neutralised[how].append(what)
        return line

    def note(self, note: str) -> str:
        """The report's note, with the fields whose server text was neutralised named."""
        if not self.neutralised:
            return note
        done = "; ".join(f"{how} in {' and '.join(fields)}" for how, fields in self.neutralised.items())
        said = f"(server text neutralised: {done})"
        return f"{note} {said}" if note else said


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


def describe_transport_error(exc: BaseException, redact: Redactor | None = None) -> str:
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
    detail = one_line((redact or Redactor())(_specific(exc)), 160)
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
                    exchange.headers = self._arrived_headers(response.headers.multi_items())
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
            exchange.timed_out = True
            exchange.error = f"no complete answer within {timeout:g} s" + _arrived(exchange, buffer)
        except httpx.HTTPError as exc:
            exchange.error = describe_transport_error(exc, self.redact)
            exchange.connect_failed = connect_level(exc)
        except asyncio.CancelledError:
            exchange.error = "cut off before the answer was complete" + _arrived(exchange, buffer)
            raise
        finally:
            exchange.body = self.redact.arrived(
                bytes(buffer), cut=exchange.truncated or exchange.error is not None
            )
            exchange.elapsed_ms = int((time.perf_counter() - started) * 1000)

    async def upgrade(
        self, exchange: Exchange, *, api_key: str | bool | None, timeout: float, first_event: float = 0
    ) -> None:
        """Try a WebSocket handshake at ``exchange.path`` and record the answer; the socket is closed.

        The ``websockets`` library does the handshake (its key check included); the key travels in
        the ``Authorization`` header only, and proxies from the environment are ignored as for HTTP.
        With ``first_event`` seconds, an accepted socket is watched that long for what the session
        does first (a message, or a close), since a gateway may accept the upgrade and then close
        at once because its backend has no realtime: that becomes the evidence's body.
        """
        from websockets.asyncio.client import connect
        from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

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
                    # the library sets the response before the session opens (a failed handshake
                    # raises instead), but types it for the time before the handshake too
                    response = cast("WebSocketResponse", socket.response)
                    exchange.status = response.status_code
                    exchange.headers = httpx.Headers(list(response.headers.raw_items()))
                    if first_event > 0:
                        await _first_message(socket, exchange, first_event)
        except ConnectionClosed as exc:  # our side closed it (a message too big): not the server's close
            exchange.error = f"the WebSocket session broke: {one_line(self.redact(str(exc)), 160)}"
        except InvalidStatus as exc:
            exchange.status = exc.response.status_code
            exchange.headers = httpx.Headers(list(exc.response.headers.raw_items()))
            body = bytes(exc.response.body or b"")
            exchange.body, exchange.truncated = body[: exchange.read_limit], len(body) > exchange.read_limit
        except InvalidHandshake as exc:
            exchange.error = f"the WebSocket handshake failed: {one_line(self.redact(str(exc)), 160)}"
        except TimeoutError:
            exchange.timed_out = True
            exchange.error = f"no complete answer within {timeout:g} s" + _arrived(exchange, bytearray())
        except OSError as exc:
            exchange.error = describe_transport_error(exc, self.redact)
            exchange.connect_failed = exchange.status is None
        except asyncio.CancelledError:
            exchange.error = "cut off before the handshake was complete"
            raise
        except Exception as exc:  # the library's other protocol errors: evidence, not a crash
            detail = one_line(self.redact(str(exc)) or type(exc).__name__, 160)
            exchange.error = f"the WebSocket handshake failed: {detail}"
        finally:
            exchange.elapsed_ms = int((time.perf_counter() - started) * 1000)
            self._arrived(exchange)

    def _arrived(self, exchange: Exchange) -> None:
        """Replace the key in all a WebSocket answer brought before a probe reads it (see ``send``)."""
        exchange.headers = self._arrived_headers(exchange.headers.multi_items())
        exchange.body = self.redact.arrived(exchange.body, cut=exchange.truncated)
        if isinstance(exchange.first_message, str):
            exchange.first_message = self.redact.arrived_text(exchange.first_message)
        elif isinstance(exchange.first_message, bytes):
            exchange.first_message = self.redact.arrived(exchange.first_message)
        exchange.close_reason = self.redact.arrived_text(exchange.close_reason)

    def _arrived_headers(self, items: list[tuple[str, str]]) -> httpx.Headers:
        """Response headers with the key replaced in every value (a ``WWW-Authenticate`` echo)."""
        return httpx.Headers(
            [(name, self.redact.arrived_text(value)) for name, value in items], encoding="utf-8"
        )


async def _first_message(socket: Any, exchange: Exchange, wait: float) -> None:
    """Record the first thing an accepted session does within ``wait`` s: a message, a close, or nothing."""
    from websockets.exceptions import ConnectionClosed

    try:
        async with asyncio.timeout(wait):
            message = await socket.recv()
    except TimeoutError:
        exchange.body = f"[the socket stayed open and no message came within {wait:g} s]".encode()
        return
    except ConnectionClosed as exc:
        if exc.rcvd is None and exc.sent is not None:
            raise
        exchange.close_code = exc.rcvd.code if exc.rcvd else 1006
        exchange.close_reason = exc.rcvd.reason if exc.rcvd else ""
        how = f"with {exc.rcvd}" if exc.rcvd else "without a close frame (1006)"
        exchange.body = f"[the server closed the socket before any message, {how}]".encode()
        return
    exchange.first_message = message
    data = message.encode() if isinstance(message, str) else bytes(message)
    exchange.body, exchange.truncated = data[: exchange.read_limit], len(data) > exchange.read_limit


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
            try:
                content["content"] = raw.encode("utf-8")
            except UnicodeEncodeError:  # a lone surrogate (a server's model id): sent escaped, as it came
                raw = json.dumps(json_body)
                content["content"] = raw.encode("ascii")
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
        self,
        path: str,
        *,
        label: str = "",
        api_key: str | bool | None = True,
        timeout: float | None = None,
        first_event: float = FIRST_EVENT_SECONDS,
    ) -> Exchange:
        """A WebSocket upgrade of ``path``: 101 when accepted, else the status the server answered.

        An accepted socket is watched for ``first_event`` seconds (see :meth:`ProbeClient.upgrade`);
        every upgrade does so by default, so the negative control's answer is the same kind of
        evidence as the probe's and the two compare like with like.
        """
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
        await self.client.upgrade(
            exchange, api_key=api_key, timeout=timeout or self.client.timeout, first_event=first_event
        )
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
