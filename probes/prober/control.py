"""The negative control: before a grade says "the route exists", ask a path that cannot exist.

A catch-all proxy answers 200 to every path, an auth wall 401, a single-page app its HTML. Such an
answer to ``POST /v1/chat/completions`` shows nothing about chat completions. So every grade that
claims the route answered (✅ or ⚠️, or ? because the key was refused) is compared with the answer
to the same method at ``/v1/aioc-negative-control-<random>``, asked once per method and run. When
both answers are the same, the grade is taken back and the evidence carries the control exchange,
labelled; when they differ, the grade stands on what differs.
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
from collections.abc import Sequence

from probes.model.catalog import Row
from probes.model.status import Status
from probes.prober.endpoints.registry import AUTH, Grade, failed, untested
from probes.prober.http import Exchange, ProbeClient

PREFIX = "/v1/aioc-negative-control-"
REFUSALS = (400, 401, 403, 422, 500, 501)
"""Answers a probe may read as "the route is there but will not serve this" (not tested): the
control checks that a path that cannot exist is not refused the same way."""
LABEL = "negative control: a path that cannot exist"


class RouteDrift(Exception):
    """A probe graded a row with a route of its own without sending anything to that route."""


def on_route(row: Row, method: str, path: str) -> bool:
    """Whether a request went to the row's route: its method, and its path with ``{id}`` filled."""
    if not row.path or method != row.method:
        return False
    pattern = "^" + re.sub(r"\\\{[^/]*?\\\}", "[^/]+", re.escape(row.path)) + "$"
    return re.match(pattern, path.partition("?")[0]) is not None


def decisive(row: Row, exchanges: Sequence[Exchange]) -> Exchange | None:
    """The exchange a row's grade rests on, or None when nothing was sent.

    For a row with a route of its own it is the first exchange to that route; a probe that sent
    some but none there has drifted from the catalog, and :class:`RouteDrift` names both. A row
    without a route (a behaviour of the API, ``server.api_key``) rests on the first exchange made.
    """
    if not exchanges:
        return None
    if not row.path:
        return exchanges[0]
    for exchange in exchanges:
        if on_route(row, exchange.method, exchange.path):
            return exchange
    sent = ", ".join(sorted({f"{e.method} {e.path.partition('?')[0]}" for e in exchanges}))
    raise RouteDrift(
        f"the probe of {row.id!r} sent nothing to its row's route `{row.method} {row.path}` "
        f"(it sent {sent}): the probe and the catalog disagree"
    )


def _shape(exchange: Exchange) -> object:
    """What an answer looks like once the parts that vary by request (path, numbers, ids) are gone."""
    try:
        data = json.loads(exchange.body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        text = exchange.text.replace(exchange.path.partition("?")[0], "")
        text = re.sub(r"/v1/[\w./-]*", "", text)
        return ("text", re.sub(r"[0-9a-fA-F]{6,}|\d+", "#", text))
    if isinstance(data, dict):
        return ("object", tuple(sorted(data)))
    return ("json", type(data).__name__)


def same_way(real: Exchange, control: Exchange) -> bool:
    """True when the control got the answer the real request got: same status, type and shape."""
    if real.status != control.status:
        return False
    if real.status in (401, 403):
        return True  # an auth wall's words may name the path; its status is what it says
    return real.content_type == control.content_type and _shape(real) == _shape(control)


class NegativeControl:
    """Asks the control path once per method for a run and compares answers with it."""

    def __init__(self, client: ProbeClient, model: str) -> None:
        self.client = client
        self.path = PREFIX + secrets.token_hex(4)
        self.model = model
        self._answers: dict[str, asyncio.Task[Exchange]] = {}

    async def answer(self, method: str) -> Exchange:
        """The control's answer to ``method`` (GET, POST, WS, …), asked on first use."""
        if method not in self._answers:
            self._answers[method] = asyncio.ensure_future(self._ask(method))
        return await asyncio.shield(self._answers[method])

    async def close(self) -> None:
        """Cancel a control request still in flight when the run ends (its deadline passed)."""
        pending = [task for task in self._answers.values() if not task.done()]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    async def _ask(self, method: str) -> Exchange:
        session = self.client.session()
        if method == "WS":
            return await session.websocket(self.path, label=LABEL)
        if method in ("POST", "PUT", "PATCH"):
            body = {"model": self.model, "input": "aioc negative control"}
            return await session.request(method, self.path, json_body=body, label=LABEL)
        return await session.request(method, self.path, label=LABEL)

    async def check(
        self, row: Row, grade: Grade, exchanges: Sequence[Exchange]
    ) -> tuple[Grade, Exchange | None]:
        """The grade once compared with the control, and the control exchange when it mattered.

        A grade that claims the row's route answered, from a probe that never asked that route, is
        taken back as untested, naming the row and the route (:class:`RouteDrift`).
        """
        try:
            real = decisive(row, exchanges)
        except RouteDrift as drift:
            if grade.status in (Status.PASS, Status.DEVIATION):
                return untested(str(drift)), None
            return grade, None  # a probe stopped before its row's route (a failed setup step) stands
        if real is None or real.status is None or real.error or not real.usual_key:
            return grade, None  # a probe that chose the key itself (the auth probe) grades refusals
        refused = real.status in (401, 403)
        if grade.status not in (Status.PASS, Status.DEVIATION) and not (
            grade.status is Status.UNTESTED and real.status in REFUSALS
        ):
            return grade, None
        control = await self.answer(real.method)
        if control.status is None:
            return grade, None
        where = f"`{self.path}`"
        if refused:
            if control.status == real.status:
                who = "refuses the API key" if self.client.has_key else "asks for credentials"
                return untested(
                    f"not shown to exist: the server {who} on every path ({real.status} here and on "
                    f"{where}, a path that cannot exist)",
                    AUTH,
                ), control
            if grade.status is Status.UNTESTED:
                return untested(
                    f"the route exists ({where}, a path that cannot exist, gets {control.status}), but "
                    f"{grade.message}",
                    AUTH,
                ), control
            return _noted(grade, f"{where}, a path that cannot exist, gets {control.status}"), control
        if same_way(real, control):
            kind = real.content_type or "no content type"
            return failed(
                f"not shown to exist: {where}, a path that cannot exist, gets the same answer "
                f"({real.status}, {kind}) — the server answers every path this way"
            ), control
        if 200 <= control.status < 300:
            return _noted(
                grade, f"{where}, a path that cannot exist, also answers {control.status}, but differently"
            ), control
        return grade, None


def _noted(grade: Grade, note: str) -> Grade:
    return Grade(
        grade.status, f"{grade.message} ({note})", grade.footnote, grade.runs, grade.agreeing, grade.cause
    )
