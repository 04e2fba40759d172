"""The prober against a real vLLM server, started by `scripts/vllm_server.py`: facts checked on every run."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from real_servers import common_facts, probed, stop
from vllm_server import VLLMServer

from probes.model.status import Status

ROWS = {"errors.envelope", "responses.basic.non-streaming-multi-turn", "chat.tools"}
"""The rows these tests read beyond the common ones (a full probe is the committed report's job)."""

pytestmark = pytest.mark.vllm


@pytest.fixture(scope="module")
def run() -> Iterator[tuple[Any, VLLMServer]]:
    report, server = probed(VLLMServer, ROWS)
    yield report, server
    stop(VLLMServer)


def status(report: Any, row: str) -> Status:
    result = report.result_for(row)
    assert result is not None, row
    return result.status


def test_what_every_real_server_shows(run: tuple[Any, VLLMServer]) -> None:
    common_facts(*run)


def test_routes_vllm_does_not_have_are_404(run: tuple[Any, VLLMServer]) -> None:
    report, _ = run
    for row in ("models.retrieve", "files", "moderations", "images.generations", "audio.speech"):
        result = report.result_for(row)
        assert result.status is Status.FAIL, (row, result.message)
        assert result.evidence[-1].response.status == 404


def test_error_code_is_an_integer(run: tuple[Any, VLLMServer]) -> None:
    report, _ = run
    result = report.result_for("errors.envelope")
    assert result.status is Status.DEVIATION and "`code` is an integer" in result.message


def test_responses_are_not_stored_so_a_chain_fails(run: tuple[Any, VLLMServer]) -> None:
    report, _ = run
    result = report.result_for("responses.basic.non-streaming-multi-turn")
    assert result.status is Status.FAIL
    assert any(e.response and e.response.status == 404 for e in result.evidence)


def test_tool_calls_come_through_the_named_parser(run: tuple[Any, VLLMServer]) -> None:
    """Started with --tool-call-parser, vLLM accepts `tool_choice: required` (without, it refuses it)."""
    report, _ = run
    result = report.result_for("chat.tools")
    assert "requires --tool-call-parser" not in result.message
    assert all(e.response is None or e.response.status == 200 for e in result.evidence[:1])
