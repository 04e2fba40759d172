"""Probes of the images family: generation from a prompt, and edits of a generated PNG."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from openai.types import ImagesResponse

from probes.prober.endpoints.grading import grade_json, quote
from probes.prober.endpoints.registry import Grade, ProbeContext, probe
from probes.prober.samples import png_square, sniff_media

IMAGE_READ_LIMIT = 40_000_000
"""Base64 images are large; a 1024×1024 PNG is a few megabytes."""


def _check(data: Any) -> tuple[list[str], str]:
    items = data.get("data") or []
    if not items:
        return ["the answer holds no image"], ""
    first = items[0]
    if first.get("b64_json"):
        try:
            head = base64.b64decode(first["b64_json"][:64] + "=" * (-len(first["b64_json"][:64]) % 4))
        except (binascii.Error, ValueError):
            return ["`b64_json` is not base64"], ""
        media = sniff_media(head)
        if media is None or not media.startswith("image/"):
            return ["`b64_json` does not decode to a known image format"], ""
        return [], f"an image as `b64_json` ({quote(media)})"
    if first.get("url"):
        return [], "an image as a `url`"
    return ["the first image has neither `b64_json` nor `url`"], ""


@probe("images.generations")
async def images_generations(ctx: ProbeContext) -> Grade:
    """A prompt gets an ImagesResponse with one decodable image."""
    payload = {"model": ctx.target.image_model, "prompt": "A plain red square.", "n": 1, "size": "1024x1024"}
    exchange = await ctx.send(ctx.route(), payload, label="generate one image", read_limit=IMAGE_READ_LIMIT)
    return grade_json(
        exchange, ImagesResponse, "images response", api_key_given=ctx.target.api_key_given, check=_check
    )


async def _upload(ctx: ProbeContext, label: str, fields: dict[str, str]) -> Grade:
    files = {"image": ("probe.png", png_square(), "image/png")}
    exchange = await ctx.send(ctx.route(), files=files, data=fields, label=label, read_limit=IMAGE_READ_LIMIT)
    return grade_json(
        exchange, ImagesResponse, "images response", api_key_given=ctx.target.api_key_given, check=_check
    )


@probe("images.edits")
async def images_edits(ctx: ProbeContext) -> Grade:
    """A generated PNG and a prompt get an ImagesResponse with one decodable image."""
    fields = {"model": ctx.target.image_model, "prompt": "Make the square blue.", "n": "1"}
    return await _upload(ctx, "edit a 64×64 PNG", fields)


@probe("images.variations")
async def images_variations(ctx: ProbeContext) -> Grade:
    """The retired variations route: still probed, so the matrix can show where it answers."""
    return await _upload(ctx, "vary a 64×64 PNG", {"model": "dall-e-2", "n": "1"})
