"""Tiny media inputs the prober makes itself, so no probe fetches a file from anywhere."""

from __future__ import annotations

import base64
import io
import math
import struct
import wave
import zlib


def wav_tone(seconds: float = 1.0, rate: int = 16_000, hz: float = 440.0) -> bytes:
    """A mono 16-bit PCM WAV holding a quiet sine tone: valid audio any decoder accepts."""
    frames = int(seconds * rate)
    samples = (int(8000 * math.sin(2 * math.pi * hz * i / rate)) for i in range(frames))
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"".join(struct.pack("<h", s) for s in samples))
    return buffer.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def png_square(size: int = 64, rgba: tuple[int, int, int, int] = (220, 40, 40, 255)) -> bytes:
    """A square RGBA PNG of one colour (image edits need an alpha channel)."""
    row = b"\x00" + bytes(rgba) * size
    raw = row * size
    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(raw))
        + _chunk(b"IEND", b"")
    )


def png_data_url(size: int = 64) -> str:
    """The PNG as a ``data:`` URL, the way chat vision requests carry an image inline."""
    return "data:image/png;base64," + base64.b64encode(png_square(size)).decode("ascii")


def sniff_media(blob: bytes) -> str | None:
    """The media type the bytes start like, from their magic numbers (None if unknown)."""
    signatures = (
        (b"\x89PNG\r\n\x1a\n", "image/png"),
        (b"\xff\xd8\xff", "image/jpeg"),
        (b"GIF8", "image/gif"),
        (b"ID3", "audio/mpeg"),
        (b"fLaC", "audio/flac"),
        (b"OggS", "audio/ogg"),
    )
    for magic, media in signatures:
        if blob.startswith(magic):
            return media
    if blob[:4] == b"RIFF" and blob[8:12] == b"WAVE":
        return "audio/wav"
    if blob[:4] == b"RIFF" and blob[8:12] == b"WEBP":
        return "image/webp"
    if len(blob) > 1 and blob[0] == 0xFF and blob[1] & 0xE0 == 0xE0:
        return "audio/mpeg"
    return None
