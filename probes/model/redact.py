"""Keep secrets and private names out of published reports: API keys, credentials, private hosts.

Reports are published, so the base URL a user probed is stored redacted: no user name, password,
query or fragment, and a host name that could identify a private network or a person becomes a
placeholder. The rule for hosts:

- loopback (``localhost``, ``127.0.0.0/8``, ``::1``) stays as it is: it names no one;
- a public DNS name (several labels, a top-level domain that is not reserved for private use)
  stays as it is: it is the address of a published service;
- anything else — an IP address (private or public), a single-label name, a name under a
  private-use suffix such as ``.local``, ``.lan``, ``.internal`` or ``.home.arpa`` — becomes
  :data:`PRIVATE_HOST` (``private.invalid``; ``.invalid`` is reserved and can never resolve).

Whether a name is really published in public DNS cannot be known without asking DNS; the rule
above is the conservative guess that does not need the network.

A key is replaced on the whole text before anything is shortened (a cut through a key would keep
its start), and a key's start where a text was cut (a body at the size cap, a line ending in
``…``) is replaced too. Text from a server is also made inert for a terminal or an XML file here
(:func:`printable`): control characters and escape sequences are dropped.
"""

from __future__ import annotations

import ipaddress
import json
import re
from urllib.parse import quote, urlsplit, urlunsplit

REDACTED = "[redacted]"
"""What a secret is replaced with wherever captured text would have shown it."""

PRIVATE_HOST = "private.invalid"
"""The placeholder for a host name that must not be published."""

CUT_PREFIX = 4
"""The shortest start of a key that is still replaced where a text was cut right after it."""

WIRE_SECRET = 8
"""Keys at least this long are replaced in a server's answer as soon as it arrives, before any probe
reads it. A shorter "key" is a placeholder (``x``, ``none``, ``EMPTY``) that also occurs in honest
answers; replacing it there would change the grades, so it is replaced only in what is shown."""

_CUT_MARK = re.compile(r"\s*\[?…")
"""Where a text was shortened: the ellipsis :func:`probes.prober.http.one_line` and the excerpts end with."""

_ESCAPE_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"  # CSI: colours, cursor moves, screen clears
    r"|(?:\x1b[\]P^_X]|[\x90\x98\x9d-\x9f])[^\x07\x1b\x9c\n]*(?:\x07|\x1b\\|\x9c)?"  # OSC, DCS: titles, links
    r"|\x1b[ -/]*[0-~]"  # the other escapes
)
_CONTROL = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]"
)
"""Control characters but tab and newline, bidirectional overrides, lone surrogates (which no file
or terminal can encode) and the two non-characters XML refuses."""


def printable(text: str, *, lines: bool = False) -> str:
    """Server text that a terminal, an XML file or a UTF-8 file takes as plain characters.

    Escape sequences (colours, cursor moves, window titles, hyperlinks) go whole, other control
    characters one by one, so that a server cannot rewrite the screen or break a JUnit file. Tabs
    become spaces (a tab is a control character, and no output needs one). With ``lines`` newlines
    stay (an evidence excerpt); otherwise they become spaces too.
    """
    text = text.replace("\r\n", "\n") if lines else text.replace("\r", "\n")
    text = _CONTROL.sub("", _ESCAPE_SEQUENCE.sub("", text.replace("\t", " ")))
    return text if lines else text.replace("\n", " ")


_PRIVATE_SUFFIXES = (
    ".local",
    ".lan",
    ".home",
    ".internal",
    ".intranet",
    ".corp",
    ".private",
    ".localdomain",
    ".home.arpa",
    ".test",
    ".example",
    ".invalid",
    ".localhost",
    ".onion",
)
_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


def is_loopback(host: str) -> bool:
    """True for names and addresses that only ever reach the machine itself."""
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_public_name(host: str) -> bool:
    """True for a DNS name that looks published: several valid labels, no private-use suffix."""
    host = host.lower().rstrip(".")
    try:
        ipaddress.ip_address(host.strip("[]"))
        return False
    except ValueError:
        pass
    labels = host.split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        return False
    if labels[-1].isdigit():
        return False
    return not any(("." + host).endswith(suffix) for suffix in _PRIVATE_SUFFIXES)


def publishable_host(host: str) -> str:
    """The host as a report may show it: itself if loopback or public, else the placeholder."""
    if is_loopback(host) or is_public_name(host):
        return host
    return PRIVATE_HOST


def redact_base_url(url: str) -> str:
    """The base URL without credentials, query or fragment, and with a private host replaced."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    shown = publishable_host(host)
    if ":" in shown:
        shown = f"[{shown}]"
    netloc = shown
    if parts.port is not None and shown != PRIVATE_HOST:
        netloc = f"{shown}:{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))


class Redactor:
    """Replaces secrets and private host names in any text before it is recorded or printed.

    Each secret is also looked for URL-quoted and JSON-escaped, the forms a server may echo it in.
    """

    def __init__(self, secrets: list[str] | tuple[str, ...] = (), hosts: list[str] | tuple[str, ...] = ()):
        self._keys = sorted({secret for secret in secrets if secret}, key=len, reverse=True)
        forms = {key: _forms(key) for key in self._keys}
        self._secrets = sorted(set().union(*forms.values()), key=len, reverse=True)
        wire = {form for key in self._keys if len(key) >= WIRE_SECRET for form in forms[key]}
        self._wire_text = sorted(wire, key=len, reverse=True)
        self._wire = [_utf8(form) for form in self._wire_text]
        self._wire_keys = [_utf8(key) for key in self._keys if len(key) >= WIRE_SECRET]
        self._ends: dict[str, list[tuple[str, int]]] = {}
        """Each run of CUT_PREFIX characters of a key: the keys and the lengths of their starts ending so."""
        for key in self._keys:
            for size in range(CUT_PREFIX, len(key)):
                self._ends.setdefault(key[size - CUT_PREFIX : size], []).append((key, size))
        self._hosts = sorted({h for h in hosts if h and publishable_host(h) != h}, key=len, reverse=True)

    def __call__(self, text: str, *, cut: bool = False) -> str:
        """The text with secrets and private hosts replaced; ``cut``: the text was shortened at its end."""
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        if self._ends and (cut or "…" in text):
            text = self._cut_starts(text, cut)
        for host in self._hosts:
            text = re.sub(re.escape(host), PRIVATE_HOST, text, flags=re.IGNORECASE)
        return text

    def _cut_starts(self, text: str, cut: bool) -> str:
        """Replace the start of a key that ends where the text was cut (an ellipsis, or the end)."""
        ends = [mark.start() for mark in _CUT_MARK.finditer(text)] + ([len(text)] if cut else [])
        pieces, done = [], 0
        for end in ends:
            size = self._start_before(text, end)
            if size and end - size >= done:
                pieces += [text[done : end - size], REDACTED]
                done = end
        return "".join([*pieces, text[done:]])

    def _start_before(self, text: str, end: int) -> int:
        """The length of the longest start of a key (CUT_PREFIX or more) that ``text[:end]`` ends with."""
        candidates = self._ends.get(text[max(0, end - CUT_PREFIX) : end], ())
        return max((size for key, size in candidates if text.startswith(key[:size], end - size)), default=0)

    def arrived(self, data: bytes, *, cut: bool = False) -> bytes:
        """A server's answer as probes may read it: every key of WIRE_SECRET characters or more
        replaced, and with ``cut`` (reading stopped early) a start of one at the very end too."""
        for secret in self._wire:
            data = data.replace(secret, REDACTED.encode())
        if cut:
            for key in self._wire_keys:
                size = next((n for n in range(len(key) - 1, CUT_PREFIX - 1, -1) if data.endswith(key[:n])), 0)
                if size:
                    data = data[:-size] + REDACTED.encode()
                    break
        return data

    def arrived_text(self, text: str) -> str:
        """A header value or an error text from a server, with the keys :meth:`arrived` replaces replaced."""
        for secret in self._wire_text:
            text = text.replace(secret, REDACTED)
        return text

    def url(self, value: str, own_host: str) -> str:
        """A URL from a header (``Location``): other hosts are never shown, only the path."""
        parts = urlsplit(value)
        if not parts.scheme or not parts.hostname:
            return self(value)
        if parts.hostname.lower() != own_host.lower():
            return urlunsplit((parts.scheme, "other-host.invalid", parts.path, "", ""))
        host = publishable_host(parts.hostname)
        netloc = f"{host}:{parts.port}" if parts.port and host != PRIVATE_HOST else host
        return self(urlunsplit((parts.scheme, netloc, parts.path, "", "")))


def _forms(secret: str) -> set[str]:
    """A secret as a server may echo it: as it is, URL-quoted, or inside a JSON string."""
    return {
        secret,
        quote(secret, safe=""),
        quote(secret),
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
    }


def _utf8(text: str) -> bytes:
    """The bytes a key travels as; an environment's undecodable bytes come back as they were."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace")
