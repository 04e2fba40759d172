"""Probes of the Responses matrix's File Search section: the ``file_search`` tool over a vector store.

Each probe builds its own small library the OpenAI way: four text files uploaded with
``POST /v1/files`` (``purpose=assistants``), a vector store, and each file attached with
``attributes`` (region, category, date), polled until indexed. The filter probes then ask with
``tools: [{type: file_search, vector_store_ids, filters}]``, ``tool_choice: required`` and
``include: [file_search_call.results]``, and grade the server's search, not the model: every
result must be a file whose attributes match the filter (the probe evaluates the filter itself).
When the model makes no ``file_search_call`` the row is untested. Files and the vector store are
deleted afterwards, best effort. The grading rule is the one of
:mod:`probes.prober.endpoints.responses_features`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from openai.types import FileObject, VectorStore
from openai.types.responses import ResponseFileSearchToolCall
from openai.types.vector_stores import VectorStoreFile

from probes.prober.endpoints.grading import dig, json_body, quote, route_problem, sdk_problems, shape_message
from probes.prober.endpoints.registry import (
    Grade,
    ProbeContext,
    deviation,
    failed,
    probe,
    untested,
)
from probes.prober.endpoints.responses_features import create, request, stream, with_issues
from probes.prober.endpoints.setup_routes import VECTOR_STORES

INDEX_SECONDS = 30.0
"""How long a probe waits for its files to be indexed before it gives up."""

FILES: dict[str, tuple[str, dict[str, Any]]] = {
    "us_marketing_q1.txt": (
        "US promotional campaigns for Q1 2023. Revenue increased by 15% in the US region.",
        {"region": "us", "category": "marketing", "date": 1672531200},
    ),
    "us_engineering_q2.txt": (
        "US technical updates for Q2 2023. New features deployed in the US region.",
        {"region": "us", "category": "engineering", "date": 1680307200},
    ),
    "eu_marketing_q1.txt": (
        "European advertising campaign results for Q1 2023. Strong growth in EU markets.",
        {"region": "eu", "category": "marketing", "date": 1672531200},
    ),
    "asia_sales_q3.txt": (
        "Asia Pacific revenue figures for Q3 2023. Record breaking quarter in Asia.",
        {"region": "asia", "category": "sales", "date": 1688169600},
    ),
}
"""The library: file name → (text, attributes), after OGX's own file-search tests."""

_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
    "in": lambda a, b: a in b,
    "nin": lambda a, b: a not in b,
}


def matches(attributes: dict[str, Any], rule: dict[str, Any]) -> bool:
    """Whether attributes satisfy an OpenAI comparison or compound filter."""
    if rule["type"] in ("and", "or"):
        combine = all if rule["type"] == "and" else any
        return combine(matches(attributes, sub) for sub in rule["filters"])
    if rule["key"] not in attributes:
        return False
    return _COMPARE[rule["type"]](attributes[rule["key"]], rule["value"])


@dataclass
class Library:
    """What a probe uploaded: the vector store and the file ids by name."""

    store: str | None = None
    files: dict[str, str] = field(default_factory=dict)

    def name_of(self, file_id: Any) -> str | None:
        return next((name for name, fid in self.files.items() if fid == file_id), None)


async def _json(ctx: ProbeContext, exchange: Any, what: str) -> tuple[Any, Grade | None]:
    if problem := route_problem(exchange, api_key_given=ctx.target.api_key_given):
        return None, Grade(problem.status, f"{what}: {problem.message}", cause=problem.cause)
    return json_body(exchange)


async def build(ctx: ProbeContext, library: Library) -> tuple[list[str], Grade | None]:
    """Upload the files, make the store, attach and index them; shape issues, or the grade of a failure."""
    issues: list[str] = []
    for name, (text, _) in FILES.items():
        exchange = await ctx.http.request(
            "POST",  # an upload goes to the path the ``files`` row lists with GET
            ctx.route("files").path(),
            files={"file": (name, text.encode(), "text/plain")},
            data={"purpose": "assistants"},
            label=f"upload {name}",
        )
        data, problem = await _json(ctx, exchange, f"uploading {name}")
        if problem:
            return issues, problem
        if not isinstance(data, dict) or not isinstance(data.get("id"), str):
            return issues, failed(f"uploading {name} gave no file `id`")
        library.files[name] = data["id"]
        if not issues and (p := sdk_problems(FileObject, data)):
            issues.append(shape_message("the uploaded file", p))
    body: dict[str, Any] = {"name": "aioc-file-search"}
    exchange = await ctx.send(VECTOR_STORES, body, label="create a vector store")
    data, problem = await _json(ctx, exchange, "creating the vector store")
    if problem:
        return issues, problem
    if not isinstance(data, dict) or not isinstance(data.get("id"), str):
        return issues, failed("the vector store created has no `id`")
    library.store = data["id"]
    if p := sdk_problems(VectorStore, data):
        issues.append(shape_message("the vector store", p))
    for name, (_, attributes) in FILES.items():
        exchange = await ctx.http.post(
            VECTOR_STORES.path(library.store, "files"),
            {"file_id": library.files[name], "attributes": attributes},
            label=f"attach {name} with attributes",
        )
        data, problem = await _json(ctx, exchange, f"attaching {name}")
        if problem:
            return issues, problem
        if grade := await _indexed(ctx, library, name, data, issues):
            return issues, grade
    return issues, None


async def _indexed(
    ctx: ProbeContext, library: Library, name: str, data: Any, issues: list[str]
) -> Grade | None:
    """Poll an attached file until it is indexed; the grade when it fails or takes too long."""
    loop = asyncio.get_running_loop()
    until = loop.time() + INDEX_SECONDS
    while True:
        if not isinstance(data, dict):
            return failed(f"attaching {name} answered no vector store file")
        if not issues and (p := sdk_problems(VectorStoreFile, data)):
            issues.append(shape_message("the vector store file", p))
        status = data.get("status")
        if status == "completed":
            stored = data.get("attributes")
            if stored != FILES[name][1]:
                return failed(
                    f"{name} was attached with attributes, but they are stored as {quote(stored, 80)}"
                )
            return None
        if status in ("failed", "cancelled"):
            return failed(f"indexing {name} ended {status}: {quote(dig(data, 'last_error', 'message'), 80)}")
        if loop.time() > until:
            return untested(f"{name} was not indexed within {INDEX_SECONDS:g} s (status {quote(status)})")
        await asyncio.sleep(0.5)
        exchange = await ctx.http.get(
            VECTOR_STORES.path(str(library.store), "files", library.files[name]), label=f"is {name} indexed"
        )
        data, problem = await _json(ctx, exchange, f"reading the state of {name}")
        if problem:
            return problem


async def tear_down(ctx: ProbeContext, library: Library) -> None:
    """Delete the vector store and the files (best effort; the answers only join the evidence)."""
    if library.store:
        await ctx.http.request("DELETE", VECTOR_STORES.path(library.store), label="delete the vector store")
    files = ctx.route("files")
    for name, file_id in library.files.items():
        await ctx.http.request("DELETE", files.path(file_id), label=f"delete {name}")


def search_tool(library: Library, rule: dict[str, Any] | None) -> dict[str, Any]:
    tool: dict[str, Any] = {"type": "file_search", "vector_store_ids": [library.store]}
    return tool | ({"filters": rule} if rule else {})


def calls_of(data: Any) -> list[dict[str, Any]]:
    """The ``file_search_call`` items of a response."""
    output = data.get("output") if isinstance(data, dict) else None
    return [i for i in output or [] if isinstance(i, dict) and i.get("type") == "file_search_call"]


async def _filtered(ctx: ProbeContext, rule: dict[str, Any], question: str) -> Grade:
    """Build the library, ask with the filter, and grade the search results against the filter."""
    wanted = {name for name, (_, attributes) in FILES.items() if matches(attributes, rule)}
    library = Library()
    try:
        issues, problem = await build(ctx, library)
        if problem:
            return problem
        payload = request(
            ctx,
            question,
            max_output_tokens=64,
            tools=[search_tool(library, rule)],
            tool_choice="required",
            include=["file_search_call.results"],
        )
        data, problem = await create(ctx, payload, "a filtered file search")
    finally:
        await tear_down(ctx, library)
    if problem:
        return problem
    return _grade_results(calls_of(data), library, wanted, issues)


def _grade_results(
    calls: list[dict[str, Any]], library: Library, wanted: set[str], issues: list[str]
) -> Grade:
    if not calls:
        return untested("the model made no file_search call, so the filter was not exercised")
    results = [r for call in calls for r in call.get("results") or [] if isinstance(r, dict)]
    if not results:
        if all(call.get("results") is None for call in calls):
            return failed(
                "`include: [file_search_call.results]` was accepted, but the call carries no `results`"
            )
        return failed(f"the search returned no results, though {len(wanted)} files match the filter")
    names = [library.name_of(r.get("file_id")) or r.get("filename") for r in results]
    outside = sorted({str(n) for n in names if n not in wanted})
    if outside:
        return failed(
            f"the filter was not applied: the results include {', '.join(quote(n) for n in outside)}"
        )
    shape = [
        shape_message("the file_search_call", p)
        for p in [sdk_problems(ResponseFileSearchToolCall, calls[0])]
        if p
    ]
    found = sorted({str(n) for n in names})
    return with_issues(
        [*issues, *shape], f"{len(results)} results, all from matching files: {', '.join(found)}"
    )


@probe("responses.file-search.file-search-filter-by-region")
async def filter_by_region(ctx: ProbeContext) -> Grade:
    """A search filtered on ``region == us`` returns only the US files."""
    rule = {"type": "eq", "key": "region", "value": "us"}
    return await _filtered(ctx, rule, "What are the updates from the US region?")


@probe("responses.file-search.file-search-filter-by-category")
async def filter_by_category(ctx: ProbeContext) -> Grade:
    """A search filtered on ``category == marketing`` returns only the marketing files."""
    rule = {"type": "eq", "key": "category", "value": "marketing"}
    return await _filtered(ctx, rule, "Show me all marketing reports.")


@probe("responses.file-search.file-search-filter-by-date-range")
async def filter_by_date_range(ctx: ProbeContext) -> Grade:
    """A search filtered on a date range (``gte`` and ``lt`` under ``and``) returns only Q1's files."""
    rule = {
        "type": "and",
        "filters": [
            {"type": "gte", "key": "date", "value": 1672531200},
            {"type": "lt", "key": "date", "value": 1680307200},
        ],
    }
    return await _filtered(ctx, rule, "What happened in Q1 2023?")


@probe("responses.file-search.file-search-filter-compound-and")
async def filter_compound_and(ctx: ProbeContext) -> Grade:
    """A search filtered on region ``and`` category returns only the files matching both."""
    rule = {
        "type": "and",
        "filters": [
            {"type": "eq", "key": "region", "value": "us"},
            {"type": "eq", "key": "category", "value": "engineering"},
        ],
    }
    return await _filtered(ctx, rule, "What are the engineering updates from the US?")


@probe("responses.file-search.file-search-filter-compound-or")
async def filter_compound_or(ctx: ProbeContext) -> Grade:
    """A search filtered on one category ``or`` another returns only the files of either."""
    rule = {
        "type": "or",
        "filters": [
            {"type": "eq", "key": "category", "value": "marketing"},
            {"type": "eq", "key": "category", "value": "sales"},
        ],
    }
    return await _filtered(ctx, rule, "Show me marketing and sales documents.")


SEARCH_EVENTS = (
    "response.file_search_call.in_progress",
    "response.file_search_call.searching",
    "response.file_search_call.completed",
)


@probe("responses.file-search.file-search-streaming-events")
async def streaming_events(ctx: ProbeContext) -> Grade:
    """A streamed file search announces itself: in progress, searching, completed."""
    library = Library()
    try:
        issues, problem = await build(ctx, library)
        if problem:
            return problem
        payload = request(
            ctx,
            "What are the marketing updates?",
            max_output_tokens=64,
            tools=[search_tool(library, None)],
            tool_choice="required",
        )
        events, problem = await stream(ctx, payload, "a streamed file search")
    finally:
        await tear_down(ctx, library)
    if problem:
        return problem
    items = [e.get("item") for e in events.of_type("response.output_item.done")]
    calls = calls_of(events.response) or [
        i for i in items if isinstance(i, dict) and i.get("type") == "file_search_call"
    ]
    seen = [kind for kind in SEARCH_EVENTS if events.of_type(kind)]
    if not calls and not seen:
        return untested("the model made no file_search call, so there were no search events to see")
    if not seen:
        return failed(
            "a file_search_call was made, but the stream has none of its `response.file_search_call.*` events"
        )
    missing = [kind for kind in SEARCH_EVENTS if kind not in seen]
    if missing:
        issues.append(f"the stream lacks {', '.join(f'`{m}`' for m in missing)}")
    if not calls:
        issues.append("the final response holds no `file_search_call` item")
    elif calls[0].get("status") != "completed":
        issues.append(f"the file_search_call ends with status {quote(calls[0].get('status'))}")
    return with_issues(issues, "the search streamed `in_progress`, `searching` and `completed` events")


@probe("responses.file-search.text-format")
async def text_format(ctx: ProbeContext) -> Grade:
    """``text.format`` (plain text and a JSON schema) is reported back in the response as sent."""
    schema_format = {
        "type": "json_schema",
        "name": "capitals",
        "description": "A schema for the capital of each country",
        "schema": {"type": "object", "properties": {"capital": {"type": "string"}}},
        "strict": True,
    }
    issues = []
    unreported = 0
    for sent in ({"type": "text"}, schema_format):
        payload = request(ctx, "What is the capital of France?", text={"format": sent})
        data, problem = await create(ctx, payload, f"text.format {sent['type']}")
        if problem:
            return problem
        reported = dig(data, "text", "format")
        if not isinstance(reported, dict):
            unreported += 1
            issues.append(f"`text.format` {sent['type']} is reported as {quote(reported, 40)}")
            continue
        differing = sorted(k for k in sent if reported.get(k) != sent[k])
        if differing:
            issues.append(
                f"`text.format` {sent['type']} comes back with other {', '.join(f'`{k}`' for k in differing)}"
            )
    if unreported == 2:
        return deviation("the response does not report `text.format` back: " + issues[0])
    return with_issues(issues, "`text.format` is reported back as sent, for plain text and for a JSON schema")
