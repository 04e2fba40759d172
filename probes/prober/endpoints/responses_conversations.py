"""Probes of the Responses matrix's Conversation section: responses stored in a conversation.

A conversation (``POST /v1/conversations``) holds items; a response created with
``conversation: ID`` reads them as context and adds its input and output to them. The probes
check what the server stores and counts, never what the model says: "the earlier turns were
read" is shown by the input tokens (the same question costs more with the conversation than
without it), "the turn was stored" by listing ``/v1/conversations/{id}/items``. The grading rule
is the one of :mod:`probes.prober.endpoints.responses_features`. Every conversation a probe creates is
deleted again, best effort.
"""

from __future__ import annotations

from typing import Any

from openai.types.conversations import Conversation, Message

from probes.prober.endpoints.grading import (
    error_message,
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
    output_text,
    request,
    stream,
    tokens,
    with_issues,
)
from probes.prober.endpoints.setup_routes import CONVERSATIONS

UNKNOWN = "conv_" + "0123456789abcdef" * 3
"""A conversation id of OpenAI's form (``conv_`` and 48 hex digits) that no server has made."""

FACTS = [
    {"type": "message", "role": "user", "content": "My name is Alice and I live in a lighthouse by the sea."},
    {
        "type": "message",
        "role": "assistant",
        "content": "Hello Alice! A lighthouse by the sea sounds lovely.",
    },
]
"""Earlier turns a conversation is created with: about thirty tokens the model must be given."""


def user(text: str) -> list[dict[str, Any]]:
    """One user message as Responses input."""
    return [{"role": "user", "content": text}]


async def new_conversation(ctx: ProbeContext, **body: Any) -> tuple[dict[str, Any], Grade | None]:
    """Create a conversation; the object, or the grade when the server made none."""
    exchange = await ctx.send(CONVERSATIONS, body, label="create a conversation")
    missing = "the conversation created has no `id`"
    return object_with(exchange, "id", str, missing, api_key_given=ctx.target.api_key_given)


def conversation_issues(data: dict[str, Any]) -> list[str]:
    """How a conversation object differs from OpenAI's (the SDK type, the ``conv_`` id)."""
    issues = [shape_message("the conversation", p) for p in [sdk_problems(Conversation, data)] if p]
    if not data["id"].startswith("conv_"):
        issues.append(f"the conversation id {quote(data['id'], 40)} does not start with `conv_`")
    return issues


async def drop(ctx: ProbeContext, conversation_id: str) -> None:
    """Delete a conversation the probe made (best effort: the answer is kept as evidence only)."""
    await ctx.http.request("DELETE", CONVERSATIONS.path(conversation_id), label="delete the conversation")


async def items(
    ctx: ProbeContext, conversation_id: str
) -> tuple[list[dict[str, Any]], list[str], Grade | None]:
    """The conversation's items (up to 100), the shape issues of the list, or the grade of a failure."""
    exchange = await ctx.http.get(
        CONVERSATIONS.path(conversation_id, "items") + "?limit=100", label="list the conversation's items"
    )
    missing = "the item list has no `data` list"
    data, problem = object_with(exchange, "data", list, missing, api_key_given=ctx.target.api_key_given)
    if problem:
        return [], [], problem
    issues = [f"the item list lacks `{key}`" for key in ("object", "has_more") if key not in data]
    messages = [i for i in data["data"] if isinstance(i, dict) and i.get("type") == "message"]
    for problems in (sdk_problems(Message, m) for m in messages):
        if problems:
            issues.append(shape_message("a message item", problems))
            break
    return [item for item in data["data"] if isinstance(item, dict)], issues, None


def item_text(item: dict[str, Any]) -> str:
    """The text of a message item, whether its content is a string or a list of parts."""
    content = item.get("content")
    if isinstance(content, str):
        return content
    return " ".join(str(p.get("text", "")) for p in content or [] if isinstance(p, dict))


def holds(found: list[dict[str, Any]], role: str, text: str) -> bool:
    """Whether the items hold a message of ``role`` whose text contains ``text``."""
    return any(
        i.get("type", "message") == "message" and i.get("role") == role and text in item_text(i)
        for i in found
    )


@probe("responses.conversation.conversation-basic-workflow")
async def basic_workflow(ctx: ProbeContext) -> Grade:
    """A response made in a conversation is stored there: its user input and assistant output."""
    conversation, problem = await new_conversation(ctx, metadata={"topic": "aioc"})
    if problem:
        return problem
    try:
        question = "What are the five colours of a rainbow?"
        data, problem = await create(
            ctx,
            request(ctx, user(question), conversation=conversation["id"]),
            "a response in the conversation",
        )
        if problem:
            return problem
        found, list_issues, problem = await items(ctx, conversation["id"])
        if problem:
            return problem
    finally:
        await drop(ctx, conversation["id"])
    answer = output_text(data)
    if not holds(found, "user", question):
        return failed(f"the conversation's {len(found)} items do not hold the user input the response read")
    if not any(i.get("role") == "assistant" for i in found):
        return failed(f"the conversation's {len(found)} items hold no assistant message from the response")
    issues: list[str | None] = [*conversation_issues(conversation), *list_issues]
    if dig_id(data.get("conversation")) != conversation["id"]:
        issues.append(
            f"the response reports `conversation` as {quote(data.get('conversation'), 60)}, "
            f"not `{{id: {conversation['id']}}}`"
        )
    return with_issues(issues, f"{len(found)} items stored with the turn (answer {quote(answer, 30)})")


def dig_id(value: Any) -> Any:
    """The ``id`` of a ``{id: …}`` reference, or the value itself when it is a bare string."""
    return value.get("id") if isinstance(value, dict) else value


@probe("responses.conversation.conversation-context-loading")
async def context_loading(ctx: ProbeContext) -> Grade:
    """The items a conversation was created with reach the model with the new input."""
    question = "What is my name?"
    alone, problem = await create(ctx, request(ctx, user(question)), "the question without a conversation")
    if problem:
        return problem
    conversation, problem = await new_conversation(ctx, items=FACTS)
    if problem:
        return problem
    try:
        data, problem = await create(
            ctx,
            request(ctx, user(question), conversation=conversation["id"]),
            "the question in the conversation",
        )
    finally:
        await drop(ctx, conversation["id"])
    if problem:
        return problem
    before, after = tokens(alone, "input_tokens"), tokens(data, "input_tokens")
    if before is None or after is None:
        return untested("answered, but without `usage.input_tokens` to show the earlier items were read")
    if after <= before + 10:
        return failed(
            f"the question cost {after} input tokens in the conversation and {before} without it:"
            " the conversation's items were not part of the context"
        )
    return with_issues(
        conversation_issues(conversation), f"the items were read: {before} → {after} input tokens"
    )


@probe("responses.conversation.conversation-multi-turn-and-streaming")
async def multi_turn_streaming(ctx: ProbeContext) -> Grade:
    """Two turns in one conversation, the second streamed: both are stored, as two responses."""
    conversation, problem = await new_conversation(ctx)
    if problem:
        return problem
    try:
        first, problem = await create(
            ctx, request(ctx, user("Say hello."), conversation=conversation["id"]), "first turn"
        )
        if problem:
            return problem
        events, problem = await stream(
            ctx, request(ctx, user("Say goodbye."), conversation=conversation["id"]), "second turn, streamed"
        )
        if problem:
            return problem
        found, list_issues, problem = await items(ctx, conversation["id"])
        if problem:
            return problem
    finally:
        await drop(ctx, conversation["id"])
    final = events.response
    if not isinstance(final, dict):
        return failed(f"the streamed turn ends with {quote(events.types[-1])}, with no final response")
    if final.get("id") == first.get("id"):
        return failed("the streamed turn carries the id of the first turn")
    missing = [text for text in ("Say hello.", "Say goodbye.") if not holds(found, "user", text)]
    if missing:
        return failed(
            f"the conversation's {len(found)} items lack the user input {quote(missing[0])}"
            + (" of the streamed turn" if missing == ["Say goodbye."] else "")
        )
    answers = sum(i.get("role") == "assistant" for i in found)
    if answers < 2:
        return failed(f"the conversation holds {answers} assistant message(s) after two turns")
    return with_issues(list_issues, f"{len(found)} items after a plain and a streamed turn")


async def _refusal(ctx: ProbeContext, label: str, **fields: Any) -> tuple[int, str, Grade | None]:
    """Send a request that must be refused; its status and message, or the grade of a wrong answer."""
    exchange = await ctx.send(ctx.route(RESPONSES), request(ctx, user("Hello"), **fields), label=label)
    if exchange.unreached or exchange.error:
        return 0, "", route_problem(exchange, api_key_given=ctx.target.api_key_given)
    status = exchange.status or 0
    if 200 <= status < 300:
        return status, "", failed(f"{label} was answered {status} instead of refused")
    if status in (401, 403):
        return status, "", route_problem(exchange, api_key_given=ctx.target.api_key_given)
    return status, error_message(exchange), None


@probe("responses.conversation.conversation-error-handling")
async def error_handling(ctx: ProbeContext) -> Grade:
    """Bad conversation ids and ``conversation`` with ``previous_response_id`` are refused with 4xx."""
    issues: list[str | None] = []
    status, message, problem = await _refusal(ctx, "a malformed conversation id", conversation="invalid_id")
    if problem:
        return problem
    issues.append(f"a malformed id was refused with {status} (a server error)" if status >= 500 else None)
    status, message, problem = await _refusal(ctx, "an unknown conversation id", conversation=UNKNOWN)
    if problem:
        return problem
    if status >= 500:
        issues.append(f"an unknown id was refused with {status} (a server error), not 404")
    elif status != 404 and "not found" not in message.lower():
        issues.append(f"an unknown id was refused with {status} {quote(message, 60)}, not 404 not found")
    first, problem = await create(ctx, request(ctx, user("First response")), "a response to continue from")
    if problem:
        return problem
    conversation, problem = await new_conversation(ctx)
    if problem:
        return problem
    try:
        status, message, problem = await _refusal(
            ctx,
            "`conversation` with `previous_response_id`",
            conversation=conversation["id"],
            previous_response_id=first.get("id"),
        )
    finally:
        await drop(ctx, conversation["id"])
    if problem:
        return problem
    issues.append(
        f"both together were refused with {status} (a server error), not 400" if status >= 500 else None
    )
    return with_issues(issues, "a malformed id, an unknown id and both ways of chaining at once: all refused")


@probe("responses.conversation.conversation-backward-compatibility")
async def backward_compatibility(ctx: ProbeContext) -> Grade:
    """A server with conversations still answers a response created without one."""
    data, problem = await create(ctx, request(ctx, user("Hello world")), "a response without a conversation")
    if problem:
        return problem
    if not data.get("output"):
        return failed("answered with an empty `output`")
    if data.get("conversation") is not None:
        return deviation(f"a response made without a conversation reports {quote(data['conversation'], 60)}")
    if not str(data.get("id", "")).startswith("resp_"):
        return deviation(f"the response id {quote(data.get('id'), 40)} does not start with `resp_`")
    if not output_text(data):
        return untested("answered, but the model wrote no text to show the response is whole")
    return passed(f"answered without a conversation: {quote(output_text(data), 30)}")
