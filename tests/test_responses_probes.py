"""The Responses feature probes against a reference server: all pass, and each known gap is caught.

The reference (:mod:`refserver.responses_features`) answers over real HTTP on 127.0.0.1. With no
gap switched on every probe must pass; each switch turns off one behaviour the way a real server
lacks it, and the probe of that feature must grade it as stated here, with its reason.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from probe_rows import results_of
from refserver.responses_features import GAPS, ResponsesRefServer

from probes.load.dataset import load_dataset
from probes.model.report import Result
from probes.model.status import Status
from probes.prober.endpoints import REGISTRY, ProbeSpec

DATA = load_dataset(Path(__file__).resolve().parents[1] / "data")
MODULE = "probes.prober.endpoints.responses_features"


def feature_probes() -> dict[str, ProbeSpec]:
    """The probes the Responses feature module registers in the shared registry."""
    return {row: spec for row, spec in REGISTRY.items() if spec.func.__module__ == MODULE}


PROBES = feature_probes()
ROWS = sorted(PROBES)


def probe_run(server: ResponsesRefServer, rows: list[str] = ROWS) -> dict[str, Result]:
    """Run the given feature probes against the server; results by row id."""
    return results_of(server.base_url, "llama-cpp", rows, PROBES, DATA)


def test_the_probed_rows_are_rows_of_the_responses_matrix() -> None:
    matrix = set(DATA.matrix("responses").row_ids)
    assert len(ROWS) >= 30
    assert set(ROWS) <= matrix
    assert "responses" not in ROWS and "responses.compact" not in ROWS


def test_every_feature_probe_passes_against_the_reference() -> None:
    with ResponsesRefServer() as server:
        results = probe_run(server)
    wrong = {row: f"{r.status}: {r.message}" for row, r in results.items() if r.status is not Status.PASS}
    assert not wrong, wrong
    for result in results.values():
        assert result.evidence and all(e.response is not None for e in result.evidence)


EXPECTED: list[tuple[str, str, Status, str]] = [
    ("no_previous_response_id", "basic.non-streaming-multi-turn", Status.FAIL, "previous_response_id"),
    ("previous_ignored", "basic.non-streaming-multi-turn", Status.FAIL, "not part of the context"),
    ("always_completed", "openai.incomplete-details-length", Status.FAIL, "`status` is `completed`"),
    ("always_completed", "openai.incomplete-details-length-streaming", Status.FAIL, "16-token limit"),
    ("always_completed", "openai.incomplete-details-null-when-completed", Status.DEVIATION, "missing"),
    ("no_sequence_number", "basic.streaming-basic", Status.DEVIATION, "sequence_number"),
    ("one_delta", "basic.streaming-incremental-content", Status.FAIL, "1 delta"),
    ("logprobs_empty", "basic.include-logprobs-non-streaming", Status.FAIL, "no logprobs"),
    ("logprobs_empty", "basic.include-logprobs-streaming", Status.FAIL, "no text delta"),
    ("top_logprobs_refused", "openai.with-top-logprobs", Status.FAIL, "400"),
    ("top_logprobs_refused", "openai.with-top-logprobs-streaming", Status.FAIL, "400"),
    ("top_p_ignored", "openai.with-top-p", Status.FAIL, "texts:"),
    ("top_p_ignored", "openai.with-top-p-streaming", Status.FAIL, "texts:"),
    ("no_echo", "openai.with-top-p", Status.DEVIATION, "`top_p` back"),
    ("no_echo", "openai.with-max-output-tokens", Status.DEVIATION, "`max_output_tokens` back"),
    (
        "max_output_tokens_ignored",
        "openai.with-small-max-output-tokens",
        Status.FAIL,
        "tokens were generated",
    ),
    ("text_format_ignored", "structured-output.json-schema-nested-objects", Status.FAIL, "not JSON"),
    ("text_format_ignored", "structured-output.json-schema-boolean-types", Status.FAIL, "not JSON"),
    ("no_tool_calls", "openai.with-parallel-tool-calls-enabled", Status.UNTESTED, "no `function_call`"),
    ("parallel_ignored", "openai.with-parallel-tool-calls-disabled", Status.FAIL, "2 calls"),
    ("tool_output_dropped", "tools.non-streaming-multi-turn-tool-execution", Status.FAIL, "not passed"),
    ("tool_output_dropped", "tools.function-call-output-list-text-multi-block", Status.FAIL, "not passed"),
    ("image_500", "errors.non-vision-model-returns-error-for-image-input", Status.DEVIATION, "500"),
    ("no_error_field", "errors.completed-response-has-no-error", Status.DEVIATION, "`error` is missing"),
]


@pytest.mark.parametrize(
    ("gap", "row", "status", "words"), EXPECTED, ids=[f"{g}-{r}" for g, r, *_ in EXPECTED]
)
def test_each_gap_is_graded_with_its_reason(gap: str, row: str, status: Status, words: str) -> None:
    with ResponsesRefServer(gaps=[gap]) as server:
        result = probe_run(server, [f"responses.{row}"])[f"responses.{row}"]
    assert result.status is status, result.message
    assert words in result.message
    assert result.evidence, "a graded cell keeps the exchanges behind it"


def test_every_gap_has_a_probe_that_notices_it() -> None:
    assert {gap for gap, *_ in EXPECTED} == set(GAPS)


def test_a_gap_shows_only_in_the_cells_of_its_feature() -> None:
    """One missing behaviour is one cell: the other probes still pass (behaviour probes read their fields)."""
    with ResponsesRefServer(gaps=["no_sequence_number", "no_previous_response_id"]) as server:
        results = probe_run(server)
    changed = {row for row, r in results.items() if r.status is not Status.PASS}
    assert changed == {"responses.basic.streaming-basic", "responses.basic.non-streaming-multi-turn"}
