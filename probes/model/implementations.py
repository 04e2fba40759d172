"""The implementations: the columns of every matrix (APIs, inference servers, gateways)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from probes.model.base import DataModel, HttpUrl, Identifier
from probes.model.text import OneLine, Prose


class ImplementationKind(StrEnum):
    """What sort of thing a column is; users choosing a server filter on it."""

    API = "api"
    INFERENCE_SERVER = "inference_server"
    GATEWAY = "gateway"


class Implementation(DataModel):
    """One column: a product that answers OpenAI-style requests."""

    id: Identifier
    name: OneLine = Field(min_length=1, max_length=60)
    homepage: HttpUrl
    kind: ImplementationKind
    description: Prose = ""


class ImplementationsFile(DataModel):
    """The contents of ``data/implementations.json``; the list order is the column order."""

    schema_: str | None = Field(default=None, alias="$schema")
    implementations: list[Implementation] = Field(min_length=1)
