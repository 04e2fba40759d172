"""Model discovery: read ``/v1/models`` and pick a model of each kind the probes need.

A server's own metadata decides first: an entry's ``type`` or ``mode`` (LM Studio, LiteLLM),
``custom_metadata.model_type`` (OGX, formerly Llama Stack), ``capabilities`` (Ollama and
llama.cpp's ``models`` list), ``details.family`` (Ollama), or ``architecture.output_modalities``.
Only without any does the name decide (``embed``, ``bge``, ``e5``, ``nomic`` … for embeddings;
``whisper``, ``tts``, ``dall-e`` … for the other kinds). When the server lists one model, the rows
of every other kind are untested with a reason that names it and the option for a second model.
Everything here but :func:`discover` is pure, so the choices are tested without a server.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from probes.prober.http import Exchange, Session, one_line


class Kind(StrEnum):
    """What a listed model is for, as far as the probes care."""

    CHAT = "chat"
    EMBEDDING = "embedding"
    TRANSCRIPTION = "transcription"
    SPEECH = "speech"
    IMAGE = "image"
    MODERATION = "moderation"
    RERANK = "rerank"
    REALTIME = "realtime"
    UNKNOWN = "unknown"
    """No metadata and no telling name: a chat model, most likely, but a listed chat model wins."""


_NAME_RULES: tuple[tuple[Kind, re.Pattern[str]], ...] = (
    (Kind.RERANK, re.compile(r"rerank")),
    (Kind.EMBEDDING, re.compile(r"embed|bge|(^|[-_/.:])e5([-_/.:]|$)|nomic|(^|[-_/.:])gte|minilm|mxbai")),
    (Kind.TRANSCRIPTION, re.compile(r"whisper|transcribe|(^|[-_/.:])asr([-_/.:]|$)")),
    (Kind.SPEECH, re.compile(r"(^|[-_/.:])tts|speech|kokoro|piper")),
    (Kind.IMAGE, re.compile(r"dall-e|gpt-image|stable-diffusion|sdxl|(^|[-_/.:])flux|imagen")),
    (Kind.MODERATION, re.compile(r"moderation|llama-guard")),
    (Kind.REALTIME, re.compile(r"realtime")),
)

_WORDS: dict[str, Kind] = {
    "embedding": Kind.EMBEDDING,
    "embeddings": Kind.EMBEDDING,
    "embed": Kind.EMBEDDING,
    "llm": Kind.CHAT,
    "vlm": Kind.CHAT,
    "chat": Kind.CHAT,
    "completion": Kind.CHAT,
    "completions": Kind.CHAT,
    "text-generation": Kind.CHAT,
    "transcription": Kind.TRANSCRIPTION,
    "audio_transcription": Kind.TRANSCRIPTION,
    "speech": Kind.SPEECH,
    "audio_speech": Kind.SPEECH,
    "tts": Kind.SPEECH,
    "image_generation": Kind.IMAGE,
    "image": Kind.IMAGE,
    "moderation": Kind.MODERATION,
    "rerank": Kind.RERANK,
}


@dataclass(frozen=True)
class ListedModel:
    """One model the server lists, with the kind its metadata or name gives and where that came from."""

    id: str
    kind: Kind
    basis: str


def _word_kind(value: Any) -> Kind | None:
    return _WORDS.get(value.strip().lower()) if isinstance(value, str) else None


def kind_from_metadata(entry: dict[str, Any]) -> tuple[Kind, str] | None:
    """The kind a server's own fields give a model, and which field said so; None when none does."""
    for key in ("type", "mode", "task"):
        if kind := _word_kind(entry.get(key)):
            return kind, key
    custom = entry.get("custom_metadata")  # OGX: model_type is llm, embedding or rerank
    if isinstance(custom, dict) and (kind := _word_kind(custom.get("model_type"))):
        return kind, "custom_metadata.model_type"
    capabilities = entry.get("capabilities")
    if isinstance(capabilities, list):
        kinds = {k for k in map(_word_kind, capabilities) if k}
        if Kind.CHAT in kinds:
            return Kind.CHAT, "capabilities"
        if len(kinds) == 1:
            return kinds.pop(), "capabilities"
    details = entry.get("details")
    if isinstance(details, dict):
        families = [details.get("family"), *(details.get("families") or [])]
        names = [f.lower() for f in families if isinstance(f, str) and f]
        if any("bert" in name for name in names):
            return Kind.EMBEDDING, "details.family"
        if names:
            return Kind.CHAT, "details.family"
    architecture = entry.get("architecture")
    outputs = architecture.get("output_modalities") if isinstance(architecture, dict) else None
    if isinstance(outputs, list) and outputs:
        lowered = {str(o).lower() for o in outputs}
        if lowered & {"embedding", "embeddings"}:
            return Kind.EMBEDDING, "architecture.output_modalities"
        if "text" in lowered:
            return Kind.CHAT, "architecture.output_modalities"
        if lowered == {"image"}:
            return Kind.IMAGE, "architecture.output_modalities"
        if lowered == {"audio"}:
            return Kind.SPEECH, "architecture.output_modalities"
    return None


def kind_from_name(name: str) -> Kind:
    """The kind a model's name suggests, when its server says nothing."""
    lowered = name.lower()
    return next((kind for kind, rule in _NAME_RULES if rule.search(lowered)), Kind.UNKNOWN)


def listed_models(data: Any) -> list[ListedModel]:
    """Every model of a ``/v1/models`` body, classified.

    OpenAI's ``data`` list gives the ids; a parallel Ollama-style ``models`` list (llama.cpp sends
    one) adds metadata under the same name. Metadata wins over the name, except that a name that
    says embedding wins over a bare "completion" capability: servers list embedding models so too.
    """
    if not isinstance(data, dict):
        return []
    extra: dict[str, dict[str, Any]] = {}
    for entry in data.get("models") or []:
        if isinstance(entry, dict):
            for key in ("model", "name", "id"):
                if isinstance(entry.get(key), str):
                    extra.setdefault(entry[key], entry)
    found: list[ListedModel] = []
    for entry in data.get("data") or []:
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str) or not entry["id"]:
            continue
        model_id = entry["id"]
        by_name = kind_from_name(model_id)
        by_meta = kind_from_metadata(entry) or kind_from_metadata(extra.get(model_id, {}))
        if by_meta and not (by_meta[0] is Kind.CHAT and by_name is not Kind.UNKNOWN):
            found.append(ListedModel(model_id, by_meta[0], by_meta[1]))
        else:
            found.append(ListedModel(model_id, by_name, "name"))
    return found


def first_of(models: Iterable[ListedModel], *kinds: Kind) -> str | None:
    """The first listed model of the first kind present, in the server's order."""
    models = list(models)
    for kind in kinds:
        for model in models:
            if model.kind is kind:
                return model.id
    return None


@dataclass
class Discovery:
    """What ``/v1/models`` told, the models picked for each kind, and why a kind has none."""

    listed: list[ListedModel] = field(default_factory=list)
    exchange: Exchange | None = None
    problem: str | None = None
    """Why the list could not be read (one line), or None."""

    def pick(self, kind: Kind) -> str | None:
        """The model to probe ``kind`` with; an unknown-kind model stands in for chat."""
        if kind is Kind.CHAT:
            return first_of(self.listed, Kind.CHAT, Kind.UNKNOWN)
        return first_of(self.listed, kind)

    def why_none(self, kind: Kind, option: str) -> str:
        """The reason a row needing ``kind`` is untested when nothing was picked for it."""
        if self.problem and self.exchange is not None:
            return f"no {kind.value} model: {self.exchange.path} {self.problem}; pass {option} NAME"
        if not self.listed:
            return f"the server lists no models, so there is no {kind.value} model; pass {option} NAME"
        if len(self.listed) == 1:
            return self._only_model(kind, option)
        names = ", ".join(m.id for m in self.listed[:6]) + (" …" if len(self.listed) > 6 else "")
        return one_line(f"the server lists no {kind.value} model (it lists {names}); pass {option} NAME", 300)

    def _only_model(self, kind: Kind, option: str) -> str:
        """Why ``kind`` has no model when the server lists one model of another kind.

        A server started with one model (llama.cpp, a gateway with one deployment) lists it once,
        and the prober takes it for what its metadata or name says; the rows of every other kind
        are then untested. The reason names that model, what it was taken for, the rows left out
        and the option that names a second model (or the same one, when it serves both).
        """
        only = self.listed[0]
        basis = "its name" if only.basis == "name" else f"its `{only.basis}`"
        if only.kind is Kind.UNKNOWN:
            what = "taken as the chat model (the server does not say its kind)"
        else:
            article = "an" if only.kind.value[0] in "aeiou" else "a"
            what = f"{article} {only.kind.value} model by {basis}"
        rows = _ROWS_OF.get(kind, f"the rows that need a {kind.value} model are")
        serves = _SERVES.get(kind, kind.value)
        return one_line(
            f"the server lists no {kind.value} model (it lists {one_line(only.id, 80)}): that one model is "
            f"{what}, so {rows} not tested; pass {option} NAME for a second model (or the same name if "
            f"that model serves {serves} too)",
            300,
        )


_ROWS_OF = {
    Kind.EMBEDDING: "the embeddings row is",
    Kind.CHAT: "the chat, completions and responses rows are",
}
"""The rows a kind of model is for, as a reason names them."""

_SERVES = {Kind.EMBEDDING: "embeddings", Kind.CHAT: "chat"}
"""What a model of a kind serves, as a reason says it."""


async def discover(session: Session, timeout: float, path: str) -> Discovery:
    """GET the model list at ``path`` (the catalog's ``models.list`` route) once and classify what it
    lists; never raises."""
    exchange = await session.get(path, label="model discovery", timeout=timeout, read_limit=4_000_000)
    found = Discovery(exchange=exchange)
    if exchange.error:
        found.problem = f"could not be read ({exchange.error})"
        return found
    if exchange.status in (401, 403):
        refused = "the API key was refused" if session.client.has_key else "it asks for an API key"
        found.problem = f"answered {exchange.status} ({refused})"
        return found
    if not exchange.ok:
        found.problem = f"answered {exchange.status}"
        return found
    try:
        found.listed = listed_models(exchange.json())
    except (ValueError, RecursionError):
        found.problem = "is not JSON"
    return found
