"""Probe of the moderations family: /v1/moderations on a harmless sentence."""

from __future__ import annotations

from typing import Any

from openai.types import ModerationCreateResponse

from probes.prober.endpoints.grading import grade_json
from probes.prober.endpoints.registry import Grade, ProbeContext, probe


def _check(data: Any) -> tuple[list[str], str]:
    results = data["results"]
    if not results:
        return ["`results` is empty"], ""
    flagged = results[0]["flagged"]
    return [], f"one result, `flagged: {str(flagged).lower()}`"


@probe("moderations")
async def moderations(ctx: ProbeContext) -> Grade:
    """A harmless sentence gets a ModerationCreateResponse with one result."""
    payload = {"model": ctx.target.moderation_model, "input": "I like a cup of tea in the morning."}
    exchange = await ctx.send(ctx.route(), payload, label="moderate one sentence")
    return grade_json(
        exchange, ModerationCreateResponse, "moderation", api_key_given=ctx.target.api_key_given, check=_check
    )
