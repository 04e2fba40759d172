"""Probe of the completions family: the legacy /v1/completions text endpoint."""

from __future__ import annotations

from typing import Any

from openai.types.completion import Completion

from probes.prober.endpoints.grading import grade_json, quote
from probes.prober.endpoints.registry import Grade, ProbeContext, probe


def _check(data: Any) -> tuple[list[str], str]:
    choices = data.get("choices") or []
    if not choices:
        return ["the completion has no choices"], ""
    text = choices[0].get("text")
    return [], f"a valid text completion: {quote(text, 40)}"


@probe("completions")
async def completions(ctx: ProbeContext) -> Grade:
    """POST /v1/completions answers a Completion the SDK type accepts in strict mode."""
    payload = {"model": ctx.target.model, "prompt": "Once upon a time", "max_tokens": 8}
    exchange = await ctx.send(ctx.route(), payload, label="text completion")
    return grade_json(
        exchange, Completion, "text completion", api_key_given=ctx.target.api_key_given, check=_check
    )
