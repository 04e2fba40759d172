"""Probe of the files family: listing uploaded files (read-only: the probe uploads nothing)."""

from __future__ import annotations

from typing import Literal

from openai.types import FileObject
from pydantic import BaseModel, ConfigDict

from probes.prober.endpoints.grading import grade_json
from probes.prober.endpoints.registry import Grade, ProbeContext, probe


class FileList(BaseModel):
    """The list envelope of GET /v1/files, holding the SDK's FileObject."""

    model_config = ConfigDict(extra="allow")
    object: Literal["list"]
    data: list[FileObject]


@probe("files")
async def files(ctx: ProbeContext) -> Grade:
    """GET /v1/files answers a list of FileObject."""
    exchange = await ctx.send(ctx.route(), label="list files")
    return grade_json(exchange, FileList, "file list", api_key_given=ctx.target.api_key_given)
