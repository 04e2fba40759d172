"""Nothing private is published, and no report is dated where no run can be.

Reports are public. These tests plant what a server's answer or a contributor's notes may carry —
a home folder path, a key in a header or a query string, the name of a machine on a private network,
a date in the wrong year — in every kind of text a report has, and check that the model refuses it
(so ``aioc probe``, which builds the same models, cannot write it) and that ``aioc validate`` says so
in one line naming the file and the JSON path. Generated names, paths and hosts come from hypothesis;
look-alikes that are fine (a URL path on a public host, ``WWW-Authenticate``, loopback) must pass.
"""

from __future__ import annotations

import copy
import datetime as dt
import ipaddress
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import DATA, ROOT, write_json
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from probes.cli.main import main
from probes.load.dataset import DataError, check_report, load_dataset, parse_model
from probes.model.redact import redact_base_url
from probes.model.report import SCHEMA_REF, Report
from probes.prober.http import KEPT_REQUEST_HEADERS, KEPT_RESPONSE_HEADERS

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def probed(run_id: str = "privacy-run") -> dict[str, Any]:
    """A valid probed report with one evidence exchange, as ``aioc probe`` writes one."""
    return {
        "$schema": SCHEMA_REF,
        "run_id": run_id,
        "implementation": "llama-cpp",
        "implementation_version": "b5000",
        "origin": "probed",
        "created": "2026-05-16T10:00:00Z",
        "models": ["gemma-3-270m"],
        "base_url": "http://127.0.0.1:8080/v1",
        "prober": "aioc 0.1.0",
        "results": [
            {
                "row": "models.list",
                "status": "pass",
                "evidence": [
                    {
                        "label": "list models",
                        "request": {"method": "GET", "path": "/v1/models", "headers": {}},
                        "response": {"status": 200, "headers": {}, "body": '{"object": "list"}'},
                    }
                ],
            }
        ],
    }


def problems_of(data: dict[str, Any]) -> list[tuple[str, str]]:
    """(JSON path, message) of every problem the loader finds in one report's model."""
    report, problems = parse_model(Report, data, "r.json", None)
    assert (report is None) == bool(problems)
    return [(p.path, p.message) for p in problems]


EVIDENCE = "results[0].evidence[0]"

# Where text can sit in a report, and the JSON path a problem there is named by.
PLACES: dict[str, tuple[Callable[[dict[str, Any], str], None], str]] = {
    "message": (lambda r, t: r["results"][0].__setitem__("message", t), "results[0].message"),
    "footnote": (lambda r, t: r["results"][0].__setitem__("footnote", t), "results[0].footnote"),
    "label": (lambda r, t: r["results"][0]["evidence"][0].__setitem__("label", t), f"{EVIDENCE}.label"),
    "error": (lambda r, t: r["results"][0]["evidence"][0].__setitem__("error", t), f"{EVIDENCE}.error"),
    "request path": (
        lambda r, t: r["results"][0]["evidence"][0]["request"].__setitem__("path", f"/v1/files {t}"),
        f"{EVIDENCE}.request.path",
    ),
    "request body": (
        lambda r, t: r["results"][0]["evidence"][0]["request"].__setitem__("body", json.dumps({"x": t})),
        f"{EVIDENCE}.request.body",
    ),
    "response body": (
        lambda r, t: r["results"][0]["evidence"][0]["response"].__setitem__("body", json.dumps({"id": t})),
        f"{EVIDENCE}.response.body",
    ),
    "request header": (
        lambda r, t: r["results"][0]["evidence"][0]["request"]["headers"].__setitem__("x-note", t),
        f'{EVIDENCE}.request.headers["x-note"]',
    ),
    "response header": (
        lambda r, t: r["results"][0]["evidence"][0]["response"]["headers"].__setitem__("server", t),
        f"{EVIDENCE}.response.headers.server",
    ),
    "source_note": (lambda r, t: r.__setitem__("source_note", t), "source_note"),
    "model": (lambda r, t: r.__setitem__("models", ["gemma-3-270m", t]), "models[1]"),
    "version": (lambda r, t: r.__setitem__("implementation_version", t), "implementation_version"),
}


def placed(place: str, text: str) -> dict[str, Any]:
    report = probed()
    PLACES[place][0](report, text)
    return report


# --- generated values -------------------------------------------------------------------------------

segment = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_-]{0,9}", fullmatch=True)
tail = st.lists(segment, min_size=1, max_size=3).map("/".join)
user = st.from_regex(r"[A-Za-z][A-Za-z0-9._-]{0,11}", fullmatch=True)


@st.composite
def windows_home(draw: st.DrawFn) -> str:
    sep = draw(st.sampled_from(["\\", "/", "\\\\"]))
    drive = draw(st.sampled_from("CDEcz"))
    users = draw(st.sampled_from(["Users", "users", "USERS"]))
    return f"{drive}:{sep}{users}{sep}{draw(user)}{sep}{draw(tail).replace('/', sep)}"


posix_local_path = st.one_of(
    st.builds("/home/{}/{}".format, user, tail),
    st.builds("/Users/{}/{}".format, user, tail),
    st.builds("/mnt/c/Users/{}/{}".format, user, tail),
    st.builds("/root/{}".format, tail),
    st.just("/root"),
    st.builds("/tmp/{}".format, tail),
    st.just("/tmp"),
    st.builds("/var/tmp/{}".format, tail),
    st.builds("/var/folders/{}".format, tail),
    st.builds("/private/var/folders/{}".format, tail),
    st.builds("/private/tmp/{}".format, tail),
)
cache_path = st.one_of(
    st.builds("/{}/.cache/{}".format, segment, tail),
    st.builds("/{}/Library/Caches/{}".format, segment, tail),
)
local_path = st.one_of(
    posix_local_path,
    cache_path,
    windows_home(),
    st.builds("~/{}".format, tail),
    st.builds("D:\\Data\\AppData\\Local\\{}".format, segment),
    st.builds("{}\\appdata\\roaming\\{}".format, segment, segment),
)
around = st.sampled_from(["{}", "see {}", "model {} loaded", "path={}", '"{}"', "({})", "`{}`", "{}: done"])

tld = st.sampled_from(["com", "org", "io", "dev", "net", "ai"])
public_host = st.builds(
    lambda labels, top: ".".join([*labels, top]),
    st.lists(st.from_regex(r"[a-z][a-z0-9]{0,8}", fullmatch=True), min_size=1, max_size=2),
    tld,
)

ipv4 = st.ip_addresses(v=4).filter(lambda ip: not ip.is_loopback and not ip.is_unspecified).map(str)
ipv6 = st.ip_addresses(v=6).filter(lambda ip: not ip.is_loopback and not ip.is_unspecified).map("[{}]".format)
single_label = st.from_regex(r"[a-z][a-z0-9-]{0,12}[a-z0-9]", fullmatch=True).filter(
    lambda h: h != "localhost"
)
private_suffix = st.sampled_from(["lan", "local", "internal", "home.arpa", "corp", "intranet", "localdomain"])
private_name = st.builds("{}.{}".format, single_label, private_suffix)
private_host = st.one_of(ipv4, ipv6, single_label, private_name, private_name.map(str.upper))
loopback_host = st.one_of(
    st.sampled_from(["localhost", "LocalHost", "[::1]", "private.invalid", "other-host.invalid", "0.0.0.0"]),
    st.tuples(*[st.integers(0, 255)] * 3).map(lambda t: "127.{}.{}.{}".format(*t)),
)
port = st.one_of(st.just(""), st.integers(1, 65535).map(":{}".format))
scheme = st.sampled_from(["http", "https", "ws", "wss", "HTTP"])


def mixed_case(name: str) -> st.SearchStrategy[str]:
    """The name in any case, with any spaces around it: how a hand-written file may spell it."""
    flips = st.lists(st.booleans(), min_size=len(name), max_size=len(name))
    pad = st.sampled_from(["", " ", "  ", "\t"])
    return st.builds(
        lambda up, left, right: (
            left + "".join(c.upper() if u else c for c, u in zip(name, up, strict=True)) + right
        ),
        flips,
        pad,
        pad,
    )


CREDENTIAL_HEADERS = [
    "authorization",
    "proxy-authorization",
    "x-api-key",
    "api-key",
    "x-goog-api-key",
    "ocp-apim-subscription-key",
    "cookie",
    "set-cookie",
    "x-auth-token",
]
credential_word = st.sampled_from(["key", "token", "secret", "auth"])
named_like_credential = st.builds(
    "{}-{}-{}".format,
    st.from_regex(r"[a-z0-9]{1,8}", fullmatch=True),
    credential_word,
    st.from_regex(r"[a-z0-9]{1,8}", fullmatch=True),
)
credential_header = st.one_of(st.sampled_from(CREDENTIAL_HEADERS), named_like_credential).flatmap(mixed_case)

secret_param = st.sampled_from(
    ["api_key", "apikey", "key", "token", "access_token", "secret", "client_secret", "auth", "x-api-key"]
).flatmap(lambda n: mixed_case(n).map(str.strip))
secret_value = st.from_regex(r"sk-[A-Za-z0-9_-]{1,24}", fullmatch=True)


# --- credentials in headers -------------------------------------------------------------------------


@FAST
@given(name=credential_header, side=st.sampled_from(["request", "response"]))
def test_a_credential_header_is_refused_in_requests_and_responses(name: str, side: str) -> None:
    report = probed()
    report["results"][0]["evidence"][0][side]["headers"][name] = "Bearer sk-live-123"
    [(path, message)] = problems_of(report)
    assert path == f"{EVIDENCE}.{side}.headers"
    assert f"header {name.strip()!r} carries credentials" in message


@FAST
@given(
    name=st.sampled_from(
        [*KEPT_RESPONSE_HEADERS, *KEPT_REQUEST_HEADERS, "x-ratelimit-remaining-tokens"]
    ).flatmap(mixed_case)
)
def test_headers_the_prober_keeps_are_not_taken_for_credentials(name: str) -> None:
    report = probed()
    report["results"][0]["evidence"][0]["response"]["headers"][name] = 'Bearer realm="api"'
    report["results"][0]["evidence"][0]["request"]["headers"][name] = "application/json"
    assert problems_of(report) == []


# --- machine-local paths ----------------------------------------------------------------------------


@FAST
@given(path=local_path, template=around, place=st.sampled_from(sorted(PLACES)))
def test_a_machine_local_path_is_refused_in_every_text(path: str, template: str, place: str) -> None:
    [(where, message)] = problems_of(placed(place, template.format(path)))
    assert where == PLACES[place][1]
    assert message.startswith("holds a machine-local path")
    assert "/" not in message and "\\" not in message, "the message must not repeat the path"


@FAST
@given(
    host=public_host,
    first=segment,
    path=posix_local_path,
    cache=cache_path,
    place=st.sampled_from(sorted(PLACES)),
)
def test_the_same_path_in_a_url_on_a_public_host_is_allowed(
    host: str, first: str, path: str, cache: str, place: str
) -> None:
    # A path that only starts with a local folder counts after a host even without a scheme; a cache
    # folder counts anywhere outside a URL, so it is tried inside URLs only.
    for text in (
        f"https://{host}{path}",
        f"see https://{host}/{first}{path} and {host}/{first}{path}",
        f"https://{host}{cache}?x=1",
    ):
        if place == "version" and len(text) > 120:
            continue  # a version is at most 120 characters long; that rule is not the one tried here
        assert problems_of(placed(place, text)) == [], text


def test_the_examples_named_in_the_brief() -> None:
    assert problems_of(placed("message", "https://github.com/x/tmp")) == []
    assert problems_of(placed("message", "built in C:/Users/ann/src"))[0][0] == "results[0].message"
    assert problems_of(placed("footnote", "[log](https://github.com/o/r/blob/main/tmp/run.log)")) == []
    assert problems_of(placed("message", "/tmpfs and /v1/users/me are not local")) == []
    # A file URL is a local path; the JSON escape of a slash hides nothing.
    assert problems_of(placed("response body", "file:///home/ann/m.gguf"))
    assert problems_of(placed("message", "\\/home\\/ann\\/m.gguf"))


# --- secrets in query strings -----------------------------------------------------------------------


@FAST
@given(name=secret_param, value=secret_value, host=public_host, place=st.sampled_from(sorted(PLACES)))
def test_a_secret_in_a_query_string_is_refused(name: str, value: str, host: str, place: str) -> None:
    text = f"https://{host}/v1/models?limit=2&{name}={value}"
    [(where, message)] = problems_of(placed(place, text))
    assert where == PLACES[place][1]
    assert f"secret in the query parameter {name!r}" in message
    assert value not in message


@FAST
@given(name=secret_param, value=st.sampled_from(["", "[redacted]", "%5Bredacted%5D", "...", "{key}", "$KEY"]))
def test_an_empty_or_redacted_query_value_is_allowed(name: str, value: str) -> None:
    assert problems_of(placed("request path", f"/v1/models?{name}={value}&limit=2")) == []


def test_parameters_that_only_look_like_secrets_are_allowed() -> None:
    text = "https://github.com/o/r/commits?author=ann&max_tokens=5&keywords=x"
    assert problems_of(placed("message", text)) == []


# --- private hosts ----------------------------------------------------------------------------------


@FAST
@given(
    scheme=scheme, host=private_host, port=port, place=st.sampled_from(sorted(PLACES)), markdown=st.booleans()
)
def test_a_url_on_a_private_host_is_refused(
    scheme: str, host: str, port: str, place: str, markdown: bool
) -> None:
    url = f"{scheme}://{host}{port}/v1/models"
    link = markdown and scheme.lower().startswith("http")  # prose links are http(s) only anyway
    [(where, message)] = problems_of(placed(place, f"[the server]({url})" if link else f"at {url}"))
    assert where == PLACES[place][1]
    assert message.startswith("links to a private host")
    assert f"//{host}".lower() not in message.lower(), "the message must not repeat the host"


@FAST
@given(
    scheme=scheme,
    host=st.one_of(loopback_host, public_host),
    port=port,
    place=st.sampled_from(sorted(PLACES)),
)
def test_loopback_public_and_redacted_hosts_are_allowed(
    scheme: str, host: str, port: str, place: str
) -> None:
    assert problems_of(placed(place, f"at {scheme}://{host}{port}/v1/models")) == []


def test_a_url_with_a_user_name_or_password_is_refused() -> None:
    [(where, message)] = problems_of(placed("footnote", "see https://ann:hunter2@github.com/o/r"))
    assert where == "results[0].footnote"
    assert "user name or password" in message
    assert "hunter2" not in message


@FAST
@given(
    scheme=st.sampled_from(["http", "https"]),
    credentials=st.sampled_from(["", "ann@", "ann:pw@"]),
    host=st.one_of(private_host, loopback_host, public_host),
    port=port,
    path=st.sampled_from(["", "/", "/v1", "/v1/", "/home/ann/v1"]),
    extra=st.sampled_from(["", "?key=sk-1", "#top"]),
)
def test_a_base_url_redacted_as_the_prober_does_is_valid(
    scheme: str, credentials: str, host: str, port: str, path: str, extra: str
) -> None:
    raw = f"{scheme}://{credentials}{host}{port}{path}{extra}"
    report = probed()
    report["base_url"] = redact_base_url(raw)
    assert problems_of(report) == [], report["base_url"]


@FAST
@given(scheme=st.sampled_from(["http", "https"]), host=private_host, port=port)
def test_a_base_url_on_a_private_host_is_refused_with_its_redacted_form(
    scheme: str, host: str, port: str
) -> None:
    if host.startswith("[") and ipaddress.ip_address(host.strip("[]")).is_unspecified:
        return
    report = probed()
    report["base_url"] = f"{scheme}://{host}{port}/v1"
    [(where, message)] = problems_of(report)
    assert where == "base_url"
    assert message.endswith(f"as aioc probe does: {scheme}://private.invalid/v1")


@FAST
@given(scheme=st.sampled_from(["http", "https"]), host=private_host, port=port, first=st.booleans())
def test_every_other_base_url_follows_the_base_url_rules(
    scheme: str, host: str, port: str, first: bool
) -> None:
    """A copied source may name more endpoints than one; each is held to ``base_url``'s rules."""
    if host.startswith("[") and ipaddress.ip_address(host.strip("[]")).is_unspecified:
        return
    report = probed()
    private = f"{scheme}://{host}{port}/v1"
    public = "https://api.example.com"
    report["other_base_urls"] = [private, public] if first else [public, private]
    [(where, message)] = problems_of(report)
    assert where == "other_base_urls"
    assert message.startswith(f"[{0 if first else 1}] names a private host")
    assert message.endswith(f"as aioc probe does: {scheme}://private.invalid/v1")


def test_committed_probed_reports_keep_their_loopback_base_url() -> None:
    files = sorted((DATA / "reports").rglob("*.json"))
    probed_files = [json.loads(f.read_text(encoding="utf-8")) for f in files]
    urls = [r["base_url"] for r in probed_files if r["origin"] == "probed"]
    assert urls, "the repository has probed reports"
    for url in urls:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", url)
        assert redact_base_url(url) == url
    for data in probed_files:
        assert problems_of(data) == [], data["run_id"]


# --- dates ------------------------------------------------------------------------------------------


def dated(created: str) -> Report:
    report = probed()
    report["created"] = created
    return Report.model_validate(report)


@pytest.mark.parametrize(
    ("created", "refused"),
    [
        # 01:00 at +05:00 on 2 December is 20:00 UTC on 1 December: tomorrow, within the day's grace.
        ("2026-12-02T01:00:00+05:00", False),
        # 23:00 at -05:00 on 1 December is 04:00 UTC on 2 December: the day after tomorrow.
        ("2026-12-01T23:00:00-05:00", True),
        ("2026-12-01T23:59:59Z", False),
        ("2026-12-02T00:00:00Z", True),
    ],
)
def test_the_future_is_decided_in_utc(created: str, refused: bool) -> None:
    problems = check_report(dated(created), "r.json", None, {}, {}, dt.date(2026, 11, 30))
    assert [p.path for p in problems] == (["created"] if refused else [])
    if refused:
        assert problems[0].message.startswith("2026-12-02 is in the future")


@pytest.mark.parametrize(
    ("created", "refused"),
    [
        ("2019-12-31T23:59:59Z", True),
        ("2019-12-31T20:00:00-05:00", False),  # 01:00 UTC on 1 January 2020
        ("2020-01-01T00:30:00+01:00", True),  # 23:30 UTC on 31 December 2019
        ("2020-01-01T00:00:00Z", False),
        ("1970-01-01T00:00:00Z", True),
    ],
)
def test_a_report_from_before_the_api_is_refused(created: str, refused: bool) -> None:
    report = probed()
    report["created"] = created
    problems = problems_of(report)
    assert [p for p, _ in problems] == (["created"] if refused else [])
    if refused:
        assert "is before 2020-01-01, before the API a report grades existed" in problems[0][1]


def test_the_loader_applies_the_utc_future_rule(data_copy: Path) -> None:
    report = probed("utc-future")
    report["created"] = "2026-12-01T23:00:00-05:00"
    write_json(data_copy / "reports/llama-cpp/utc-future.json", report)
    with pytest.raises(DataError) as caught:
        load_dataset(data_copy, today=dt.date(2026, 11, 30))
    [problem] = caught.value.problems
    assert str(problem).startswith(
        "data/reports/llama-cpp/utc-future.json:7: created: 2026-12-02 is in the future"
    )
    report["created"] = "2026-12-02T01:00:00+05:00"
    write_json(data_copy / "reports/llama-cpp/utc-future.json", report)
    load_dataset(data_copy, today=dt.date(2026, 11, 30))


# --- what aioc validate prints ----------------------------------------------------------------------


def _set(*keys: str | int, value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(report: dict[str, Any]) -> None:
        target: Any = report
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value

    return mutate


E = ("results", 0, "evidence", 0)
PLANTED: list[tuple[str, Callable[[dict[str, Any]], None], str, str]] = [
    (
        "home-in-message",
        _set("results", 0, "message", value="loaded /home/ann/models/gemma.gguf"),
        "results[0].message",
        "holds a machine-local path (a home folder)",
    ),
    (
        "windows-home-in-body",
        _set(*E, "response", "body", value='{"id": "C:\\\\Users\\\\ann\\\\gemma.gguf"}'),
        f"{EVIDENCE}.response.body",
        "holds a machine-local path (a home folder)",
    ),
    (
        "cache-in-source-note",
        _set("source_note", value="Model from ~/.cache/aioc/models."),
        "source_note",
        "holds a machine-local path",
    ),
    (
        "tmp-in-model",
        _set("models", value=["/tmp/gemma.gguf"]),
        "models[0]",
        "holds a machine-local path (a temporary folder)",
    ),
    (
        "api-key-header",
        _set(*E, "request", "headers", value={" X-Goog-Api-Key ": "AIza-123"}),
        f"{EVIDENCE}.request.headers",
        "header 'X-Goog-Api-Key' carries credentials",
    ),
    (
        "set-cookie-header",
        _set(*E, "response", "headers", value={"Set-Cookie": "session=abc"}),
        f"{EVIDENCE}.response.headers",
        "header 'Set-Cookie' carries credentials",
    ),
    (
        "secret-in-path",
        _set(*E, "request", "path", value="/v1/models?api_key=sk-123"),
        f"{EVIDENCE}.request.path",
        "secret in the query parameter 'api_key'",
    ),
    (
        "private-host-in-location",
        _set(*E, "response", "headers", value={"location": "http://10.0.0.5:8080/v1/models"}),
        f"{EVIDENCE}.response.headers.location",
        "links to a private host",
    ),
    (
        "private-host-in-footnote",
        _set("results", 0, "footnote", value="Tried on [my box](http://gpu-box.lan:8000/v1)."),
        "results[0].footnote",
        "links to a private host",
    ),
    (
        "private-source",
        _set("source", value="https://gitlab.corp/ai/notes"),
        "source",
        "links to a private host",
    ),
    (
        "private-base-url",
        _set("base_url", value="http://192.168.1.20:8080/v1"),
        "base_url",
        "names a private host",
    ),
    (
        "before-the-api",
        _set("created", value="2019-06-01T12:00:00Z"),
        "created",
        "2019-06-01 is before 2020-01-01",
    ),
]


def planted(run_id: str, mutate: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    report = copy.deepcopy(probed(run_id))
    mutate(report)
    return report


@pytest.mark.parametrize(("run_id", "mutate", "path", "fragment"), PLANTED, ids=[p[0] for p in PLANTED])
def test_validate_names_the_file_and_json_path_in_one_line(
    data_copy: Path,
    capsys: pytest.CaptureFixture[str],
    run_id: str,
    mutate: Callable,
    path: str,
    fragment: str,
) -> None:
    write_json(data_copy / f"reports/llama-cpp/{run_id}.json", planted(run_id, mutate))
    assert main(["validate", "--data", str(data_copy)]) == 1
    out, err = capsys.readouterr()
    [line] = out.splitlines()
    assert re.match(rf"data/reports/llama-cpp/{run_id}\.json:\d+: {re.escape(path)}: ", line), line
    assert fragment in line
    assert " — " in line, "every message says how to fix it"
    assert err.startswith("1 problem in 1 of ")


def test_validate_refuses_every_planted_report_without_a_traceback(tmp_path: Path) -> None:
    for run_id, mutate, _, _ in PLANTED:
        write_json(tmp_path / f"{run_id}.json", planted(run_id, mutate))
    run = subprocess.run(
        [sys.executable, "-m", "probes", "validate", "--data", str(DATA), str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert run.returncode == 1
    assert "Traceback" not in run.stdout + run.stderr
    lines = run.stdout.splitlines()
    assert len(lines) == len(PLANTED)
    for run_id, _, path, fragment in PLANTED:
        assert any(
            line.startswith(f"{tmp_path / run_id}.json:") and f": {path}: " in line and fragment in line
            for line in lines
        ), run_id
