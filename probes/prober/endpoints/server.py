"""Probes of server-wide behaviour: the error envelope, API key auth, and what cannot be probed."""

from __future__ import annotations

from typing import Any

from probes.prober.endpoints.grading import json_body, quote
from probes.prober.endpoints.registry import (
    AUTH,
    NEEDS_API_KEY,
    UNREACHED,
    Grade,
    ProbeContext,
    deviation,
    failed,
    passed,
    probe,
    untested,
)

CHAT = "chat.completions"
"""The catalog row whose route the server-wide probes ask: a chat request, which every server serves."""
WRONG_KEY = "aioc-wrong-key-000000000000"
"""Not a secret: a key no server was started with."""


def envelope_problems(data: Any) -> list[str]:
    """How an error body differs from ``{"error": {"message", "type", "param", "code"}}``."""
    if not isinstance(data, dict) or not isinstance(data.get("error"), dict):
        return ["has no `error` object"]
    error = data["error"]
    problems = []
    for key in ("message", "type"):
        if not isinstance(error.get(key), str):
            problems.append(f"`{key}` is missing" if key not in error else f"`{key}` is not a string")
    for key in ("param", "code"):
        if key not in error:
            problems.append(f"`{key}` is missing")
        elif error[key] is not None and not isinstance(error[key], str):
            kind = {int: "an integer", float: "a number", bool: "a boolean"}.get(
                type(error[key]), "an object"
            )
            problems.append(f"`{key}` is {kind} ({quote(error[key], 20)}), not a string or null")
    return problems


@probe("errors.envelope")
async def errors_envelope(ctx: ProbeContext) -> Grade:
    """A chat request without ``messages`` gets a 4xx with OpenAI's four-key error envelope.

    The request still carries a small ``max_tokens``: a server that takes a missing ``messages`` for
    an empty chat (llama-cpp-python does) would otherwise generate until its context is full, and a
    server that answers one request at a time would make every later probe wait for it."""
    exchange = await ctx.send(
        ctx.route(CHAT),
        {"model": ctx.target.any_model, "max_tokens": 16},
        label="chat request without messages",
    )
    if exchange.unreached:
        return untested(f"the server could not be reached: {exchange.error}", UNREACHED)
    if exchange.error:
        return failed(f"no usable answer: {exchange.error}")
    status = exchange.status or 0
    if status < 400:
        return deviation(f"a chat request without `messages` was answered {status}, not a 4xx error")
    data, problem = json_body(exchange)
    problems = envelope_problems(data) if problem is None else ["is not JSON"]
    if status >= 500:
        problems.insert(0, f"is a {status}, not a 4xx")
    if problems:
        return deviation(f"the {status} error body " + "; ".join(problems))
    return passed(f"{status} with `message`, `type`, `param` and `code`")


@probe("server.api_key", needs=(NEEDS_API_KEY,))
async def server_api_key(ctx: ProbeContext) -> Grade:
    """Requests without the key, or with a wrong one, are refused with 401; the given key is not."""
    payload = {
        "model": ctx.target.any_model,
        "messages": [{"role": "user", "content": "Hi."}],
        "max_tokens": 1,
    }
    chat = ctx.route(CHAT)
    answers = []
    for key, label in ((None, "without a key"), (WRONG_KEY, "with a wrong key")):
        exchange = await ctx.send(chat, payload, api_key=key, label=label)
        if exchange.unreached:
            return untested(f"the server could not be reached: {exchange.error}", UNREACHED)
        if exchange.error:
            return failed(f"no usable answer to a request {label}: {exchange.error}")
        answers.append((label, exchange.status))
    control = await ctx.send(chat, payload, label="with the given key")
    if control.status in (401, 403):
        return untested(
            f"the given key is refused too ({control.status}), so refusing other keys shows nothing",
            AUTH,
        )
    accepted = [f"{label} got {status}" for label, status in answers if status and status < 400]
    if accepted:
        return failed("the key is not enforced: a request " + " and one ".join(accepted))
    other = [f"{label} got {status}" for label, status in answers if status != 401]
    if other:
        return deviation("refused, but not with 401: a request " + " and one ".join(other))
    return passed("requests without a key and with a wrong key were refused with 401")


@probe("server.multi_model")
async def server_multi_model(ctx: ProbeContext) -> Grade:
    """Not probed: it depends on how the server was started, not on its API."""
    return untested("not probed: serving several models depends on how the server was started")


@probe("server.remote_access")
async def server_remote_access(ctx: ProbeContext) -> Grade:
    """Not probed: reachability is a property of the deployment, not of the API."""
    return untested("not probed: remote access is a property of the deployment, not of the API")
