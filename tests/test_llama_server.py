"""The prober against a real llama.cpp llama-server: facts about llama.cpp, checked on every run."""

from __future__ import annotations

import pytest
from llama_shared import shared_server

from probes.model.report import Report
from probes.model.status import Status
from probes.prober.run import report_json

pytestmark = pytest.mark.llama_server


@pytest.fixture(scope="module")
def run() -> tuple[Report, str]:
    server = shared_server()
    return server.probe(), server.api_key


def status(report: Report, row: str) -> Status:
    result = report.result_for(row)
    assert result is not None, row
    return result.status


def test_core_routes_pass(run: tuple[Report, str]) -> None:
    report, _ = run
    for row in (
        "models.list",
        "chat.completions",
        "chat.stream",
        "completions",
        "embeddings",
        "chat.stream_usage",
    ):
        assert status(report, row) is Status.PASS, report.result_for(row).message


def test_behaviours_llama_cpp_gets_right(run: tuple[Report, str]) -> None:
    report, _ = run
    for row in (
        "chat.max_tokens",
        "chat.logprobs",
        "chat.n",
        "chat.seed",
        "chat.cache_prompt",
        "chat.json_schema",
    ):
        assert status(report, row) is Status.PASS, report.result_for(row).message


def test_models_retrieve_is_not_routed(run: tuple[Report, str]) -> None:
    report, _ = run
    result = report.result_for("models.retrieve")
    assert result.status is Status.FAIL
    last = result.evidence[-1].response
    assert last.status == 404 and "File Not Found" in last.body


def test_error_envelope_lacks_param_and_has_an_integer_code(run: tuple[Report, str]) -> None:
    report, _ = run
    result = report.result_for("errors.envelope")
    assert result.status is Status.DEVIATION
    assert "`param` is missing" in result.message and "`code` is an integer" in result.message
    assert result.evidence[0].response.status == 400


def test_responses_lack_spec_required_fields(run: tuple[Report, str]) -> None:
    report, _ = run
    result = report.result_for("responses")
    assert result.status is Status.DEVIATION and "tool_choice" in result.message


def test_routes_llama_cpp_does_not_have(run: tuple[Report, str]) -> None:
    report, _ = run
    for row in (
        "images.generations",
        "audio.speech",
        "moderations",
        "files",
        "realtime",
        "responses.compact",
    ):
        assert status(report, row) is Status.FAIL
        assert report.result_for(row).evidence[0].response.status == 404


def test_model_limits_are_untested_not_failed(run: tuple[Report, str]) -> None:
    report, _ = run
    assert status(report, "chat.vision") is Status.UNTESTED
    assert status(report, "audio.transcriptions") is Status.UNTESTED
    assert "does not support audio" in report.result_for("audio.transcriptions").message


def test_api_key_is_enforced_and_never_recorded(run: tuple[Report, str]) -> None:
    report, key = run
    assert status(report, "server.api_key") is Status.PASS
    assert key not in report_json(report)


def test_what_every_real_server_shows(run: tuple[Report, str]) -> None:
    """The Gemma template, not ChatML; the key nowhere; the SDK's own calls agree with the grades."""
    from real_servers import common_facts

    report, _ = run
    common_facts(report, shared_server())
