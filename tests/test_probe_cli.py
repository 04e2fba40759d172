"""`aioc probe` as CI uses it: output forms, --fail-on exit codes, row selection, repeated flaky
probes, bad input and faults as one line, and a start-up that does not load the prober."""

from __future__ import annotations

import asyncio
import http.server
import json
import re
import socket
import ssl
import subprocess
import sys
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from itertools import count
from pathlib import Path

import pytest
from refserver import FaultServer, RefServer

from probes.cli.formats import FailOn, failing
from probes.cli.main import main
from probes.load.dataset import load_dataset
from probes.model.report import Report
from probes.model.status import Status
from probes.model.text import plain
from probes.prober.endpoints import REGISTRY
from probes.prober.endpoints.registry import Grade, ProbeContext, ProbeSpec, deviation, passed
from probes.prober.run import ProbeConfig, run_probes, tally

ROOT = Path(__file__).resolve().parents[1]
KEY = "sk-cli-test-Pw7s2KdX"
CATALOG = load_dataset(ROOT / "data").catalog


@pytest.fixture(scope="module")
def flawed() -> Iterator[RefServer]:
    """A reference server with one missing route (files ❌) and one deviation (chat.stream ⚠️)."""
    with RefServer(api_key=KEY, deviations={"no_files", "no_done"}) as server:
        yield server


def probe(
    server_url: str, tmp_path: Path, *extra: str, env_key: str | None = KEY
) -> tuple[int, Path, str, str]:
    """Run `aioc probe` in-process; the exit code, the report path, stdout and stderr."""
    output = tmp_path / f"report-{next(_runs)}.json"
    args = ["probe", "--base-url", server_url, "--implementation", "openai", "--output", str(output)]
    if env_key:
        args += ["--api-key-env", "AIOC_CLI_KEY"]
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("OPENAI_API_KEY", raising=False)
        if env_key:
            patch.setenv("AIOC_CLI_KEY", env_key)
        capture = _Capture()
        with capture:
            code = main([*args, "--concurrency", "8", "--timeout", "10", *extra])
    return code, output, capture.out, capture.err


_runs = count()


class _Capture:
    """stdout and stderr of one in-process run (pytest's capsys cannot be entered twice per test)."""

    def __enter__(self) -> None:
        import io

        self._saved = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = io.StringIO(), io.StringIO()

    def __exit__(self, *exc_info: object) -> None:
        out, err = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = self._saved
        self.out, self.err = out.getvalue(), err.getvalue()


SUBSET = "models.list,files,chat.stream,embeddings,chat.seed_determinism"


def test_junit_has_one_case_per_row_and_matches_the_report(flawed: RefServer, tmp_path: Path) -> None:
    code, output, out, err = probe(
        flawed.base_url, tmp_path, "--only", SUBSET, "--format", "junit", "--fail-on", "deviation"
    )
    assert code == 1, err
    report = Report.model_validate_json(output.read_text())
    suite = ET.fromstring(out).find("testsuite")
    cases = suite.findall("testcase")
    assert len(cases) == len(report.results) == 5 == int(suite.get("tests"))
    by_row = {case.get("name").split(":")[0]: case for case in cases}
    assert set(by_row) == {r.row for r in report.results}
    below = [r for r in report.results if failing(r, FailOn.DEVIATION)]
    assert {r.row for r in below} == {"files", "chat.stream"}
    assert int(suite.get("failures")) == len(below)
    for result in report.results:
        case = by_row[result.row]
        assert case.get("classname") == f"aioc.{CATALOG.rows[result.row].family.value}"
        failure = case.find("failure")
        if result in below:
            assert failure.get("type") == result.status.value
            assert result.message.replace("`", "")[:40] in failure.get("message").replace("`", "")
            first = result.evidence[0]
            assert f"{first.request.method} {first.request.path} -> {first.response.status}" in failure.text
        else:
            assert failure is None
    assert "<testsuites" not in err and KEY not in out + err + output.read_text()


def test_exit_codes_follow_fail_on(flawed: RefServer, tmp_path: Path) -> None:
    def code(only: str, fail_on: str) -> int:
        return probe(flawed.base_url, tmp_path, "--only", only, "--fail-on", fail_on, "--runs", "1")[0]

    assert code("files,chat.stream,models.list", "none") == 0
    assert code("files,chat.stream,models.list", "fail") == 1  # files ❌
    assert code("files,chat.stream,models.list", "deviation") == 1
    assert code("chat.stream,models.list", "fail") == 0  # only a ⚠️
    assert code("chat.stream,models.list", "deviation") == 1
    assert code("models.list", "deviation") == 0


def test_markdown_to_a_file_and_json_to_stdout(flawed: RefServer, tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    code, output, out, _ = probe(
        flawed.base_url, tmp_path, "--only", "files,models.*", "--format", "markdown", "--format-output",
        str(summary), "--fail-on", "fail",
    )  # fmt: skip
    assert code == 1
    text = summary.read_text()
    titles = {row: plain(CATALOG.rows[row].title) for row in ("models.list", "files")}
    assert f"| {titles['models.list']} | ✅ pass |" in text
    assert f"| {titles['files']} | ❌ not implemented or failing | no such route: 404" in text
    assert "`--fail-on fail`: ❌ below the bar" in text
    assert "models.list" in out, "stdout keeps the table when the form goes to a file"
    code, output, out, _ = probe(flawed.base_url, tmp_path, "--only", "models.list", "--format", "json")
    assert code == 0 and json.loads(out) == json.loads(output.read_text())


def test_only_and_skip_select_rows_by_glob(flawed: RefServer, tmp_path: Path) -> None:
    code, output, _, err = probe(
        flawed.base_url, tmp_path, "--only", "chat.*", "--only", "models.list",
        "--skip", "chat.s*,chat.tool*", "--runs", "1",
    )  # fmt: skip
    assert code == 0, err
    rows = {r.row for r in Report.model_validate_json(output.read_text()).results}
    expected = {r for r in REGISTRY if r.startswith("chat.") and not r.startswith(("chat.s", "chat.tool"))}
    assert rows == expected | {"models.list"} and "chat.n" in rows


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (["--only", "chat.nope*"], "--only 'chat.nope*' matches no probed row"),
        (["--skip", "*"], "leave no row to probe"),
        (["--runs", "0"], "--runs must be greater than 0"),
        (["--format-output", "x.md"], "--format-output needs --format json, junit or markdown"),
        (["--implementation", "my-server"], "unknown implementation 'my-server'"),
    ],
)
def test_selection_mistakes_are_one_line(extra: list[str], words: str, tmp_path: Path) -> None:
    code, output, _, err = probe("http://127.0.0.1:9/v1", tmp_path, *extra)
    assert code == 2 and words in err and len(err.strip().splitlines()) == 1
    assert not output.exists()


def test_unlisted_implementation_is_accepted_on_request(flawed: RefServer, tmp_path: Path) -> None:
    code, output, _, err = probe(
        flawed.base_url, tmp_path, "--only", "models.list", "--implementation", "my-server", "--unlisted"
    )
    assert code == 0, err
    assert Report.model_validate_json(output.read_text()).implementation == "my-server"


# ---- flaky probes ------------------------------------------------------------------------------


def test_flaky_probes_run_k_times_and_say_k_of_n(flawed: RefServer, tmp_path: Path) -> None:
    _, output, _, _ = probe(flawed.base_url, tmp_path, "--only", "chat.seed_determinism,chat.tools,chat.n")
    report = Report.model_validate_json(output.read_text())
    seed = report.result_for("chat.seed_determinism")
    assert (seed.status, seed.runs, seed.agreeing) == (Status.PASS, 3, 3)
    assert seed.message.startswith("3 of 3 runs: ")
    assert len(seed.evidence) == 9 and seed.evidence[3].label.startswith("run 2 of 3: ")
    assert report.result_for("chat.n").runs is None, "only flaky probes repeat"
    _, output, _, _ = probe(flawed.base_url, tmp_path, "--only", "chat.tools", "--runs", "5")
    assert Report.model_validate_json(output.read_text()).result_for("chat.tools").runs == 5


def test_a_missing_route_is_tried_once(tmp_path: Path) -> None:
    with RefServer(api_key=KEY, deviations={"seed_refused"}) as server:
        _, output, _, _ = probe(server.base_url, tmp_path, "--only", "chat.seed_determinism")
    result = Report.model_validate_json(output.read_text()).result_for("chat.seed_determinism")
    assert result.status is Status.FAIL and result.runs is None and len(result.evidence) == 1


def test_tally_takes_the_majority_and_ties_go_to_the_worse_grade() -> None:
    grade = tally([passed("same"), deviation("differs"), passed("same")])
    assert (grade.status, grade.runs, grade.agreeing) == (Status.PASS, 3, 2)
    assert grade.message == "2 of 3 runs: same (other runs: 1 pass with deviation)"
    assert tally([passed("a"), deviation("b")]).status is Status.DEVIATION
    from probes.prober.endpoints.registry import untested

    grade = tally([untested("no call"), passed("called"), untested("no call")])
    assert (grade.status, grade.agreeing) == (Status.PASS, 1), "untested runs count only when all are"
    assert tally([untested("x"), untested("y")]).message.startswith("2 of 2 runs: x")


def test_prober_repeats_a_registered_flaky_probe(flawed: RefServer) -> None:
    answers = iter([passed("worked"), deviation("did not"), passed("worked")])

    async def sometimes(ctx: ProbeContext) -> Grade:
        ask = {"model": "ref-chat", "messages": [{"role": "user", "content": "Hi."}], "max_tokens": 1}
        await ctx.send(ctx.route(), ask, label="ask")  # the row's own route, as every probe's
        return next(answers)

    registry = {"chat.tools": ProbeSpec(row="chat.tools", func=sometimes, flaky=True)}
    config = ProbeConfig(base_url=flawed.base_url, implementation="openai", api_key=KEY, runs=3)
    report = asyncio.run(run_probes(config, list(CATALOG.rows.values()), registry=registry))
    (result,) = report.results
    assert (result.status, result.runs, result.agreeing) == (Status.PASS, 3, 2)
    assert result.message == "2 of 3 runs: worked (other runs: 1 pass with deviation)"


# ---- bad input and faults ----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def assert_one_problem_line(err: str, words: str) -> None:
    lines = [line for line in err.splitlines() if line.startswith("aioc probe:")]
    assert len(lines) == 1 and words in lines[0], err
    assert "Traceback" not in err


def test_unreachable_host_is_one_line_and_an_untested_report(tmp_path: Path) -> None:
    code, output, _, err = probe(f"http://127.0.0.1:{free_port()}/v1", tmp_path, "--model", "m")
    assert code == 2
    assert_one_problem_line(err, "the server could not be reached: could not connect")
    report = Report.model_validate_json(output.read_text())
    assert len(report.results) == len([r for r in CATALOG.rows if r in REGISTRY])
    for result in report.results:
        assert result.status is Status.UNTESTED, (result.row, result.status)
        assert result.message.startswith("not probed: the server could not be reached")
        assert result.evidence[0].error and result.evidence[0].response is None


def probe_interleaved(
    base_url: str, output: Path, *extra: str, key: str | None = None
) -> tuple[int, list[str]]:
    """Run `aioc probe` in-process with stdout and stderr in one stream, in the order a terminal
    shows them (2>&1); the exit code and the lines."""
    import io

    both = io.StringIO()
    args = ["probe", "--base-url", base_url, "--implementation", "openai", "--output", str(output)]
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("OPENAI_API_KEY", raising=False)
        if key:
            patch.setenv("AIOC_CLI_KEY", key)
            args += ["--api-key-env", "AIOC_CLI_KEY"]
        patch.setattr(sys, "stdout", both)
        patch.setattr(sys, "stderr", both)
        code = main([*args, "--timeout", "10", *extra])
    return code, both.getvalue().splitlines()


def row_lines(lines: list[str], output: Path) -> list[int]:
    """The indices of the lines that list one of the report's rows (progress or table)."""
    row_ids = {r.row for r in Report.model_validate_json(output.read_text()).results}
    return [i for i, line in enumerate(lines) if row_ids & set(re.split(r"[\s│|]+", line))]


def test_an_unreachable_server_is_said_first_and_its_rows_are_not_listed(tmp_path: Path) -> None:
    """One error line, not ~100 identical "not tested" rows before it: the report has the rows."""
    output = tmp_path / "report.json"
    code, lines = probe_interleaved(f"http://127.0.0.1:{free_port()}/v1", output, "--model", "m")
    assert code == 2
    assert lines[0].startswith("aioc probe: the server could not be reached: could not connect"), lines
    assert row_lines(lines, output) == [], "no row is listed when none could be reached"
    assert len(lines) == 2 and str(output) in lines[1] and "rows not tested" in lines[1]


def test_a_run_problem_comes_before_the_table(tmp_path: Path) -> None:
    output = tmp_path / "report.json"
    with RefServer(api_key=KEY) as server:
        only = "models.list,chat.completions,embeddings"
        code, lines = probe_interleaved(server.base_url, output, "--only", only, key="sk-wrong-key-000")
    assert code == 2
    [problem] = [i for i, line in enumerate(lines) if line.startswith("aioc probe:")]
    assert "refused the API key" in lines[problem]
    table = [i for i in row_lines(lines, output) if "│" in lines[i]]
    assert table and problem < min(table), lines  # the server answered: its rows are still shown


def test_plain_http_answering_a_tls_handshake_is_a_tls_error(tmp_path: Path) -> None:
    with RefServer(api_key=KEY) as server:
        code, output, _, err = probe(server.base_url.replace("http://", "https://"), tmp_path)
    assert code == 2
    assert_one_problem_line(err, "the TLS handshake failed")
    assert {r.status for r in Report.model_validate_json(output.read_text()).results} == {Status.UNTESTED}


@pytest.fixture
def self_signed(tmp_path: Path) -> Iterator[str]:
    """An HTTPS server on 127.0.0.1 with a certificate no one signed."""
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
         "-days", "1", "-subj", "/CN=127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


def test_an_unverifiable_certificate_is_a_tls_error(self_signed: str, tmp_path: Path) -> None:
    code, output, _, err = probe(self_signed, tmp_path, "--only", "models.list,realtime")
    assert code == 2
    assert_one_problem_line(err, "the TLS handshake failed")
    assert "CERTIFICATE_VERIFY_FAILED" in err
    results = Report.model_validate_json(output.read_text()).results
    assert {r.status for r in results} == {Status.UNTESTED}


def test_a_wrong_key_is_one_line_and_a_report_that_says_so(tmp_path: Path) -> None:
    with RefServer(api_key=KEY) as server:
        code, output, _, err = probe(server.base_url, tmp_path, env_key="sk-wrong-key-000")
    assert code == 2
    assert_one_problem_line(err, "refused the API key on")
    report = Report.model_validate_json(output.read_text())
    assert not [r.row for r in report.results if r.status is Status.FAIL]
    assert (
        "/v1/models answered 401 (the API key was refused)" in report.result_for("chat.completions").message
    )
    assert "sk-wrong-key-000" not in output.read_text() + err


def test_a_server_that_stops_mid_answer_is_still_graded_fail(tmp_path: Path) -> None:
    with FaultServer("status500") as server:
        code, output, _, err = probe(server.base_url, tmp_path, "--model", "m", "--only", "chat.completions")
    assert code == 0, err
    assert Report.model_validate_json(output.read_text()).result_for("chat.completions").status is Status.FAIL


def test_aioc_starts_without_loading_the_prober() -> None:
    code = (
        "import sys; from probes.cli.main import build_parser; build_parser(); "
        "mods = ('openai', 'probes.prober.endpoints', 'probes.prober.run', 'httpx', 'websockets'); "
        "print(sorted(m for m in mods if m in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"


def test_the_prober_page_documents_every_option_and_exit_code() -> None:
    from probes.cli.main import build_parser

    page = (ROOT / "docs" / "prober.md").read_text(encoding="utf-8")
    parser = build_parser()
    probe_parser = parser._subparsers._group_actions[0].choices["probe"]
    options = {o for action in probe_parser._actions for o in action.option_strings if o.startswith("--")}
    options -= {"--help"}
    assert options and not [o for o in options if f"`{o}" not in page]
    for code in ("`0`", "`1`", "`2`"):
        assert f"| {code} |" in page
    for form in ("`json`", "`junit`", "`markdown`", "`table`"):
        assert form in page


def test_a_base_url_that_misses_the_api_is_one_line(tmp_path: Path) -> None:
    with RefServer(api_key=KEY) as server:
        wrong = server.base_url.removesuffix("/v1") + "/api/v1"  # every path 404, /v1/models too
        code, output, _, err = probe(wrong, tmp_path, "--model", "ref-chat", "--runs", "1")
    assert code == 2
    assert_one_problem_line(err, "answered 404, /v1/models too: is the base URL right")
    assert "no such route" in Report.model_validate_json(output.read_text()).result_for("files").message
