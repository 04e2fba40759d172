"""What the official ``openai`` SDK experiences on a real server, to set against the prober's grades.

For the endpoint rows whose use is one SDK call, a ✅ or ⚠️ must mean the call works and a ❌ that
it raises the SDK's status error. The calls are made here, independently of the prober's requests,
so a grade that claims more or less than a user would see fails the test.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import openai

from probes.model.report import Report
from probes.model.status import Status

Call = Callable[[openai.OpenAI, str, str | None], Any]

CALLS: dict[str, Call] = {
    "models.list": lambda c, m, e: c.models.list(),
    "models.retrieve": lambda c, m, e: c.models.retrieve(m),
    "chat.completions": lambda c, m, e: c.chat.completions.create(
        model=m, messages=[{"role": "user", "content": "Say hello."}], max_tokens=8
    ),
    "completions": lambda c, m, e: c.completions.create(model=m, prompt="Hello", max_tokens=8),
    "embeddings": lambda c, m, e: c.embeddings.create(model=e or m, input="Hello"),
    "responses": lambda c, m, e: c.responses.create(model=m, input="Say hello.", max_output_tokens=16),
    "moderations": lambda c, m, e: c.moderations.create(input="Hello"),
    "files": lambda c, m, e: c.files.list(),
    "fine_tuning.jobs": lambda c, m, e: c.fine_tuning.jobs.list(),
    "images.generations": lambda c, m, e: c.images.generate(model="gpt-image-1", prompt="A dot", n=1),
    "audio.speech": lambda c, m, e: c.audio.speech.create(model="tts-1", voice="alloy", input="Hi"),
}


def sdk_outcome(client: openai.OpenAI, row: str, model: str, embedding_model: str | None) -> str:
    """``ok`` when the SDK call returned, else the HTTP status (or error type) it raised."""
    try:
        CALLS[row](client, model, embedding_model)
    except openai.APIStatusError as exc:
        return str(exc.status_code)
    except openai.APIError as exc:
        return type(exc).__name__
    return "ok"


def disagreements(report: Report, base_url: str, api_key: str) -> list[str]:
    """Every endpoint row whose grade says otherwise than the SDK's own call, one line each."""
    client = openai.OpenAI(base_url=base_url, api_key=api_key, max_retries=0, timeout=120)
    model = report.models[0]
    embedding_model = report.models[1] if len(report.models) > 1 else None
    found = []
    for row, _call in CALLS.items():
        result = report.result_for(row)
        if result is None or not result.status.tested:
            continue
        outcome = sdk_outcome(client, row, model, embedding_model)
        works = result.status in (Status.PASS, Status.DEVIATION)
        if works != (outcome == "ok"):
            found.append(f"{row}: graded {result.status.value}, the SDK call gave {outcome}")
    return found


def checked_rows(report: Report) -> list[str]:
    """The rows :func:`disagreements` compares: those with an SDK call and a grade."""
    return [row for row in CALLS if (r := report.result_for(row)) is not None and r.status.tested]
