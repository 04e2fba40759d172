"""Hand-entered cells carry a reason and a source a reader can click; validation holds new ones to it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import page, write_json
from pydantic import ValidationError

from probes.model.report import SCHEMA_REF, Report

NEW = "2026-12-01T00:00:00Z"


def manual(results: list[dict], created: str = NEW, **extra: object) -> dict:
    return {
        "$schema": SCHEMA_REF,
        "run_id": "ollama-2026-12-01-test",
        "implementation": "ollama",
        "origin": "manual",
        "created": created,
        "source_note": "Test report.",
        "results": results,
        **extra,
    }


def refusal(payload: dict) -> str:
    with pytest.raises(ValidationError) as caught:
        Report.model_validate(payload)
    return str(caught.value)


def test_a_new_fail_or_deviation_must_link_its_source() -> None:
    text = refusal(manual([{"row": "files", "status": "fail", "message": "No route."}]))
    assert "results[0].sources" in text and "must link its source" in text
    text = refusal(manual([{"row": "chat.n", "status": "deviation", "message": "Ignores n."}]))
    assert "results[0].sources" in text


def test_a_new_deviation_needs_a_reason_of_its_own() -> None:
    placeholder = "Marked as a deviation in the source matrix without a stated reason."
    text = refusal(
        manual(
            [{"row": "chat.n", "status": "deviation", "message": placeholder, "sources": ["https://x.org/a"]}]
        )
    )
    assert "reason of its own" in text
    # saying so explicitly is allowed, and is what the page counts
    Report.model_validate(
        manual(
            [
                {
                    "row": "chat.n",
                    "status": "deviation",
                    "message": "No reason found: searched the project's docs and issues.",
                    "sources": ["https://x.org/a"],
                    "unexplained": True,
                }
            ]
        )
    )


def test_every_new_cell_has_a_source_and_old_seeds_keep_theirs() -> None:
    text = refusal(manual([{"row": "chat.n", "status": "pass"}]))
    assert "has no source" in text
    Report.model_validate(manual([{"row": "chat.n", "status": "pass"}], source="https://x.org/matrix"))
    # a seed from before the rule keeps its report-level source and its old wording
    old = manual(
        [
            {
                "row": "chat.n",
                "status": "deviation",
                "message": "Marked as a deviation without a stated reason.",
            }
        ],
        created="2026-05-16T00:00:00Z",
        source="https://x.org/matrix",
    )
    Report.model_validate(old)


def test_probed_cells_carry_evidence_not_sources() -> None:
    payload = manual([{"row": "chat.n", "status": "untested", "message": "x", "sources": ["https://x.org"]}])
    payload |= {"origin": "probed", "prober": "aioc 0.1.0"}
    assert "sources and unexplained are for hand-entered cells" in refusal(payload)


def test_validate_names_the_file_and_json_path(data_copy: Path) -> None:
    bad = write_json(
        data_copy / "reports" / "ollama" / "ollama-2026-12-01-test.json",
        manual([{"row": "chat.n", "status": "pass"}, {"row": "files", "status": "fail", "message": "No."}]),
    )
    done = subprocess.run(
        [sys.executable, "-m", "probes", "validate", "--data", str(data_copy), str(bad)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    lines = [line for line in done.stdout.splitlines() if "ollama-2026-12-01-test.json" in line]
    assert lines and "results[0].sources" in lines[0] and "has no source" in lines[0], done.stdout
    assert "Traceback" not in done.stdout + done.stderr


MATRIX_PAGES = ["index.html", "features/index.html", "responses/index.html"]


def test_no_deviation_on_any_matrix_lacks_a_reason(site: Path) -> None:
    seen = 0
    for path in MATRIX_PAGES:
        soup = page(site, path)
        for cell in soup.select("td.aioc-deviation"):
            tip = cell.select_one(".aioc-tip").get_text()
            parts = tip.split(" — ")
            assert len(parts) >= 3, f"{path}: a ⚠️ cell says no reason: {tip!r}"
            assert "without a stated reason" not in tip, f"{path}: {tip!r}"
            seen += 1
    assert seen > 10, "the matrices hold deviations; the test must see them"


def test_every_hand_entered_cell_links_its_source(site: Path) -> None:
    checked = 0
    for impl_page in sorted((site / "implementations").glob("*/index.html")):
        soup = page(site, str(impl_page.relative_to(site)))
        for detail in soup.select(".aioc-cell-detail"):
            provenance = detail.select_one(".aioc-provenance")
            if provenance is None or not provenance.get_text().startswith("manual"):
                continue
            links = detail.select(".aioc-sources a[href]")
            assert links, f"{impl_page.parent.name}: {detail.get('id')} links no source"
            assert all(a["href"].startswith(("https://", "http://")) for a in links)
            checked += 1
    assert checked > 50


def test_the_matrix_page_counts_unexplained_cells(data_copy: Path, build) -> None:
    write_json(
        data_copy / "reports" / "ollama" / "ollama-2026-12-02-test.json",
        manual(
            [
                {
                    "row": "chat.n",
                    "status": "deviation",
                    "message": "No reason found: searched the project's docs and issues.",
                    "sources": ["https://example.org/docs"],
                    "unexplained": True,
                }
            ],
            created="2026-12-01T01:00:00Z",
            run_id="ollama-2026-12-02-test",
        ),
    )
    site = build(data_copy)
    text = page(site, "features/index.html").select_one(".aioc-sourcing").get_text()
    assert "1 of them state that no reason for their grade could be found" in text
    detail = page(site, "implementations/ollama/index.html").select_one("#cell-chat\\.n")
    assert "No reason for this grade could be found" in detail.get_text()
    assert detail.select_one(".aioc-sources a")["href"] == "https://example.org/docs"
