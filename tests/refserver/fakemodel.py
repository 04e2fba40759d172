"""A stand-in language model: words drawn from a small vocabulary, reproducible when it should be.

Greedy decoding (``temperature: 0``) depends only on the prompt, a seed makes sampling repeatable,
and anything else draws from the system's entropy, so "ignored seed" and "ignored temperature"
deviations show up as different text, as they would on a real server.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass

_WORDS = (
    "amber anchor apple breeze candle canyon cedar cloud copper daisy delta ember falcon fern "
    "garnet harbor hazel island jasper juniper lantern maple meadow nectar oak orchid pebble "
    "pepper quartz raven river saffron sage shadow silver spruce stone summit thistle thunder "
    "tulip velvet willow winter yarrow zephyr"
)
VOCABULARY: tuple[str, ...] = tuple(_WORDS.split())

NATURAL_LENGTH = 10
"""How many tokens a reply has when nothing cuts it short (below every probe's limit but one)."""


@dataclass(frozen=True)
class Generation:
    """A reply: its tokens (each one word, with its leading space) and why it ended."""

    tokens: list[str]
    finish_reason: str

    @property
    def text(self) -> str:
        return "".join(self.tokens)


def _stable_seed(*parts: object) -> int:
    return int.from_bytes(hashlib.sha256(repr(parts).encode()).digest()[:8], "big")


def generate(
    prompt: str,
    *,
    temperature: float | None,
    seed: int | None,
    max_tokens: int | None,
    stop: list[str],
    choice: int = 0,
) -> Generation:
    """Produce one reply under the sampling settings given (already filtered by deviations)."""
    if temperature == 0:
        rng = random.Random(_stable_seed("greedy", prompt))
    elif seed is not None:
        rng = random.Random(_stable_seed("seed", seed, prompt, choice))
    else:
        rng = random.Random()
    words = [rng.choice(VOCABULARY) for _ in range(NATURAL_LENGTH)]
    tokens = [words[0]] + [" " + w for w in words[1:]]
    out: list[str] = []
    for token in tokens:
        if max_tokens is not None and len(out) >= max_tokens:
            return Generation(out, "length")
        out.append(token)
        text = "".join(out)
        hits = [text.find(s) for s in stop if s and s in text]
        if hits:
            return Generation(_trim(out, len(text[: min(hits)])), "stop")
    return Generation(out, "stop")


def _trim(tokens: list[str], length: int) -> list[str]:
    """The tokens cut to ``length`` characters (the last one partly, as a stop string cuts it)."""
    kept: list[str] = []
    size = 0
    for token in tokens:
        if size + len(token) > length:
            if length > size:
                kept.append(token[: length - size])
            break
        kept.append(token)
        size += len(token)
    return kept


def count_tokens(text: str) -> int:
    """Prompt tokens as this model counts them: one per word."""
    return max(1, len(text.split()))
