"""Probe reports: one JSON file per run, probed by ``aioc probe`` or entered by hand from a source.

Reports are immutable records. The matrix is computed from them (see :mod:`probes.matrix.merge`); a
correction is a new report, never an edit of an old one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import re
from enum import StrEnum
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, AwareDatetime, Field, field_validator, model_validator

from probes.model.base import DataModel, HttpUrl, Identifier
from probes.model.redact import (
    PRIVATE_HOST,
    REDACTED,
    is_loopback,
    is_public_name,
    publishable_host,
    redact_base_url,
)
from probes.model.status import Status
from probes.model.text import OneLine, Prose

SCHEMA_REF = "../../../docs/schema/report.schema.json"
"""The ``$schema`` every report under ``data/reports/<implementation>/`` names, relative to itself,
so that editors validate while typing. The same file is published on the site under ``schema/``."""


EARLIEST = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
"""No report can be older than this: the API the catalog grades did not exist before it, so an
earlier date is a typo (a wrong year) or a clock that was never set."""

# What a published report must never show. Reports are public, and a report is written by the
# prober from what a server said or by a person from their notes: either may carry the path of
# someone's home folder, a key in a header or a query string, or the name of a machine on a private
# network. These rules refuse such text wherever it appears, so that it fails `aioc validate` and
# the prober (which builds the same models) can never write it.

_CREDENTIAL_NAMES = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "x-api-key",
        "api-key",
        "x-goog-api-key",
        "ocp-apim-subscription-key",
    }
)
_CREDENTIAL_WORD = re.compile(r"key|token|secret|auth|cookie|passw(?:or)?d")
_HARMLESS_WORD = re.compile(r"tokens|authenticate|author(?!i)|keyword")
"""Words that hold a credential word but name none: token counts (``x-ratelimit-remaining-tokens``,
``max_tokens``), the challenge a server sends (``WWW-Authenticate``), a commit author, a search word."""


def is_credential_name(name: str) -> bool:
    """True for a header or query parameter name that may carry a secret, whatever its case or spaces."""
    name = name.strip().lower()
    return name in _CREDENTIAL_NAMES or bool(_CREDENTIAL_WORD.search(_HARMLESS_WORD.sub(" ", name)))


_WEB_URL = re.compile(r"\b(?:https?|wss?)://[^\s\"'<>`(){}|\\^]*", re.IGNORECASE)
_QUERY_PARAM = re.compile(r"[?&]([^=&#?\s\"'<>`]{1,100})=([^&#\s\"'<>`]*)")
_PLACEHOLDER = re.compile(
    r"^(?:\[redacted\]|%5bredacted%5d|\.\.\.|…|\*+|\{[^}]*\}|<[^>]*>|%3c.*%3e|\$\{?\w+\}?)$", re.IGNORECASE
)
"""Query values that stand for a secret instead of being one: the prober's ``[redacted]``, ``...``,
``{key}``, ``<key>``, ``$KEY``."""

_LOCAL_PATH = re.compile(
    r"""(?<![\w.~%-])(?:
          (?P<home>(?:/mnt/[a-z])?/(?:home|Users)/[^/\s"'`<>]+|[A-Za-z]:[\\/]+(?i:users)[\\/]+[^\\/\s"'`<>]+)
        | (?P<root>/root(?![\w.-]))
        | (?P<tmp>(?:/private)?/(?:var/)?tmp(?![\w.-])|(?:/private)?/var/folders/)
        | (?P<tilde>~[\\/])
    )
    | (?P<cache>[\\/]\.cache[\\/]|(?i:appdata)[\\/]|Library[\\/]Caches)
    """,
    re.VERBOSE,
)
_PATH_KINDS = {
    "home": "a home folder",
    "root": "the root user's home folder",
    "tmp": "a temporary folder",
    "tilde": "a path in a home folder",
    "cache": "a cache folder",
}


def _host_allowed(host: str) -> bool:
    """The host rule of :func:`probes.model.redact.publishable_host`, plus the names that name no one."""
    host = host.strip("[]").rstrip(".").lower()
    if not host or is_loopback(host) or host == PRIVATE_HOST or host.endswith(".invalid"):
        return True  # .invalid can never resolve: private.invalid and other-host.invalid are redactions
    if any(mark in host for mark in "{}$*"):
        return True  # a placeholder in a URL template, e.g. http://{host}:8080/v1
    with contextlib.suppress(ValueError):
        return ipaddress.ip_address(host).is_unspecified  # 0.0.0.0 is where a server listens, not who
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            return False
    return is_public_name(host)


def _check_url(url: str) -> None:
    """Refuse a URL that names a private host or carries a user name or password."""
    authority = re.split(r"[/?#]", url.split("://", 1)[1], maxsplit=1)[0]
    userinfo, _, hostport = authority.rpartition("@")
    if userinfo:
        raise ValueError(
            "holds a URL with a user name or password — reports are published: remove the part before @"
        )
    host = hostport[1:].split("]", 1)[0] if hostport.startswith("[") else hostport.split(":", 1)[0]
    if not _host_allowed(host):
        raise ValueError(
            "links to a private host (an IP address, a single-label name or a private-use suffix such as"
            f" .lan or .internal) — reports are published: write {PRIVATE_HOST} instead, as aioc probe does"
        )


def check_public(value: str) -> str:
    """Refuse machine-local paths, secrets in query strings and private hosts in any report text."""
    if "/" not in value and "\\" not in value and "=" not in value:
        return value  # every rule needs one of these; most fields have none (fast at scale)
    text = value.replace("\\/", "/")  # JSON bodies may escape slashes
    if "://" in text:
        for url in _WEB_URL.findall(text):
            _check_url(url)
        outside = _WEB_URL.sub(" ", text)  # a URL's path is the server's, not this machine's
    else:
        outside = text
    if found := _LOCAL_PATH.search(outside):
        kind = _PATH_KINDS.get(found.lastgroup or "", "a local folder")
        raise ValueError(
            f"holds a machine-local path ({kind}) — reports are published: remove it, or keep only the"
            " file name"
        )
    if "=" in text:
        for name, secret in _QUERY_PARAM.findall(text):
            if secret and is_credential_name(name) and not _PLACEHOLDER.match(secret):
                raise ValueError(
                    f"carries a secret in the query parameter {name.strip()!r} — reports are published:"
                    f" remove the value, or write {REDACTED}"
                )
    return value


def check_headers(headers: dict[str, str]) -> dict[str, str]:
    """Refuse any header that carries credentials, in a request or a response."""
    for name in headers:
        if is_credential_name(name):
            raise ValueError(
                f"header {name.strip()!r} carries credentials and must not be recorded — remove it"
            )
    return headers


PublicStr = Annotated[str, AfterValidator(check_public)]
"""Text captured from an exchange (paths, bodies, header values): no local path, secret or private host."""

PublicOneLine = Annotated[OneLine, AfterValidator(check_public)]
"""A one-line field of a report, held to :func:`check_public` as well."""

PublicProse = Annotated[Prose, AfterValidator(check_public)]
"""A prose field of a report, held to :func:`check_public` as well."""

PublicUrl = Annotated[HttpUrl, AfterValidator(check_public)]
"""A source link: on a public host, with no secret in its query."""


class Origin(StrEnum):
    """Where a result came from: a real request, or a person copying a published source."""

    PROBED = "probed"
    MANUAL = "manual"


class EvidenceRequest(DataModel):
    """What the prober sent, relative to the base URL, with credentials never recorded."""

    method: str = Field(pattern=r"^(GET|POST|PUT|PATCH|DELETE|OPTIONS|HEAD|WS)$")
    path: PublicStr = Field(pattern=r"^/", max_length=2000)
    headers: dict[str, PublicStr] = Field(default_factory=dict)
    body: PublicStr | None = Field(default=None, max_length=20_000)

    _no_credentials = field_validator("headers")(check_headers)


class EvidenceResponse(DataModel):
    """A trimmed excerpt of what came back: status, the headers that matter, the start of the body."""

    status: int = Field(ge=100, le=599)
    headers: dict[str, PublicStr] = Field(default_factory=dict)
    body: PublicStr | None = Field(default=None, max_length=20_000)
    truncated: bool = False
    elapsed_ms: int | None = Field(default=None, ge=0)

    _no_credentials = field_validator("headers")(check_headers)


class Evidence(DataModel):
    """One exchange behind a grade. A transport failure has an ``error`` and no ``response``."""

    label: PublicOneLine = ""
    request: EvidenceRequest
    response: EvidenceResponse | None = None
    error: PublicOneLine | None = None

    @model_validator(mode="after")
    def _response_or_error(self) -> Evidence:
        if self.response is None and not self.error:
            raise ValueError("evidence needs a response or an error")
        return self


class Result(DataModel):
    """The grade of one catalog row for one implementation in one run."""

    row: Identifier
    status: Status
    message: PublicOneLine = Field(default="", max_length=400)
    footnote: PublicProse | None = Field(default=None, max_length=2000)
    evidence: list[Evidence] = Field(default_factory=list, max_length=20)
    runs: int | None = Field(default=None, ge=1, description="How often a flaky behaviour was tried.")
    agreeing: int | None = Field(default=None, ge=0, description="How many of those runs gave this grade.")
    sources: list[PublicUrl] = Field(
        default_factory=list,
        max_length=5,
        description=(
            "Hand-entered cells: where a reader can check the grade (the project's docs, source, issue)."
        ),
    )
    unexplained: bool = Field(
        default=False,
        description="Hand-entered cells: no reason could be found; the message says where it was looked for.",
    )

    @model_validator(mode="after")
    def _reasons_where_needed(self) -> Result:
        if self.status is Status.DEVIATION and not (self.message or self.footnote):
            raise ValueError("a deviation needs a message or a footnote that says what deviates")
        if self.status is Status.UNTESTED and not self.message:
            raise ValueError("an untested result needs a message that says why it was not tested")
        if self.agreeing is not None and (self.runs is None or self.agreeing > self.runs):
            raise ValueError("agreeing needs runs and cannot exceed it")
        return self

    @property
    def note(self) -> str:
        """The longest explanation the result carries, for tooltips and exports."""
        return self.footnote or self.message


SOURCED_FROM = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
"""Manual reports created from this day on cite a source for every cell that is not a pass, and
give each deviation a reason of its own (or mark it unexplained, saying where it was looked for).
Older seed reports keep their report-level source; they are records and are never edited."""

UNSTATED_REASON = "without a stated reason"
"""The words the first seed reports used for a deviation whose source gave no reason."""


def _publishable_base_url(value: str) -> str:
    """An endpoint a report may publish: http(s), no credentials or query, no private host."""
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError("must be an http(s) URL")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ValueError("must not carry credentials, a query or a fragment; store it redacted")
    if parts.hostname != PRIVATE_HOST and publishable_host(parts.hostname) != parts.hostname:
        raise ValueError(
            "names a private host (an IP address, a single-label name or a private-use suffix) —"
            f" store it redacted, as aioc probe does: {redact_base_url(value)}"
        )
    return value


class Report(DataModel):
    """One probe run, or one hand-entered snapshot of a published source."""

    schema_: PublicStr | None = Field(default=None, alias="$schema")
    run_id: Identifier
    implementation: Identifier
    implementation_version: PublicOneLine | None = Field(default=None, max_length=120)
    origin: Origin
    created: AwareDatetime
    models: list[PublicOneLine] = Field(default_factory=list)
    base_url: str | None = Field(default=None, max_length=500)
    other_base_urls: list[str] = Field(default_factory=list, max_length=20)
    """Further endpoints behind the same results, when a copied source names more than one (a test
    suite recorded against two hosts of one provider); ``base_url`` holds the first. A probe run
    talks to one server, so the prober never writes this."""
    prober: PublicOneLine | None = None
    source: PublicUrl | None = None
    source_note: PublicProse = ""
    results: list[Result] = Field(min_length=1)

    @field_validator("created")
    @classmethod
    def _not_before_the_api(cls, value: dt.datetime) -> dt.datetime:
        if value < EARLIEST:
            raise ValueError(
                f"{value.astimezone(dt.UTC).date()} is before {EARLIEST.date()}, before the API a report"
                " grades existed — use the time the run happened (check the year)"
            )
        return value

    @field_validator("base_url")
    @classmethod
    def _redacted_base_url(cls, value: str | None) -> str | None:
        return None if value is None else _publishable_base_url(value)

    @field_validator("other_base_urls")
    @classmethod
    def _redacted_other_base_urls(cls, value: list[str]) -> list[str]:
        for index, url in enumerate(value):
            if len(url) > 500:
                raise ValueError(f"[{index}] is longer than 500 characters")
            try:
                _publishable_base_url(url)
            except ValueError as exc:
                raise ValueError(f"[{index}] {exc}") from None
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Report:
        seen: set[str] = set()
        for index, result in enumerate(self.results):
            if result.row in seen:
                raise ValueError(
                    f"results[{index}].row: repeats row {result.row!r} — keep one result per row"
                )
            seen.add(result.row)
        if self.origin is Origin.MANUAL and not (self.source or self.source_note):
            raise ValueError(
                "source: a manual report must cite its source — add source (a URL) or source_note"
            )
        if self.origin is Origin.MANUAL and self.created >= SOURCED_FROM:
            self._check_sourced()
        if self.origin is Origin.PROBED:
            for index, result in enumerate(self.results):
                if result.sources or result.unexplained:
                    raise ValueError(
                        f"results[{index}].sources: sources and unexplained are for hand-entered cells;"
                        " a probed cell's evidence is its source"
                    )
            if not self.prober:
                raise ValueError(
                    "prober: a probed report must name the prober and its version, e.g. aioc 0.1.0"
                )
            for index, result in enumerate(self.results):
                if result.status.tested and not result.evidence:
                    raise ValueError(
                        f"results[{index}].evidence: {result.row!r} was probed but carries no evidence"
                        " — add the request and response behind the grade, or grade it untested"
                    )
        return self

    def _check_sourced(self) -> None:
        for index, result in enumerate(self.results):
            where = f"results[{index}]"
            if result.status in (Status.DEVIATION, Status.FAIL) and not result.sources:
                raise ValueError(
                    f"{where}.sources: a hand-entered {result.status.label} cell ({result.row!r}) must link"
                    " its source: the project's documentation, changelog, source file or issue"
                )
            if not result.sources and not self.source:
                raise ValueError(
                    f"{where}.sources: {result.row!r} has no source — add sources, or the report's source"
                )
            if (
                result.status is Status.DEVIATION
                and UNSTATED_REASON in result.note
                and not result.unexplained
            ):
                raise ValueError(
                    f"{where}.message: a new deviation needs a reason of its own; if none can be found,"
                    " set unexplained and say where it was looked for"
                )
            if result.unexplained and not result.message:
                raise ValueError(f"{where}.message: an unexplained cell says where its reason was looked for")

    def result_for(self, row_id: str) -> Result | None:
        """The result this run gives for a row, if it has one."""
        return next((r for r in self.results if r.row == row_id), None)
