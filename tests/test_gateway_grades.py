"""Grades that gateways (LiteLLM, OGX in front of llama-server) showed to be too easy, against real servers.

A realtime upgrade that is accepted and then closed is not a working realtime endpoint; a 429 from a
gateway's rate limit or cooldown is not a verdict on the row; a server that lists one model leaves
the other kinds untested, and the reason says which model it listed and how to name a second.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
import json
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread
from typing import Any

import httpx
import pytest
from refserver import RefServer
from refserver.faults import Cooldown
from refserver.websocket import CLOSE_REASON, WebSocketServer

from probes.load.dataset import load_dataset
from probes.model.redact import REDACTED, Redactor
from probes.model.report import Report
from probes.model.status import Status
from probes.prober.discovery import Discovery, Kind, listed_models
from probes.prober.http import FIRST_EVENT_SECONDS, Exchange
from probes.prober.run import Outcome, ProbeConfig, probe_run, report_json, retry_after

ROOT = Path(__file__).resolve().parents[1]
ENDPOINT_ROWS = {row["id"] for row in json.loads((ROOT / "data/catalog/endpoints.json").read_text())["rows"]}
ROWS = [row for row in load_dataset(ROOT / "data").catalog.rows.values() if row.id in ENDPOINT_ROWS]
KEY = "sk-gateway-test-Hq27xPz4"


def run(base_url: str, only: set[str], **options: Any) -> tuple[Outcome, float]:
    settings = {"concurrency": 4, "timeout": 10, "deadline": 60, "api_key": KEY} | options
    config = ProbeConfig(base_url=base_url, implementation="openai", only=frozenset(only), **settings)
    started = time.monotonic()
    outcome = asyncio.run(probe_run(config, ROWS))
    Report.model_validate_json(report_json(outcome.report))
    return outcome, time.monotonic() - started


# ---- realtime: the grade rests on what the session does, not on the 101 ------------------------


@pytest.mark.parametrize(
    ("mode", "status", "words", "body"),
    [
        ("accept", Status.PASS, "the first event was `session.created`", '"type": "session.created"'),
        ("closed", Status.FAIL, "closed the socket before any event (close code 1011", "with 1011"),
        ("dropped", Status.FAIL, "before any event (close code 1006)", "without a close frame (1006)"),
        ("error_first", Status.FAIL, "first event was `error`: `no realtime model is loaded`", '"error"'),
        ("other_first", Status.DEVIATION, "first event was `conversation.created`", "conversation.created"),
        ("not_json", Status.FAIL, "the first message is not JSON: `hello`", "hello"),
        ("silent", Status.FAIL, f"no event came within {FIRST_EVENT_SECONDS:g} s", "no message came within"),
    ],
)
def test_realtime_is_graded_on_the_sessions_first_event(
    mode: str, status: Status, words: str, body: str
) -> None:
    with WebSocketServer(mode, api_key=KEY) as server:
        outcome, elapsed = run(server.base_url, {"realtime"})
    result = outcome.report.result_for("realtime")
    assert result.status is status and words in result.message, result.message
    assert "accepted (101)" in result.message
    upgrade = result.evidence[0]
    assert upgrade.request.method == "WS" and upgrade.response.status == 101
    assert body in upgrade.response.body
    # a few seconds for the first event, not the probe's whole limit
    assert elapsed < FIRST_EVENT_SECONDS + 4


def test_a_close_reason_is_kept_as_evidence_with_the_key_redacted() -> None:
    with WebSocketServer("closed", api_key=KEY) as server:
        outcome, _ = run(server.base_url, {"realtime"})
    result = outcome.report.result_for("realtime")
    said = CLOSE_REASON.format(key=REDACTED)
    assert said in result.message and said in result.evidence[0].response.body
    assert KEY not in report_json(outcome.report)


def test_the_reference_servers_realtime_session_passes() -> None:
    with RefServer(api_key=KEY) as server:
        outcome, _ = run(server.base_url, {"realtime"})
    result = outcome.report.result_for("realtime")
    assert result.status is Status.PASS and "`session.created`" in result.message
    event = json.loads(result.evidence[0].response.body)
    assert event["type"] == "session.created" and event["session"]["model"] == "ref-chat"


# ---- rate limits and cooldowns: 429 is retried, and never graded ❌ ---------------------------


def test_the_cooldown_fault_starts_after_failures_and_ends() -> None:
    with RefServer(cooldown=Cooldown(answers=1, after_failures=1)) as server:
        url = server.base_url + "/chat/completions"
        good = {"model": "ref-chat", "messages": [{"role": "user", "content": "hi"}]}
        answers = [
            httpx.post(url, json=good),
            httpx.post(url, json={"model": "ref-chat"}),  # a failure: starts the cooldown
            httpx.post(url, json=good),
            httpx.post(url, json=good),
        ]
        listing = httpx.get(server.base_url + "/models")
    assert [a.status_code for a in answers] == [200, 400, 429, 200]
    assert answers[2].headers["retry-after"] == "1"
    assert answers[2].json()["error"]["code"] == "rate_limit_exceeded"
    assert listing.status_code == 200, "the cooldown is on model requests (POST) only"


@pytest.mark.parametrize("header", ["1", None], ids=["retry-after", "backoff"])
def test_a_row_answered_429_is_retried_and_graded_on_the_answer_after(header: str | None) -> None:
    with RefServer(api_key=KEY, cooldown=Cooldown(answers=1, retry_after=header)) as server:
        outcome, elapsed = run(server.base_url, {"chat.completions"})
        limited = server.cooldown.limited
    result = outcome.report.result_for("chat.completions")
    assert result.status is Status.PASS, result.message
    assert limited == 1 and elapsed >= 1.0, "the wait before the retry was honoured"
    assert result.evidence[0].response.status == 200, "the grade rests on the last try"
    (earlier,) = [e for e in result.evidence if e.response and e.response.status == 429]
    assert earlier.label.startswith("try 1 of 3, answered 429: ")
    if header:
        assert earlier.response.headers["retry-after"] == header


def test_a_flaky_row_retries_within_its_run() -> None:
    with RefServer(api_key=KEY, cooldown=Cooldown(answers=1)) as server:
        outcome, _ = run(server.base_url, {"chat.seed_determinism"}, runs=2)
    result = outcome.report.result_for("chat.seed_determinism")
    assert result.status is Status.PASS and result.runs == 2 and result.agreeing == 2, result.message


def test_a_row_still_answered_429_is_untested_with_the_reason_never_failed() -> None:
    rows = {"chat.completions", "embeddings", "moderations"}
    with RefServer(api_key=KEY, cooldown=Cooldown(answers=None)) as server:
        outcome, elapsed = run(server.base_url, rows)
    assert 2.0 <= elapsed < 15, "two waits of Retry-After: 1 s, then it stops"
    for row in rows:
        result = outcome.report.result_for(row)
        assert result.status is Status.UNTESTED, (row, result.status, result.message)
        assert "the server answered 429 Too Many Requests" in result.message
        assert "Retry-After 1 s" in result.message and "retried 2 times" in result.message
        statuses = [e.response.status for e in result.evidence if e.response]
        assert statuses and set(statuses) == {429}
        labels = [e.label for e in result.evidence]
        assert any(label.startswith("try 1 of 3") for label in labels)
        assert any(label.startswith("try 2 of 3") for label in labels)


@pytest.mark.parametrize(
    ("header", "deadline", "words"),
    [
        ("120", 60, "waiting 120 s is longer than aioc waits for a retry"),
        ("8", 4, "waiting 8 s would pass the run's deadline"),
    ],
)
def test_a_wait_too_long_for_the_run_is_not_waited(header: str, deadline: float, words: str) -> None:
    with RefServer(api_key=KEY, cooldown=Cooldown(answers=None, retry_after=header)) as server:
        outcome, elapsed = run(server.base_url, {"chat.completions"}, deadline=deadline)
    result = outcome.report.result_for("chat.completions")
    assert result.status is Status.UNTESTED and "not retried" in result.message and words in result.message
    assert elapsed < 3


def _answered(status: int, header: str | None) -> Exchange:
    exchange = Exchange("", "POST", "/v1/x", {}, None, Redactor([], []), "127.0.0.1", status=status)
    exchange.headers = httpx.Headers({"retry-after": header} if header else {})
    return exchange


def test_retry_after_reads_seconds_and_http_dates() -> None:
    soon = email.utils.format_datetime(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=20), usegmt=True)
    assert retry_after([_answered(429, "3"), _answered(429, "7")]) == 7
    assert 15 < (retry_after([_answered(429, soon)]) or 0) <= 20
    assert retry_after([_answered(429, "soon"), _answered(429, None)]) is None
    assert retry_after([_answered(503, "5")]) is None, "only a 429 is a rate limit"


# ---- model discovery: one listed model, and what that leaves untested ---------------------------


class _OneModel(BaseHTTPRequestHandler):
    """Lists ``server.listed`` at /v1/models; every other path is 404 (no embeddings needed)."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""

    def do_GET(self) -> None:
        listed = json.dumps(self.server.listed).encode()  # type: ignore[attr-defined]
        status, body = (200, listed) if self.path == "/v1/models" else (404, b'{"error": "no route"}')
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.do_GET()


@pytest.fixture
def one_model() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _OneModel)
    thread = Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    ("entry", "taken"),
    [
        ({"id": "gemma-3-270m", "object": "model"}, "taken as the chat model"),
        ({"id": "llama-cpp/gemma-3-270m", "custom_metadata": {"model_type": "llm"}}, "a chat model by its"),
    ],
    ids=["bare", "ogx"],
)
def test_one_listed_chat_model_leaves_embeddings_untested_saying_why(
    one_model: ThreadingHTTPServer, entry: dict[str, Any], taken: str
) -> None:
    one_model.listed = {"object": "list", "data": [entry]}  # type: ignore[attr-defined]
    base_url = f"http://127.0.0.1:{one_model.server_address[1]}/v1"
    outcome, _ = run(base_url, {"embeddings", "chat.completions"})
    result = outcome.report.result_for("embeddings")
    assert result.status is Status.UNTESTED and not result.evidence
    assert f"it lists {entry['id']}): that one model is {taken}" in result.message, result.message
    assert "so the embeddings row is not tested" in result.message
    assert "pass --embedding-model NAME for a second model" in result.message
    chat = outcome.report.result_for("chat.completions")
    assert json.loads(chat.evidence[0].request.body)["model"] == entry["id"], "used for the chat rows"

    outcome, _ = run(base_url, {"embeddings"}, embedding_model=entry["id"])
    sent = outcome.report.result_for("embeddings").evidence[0].request.body
    assert json.loads(sent)["model"] == entry["id"], "--embedding-model names the same model again"


def test_one_listed_embedding_model_names_the_chat_rows_left_out() -> None:
    found = Discovery(listed=listed_models({"data": [{"id": "nomic-embed-text-v1.5"}]}))
    reason = found.why_none(Kind.CHAT, "--model")
    assert "(it lists nomic-embed-text-v1.5): that one model is an embedding model by its name" in reason
    assert "the chat, completions and responses rows are not tested; pass --model NAME" in reason


def test_ogx_model_types_decide_the_kind() -> None:
    embedder = "sentence-transformers/all-distilroberta-v1"  # its name says nothing of its kind
    body = {
        "data": [
            {"id": "llama-cpp/gemma-3-270m", "custom_metadata": {"model_type": "llm"}},
            {
                "id": "sentence-transformers/all-distilroberta-v1",
                "custom_metadata": {"model_type": "embedding"},
            },
            {"id": "llama-cpp/qwen3-reranker", "custom_metadata": {"model_type": "rerank"}},
        ]
    }
    found = Discovery(listed=listed_models(body))
    assert found.pick(Kind.CHAT) == "llama-cpp/gemma-3-270m"
    assert found.pick(Kind.EMBEDDING) == embedder
    kinds = {m.id: (m.kind, m.basis) for m in found.listed}
    assert kinds["sentence-transformers/all-distilroberta-v1"] == (
        Kind.EMBEDDING,
        "custom_metadata.model_type",
    )
    assert kinds["llama-cpp/qwen3-reranker"][0] is Kind.RERANK
