"""Run every registered probe against one server and build the report of the run.

A run first reads the model list at the ``models.list`` row's route (model discovery, and the
check that the server is there at all), then probes concurrently up to a bound, each probe under
its own time limit, the whole run under a deadline. Flaky behaviour probes run ``runs`` times and
keep the tally. A probe answered 429 Too Many Requests (a rate limit, a gateway's cooldown) runs
again after the wait the server asks for, a few times at most, and is left untested if the 429
stays. Every grade that claims a route answered is checked against a negative control
(:mod:`probes.prober.control`). Nothing is dropped: a probe that cannot run, is cut off or breaks
is still graded, with the reason, and keeps whatever evidence it gathered. The report is the same
pydantic model the site reads, so an invalid report can never be written.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import ValidationError

from probes import __version__
from probes.model.catalog import Row, RowKind
from probes.model.redact import Redactor, redact_base_url
from probes.model.report import SCHEMA_REF, Origin, Report, Result
from probes.model.status import Status
from probes.prober.control import NegativeControl
from probes.prober.discovery import Discovery, Kind, discover
from probes.prober.endpoints import REGISTRY, ProbeSpec
from probes.prober.endpoints.registry import (
    ABSENT,
    AUTH,
    PLACEHOLDER_MODEL,
    UNREACHED,
    Grade,
    ProbeContext,
    RouteMissing,
    Target,
    failed,
    route_of,
    untested,
)
from probes.prober.http import (
    DEFAULT_MAX_BODY_BYTES,
    Exchange,
    ProbeClient,
    ServerFields,
    inert_line,
    one_line,
)

PROBER = f"aioc {__version__}"


@dataclass(frozen=True)
class ProbeConfig:
    """Everything one run needs. The API key is kept out of ``repr`` so it never reaches a log.

    ``timeout`` bounds one probe (all its requests) and, unless ``request_timeout`` is set, each
    request too; ``deadline`` bounds the whole run. ``only`` limits the run to some row ids.
    ``model`` and ``embedding_model`` are discovered from the model list when not given. ``runs``
    is how often a flaky behaviour probe is tried.
    """

    base_url: str
    implementation: str
    model: str | None = None
    embedding_model: str | None = None
    api_key: str | None = field(default=None, repr=False)
    concurrency: int = 4
    timeout: float = 60.0
    request_timeout: float | None = None
    deadline: float = 900.0
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    only: frozenset[str] | None = None
    runs: int = 3
    implementation_version: str | None = None
    note: str = ""


RATE_LIMIT_TRIES = 3
"""How often a row answered 429 Too Many Requests is tried in all before it is left untested."""

MAX_RETRY_WAIT = 30.0
"""The longest wait before one retry: a server asking for more leaves the row untested at once."""

BACKOFF = (1.0, 2.0)
"""The waits before the second and third tries when a 429 names no ``Retry-After``."""


def retry_after(exchanges: Iterable[Exchange]) -> float | None:
    """The longest wait, in seconds, that the 429 answers among ``exchanges`` ask for.

    ``Retry-After`` is whole seconds or an HTTP date (RFC 9110 §10.2.3); None when no answer says.
    """
    waits: list[float] = []
    for exchange in exchanges:
        value = exchange.headers.get("retry-after", "").strip() if exchange.status == 429 else ""
        if value.isdigit():
            waits.append(float(value))
        elif value:
            try:
                when = email.utils.parsedate_to_datetime(value)
            except (TypeError, ValueError):
                continue
            when = when if when.tzinfo else when.replace(tzinfo=dt.UTC)
            waits.append(max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds()))
    return max(waits) if waits else None


def _seconds(value: float) -> str:
    """A wait as a message gives it: ``1``, ``19.9``, ``120`` (an HTTP date gives fractions)."""
    return f"{value:.0f}" if value >= 100 else f"{round(value, 1):g}"


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
    """A grade message that fits a one-line prose field: short, code spans closed, no markup (and
    saying so when the server's text had to lose its markup)."""
    return inert_line(text, limit, flag=True)[0]


class ProgressHook:
    """Callbacks a display can implement; the default does nothing."""

    def discovered(self, target: Target, discovery: Discovery) -> None:
        """The models were chosen (or found missing) before any probe ran."""

    def started(self, row_id: str) -> None:
        """A probe got its turn to run."""

    def finished(self, result: Result) -> None:
        """A probe was graded."""


SEVERITY = {Status.FAIL: 0, Status.DEVIATION: 1, Status.PASS: 2, Status.OUT_OF_SCOPE: 3, Status.UNTESTED: 4}
"""Which grade a tie between runs goes to: the worse one."""


def tally(grades: list[Grade]) -> Grade:
    """One grade from repeated runs: the grade most runs gave (untested runs count only if all are),
    ties going to the worse grade, with "k of n runs" in the message and the counts kept."""
    found = Counter(grade.status for grade in grades)
    candidates: list[Status] = [s for s in found if s is not Status.UNTESTED] or [Status.UNTESTED]
    status = max(candidates, key=lambda s: (found[s], -SEVERITY[s]))
    chosen = next(grade for grade in grades if grade.status is status)
    others = ", ".join(f"{count} {s.label}" for s, count in found.items() if s is not status)
    message = f"{found[status]} of {len(grades)} runs: {chosen.message}"
    if others:
        message += f" (other runs: {others})"
    return Grade(status, message, chosen.footnote, len(grades), found[status], chosen.cause)


@dataclass
class _Run:
    """The shared state of one run: the client, the target, the bound, the deadline, the control."""

    config: ProbeConfig
    client: ProbeClient
    target: Target
    semaphore: asyncio.Semaphore
    deadline_at: float
    hook: ProgressHook
    control: NegativeControl
    catalog: Mapping[str, Row]
    causes: Counter[str] = field(default_factory=Counter)

    def result(
        self, row_id: str, grade: Grade, exchanges: Iterable[Exchange], extra: Iterable[Exchange] = ()
    ) -> Result:
        evidence = [exchange.evidence() for exchange in exchanges][:19]
        evidence += [exchange.evidence() for exchange in extra][: 20 - len(evidence)]
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
        if reason := spec.unmet(self.target, row):
            return self.result(row.id, untested(reason), [])
        session = self.client.session()
        started = False
        grade: Grade | None = None
        control: Exchange | None = None
        retried: list[Exchange] = []
        try:
            async with self.semaphore:
                if self._remaining() > 0:
                    started = True
                    self.hook.started(row.id)
                    context = ProbeContext(self.target, session, row, self.catalog)
                    grade = await self._repeated(spec, context, retried)
                    async with asyncio.timeout(max(0.001, self._remaining())):
                        grade, control = await self.control.check(row, grade, session.exchanges)
        except (asyncio.CancelledError, TimeoutError):
            pass
        if grade is None:
            grade = untested(self._deadline_words("cut off by" if started else "not started before"))
        if grade.cause:
            self.causes[grade.cause] += 1
        extra = [control, *retried] if control else retried
        result = self.result(row.id, grade, session.exchanges, extra)
        self.hook.finished(result)
        return result

    def _remaining(self) -> float:
        return self.deadline_at - asyncio.get_running_loop().time()

    async def _repeated(self, spec: ProbeSpec, ctx: ProbeContext, retried: list[Exchange]) -> Grade:
        """One grade, or for a flaky probe the tally of ``runs`` tries (one, if nothing answered)."""
        runs = self.config.runs if spec.flaky else 1
        grades: list[Grade] = []
        for number in range(1, runs + 1):
            if number > 1 and self._remaining() <= 0:
                break
            first = len(ctx.http.exchanges)
            grades.append(await self._tried(spec, ctx, retried))
            if runs > 1:
                for exchange in ctx.http.exchanges[first:]:
                    exchange.label = f"run {number} of {runs}: {exchange.label}"
            if number == 1 and not any(exchange.ok for exchange in ctx.http.exchanges):
                return grades[0]  # nothing answered: another try cannot say more
        return grades[0] if len(grades) == 1 and runs == 1 else tally(grades)

    async def _tried(self, spec: ProbeSpec, ctx: ProbeContext, retried: list[Exchange]) -> Grade:
        """One grade, tried again while the server answers 429 Too Many Requests.

        A 429 (a rate limit, or a gateway's cooldown after some failed requests) says nothing about
        the row, so the probe runs again after the wait ``Retry-After`` asks for (else a short
        backoff), at most :data:`RATE_LIMIT_TRIES` times in all and within the run's deadline; the
        429 answers of earlier tries go to ``retried``, labelled, and the grade rests on the last
        try only. A row still answered 429 is untested, saying so, never ❌.
        """
        exchanges = ctx.http.exchanges
        waited = 0.0
        for number in range(1, RATE_LIMIT_TRIES + 1):
            first = len(exchanges)
            grade = await self._graded(spec, ctx, self._remaining())
            limited = [exchange for exchange in exchanges[first:] if exchange.status == 429]
            if not limited:
                return grade
            asked = retry_after(limited)
            wait = asked if asked is not None else BACKOFF[min(number, len(BACKOFF)) - 1]
            said = f"Retry-After {_seconds(asked)} s" if asked is not None else "no Retry-After"
            if number == RATE_LIMIT_TRIES:
                why = f"and still answered 429 after waiting {_seconds(waited)} s in all"
            elif wait > MAX_RETRY_WAIT:
                longest = _seconds(MAX_RETRY_WAIT)
                why = f"and waiting {_seconds(wait)} s is longer than aioc waits for a retry ({longest} s)"
            elif wait >= self._remaining():
                why = f"and waiting {_seconds(wait)} s would pass the run's deadline"
            else:
                for exchange in limited:
                    exchange.label = f"try {number} of {RATE_LIMIT_TRIES}, answered 429: {exchange.label}"
                retried.extend(limited)
                del exchanges[first:]
                waited += wait
                await asyncio.sleep(wait)
                continue
            retries = {1: "not retried", 2: "retried 1 time"}.get(number, f"retried {number - 1} times")
            return untested(
                f"the server answered 429 Too Many Requests (a rate limit or a gateway's cooldown; {said}); "
                f"{retries}, {why}"
            )
        raise AssertionError("unreachable: the last try returns")

    async def _graded(self, spec: ProbeSpec, ctx: ProbeContext, remaining: float) -> Grade:
        limit = min(self.config.timeout, remaining)
        try:
            async with asyncio.timeout(limit):
                return await spec.func(ctx)
        except TimeoutError:
            if limit < self.config.timeout:
                return untested(self._deadline_words("cut off by"))
            return failed(f"no complete answer within the probe's {self.config.timeout:g} s limit")
        except RouteMissing as exc:  # the run was given too little of the catalog: say which row
            return untested(f"not probed: {exc}")
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


@dataclass(frozen=True)
class Outcome:
    """A run's report, and a problem with the run as a whole (one line) when there was one.

    The problem is set when the server could not be reached, or when it refused the API key (or
    asked for one) on most rows: the report then says what happened row by row, but the input,
    not the server's API, is what needs fixing.
    """

    report: Report
    problem: str | None = None


def target_for(config: ProbeConfig, discovery: Discovery) -> Target:
    """The models each kind of row uses: the ones given, else the ones the server lists."""
    kinds = {
        "transcription_model": Kind.TRANSCRIPTION,
        "speech_model": Kind.SPEECH,
        "image_model": Kind.IMAGE,
        "moderation_model": Kind.MODERATION,
        "realtime_model": Kind.REALTIME,
    }
    others = {name: model for name, kind in kinds.items() if (model := discovery.pick(kind))}
    return Target(
        model=config.model or discovery.pick(Kind.CHAT),
        embedding_model=config.embedding_model or discovery.pick(Kind.EMBEDDING),
        api_key_given=bool(config.api_key),
        no_model=discovery.why_none(Kind.CHAT, "--model"),
        no_embedding_model=discovery.why_none(Kind.EMBEDDING, "--embedding-model"),
        **others,
    )


def run_problem(
    causes: Counter[str],
    probed: int,
    *,
    key_given: bool,
    models_status: int | None = None,
    models_path: str = "the model list",
    passed_any: bool = False,
) -> str | None:
    """The one line a run's outcome needs when most rows were stopped by reachability or the key,
    or when no route passed and most were missing, the model list included (a base URL that
    misses the API)."""
    if not probed:
        return None
    if not passed_any and causes[ABSENT] * 2 >= probed and models_status == 404:
        return (
            f"{causes[ABSENT]} of {probed} routes answered 404, {models_path} too: is the base URL right "
            "(the API's base, usually ending in /v1)?"
        )
    if causes[UNREACHED] * 2 >= probed:
        return f"the server could not be reached on {causes[UNREACHED]} of {probed} rows"
    if causes[AUTH] * 2 >= probed:
        if key_given:
            return f"the server refused the API key on {causes[AUTH]} of {probed} rows; is it the right key?"
        return (
            f"the server asks for an API key on {causes[AUTH]} of {probed} rows; "
            "pass one with --api-key-env VAR"
        )
    return None


async def probe_run(
    config: ProbeConfig,
    rows: list[Row],
    *,
    catalog: Mapping[str, Row] | None = None,
    hook: ProgressHook | None = None,
    registry: dict[str, ProbeSpec] | None = None,
) -> Outcome:
    """Probe every row that has a probe (or those in ``config.only``): the report and any run problem.

    ``catalog`` holds the rows whose routes the run borrows: model discovery reads ``models.list``,
    a Responses behaviour posts to the ``responses`` row's path (see :meth:`ProbeContext.route`);
    by default it is ``rows``, so a caller probing only some rows passes the whole catalog here.
    Rows without a registered probe are left out of the report: unknown is said by absence. When
    the model list cannot even be reached, no probe runs: every row is untested with that reason
    and the failed exchange as evidence.
    """
    registry = REGISTRY if registry is None else registry
    routes: Mapping[str, Row] = {row.id: row for row in rows} if catalog is None else catalog
    if "models.list" not in routes:
        raise ValueError("the run needs catalog row 'models.list': model discovery reads its route")
    models_path = route_of(routes["models.list"]).path()
    hook = hook or ProgressHook()
    loop = asyncio.get_running_loop()
    deadline_at = loop.time() + config.deadline
    root = api_root(config.base_url)
    selected = [row for row in rows if row.id in registry and (config.only is None or row.id in config.only)]
    redactor = Redactor([config.api_key or ""], [urlsplit(root).hostname or ""])
    problem: str | None = None
    async with ProbeClient(
        root,
        api_key=config.api_key,
        timeout=config.request_timeout or config.timeout,
        max_body_bytes=config.max_body_bytes,
        redactor=redactor,
    ) as client:
        # discovery may take a quarter of the run at most, so a hanging server still gets probed
        discovery = await discover(
            client.session(), min(client.timeout, 30.0, config.deadline / 4), models_path
        )
        target = target_for(config, discovery)
        hook.discovered(target, discovery)
        control = NegativeControl(client, target.model or PLACEHOLDER_MODEL)
        run = _Run(
            config,
            client,
            target,
            asyncio.Semaphore(max(1, config.concurrency)),
            deadline_at,
            hook,
            control,
            routes,
        )
        if discovery.exchange is not None and discovery.exchange.unreached:
            reason = f"not probed: the server could not be reached ({discovery.exchange.error})"
            results = [run.result(row.id, untested(reason), [discovery.exchange]) for row in selected]
            for result in results:
                hook.finished(result)
            problem = f"the server could not be reached: {discovery.exchange.error}"
            version = config.implementation_version
        else:
            version_task = asyncio.create_task(detect_version(client))
            tasks = [asyncio.create_task(run.probe(row, registry[row.id])) for row in selected]
            _done, pending = await asyncio.wait(
                [*tasks, version_task], timeout=max(0.0, deadline_at - loop.time())
            )
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            await control.close()
            results = [
                task.result()
                if not task.cancelled()
                else run.result(row.id, untested(run._deadline_words("not started before")), [])
                for row, task in zip(selected, tasks, strict=True)
            ]
            version = config.implementation_version
            if version is None and version_task.done() and not version_task.cancelled():
                version = version_task.result() if version_task.exception() is None else None
            probed = sum(1 for r in results if r.evidence)
            problem = run_problem(
                run.causes,
                probed,
                key_given=bool(config.api_key),
                models_status=discovery.exchange.status if discovery.exchange else None,
                models_path=models_path,
                passed_any=any(
                    r.status is Status.PASS and row.kind is RowKind.ENDPOINT
                    for row, r in zip(selected, results, strict=True)
                ),
            )

    created = dt.datetime.now(dt.UTC).replace(microsecond=0)
    base_url = redact_base_url(root)
    fields = ServerFields(redactor)  # the server's words, made inert: they can never sink the report
    models = [fields(m, 200, "the model ids") for m in (target.model, target.embedding_model) if m]
    version = fields(version, 120, "the version") if version else None
    run_id = f"{config.implementation}-{created:%Y%m%d}-{content_hash(results, created, base_url)}"
    report = Report(
        schema_=SCHEMA_REF,
        run_id=run_id,
        implementation=config.implementation,
        implementation_version=version or None,
        origin=Origin.PROBED,
        created=created,
        models=list(dict.fromkeys(m for m in models if m)),
        base_url=base_url,
        prober=PROBER,
        source_note=fields.note(config.note),
        results=results,
    )
    return Outcome(report, redactor(problem) if problem else None)


async def run_probes(
    config: ProbeConfig,
    rows: list[Row],
    *,
    catalog: Mapping[str, Row] | None = None,
    hook: ProgressHook | None = None,
    registry: dict[str, ProbeSpec] | None = None,
) -> Report:
    """The report of :func:`probe_run`, for callers that do not need the run's problem line."""
    return (await probe_run(config, rows, catalog=catalog, hook=hook, registry=registry)).report


def report_json(report: Report) -> str:
    """The report as the committed file holds it: ``$schema`` first, two-space indent."""
    data = report.model_dump(mode="json", by_alias=True, exclude_none=True)
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def write_report(report: Report, path: Path) -> None:
    """Write the report file, creating its directory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(report_json(report), encoding="utf-8")
