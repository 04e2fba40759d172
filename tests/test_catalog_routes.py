"""The catalog decides: probes name their row literally, send to its route, and grade by status.

Searching a catalog id from a matrix cell must land on the one probe that graded it; every path a
probe sends to comes from a catalog row (or from the few setup routes no row names); a probe that
drifts from its row's route is caught, not silently compared with whatever it sent first.
"""

from __future__ import annotations

import ast
import asyncio
import json
from collections import Counter
from pathlib import Path

import pytest
from refserver import RefServer

from probes.load.dataset import load_dataset
from probes.model.report import Report
from probes.model.status import Status
from probes.prober.control import on_route
from probes.prober.endpoints import REGISTRY
from probes.prober.endpoints.registry import (
    Grade,
    ProbeContext,
    ProbeSpec,
    Route,
    RouteMissing,
    passed,
)
from probes.prober.run import ProbeConfig, run_probes

ROOT = Path(__file__).resolve().parents[1]
PROBER = ROOT / "probes" / "prober"
ENDPOINTS = PROBER / "endpoints"
CATALOG = load_dataset(ROOT / "data").catalog
KEY = "sk-aioc-test-7Hq2vLx9Rk4pWm3Z"
ENDPOINT_ROWS = {row["id"] for row in json.loads((ROOT / "data/catalog/endpoints.json").read_text())["rows"]}

SETUP_ROUTES = PROBER / "endpoints" / "setup_routes.py"
"""The one module allowed to write a path: routes no catalog row names."""
CONTROL = PROBER / "control.py"
"""The negative control writes a path that cannot exist, on purpose."""


def modules() -> list[Path]:
    return sorted(PROBER.rglob("*.py"))


def probe_literals(path: Path) -> list[str | None]:
    """The first argument of every ``probe(...)`` call in a module: the literal, or None if not one."""
    found: list[str | None] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "probe":
            first = node.args[0] if node.args else None
            literal = isinstance(first, ast.Constant) and isinstance(first.value, str)
            found.append(first.value if literal and isinstance(first, ast.Constant) else None)
    return found


def test_every_probe_names_its_catalog_row_literally_in_one_module() -> None:
    where: dict[str, list[str]] = {}
    for path in sorted(ENDPOINTS.glob("*.py")):
        for literal in probe_literals(path):
            assert literal is not None, f"{path.name}: a probe( call whose row id is not a string literal"
            where.setdefault(literal, []).append(path.name)
    assert {row: files for row, files in where.items() if len(files) > 1} == {}
    assert set(where) <= set(CATALOG.rows), (
        f"@probe ids not in the catalog: {sorted(set(where) - set(CATALOG.rows))}"
    )
    assert set(where) == set(REGISTRY), "every registered probe comes from a literal @probe(...)"


def row_id_uses(path: Path) -> list[tuple[str, str]]:
    """Every string constant of a module that is a probed row id, with what it is used for."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    uses: list[tuple[str, str]] = []
    seen: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name | ast.Attribute):
            name = node.func.id if isinstance(node.func, ast.Name) else node.func.attr
            for arg in node.args if name == "path" else node.args[:1]:  # path(): segments under a route
                if isinstance(arg, ast.Constant) and arg.value in REGISTRY:
                    uses.append((arg.value, name))
                    seen.add(id(arg))
    for node in tree.body:  # a module constant naming the row whose route the module borrows
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Constant)
            and node.value.value in REGISTRY
        ):
            uses.append((node.value.value, "constant"))
            seen.add(id(node.value))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and node.value in REGISTRY and id(node) not in seen:
            uses.append((node.value, "other"))
    return uses


def test_grepping_a_probed_row_id_finds_its_probe() -> None:
    """Outside its ``@probe``, a row id is written only to borrow that row's route."""
    for path in sorted(ENDPOINTS.glob("*.py")):
        for row, use in row_id_uses(path):
            assert use in ("probe", "route", "path", "constant"), f"{path.name}: {row!r} is used as {use}"
    found = {row for path in ENDPOINTS.glob("*.py") for row, use in row_id_uses(path) if use == "probe"}
    assert found == set(REGISTRY)


def route_literals(path: Path) -> list[tuple[int, str]]:
    """String constants (docstrings aside) and f-string parts that start a ``/v1/`` path."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value.startswith("/v1/")
        and id(node) not in docstrings
    ]


def test_no_probe_writes_a_path_the_catalog_holds() -> None:
    written = {
        f"{path.relative_to(ROOT)}:{line}": value
        for path in modules()
        if path not in (SETUP_ROUTES, CONTROL)
        for line, value in route_literals(path)
    }
    assert written == {}, "take the route from the catalog row: ctx.route(ROW_ID)"
    setup = {value for _, value in route_literals(SETUP_ROUTES)}
    catalog_paths = {row.path for row in CATALOG.rows.values() if row.path}
    assert setup and not setup & catalog_paths, "a setup route the catalog now has must come from its row"


def test_no_grade_is_decided_by_reading_a_message() -> None:
    """``"came with 0" in issue`` or ``grade.message == X`` decide by wording: a status must decide."""
    words = {"issue", "issues", "message", "msg"}

    def wording(node: ast.expr) -> bool:
        if isinstance(node, ast.Name):
            return node.id in words
        if isinstance(node, ast.Attribute):
            return node.attr == "message"
        return False

    def grade_message(node: ast.expr) -> bool:
        return isinstance(node, ast.Attribute) and node.attr == "message"

    found = []
    for path in modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Compare):
                left_text = isinstance(node.left, ast.Constant) and isinstance(node.left.value, str)
                for op, right in zip(node.ops, node.comparators, strict=True):
                    if (isinstance(op, ast.In | ast.NotIn) and left_text and wording(right)) or (
                        isinstance(op, ast.Eq | ast.NotEq)
                        and (grade_message(node.left) or grade_message(right))
                    ):
                        found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == []


def test_one_truncation_judgement() -> None:
    users = {
        path.name
        for path in modules()
        if "is_json_prefix(" in path.read_text(encoding="utf-8") and path.name != "jsoncheck.py"
    }
    assert users == set(), "judge a cut reply with jsoncheck.read_reply, not is_json_prefix"


# ---- the routes a run sends to ----------------------------------------------------------------


def run(server: RefServer, rows: set[str], **options: object) -> Report:
    config = ProbeConfig(
        base_url=server.base_url,
        implementation="openai",
        model="ref-chat",
        embedding_model="ref-embed",
        concurrency=8,
        timeout=20,
        deadline=120,
        only=frozenset(rows),
        **options,  # type: ignore[arg-type]  # api_key only
    )
    return asyncio.run(run_probes(config, list(CATALOG.rows.values())))


@pytest.fixture(scope="module")
def reports() -> list[Report]:
    """Every probe with a route of its own, against the reference server (it serves them all)."""
    routed = {row for row in REGISTRY if CATALOG.rows[row].path}
    assert routed <= ENDPOINT_ROWS, "a routed row outside the endpoint catalog needs its own server here"
    with RefServer(api_key=KEY) as server:
        return [run(server, routed, api_key=KEY)]


def test_every_probe_sends_to_its_rows_route(reports: list[Report]) -> None:
    graded = [result for report in reports for result in report.results]
    routed = {row for row in REGISTRY if CATALOG.rows[row].path}
    assert {result.row for result in graded} == routed
    drifted = {
        result.row: sorted({f"{e.request.method} {e.request.path}" for e in result.evidence})
        for result in graded
        if not any(
            on_route(CATALOG.rows[result.row], e.request.method, e.request.path) for e in result.evidence
        )
    }
    assert drifted == {}, "each probe's exchanges must hit its row's method and path"
    assert Counter(result.status for result in graded)[Status.PASS] == len(graded)


def test_a_probe_that_drifts_from_its_rows_route_is_caught_not_compared() -> None:
    async def lists_models(ctx: ProbeContext) -> Grade:
        await ctx.send(ctx.route("models.list"), label="not the row's route")
        return passed("looked fine")

    registry = {"chat.completions": ProbeSpec(row="chat.completions", func=lists_models)}
    with RefServer(api_key=KEY) as server:
        config = ProbeConfig(base_url=server.base_url, implementation="openai", model="ref-chat", api_key=KEY)
        report = asyncio.run(run_probes(config, list(CATALOG.rows.values()), registry=registry))
    (result,) = report.results
    assert result.status is Status.UNTESTED
    assert "'chat.completions'" in result.message and "POST /v1/chat/completions" in result.message
    assert "GET /v1/models" in result.message


def test_a_route_the_run_was_not_given_is_named() -> None:
    async def borrows(ctx: ProbeContext) -> Grade:
        await ctx.send(ctx.route("responses"), {"model": "ref-chat", "input": "Hi."})
        return passed("answered")

    registry = {
        "responses.basic.non-streaming-basic": ProbeSpec(
            row="responses.basic.non-streaming-basic", func=borrows
        )
    }
    rows = [CATALOG.rows["models.list"], CATALOG.rows["responses.basic.non-streaming-basic"]]
    with RefServer() as server:
        config = ProbeConfig(base_url=server.base_url, implementation="openai", model="ref-chat", timeout=10)
        report = asyncio.run(run_probes(config, rows, registry=registry))
    (result,) = report.results
    assert result.status is Status.UNTESTED
    assert result.message == (
        "not probed: the probe of 'responses.basic.non-streaming-basic' needs the route of catalog row "
        "'responses', which this run was not given"
    )


def test_a_run_without_the_model_list_route_says_so() -> None:
    config = ProbeConfig(base_url="http://127.0.0.1:9", implementation="openai")
    with pytest.raises(ValueError, match=r"catalog row 'models\.list'"):
        asyncio.run(run_probes(config, [CATALOG.rows["chat.completions"]]))


def test_a_route_fills_its_template_and_quotes_what_it_is_given() -> None:
    models = Route("models.retrieve", "GET", "/v1/models/{id}")
    assert models.path(id="org/model v1") == "/v1/models/org%2Fmodel%20v1"
    with pytest.raises(RouteMissing, match="placeholder"):
        models.path()
    with pytest.raises(RouteMissing, match=r"no \{name\}"):
        models.path(name="x")
    responses = Route("responses", "POST", "/v1/responses")
    assert responses.path("resp_1", "input_items") == "/v1/responses/resp_1/input_items"
    assert responses.path("../x") == "/v1/responses/..%2Fx"
