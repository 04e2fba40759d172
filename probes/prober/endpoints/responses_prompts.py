"""Probes of the Responses matrix's Prompt Templates section: ``prompt: {id, version, variables}``.

OpenAI makes prompt templates only in its dashboard: its API has no route to create one. These
probes therefore create the template through the server's own ``POST /v1/prompts`` (OGX's, formerly
Llama Stack's, Prompts API, with ``{prompt, variables}`` and ``{{ name }}`` placeholders; a new
version with its ``PUT /v1/prompts/{id}``) and say so
in every grade; a server without that route leaves the rows untested. What is graded is OpenAI's
side: the ``prompt`` parameter of ``POST /v1/responses`` and the ``prompt`` the response reports.
Whether the template reached the model is read from ``usage.input_tokens`` (the same input costs
more with the template than without it), never from what the tiny model answers.
"""

from __future__ import annotations

from typing import Any

from openai.types.responses import ResponsePrompt

from probes.prober.endpoints.grading import json_body, quote, route_problem, sdk_problems, shape_message
from probes.prober.endpoints.registry import Grade, ProbeContext, deviation, failed, passed, probe, untested
from probes.prober.endpoints.responses_features import MIN_OUTPUT_TOKENS, create, stream, tokens
from probes.prober.endpoints.setup_routes import PROMPTS

OWN_ROUTE = f" (the template was made with the server's own `POST {PROMPTS.path()}`, not an OpenAI route)"
NO_ROUTE = (
    f"OpenAI creates prompt templates only in its dashboard, and this server has no `POST {PROMPTS.path()}`"
    " to create one either, so there is no template to reference"
)
LONGER = " Answer with care, in plain words, and say when you are not sure of a fact or a figure."
"""Text that makes a template about twenty tokens longer, to see it counted."""


def user(text: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": text}]


def request(ctx: ProbeContext, question: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    """A short Responses request (``prompt`` is a field here, so the shared builder cannot take it)."""
    return {"model": ctx.target.model, "input": question, "max_output_tokens": MIN_OUTPUT_TOKENS} | fields


def text_var(value: str) -> dict[str, str]:
    """A prompt variable as OpenAI takes it: an ``input_text`` part."""
    return {"type": "input_text", "text": value}


def own(grade: Grade) -> Grade:
    """The grade with the note that the template came from the server's own route."""
    return Grade(grade.status, grade.message + OWN_ROUTE, cause=grade.cause)


async def new_prompt(
    ctx: ProbeContext, text: str, variables: list[str]
) -> tuple[dict[str, Any], Grade | None]:
    """Create a template through the server's own route; the prompt object, or the final grade when
    there is none (noted with :func:`own`, except when the server has no such route at all)."""
    exchange = await ctx.send(PROMPTS, {"prompt": text, "variables": variables}, label="create a prompt")
    if exchange.status in (404, 405, 501):
        return {}, untested(NO_ROUTE)
    if problem := route_problem(exchange, api_key_given=ctx.target.api_key_given):
        return {}, own(problem)
    data, problem = json_body(exchange)
    if problem:
        return {}, own(problem)
    if not isinstance(data, dict) or not isinstance(data.get("prompt_id") or data.get("id"), str):
        return {}, own(
            untested(f"the server's own route made no prompt with an id: {quote(exchange.text, 60)}")
        )
    data["prompt_id"] = data.get("prompt_id") or data.get("id")
    return data, None


async def drop(ctx: ProbeContext, prompt_id: str) -> None:
    """Delete the template again through the server's own route (best effort)."""
    await ctx.http.request("DELETE", PROMPTS.path(prompt_id), label="delete the prompt")


def echo_issues(data: dict[str, Any], prompt_id: str, variables: list[str]) -> list[str]:
    """How the ``prompt`` a response reports differs from the one sent."""
    reported = data.get("prompt")
    if not isinstance(reported, dict):
        return [f"the response reports `prompt` as {quote(reported, 40)}, not the template used"]
    issues = [shape_message("`prompt`", p) for p in [sdk_problems(ResponsePrompt, reported)] if p]
    if reported.get("id") != prompt_id:
        issues.append(
            f"the response reports `prompt.id` {quote(reported.get('id'), 40)}, not {quote(prompt_id)}"
        )
    missing = [v for v in variables if v not in (reported.get("variables") or {})]
    if missing:
        issues.append(f"`prompt.variables` lacks {', '.join(f'`{m}`' for m in missing)}")
    return issues


async def counted(
    ctx: ProbeContext, question: str, label: str, **fields: Any
) -> tuple[dict[str, Any], Grade | None]:
    """A response to ``question`` whose ``usage.input_tokens`` is known, or the grade why not."""
    data, problem = await create(ctx, request(ctx, user(question), **fields), label)
    if problem:
        return data, problem
    if tokens(data, "input_tokens") is None:
        return data, untested("answered, but without `usage.input_tokens` to show the template was read")
    return data, None


def applied(with_prompt: dict[str, Any], alone: dict[str, Any], what: str) -> Grade | None:
    """A failure when the template did not add to the input the model read."""
    after, before = tokens(with_prompt, "input_tokens") or 0, tokens(alone, "input_tokens") or 0
    if after <= before:
        return failed(
            f"{what} cost {after} input tokens, the input alone {before}: the template was not applied"
        )
    return None


async def _single(
    ctx: ProbeContext, template: str, names: list[str], values: dict[str, str], question: str
) -> Grade:
    """Create a template, answer with it and without it; grade the echo and the token counts."""
    alone, problem = await counted(ctx, question, "the input without a prompt")
    if problem:
        return problem
    prompt, problem = await new_prompt(ctx, template, names)
    if problem:
        return problem
    reference: dict[str, Any] = {"id": prompt["prompt_id"]}
    if values:
        reference["variables"] = {k: text_var(v) for k, v in values.items()}
    try:
        data, problem = await counted(ctx, question, "the input with the prompt", prompt=reference)
    finally:
        await drop(ctx, prompt["prompt_id"])
    if problem:
        return own(problem)
    if grade := applied(data, alone, "the input with the template"):
        return own(grade)
    issues = echo_issues(data, prompt["prompt_id"], names)
    before, after = tokens(alone, "input_tokens"), tokens(data, "input_tokens")
    return own(
        deviation("; ".join(issues))
        if issues
        else passed(f"the template was read: {before} → {after} input tokens")
    )


@probe("responses.prompt-templates.basic-prompt-template")
async def basic_prompt(ctx: ProbeContext) -> Grade:
    """``prompt: {id, variables}`` puts the filled template before the input, and is reported back."""
    return await _single(
        ctx, "You are a {{ role }} assistant.", ["role"], {"role": "helpful"}, "What is your role?"
    )


@probe("responses.prompt-templates.prompt-template-no-variables")
async def no_variables(ctx: ProbeContext) -> Grade:
    """A template without variables is referenced by ``prompt: {id}`` alone."""
    return await _single(ctx, "You are a helpful assistant." + LONGER, [], {}, "Hello")


@probe("responses.prompt-templates.multi-variable-prompt-template")
async def multi_variable(ctx: ProbeContext) -> Grade:
    """Every variable is substituted: longer values cost more input tokens, all are reported back."""
    names = ["role", "domain", "duty", "tone"]
    template = (
        "You are a {{ role }} assistant for {{ domain }}. You handle {{ duty }}. Keep a {{ tone }} tone."
    )
    prompt, problem = await new_prompt(ctx, template, names)
    if problem:
        return problem
    short = dict(zip(names, ["support", "software", "bugs", "calm"], strict=True))
    long = {name: value + " and" + LONGER.rstrip(".") for name, value in short.items()}
    results = []
    try:
        for values, which in ((short, "short"), (long, "longer")):
            reference = {"id": prompt["prompt_id"], "variables": {k: text_var(v) for k, v in values.items()}}
            data, problem = await counted(
                ctx, "What do you do?", f"{which} variable values", prompt=reference
            )
            if problem:
                return own(problem)
            results.append(data)
    finally:
        await drop(ctx, prompt["prompt_id"])
    counts = [tokens(r, "input_tokens") or 0 for r in results]
    if counts[1] <= counts[0] + 4 * 10:
        return own(
            failed(
                f"four values each about twenty tokens longer cost {counts[1] - counts[0]} more input tokens:"
                " the variables were not substituted"
            )
        )
    issues = echo_issues(results[1], prompt["prompt_id"], names)
    message = f"all four variables were substituted ({counts[0]} → {counts[1]} input tokens)"
    return own(deviation("; ".join(issues)) if issues else passed(message))


@probe("responses.prompt-templates.multi-version-prompt-template")
async def multi_version(ctx: ProbeContext) -> Grade:
    """A template updated to version 2 is used by default; ``version: "1"`` still gives the first."""
    prompt, problem = await new_prompt(ctx, "You are a formal assistant.", [])
    if problem:
        return problem
    pid = prompt["prompt_id"]
    try:
        first, problem = await counted(ctx, "Tell me about Python.", "version 1", prompt={"id": pid})
        if problem:
            return own(problem)
        exchange = await ctx.http.request(
            "PUT",
            PROMPTS.path(pid),
            json_body={
                "prompt": "You are a casual, friendly assistant." + LONGER,
                "version": 1,
                "variables": [],
            },
            label=f"update the prompt to version 2 (the server's own `PUT {PROMPTS.path()}/{{id}}`)",
        )
        if problem := route_problem(exchange, api_key_given=ctx.target.api_key_given):
            return own(untested(f"the server's own route made no version 2: {problem.message}"))
        default, problem = await counted(
            ctx, "Tell me about Python.", "the default version", prompt={"id": pid}
        )
        if problem:
            return own(problem)
        pinned, problem = await counted(
            ctx, "Tell me about Python.", "version 1 by number", prompt={"id": pid, "version": "1"}
        )
        if problem:
            return own(problem)
    finally:
        await drop(ctx, pid)
    one, two, again = (tokens(d, "input_tokens") or 0 for d in (first, default, pinned))
    if two <= one:
        return own(
            failed(
                f"after the update to a longer version 2, the default still costs {two} tokens ({one} before)"
            )
        )
    if again != one:
        return own(
            failed(
                f'`version: "1"` cost {again} input tokens, version 1 cost {one}: the version was not used'
            )
        )
    reported = (pinned.get("prompt") or {}).get("version") if isinstance(pinned.get("prompt"), dict) else None
    if reported not in ("1", 1):
        return own(deviation(f"the pinned response reports `prompt.version` {quote(reported, 20)}, not `1`"))
    return own(
        passed(f"version 2 by default ({two} tokens), version 1 when asked ({again} tokens, as before)")
    )


@probe("responses.prompt-templates.prompt-template-with-streaming")
async def with_streaming(ctx: ProbeContext) -> Grade:
    """A streamed response with a template reports it from ``response.created`` to the end."""
    alone, problem = await counted(ctx, "Hello", "the input without a prompt")
    if problem:
        return problem
    prompt, problem = await new_prompt(ctx, "You are a {{ role }} assistant." + LONGER, ["role"])
    if problem:
        return problem
    reference = {"id": prompt["prompt_id"], "variables": {"role": text_var("friendly")}}
    try:
        events, problem = await stream(
            ctx, request(ctx, user("Hello"), prompt=reference), "a streamed response with the prompt"
        )
    finally:
        await drop(ctx, prompt["prompt_id"])
    if problem:
        return own(problem)
    final = events.response
    if not isinstance(final, dict):
        return own(failed(f"the stream ends with {quote(events.types[-1])}, with no final response"))
    if (tokens(final, "input_tokens") or 0) and (
        grade := applied(final, alone, "the streamed input with the template")
    ):
        return own(grade)
    issues = echo_issues(final, prompt["prompt_id"], ["role"])
    created = events.events[0].get("response") if events.types[0] == "response.created" else None
    if not isinstance(created, dict) or dig_prompt_id(created) != prompt["prompt_id"]:
        issues.append("`response.created` does not report the prompt")
    return own(
        deviation("; ".join(issues))
        if issues
        else passed("the prompt is reported from the first event to the last")
    )


def dig_prompt_id(response: dict[str, Any]) -> Any:
    reported = response.get("prompt")
    return reported.get("id") if isinstance(reported, dict) else None


@probe("responses.prompt-templates.prompt-template-with-multi-turn")
async def with_multi_turn(ctx: ProbeContext) -> Grade:
    """A response made with a template can be continued with ``previous_response_id``."""
    second_question = "Can you help me with algebra?"
    alone, problem = await counted(ctx, second_question, "the second question alone")
    if problem:
        return problem
    prompt, problem = await new_prompt(ctx, "You are a {{ specialty }} tutor.", ["specialty"])
    if problem:
        return problem
    reference = {"id": prompt["prompt_id"], "variables": {"specialty": text_var("mathematics")}}
    try:
        first, problem = await counted(
            ctx, "What is your specialty?", "first turn with the prompt", prompt=reference
        )
        if problem:
            return own(problem)
        second, problem = await counted(
            ctx, second_question, "second turn", previous_response_id=first.get("id")
        )
    finally:
        await drop(ctx, prompt["prompt_id"])
    if problem:
        return own(problem)
    before, after = tokens(alone, "input_tokens") or 0, tokens(second, "input_tokens") or 0
    if after <= before:
        return own(
            failed(
                f"the second turn cost {after} input tokens, as many as alone ({before}):"
                " the first turn was not read"
            )
        )
    issues = echo_issues(first, prompt["prompt_id"], ["specialty"])
    message = f"the second turn read the first ({before} → {after} input tokens)"
    return own(deviation("; ".join(issues)) if issues else passed(message))
