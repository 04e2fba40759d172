"""Broken servers: every fault is graded with evidence, the run keeps its deadline, nothing crashes."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest
from refserver import FaultServer, RefServer

from probes.load.dataset import load_dataset
from probes.model.redact import REDACTED
from probes.model.report import Report
from probes.model.status import Status
from probes.prober.run import ProbeConfig, report_json, run_probes

ROOT = Path(__file__).resolve().parents[1]
ENDPOINT_ROWS = {row["id"] for row in json.loads((ROOT / "data/catalog/endpoints.json").read_text())["rows"]}
ROWS = [row for row in load_dataset(ROOT / "data").catalog.rows.values() if row.id in ENDPOINT_ROWS]
KEY = "sk-fault-test-Zq81mNf2"


def run(
    base_url: str, *, timeout: float = 0.4, deadline: float = 20, concurrency: int = 16, **kw: object
) -> tuple[Report, float]:
    config = ProbeConfig(
        base_url=base_url,
        implementation="openai",
        model="m",
        embedding_model="e",
        api_key=KEY,
        concurrency=concurrency,
        timeout=timeout,
        deadline=deadline,
        **kw,
    )
    started = time.monotonic()
    report = asyncio.run(run_probes(config, ROWS))
    return report, time.monotonic() - started


def first_evidence(report: Report, row: str):
    result = report.result_for(row)
    assert result is not None and result.evidence, row
    return result.evidence[0]


# For each fault: the row to inspect, and words its message must hold.
CASES = {
    "hang": ("chat.completions", "no complete answer within"),
    "drip": ("chat.completions", "no complete answer within"),
    "status500": ("chat.completions", "server error 500"),
    "invalid_json": ("chat.completions", "not valid JSON"),
    "truncated_sse": ("chat.stream", "broke off"),
    "html": ("chat.completions", "an HTML page: 502 Bad Gateway"),
    "huge": ("chat.completions", "larger than 65536 bytes"),
}


@pytest.mark.parametrize("fault", sorted(CASES))
def test_fault_is_graded_with_evidence(fault: str) -> None:
    row, words = CASES[fault]
    with FaultServer(fault) as server:
        report, elapsed = run(server.base_url, max_body_bytes=65_536)
    assert elapsed < 10
    result = report.result_for(row)
    assert result.status is Status.FAIL
    assert words in result.message
    assert "<" not in result.message
    assert not [r.row for r in report.results if r.status is Status.PASS]
    for r in report.results:
        if r.status.tested:
            assert r.evidence, r.row
    evidence = first_evidence(report, row)
    if fault == "hang":
        assert evidence.response is None and "no response had started" in evidence.error
    elif fault == "drip":
        assert evidence.response.status == 200 and "bytes of the body had arrived" in evidence.error
    elif fault == "huge":
        assert evidence.response.truncated and "stopped reading" in evidence.response.body
    else:
        assert evidence.response is not None
    Report.model_validate_json(report_json(report))


def test_truncated_stream_and_plain_bodies_differ() -> None:
    with FaultServer("truncated_sse") as server:
        report, _ = run(server.base_url)
    assert "not valid JSON" in report.result_for("chat.completions").message


def test_deadline_cuts_the_run_and_grades_every_row() -> None:
    with FaultServer("hang") as server:
        report, elapsed = run(server.base_url, timeout=30, deadline=1.0, concurrency=4)
    assert elapsed < 3
    statuses = {r.row: r for r in report.results}
    cut = [r for r in statuses.values() if "cut off by the run's deadline of 1 s" in r.message]
    waiting = [r for r in statuses.values() if "not started before the run's deadline" in r.message]
    assert len(cut) == 4 and waiting
    assert all(r.status is Status.UNTESTED for r in cut + waiting)
    assert all(r.evidence and r.evidence[0].error for r in cut)


def test_key_echoed_by_the_server_is_redacted() -> None:
    with FaultServer("echo_key") as server:
        report, _ = run(server.base_url)
    text = report_json(report)
    assert KEY not in text
    evidence = first_evidence(report, "chat.completions")
    assert REDACTED in evidence.response.body
    assert REDACTED in evidence.response.headers["www-authenticate"]


def test_redirects_are_not_followed_with_the_key() -> None:
    with (
        RefServer(api_key=KEY) as other,
        FaultServer("redirect", redirect_to=other.base_url.removesuffix("/v1")) as server,
    ):
        report, _ = run(server.base_url)
        assert other.requests == []
    result = report.result_for("models.list")
    assert result.status is Status.FAIL and "redirect" in result.message
    location = result.evidence[0].response.headers["location"]
    assert location == other.base_url + "/models"
