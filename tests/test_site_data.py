"""The build reacts to data: newest report wins, text from data is escaped, bad data stops it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, only_seeds, page, write_json
from mkdocs.exceptions import Abort

from probes.model.report import SCHEMA_REF


def manual_report(run_id: str, impl: str, created: str, results: list[dict]) -> dict:
    return {
        "$schema": SCHEMA_REF,
        "run_id": run_id,
        "implementation": impl,
        "origin": "manual",
        "created": created,
        "source": "https://example.org/notes",
        "results": results,
    }


def cell(soup, matrix: str, row: str, impl: str):
    return soup.find("tr", id=f"row-{matrix}-{row}").find("td", attrs={"data-aioc-col": impl})


def test_newest_report_wins_whatever_the_file_order(data_copy: Path, build) -> None:
    only_seeds(data_copy, "tabbyapi")
    # The newer report sorts first by file name, so file order cannot be what decides.
    write_json(
        data_copy / "reports/tabbyapi/a-newer.json",
        manual_report(
            "a-newer",
            "tabbyapi",
            "2026-09-01T00:00:00Z",
            [{"row": "embeddings", "status": "deviation", "message": "works with an embedding model only"}],
        ),
    )
    write_json(
        data_copy / "reports/tabbyapi/z-older.json",
        manual_report(
            "z-older", "tabbyapi", "2026-08-01T00:00:00Z", [{"row": "embeddings", "status": "pass"}]
        ),
    )
    site = build(data_copy)
    td = cell(page(site, "index.html"), "core", "embeddings", "tabbyapi")
    assert "aioc-deviation" in td["class"]
    assert "embedding model only" in td.find(class_="aioc-tip").get_text()
    detail = page(site, "implementations/tabbyapi/index.html").find("div", id="cell-embeddings")
    history = detail.find("p", class_="aioc-history").get_text()
    # The seed said ❌ on 2026-05-16, then ✅, then ⚠️: every change is kept, oldest first.
    assert history.index("2026-05-16") < history.index("2026-08-01") < history.index("2026-09-01")


def test_untested_does_not_hide_an_older_grade(data_copy: Path, build) -> None:
    only_seeds(data_copy, "tabbyapi")
    write_json(
        data_copy / "reports/tabbyapi/later-untested.json",
        manual_report(
            "later-untested",
            "tabbyapi",
            "2026-10-01T00:00:00Z",
            [{"row": "embeddings", "status": "untested", "message": "no embedding model was loaded"}],
        ),
    )
    td = cell(page(build(data_copy), "index.html"), "core", "embeddings", "tabbyapi")
    assert "aioc-fail" in td["class"], "the seed's ❌ stays: unknown is not no"


def test_text_from_data_is_escaped(data_copy: Path, build) -> None:
    planted = "renders `<script>alert('x')</script>` literally & <safely>"
    only_seeds(data_copy, "vllm")  # the probed vLLM run is newer than the planted note
    write_json(
        data_copy / "reports/vllm/planted.json",
        manual_report(
            "planted",
            "vllm",
            "2026-09-01T00:00:00Z",
            [
                {
                    "row": "chat.tools",
                    "status": "deviation",
                    "message": "needs a parser",
                    "footnote": planted.replace(" & <safely>", ""),
                }
            ],
        ),
    )
    site = build(data_copy)
    for path in ("features/index.html", "index.html", "implementations/vllm/index.html"):
        html = (site / path).read_text(encoding="utf-8")
        assert "<script>alert(" not in html
    html = (site / "features/index.html").read_text(encoding="utf-8")
    assert (
        "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
        or "&lt;script&gt;alert('x')&lt;/script&gt;" in html
    )


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("broken.json", b'{"run_id": "x", ', "is not valid JSON"),
        ("html-note.json", None, "raw HTML"),
        ("unknown-row.json", None, "unknown catalog row 'chat.telepathy'"),
    ],
)
def test_bad_data_stops_the_build_naming_file_and_path(
    data_copy: Path, build, caplog, name, content, expected
) -> None:
    target = data_copy / "reports/ollama" / name
    if content is not None:
        target.write_bytes(content)
    elif name == "html-note.json":
        write_json(
            target,
            manual_report(
                "html-note",
                "ollama",
                "2026-09-01T00:00:00Z",
                [{"row": "chat.tools", "status": "deviation", "message": "<script>alert(1)</script>"}],
            ),
        )
    else:
        write_json(
            target,
            manual_report(
                "unknown-row", "ollama", "2026-09-01T00:00:00Z", [{"row": "chat.telepathy", "status": "pass"}]
            ),
        )
    with pytest.raises(Abort):
        build(data_copy)
    message = caplog.text
    assert f"data/reports/ollama/{name}" in message
    assert expected in message
    if content is None:
        assert "results[0]" in message


def test_mkdocs_build_strict_fails_on_bad_data_without_traceback(data_copy: Path, tmp_path: Path) -> None:
    (data_copy / "reports/ollama/broken.json").write_text('{"run_id": ', encoding="utf-8")
    # A checkout with the bad file: the real config, pages, theme and hook beside data/.
    shutil.copy(ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    for folder in ("docs", "overrides", "scripts", "probes"):
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__"))
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    run = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert run.returncode != 0
    assert "data/reports/ollama/broken.json" in run.stderr
    assert "Traceback" not in run.stderr + run.stdout


def test_display_options_come_from_the_matrix_in_the_catalog(data_copy: Path, build) -> None:
    """The row-header label and whether endpoint rows show their HTTP method are the matrix's own
    options (``row_header``, ``show_method``): change them in the catalog and the page follows, with
    no matrix id or other option deciding it in the template."""
    path = data_copy / "catalog" / "endpoints.json"
    catalog = json.loads(path.read_text(encoding="utf-8"))
    matrices = {m["id"]: m for m in catalog["matrices"]}
    matrices["core"] |= {"row_header": "Route or behaviour", "show_method": True}
    matrices["features"] |= {"show_method": False}
    write_json(path, catalog)
    site = build(data_copy)

    def head_and_methods(path: str, matrix: str) -> tuple[list[str], dict[str, str]]:
        soup = page(site, path)
        tables = soup.find_all("table", attrs={"data-aioc-table": "matrix", "data-aioc-matrix": matrix})
        heads = [t.thead.find("th").get_text(strip=True) for t in tables]
        methods = {
            tr["id"]: tr.th.find("span", class_="aioc-method").get_text()
            for t in tables
            for tr in t.tbody.find_all("tr")
            if tr.th.find("span", class_="aioc-method")
        }
        return heads, methods

    heads, methods = head_and_methods("index.html", "core")
    assert heads and set(heads) == {"Route or behaviour"}
    assert methods["row-core-chat.completions"] == "POST" and methods["row-core-models.list"] == "GET"
    assert "row-core-chat.stream_usage" not in methods, "a behaviour row has no method of its own"
    heads, methods = head_and_methods("features/index.html", "features")
    assert set(heads) == {"Endpoint / behaviour"} and not methods, "the defaults: no method shown"
    heads, methods = head_and_methods("responses/index.html", "responses")
    assert set(heads) == {"Feature"}, "as responses.json sets it"


def test_the_repository_s_matrices_set_their_display_options() -> None:
    """Today's pages: the core matrix lists routes without methods, features and responses show them,
    and the Responses matrix calls its rows features."""
    from probes.load.dataset import load_dataset

    matrices = load_dataset(ROOT / "data").catalog.matrices
    shown = {m.id: (m.row_header, m.show_method) for m in matrices.values()}
    assert shown == {
        "core": ("Endpoint / behaviour", False),
        "features": ("Endpoint / behaviour", True),
        "responses": ("Feature", True),
    }
