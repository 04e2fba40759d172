"""Probe reports: one JSON file per run, probed by ``aioc probe`` or entered by hand from a source.

Reports are immutable records. The matrix is computed from them (see :mod:`probes.merge`); a
correction is a new report, never an edit of an old one.
"""

from __future__ import annotations

from enum import StrEnum
from urllib.parse import urlsplit

from pydantic import AwareDatetime, Field, field_validator, model_validator

from probes.base import DataModel, HttpUrl, Identifier
from probes.status import Status
from probes.text import OneLine, Prose

SCHEMA_REF = "../../../docs/schema/report.schema.json"
"""The ``$schema`` every report under ``data/reports/<implementation>/`` names, relative to itself,
so that editors validate while typing. The same file is published on the site under ``schema/``."""


class Origin(StrEnum):
    """Where a result came from: a real request, or a person copying a published source."""

    PROBED = "probed"
    MANUAL = "manual"


class EvidenceRequest(DataModel):
    """What the prober sent, relative to the base URL, with credentials never recorded."""

    method: str = Field(pattern=r"^(GET|POST|PUT|PATCH|DELETE|OPTIONS|HEAD|WS)$")
    path: str = Field(pattern=r"^/", max_length=2000)
    headers: dict[str, str] = Field(default_factory=dict)
    body: str | None = Field(default=None, max_length=20_000)

    @field_validator("headers")
    @classmethod
    def _no_credentials(cls, headers: dict[str, str]) -> dict[str, str]:
        for name in headers:
            if name.lower() in {"authorization", "x-api-key", "api-key", "cookie", "proxy-authorization"}:
                raise ValueError(f"header {name!r} carries credentials and must not be recorded")
        return headers


class EvidenceResponse(DataModel):
    """A trimmed excerpt of what came back: status, the headers that matter, the start of the body."""

    status: int = Field(ge=100, le=599)
    headers: dict[str, str] = Field(default_factory=dict)
    body: str | None = Field(default=None, max_length=20_000)
    truncated: bool = False
    elapsed_ms: int | None = Field(default=None, ge=0)


class Evidence(DataModel):
    """One exchange behind a grade. A transport failure has an ``error`` and no ``response``."""

    label: OneLine = ""
    request: EvidenceRequest
    response: EvidenceResponse | None = None
    error: OneLine | None = None

    @model_validator(mode="after")
    def _response_or_error(self) -> Evidence:
        if self.response is None and not self.error:
            raise ValueError("evidence needs a response or an error")
        return self


class Result(DataModel):
    """The grade of one catalog row for one implementation in one run."""

    row: Identifier
    status: Status
    message: OneLine = Field(default="", max_length=400)
    footnote: Prose | None = Field(default=None, max_length=2000)
    evidence: list[Evidence] = Field(default_factory=list, max_length=20)
    runs: int | None = Field(default=None, ge=1, description="How often a flaky behaviour was tried.")
    agreeing: int | None = Field(default=None, ge=0, description="How many of those runs gave this grade.")

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


class Report(DataModel):
    """One probe run, or one hand-entered snapshot of a published source."""

    schema_: str | None = Field(default=None, alias="$schema")
    run_id: Identifier
    implementation: Identifier
    implementation_version: OneLine | None = Field(default=None, max_length=120)
    origin: Origin
    created: AwareDatetime
    models: list[OneLine] = Field(default_factory=list)
    base_url: str | None = Field(default=None, max_length=500)
    prober: OneLine | None = None
    source: HttpUrl | None = None
    source_note: Prose = ""
    results: list[Result] = Field(min_length=1)

    @field_validator("base_url")
    @classmethod
    def _redacted_base_url(cls, value: str | None) -> str | None:
        if value is None:
            return value
        parts = urlsplit(value)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError("must be an http(s) URL")
        if parts.username or parts.password or parts.query or parts.fragment:
            raise ValueError("must not carry credentials, a query or a fragment; store it redacted")
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
        if self.origin is Origin.PROBED:
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

    def result_for(self, row_id: str) -> Result | None:
        """The result this run gives for a row, if it has one."""
        return next((r for r in self.results if r.row == row_id), None)
