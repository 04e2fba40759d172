"""The prober against a real OGX server, started by `scripts/ogx_server.py`: facts checked on every run."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from ogx_server import OGXServer
from real_servers import common_facts, probed, stop

from probes.model.status import Status

ROWS = {
    "responses.compact",
    "responses.conversation.conversation-context-loading",
    "responses.prompt-templates.basic-prompt-template",
}
"""The rows these tests read beyond the common ones (a full probe is the committed report's job)."""

pytestmark = pytest.mark.ogx


@pytest.fixture(scope="module")
def run() -> Iterator[tuple[Any, OGXServer]]:
    report, server = probed(OGXServer, ROWS)
    yield report, server
    stop(OGXServer)


def status(report: Any, row: str) -> Status:
    result = report.result_for(row)
    assert result is not None, row
    return result.status


def test_what_every_real_server_shows(run: tuple[Any, OGXServer]) -> None:
    common_facts(*run)


def test_ogx_serves_the_models_it_was_given_under_its_provider(run: tuple[Any, OGXServer]) -> None:
    report, server = run
    assert report.models == [server.served_model, server.embedding_model]
    assert report.result_for("embeddings").status is Status.PASS


def test_the_chat_stream_ends_without_done(run: tuple[Any, OGXServer]) -> None:
    report, _ = run
    result = report.result_for("chat.stream")
    assert result.status is Status.DEVIATION and "[DONE]" in result.message


def test_compaction_answers(run: tuple[Any, OGXServer]) -> None:
    report, _ = run
    assert report.result_for("responses.compact").status in (Status.PASS, Status.DEVIATION)
