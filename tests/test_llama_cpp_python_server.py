"""The prober against a real llama-cpp-python (`scripts/llama_cpp_python_server.py`): facts on every run."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from llama_cpp_python_server import LlamaCppPythonServer
from real_servers import common_facts, probed, stop

from probes.model.status import Status

ROWS = {"errors.envelope"}
"""The rows these tests read beyond the common ones (a full probe is the committed report's job)."""

pytestmark = pytest.mark.llama_cpp_python


@pytest.fixture(scope="module")
def run() -> Iterator[tuple[Any, LlamaCppPythonServer]]:
    report, server = probed(LlamaCppPythonServer, ROWS)
    yield report, server
    stop(LlamaCppPythonServer)


def status(report: Any, row: str) -> Status:
    result = report.result_for(row)
    assert result is not None, row
    return result.status


def test_what_every_real_server_shows(run: tuple[Any, LlamaCppPythonServer]) -> None:
    common_facts(*run)


def test_the_model_list_lacks_created(run: tuple[Any, LlamaCppPythonServer]) -> None:
    report, _ = run
    result = report.result_for("models.list")
    assert result.status is Status.DEVIATION and "created" in result.message


def test_embeddings_are_one_vector_per_token(run: tuple[Any, LlamaCppPythonServer]) -> None:
    """With no pooling type in the GGUF and no pooling setting in its server, each input gives a list of
    per-token vectors, where OpenAI gives one vector of numbers."""
    report, _ = run
    result = report.result_for("embeddings")
    assert result.status is Status.DEVIATION and "valid number" in result.message


def test_there_is_no_responses_api(run: tuple[Any, LlamaCppPythonServer]) -> None:
    report, _ = run
    result = report.result_for("responses")
    assert result.status is Status.FAIL and result.evidence[0].response.status == 404


def test_a_chat_without_messages_is_answered_not_refused(run: tuple[Any, LlamaCppPythonServer]) -> None:
    """llama-cpp-python takes a missing ``messages`` for an empty chat and generates from it; the probe's
    small ``max_tokens`` keeps that from holding the one-at-a-time server until its context is full."""
    report, _ = run
    result = report.result_for("errors.envelope")
    assert result.status is Status.DEVIATION, result.message
    assert "answered 200, not a 4xx error" in result.message
