"""Probes of the chat family: chat completions, their stream, and the behaviours clients rely on.

Only ``chat.completions`` and ``chat.stream`` judge the full SDK shape. Behaviour probes read just
the fields their behaviour needs, so that one deviation shows in one cell, not in every chat row.
Every request sets a small token limit: some models never stop on their own.
"""

from __future__ import annotations

import json
import re
from typing import Any

from openai.types.chat import ChatCompletion, ChatCompletionChunk
from openai.types.chat.chat_completion import ChoiceLogprobs

from probes.prober import sse
from probes.prober.endpoints.grading import (
    dig,
    json_body,
    quote,
    route_problem,
    sdk_problems,
    shape_message,
)
from probes.prober.endpoints.jsoncheck import PICK_SCHEMA, parse_object, pick_schema_problems, read_reply
from probes.prober.endpoints.registry import Grade, ProbeContext, deviation, failed, passed, probe, untested
from probes.prober.http import Exchange
from probes.prober.samples import png_data_url

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}


def body(ctx: ProbeContext, prompt: str, **fields: Any) -> dict[str, Any]:
    """A chat request for the target's model with one user message and a small token limit."""
    return {
        "model": ctx.target.model,
        "messages": [{"role": "user", "content": prompt}],
        "max_tokens": 16,
    } | fields


async def ask(ctx: ProbeContext, payload: dict[str, Any], label: str) -> tuple[dict[str, Any], Grade | None]:
    """Send a chat request; the parsed reply, or the grade for a reply with no usable choice (and
    an empty reply beside it, as :func:`reply_of` gives)."""
    exchange = await ctx.send(ctx.route(), payload, label=label)
    return reply_of(ctx, exchange)


def reply_of(ctx: ProbeContext, exchange: Exchange) -> tuple[dict[str, Any], Grade | None]:
    """Phase A and the JSON step for a non-streamed chat reply that must hold ``choices[0]``.

    With a grade the reply is ``{}`` (as :func:`~probes.prober.endpoints.grading.object_with`
    gives), so that a caller reads it with no None check: every caller returns the grade anyway."""
    if problem := route_problem(exchange, api_key_given=ctx.target.api_key_given):
        return {}, problem
    data, problem = json_body(exchange)
    if problem:
        return {}, problem
    if not isinstance(data, dict) or not isinstance(dig(data, "choices", 0, "message"), dict):
        return {}, deviation("the reply has no `choices[0].message`")
    return data, None


def content_of(data: dict[str, Any], index: int = 0) -> str:
    """The text of a choice ('' when null or missing)."""
    value = dig(data, "choices", index, "message", "content")
    return value if isinstance(value, str) else ""


def finish_of(data: dict[str, Any], index: int = 0) -> Any:
    """The ``finish_reason`` of a choice."""
    return dig(data, "choices", index, "finish_reason")


def stream_chunks(exchange: Exchange) -> tuple[list[dict[str, Any]], sse.Stream | None, Grade | None]:
    """The JSON payloads of an SSE answer, or the grade for an answer that is not a usable stream."""
    if exchange.content_type != "text/event-stream":
        try:
            looks_whole = isinstance(exchange.json(), dict) and "choices" in exchange.json()
        except ValueError:
            looks_whole = False
        if looks_whole:
            return [], None, failed("ignored `stream: true` and answered one JSON body")
        return (
            [],
            None,
            failed(f"answered {quote(exchange.content_type or 'no content type')}, not an event stream"),
        )
    if exchange.truncated:
        return (
            [],
            None,
            failed(f"the stream was longer than {exchange.read_limit} bytes; reading stopped there"),
        )
    stream = sse.parse(exchange.body)
    chunks: list[dict[str, Any]] = []
    events = stream.data_events
    for number, event in enumerate(events, start=1):
        try:
            payload = json.loads(event.data)
        except ValueError:
            if number == len(events) and stream.cut_off:
                return [], stream, failed(f"the stream broke off in the middle of event {number}")
            return [], stream, failed(f"event {number} is not JSON: {quote(event.data, 60)}")
        if isinstance(payload, dict) and "error" in payload and "choices" not in payload:
            message = dig(payload, "error", "message") or payload["error"]
            return [], stream, failed(f"the stream carried an error: {quote(message)}")
        if isinstance(payload, dict):
            chunks.append(payload)
    if not chunks:
        if stream.cut_off:
            return [], stream, failed("the stream broke off before its first complete event")
        return [], stream, failed("the stream held no data events")
    return chunks, stream, None


@probe("chat.completions")
async def chat_completions(ctx: ProbeContext) -> Grade:
    """A plain request answers a ChatCompletion that the SDK type accepts in strict mode."""
    data, problem = await ask(ctx, body(ctx, "Say hello in one word."), "plain chat request")
    if problem:
        return problem
    problems = sdk_problems(ChatCompletion, data)
    for index, choice in enumerate(data.get("choices") or []):
        if (
            isinstance(choice, dict)
            and isinstance(choice.get("message"), dict)
            and "content" not in choice["message"]
        ):
            problems.append(f"choices.{index}.message.content: missing")
    if problems:
        return deviation(shape_message("the chat completion", problems))
    return passed(f"a valid chat completion (`finish_reason` {quote(finish_of(data))})")


@probe("chat.stream")
async def chat_stream(ctx: ProbeContext) -> Grade:
    """``stream: true`` answers SSE chunks the SDK accepts, closed by ``data: [DONE]``."""
    exchange = await ctx.send(
        ctx.route(), body(ctx, "Say hello in one word.", stream=True), label="streamed chat"
    )
    if problem := route_problem(exchange, api_key_given=ctx.target.api_key_given):
        return problem
    chunks, stream, problem = stream_chunks(exchange)
    if problem:
        return problem
    assert stream is not None
    issues: list[str] = []
    for number, chunk in enumerate(chunks, start=1):
        if found := sdk_problems(ChatCompletionChunk, chunk, limit=1):
            issues.append(shape_message(f"chunk {number}", found))
            break
    if not stream.done:
        issues.append("the stream ends without `data: [DONE]`")
    if stream.events_after_done:
        issues.append(f"{stream.events_after_done} event(s) follow `data: [DONE]`")
    if stream.unknown_lines:
        issues.append(f"lines that are not SSE fields: {quote(stream.unknown_lines[0], 40)}")
    if stream.cut_off and stream.done:
        issues.append("the last event is not closed by a blank line")
    if not any(dig(c, "choices", 0, "finish_reason") for c in chunks):
        issues.append("no chunk carries a `finish_reason`")
    if issues:
        return deviation("; ".join(issues))
    return passed(f"{len(chunks)} chunks, closed by `data: [DONE]`")


@probe("chat.stream_usage")
async def chat_stream_usage(ctx: ProbeContext) -> Grade:
    """With ``include_usage`` the last chunk before [DONE] has empty choices and the usage."""
    payload = body(ctx, "Say hello in one word.", stream=True, stream_options={"include_usage": True})
    exchange = await ctx.send(ctx.route(), payload, label="streamed chat with include_usage")
    if problem := route_problem(exchange, api_key_given=ctx.target.api_key_given):
        return problem
    chunks, _stream, problem = stream_chunks(exchange)
    if problem:
        return problem
    with_usage = [i for i, c in enumerate(chunks) if isinstance(c.get("usage"), dict)]
    if not with_usage:
        return deviation("no chunk carries `usage` although `stream_options.include_usage` was set")
    last = chunks[-1]
    if with_usage[-1] != len(chunks) - 1:
        return deviation("the usage chunk is not the last chunk of the stream")
    if last.get("choices") != []:
        return deviation("the usage chunk still carries choices; OpenAI sends it with `choices: []`")
    if len(with_usage) > 1:
        return deviation(f"{len(with_usage)} chunks carry `usage`; OpenAI sends it once, on the last chunk")
    usage = last["usage"]
    bad = [
        k for k in ("prompt_tokens", "completion_tokens", "total_tokens") if not isinstance(usage.get(k), int)
    ]
    if bad:
        return deviation(f"the usage chunk lacks integer {', '.join(bad)}")
    return passed(
        f"last chunk has `choices: []` and usage ({usage['prompt_tokens']} prompt, "
        f"{usage['completion_tokens']} completion tokens)"
    )


@probe("chat.seed_determinism", flaky=True)
async def chat_seed_determinism(ctx: ProbeContext) -> Grade:
    """Two sampled requests with the same seed give the same text; a third seed is the control."""
    prompt = "Write one short sentence about an animal of your choice."
    texts = []
    for seed, label in (
        (1234, "sampled with seed 1234"),
        (1234, "the same request again"),
        (4321, "control: seed 4321"),
    ):
        data, problem = await ask(ctx, body(ctx, prompt, temperature=1.0, seed=seed, max_tokens=16), label)
        if problem:
            return problem
        texts.append(content_of(data))
    first, second, control = texts
    if first != second:
        return deviation(
            f"two requests with `seed: 1234` gave different text: {quote(first, 50)} and {quote(second, 50)}"
        )
    note = "another seed gave other text" if control != first else "another seed gave the same text too"
    return passed(f"the same seed gave the same text twice; {note}")


@probe("chat.json_schema", flaky=True)
async def chat_json_schema(ctx: ProbeContext) -> Grade:
    """``response_format: json_schema`` yields JSON that satisfies the schema."""
    payload = body(
        ctx,
        "Pick a colour (red, green or blue) and a number of items. Answer in JSON.",
        max_tokens=100,
        response_format={
            "type": "json_schema",
            "json_schema": {"name": "pick", "strict": True, "schema": PICK_SCHEMA},
        },
    )
    data, problem = await ask(ctx, payload, "chat with a json_schema response format")
    if problem:
        return problem
    text = content_of(data)
    reply = read_reply(text, hit_limit=finish_of(data) == "length")
    if reply.cut:
        return untested(
            "the reply reached `max_tokens` before the JSON closed; the schema could not be checked"
        )
    if not reply.parsed:
        return deviation(f"the reply is not JSON: {quote(text, 60)}")
    if problems := pick_schema_problems(reply.value):
        return deviation(f"the reply does not satisfy the schema: it {'; it '.join(problems)}")
    return passed(f"the reply satisfies the schema: {quote(text, 60)}")


@probe("chat.json_mode")
async def chat_json_mode(ctx: ProbeContext) -> Grade:
    """``response_format: json_object`` yields a JSON object."""
    payload = body(
        ctx,
        'Reply with a JSON object that has the key "ok" set to true.',
        max_tokens=60,
        response_format={"type": "json_object"},
    )
    data, problem = await ask(ctx, payload, "chat with the json_object response format")
    if problem:
        return problem
    text = content_of(data)
    reply = read_reply(text, hit_limit=finish_of(data) == "length")
    if reply.parsed and isinstance(reply.value, dict):
        return passed(f"the reply is a JSON object: {quote(text, 60)}")
    if reply.parsed:
        return deviation(f"the reply is JSON but not an object: {quote(text, 60)}")
    if reply.cut and text.lstrip().startswith("{"):
        return passed("the reply was cut by `max_tokens`; up to there it is a valid JSON object")
    return deviation(f"the reply is not JSON: {quote(text, 60)}")


def tool_request(ctx: ProbeContext) -> dict[str, Any]:
    """A request that requires a call of the one tool it offers."""
    return body(
        ctx,
        "What is the weather in Paris right now? Use the tool.",
        max_tokens=60,
        tools=[WEATHER_TOOL],
        tool_choice="required",
    )


@probe("chat.tools", flaky=True)
async def chat_tools(ctx: ProbeContext) -> Grade:
    """``tools`` with ``tool_choice: required`` produce a call of the offered function."""
    data, problem = await ask(ctx, tool_request(ctx), "chat with a required tool")
    if problem:
        return problem
    calls = dig(data, "choices", 0, "message", "tool_calls")
    if not isinstance(calls, list) or not calls:
        return deviation(
            "`tool_choice: required` was accepted, but the reply has no `tool_calls` "
            f"(text: {quote(content_of(data), 50)})"
        )
    call = calls[0] if isinstance(calls[0], dict) else {}
    issues = []
    if call.get("type") != "function":
        issues.append(f"`type` is {quote(call.get('type'))}, not `function`")
    if not isinstance(call.get("id"), str) or not call.get("id"):
        issues.append("the call has no string `id`")
    name = dig(call, "function", "name")
    if name != "get_weather":
        issues.append(f"it calls {quote(name)}, not the offered `get_weather`")
    if finish_of(data) not in ("tool_calls", "stop"):
        issues.append(f"`finish_reason` is {quote(finish_of(data))}")
    if issues:
        return deviation("the tool call differs: " + "; ".join(issues))
    return passed(f"called `get_weather` (`finish_reason` {quote(finish_of(data))})")


@probe("chat.tool_arguments", flaky=True)
async def chat_tool_arguments(ctx: ProbeContext) -> Grade:
    """``tool_calls[].function.arguments`` is a JSON-encoded string, not an object."""
    data, problem = await ask(ctx, tool_request(ctx), "chat with a required tool")
    if problem:
        return problem
    arguments = dig(data, "choices", 0, "message", "tool_calls", 0, "function")
    if not isinstance(arguments, dict) or "arguments" not in arguments:
        return untested("the reply holds no tool call, so there were no arguments to inspect")
    value = arguments["arguments"]
    if isinstance(value, str):
        parsed, ok = parse_object(value)
        if ok and isinstance(parsed, dict):
            return passed(f"`arguments` is a JSON string: {quote(value, 60)}")
        return deviation(f"`arguments` is a string but not a JSON object: {quote(value, 60)}")
    kind = "a JSON object" if isinstance(value, dict) else f"a JSON {type(value).__name__}"
    return deviation(f"`arguments` is {kind}, not a JSON-encoded string")


@probe("chat.logprobs")
async def chat_logprobs(ctx: ProbeContext) -> Grade:
    """``logprobs`` with ``top_logprobs: 2`` return per-token log-probabilities in OpenAI's shape."""
    data, problem = await ask(
        ctx, body(ctx, "Say hello.", max_tokens=4, logprobs=True, top_logprobs=2), "logprobs"
    )
    if problem:
        return problem
    logprobs = dig(data, "choices", 0, "logprobs")
    if not isinstance(logprobs, dict):
        return deviation("`logprobs: true` was accepted, but `choices[0].logprobs` is null or missing")
    if problems := sdk_problems(ChoiceLogprobs, logprobs):
        return deviation(shape_message("`logprobs`", problems))
    content = logprobs.get("content")
    if not content:
        return deviation("`logprobs.content` is empty")
    for entry in content:
        alternatives = entry.get("top_logprobs") or []
        if len(alternatives) != 2:
            return deviation(f"asked for `top_logprobs: 2`, a token came with {len(alternatives)}")
        if entry["logprob"] > 0:
            return deviation(f"a log-probability is positive ({entry['logprob']})")
    return passed(f"{len(content)} tokens with log-probabilities and 2 alternatives each")


@probe("chat.cache_prompt")
async def chat_cache_prompt(ctx: ProbeContext) -> Grade:
    """A repeated long prompt reports cached prompt tokens the second time."""
    facts = " ".join(f"Fact {i}: the number {i} comes right after {i - 1}." for i in range(1, 81))
    payload = body(ctx, facts + "\nReply with OK.", max_tokens=1)
    _first, problem = await ask(ctx, payload, "a long prompt")
    if problem:
        return problem
    second, problem = await ask(ctx, payload, "the same prompt again")
    if problem:
        return problem
    prompt_tokens = dig(second, "usage", "prompt_tokens")
    cached = dig(second, "usage", "prompt_tokens_details", "cached_tokens")
    if not isinstance(cached, int):
        return untested(
            "the reply reports no `usage.prompt_tokens_details.cached_tokens`; reuse cannot be seen"
        )
    if cached > 0:
        return passed(f"the repeated prompt reported {cached} of {prompt_tokens} prompt tokens as cached")
    return deviation(f"a repeated {prompt_tokens}-token prompt reported 0 cached tokens")


@probe("chat.vision")
async def chat_vision(ctx: ProbeContext) -> Grade:
    """An ``image_url`` content part is accepted and counted as input."""
    question = "What colour is this image? One word."
    parts = [{"type": "text", "text": question}, {"type": "image_url", "image_url": {"url": png_data_url()}}]
    payload = {"model": ctx.target.model, "messages": [{"role": "user", "content": parts}], "max_tokens": 4}
    with_image, problem = await ask(ctx, payload, "chat with an inline PNG")
    if problem:
        return problem
    text_only, problem = await ask(
        ctx, body(ctx, question, max_tokens=4), "the same question without the image"
    )
    if problem:
        return problem
    grown, base = dig(with_image, "usage", "prompt_tokens"), dig(text_only, "usage", "prompt_tokens")
    if isinstance(grown, int) and isinstance(base, int):
        if grown <= base:
            return deviation(
                f"the image was accepted but added no prompt tokens ({grown} vs {base} without it)"
            )
        return passed(f"the image was accepted and counted ({grown} prompt tokens, {base} without it)")
    return passed("the image part was accepted (the reply reports no usage to confirm it was read)")


@probe("chat.n")
async def chat_n(ctx: ProbeContext) -> Grade:
    """``n: 2`` answers two choices with indices 0 and 1."""
    data, problem = await ask(ctx, body(ctx, "Name a fruit.", n=2, temperature=1.0, max_tokens=6), "n = 2")
    if problem:
        return problem
    choices = data.get("choices") or []
    indices = [c.get("index") for c in choices if isinstance(c, dict)]
    numbers = sorted(index for index in indices if isinstance(index, int))
    if len(choices) != 2:
        return deviation(f"asked for `n: 2`, got {len(choices)} choice{'s' if len(choices) != 1 else ''}")
    if len(numbers) != len(indices) or numbers != [0, 1]:
        # a null or string index does not sort with numbers: such indices are shown as they came
        shown = numbers if len(numbers) == len(indices) else indices
        return deviation(f"the two choices have indices {shown}, not [0, 1]")
    return passed("two choices, indices 0 and 1")


@probe("chat.sampling")
async def chat_sampling(ctx: ProbeContext) -> Grade:
    """``temperature: 0`` (with ``top_p: 1``) is applied: greedy decoding repeats itself."""
    payload = body(ctx, "Name three fruits.", temperature=0, top_p=1, max_tokens=12)
    first, problem = await ask(ctx, payload, "temperature 0")
    if problem:
        return problem
    second, problem = await ask(ctx, payload, "temperature 0 again")
    if problem:
        return problem
    if content_of(first) != content_of(second):
        return deviation(
            f"`temperature: 0` gave two different replies: {quote(content_of(first), 50)} "
            f"and {quote(content_of(second), 50)}"
        )
    return passed("`temperature` and `top_p` accepted; `temperature: 0` gave the same text twice")


LIMITED_ANSWER_SECONDS = 45.0
"""How long a three-token answer may take, queueing on a busy two-core machine included."""


@probe("chat.max_tokens")
async def chat_max_tokens(ctx: ProbeContext) -> Grade:
    """``max_tokens`` and ``max_completion_tokens`` stop generation with ``finish_reason: length``."""
    prompt = "Tell a long story about a ship at sea."
    issues: list[str] = []
    refused = 0
    for name in ("max_tokens", "max_completion_tokens"):
        payload = {"model": ctx.target.model, "messages": [{"role": "user", "content": prompt}], name: 3}
        # three tokens take well under a second; a server that ignores the limit writes on to the
        # end of its context, so this request gets a bound of its own and the row says which limit
        exchange = await ctx.send(ctx.route(), payload, label=f"{name}: 3", timeout=LIMITED_ANSWER_SECONDS)
        if exchange.timed_out:
            seconds = f"{LIMITED_ANSWER_SECONDS:g} s"
            issues.append(f"`{name}: 3` got no complete answer within {seconds}: the limit looks ignored")
            continue
        data, problem = reply_of(ctx, exchange)
        if problem:
            if name == "max_tokens" and exchange.status not in (400, 422):
                return problem
            refused += 1
            issues.append(f"`{name}` was refused: {problem.message}")
            continue
        tokens = dig(data, "usage", "completion_tokens")
        if finish_of(data) != "length":
            issues.append(f"`{name}: 3` ended with `finish_reason` {quote(finish_of(data))}")
        elif isinstance(tokens, int) and tokens > 3:
            issues.append(f"`{name}: 3` produced {tokens} completion tokens")
    if refused == 2:
        return failed("; ".join(issues))
    if issues:
        return deviation("; ".join(issues))
    return passed(
        "both `max_tokens` and `max_completion_tokens` stop at 3 tokens with `finish_reason: length`"
    )


def pick_stop(text: str) -> str | None:
    """A stop string taken from a greedy reply: its second word, where it first occurs after the start."""
    words = re.findall(r"\S+", text)
    for word in words[1:]:
        stop = word[:12]
        if text.find(stop) > 0:
            return stop
    return None


@probe("chat.stop")
async def chat_stop(ctx: ProbeContext) -> Grade:
    """A ``stop`` string taken from a greedy reply ends the same reply before it."""
    prompt = "Count from one to ten in words."
    base, problem = await ask(
        ctx, body(ctx, prompt, temperature=0, max_tokens=24), "greedy reply to pick a stop string"
    )
    if problem:
        return problem
    text = content_of(base)
    stop = pick_stop(text)
    if stop is None:
        return untested(f"the greedy reply was too short to take a stop string from: {quote(text, 40)}")
    stopped, problem = await ask(
        ctx, body(ctx, prompt, temperature=0, max_tokens=24, stop=[stop]), "same with stop"
    )
    if problem:
        return problem
    result = content_of(stopped)
    if stop in result:
        return deviation(f"the reply still contains the stop string {quote(stop)}: {quote(result, 50)}")
    if result == text[: text.find(stop)] or finish_of(stopped) == "stop":
        return passed(
            f"the reply ended before {quote(stop)} with `finish_reason` {quote(finish_of(stopped))}"
        )
    return untested("the second greedy reply took another path and never reached the stop string")


@probe("chat.seed")
async def chat_seed(ctx: ProbeContext) -> Grade:
    """The ``seed`` parameter is accepted."""
    _data, problem = await ask(ctx, body(ctx, "Say hello.", seed=42, max_tokens=4), "seed 42")
    if problem:
        return problem
    return passed("`seed: 42` accepted")
