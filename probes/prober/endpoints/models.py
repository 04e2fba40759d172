"""Probes of the models family: listing models and describing one."""

from __future__ import annotations

from openai.types import Model

from probes.prober.endpoints.grading import (
    json_body,
    missing_keys,
    quote,
    route_problem,
    sdk_problems,
    shape_message,
)
from probes.prober.endpoints.registry import Grade, ProbeContext, deviation, passed, probe, untested


def _list_problems(data: object) -> list[str]:
    if not isinstance(data, dict):
        return ["body: not a JSON object"]
    problems = [f"{key}: missing" for key in missing_keys(data, "object", "data")]
    if "object" in data and data["object"] != "list":
        problems.append(f"object: {data['object']!r}, not 'list'")
    if not isinstance(data.get("data"), list):
        problems.append("data: not a list")
        return problems
    for index, item in enumerate(data["data"]):
        problems += [f"data.{index}.{p}" for p in sdk_problems(Model, item, limit=1)]
    return problems


@probe("models.list")
async def models_list(ctx: ProbeContext) -> Grade:
    """GET /v1/models answers OpenAI's list of Model objects."""
    exchange = await ctx.send(ctx.route(), label="list models")
    if problem := route_problem(exchange, api_key_given=ctx.target.api_key_given):
        return problem
    data, problem = json_body(exchange)
    if problem:
        return problem
    if problems := _list_problems(data):
        return deviation(shape_message("the model list", problems))
    ids = [item.get("id") for item in data["data"]]
    return passed(
        f"lists {len(ids)} model{'s' if len(ids) != 1 else ''}: {quote(', '.join(map(str, ids[:5])))}"
    )


@probe("models.retrieve")
async def models_retrieve(ctx: ProbeContext) -> Grade:
    """GET /v1/models/{id} describes a model the list names (or the model given, if none listed)."""
    model_id = ctx.target.model
    listing = await ctx.send(ctx.route("models.list"), label="pick a model id the server lists")
    if listing.ok:
        try:
            ids = [item["id"] for item in listing.json()["data"] if isinstance(item.get("id"), str)]
        except (ValueError, KeyError, TypeError, AttributeError):
            ids = []
        if ids and model_id not in ids:
            model_id = ids[0]
    if model_id is None:
        return untested("the server lists no model to describe and none was given (pass --model NAME)")
    exchange = await ctx.send(route := ctx.route(), path=route.path(id=model_id), label="describe one model")
    if problem := route_problem(exchange, api_key_given=ctx.target.api_key_given):
        return problem
    data, problem = json_body(exchange)
    if problem:
        return problem
    if problems := sdk_problems(Model, data):
        return deviation(shape_message("the model object", problems))
    if data.get("id") != model_id:
        return deviation(f"asked for {quote(model_id)}, got a model with id {quote(data.get('id'))}")
    return passed(f"describes {quote(model_id)}")
