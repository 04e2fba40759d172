"""Hostile input: the prober never leaks the key and never loses a run, whatever a server answers.

Each test runs real HTTP against a :class:`refserver.faults.HostileServer` whose answers the test
writes (a key echoed at any offset, a body cut through a key, rich markup, terminal escapes, HTML in
a model id, binary junk) and reads all the prober gives back: the report file, stdout, stderr,
JUnit and Markdown. Keys, offsets, cut points and hostile text are drawn by hypothesis.
"""

from __future__ import annotations

import asyncio
import io
import json
import string
import sys
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from itertools import count
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from refserver.faults import KEY_MARK, Hostile, HostileServer

from probes.cli.formats import FailOn, to_junit, to_markdown
from probes.cli.main import build_parser, main
from probes.load.dataset import load_dataset
from probes.model.redact import CUT_PREFIX, REDACTED
from probes.model.report import Report
from probes.model.status import Status
from probes.model.text import plain
from probes.prober.run import ProbeConfig, probe_run, report_json

ROOT = Path(__file__).resolve().parents[1]
CATALOG = load_dataset(ROOT / "data").catalog
ROWS = list(CATALOG.rows.values())
KEY_VARIABLE = "AIOC_HOSTILE_KEY"

KEYS = st.text(string.ascii_letters + string.digits + "-_", min_size=6, max_size=32).map(
    lambda s: "sk-" + "".join(c + str(i % 10) for i, c in enumerate(s))
)
"""Keys with a digit at every other place, so that no piece of one is a word the output has anyway
(a drawn key holding "plementa" would otherwise match "implementation")."""
"""API keys as providers issue them: a prefix and a long run of letters, digits, dashes, underscores."""

SERVER_TESTS = settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
"""Each example is a whole run over real HTTP: fewer examples, and no deadline per example."""


@pytest.fixture(scope="module")
def server() -> Iterator[HostileServer]:
    """One hostile server for the module; each test (and each example) sets what it answers."""
    with HostileServer() as hostile:
        yield hostile


def plan(server: HostileServer, **answers: object) -> None:
    """Make the server answer so from now on; every field not named goes back to its default."""
    server.hostile.__dict__.update(vars(Hostile(**answers)))  # type: ignore[arg-type]


class Run:
    """What one in-process `aioc probe` gave back: exit code, stdout, stderr and the files written."""

    def __init__(self, code: int, out: str, err: str, report: Path, form: Path) -> None:
        self.code, self.out, self.err = code, out, err
        self.report_text = report.read_text(encoding="utf-8") if report.exists() else ""
        self.form = form.read_text(encoding="utf-8") if form.exists() else ""

    @property
    def everything(self) -> str:
        return "\n".join((self.out, self.err, self.report_text, self.form))

    def report(self) -> Report:
        return Report.model_validate_json(self.report_text)


_runs = count()


def capture(args: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    """``aioc`` in-process: exit code (argparse's exits included), stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("OPENAI_API_KEY", raising=False)
        for name, value in env.items():
            patch.setenv(name, value)
        patch.setattr(sys, "stdout", out)
        patch.setattr(sys, "stderr", err)
        try:
            code = main(args)
        except SystemExit as exc:
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def probe(base_url: str, tmp: Path, key: str, *extra: str) -> Run:
    """`aioc probe` with the key in an environment variable; a --format form goes to a file, so that
    stdout has the table (wide enough to keep each row on one line)."""
    number = next(_runs)
    report, form = tmp / f"report-{number}.json", tmp / f"form-{number}.txt"
    args = ["probe", "--base-url", base_url, "--implementation", "openai", "--output", str(report)]
    args += ["--api-key-env", KEY_VARIABLE, "--timeout", "5", "--runs", "1", "--concurrency", "4", *extra]
    if "--format" in extra:
        args += ["--format-output", str(form)]
    code, out, err = capture(args, {KEY_VARIABLE: key, "COLUMNS": "2000"})
    return Run(code, out, err, report, form)


def windows(key: str, size: int) -> list[str]:
    """Every run of ``size`` characters of the key: what a cut anywhere through it could leave."""
    return [key[i : i + size] for i in range(len(key) - size + 1)]


def assert_no_key(key: str, text: str, size: int = 8) -> None:
    found = [part for part in windows(key, size) if part in text]
    assert not found, f"{len(found)} pieces of the key survive, e.g. {found[0]!r}"


def assert_no_controls(text: str) -> None:
    bad = sorted({f"U+{ord(c):04X}" for c in text if unicodedata.category(c) in ("Cc", "Cs") and c != "\n"})
    assert not bad, f"control characters reach the output: {bad}"


# ---- 1. redaction comes before every cut -------------------------------------------------------


@SERVER_TESTS
@given(key=KEYS, offset=st.integers(0, 420))
@example(key="sk-live-0123456789abcdefghijKLMNOP", offset=80)  # the 100-character quote cuts the key
def test_a_key_echoed_anywhere_in_a_message_never_shows(
    server: HostileServer, tmp_path: Path, key: str, offset: int
) -> None:
    """The key at any offset of an error message: no message, table, JUnit or Markdown keeps a piece."""
    plan(server, body="x" * offset + " " + KEY_MARK + " (check your key)")
    for form in ("junit", "markdown"):
        run = probe(
            server.base_url,
            tmp_path,
            key,
            "--only",
            "chat.completions",
            "--format",
            form,
            "--fail-on",
            "fail",
        )
        assert run.code == 1, run.err
        assert "chat.completions" in run.out and REDACTED in run.report_text
        assert_no_key(key, run.everything)


@settings(max_examples=20, deadline=None)
@given(key=KEYS, kept=st.integers(CUT_PREFIX, 66))
@example(key="sk-proj-AbCdEfGhIjKlMnOpQrStUvWx", kept=CUT_PREFIX)
def test_a_body_cut_at_the_cap_keeps_no_start_of_the_key(key: str, kept: int) -> None:
    """A body that the size cap cuts inside the key: not even the key's first CUT_PREFIX characters stay."""
    kept, cap = min(kept, len(key) - 1), 8192
    body = b"." * (cap - kept) + key.encode() + b"." * 500  # reading stops after `kept` characters of the key
    with HostileServer(Hostile(status=200, body=body)) as hostile:
        config = ProbeConfig(
            base_url=hostile.base_url,
            implementation="openai",
            api_key=key,
            only=frozenset({"chat.completions"}),
            max_body_bytes=cap,
            runs=1,
            timeout=5,
        )
        report = asyncio.run(probe_run(config, ROWS)).report
    evidence = report.result_for("chat.completions").evidence[0].response
    assert evidence.truncated and f"stopped reading after {cap} bytes" in evidence.body
    assert key[:kept] not in evidence.body and REDACTED in evidence.body
    shown = report_json(report) + to_junit(report, CATALOG, FailOn.FAIL) + to_markdown(report, CATALOG)
    assert key[:kept] not in shown


# ---- 2. everything printed goes through the same redaction -------------------------------------


def test_a_model_named_after_the_key_is_never_printed(server: HostileServer, tmp_path: Path) -> None:
    """A server that lists the key as a model, and echoes it in a message and a header: progress
    lines, table, report and every form show ``[redacted]`` (as text, which rich does not eat)."""
    key = "sk-live-Zq81mNf2Pw7s2KdX0123"
    header = f'WWW-Authenticate: Bearer realm="{KEY_MARK}"'.encode()
    plan(server, models=[KEY_MARK, f"embed-{KEY_MARK}"], body=f"bad key {KEY_MARK}", header_line=header)
    for form in ("junit", "markdown", "json"):
        run = probe(
            server.base_url, tmp_path, key, "--only", "models.list,chat.completions", "--format", form
        )
        assert run.code == 0, run.err
        assert_no_key(key, run.everything, size=CUT_PREFIX + 2)
        models_line = next(line for line in run.err.splitlines() if line.startswith("models:"))
        assert f"chat {REDACTED}, embedding embed-{REDACTED}" in models_line
        assert run.report().models == [REDACTED, f"embed-{REDACTED}"]


# ---- 3. a server's text is data, never markup or terminal control ------------------------------

TAG = st.from_regex(r"\[/?[a-z#@][a-z0-9=#@._-]{0,10}\]", fullmatch=True)
WORD = st.text(string.ascii_letters + string.digits + "\\/=:#@.-", min_size=1, max_size=8)
BRACKETED = (
    st.lists(st.one_of(TAG, WORD), min_size=1, max_size=8).map(" ".join).filter(lambda s: len(s) <= 90)
)
"""Words and rich markup tags: ``[bold]``, ``[/]``, ``[link=…]``, ``[@click]``, a backslash before one."""


@SERVER_TESTS
@given(text=BRACKETED)
@example(text="[bold red]boom[/bold red] [/] \\[x] [link=https://example.com/]click[/link] :warning:")
def test_bracketed_server_text_is_printed_as_it_is(server: HostileServer, tmp_path: Path, text: str) -> None:
    """The progress line on stderr and the table on stdout show a server's brackets literally: the
    message as the report keeps it (the text itself, unless the report's rules had it neutralised)."""
    plan(server, body=text)
    run = probe(server.base_url, tmp_path, "sk-markup-0123456789", "--only", "chat.completions")
    assert run.code == 0, run.err
    message = plain(run.report().result_for("chat.completions").message)
    if not set(text) & set("/\\="):  # no URL, path or query: nothing the report could refuse
        assert message == f"refused the request: 400 {text}"
    assert message == f"refused the request: 400 {text}" or "server text neutralised" in message
    progress = next(line for line in run.err.splitlines() if " chat.completions " in line)
    assert progress.endswith(f"  {message}"), progress
    row = next(line for line in run.out.splitlines() if "chat.completions" in line)
    assert message in row


CONTROLS = st.characters(codec="utf-8", categories=["Cc"]) | st.sampled_from(
    ["\x1b[2J", "\x1b]0;pwned\x07", "\x9b31m", "\u202e"]
)
HOSTILE_TEXT = st.lists(st.one_of(CONTROLS, WORD), min_size=1, max_size=12).map("".join)


@SERVER_TESTS
@given(text=HOSTILE_TEXT, raw=st.booleans())
@example(text="\x1b]0;owned\x07\x1b[2J\x1b[31mred\x1b[0m\x07\r\x00\x08end", raw=True)
@example(text="\x1b]8;;https://example.com\x1b\\click\x1b]8;;\x1b\\ \u202egnp.exe", raw=False)
def test_terminal_controls_from_a_server_are_dropped(
    server: HostileServer, tmp_path: Path, text: str, raw: bool
) -> None:
    """Escape sequences and control characters (in an error envelope, or raw in the body) never
    reach stderr, stdout, the report's message, JUnit or Markdown; JUnit stays well-formed XML."""
    if raw:
        plan(server, body=text.encode(), content_type="text/plain")
    else:
        plan(server, body=text)
    for form in ("junit", "markdown"):
        extra = ("--only", "chat.completions", "--format", form, "--fail-on", "fail")
        run = probe(server.base_url, tmp_path, "sk-controls-0123456789", *extra)
        assert run.code == 1, run.err
        for output in (run.out, run.err, run.form, run.report().result_for("chat.completions").message):
            assert_no_controls(output)
        if form == "junit":
            ET.fromstring(run.form.encode("utf-8"))


# ---- 4. a key on the command line is refused, never echoed -------------------------------------

PASTED_KEYS = st.text(string.ascii_letters + string.digits + "-_.+/=", min_size=8, max_size=60).filter(
    lambda s: s[0].isalnum() and not s.replace("_", "a").isalnum()
)
"""Keys as a user might paste them; none is a variable name (each has a -, ., +, / or =)."""

BASE = ["probe", "--base-url", "http://127.0.0.1:9/v1", "--implementation", "openai", "--output", "x.json"]


@settings(max_examples=40, deadline=None)
@given(key=PASTED_KEYS)
@example(key="sk-live-0123456789abcdef")
def test_a_key_given_on_the_command_line_is_refused_unseen(key: str) -> None:
    """--api-key KEY, --api-key=KEY, --api-key-env KEY: one line, exit 2, the key nowhere; and no
    prefix of --api-key-env is taken for it (the value would be read as a variable name and shown)."""
    for given_as in (["--api-key", key], [f"--api-key={key}"], ["--api-key-env", key]):
        code, out, err = capture([*BASE, *given_as], {})
        assert code == 2
        assert key not in out + err
        assert len(err.strip().splitlines()) == 1, err
        assert "--api-key-env" in err and "the value given was not used" in err
    for near in ("--api", "--api-k", "--api-ke", "--api-key-e", f"--api-key-e={key}"):
        code, out, err = capture([*BASE, near, key], {})
        assert code == 2 and key not in out + err and near.split("=")[0] in err


def test_no_command_takes_an_abbreviated_option() -> None:
    """Every subcommand matches options by their full name only: a prefix is not understood."""
    parser = build_parser()
    subcommands = parser._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    checked = 0
    for name, sub in subcommands.items():
        options = {o for action in sub._actions for o in action.option_strings if o.startswith("--")}
        positionals = ["x" for action in sub._actions if not action.option_strings]
        for option in sorted(options - {"--help"}):
            prefix = option[:-1]
            if prefix in options:
                continue
            _, extras = parser.parse_known_args([name, prefix, "v", *positionals])
            assert prefix in extras, f"aioc {name} took {prefix} for {option}"
            checked += 1
    assert checked > 20


# ---- 5. hostile text never sinks a run ---------------------------------------------------------

HOSTILE_FIELDS = [
    ("<script src=https://evil.example/x.js></script>", None, "markup characters replaced in the model ids"),
    ("[click](javascript:alert(1))", None, "markup characters replaced in the model ids"),
    ("two\nlines\r\n<b>", None, "markup characters replaced in the model ids"),
    ("\x00\x1b[31m\ud800bin", None, "control characters dropped in the model ids"),
    ("hostile-chat", "javascript:alert(1)", "markup characters replaced in the version"),
    ("hostile-chat", "data:1.0", "markup characters replaced in the version"),
]


@pytest.mark.parametrize(("model", "version", "said"), HOSTILE_FIELDS, ids=range(len(HOSTILE_FIELDS)))
def test_a_hostile_model_id_or_version_still_gives_a_report(
    server: HostileServer, tmp_path: Path, model: str, version: str | None, said: str
) -> None:
    """HTML, a script link or control characters in the model listed or the version stated: the
    run ends with a valid report that keeps every graded row and says what it neutralised."""
    plan(server, models=[model], version=version)
    run = probe(
        server.base_url, tmp_path, "sk-hostile-id-0123456789", "--only", "models.list,chat.completions"
    )
    assert run.code == 0, run.err
    assert "the run failed" not in run.err and "Traceback" not in run.err
    report = run.report()
    assert {r.row for r in report.results} == {"models.list", "chat.completions"}
    assert report.result_for("chat.completions").status is Status.FAIL  # graded, not lost
    shown = [*report.models, report.implementation_version or ""]
    assert not [m for m in shown if "<" in m or "javascript:" in m.lower() or "data:" in m or "\n" in m]
    assert said in report.source_note
    assert_no_controls(run.err + run.out + "".join(shown))


@SERVER_TESTS
@given(
    model=st.text(st.characters(exclude_categories=[]), min_size=1, max_size=300),
    version=st.text(max_size=80),
)
@example(model="[/]", version="1 [bold]")
@example(model="m" * 5000, version="javascript:alert(1)")
def test_any_model_id_and_version_give_a_valid_report(
    server: HostileServer, tmp_path: Path, model: str, version: str
) -> None:
    """Whatever the server lists and states (lone surrogates, markup, 5000 characters), the run
    writes a report the site accepts, and JUnit that parses."""
    plan(server, models=[model], version=version + " 1")
    run = probe(
        server.base_url,
        tmp_path,
        "sk-any-id-0123456789",
        "--only",
        "models.list,chat.completions",
        "--format",
        "junit",
    )
    assert run.code == 0, run.err
    assert len(run.report().results) == 2
    ET.fromstring(run.form.encode("utf-8"))
    assert_no_controls(run.err + run.out)


BIG = 3_000_000


@pytest.mark.parametrize(
    "answer",
    [
        {"body": bytes(range(256)) * (BIG // 256), "content_type": "application/json"},
        {
            "body": json.dumps({"error": {"message": "\ud800\x00\x1b[2J<b>" * (BIG // 24)}}).encode()
        },  # parses: 3 MB
        {"header_line": b"<script>alert(1)</script>"},
        {"status": 999, "body": "a status no one defined"},
    ],
    ids=["binary", "surrogates-and-nul", "broken-header-line", "status-999"],
)
def test_a_huge_binary_or_broken_answer_still_gives_a_report(
    server: HostileServer, tmp_path: Path, answer: dict[str, object]
) -> None:
    """The row keeps its grade and its evidence; the report, JUnit and Markdown are all valid."""
    plan(server, **answer)
    for form in ("junit", "markdown"):
        extra = ("--model", "m", "--only", "chat.completions", "--format", form, "--fail-on", "fail")
        run = probe(server.base_url, tmp_path, "sk-huge-0123456789", *extra)
        assert run.code == 1, run.err
        result = run.report().result_for("chat.completions")
        assert result.status is Status.FAIL and result.evidence, result.message
        assert_no_controls(run.err + run.out + run.form)
        if form == "junit":
            ET.fromstring(run.form.encode("utf-8"))
