"""Probe of the fine-tuning family: listing jobs (read-only: the probe starts no job)."""

from __future__ import annotations

from typing import Literal

from openai.types.fine_tuning import FineTuningJob
from pydantic import BaseModel, ConfigDict

from probes.prober.endpoints.grading import grade_json
from probes.prober.endpoints.registry import Grade, ProbeContext, probe


class JobList(BaseModel):
    """The list envelope of GET /v1/fine_tuning/jobs, holding the SDK's FineTuningJob."""

    model_config = ConfigDict(extra="allow")
    object: Literal["list"]
    data: list[FineTuningJob]
    has_more: bool


@probe("fine_tuning.jobs")
async def fine_tuning_jobs(ctx: ProbeContext) -> Grade:
    """GET /v1/fine_tuning/jobs answers a list of FineTuningJob."""
    exchange = await ctx.send(
        route := ctx.route(), path=route.path() + "?limit=1", label="list fine-tuning jobs"
    )
    return grade_json(exchange, JobList, "job list", api_key_given=ctx.target.api_key_given)
