"""The probe registry: one async probe per catalog row, keyed by the row id.

Probes are registered with :func:`probe` in the family modules of this package. Each receives a
:class:`ProbeContext` (the target's models and a recording HTTP session of its own) and returns a
:class:`Grade`; the prober turns the grade and the session's exchanges into a report result.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from probes.model.catalog import Family, Row
from probes.model.status import Status
from probes.prober.http import Session

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


@dataclass
class ProbeContext:
    """Everything one probe may use: the target and an HTTP session that records its evidence."""

    target: Target
    http: Session
    row_id: str


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
