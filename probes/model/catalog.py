"""The catalog: every endpoint and behaviour aioc knows, and the matrices that arrange them.

The catalog is the one source of truth for rows: pages, exports, the JSON Schema and the prober
all read it. It lives in ``data/catalog/*.json``; each file holds rows and matrices, and the files
are merged into one :class:`Catalog` (an id defined twice is an error).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import Field, model_validator

from probes.model.base import DataModel, Identifier
from probes.model.text import OneLine, Prose


class RowKind(StrEnum):
    """What a row measures: an HTTP route, a behaviour of a route, or a broader feature."""

    ENDPOINT = "endpoint"
    BEHAVIOUR = "behaviour"
    FEATURE = "feature"


class Family(StrEnum):
    """The endpoint family a row belongs to; the prober has one module per family."""

    MODELS = "models"
    CHAT = "chat"
    COMPLETIONS = "completions"
    EMBEDDINGS = "embeddings"
    AUDIO = "audio"
    IMAGES = "images"
    RESPONSES = "responses"
    REALTIME = "realtime"
    MODERATIONS = "moderations"
    FILES = "files"
    FINE_TUNING = "fine_tuning"
    SERVER = "server"


class Retired(DataModel):
    """Why and since when a row is no longer part of the live surface."""

    date: dt.date
    reason: Prose = Field(min_length=1)
    replacement: OneLine | None = None


class Row(DataModel):
    """One canonical row of the matrix."""

    id: Identifier
    title: OneLine = Field(min_length=1, max_length=200)
    kind: RowKind
    family: Family
    method: str | None = Field(default=None, pattern=r"^(GET|POST|DELETE|WS)$")
    path: str | None = Field(default=None, pattern=r"^/[A-Za-z0-9_./{}-]*$")
    description: Prose = ""
    retired: Retired | None = None


class Section(DataModel):
    """A titled group of rows inside a matrix; each becomes a heading and a table."""

    id: Identifier
    title: OneLine = Field(min_length=1, max_length=120)
    intro: Prose = ""
    rows: list[Identifier] = Field(min_length=1)


class Matrix(DataModel):
    """One published table arrangement: which rows, in which sections, with which extras."""

    id: Identifier
    title: OneLine
    sections: list[Section] = Field(min_length=1)
    implementations: list[Identifier] | None = Field(
        default=None, description="Columns in order; default: every implementation with data here."
    )
    footnotes: bool = Field(default=True, description="Number cell footnotes and list them under the table.")
    retired: bool = Field(default=False, description="List the catalog's retired rows after the tables.")
    summary: bool = Field(default=False, description="Show the computed Summary and details tables.")
    row_header: OneLine = Field(
        default="Endpoint / behaviour",
        min_length=1,
        max_length=60,
        description="The label over the row titles: what one row of this matrix is.",
    )
    """Display option, here rather than in the template, so that the page never decides by a matrix's id."""
    show_method: bool = Field(
        default=False,
        description="Show an endpoint row's HTTP method before its title.",
    )
    """Display option: a matrix that mixes endpoints with behaviours shows which rows are routes."""

    @property
    def row_ids(self) -> list[str]:
        """Every row id of the matrix in display order."""
        return [row for section in self.sections for row in section.rows]


class CatalogFile(DataModel):
    """The contents of one ``data/catalog/*.json`` file."""

    schema_: str | None = Field(default=None, alias="$schema")
    rows: list[Row] = Field(default_factory=list)
    matrices: list[Matrix] = Field(default_factory=list)


class Catalog(DataModel):
    """All catalog files merged, with the cross-references checked."""

    rows: dict[str, Row]
    matrices: dict[str, Matrix]

    @model_validator(mode="after")
    def _sections_name_known_rows(self) -> Catalog:
        for matrix in self.matrices.values():
            for section in matrix.sections:
                for row_id in section.rows:
                    if row_id not in self.rows:
                        raise ValueError(
                            f"matrix {matrix.id!r} section {section.id!r} names unknown row {row_id!r}"
                        )
        return self

    @property
    def retired_rows(self) -> list[Row]:
        """Rows no longer routed upstream, oldest retirement first."""
        retired = [(r.retired.date, r.id, r) for r in self.rows.values() if r.retired]
        return [row for _, _, row in sorted(retired, key=lambda item: item[:2])]
