"""The probe registry: one async probe per catalog row, keyed by the row id.

Probes are registered with :func:`probe` in the family modules of this package. Each receives a
:class:`ProbeContext` (the target's models and a recording HTTP session of its own) and returns a
:class:`Grade`; the prober turns the grade and the session's exchanges into a report result.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote as url_quote

from probes.model.catalog import Family, Row
from probes.model.status import Status
from probes.prober.http import Exchange, Session

AUTH = "auth"
UNREACHED = "unreached"
ABSENT = "absent"
"""Causes a grade can name, so that a run can tell "the key is refused everywhere" or "the server
is not there" from grades about the API itself."""


@dataclass(frozen=True)
class Grade:
    """What a probe concluded: a status, a one-line reason, and for repeated probes the tally."""

    status: Status
    message: str = ""
    footnote: str | None = None
    runs: int | None = None
    agreeing: int | None = None
    cause: str | None = None


def passed(message: str = "") -> Grade:
    """The row works as OpenAI's API does."""
    return Grade(Status.PASS, message)


def deviation(message: str) -> Grade:
    """The route works but something differs from OpenAI's behaviour; the message says what."""
    return Grade(Status.DEVIATION, message)


def failed(message: str, cause: str | None = None) -> Grade:
    """The route is missing or does not work."""
    return Grade(Status.FAIL, message, cause=cause)


def untested(message: str, cause: str | None = None) -> Grade:
    """Nothing could be concluded; the message says why."""
    return Grade(Status.UNTESTED, message, cause=cause)


PLACEHOLDER_MODEL = "aioc-probe-model"
"""The model named by requests that do not depend on one (errors, auth) when no chat model is known."""

CHAT_MODEL_FAMILIES = frozenset({Family.CHAT, Family.COMPLETIONS, Family.RESPONSES})
"""Rows of these families generate text, so they need a chat model to say anything."""


@dataclass(frozen=True)
class Target:
    """What is being probed, shared by every probe of a run: the models to use for each kind.

    ``model`` is None when none was given and the server lists none; the ``no_*`` fields say why,
    and become the reason of every row that needs that kind of model.
    """

    model: str | None
    embedding_model: str | None = None
    transcription_model: str = "whisper-1"
    speech_model: str = "tts-1"
    image_model: str = "gpt-image-1"
    moderation_model: str = "omni-moderation-latest"
    realtime_model: str | None = None
    api_key_given: bool = False
    no_model: str = "no chat model was given (pass --model NAME)"
    no_embedding_model: str = "no embedding model was given (pass --embedding-model NAME)"

    @property
    def any_model(self) -> str:
        """The chat model, or a placeholder for requests whose answer does not depend on the model."""
        return self.model or PLACEHOLDER_MODEL


class RouteMissing(LookupError):
    """A probe asked for the route of a catalog row the run was not given (or that has no route)."""


@dataclass(frozen=True)
class Route:
    """Where a catalog row's requests go: its method and its path template (``/v1/models/{id}``).

    Probes take every route from here, so that the catalog is the one place a path is written.
    ``row`` is the catalog row it comes from, empty for the few setup routes no row names
    (:mod:`probes.prober.endpoints.setup_routes`).
    """

    row: str
    method: str
    template: str

    def path(self, *segments: str, **ids: str) -> str:
        """The path with each ``{name}`` filled from ``ids`` and ``segments`` appended, all URL-quoted.

        ``route.path(id=model)`` fills ``/v1/models/{id}``; ``route.path(response_id, "input_items")``
        reaches a resource under ``/v1/responses`` that no row of its own names.
        """
        path = self.template
        for name, value in ids.items():
            if "{" + name + "}" not in path:
                raise RouteMissing(f"the route of catalog row {self.row!r} ({path}) has no {{{name}}}")
            path = path.replace("{" + name + "}", url_quote(value, safe=""))
        if "{" in path:
            raise RouteMissing(f"the route of catalog row {self.row!r} ({path}) still has a placeholder")
        return "/".join([path, *(url_quote(str(segment), safe="") for segment in segments)])


def route_of(row: Row) -> Route:
    """The route of a catalog row; :class:`RouteMissing` for a row without method and path."""
    if not row.method or not row.path:
        raise RouteMissing(f"catalog row {row.id!r} has no method and path")
    return Route(row.id, row.method, row.path)


@dataclass
class ProbeContext:
    """Everything one probe may use: the target, its catalog row, the catalog's routes, and an HTTP
    session that records its evidence."""

    target: Target
    http: Session
    row: Row
    catalog: Mapping[str, Row] = field(default_factory=dict)

    def route(self, row_id: str | None = None) -> Route:
        """The route of catalog row ``row_id``, by default the probe's own row.

        A probe that needs another row's route (a Responses behaviour posts to the ``responses`` row's
        path, a server behaviour to ``chat.completions``) names that row, so no probe writes a path.
        """
        if row_id is None or row_id == self.row.id:
            return route_of(self.row)
        if row_id not in self.catalog:
            raise RouteMissing(
                f"the probe of {self.row.id!r} needs the route of catalog row {row_id!r}, "
                "which this run was not given"
            )
        return route_of(self.catalog[row_id])

    async def send(
        self, route: Route, body: Any = None, *, path: str | None = None, **options: Any
    ) -> Exchange:
        """One request to ``route`` with the route's method: a JSON ``body``, or ``files`` and ``data``.

        ``path`` is the route's path once filled in (``route.path(id=...)``, a query added); ``options``
        are those of :meth:`Session.request` (label, timeout, api_key, …), or of
        :meth:`Session.websocket` for a ``WS`` route.
        """
        if route.method == "WS":
            return await self.http.websocket(path or route.path(), **options)
        return await self.http.request(route.method, path or route.path(), json_body=body, **options)


ProbeFunc = Callable[[ProbeContext], Awaitable[Grade]]

NEEDS_EMBEDDING_MODEL = "embedding_model"
NEEDS_API_KEY = "api_key"

_UNMET = {
    NEEDS_API_KEY: (
        "no API key was given; with one (--api-key-env VAR) the probe checks that requests "
        "without it are refused"
    ),
}


@dataclass(frozen=True)
class ProbeSpec:
    """A registered probe: the row it grades, the function, and what it needs to run at all."""

    row: str
    func: ProbeFunc
    needs: frozenset[str] = frozenset()
    flaky: bool = False

    def unmet(self, target: Target, row: Row | None = None) -> str | None:
        """Why this probe cannot run against the target, or None when it can."""
        if row is not None and row.family in CHAT_MODEL_FAMILIES and not target.model:
            return target.no_model
        if NEEDS_EMBEDDING_MODEL in self.needs and not target.embedding_model:
            return target.no_embedding_model
        if NEEDS_API_KEY in self.needs and not target.api_key_given:
            return _UNMET[NEEDS_API_KEY]
        return None


REGISTRY: dict[str, ProbeSpec] = {}
"""Every probe, by catalog row id. Filled when :mod:`probes.prober.endpoints` is imported."""


def probe(row: str, *, needs: tuple[str, ...] = (), flaky: bool = False) -> Callable[[ProbeFunc], ProbeFunc]:
    """Register the decorated coroutine as the probe of catalog row ``row``."""

    def register(func: ProbeFunc) -> ProbeFunc:
        if row in REGISTRY:
            raise ValueError(f"row {row!r} has two probes: {REGISTRY[row].func.__name__} and {func.__name__}")
        REGISTRY[row] = ProbeSpec(row=row, func=func, needs=frozenset(needs), flaky=flaky)
        return func

    return register
