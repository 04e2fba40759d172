"""Route existence against servers that answer every path alike, the WebSocket probe, and discovery."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from refserver import FaultServer, RefServer
from refserver.websocket import WebSocketServer

from probes.load.dataset import load_dataset
from probes.model.catalog import RowKind
from probes.model.report import Report
from probes.model.status import Status
from probes.prober.control import LABEL, PREFIX
from probes.prober.discovery import Discovery, Kind, listed_models
from probes.prober.run import Outcome, ProbeConfig, probe_run, report_json

ROOT = Path(__file__).resolve().parents[1]
ENDPOINT_ROWS = {row["id"] for row in json.loads((ROOT / "data/catalog/endpoints.json").read_text())["rows"]}
ROWS = [row for row in load_dataset(ROOT / "data").catalog.rows.values() if row.id in ENDPOINT_ROWS]
ROUTE_ROWS = {row.id for row in ROWS if row.kind is RowKind.ENDPOINT}
KEY = "sk-control-test-Vb61tQ9w"


def run(base_url: str, *, only: set[str] | None = None, **options: Any) -> Outcome:
    settings = {"concurrency": 8, "timeout": 5, "deadline": 60, "api_key": KEY} | options
    config = ProbeConfig(
        base_url=base_url,
        implementation="openai",
        only=frozenset(only) if only else None,
        **settings,
    )
    return asyncio.run(probe_run(config, ROWS))


def control_evidence(report: Report, row: str):
    return [e for e in report.result_for(row).evidence if e.label == LABEL]


@pytest.mark.parametrize("fault", ["catchall", "catchall_html"])
def test_a_catch_all_server_is_not_graded_as_implementing_every_route(fault: str) -> None:
    with FaultServer(fault) as server:
        report = run(server.base_url, model="m").report
    claimed = {r.row: r.status for r in report.results if r.status in (Status.PASS, Status.DEVIATION)}
    assert claimed == {}
    # the JSON catch-all answers a valid empty list everywhere: without the control, these would pass;
    # on both, the error envelope probe would see "200 instead of a 4xx", a deviation
    shown = ("models.list", "files", "fine_tuning.jobs", "errors.envelope")
    for row in shown if fault == "catchall" else ("errors.envelope",):
        result = report.result_for(row)
        assert result.status is Status.FAIL and "not shown to exist" in result.message, row
        (control,) = control_evidence(report, row)
        assert control.request.path.startswith(PREFIX) and control.response.status == 200
    if fault == "catchall_html":
        assert "HTML page" in report.result_for("models.list").message
    Report.model_validate_json(report_json(report))


def test_an_auth_wall_is_told_apart_from_a_missing_route() -> None:
    with FaultServer("auth_wall") as server:
        wall = run(server.base_url, model="m")
    tested = [r for r in wall.report.results if r.evidence]
    assert tested and all(r.status is Status.UNTESTED for r in tested), [
        (r.row, r.status) for r in tested if r.status is not Status.UNTESTED
    ]
    chat = wall.report.result_for("chat.completions")
    assert "refuses the API key on every path" in chat.message
    assert control_evidence(wall.report, "chat.completions")[0].response.status == 401
    assert wall.problem and "refused the API key" in wall.problem

    with FaultServer("auth_routes") as server:
        guarded = run(server.base_url, model="m").report
    files = guarded.result_for("files")
    assert files.status is Status.UNTESTED and "the route exists" in files.message
    assert control_evidence(guarded, "files")[0].response.status == 404

    with RefServer(api_key=KEY, deviations={"no_files"}) as server:
        missing = run(server.base_url, only={"files"}).report
    assert missing.result_for("files").status is Status.FAIL
    assert "no such route" in missing.result_for("files").message


@pytest.mark.parametrize(
    ("mode", "status", "words"),
    [
        ("accept", Status.PASS, "accepted (101)"),
        ("auth", Status.PASS, "exists behind auth"),
        ("absent", Status.FAIL, "no such route"),
        ("accept_all", Status.FAIL, "not shown to exist"),
        ("auth_all", Status.UNTESTED, "on every path"),
        ("bad_model", Status.UNTESTED, "may want a realtime model"),
    ],
)
def test_websocket_probe_of_realtime(mode: str, status: Status, words: str) -> None:
    with WebSocketServer(mode, api_key=KEY) as server:
        outcome = run(server.base_url, only={"realtime"})
        seen = list(server.seen)
    result = outcome.report.result_for("realtime")
    assert result.status is status and words in result.message, result.message
    upgrade = result.evidence[0]
    assert upgrade.request.method == "WS" and upgrade.request.path == "/v1/realtime?model=rt-chat"
    expected = {"accept": 101, "accept_all": 101, "absent": 404, "bad_model": 400}.get(mode, 401)
    assert upgrade.response.status == expected
    assert "authorization" not in {name.lower() for name in upgrade.request.headers}
    assert ("/v1/realtime?model=rt-chat", True) in seen, "the key travels in the handshake"
    assert KEY not in report_json(outcome.report)
    controls = control_evidence(outcome.report, "realtime")
    if mode in ("auth", "accept_all", "auth_all"):  # where the control decided or confirmed the grade
        assert controls and controls[0].request.method == "WS"
        assert controls[0].response.status == {"auth": 404, "accept_all": 101, "auth_all": 401}[mode]
    else:
        assert not controls


def test_unreachable_websocket_is_untested_not_failed() -> None:
    with RefServer(api_key=KEY) as server:
        base_url = server.base_url
    outcome = run(base_url, only={"realtime"}, model="m")
    result = outcome.report.result_for("realtime")
    assert result.status is Status.UNTESTED and "could not be reached" in result.message


# ---- discovery -------------------------------------------------------------------------------

SEVERAL = {
    "object": "list",
    "data": [
        {"id": "whisper-large-v3", "object": "model"},
        {"id": "text-embedding-3-small", "object": "model"},
        {"id": "bge-reranker-v2-m3", "object": "model"},
        {"id": "kokoro-tts", "object": "model"},
        {"id": "qwen2.5-7b-instruct", "object": "model"},
        {"id": "nomic-embed-text-v1.5", "object": "model"},
        {"id": "llama-3.1-8b-instruct", "object": "model"},
    ],
}


def test_discovery_by_name() -> None:
    found = Discovery(listed=listed_models(SEVERAL))
    assert found.pick(Kind.CHAT) == "qwen2.5-7b-instruct"
    assert found.pick(Kind.EMBEDDING) == "text-embedding-3-small"
    assert found.pick(Kind.TRANSCRIPTION) == "whisper-large-v3"
    assert found.pick(Kind.SPEECH) == "kokoro-tts"
    assert {m.id: m.kind for m in found.listed}["bge-reranker-v2-m3"] is Kind.RERANK


def test_discovery_prefers_the_servers_own_metadata() -> None:
    body = {
        "object": "list",
        "data": [
            {"id": "all-things", "object": "model", "type": "embeddings"},  # LM Studio
            {"id": "granite-3", "object": "model", "details": {"family": "nomic-bert"}},  # Ollama-style
            {"id": "multilingual-e5-large", "object": "model", "capabilities": ["completion"]},
            {"id": "mistral-small", "object": "model", "capabilities": ["completion", "tools"]},
            {"id": "m", "object": "model", "architecture": {"output_modalities": ["embeddings"]}},
        ],
        # llama.cpp: an Ollama-style "models" list beside OpenAI's, matched by name
        "models": [{"name": "gemma", "capabilities": ["completion"]}],
    }
    kinds = {m.id: (m.kind, m.basis) for m in listed_models(body)}
    assert kinds["all-things"] == (Kind.EMBEDDING, "type")
    assert kinds["granite-3"] == (Kind.EMBEDDING, "details.family")
    assert kinds["m"] == (Kind.EMBEDDING, "architecture.output_modalities")
    # a name that says embedding wins over a "completion" capability (servers list embedders so too)
    assert kinds["multilingual-e5-large"] == (Kind.EMBEDDING, "name")
    assert kinds["mistral-small"] == (Kind.CHAT, "capabilities")
    gemma = listed_models(
        {"data": [{"id": "gemma"}], "models": [{"name": "gemma", "capabilities": ["completion"]}]}
    )
    assert [(m.kind, m.basis) for m in gemma] == [(Kind.CHAT, "capabilities")]
    assert listed_models({"data": "nope"}) == [] and listed_models([1, 2]) == []


class _Listing(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""

    def do_GET(self) -> None:
        listed = json.dumps(self.server.listed).encode()  # type: ignore[attr-defined]
        status, body = (200, listed) if self.path == "/v1/models" else (404, b'{"error": "no"}')
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET


@pytest.fixture
def listing() -> Iterator[ThreadingHTTPServer]:
    """A server that lists several models (``server.listed``) and has no other route."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Listing)
    server.listed = SEVERAL  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def url(server: ThreadingHTTPServer) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}/v1"


def test_discovery_picks_models_for_the_run(listing: ThreadingHTTPServer) -> None:
    report = run(url(listing), only={"models.list", "chat.completions", "embeddings"}).report
    assert report.models == ["qwen2.5-7b-instruct", "text-embedding-3-small"]
    sent = json.loads(report.result_for("embeddings").evidence[0].request.body)
    assert sent["model"] == "text-embedding-3-small"
    assert json.loads(report.result_for("chat.completions").evidence[0].request.body)["model"] == (
        "qwen2.5-7b-instruct"
    )


def test_a_kind_the_server_does_not_list_is_untested_never_failed(listing: ThreadingHTTPServer) -> None:
    listing.listed = {"object": "list", "data": [{"id": "llama-3.1-8b-instruct"}]}  # type: ignore[attr-defined]
    report = run(url(listing), only={"embeddings", "chat.completions"}).report
    result = report.result_for("embeddings")
    assert result.status is Status.UNTESTED and not result.evidence
    assert "lists no embedding model (it lists llama-3.1-8b-instruct)" in result.message
    assert "--embedding-model" in result.message
    with RefServer(api_key=KEY, deviations={"models_list_missing"}) as server:
        report = run(server.base_url, only={"chat.completions", "chat.stream"}).report
    for row in ("chat.completions", "chat.stream"):
        result = report.result_for(row)
        assert result.status is Status.UNTESTED and "/v1/models answered 404" in result.message
