"""The pydantic base shared by every data model: strict about unknown keys, so typos are errors."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints


class DataModel(BaseModel):
    """A model read from a committed data file. Unknown keys are refused, never silently dropped."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]{0,79}$")]
"""A stable id for a row, an implementation or a run: lower case, digits, dot, dash, underscore."""

HttpUrl = Annotated[str, StringConstraints(pattern=r"^https?://[^\s<>\"']+$", max_length=2000)]
"""An http(s) address kept as the plain string it was written as."""
