"""Probes of the responses family: the Responses API and its compaction route."""

from __future__ import annotations

from typing import Any

from openai.types.responses import CompactedResponse, Response

from probes.prober.endpoints.grading import grade_json, quote
from probes.prober.endpoints.registry import Grade, ProbeContext, probe


def _check(data: Any) -> tuple[list[str], str]:
    texts = [
        part.get("text", "")
        for item in data["output"]
        if isinstance(item, dict) and item.get("type") == "message"
        for part in item.get("content") or []
        if isinstance(part, dict) and part.get("type") == "output_text"
    ]
    if not texts:
        return ["`output` holds no message with `output_text`"], ""
    return [], f"a valid response, status {quote(data.get('status'))}: {quote(texts[0], 40)}"


@probe("responses")
async def responses(ctx: ProbeContext) -> Grade:
    """POST /v1/responses answers a Response the SDK type accepts, with text output."""
    payload = {"model": ctx.target.model, "input": "Say hello in one word.", "max_output_tokens": 16}
    exchange = await ctx.send(ctx.route(), payload, label="create a response")
    return grade_json(exchange, Response, "response", api_key_given=ctx.target.api_key_given, check=_check)


@probe("responses.compact")
async def responses_compact(ctx: ProbeContext) -> Grade:
    """POST /v1/responses/compact answers a compacted response."""
    payload = {
        "model": ctx.target.model,
        "input": [
            {"role": "user", "content": "Remember the word lighthouse."},
            {"role": "assistant", "content": "Noted: lighthouse."},
        ],
    }
    exchange = await ctx.send(ctx.route(), payload, label="compact a short conversation")
    return grade_json(
        exchange, CompactedResponse, "compacted response", api_key_given=ctx.target.api_key_given
    )
