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
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import quote, urlsplit, urlunsplit

REDACTED = "[redacted]"
"""What a secret is replaced with wherever captured text would have shown it."""

PRIVATE_HOST = "private.invalid"
"""The placeholder for a host name that must not be published."""

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
    """Replaces secrets and private host names in any text before it is recorded or printed."""

    def __init__(self, secrets: list[str] | tuple[str, ...] = (), hosts: list[str] | tuple[str, ...] = ()):
        found: set[str] = set()
        for secret in secrets:
            if secret:
                found.update({secret, quote(secret, safe=""), quote(secret)})
        self._secrets = sorted(found, key=len, reverse=True)
        self._hosts = sorted({h for h in hosts if h and publishable_host(h) != h}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        for host in self._hosts:
            text = re.sub(re.escape(host), PRIVATE_HOST, text, flags=re.IGNORECASE)
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
