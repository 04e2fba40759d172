"""Probes of the Responses matrix's Compact section: the ``responses.compact`` route, ``context_management``.

Compaction turns a conversation into fewer input items: OpenAI answers a ``response.compaction``
whose ``output`` keeps the user messages and ends with one ``compaction`` item (opaque
``encrypted_content``) that stands for the rest, and that output can be sent back as input. The
probes grade those items, what a later response accepts and stores, and the token counts, never the
summary's words. The summary is written by the model; a compaction that does not finish within
:data:`COMPACT_SECONDS` is untested (a base model may not stop by itself). The grading rule is the
one of :mod:`probes.prober.endpoints.responses_features`.
"""

from __future__ import annotations

from typing import Any

from openai.types.responses import CompactedResponse, ResponseCompactionItem

from probes.model.status import Status
from probes.prober.endpoints.grading import (
    json_body,
    object_with,
    quote,
    route_problem,
    sdk_problems,
    shape_message,
)
from probes.prober.endpoints.registry import Grade, ProbeContext, deviation, failed, passed, probe, untested
from probes.prober.endpoints.responses_features import (
    RESPONSES,
    create,
    request,
    response_of,
    tokens,
    with_issues,
)

COMPACT = "responses.compact"
"""The catalog row whose route (``POST /v1/responses/compact``) the compaction probes send to."""
COMPACT_SECONDS = 45.0
"""How long one compaction may take: the probe's whole budget is 60 s by default."""

PLAN = [
    {"role": "user", "content": "Help me plan a Python web app."},
    {"role": "assistant", "content": "I suggest FastAPI with SQLite."},
    {"role": "user", "content": "Add authentication too."},
    {"role": "assistant", "content": "Use OAuth2 with JWT tokens."},
]


def time_left(ctx: ProbeContext) -> float:
    """How long the next compaction may take: :data:`COMPACT_SECONDS`, or less when the probe's earlier
    requests used up its budget (the client's timeout, which is the probe's unless set apart), so that
    a slow model ends as "did not finish" rather than as the probe's own time limit."""
    spent = sum(e.elapsed_ms or 0 for e in ctx.http.exchanges) / 1000
    return max(1.0, min(COMPACT_SECONDS, ctx.http.client.timeout - spent - 5.0))


def user(text: str) -> dict[str, Any]:
    return {"role": "user", "content": text}


async def compact(ctx: ProbeContext, body: dict[str, Any], label: str) -> tuple[dict[str, Any], Grade | None]:
    """One compaction; the ``response.compaction`` object, or the grade when there is none."""
    limit = time_left(ctx)
    exchange = await ctx.send(
        ctx.route(COMPACT), {"model": ctx.target.model} | body, label=label, timeout=limit
    )
    if exchange.error and not exchange.unreached and exchange.status in (None, 200):
        return {}, untested(
            f"the compaction did not finish within {limit:.0f} s ({exchange.error}); the summary"
            " is written by the model, which may not stop by itself"
        )
    missing = "the answer is not a compaction: it has no `output` list"
    return object_with(exchange, "output", list, missing, api_key_given=ctx.target.api_key_given)


def kinds(data: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    """The output items of one type (a message item may leave out ``type``)."""
    return [i for i in data["output"] if isinstance(i, dict) and i.get("type", "message") == kind]


def text_of(item: dict[str, Any]) -> str:
    content = item.get("content")
    if isinstance(content, str):
        return content
    return " ".join(str(p.get("text", "")) for p in content or [] if isinstance(p, dict))


def shape_issues(data: dict[str, Any]) -> list[str]:
    """How a compaction differs from OpenAI's ``CompactedResponse``."""
    # the SDK types ``output`` as a response's output items, so its user messages (``input_text``
    # parts, as OpenAI sends them) would not validate: the envelope and the compaction items are checked
    issues = [
        shape_message("the compaction", p)
        for p in [sdk_problems(CompactedResponse, data | {"output": []})]
        if p
    ]
    for item in kinds(data, "compaction")[:1]:
        if problems := sdk_problems(ResponseCompactionItem, item):
            issues.append(shape_message("the compaction item", problems))
    if data.get("object") != "response.compaction":
        issues.append(f"`object` is {quote(data.get('object'))}, not `response.compaction`")
    return issues


def compaction_grade(data: dict[str, Any], users: list[str], message: str) -> Grade:
    """The common check: one trailing compaction item with content, the user messages kept."""
    compactions = kinds(data, "compaction")
    if not compactions:
        return failed(f"the output holds no `compaction` item (types: {quote(_types(data), 80)})")
    issues: list[str | None] = list(shape_issues(data))
    if len(compactions) > 1:
        issues.append(f"the output holds {len(compactions)} compaction items, not one")
    if not compactions[-1].get("encrypted_content"):
        issues.append("the compaction item has no `encrypted_content`")
    if data["output"][-1] is not compactions[-1]:
        issues.append("the compaction item is not the last of the output")
    kept = [text_of(m) for m in kinds(data, "message") if m.get("role") == "user"]
    lost = [u for u in users if not any(u in k for k in kept)]
    if lost:
        return failed(f"the user message {quote(lost[0], 40)} is not kept in the compacted output")
    return with_issues(issues, message)


def _types(data: dict[str, Any]) -> str:
    return ", ".join(str(i.get("type", "message")) for i in data["output"] if isinstance(i, dict))


def _users(items: list[dict[str, Any]]) -> list[str]:
    return [i["content"] for i in items if i.get("role") == "user"]


@probe("responses.compact.compact-basic-conversation")
async def basic_conversation(ctx: ProbeContext) -> Grade:
    """Four turns compact to the two user messages and one compaction item."""
    data, problem = await compact(ctx, {"input": PLAN}, "compact four turns")
    if problem:
        return problem
    grade = compaction_grade(data, _users(PLAN), f"compacted to {_types(data)}")
    if grade.status is Status.PASS and any(m.get("role") == "assistant" for m in kinds(data, "message")):
        return deviation("the assistant messages are kept beside the compaction item")
    if grade.status is Status.PASS and not (tokens(data, "input_tokens") or 0) > 0:
        return deviation("the compaction reports no `usage.input_tokens`")
    return grade


@probe("responses.compact.compact-single-message")
async def single_message(ctx: ProbeContext) -> Grade:
    """One user message compacts to that message and one compaction item."""
    data, problem = await compact(ctx, {"input": [user("Hello!")]}, "compact one message")
    if problem:
        return problem
    return compaction_grade(data, ["Hello!"], f"compacted to {_types(data)}")


@probe("responses.compact.compact-with-tool-calls-dropped")
async def tool_calls_dropped(ctx: ProbeContext) -> Grade:
    """Function calls and their outputs are folded into the compaction, not kept as items."""
    turns = [
        user("What's the weather?"),
        {"type": "function_call", "call_id": "call_1", "name": "get_weather", "arguments": '{"city": "SF"}'},
        {"type": "function_call_output", "call_id": "call_1", "output": '{"temp": 65}'},
        {"role": "assistant", "content": "It's 65F in SF."},
        user("Thanks!"),
    ]
    data, problem = await compact(ctx, {"input": turns}, "compact turns with a tool call")
    if problem:
        return problem
    kept = [t for t in ("function_call", "function_call_output") if kinds(data, t)]
    if kept:
        return failed(f"the compacted output still holds {', '.join(f'`{k}`' for k in kept)} items")
    return compaction_grade(
        data, ["What's the weather?", "Thanks!"], f"the tool turns were dropped: {_types(data)}"
    )


@probe("responses.compact.compact-with-previous-response-id")
async def with_previous_response_id(ctx: ProbeContext) -> Grade:
    """``previous_response_id`` compacts a stored response's history instead of an ``input``."""
    question = "What is the capital of France?"
    first, problem = await create(ctx, request(ctx, question, store=True), "a stored response")
    if problem:
        return problem
    data, problem = await compact(ctx, {"previous_response_id": first.get("id")}, "compact a stored response")
    if problem:
        return problem
    return compaction_grade(data, [question], "the stored response's input was compacted")


async def _followup(
    ctx: ProbeContext, data: dict[str, Any], text: str, **fields: Any
) -> tuple[dict[str, Any], Grade | None]:
    """A response whose input is the compacted output and one more user message."""
    payload = request(ctx, [*data["output"], user(text)], **fields)
    return await create(ctx, payload, "a response to the compacted output")


@probe("responses.compact.compact-roundtrip")
async def roundtrip(ctx: ProbeContext) -> Grade:
    """The compacted output, compaction item included, is taken as the input of a new response."""
    data, problem = await compact(ctx, {"input": PLAN}, "compact four turns")
    if problem:
        return problem
    if not kinds(data, "compaction"):
        return failed("the compaction holds no `compaction` item to send back")
    response, problem = await _followup(ctx, data, "What ORM should I use?")
    if problem:
        return problem
    return passed(
        f"the compacted output was accepted as input ({tokens(response, 'input_tokens')} input tokens)"
    )


@probe("responses.compact.compact-input-items-hides-compaction")
async def input_items_hide(ctx: ProbeContext) -> Grade:
    """``GET /v1/responses/{id}/input_items`` lists the messages, not the compaction item."""
    data, problem = await compact(
        ctx, {"input": [user("Hello"), {"role": "assistant", "content": "Hi there"}]}, "compact two turns"
    )
    if problem:
        return problem
    if not kinds(data, "compaction"):
        return failed("the compaction holds no `compaction` item to send back")
    response, problem = await _followup(ctx, data, "How are you?", store=True)
    if problem:
        return problem
    exchange = await ctx.http.get(
        ctx.route(RESPONSES).path(str(response.get("id")), "input_items"), label="the response's input items"
    )
    if problem := route_problem(exchange, api_key_given=ctx.target.api_key_given):
        return problem
    listed, problem = json_body(exchange)
    if problem:
        return problem
    found = listed.get("data") if isinstance(listed, dict) else None
    if not isinstance(found, list):
        return failed("the input item list has no `data` list")
    if any(isinstance(i, dict) and i.get("type") == "compaction" for i in found):
        return failed("the input items show the compaction item")
    if not any(isinstance(i, dict) and "How are you?" in text_of(i) for i in found):
        return failed(f"the {len(found)} input items do not hold the new user message")
    return passed(f"{len(found)} input items, none of them the compaction")


@probe("responses.compact.compact-chain-through-compaction")
async def chain_through(ctx: ProbeContext) -> Grade:
    """A response made from compacted input can be continued with ``previous_response_id``."""
    turns = [
        user("Remember: the secret word is 'banana'."),
        {"role": "assistant", "content": "Got it: banana."},
    ]
    data, problem = await compact(ctx, {"input": turns}, "compact two turns")
    if problem:
        return problem
    if not kinds(data, "compaction"):
        return failed("the compaction holds no `compaction` item to send back")
    first, problem = await _followup(ctx, data, "What did we discuss?", store=True)
    if problem:
        return problem
    question = "What was the secret word?"
    alone, problem = await create(ctx, request(ctx, question), "the question alone")
    if problem:
        return problem
    second, problem = await create(
        ctx, request(ctx, question, previous_response_id=first.get("id")), "the chained turn"
    )
    if problem:
        return problem
    before, after = tokens(alone, "input_tokens"), tokens(second, "input_tokens")
    if before is None or after is None:
        return untested("answered, but without `usage.input_tokens` to show the chain was read")
    if after <= before:
        return failed(
            f"the chained turn cost {after} input tokens, as many as alone ({before}): the chain was not read"
        )
    return passed(f"the chain through the compaction was read ({before} → {after} input tokens)")


@probe("responses.compact.compact-double-compaction")
async def double_compaction(ctx: ProbeContext) -> Grade:
    """Compacting an output that already holds a compaction item gives one compaction item again."""
    data, problem = await compact(
        ctx,
        {"input": [user("Topic A discussion"), {"role": "assistant", "content": "About A"}]},
        "first compaction",
    )
    if problem:
        return problem
    if not kinds(data, "compaction"):
        return failed("the first compaction holds no `compaction` item")
    extended = [*data["output"], user("Topic B discussion"), {"role": "assistant", "content": "About B"}]
    again, problem = await compact(ctx, {"input": extended}, "second compaction")
    if problem:
        return problem
    return compaction_grade(again, ["Topic B discussion"], "compacted twice: one compaction item again")


@probe("responses.compact.compact-response-is-retrievable")
async def retrievable(ctx: ProbeContext) -> Grade:
    """The compaction's id can be read back with ``GET /v1/responses/{id}``."""
    data, problem = await compact(
        ctx,
        {"input": [user("Hello there!"), {"role": "assistant", "content": "Hi! How can I help?"}]},
        "compact two turns",
    )
    if problem:
        return problem
    if not isinstance(data.get("id"), str):
        return failed("the compaction has no `id` to read back")
    responses = ctx.route(RESPONSES)
    exchange = await ctx.http.get(responses.path(data["id"]), label="retrieve the compaction")
    if problem := route_problem(exchange, api_key_given=ctx.target.api_key_given):
        return problem
    stored, problem = json_body(exchange)
    if problem:
        return problem
    if not isinstance(stored, dict) or stored.get("id") != data["id"]:
        return failed(f"reading the compaction back gave another object: {quote(exchange.text, 60)}")
    if stored.get("status") != "completed":
        return deviation(f"the stored compaction has status {quote(stored.get('status'))}, not `completed`")
    return passed(f"`GET {responses.path()}/{data['id'][:24]}` returns it")


def _large_input() -> list[dict[str, Any]]:
    turns: list[dict[str, Any]] = []
    for number in range(6):  # about 250 tokens: far above a threshold of 100, quick to read
        turns.append(user(f"Tell me about topic number {number} in great detail."))
        turns.append(
            {"role": "assistant", "content": f"Here is a detailed answer about topic {number}. " * 3}
        )
    return [*turns, user("Summarize what we discussed.")]


def _has_compaction(data: dict[str, Any]) -> bool:
    return any(isinstance(i, dict) and i.get("type") == "compaction" for i in data.get("output") or [])


async def _managed(
    ctx: ProbeContext, turns: Any, threshold: int | None, label: str
) -> tuple[dict[str, Any], Grade | None]:
    fields = (
        {}
        if threshold is None
        else {"context_management": [{"type": "compaction", "compact_threshold": threshold}]}
    )
    limit = time_left(ctx)
    exchange = await ctx.send(ctx.route(RESPONSES), request(ctx, turns, **fields), label=label, timeout=limit)
    if threshold is not None and exchange.error and not exchange.unreached and exchange.status in (None, 200):
        return {}, untested(
            f"the response did not finish within {limit:.0f} s ({exchange.error}); a compaction"
            " summary is written by the model, which may not stop by itself"
        )
    return response_of(ctx, exchange)


@probe("responses.compact.context-management-auto-compacts-large-input")
async def auto_compacts(ctx: ProbeContext) -> Grade:
    """``context_management`` with a low ``compact_threshold`` compacts a long input before answering."""
    turns = _large_input()
    plain, problem = await _managed(ctx, turns, None, "a long input without context management")
    if problem:
        return problem
    data, problem = await _managed(ctx, turns, 100, "the long input with compact_threshold 100")
    if problem:
        return problem
    full, used = tokens(plain, "input_tokens"), tokens(data, "input_tokens")
    if _has_compaction(data):
        return passed(f"the response holds a compaction item ({full} → {used} input tokens)")
    if full is not None and used is not None and used < full // 2:
        return passed(f"the input was compacted before the model read it: {full} → {used} input tokens")
    return failed(
        "`context_management` was accepted, but the input was not compacted"
        f" ({used} input tokens, {full} without it)"
    )


@probe("responses.compact.context-management-no-compact-below-threshold")
async def below_threshold(ctx: ProbeContext) -> Grade:
    """An input under ``compact_threshold`` is passed on whole, with no compaction item."""
    plain, problem = await _managed(ctx, [user("Hello!")], None, "a short input")
    if problem:
        return problem
    data, problem = await _managed(
        ctx, [user("Hello!")], 100000, "the short input with compact_threshold 100000"
    )
    if problem:
        return problem
    if _has_compaction(data):
        return failed("an input far below the threshold was compacted")
    full, used = tokens(plain, "input_tokens"), tokens(data, "input_tokens")
    if full is not None and used is not None and used < full:
        return failed(f"the short input cost {used} input tokens with context management, {full} without")
    return passed(f"no compaction below the threshold ({used} input tokens, as without it)")


@probe("responses.compact.context-management-none-does-not-compact")
async def none_does_not_compact(ctx: ProbeContext) -> Grade:
    """Without ``context_management`` even a long input gets no compaction item."""
    data, problem = await _managed(ctx, _large_input(), None, "a long input without context management")
    if problem:
        return problem
    if _has_compaction(data):
        return failed("a response made without `context_management` holds a compaction item")
    return passed(f"no compaction without context management ({tokens(data, 'input_tokens')} input tokens)")
