"""Probe of the embeddings family: /v1/embeddings with an embedding model."""

from __future__ import annotations

from typing import Any

from openai.types import CreateEmbeddingResponse

from probes.prober.endpoints.grading import grade_json
from probes.prober.endpoints.registry import NEEDS_EMBEDDING_MODEL, Grade, ProbeContext, probe

INPUTS = ["The cat sat on the mat.", "A ship sailed at dawn."]


def _check(data: Any) -> tuple[list[str], str]:
    items = data["data"]
    issues = []
    if len(items) != len(INPUTS):
        issues.append(f"{len(INPUTS)} inputs gave {len(items)} vectors")
    if sorted(item["index"] for item in items) != list(range(len(items))):
        issues.append("the vectors' `index` values are not 0..n-1")
    sizes = {len(item["embedding"]) for item in items}
    if 0 in sizes:
        issues.append("a vector is empty")
    elif len(sizes) > 1:
        issues.append(f"the vectors differ in length: {sorted(sizes)}")
    size = next(iter(sizes), 0)
    return issues, f"{len(items)} vectors of {size} floats, one per input"


@probe("embeddings", needs=(NEEDS_EMBEDDING_MODEL,))
async def embeddings(ctx: ProbeContext) -> Grade:
    """Two inputs with ``encoding_format: float`` give two float vectors of one length."""
    payload = {"model": ctx.target.embedding_model, "input": INPUTS, "encoding_format": "float"}
    exchange = await ctx.send(ctx.route(), payload, label="embed two texts")
    return grade_json(
        exchange,
        CreateEmbeddingResponse,
        "embedding response",
        api_key_given=ctx.target.api_key_given,
        check=_check,
    )
