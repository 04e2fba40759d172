"""The prober against the reference server: all ✅ when clean, one flipped cell per deviation."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

import pytest
from refserver import DEVIATIONS, RefServer

from probes.cli.main import main
from probes.load.dataset import load_dataset
from probes.model.report import Report
from probes.model.status import Status
from probes.prober.endpoints import REGISTRY
from probes.prober.run import ProbeConfig, report_json, run_probes

ROOT = Path(__file__).resolve().parents[1]
KEY = "sk-aioc-test-7Hq2vLx9Rk4pWm3Z"
ENDPOINT_ROWS = {row["id"] for row in json.loads((ROOT / "data/catalog/endpoints.json").read_text())["rows"]}
"""The rows of the endpoint catalog, the ones this prober and the reference server cover."""
ROWS = [row for row in load_dataset(ROOT / "data").catalog.rows.values() if row.id in ENDPOINT_ROWS]
NOT_PROBED = {"server.multi_model", "server.remote_access"}


def probe(server: RefServer, **options: object) -> Report:
    """One full run against a reference server, as the CLI would do it."""
    config = ProbeConfig(
        base_url=server.base_url,
        implementation="openai",
        model="ref-chat",
        embedding_model="ref-embed",
        api_key=KEY,
        concurrency=8,
        timeout=10,
        deadline=60,
        **options,
    )
    return asyncio.run(run_probes(config, ROWS))


@pytest.fixture(scope="module")
def clean() -> tuple[Report, RefServer]:
    with RefServer(api_key=KEY) as server:
        return probe(server), server


def test_every_endpoint_row_has_a_probe_and_every_probe_a_row() -> None:
    assert set(REGISTRY) >= ENDPOINT_ROWS
    assert set(REGISTRY) <= set(load_dataset(ROOT / "data").catalog.rows)


def test_clean_server_passes_every_probed_row(clean: tuple[Report, RefServer]) -> None:
    report, _ = clean
    statuses = {r.row: r.status for r in report.results}
    assert set(statuses) == ENDPOINT_ROWS
    failing = {
        row: (s, report.result_for(row).message)
        for row, s in statuses.items()
        if row not in NOT_PROBED and s is not Status.PASS
    }
    assert failing == {}
    assert {statuses[row] for row in NOT_PROBED} == {Status.UNTESTED}
    assert all(r.evidence for r in report.results if r.row not in NOT_PROBED)


def test_report_metadata(clean: tuple[Report, RefServer]) -> None:
    report, server = clean
    assert report.run_id.startswith("openai-") and len(report.run_id.rsplit("-", 1)[1]) == 8
    assert report.base_url == server.base_url.removesuffix("/v1")
    assert report.prober and report.prober.startswith("aioc ")
    assert report.implementation_version == "aioc-refserver/1.0"
    assert report.models == ["ref-chat", "ref-embed"]


def test_report_loads_with_the_dataset_and_holds_no_key(
    clean: tuple[Report, RefServer], tmp_path: Path
) -> None:
    report, server = clean
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    target = data / "reports" / "openai" / f"{report.run_id}.json"
    target.write_text(report_json(report), encoding="utf-8")
    loaded = load_dataset(data)
    assert report.run_id in {r.report.run_id for r in loaded.reports}
    assert KEY not in target.read_text()
    # the key really was sent, so its absence above means something
    assert any(headers.get("Authorization") == f"Bearer {KEY}" for _, _, headers in server.requests)
    assert not any(
        "authorization" in json.dumps(e.request.headers).lower() for r in report.results for e in r.evidence
    )


# What each switch must change, compared with the clean run. Every other cell must stay as it was.
EXPECTED: dict[str, dict[str, Status]] = {
    "models_list_missing": {"models.list": Status.FAIL},
    "models_list_no_object": {"models.list": Status.DEVIATION},
    "no_model_retrieve": {"models.retrieve": Status.FAIL},
    "chat_missing_created": {"chat.completions": Status.DEVIATION},
    "stream_ignored": {"chat.stream": Status.FAIL, "chat.stream_usage": Status.FAIL},
    "no_done": {"chat.stream": Status.DEVIATION},
    "chunk_bad_object": {"chat.stream": Status.DEVIATION},
    "no_usage_chunk": {"chat.stream_usage": Status.DEVIATION},
    "seed_ignored": {"chat.seed_determinism": Status.DEVIATION},
    "seed_refused": {"chat.seed": Status.FAIL, "chat.seed_determinism": Status.FAIL},
    "json_schema_ignored": {"chat.json_schema": Status.DEVIATION},
    "json_object_ignored": {"chat.json_mode": Status.DEVIATION},
    "tools_ignored": {"chat.tools": Status.DEVIATION, "chat.tool_arguments": Status.UNTESTED},
    "tool_arguments_object": {"chat.tool_arguments": Status.DEVIATION},
    "error_no_param": {"errors.envelope": Status.DEVIATION},
    "error_code_int": {"errors.envelope": Status.DEVIATION},
    "no_cache": {"chat.cache_prompt": Status.DEVIATION},
    "no_logprobs": {"chat.logprobs": Status.DEVIATION},
    "image_refused": {"chat.vision": Status.FAIL},
    "image_ignored": {"chat.vision": Status.DEVIATION},
    "n_ignored": {"chat.n": Status.DEVIATION},
    "n_null_index": {"chat.n": Status.DEVIATION},
    "temperature_ignored": {"chat.sampling": Status.DEVIATION},
    "max_tokens_ignored": {"chat.max_tokens": Status.DEVIATION},
    "max_completion_tokens_ignored": {"chat.max_tokens": Status.DEVIATION},
    "stop_ignored": {"chat.stop": Status.DEVIATION},
    "completions_missing": {"completions": Status.FAIL},
    "completions_bad_object": {"completions": Status.DEVIATION},
    "embeddings_missing": {"embeddings": Status.FAIL},
    "embeddings_base64": {"embeddings": Status.DEVIATION},
    "no_transcriptions": {"audio.transcriptions": Status.FAIL},
    "no_translations": {"audio.translations": Status.FAIL},
    "no_speech": {"audio.speech": Status.FAIL},
    "speech_mp3": {"audio.speech": Status.DEVIATION},
    "no_image_generations": {"images.generations": Status.FAIL},
    "no_image_edits": {"images.edits": Status.FAIL},
    "no_image_variations": {"images.variations": Status.FAIL},
    "responses_missing_fields": {"responses": Status.DEVIATION},
    "no_responses": {"responses": Status.FAIL},
    "no_compact": {"responses.compact": Status.FAIL},
    "no_realtime": {"realtime": Status.FAIL},
    "no_moderations": {"moderations": Status.FAIL},
    "no_files": {"files": Status.FAIL},
    "no_fine_tuning": {"fine_tuning.jobs": Status.FAIL},
    "auth_disabled": {"server.api_key": Status.FAIL},
    "auth_403": {"server.api_key": Status.DEVIATION},
}


def test_every_switch_has_an_expectation() -> None:
    assert set(EXPECTED) == set(DEVIATIONS)


@pytest.mark.parametrize("switch", sorted(EXPECTED))
def test_each_deviation_flips_exactly_its_cells(switch: str, clean: tuple[Report, RefServer]) -> None:
    baseline = {r.row: r.status for r in clean[0].results}
    with RefServer(api_key=KEY, deviations={switch}) as server:
        report = probe(server)
    changed = {r.row: r.status for r in report.results if r.status is not baseline[r.row]}
    assert changed == EXPECTED[switch]
    for row in changed:
        result = report.result_for(row)
        assert result.message, f"{row} changed without saying why"
        if result.status.tested:
            assert result.evidence


def test_messages_name_what_deviates() -> None:
    with RefServer(api_key=KEY, deviations={"error_no_param", "error_code_int", "no_done"}) as server:
        report = probe(server)
    envelope = report.result_for("errors.envelope").message
    assert "`param` is missing" in envelope and "`code` is an integer" in envelope
    assert "without `data: [DONE]`" in report.result_for("chat.stream").message


def test_a_null_choice_index_is_named_not_a_crash() -> None:
    """A null index does not sort with numbers; the probe shows the indices as they came."""
    with RefServer(api_key=KEY, deviations={"n_null_index"}) as server:
        report = probe(server)
    result = report.result_for("chat.n")
    assert result.status is Status.DEVIATION
    assert result.message == "the two choices have indices [0, None], not [0, 1]"


def test_cli_writes_the_report_and_never_shows_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AIOC_TEST_KEY", KEY)
    output = tmp_path / "run.json"
    with RefServer(api_key=KEY, deviations={"auth_disabled"}) as server:
        code = main(
            [
                "probe",
                "--base-url",
                server.base_url,
                "--model",
                "ref-chat",
                "--api-key-env",
                "AIOC_TEST_KEY",
                "--implementation",
                "openai",
                "--output",
                str(output),
                "--concurrency",
                "8",
                "--data",
                str(ROOT / "data"),
            ]
        )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    report = Report.model_validate_json(output.read_text())
    # no --embedding-model: discovery picked the embedding model the server lists
    assert report.models == ["ref-chat", "ref-embed"]
    assert report.result_for("embeddings").status is Status.PASS
    assert report.result_for("server.api_key").status is Status.FAIL
    assert "server.api_key" in captured.out and "wrote" in captured.err
    for text in (output.read_text(), captured.out, captured.err):
        assert KEY not in text


def test_cli_reads_openai_environment_variables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "run.json"
    with RefServer(api_key=KEY) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", KEY)
        args = ["probe", "--model", "ref-chat", "--implementation", "openai", "--output", str(output)]
        assert main([*args, "--concurrency", "8"]) == 0, capsys.readouterr().err
    report = Report.model_validate_json(output.read_text())
    assert report.result_for("server.api_key").status is Status.PASS
    assert report.result_for("chat.completions").status is Status.PASS


@pytest.mark.parametrize(
    ("extra", "env", "words"),
    [
        (["--base-url", "localhost:8080"], {}, "must start with http:// or https://"),
        (
            ["--base-url", "http://127.0.0.1:9/v1", "--implementation", "nope"],
            {},
            "unknown implementation 'nope'",
        ),
        (
            ["--base-url", "http://127.0.0.1:9/v1", "--api-key-env", "AIOC_UNSET_VAR"],
            {},
            "AIOC_UNSET_VAR is not set",
        ),
        (["--base-url", "http://127.0.0.1:9/v1", "--timeout", "soon"], {}, "--timeout must be a number"),
        (
            ["--base-url", "http://127.0.0.1:9/v1", "--concurrency", "0"],
            {},
            "--concurrency must be greater than 0",
        ),
        ([], {"OPENAI_BASE_URL": ""}, "--base-url is required"),
    ],
)
def test_cli_usage_errors_are_one_line(
    extra: list[str],
    env: dict[str, str],
    words: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.delenv("AIOC_UNSET_VAR", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    base = ["probe", "--model", "m", "--output", str(tmp_path / "r.json")]
    if "--implementation" not in extra:
        base += ["--implementation", "openai"]
    assert main([*base, *extra]) == 2
    err = capsys.readouterr().err
    assert words in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not (tmp_path / "r.json").exists()
