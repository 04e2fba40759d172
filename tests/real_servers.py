"""Real servers for the tests: each started once per test session, probed once, stopped by its pid.

A server that is not installed skips its tests, saying how to install it, except where
``AIOC_REQUIRE_SERVERS`` is set (``.ci/run`` sets it): there a missing server fails the test, so CI
never passes by skipping what it was meant to run.
"""

from __future__ import annotations

import atexit
import os
from typing import Any

import pytest
import real_server

_running: dict[type, real_server.RealServer] = {}
_reports: dict[type, tuple[Any, real_server.RealServer]] = {}


def started(kind: type[real_server.RealServer]) -> real_server.RealServer:
    """The session's running server of this kind, started on first use."""
    if kind not in _running:
        try:
            server = kind()
        except real_server.ServerUnavailable as exc:
            if os.environ.get("AIOC_REQUIRE_SERVERS"):
                pytest.fail(f"{kind.label} is required here (AIOC_REQUIRE_SERVERS) but: {exc}")
            pytest.skip(f"{kind.label} is not installed: {exc}")
        server.start()
        atexit.register(server.stop)
        _running[kind] = server
    return _running[kind]


COMMON_ROWS = frozenset({"models.list", "chat.completions", "chat.stream", "server.api_key"})
"""The rows :func:`common_facts` reads, beside those the SDK check compares."""


def probed(kind: type[real_server.RealServer], rows: set[str]) -> tuple[Any, real_server.RealServer]:
    """The report of one probe of the session's server of this kind, made once: the rows the tests
    read, the common ones and those the SDK check compares. (The committed report is the full probe
    that ``scripts/<name>_server.py probe`` makes; a full probe of the slower servers takes minutes.)"""
    from sdk_check import CALLS

    if kind not in _reports:
        server = started(kind)
        only = frozenset(rows) | COMMON_ROWS | frozenset(CALLS)
        _reports[kind] = (server.probe(only=only), server)
    return _reports[kind]


def stop(kind: type[real_server.RealServer]) -> None:
    """Stop a server early (a big one, once its tests are done), so the next one has the memory."""
    server = _running.pop(kind, None)
    if server is not None:
        server.stop()


def common_facts(report: Any, server: real_server.RealServer) -> None:
    """What every probed real server's report must show, whatever the server.

    The core routes answer (✅ or ⚠️), the key is enforced and never recorded (not even a part of it), the
    source note says how the server was started and that the model is a base model, and every
    endpoint grade agrees with what the ``openai`` SDK itself gets from the server.
    """
    from sdk_check import checked_rows, disagreements

    from probes.model.status import Status
    from probes.prober.run import report_json

    works = (Status.PASS, Status.DEVIATION)  # a deviation still answers; its message says what differs
    for row in ("models.list", "chat.completions", "chat.stream"):
        result = report.result_for(row)
        assert result is not None and result.status in works, (row, result and result.message)
    key_row = report.result_for("server.api_key")
    assert key_row is not None and key_row.status in works, key_row and key_row.message
    refused = [e.response.status for e in key_row.evidence if e.response and e.response.status >= 400]
    assert len(refused) >= 2, "requests without the key and with a wrong one were both refused"
    text = report_json(report)
    for secret in server.secrets():
        for start in range(0, len(secret) - 8, 4):
            assert secret[start : start + 8] not in text, "a part of a key reached the report"
    assert report.implementation == server.implementation
    assert server.version() in (report.implementation_version or "")
    assert "base Gemma 3 270M" in report.source_note and "gemma3.jinja" in report.source_note
    assert "<|im_end|>" not in text and "<|im_start|>" not in text, "served with ChatML, not the template"
    assert len(checked_rows(report)) >= 6
    assert disagreements(report, server.base_url, server.api_key) == []
