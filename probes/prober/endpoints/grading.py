"""Shared grading steps: phase A (does the route answer?) and phase B (is the body OpenAI's shape?).

Every probe calls :func:`route_problem` first and :func:`json_body` next, so that the same answer
gets the same grade whichever row it came from. Text from the server is only ever quoted inside
backticks (see :func:`quote`), because messages are published as Markdown.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ValidationError

from probes.prober.endpoints.registry import (
    ABSENT,
    AUTH,
    UNREACHED,
    Grade,
    deviation,
    failed,
    passed,
    untested,
)
from probes.prober.http import Exchange, one_line

_START_OPTION = re.compile(r"start (it|the server) with|--[a-z]", re.IGNORECASE)
_NO_SUCH_MODEL = re.compile(
    r"model\b.{0,80}\b(does not exist|not found|not exist)|no such model|unknown model", re.IGNORECASE
)


def quote(text: Any, limit: int = 100) -> str:
    """Server text as inline code: one line, shortened, backticks removed so it cannot escape."""
    flat = one_line(str(text), limit).replace("`", "'")
    return f"`{flat}`" if flat else "``"


def error_message(exchange: Exchange) -> str:
    """The message of an error body, from OpenAI's envelope or else the start of the text."""
    try:
        data = exchange.json()
    except ValueError:
        data = None
    if isinstance(data, dict):
        inner = data.get("error")
        if isinstance(inner, dict) and isinstance(inner.get("message"), str):
            return inner["message"]
        if isinstance(inner, str):
            return inner
        for key in ("message", "detail"):
            if isinstance(data.get(key), str):
                return data[key]
    text = exchange.text
    if exchange.content_type == "text/html" or "<html" in text[:200].lower():
        title = re.search(r"<title[^>]*>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
        return f"an HTML page{': ' + title.group(1).strip() if title else ''}"
    return text


def deployment_refusal(message: str) -> bool:
    """True when an error blames the loaded model or the server's start options, not the API."""
    lower = message.lower()
    if "support" not in lower:
        return False
    return "mmproj" in lower or "model" in lower or bool(_START_OPTION.search(lower))


def _model_not_found(exchange: Exchange, message: str) -> bool:
    """A 404 that says the model is unknown (OpenAI's ``model_not_found``), not the route."""
    try:
        code = exchange.json().get("error", {}).get("code")
    except (ValueError, AttributeError):
        code = None
    return code == "model_not_found" or bool(_NO_SUCH_MODEL.search(message))


def _status_words(exchange: Exchange) -> str:
    message = error_message(exchange)
    return f"{exchange.status} {quote(message)}" if message.strip() else str(exchange.status)


def route_problem(exchange: Exchange, *, api_key_given: bool) -> Grade | None:
    """Phase A. None when the answer is a complete 2xx; otherwise the grade the answer earns.

    404/405/501 mean the route is missing (llama.cpp answers unknown routes with 404
    "File Not Found"). A refusal that blames the loaded model or the server's start options
    ("does not support", "mmproj", "--embeddings") is not a verdict on the implementation:
    the route exists, this deployment cannot serve it, so the row is untested with that reason.
    """
    if exchange.unreached:
        return untested(f"the server could not be reached: {exchange.error}", UNREACHED)
    if exchange.error:
        where = f"after status {exchange.status}, " if exchange.status else ""
        return failed(f"no usable answer: {where}{exchange.error}")
    status = exchange.status or 0
    if 200 <= status < 300:
        return None
    if 300 <= status < 400:
        return failed(f"answered {status} with a redirect; aioc does not follow redirects with the key")
    if status in (401, 403):
        if api_key_given:
            return untested(f"the server refused the API key ({_status_words(exchange)})", AUTH)
        return untested(f"the server asks for credentials ({status}); run with --api-key-env VAR", AUTH)
    message = error_message(exchange)
    if status in (400, 422, 500, 501) and deployment_refusal(message):
        return untested(f"the route answers, but this deployment cannot serve it: {_status_words(exchange)}")
    if status == 404:
        if _model_not_found(exchange, message):
            return untested(f"the route answers, but not for this model: {_status_words(exchange)}")
        return failed(f"no such route: {_status_words(exchange)}", ABSENT)
    if status in (405, 501):
        return failed(f"not implemented: {_status_words(exchange)}")
    if 400 <= status < 500:
        return failed(f"refused the request: {_status_words(exchange)}")
    return failed(f"server error {_status_words(exchange)}")


def json_body(exchange: Exchange) -> tuple[Any, Grade | None]:
    """Phase B's first step: the body parsed as JSON, or the grade for a body that is not JSON."""
    if exchange.truncated:
        return None, failed(f"the body was larger than {exchange.read_limit} bytes; reading stopped there")
    if not exchange.body.strip():
        return None, failed(f"answered {exchange.status} with an empty body")
    try:
        return exchange.json(), None
    except (ValueError, RecursionError):
        kind = exchange.content_type or "no content type"
        if kind == "text/html" or "<html" in exchange.text[:200].lower():
            return None, failed(f"answered {exchange.status} with an HTML page, not JSON")
        return None, failed(f"answered {exchange.status} with a body that is not valid JSON ({kind})")


def object_with(
    exchange: Exchange, field: str, kind: type, missing: str, *, api_key_given: bool
) -> tuple[dict[str, Any], Grade | None]:
    """Phase A and the JSON step for an answer that must be an object whose ``field`` is a ``kind``:
    the object, or the grade (``missing`` is the ❌'s message when the field is not there)."""
    if problem := route_problem(exchange, api_key_given=api_key_given):
        return {}, problem
    data, problem = json_body(exchange)
    if problem:
        return {}, problem
    if not isinstance(data, dict) or not isinstance(data.get(field), kind):
        return {}, failed(missing)
    return data, None


def sdk_problems(model: type[BaseModel], data: Any, *, strict: bool = True, limit: int = 2) -> list[str]:
    """Where ``data`` breaks the official SDK type: missing fields first, then the first few others."""
    try:
        model.model_validate(data, strict=strict)
    except ValidationError as exc:
        missing: list[str] = []
        other: list[str] = []
        for error in exc.errors(include_url=False):
            where = ".".join(str(part) for part in error["loc"]) or "body"
            if error["type"] == "missing":
                missing.append(where)
            elif len(other) < limit:
                other.append(f"{where}: {error['msg']}")
        head = [f"missing {', '.join(missing[:6])}{' …' if len(missing) > 6 else ''}"] if missing else []
        return head + other
    return []


def missing_keys(data: Any, *keys: str) -> list[str]:
    """Keys OpenAI always sends that are absent (the SDK would read a missing key as None)."""
    if not isinstance(data, dict):
        return list(keys)
    return [key for key in keys if key not in data]


def shape_message(what: str, problems: list[str]) -> str:
    """One line naming the first shape problems of a body."""
    return f"{what} differs from OpenAI's type: " + "; ".join(quote(p, 160) for p in problems)


def dig(data: Any, *path: str | int) -> Any:
    """A nested value, or None when any step is missing or of the wrong kind."""
    for step in path:
        if isinstance(step, int):
            if not isinstance(data, list) or len(data) <= step:
                return None
            data = data[step]
        else:
            if not isinstance(data, dict):
                return None
            data = data.get(step)
    return data


def grade_json(
    exchange: Exchange,
    model: type[BaseModel],
    what: str,
    *,
    api_key_given: bool,
    check: Callable[[Any], tuple[list[str], str]] | None = None,
    strict: bool = True,
) -> Grade:
    """Phases A and B for a JSON endpoint: route, JSON, the SDK type, then the probe's own checks.

    ``check`` returns the behaviour issues found (each a clause) and the pass message.
    """
    if problem := route_problem(exchange, api_key_given=api_key_given):
        return problem
    data, problem = json_body(exchange)
    if problem:
        return problem
    if problems := sdk_problems(model, data, strict=strict):
        return deviation(shape_message(what, problems))
    if check is None:
        return passed(f"a valid {what}")
    issues, message = check(data)
    if issues:
        return deviation("; ".join(issues))
    return passed(message)
