"""The stored-object Responses probes (conversations, file search, prompts, compaction) on a reference.

The reference (:mod:`refserver.stored`) answers over real HTTP on 127.0.0.1. With no fault on,
every probe of the four modules must pass; each fault turns one behaviour off or wrong the way a
real server does, and the probe of that row must grade it as stated here, with its reason.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from probe_rows import results_of
from refserver.stored import FAULTS, StoredRefServer

from probes.load.dataset import load_dataset
from probes.model.report import Result
from probes.model.status import Status
from probes.prober.endpoints import REGISTRY, ProbeSpec, responses_compact

DATA = load_dataset(Path(__file__).resolve().parents[1] / "data")
MODULES = {
    "probes.prober.endpoints.responses_conversations": "conversation",
    "probes.prober.endpoints.responses_file_search": "file-search",
    "probes.prober.endpoints.responses_prompts": "prompt-templates",
    "probes.prober.endpoints.responses_compact": "compact",
}
PROBES: dict[str, ProbeSpec] = {row: s for row, s in REGISTRY.items() if s.func.__module__ in MODULES}
ROWS = sorted(PROBES)


def probe_run(server: StoredRefServer, rows: list[str] = ROWS) -> dict[str, Result]:
    """Run the given probes against the server; results by row id, the report validated."""
    return results_of(server.base_url, "ogx", rows, PROBES, DATA)


def test_every_row_of_the_four_sections_has_a_probe_in_its_module() -> None:
    sections = {s.id: s.rows for s in DATA.matrix("responses").sections if s.id in MODULES.values()}
    for module, section in MODULES.items():
        mine = {row for row, spec in PROBES.items() if spec.func.__module__ == module}
        assert mine == set(sections[section]), module


def test_every_probe_passes_against_the_faithful_reference() -> None:
    with StoredRefServer() as server:
        results = probe_run(server)
        leftovers = (server.conversations, server.stores, server.files, server.prompts)
    wrong = {row: f"{r.status}: {r.message}" for row, r in results.items() if r.status is not Status.PASS}
    assert not wrong, wrong
    assert all(result.evidence for result in results.values())
    assert not any(leftovers), "every conversation, store, file and prompt a probe made is deleted"


def test_prompt_grades_say_the_template_came_from_the_servers_own_route() -> None:
    with StoredRefServer() as server:
        results = probe_run(server, [r for r in ROWS if ".prompt-templates." in r])
    assert all("not an OpenAI route" in r.message for r in results.values())


EXPECTED: list[tuple[str, str, Status, str]] = [
    ("conversation_ignored", "conversation.conversation-context-loading", Status.FAIL, "were not part"),
    ("conversation_ignored", "conversation.conversation-basic-workflow", Status.FAIL, "do not hold"),
    ("conversation_not_stored", "conversation.conversation-basic-workflow", Status.FAIL, "do not hold"),
    ("stream_not_stored", "conversation.conversation-multi-turn-and-streaming", Status.FAIL, "streamed turn"),
    ("content_as_string", "conversation.conversation-basic-workflow", Status.DEVIATION, "a message item"),
    ("unknown_conversation_400", "conversation.conversation-error-handling", Status.DEVIATION, "not 404"),
    ("previous_with_conversation", "conversation.conversation-error-handling", Status.FAIL, "instead of"),
    ("no_prompts_route", "prompt-templates.basic-prompt-template", Status.UNTESTED, "dashboard"),
    ("no_prompts_route", "prompt-templates.multi-version-prompt-template", Status.UNTESTED, "dashboard"),
    ("prompt_ignored", "prompt-templates.basic-prompt-template", Status.FAIL, "not applied"),
    ("prompt_ignored", "prompt-templates.prompt-template-no-variables", Status.FAIL, "not applied"),
    ("prompt_ignored", "prompt-templates.prompt-template-with-streaming", Status.FAIL, "not applied"),
    ("prompt_not_echoed", "prompt-templates.basic-prompt-template", Status.DEVIATION, "`prompt`"),
    ("variables_ignored", "prompt-templates.multi-variable-prompt-template", Status.FAIL, "not substituted"),
    ("version_ignored", "prompt-templates.multi-version-prompt-template", Status.FAIL, "not used"),
    ("filters_ignored", "file-search.file-search-filter-by-region", Status.FAIL, "not applied"),
    ("filters_ignored", "file-search.file-search-filter-by-date-range", Status.FAIL, "not applied"),
    ("filters_ignored", "file-search.file-search-filter-compound-and", Status.FAIL, "not applied"),
    ("filters_ignored", "file-search.file-search-filter-compound-or", Status.FAIL, "engineering"),
    ("no_results", "file-search.file-search-filter-by-category", Status.FAIL, "no `results`"),
    ("never_search", "file-search.file-search-filter-by-region", Status.UNTESTED, "no file_search call"),
    ("never_search", "file-search.file-search-streaming-events", Status.UNTESTED, "no file_search call"),
    ("no_search_events", "file-search.file-search-streaming-events", Status.FAIL, "none of its"),
    ("text_format_not_echoed", "file-search.text-format", Status.DEVIATION, "`text.format`"),
    ("no_compaction_item", "compact.compact-basic-conversation", Status.FAIL, "no `compaction` item"),
    ("no_compaction_item", "compact.compact-roundtrip", Status.FAIL, "no `compaction` item"),
    ("compact_keeps_tools", "compact.compact-with-tool-calls-dropped", Status.FAIL, "`function_call`"),
    ("compaction_input_refused", "compact.compact-roundtrip", Status.FAIL, "400"),
    ("compaction_input_refused", "compact.compact-chain-through-compaction", Status.FAIL, "400"),
    ("input_items_show_compaction", "compact.compact-input-items-hides-compaction", Status.FAIL, "show"),
    ("compaction_not_stored", "compact.compact-response-is-retrievable", Status.FAIL, "404"),
    (
        "context_management_ignored",
        "compact.context-management-auto-compacts-large-input",
        Status.FAIL,
        "not",
    ),
]


@pytest.mark.parametrize(
    ("fault", "row", "status", "words"), EXPECTED, ids=[f"{f}-{r}" for f, r, *_ in EXPECTED]
)
def test_each_fault_is_graded_with_its_reason(fault: str, row: str, status: Status, words: str) -> None:
    with StoredRefServer(faults=[fault]) as server:
        result = probe_run(server, [f"responses.{row}"])[f"responses.{row}"]
    assert result.status is status, result.message
    assert words in result.message
    assert result.evidence, "a graded cell keeps the exchanges behind it"


def test_a_compaction_that_does_not_finish_is_the_models_not_the_servers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(responses_compact, "COMPACT_SECONDS", 1.0)
    with StoredRefServer(faults=["compact_slow"]) as server:
        result = probe_run(server, ["responses.compact.compact-single-message"])
    grade = result["responses.compact.compact-single-message"]
    assert grade.status is Status.UNTESTED, grade.message
    assert "did not finish within 1 s" in grade.message


def test_every_fault_has_a_probe_that_notices_it() -> None:
    assert {fault for fault, *_ in EXPECTED} | {"compact_slow"} == set(FAULTS)
