"""Probes of the Responses API feature matrix: the rows one local server can answer.

Each probe sends real requests to the ``responses`` row's route (``POST /v1/responses``) and grades
the feature from what came back.
The grading rule of this module: ❌ when the feature's effect is absent (the request is refused, or
a parameter is accepted and visibly not applied); ⚠️ when the effect is there but a field or the
shape differs from OpenAI's; ? when the model, not the server, left nothing to judge (it never
stopped by itself, made no tool call, or takes no images). Only ``non-streaming-basic`` and
``streaming-basic`` judge the whole shape; the others read just the fields their feature needs, so
one deviation shows in one cell. Rows that need stored files, MCP servers, web search, several
users or a reasoning model have no probe here.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from typing import Any

from openai.types.responses import Response, ResponseUsage

from probes.prober.endpoints import schema_cases
from probes.prober.endpoints.grading import (
    dig,
    error_message,
    object_with,
    quote,
    route_problem,
    sdk_problems,
    shape_message,
)
from probes.prober.endpoints.jsoncheck import read_reply
from probes.prober.endpoints.registry import Grade, ProbeContext, deviation, failed, passed, probe, untested
from probes.prober.endpoints.response_events import ResponseStream, read_stream
from probes.prober.endpoints.schema_cases import SchemaCase, schema_problems
from probes.prober.http import Exchange
from probes.prober.samples import png_data_url

RESPONSES = "responses"
"""The catalog row whose route (``POST /v1/responses``) every Responses behaviour probe sends to."""
LOGPROBS = "message.output_text.logprobs"

MIN_OUTPUT_TOKENS = 16
"""The smallest ``max_output_tokens`` OpenAI accepts (it refuses less with ``integer_below_min_value``),
so a probe that wants a short answer asks for this many, and a server that refuses it is not
blamed for refusing a request OpenAI refuses too."""

LONG_TASK = "Count from one to one hundred in words, separated by commas."
"""A prompt whose answer is far longer than any token limit the probes set."""

WEATHER_TOOL = {
    "type": "function",
    "name": "get_weather",
    "description": "Current weather for one city.",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
        "additionalProperties": False,
    },
    "strict": True,
}


def request(ctx: ProbeContext, prompt: Any, **fields: Any) -> dict[str, Any]:
    """A Responses request for the target's model with a small output limit."""
    return {"model": ctx.target.model, "input": prompt, "max_output_tokens": MIN_OUTPUT_TOKENS} | fields


async def create(
    ctx: ProbeContext, payload: dict[str, Any], label: str
) -> tuple[dict[str, Any], Grade | None]:
    """Send a non-streamed request; the response object, or the grade for an answer that is none."""
    exchange = await ctx.send(ctx.route(RESPONSES), payload, label=label)
    return response_of(ctx, exchange)


def response_of(ctx: ProbeContext, exchange: Exchange) -> tuple[dict[str, Any], Grade | None]:
    """Phase A and the JSON step for a non-streamed answer that must be a response with ``output``."""
    missing = "the answer is not a response: it has no `output` list"
    return object_with(exchange, "output", list, missing, api_key_given=ctx.target.api_key_given)


async def stream(
    ctx: ProbeContext, payload: dict[str, Any], label: str
) -> tuple[ResponseStream, Grade | None]:
    """Send a streamed request; the parsed events, or the grade for an answer that is no event stream."""
    exchange = await ctx.send(ctx.route(RESPONSES), payload | {"stream": True}, label=label)
    if problem := route_problem(exchange, api_key_given=ctx.target.api_key_given):
        return ResponseStream(), problem
    events, reason = read_stream(exchange)
    if events is None:
        return ResponseStream(), failed(reason or "no event stream")
    return events, None


def text_parts(data: Any) -> list[dict[str, Any]]:
    """The ``output_text`` parts of every message item of a response."""
    return [
        part
        for item in (data.get("output") if isinstance(data, dict) else None) or []
        if isinstance(item, dict) and item.get("type") == "message"
        for part in item.get("content") or []
        if isinstance(part, dict) and part.get("type") == "output_text"
    ]


def output_text(data: Any) -> str:
    """All output text of a response, joined."""
    return "".join(str(part.get("text", "")) for part in text_parts(data))


def function_calls(data: Any) -> list[dict[str, Any]]:
    """The ``function_call`` items of a response."""
    output = data.get("output") if isinstance(data, dict) else None
    return [item for item in output or [] if isinstance(item, dict) and item.get("type") == "function_call"]


def tokens(data: Any, key: str) -> int | None:
    """A whole-number count from ``usage`` (``input_tokens``, ``output_tokens``), if reported."""
    value = dig(data, "usage", key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def echo_issue(data: dict[str, Any], key: str, sent: Any) -> str | None:
    """A clause when the response does not report back a parameter the way OpenAI does."""
    if key not in data:
        return f"the response does not report `{key}` back"
    if data[key] != sent:
        return (
            f"the response reports `{key}` as {quote(json.dumps(data[key]))}, not {quote(json.dumps(sent))}"
        )
    return None


def _json(data: dict[str, Any], key: str) -> str:
    """A field of a response as quoted JSON, or the word missing."""
    return quote(json.dumps(data[key]), 60) if key in data else "missing"


def with_issues(issues: Sequence[str | None], message: str) -> Grade:
    """Pass with ``message``, or a deviation naming the issues found."""
    found = [issue for issue in issues if issue]
    return deviation("; ".join(found)) if found else passed(message)


# --- Basic responses -------------------------------------------------------------------------


def _basic_check(data: dict[str, Any]) -> list[str]:
    issues = [shape_message("the response", p) for p in [sdk_problems(Response, data)] if p]
    if data.get("object") != "response":
        issues.append(f"`object` is {quote(data.get('object'))}, not `response`")
    if data.get("status") not in ("completed", "incomplete"):
        issues.append(f"`status` is {quote(data.get('status'))}")
    return issues


@probe("responses.basic.non-streaming-basic")
async def non_streaming_basic(ctx: ProbeContext) -> Grade:
    """A plain text input gets a response object with a message of output text."""
    data, problem = await create(ctx, request(ctx, "Say hello in one word."), "a plain text response")
    if problem:
        return problem
    if not text_parts(data):
        return failed("the response holds no message with `output_text`")
    return with_issues(_basic_check(data), f"a response with a message: {quote(output_text(data), 40)}")


def _sequence_issues(events: ResponseStream) -> list[str]:
    """How the event sequence and its numbering differ from OpenAI's."""
    issues = list(events.framing)
    types = events.types
    if types[0] != "response.created":
        issues.append(f"the first event is {quote(types[0])}, not `response.created`")
    created = dig(events.events[0], "response")
    if types[0] == "response.created" and not (isinstance(created, dict) and "output" in created):
        issues.append("`response.created` does not carry the full response object")
    expected = ["response.output_item.added", "response.content_part.added", "response.output_text.done"]
    missing = [kind for kind in expected if kind not in types]
    if missing:
        issues.append(f"no {', '.join(f'`{m}`' for m in missing)} event")
    numbers = [n for event in events.events if isinstance(n := event.get("sequence_number"), int)]
    if len(numbers) < len(events.events):
        absent = len(events.events) - len(numbers)
        issues.append(f"{absent} of {len(events.events)} events have no `sequence_number`")
    elif any(b <= a for a, b in itertools.pairwise(numbers)):
        issues.append("`sequence_number` does not increase from event to event")
    return issues


@probe("responses.basic.streaming-basic")
async def streaming_basic(ctx: ProbeContext) -> Grade:
    """``stream: true`` gives OpenAI's event sequence from ``response.created`` to the closing event."""
    events, problem = await stream(ctx, request(ctx, "Say hello in one word."), "a streamed response")
    if problem:
        return problem
    if events.ending is None:
        return failed(f"the stream ends with {quote(events.types[-1])}, not `response.completed`")
    if not events.deltas:
        return failed("the stream carries no `response.output_text.delta` event")
    issues = _sequence_issues(events)
    return with_issues(
        issues, f"{len(events.events)} events from `response.created` to {quote(events.types[-1])}, numbered"
    )


@probe("responses.basic.streaming-incremental-content")
async def streaming_incremental(ctx: ProbeContext) -> Grade:
    """The streamed text arrives in several deltas that add up to the final text."""
    events, problem = await stream(
        ctx, request(ctx, LONG_TASK, max_output_tokens=20), "a longer streamed text"
    )
    if problem:
        return problem
    deltas = events.deltas
    if len(deltas) < 2:
        return failed(f"the text arrived in {len(deltas)} delta(s), not piece by piece")
    joined = "".join(deltas)
    final = output_text(events.response) if events.response else events.done_text
    if final is not None and final != joined:
        return deviation(f"the deltas add up to {quote(joined, 40)}, the final text is {quote(final, 40)}")
    return passed(f"{len(deltas)} deltas that add up to the final text")


@probe("responses.basic.non-streaming-multi-turn")
async def multi_turn(ctx: ProbeContext) -> Grade:
    """A second turn with ``previous_response_id`` is answered with the first turn as context."""
    first, problem = await create(ctx, request(ctx, "Remember the word lighthouse."), "first turn")
    if problem:
        return problem
    if not isinstance(first.get("id"), str):
        return failed("the first response has no `id` to continue from")
    second, problem = await create(
        ctx, request(ctx, "Which word was it?", previous_response_id=first["id"]), "second turn"
    )
    if problem:
        return problem
    before, after = tokens(first, "input_tokens"), tokens(second, "input_tokens")
    earlier = (before or 0) + (tokens(first, "output_tokens") or 0)
    if before is None or after is None:
        return deviation("answered the second turn, but without `usage` to show the first turn was read")
    if after < earlier:
        return failed(
            f"the second turn counts {after} input tokens, fewer than the first turn's {earlier}:"
            " the earlier turn was not part of the context"
        )
    return passed(f"the second turn was read with the first: {after} input tokens after {earlier}")


def _logprob_entries(parts: list[dict[str, Any]]) -> list[Any]:
    return [entry for part in parts for entry in (part.get("logprobs") or [])]


def _logprob_problem(entries: list[Any], top: int | None = None) -> Grade | None:
    """The grade of the first bad logprob entry: ❌ when asked-for alternatives are absent, else ⚠️."""
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("logprob"), int | float):
            return deviation(
                f"a logprob entry is not `{{token, logprob, …}}`: {quote(json.dumps(entry), 60)}"
            )
        if entry["logprob"] > 0:
            return deviation(f"a log-probability is positive ({entry['logprob']})")
        count = len(entry.get("top_logprobs") or [])
        if top is not None and count != top:
            grade = failed if count == 0 else deviation
            return grade(f"asked for `top_logprobs: {top}`, a token came with {count}")
    return None


@probe("responses.basic.include-logprobs-non-streaming")
async def include_logprobs(ctx: ProbeContext) -> Grade:
    """``include: [message.output_text.logprobs]`` returns a log-probability per output token."""
    payload = request(ctx, "Say hello.", max_output_tokens=MIN_OUTPUT_TOKENS, include=[LOGPROBS])
    data, problem = await create(ctx, payload, "a response with logprobs")
    if problem:
        return problem
    entries = _logprob_entries(text_parts(data))
    if not entries:
        return failed(f"`include: [{LOGPROBS}]` was accepted, but the output text has no logprobs")
    if problem := _logprob_problem(entries):
        return problem
    return passed(f"{len(entries)} tokens with log-probabilities")


@probe("responses.basic.include-logprobs-streaming")
async def include_logprobs_streaming(ctx: ProbeContext) -> Grade:
    """Streamed text deltas carry their log-probabilities when asked for them."""
    payload = request(ctx, "Say hello.", max_output_tokens=MIN_OUTPUT_TOKENS, include=[LOGPROBS])
    events, problem = await stream(ctx, payload, "a streamed response with logprobs")
    if problem:
        return problem
    entries = [
        e for event in events.of_type("response.output_text.delta") for e in event.get("logprobs") or []
    ]
    if not entries:
        return failed(f"`include: [{LOGPROBS}]` was accepted, but no text delta carries logprobs")
    if problem := _logprob_problem(entries):
        return problem
    return passed(f"{len(entries)} streamed tokens with log-probabilities")


# --- Output limits and incomplete_details -------------------------------------------------------


async def _limited(ctx: ProbeContext, limit: int) -> tuple[dict[str, Any], Grade | None]:
    return await create(ctx, request(ctx, LONG_TASK, max_output_tokens=limit), f"max_output_tokens {limit}")


def _limit_grade(data: dict[str, Any], limit: int) -> Grade:
    used = tokens(data, "output_tokens")
    if used is None:
        return untested("accepted, but the response reports no `usage.output_tokens` to check the limit with")
    if used > limit:
        return failed(f"`max_output_tokens: {limit}` was accepted, but {used} tokens were generated")
    return with_issues([echo_issue(data, "max_output_tokens", limit)], f"{used} output tokens within {limit}")


@probe("responses.openai.with-max-output-tokens")
async def max_output_tokens(ctx: ProbeContext) -> Grade:
    """``max_output_tokens`` caps the generated tokens and is reported back."""
    data, problem = await _limited(ctx, 24)
    return problem or _limit_grade(data, 24)


@probe("responses.openai.with-small-max-output-tokens")
async def small_max_output_tokens(ctx: ProbeContext) -> Grade:
    """The smallest limit OpenAI accepts (16 tokens) is honoured."""
    data, problem = await _limited(ctx, MIN_OUTPUT_TOKENS)
    return problem or _limit_grade(data, MIN_OUTPUT_TOKENS)


def _incomplete_grade(response: dict[str, Any], limit: int, where: str) -> Grade:
    used = tokens(response, "output_tokens")
    if used is not None and used < limit:
        return untested(
            f"the model stopped by itself after {used} of {limit} tokens; the limit was never hit"
        )
    reason = dig(response, "incomplete_details", "reason")
    if response.get("status") == "incomplete" and reason == "max_output_tokens":
        return passed(f"{where}: `status: incomplete` with `incomplete_details.reason: max_output_tokens`")
    if response.get("status") == "incomplete":
        return deviation(
            f"{where}: `status: incomplete`, `incomplete_details` {_json(response, 'incomplete_details')}"
        )
    return failed(
        f"{where}: the output stopped at the {limit}-token limit, yet `status` is"
        f" {quote(response.get('status'))} and `incomplete_details` is"
        f" {_json(response, 'incomplete_details')}"
    )


@probe("responses.openai.incomplete-details-length")
async def incomplete_length(ctx: ProbeContext) -> Grade:
    """A reply cut by ``max_output_tokens`` says so: ``status: incomplete`` and its reason."""
    data, problem = await _limited(ctx, 16)
    return problem or _incomplete_grade(data, 16, "the response")


@probe("responses.openai.incomplete-details-length-streaming")
async def incomplete_length_streaming(ctx: ProbeContext) -> Grade:
    """A stream cut by ``max_output_tokens`` ends with ``response.incomplete`` and its reason."""
    events, problem = await stream(ctx, request(ctx, LONG_TASK), "a streamed reply over its limit")
    if problem:
        return problem
    if events.response is None:
        return failed(
            f"the stream ends with {quote(events.types[-1])}, not a closing event with the response"
        )
    grade = _incomplete_grade(events.response, 16, f"the stream ends with {quote(events.types[-1])}")
    if grade.status.value == "pass" and events.types[-1] != "response.incomplete":
        return deviation(f"the response says incomplete, but the closing event is {quote(events.types[-1])}")
    return grade


@probe("responses.openai.incomplete-details-null-when-completed")
async def incomplete_null(ctx: ProbeContext) -> Grade:
    """A reply that ends by itself has ``status: completed`` and ``incomplete_details: null``."""
    limit = 64
    payload = request(ctx, "Reply with just the word yes.", max_output_tokens=limit)
    data, problem = await create(ctx, payload, "a short reply that ends by itself")
    if problem:
        return problem
    used = tokens(data, "output_tokens")
    if used is None or used >= limit:
        return untested(f"the model did not stop by itself within {limit} tokens, so no natural end was seen")
    if data.get("status") != "completed":
        return failed(f"a reply that ended after {used} tokens has `status` {quote(data.get('status'))}")
    if "incomplete_details" not in data:
        return deviation(
            "`incomplete_details` is missing, where OpenAI sends `null` (the SDK reads it as None)"
        )
    if data["incomplete_details"] is not None:
        return failed(
            f"`incomplete_details` is {quote(json.dumps(data['incomplete_details']))} on a completed reply"
        )
    return passed(f"`status: completed` and `incomplete_details: null` after {used} tokens")


# --- Usage in streams ----------------------------------------------------------------------------


@probe("responses.openai.streaming-includes-usage")
async def streaming_usage(ctx: ProbeContext) -> Grade:
    """The closing event of a stream carries token usage that adds up."""
    events, problem = await stream(ctx, request(ctx, "Say hello in one word."), "a streamed response")
    if problem:
        return problem
    usage = dig(events.response, "usage")
    if not isinstance(usage, dict):
        return failed(f"the closing event {quote(events.types[-1])} carries no `response.usage`")
    keys = ("input_tokens", "output_tokens", "total_tokens")
    counts = [count for key in keys if isinstance(count := usage.get(key), int)]
    if len(counts) < len(keys):
        return deviation(f"`usage` lacks whole-number token counts: {quote(json.dumps(usage), 80)}")
    used, produced, total = counts
    issues = [f"`total_tokens` {total} is not {used} + {produced}"] if used + produced != total else []
    if problems := sdk_problems(ResponseUsage, usage):
        issues.append(shape_message("`usage`", problems))
    return with_issues(issues, f"usage: {used} in, {produced} out, {total} total")


# --- Sampling: top_p ------------------------------------------------------------------------------


HOT_RUNS = 3
"""How many replies each side of the ``top_p`` comparison draws: enough that chance agreement is rare."""


async def _texts(
    ctx: ProbeContext, fields: dict[str, Any], streamed: bool, label: str
) -> tuple[list[str], Any, Grade | None]:
    """Replies to the same hot request, and the last response object (for echoed fields)."""
    texts: list[str] = []
    last: Any = None
    for run in range(1, HOT_RUNS + 1):
        payload = (
            request(ctx, "Once upon a time", max_output_tokens=MIN_OUTPUT_TOKENS, temperature=2.0) | fields
        )
        if streamed:
            events, problem = await stream(ctx, payload, f"{label}, run {run}")
            text, last = ("".join(events.deltas), events.response) if not problem else ("", None)
        else:
            last, problem = await create(ctx, payload, f"{label}, run {run}")
            text = output_text(last)
        if problem:
            return texts, last, problem
        texts.append(text)
    return texts, last, None


async def _top_p(ctx: ProbeContext, streamed: bool) -> Grade:
    top_p = 1e-6
    narrow, data, problem = await _texts(ctx, {"top_p": top_p}, streamed, f"top_p {top_p} at temperature 2")
    if problem:
        return problem
    if len(set(narrow)) > 1:
        return failed(
            f"with `top_p: {top_p}` only the likeliest token may be drawn, yet {HOT_RUNS} runs gave"
            f" {len(set(narrow))} texts: {quote(narrow[0], 30)} and {quote(narrow[1], 30)}"
        )
    wide, _, problem = await _texts(ctx, {}, streamed, "no top_p at temperature 2, for comparison")
    if problem:
        return problem
    if len(set(wide)) == 1:
        return untested(
            f"{HOT_RUNS} runs at temperature 2 without `top_p` came out the same,"
            " so `top_p` had nothing to show"
        )
    echo = (
        echo_issue(data, "top_p", top_p)
        if isinstance(data, dict)
        else "no response object to read `top_p` from"
    )
    return with_issues([echo], f"`top_p: {top_p}` made {HOT_RUNS} hot runs identical; without it they differ")


@probe("responses.openai.with-top-p")
async def with_top_p(ctx: ProbeContext) -> Grade:
    """A tiny ``top_p`` makes sampling at a high temperature repeatable; it is reported back."""
    return await _top_p(ctx, streamed=False)


@probe("responses.openai.with-top-p-streaming")
async def with_top_p_streaming(ctx: ProbeContext) -> Grade:
    """The same for streamed responses."""
    return await _top_p(ctx, streamed=True)


# --- top_logprobs ---------------------------------------------------------------------------------


@probe("responses.openai.with-top-logprobs")
async def with_top_logprobs(ctx: ProbeContext) -> Grade:
    """``top_logprobs: 2`` with the logprobs ``include`` gives two alternatives per output token."""
    payload = request(
        ctx, "Say hello.", max_output_tokens=MIN_OUTPUT_TOKENS, include=[LOGPROBS], top_logprobs=2
    )
    data, problem = await create(ctx, payload, "a response with top_logprobs")
    if problem:
        return problem
    entries = _logprob_entries(text_parts(data))
    if not entries:
        return failed("`top_logprobs: 2` was accepted, but the output text has no logprobs")
    if problem := _logprob_problem(entries, top=2):
        return problem
    return with_issues(
        [echo_issue(data, "top_logprobs", 2)], f"{len(entries)} tokens with 2 alternatives each"
    )


@probe("responses.openai.with-top-logprobs-streaming")
async def with_top_logprobs_streaming(ctx: ProbeContext) -> Grade:
    """The same for streamed text deltas."""
    payload = request(
        ctx, "Say hello.", max_output_tokens=MIN_OUTPUT_TOKENS, include=[LOGPROBS], top_logprobs=2
    )
    events, problem = await stream(ctx, payload, "a streamed response with top_logprobs")
    if problem:
        return problem
    entries = [
        e for event in events.of_type("response.output_text.delta") for e in event.get("logprobs") or []
    ]
    if not entries:
        return failed("`top_logprobs: 2` was accepted, but no text delta carries logprobs")
    if problem := _logprob_problem(entries, top=2):
        return problem
    return passed(f"{len(entries)} streamed tokens with 2 alternatives each")


# --- Structured output ----------------------------------------------------------------------------


async def _held_to_schema(ctx: ProbeContext, case: SchemaCase) -> Grade:
    """``text.format`` json_schema: the reply is JSON that satisfies the case's schema."""
    limit = 80
    text_format = {"type": "json_schema", "name": "answer", "strict": True, "schema": case.schema}
    payload = request(
        ctx, case.prompt + " Answer in JSON.", max_output_tokens=limit, text={"format": text_format}
    )
    data, problem = await create(ctx, payload, "a response held to a JSON schema")
    if problem:
        return problem
    text = output_text(data)
    hit = data.get("status") == "incomplete" or (tokens(data, "output_tokens") or 0) >= limit
    reply = read_reply(text, hit_limit=hit)
    if reply.cut:
        return untested(f"the reply reached {limit} tokens before the JSON closed; the schema went unchecked")
    if not reply.parsed:
        return failed(
            f"`text.format` `json_schema` was accepted, but the reply is not JSON: {quote(text, 60)}"
        )
    if problems := schema_problems(reply.value, case.schema):
        return failed(f"the reply is JSON but breaks the schema: {'; '.join(quote(p, 60) for p in problems)}")
    return passed(f"the reply satisfies the schema: {quote(text, 60)}")


@probe("responses.structured-output.json-schema-array-of-integers")
async def json_schema_array_of_integers(ctx: ProbeContext) -> Grade:
    """``text.format`` json_schema: List two small whole numbers."""
    return await _held_to_schema(ctx, schema_cases.ARRAY_OF_INTEGERS)


@probe("responses.structured-output.json-schema-array-of-objects")
async def json_schema_array_of_objects(ctx: ProbeContext) -> Grade:
    """``text.format`` json_schema: List one or two fruits with their colour."""
    return await _held_to_schema(ctx, schema_cases.ARRAY_OF_OBJECTS)


@probe("responses.structured-output.json-schema-array-of-strings")
async def json_schema_array_of_strings(ctx: ProbeContext) -> Grade:
    """``text.format`` json_schema: List two colours."""
    return await _held_to_schema(ctx, schema_cases.ARRAY_OF_STRINGS)


@probe("responses.structured-output.json-schema-boolean-types")
async def json_schema_boolean_types(ctx: ProbeContext) -> Grade:
    """``text.format`` json_schema: Is water wet? Is fire cold?"""
    return await _held_to_schema(ctx, schema_cases.BOOLEAN_TYPES)


@probe("responses.structured-output.json-schema-float-types")
async def json_schema_float_types(ctx: ProbeContext) -> Grade:
    """``text.format`` json_schema: Give a price and a weight."""
    return await _held_to_schema(ctx, schema_cases.FLOAT_TYPES)


@probe("responses.structured-output.json-schema-integer-types")
async def json_schema_integer_types(ctx: ProbeContext) -> Grade:
    """``text.format`` json_schema: Give an age and a count."""
    return await _held_to_schema(ctx, schema_cases.INTEGER_TYPES)


@probe("responses.structured-output.json-schema-mixed-types-structures")
async def json_schema_mixed_types_structures(ctx: ProbeContext) -> Grade:
    """``text.format`` json_schema: Describe a pet."""
    return await _held_to_schema(ctx, schema_cases.MIXED_TYPES_STRUCTURES)


@probe("responses.structured-output.json-schema-nested-objects")
async def json_schema_nested_objects(ctx: ProbeContext) -> Grade:
    """``text.format`` json_schema: Give a person's name and home city."""
    return await _held_to_schema(ctx, schema_cases.NESTED_OBJECTS)


@probe("responses.structured-output.json-schema-string-types")
async def json_schema_string_types(ctx: ProbeContext) -> Grade:
    """``text.format`` json_schema: Give a first name and a colour."""
    return await _held_to_schema(ctx, schema_cases.STRING_TYPES)


# --- Function tools -------------------------------------------------------------------------------


async def _tool_calls(
    ctx: ProbeContext, parallel: bool
) -> tuple[dict[str, Any], list[dict[str, Any]], Grade | None]:
    payload = request(
        ctx,
        "What is the weather in Paris and in Oslo? Call the tool once for each city.",
        max_output_tokens=80,
        tools=[WEATHER_TOOL],
        tool_choice="required",
        parallel_tool_calls=parallel,
    )
    data, problem = await create(ctx, payload, f"two cities, parallel_tool_calls {str(parallel).lower()}")
    if problem:
        return data, [], problem
    calls = function_calls(data)
    if not calls:
        return (
            data,
            [],
            untested(
                "`tool_choice: required` brought no `function_call` item (text: "
                f"{quote(output_text(data), 40)}), so parallel calls could not be observed"
            ),
        )
    bad = [c for c in calls if c.get("name") != "get_weather" or not isinstance(c.get("call_id"), str)]
    if bad:
        return (
            data,
            calls,
            deviation(
                f"a function call lacks `call_id` or names another tool: {quote(json.dumps(bad[0]), 80)}"
            ),
        )
    return data, calls, None


@probe("responses.openai.with-parallel-tool-calls-enabled", flaky=True)
async def parallel_enabled(ctx: ProbeContext) -> Grade:
    """With ``parallel_tool_calls: true`` two independent calls come back in one response."""
    data, calls, problem = await _tool_calls(ctx, True)
    if problem:
        return problem
    if len(calls) < 2:
        return untested(
            "the model made one call where two were asked for; nothing to say about parallel calls"
        )
    return with_issues(
        [echo_issue(data, "parallel_tool_calls", True)], f"{len(calls)} function calls in one response"
    )


@probe("responses.openai.with-parallel-tool-calls-disabled", flaky=True)
async def parallel_disabled(ctx: ProbeContext) -> Grade:
    """With ``parallel_tool_calls: false`` a response holds at most one function call."""
    data, calls, problem = await _tool_calls(ctx, False)
    if problem:
        return problem
    if len(calls) > 1:
        return failed(f"`parallel_tool_calls: false` was accepted, yet {len(calls)} calls came back at once")
    return with_issues([echo_issue(data, "parallel_tool_calls", False)], "one function call, as asked")


def _tool_turns(output: Any) -> list[dict[str, Any]]:
    """A conversation where the model called the weather tool and the tool answered."""
    return [
        {"role": "user", "content": "What is the weather in Paris?"},
        {
            "type": "function_call",
            "call_id": "call_weather_1",
            "name": "get_weather",
            "arguments": '{"city":"Paris"}',
        },
        {"type": "function_call_output", "call_id": "call_weather_1", "output": output},
    ]


PADDING = " The reading comes from the station by the river, measured at noon, in the shade, as every day."
"""Text added to a tool output to see whether the server reads it: it costs about twenty tokens."""


async def _tool_result_turn(ctx: ProbeContext, short: Any, long: Any, label: str) -> Grade:
    """Send the tool turn with a short and a longer output; the longer must cost more input tokens."""
    counts: list[int | None] = []
    for output, which in ((short, "short"), (long, "longer")):
        payload = request(ctx, _tool_turns(output), max_output_tokens=MIN_OUTPUT_TOKENS, tools=[WEATHER_TOOL])
        data, problem = await create(ctx, payload, f"{label} ({which} output)")
        if problem:
            return problem
        if not text_parts(data) and not function_calls(data):
            return failed("the tool result was accepted, but the response holds neither text nor a call")
        counts.append(tokens(data, "input_tokens"))
    short_in, long_in = counts
    if short_in is None or long_in is None:
        return passed("answered after the tool result (no `usage` to confirm the output was read)")
    if long_in <= short_in + 5:
        return failed(
            f"a tool output about twenty tokens longer cost {long_in - short_in} more input tokens:"
            " the output is not passed to the model"
        )
    return passed(
        f"answered after the tool result; its text reached the model ({short_in} → {long_in} input tokens)"
    )


@probe("responses.tools.non-streaming-multi-turn-tool-execution")
async def tool_execution(ctx: ProbeContext) -> Grade:
    """A ``function_call`` and its ``function_call_output`` in the input are read as the tool turn."""
    short = "18 degrees and sunny."
    return await _tool_result_turn(ctx, short, short + PADDING, "a function call and its output as input")


@probe("responses.tools.function-call-output-list-text")
async def tool_output_list(ctx: ProbeContext) -> Grade:
    """A ``function_call_output`` may be a list with one ``input_text`` part."""
    short = "18 degrees and sunny."
    return await _tool_result_turn(
        ctx,
        [{"type": "input_text", "text": short}],
        [{"type": "input_text", "text": short + PADDING}],
        "a tool output given as a list of text",
    )


@probe("responses.tools.function-call-output-list-text-multi-block")
async def tool_output_blocks(ctx: ProbeContext) -> Grade:
    """A ``function_call_output`` may be a list of several ``input_text`` parts, all of them read."""
    first = {"type": "input_text", "text": "18 degrees."}
    return await _tool_result_turn(
        ctx,
        [first, {"type": "input_text", "text": "Sunny."}],
        [first, {"type": "input_text", "text": "Sunny." + PADDING}],
        "a tool output given as several text blocks",
    )


# --- Errors ---------------------------------------------------------------------------------------


@probe("responses.errors.completed-response-has-no-error")
async def completed_no_error(ctx: ProbeContext) -> Grade:
    """A completed response carries ``error: null``."""
    data, problem = await create(ctx, request(ctx, "Say hello in one word."), "a plain text response")
    if problem:
        return problem
    if "error" not in data:
        return deviation("`error` is missing, where OpenAI sends `null` (the SDK reads it as None)")
    if data["error"] is not None:
        return failed(
            f"a response with status {quote(data.get('status'))} carries `error` {_json(data, 'error')}"
        )
    return passed("`error: null`")


async def _text_only(ctx: ProbeContext) -> bool | None:
    """Whether the server lists the model as text-only (``architecture.input_modalities``), if it says."""
    exchange = await ctx.send(ctx.route("models.list"), label="the model's input modalities")
    if not exchange.ok:
        return None
    try:
        models = exchange.json().get("data") or []
    except (ValueError, AttributeError):
        return None
    candidates = [item for item in models if isinstance(item, dict)]
    chosen = [item for item in candidates if item.get("id") == ctx.target.model]
    if not chosen and len(candidates) == 1:
        chosen = candidates
    modalities = dig(chosen[0], "architecture", "input_modalities") if chosen else None
    if not isinstance(modalities, list):
        return None
    return "image" not in modalities


def _image_input(url: str) -> list[dict[str, Any]]:
    return [
        {
            "role": "user",
            "content": [
                {"type": "input_text", "text": "What is in this image?"},
                {"type": "input_image", "image_url": url},
            ],
        }
    ]


_VISION_WORDS = ("image", "vision", "multimodal", "mmproj")


async def _image_refusal(ctx: ProbeContext, url: str, label: str) -> Grade:
    text_only = await _text_only(ctx)
    exchange = await ctx.send(
        ctx.route(RESPONSES),
        request(ctx, _image_input(url), max_output_tokens=MIN_OUTPUT_TOKENS),
        label=label,
    )
    if exchange.error:
        return failed(f"no usable answer: {exchange.error}")
    status = exchange.status or 0
    if 200 <= status < 300:
        if text_only:
            return failed(
                "the server lists the model as text-only, yet answered as if the image were not there"
            )
        return untested("the request was answered; the server does not say whether the model takes images")
    message = error_message(exchange)
    try:
        envelope = exchange.json().get("error")
    except (ValueError, AttributeError):
        envelope = None
    issues = []
    if not isinstance(envelope, dict):
        issues.append("the error is not in OpenAI's `{error: {…}}` envelope")
    else:
        missing = [k for k in ("message", "type", "param", "code") if k not in envelope]
        if missing:
            issues.append(f"the error envelope lacks {', '.join(f'`{m}`' for m in missing)}")
    if not any(word in message.lower() for word in _VISION_WORDS):
        issues.append(f"the error does not name the image: {quote(message, 60)}")
    if status >= 500:
        issues.insert(0, f"refused with {status} (a server error) where OpenAI answers 400")
    return with_issues(issues, f"refused with {status}: {quote(message, 60)}")


@probe("responses.errors.non-vision-model-returns-error-for-image-input")
async def non_vision_url(ctx: ProbeContext) -> Grade:
    """An image URL sent to a text-only model is refused with a client error that names the image."""
    return await _image_refusal(ctx, "https://example.com/cat.png", "an image URL for a text-only model")


@probe("responses.errors.non-vision-model-with-base64-image-returns-server-error")
async def non_vision_base64(ctx: ProbeContext) -> Grade:
    """An inline base64 image sent to a text-only model is refused with an error."""
    return await _image_refusal(ctx, png_data_url(8), "a base64 image for a text-only model")


@probe("responses.errors.invalid-base64-image-returns-image-error")
async def invalid_base64(ctx: ProbeContext) -> Grade:
    """Image data that is not base64 is refused with a client error about the image."""
    exchange = await ctx.send(
        ctx.route(RESPONSES),
        request(
            ctx, _image_input("data:image/png;base64,@@not-base64@@"), max_output_tokens=MIN_OUTPUT_TOKENS
        ),
        label="an image whose data is not base64",
    )
    if exchange.error:
        return failed(f"no usable answer: {exchange.error}")
    status = exchange.status or 0
    if 200 <= status < 300:
        return failed("image data that is not base64 was accepted and answered")
    message = error_message(exchange)
    lower = message.lower()
    if "mmproj" in lower or (
        "support" in lower and any(w in lower for w in ("image", "vision", "multimodal"))
    ):
        return untested(
            f"the model takes no images, so the data was refused before it was decoded: {quote(message, 60)}"
        )
    issues = [] if status < 500 else [f"refused with {status} (a server error) where OpenAI answers 400"]
    if not any(word in lower for word in ("image", "base64", "decode")):
        issues.append(f"the error does not name the image: {quote(message, 60)}")
    return with_issues(issues, f"refused with {status}: {quote(message, 60)}")
