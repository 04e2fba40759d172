"""Run every registered probe against one server and build the report of the run.

Probes run concurrently up to a bound, each under its own time limit, and the whole run under a
deadline. Nothing is dropped: a probe that cannot run, is cut off or breaks is still graded, with
the reason, and keeps whatever evidence it gathered. The report it returns is the same pydantic
model the site reads, so an invalid report can never be written.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import ValidationError

from probes import __version__
from probes.catalog import Row
from probes.endpoints import REGISTRY, ProbeSpec
from probes.endpoints.registry import Grade, ProbeContext, Target, failed, untested
from probes.http import DEFAULT_MAX_BODY_BYTES, Exchange, ProbeClient, one_line
from probes.redact import Redactor, redact_base_url
from probes.report import SCHEMA_REF, Origin, Report, Result
from probes.status import Status
from probes.text import check_one_line

PROBER = f"aioc {__version__}"


@dataclass(frozen=True)
class ProbeConfig:
    """Everything one run needs. The API key is kept out of ``repr`` so it never reaches a log.

    ``timeout`` bounds one probe (all its requests) and, unless ``request_timeout`` is set, each
    request too; ``deadline`` bounds the whole run. ``only`` limits the run to some row ids.
    """

    base_url: str
    implementation: str
    model: str
    embedding_model: str | None = None
    api_key: str | None = field(default=None, repr=False)
    concurrency: int = 4
    timeout: float = 60.0
    request_timeout: float | None = None
    deadline: float = 900.0
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    only: frozenset[str] | None = None
    implementation_version: str | None = None
    note: str = ""


def base_url_problem(url: str) -> str | None:
    """Why a base URL cannot be probed (one line), or None when it is usable."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return f"base URL must start with http:// or https:// (got {url[:60]!r})"
    if not parts.hostname or any(c.isspace() for c in url):
        return "base URL has no host name"
    try:
        parts.port  # noqa: B018  (raises on a port that is not a number)
    except ValueError:
        return "base URL has an invalid port"
    return None


def api_root(base_url: str) -> str:
    """The URL the catalog paths (``/v1/...``) hang off: the base URL without a trailing ``/v1``."""
    parts = urlsplit(base_url)
    path = parts.path.rstrip("/")
    if path.endswith("/v1"):
        path = path[: -len("/v1")]
    return f"{parts.scheme}://{parts.netloc}{path}"


def safe_message(text: str, limit: int = 400) -> str:
    """A grade message that fits a one-line prose field: short, code spans closed, no markup."""
    line = one_line(text, limit)
    if line.count("`") % 2:
        line = line[: line.rfind("`")].rstrip() + " …"
    try:
        return check_one_line(line)
    except ValueError:
        return check_one_line(re.sub(r"[<>`\[\]]|(?i:javascript|vbscript|data)\s*:", " ", line))


class ProgressHook:
    """Callbacks a display can implement; the default does nothing."""

    def started(self, row_id: str) -> None:
        """A probe got its turn to run."""

    def finished(self, result: Result) -> None:
        """A probe was graded."""


@dataclass
class _Run:
    """The shared state of one run: the client, the target, the bound and the deadline."""

    config: ProbeConfig
    client: ProbeClient
    target: Target
    semaphore: asyncio.Semaphore
    deadline_at: float
    hook: ProgressHook

    def result(self, row_id: str, grade: Grade, exchanges: Iterable[Exchange]) -> Result:
        evidence = [exchange.evidence() for exchange in exchanges][:20]
        if grade.status.tested and not evidence:
            grade = untested(f"the probe made no request ({grade.message or grade.status.value})")
        try:
            return Result(
                row=row_id,
                status=grade.status,
                message=safe_message(self.client.redact(grade.message)),
                footnote=self.client.redact(grade.footnote) if grade.footnote else None,
                evidence=evidence,
                runs=grade.runs,
                agreeing=grade.agreeing,
            )
        except ValidationError as exc:
            reason = one_line(str(exc.errors(include_url=False)[0]["msg"]), 120)
            return Result(
                row=row_id,
                status=Status.UNTESTED,
                message=safe_message(f"the probe's grade could not be recorded: {reason}"),
            )

    async def probe(self, row: Row, spec: ProbeSpec) -> Result:
        if reason := spec.unmet(self.target):
            return self.result(row.id, untested(reason), [])
        session = self.client.session()
        started = False
        grade: Grade | None = None
        try:
            async with self.semaphore:
                remaining = self.deadline_at - asyncio.get_running_loop().time()
                if remaining > 0:
                    started = True
                    self.hook.started(row.id)
                    context = ProbeContext(self.target, session, row.id)
                    grade = await self._graded(spec, context, remaining)
        except asyncio.CancelledError:
            pass
        if grade is None:
            grade = untested(self._deadline_words("cut off by" if started else "not started before"))
        result = self.result(row.id, grade, session.exchanges)
        self.hook.finished(result)
        return result

    async def _graded(self, spec: ProbeSpec, ctx: ProbeContext, remaining: float) -> Grade:
        limit = min(self.config.timeout, remaining)
        try:
            async with asyncio.timeout(limit):
                return await spec.func(ctx)
        except TimeoutError:
            if limit < self.config.timeout:
                return untested(self._deadline_words("cut off by"))
            return failed(f"no complete answer within the probe's {self.config.timeout:g} s limit")
        except Exception as exc:  # a broken probe must not sink the run
            detail = one_line(self.client.redact(f"{type(exc).__name__}: {exc}"), 120).replace("`", "'")
            return untested(f"the probe itself failed: `{detail}`")

    def _deadline_words(self, what: str) -> str:
        return f"{what} the run's deadline of {self.config.deadline:g} s"


async def detect_version(client: ProbeClient) -> str | None:
    """What the server says its version is: llama.cpp ``/props``, ``/version``, or ``Server``."""
    session = client.session()
    for path, key in (("/props", "build_info"), ("/version", "version"), ("/api/version", "version")):
        exchange = await session.get(path, timeout=min(client.timeout, 5.0), read_limit=2_000_000)
        if exchange.ok:
            try:
                value = exchange.json().get(key)
            except (ValueError, AttributeError):
                value = None
            if isinstance(value, str) and _plausible_version(value):
                return value
    for exchange in session.exchanges:
        server = exchange.headers.get("server", "")
        if _plausible_version(server):
            return server
    return None


def _plausible_version(value: str) -> bool:
    return (
        bool(re.fullmatch(r"[\w.+\-:/() ]{1,80}", value))
        and bool(re.search(r"\d", value))
        and ("unknown" not in value.lower())
    )


def content_hash(results: list[Result], created: dt.datetime, base_url: str | None) -> str:
    """Eight hex digits that tell runs apart: the hash of the results, the time and the URL."""
    payload = json.dumps(
        [created.isoformat(), base_url, [r.model_dump(mode="json") for r in results]], sort_keys=True
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:8]


async def run_probes(
    config: ProbeConfig,
    rows: list[Row],
    *,
    hook: ProgressHook | None = None,
    registry: dict[str, ProbeSpec] | None = None,
) -> Report:
    """Probe every row that has a probe (or those in ``config.only``) and return the run's report.

    Rows without a registered probe are left out of the report: unknown is said by absence.
    """
    registry = REGISTRY if registry is None else registry
    hook = hook or ProgressHook()
    loop = asyncio.get_running_loop()
    deadline_at = loop.time() + config.deadline
    root = api_root(config.base_url)
    selected = [row for row in rows if row.id in registry and (config.only is None or row.id in config.only)]
    redactor = Redactor([config.api_key or ""], [urlsplit(root).hostname or ""])
    async with ProbeClient(
        root,
        api_key=config.api_key,
        timeout=config.request_timeout or config.timeout,
        max_body_bytes=config.max_body_bytes,
        redactor=redactor,
    ) as client:
        target = Target(
            model=config.model, embedding_model=config.embedding_model, api_key_given=bool(config.api_key)
        )
        run = _Run(config, client, target, asyncio.Semaphore(max(1, config.concurrency)), deadline_at, hook)
        version_task = asyncio.create_task(detect_version(client))
        tasks = [asyncio.create_task(run.probe(row, registry[row.id])) for row in selected]
        _done, pending = await asyncio.wait(
            [*tasks, version_task], timeout=max(0.0, deadline_at - loop.time())
        )
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        results = [
            task.result()
            if not task.cancelled()
            else run.result(row.id, untested(run._deadline_words("not started before")), [])
            for row, task in zip(selected, tasks, strict=True)
        ]
        version = config.implementation_version
        if version is None and version_task.done() and not version_task.cancelled():
            version = version_task.result() if version_task.exception() is None else None

    created = dt.datetime.now(dt.UTC).replace(microsecond=0)
    base_url = redact_base_url(root)
    models = [m for m in (config.model, config.embedding_model) if m]
    run_id = f"{config.implementation}-{created:%Y%m%d}-{content_hash(results, created, base_url)}"
    return Report(
        schema_=SCHEMA_REF,
        run_id=run_id,
        implementation=config.implementation,
        implementation_version=one_line(version, 120) if version else None,
        origin=Origin.PROBED,
        created=created,
        models=list(dict.fromkeys(models)),
        base_url=base_url,
        prober=PROBER,
        source_note=config.note,
        results=results,
    )


def report_json(report: Report) -> str:
    """The report as the committed file holds it: ``$schema`` first, two-space indent."""
    data = report.model_dump(mode="json", by_alias=True, exclude_none=True)
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def write_report(report: Report, path: Path) -> None:
    """Write the report file, creating its directory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(report_json(report), encoding="utf-8")
