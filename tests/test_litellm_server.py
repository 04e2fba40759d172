"""The prober against a real LiteLLM proxy (`scripts/litellm_server.py`): facts checked on every run."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from litellm_server import LiteLLMProxy
from real_servers import common_facts, probed, stop

from probes.model.status import Status

ROWS = {"realtime"}
"""The rows these tests read beyond the common ones (a full probe is the committed report's job)."""

pytestmark = pytest.mark.litellm


@pytest.fixture(scope="module")
def run() -> Iterator[tuple[Any, LiteLLMProxy]]:
    report, server = probed(LiteLLMProxy, ROWS)
    yield report, server
    stop(LiteLLMProxy)


def status(report: Any, row: str) -> Status:
    result = report.result_for(row)
    assert result is not None, row
    return result.status


def test_what_every_real_server_shows(run: tuple[Any, LiteLLMProxy]) -> None:
    common_facts(*run)


def test_realtime_upgrade_accepted_then_closed_is_not_realtime(run: tuple[Any, LiteLLMProxy]) -> None:
    """LiteLLM accepts the WebSocket and closes it at once (1011): graded from the session, not the 101."""
    report, _ = run
    result = report.result_for("realtime")
    assert result.status is Status.FAIL, result.message
    assert "1011" in result.message
    assert any(
        e.request.method == "WS" and "1011" in (e.response.body or "") for e in result.evidence if e.response
    )


def test_a_wrong_key_is_refused_with_400_not_401(run: tuple[Any, LiteLLMProxy]) -> None:
    report, _ = run
    result = report.result_for("server.api_key")
    assert result.status is Status.DEVIATION and "400" in result.message


def test_enterprise_and_credential_gaps_are_server_errors(run: tuple[Any, LiteLLMProxy]) -> None:
    report, _ = run
    for row in ("fine_tuning.jobs", "files", "moderations"):
        result = report.result_for(row)
        assert result.status is Status.FAIL, (row, result.message)
        assert result.evidence[0].response.status >= 500
