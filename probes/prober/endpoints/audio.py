"""Probes of the audio family: transcription and translation of a generated WAV, and speech."""

from __future__ import annotations

from typing import Any

from openai.types.audio import Transcription, Translation

from probes.prober.endpoints.grading import grade_json, quote, route_problem
from probes.prober.endpoints.registry import Grade, ProbeContext, deviation, failed, passed, probe
from probes.prober.samples import sniff_media, wav_tone


def _text_check(data: Any) -> tuple[list[str], str]:
    return [], f"answered text: {quote(data.get('text', ''), 40)}"


async def _upload(ctx: ProbeContext, model: type, what: str) -> Grade:
    files = {"file": ("probe.wav", wav_tone(), "audio/wav")}
    exchange = await ctx.send(
        ctx.route(),
        files=files,
        data={"model": ctx.target.transcription_model},
        label=f"{what} of a 1 s tone",
    )
    return grade_json(exchange, model, what, api_key_given=ctx.target.api_key_given, check=_text_check)


@probe("audio.transcriptions")
async def audio_transcriptions(ctx: ProbeContext) -> Grade:
    """A one-second WAV uploaded as multipart gets a Transcription back."""
    return await _upload(ctx, Transcription, "transcription")


@probe("audio.translations")
async def audio_translations(ctx: ProbeContext) -> Grade:
    """A one-second WAV uploaded as multipart gets a Translation back."""
    return await _upload(ctx, Translation, "translation")


@probe("audio.speech")
async def audio_speech(ctx: ProbeContext) -> Grade:
    """Text to speech answers audio bytes in the format asked for (WAV)."""
    payload = {
        "model": ctx.target.speech_model,
        "input": "Hello from aioc.",
        "voice": "alloy",
        "response_format": "wav",
    }
    exchange = await ctx.send(ctx.route(), payload, label="speech as WAV", read_limit=16_000_000)
    if problem := route_problem(exchange, api_key_given=ctx.target.api_key_given):
        return problem
    if exchange.truncated:
        return failed(f"the audio was larger than {exchange.read_limit} bytes; reading stopped there")
    media = sniff_media(exchange.body)
    if media is None or not media.startswith("audio/"):
        return failed(f"answered {quote(exchange.content_type or 'no content type')} that is not audio")
    if media != "audio/wav":
        return deviation(f"asked for `response_format: wav`, got {quote(media)}")
    return passed(f"{len(exchange.body)} bytes of WAV audio")
