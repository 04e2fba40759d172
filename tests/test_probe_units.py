"""The prober's building blocks: redaction, SSE framing, JSON prefixes, grading of answers, samples."""

from __future__ import annotations

import io
import wave
import zlib

import httpx
import pytest

from probes.model.redact import PRIVATE_HOST, REDACTED, Redactor, redact_base_url
from probes.model.status import Status
from probes.model.text import check_one_line
from probes.prober import sse
from probes.prober.endpoints.grading import quote, route_problem
from probes.prober.endpoints.jsoncheck import is_json_prefix, pick_schema_problems, read_reply
from probes.prober.http import EVIDENCE_HEAD_CHARS, Exchange
from probes.prober.run import api_root, base_url_problem, safe_message
from probes.prober.samples import png_square, sniff_media, wav_tone


@pytest.mark.parametrize(
    ("url", "stored"),
    [
        ("http://127.0.0.1:8080/v1", "http://127.0.0.1:8080/v1"),
        ("http://localhost:8080", "http://localhost:8080"),
        ("http://[::1]:8000/v1/", "http://[::1]:8000/v1"),
        ("https://api.openai.com/v1?key=abc#x", "https://api.openai.com/v1"),
        ("https://user:pw@api.groq.com/openai/v1", "https://api.groq.com/openai/v1"),
        ("http://192.168.1.20:8080/v1", f"http://{PRIVATE_HOST}/v1"),
        ("http://10.0.0.5/v1", f"http://{PRIVATE_HOST}/v1"),
        ("http://8.8.8.8/v1", f"http://{PRIVATE_HOST}/v1"),
        ("http://gpu-box:8080/v1", f"http://{PRIVATE_HOST}/v1"),
        ("http://gpu-box.local/v1", f"http://{PRIVATE_HOST}/v1"),
        ("http://llm.corp.internal/v1", f"http://{PRIVATE_HOST}/v1"),
        ("https://router.home.arpa/v1", f"https://{PRIVATE_HOST}/v1"),
    ],
)
def test_base_url_is_stored_redacted(url: str, stored: str) -> None:
    assert redact_base_url(url) == stored


def test_redactor_replaces_keys_and_private_hosts() -> None:
    redact = Redactor(["sk-secret/1"], ["gpu-box.lan", "127.0.0.1"])
    text = redact("key sk-secret/1 or sk-secret%2F1 from http://GPU-BOX.lan:8080 and 127.0.0.1")
    assert text == f"key {REDACTED} or {REDACTED} from http://{PRIVATE_HOST}:8080 and 127.0.0.1"
    assert (
        redact.url("https://elsewhere.example.com/a?token=x", "127.0.0.1") == "https://other-host.invalid/a"
    )


def test_base_url_checks_and_api_root() -> None:
    assert base_url_problem("localhost:8080") is not None
    assert base_url_problem("http://") is not None
    assert base_url_problem("http://h:port/v1") is not None
    assert base_url_problem("https://api.openai.com/v1") is None
    assert api_root("http://h:1/v1/") == "http://h:1"
    assert api_root("https://api.groq.com/openai/v1") == "https://api.groq.com/openai"
    assert api_root("http://h:1") == "http://h:1"


def test_sse_framing() -> None:
    good = sse.parse(b'data: {"a":1}\r\n\r\n: ping\n\nevent: x\ndata: 2\n\ndata: [DONE]\n\n')
    assert [e.data for e in good.events] == ['{"a":1}', "2", "[DONE]"]
    assert good.done and not good.cut_off and good.events[1].name == "x"
    assert [e.data for e in good.data_events] == ['{"a":1}', "2"]
    cut = sse.parse(b'data: {"a":1}\n\ndata: {"b"')
    assert cut.cut_off and not cut.done and len(cut.events) == 1
    odd = sse.parse(b"data: 1\n\ndata: [DONE]\n\ndata: 2\n\nhello world\n\n")
    assert odd.events_after_done == 1 and odd.unknown_lines == ["hello world"]


@pytest.mark.parametrize(
    ("text", "prefix"),
    [
        ('{"id": "1111', True),
        ('{ "a": [1, 2, {"b": tr', True),
        ('{"a": "x\\"y", "b": nu', True),
        ("[1, 2]", True),
        ("Sure! Here is JSON", False),
        ('{"a": 1}} extra', False),
        ('{"a": 1] ', False),
        ('{"a": nope', False),
        ("", False),
    ],
)
def test_json_prefix(text: str, prefix: bool) -> None:
    assert is_json_prefix(text) is prefix


@pytest.mark.parametrize(
    ("text", "hit_limit", "parsed", "cut"),
    [
        ('{"a": 1}', True, True, False),
        ('{"a": 1', True, False, True),
        ('{"a": 1', False, False, False),  # unfinished, yet the server says the limit did not stop it
        ("Sure! Here is JSON", True, False, False),
    ],
)
def test_one_judgement_of_a_reply_cut_before_its_json_closed(
    text: str, hit_limit: bool, parsed: bool, cut: bool
) -> None:
    reply = read_reply(text, hit_limit=hit_limit)
    assert (reply.parsed, reply.cut) == (parsed, cut)
    assert reply.value == ({"a": 1} if parsed else None)


def test_schema_check() -> None:
    assert pick_schema_problems({"color": "red", "count": 2}) == []
    assert pick_schema_problems({"color": "pink", "count": True, "x": 1}) == [
        "has keys the schema forbids: 'x'",
        "color 'pink' is not one of the enum values",
        "count True is not an integer",
    ]


def exchange(
    status: int | None, body: bytes = b"", content_type: str = "application/json", **kw: object
) -> Exchange:
    return Exchange(
        label="t",
        method="POST",
        path="/v1/x",
        request_headers={},
        request_body=None,
        redact=Redactor(["sk-k"]),
        own_host="127.0.0.1",
        status=status,
        headers=httpx.Headers({"content-type": content_type}),
        body=body,
        **kw,
    )


@pytest.mark.parametrize(
    ("status", "body", "expected", "words"),
    [
        (200, b"{}", None, ""),
        (
            404,
            b'{"error":{"message":"File Not Found","type":"not_found_error","code":404}}',
            Status.FAIL,
            "no such route",
        ),
        (
            404,
            b'{"error":{"message":"The model `m` does not exist","code":"model_not_found"}}',
            Status.UNTESTED,
            "not for this model",
        ),
        (
            501,
            b'{"error":{"message":"The current model does not support audio input."}}',
            Status.UNTESTED,
            "cannot serve",
        ),
        (
            500,
            b'{"error":{"message":"image input is not supported - provide the mmproj"}}',
            Status.UNTESTED,
            "cannot",
        ),
        (405, b"", Status.FAIL, "not implemented"),
        (400, b'{"error":{"message":"n is not supported"}}', Status.FAIL, "refused the request"),
        (401, b"", Status.UNTESTED, "refused the API key"),
        (307, b"", Status.FAIL, "redirect"),
        (503, b"<html><title>Down</title></html>", Status.FAIL, "server error 503 `an HTML page: Down`"),
    ],
)
def test_route_problem(status: int, body: bytes, expected: Status | None, words: str) -> None:
    grade = route_problem(exchange(status, body), api_key_given=True)
    if expected is None:
        assert grade is None
    else:
        assert grade is not None and grade.status is expected and words in grade.message


def test_evidence_keeps_head_and_tail_and_redacts() -> None:
    body = ("data: sk-k " + "x" * 10_000 + " last-event").encode()
    evidence = exchange(200, body, "text/event-stream", truncated=True, read_limit=10_020).evidence()
    assert evidence.response.truncated
    assert evidence.response.body.startswith(f"data: {REDACTED} ")
    assert (
        "last-event" in evidence.response.body
        and "stopped reading after 10020 bytes" in evidence.response.body
    )
    assert len(evidence.response.body) < EVIDENCE_HEAD_CHARS * 3
    audio = exchange(200, wav_tone(0.05), "audio/wav").evidence()
    assert audio.response.body.startswith("[") and "audio/wav" in audio.response.body


def test_messages_stay_one_safe_line() -> None:
    for raw in ("<script>x</script> ok", "a `b", "line\nbreak " + "y" * 600, "[x](javascript:alert(1))"):
        assert check_one_line(safe_message(raw)) == safe_message(raw)
        assert len(safe_message(raw)) <= 400
    assert quote("a`b<c>") == "`a'b<c>`"


def test_generated_media_is_valid() -> None:
    with wave.open(io.BytesIO(wav_tone()), "rb") as audio:
        assert (audio.getnchannels(), audio.getframerate(), audio.getnframes()) == (1, 16_000, 16_000)
    png = png_square(8)
    assert sniff_media(png) == "image/png"
    idat = png.index(b"IDAT")
    length = int.from_bytes(png[idat - 4 : idat], "big")
    assert len(zlib.decompress(png[idat + 4 : idat + 4 + length])) == 8 * (1 + 8 * 4)
