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
    "responses.file-search.file-search-filter-by-region",
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


def test_files_attach_to_a_vector_store_so_file_search_is_graded_on_its_answer(
    run: tuple[Any, OGXServer],
) -> None:
    """Attaching a file runs OGX's file processor; with ``inline::auto`` it needs ``markitdown``, which
    the install leaves out, so its worker died on every start and each attach hung until the probe's
    limit: six ❌ that were this setup's doing, not OGX's. With ``inline::pypdf`` (text and PDF, its
    packages installed) every attach answers, and the grade rests on the search itself."""
    report, _ = run
    result = report.result_for("responses.file-search.file-search-filter-by-region")
    attached = [
        e
        for e in result.evidence
        if e.request.method == "POST"
        and e.request.path.endswith("/files")
        and "/vector_stores/" in e.request.path
    ]
    assert attached, result.message
    assert all(e.response is not None and e.response.status == 200 for e in attached), result.message
    assert "within the probe's" not in (result.message or "")
