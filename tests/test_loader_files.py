"""The file rules of ``data/`` (issue 15): the loader reads exactly what is in ``data/``.

Each test copies the real ``data/`` into a temporary directory and plants one hostile thing: a link
to a file or a folder, a named pipe, a link to an endless device, a file that no loader reads.
``aioc validate`` and the build's loader (``check_data``, what the hook calls) then run in new
processes with a timeout, since a pipe that is opened for reading waits forever for a writer; both
must name the planted thing in one line, the same line, and nothing else.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import DATA, ROOT, write_json

from probes.load import files
from probes.load.files import read_bytes
from probes.model.report import SCHEMA_REF

TIMEOUT = 30
"""Seconds a run may take: a loader that opened a pipe would wait for ever, and fail here instead."""

ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def _python(*args: str) -> tuple[int, list[str], str]:
    """Python with ``args`` in a new process, bounded by TIMEOUT: exit code, stdout lines, stderr."""
    run = subprocess.run(
        [sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT, env=ENV
    )
    return run.returncode, run.stdout.splitlines(), run.stderr


def validate_lines(data: Path, *paths: Path) -> tuple[int, list[str], str]:
    """``aioc validate --data DATA [PATH...]`` in a new process: exit code, stdout lines, stderr."""
    return _python("-m", "probes", "validate", "--data", str(data), *map(str, paths))


BUILD_LOADER = textwrap.dedent(
    """
    import sys
    from probes.load.dataset import DataError, check_data
    checked = check_data(sys.argv[1])
    if checked.dataset is None:
        print(DataError(checked.problems))
        sys.exit(1)
    """
)


def build_lines(data: Path) -> tuple[int, list[str], str]:
    """The build's loader, ``check_data`` as the MkDocs hook calls it, in a new process."""
    return _python("-c", BUILD_LOADER, str(data))


def a_report(run_id: str, implementation: str = "ollama") -> dict:
    """A valid hand-entered report."""
    return {
        "$schema": SCHEMA_REF,
        "run_id": run_id,
        "implementation": implementation,
        "origin": "manual",
        "created": "2026-04-01T00:00:00Z",
        "source": "https://example.org/notes",
        "results": [{"row": "embeddings", "status": "pass"}],
    }


def link_to_a_report_outside(data: Path) -> list[str]:
    outside = write_json(data.parent / "outside" / "ollama-linked.json", a_report("ollama-linked"))
    (data / "reports/ollama/ollama-linked.json").symlink_to(outside)
    return ["data/reports/ollama/ollama-linked.json: $: is a symbolic link"]


def link_to_a_folder_outside(data: Path) -> list[str]:
    outside = data.parent / "elsewhere"
    write_json(outside / "other-run.json", a_report("other-run", "other"))
    (data / "reports/other").symlink_to(outside, target_is_directory=True)
    return ["data/reports/other: $: is a symbolic link"]


def link_to_a_report_inside(data: Path) -> list[str]:
    target = sorted((data / "reports/ollama").glob("*.json"))[0]
    (data / "reports/ollama/again.json").symlink_to(target.name)
    return ["data/reports/ollama/again.json: $: is a symbolic link"]


def linked_implementations(data: Path) -> list[str]:
    moved = data.parent / "implementations.json"
    (data / "implementations.json").rename(moved)
    (data / "implementations.json").symlink_to(moved)
    return ["data/implementations.json: $: is a symbolic link"]


def linked_catalog_folder(data: Path) -> list[str]:
    moved = data.parent / "catalog"
    (data / "catalog").rename(moved)
    (data / "catalog").symlink_to(moved, target_is_directory=True)
    # Without its catalog, data/ has no rows: every report's rows are then not called unknown.
    return ["data/catalog: $: is a symbolic link", "data/catalog: $: holds no catalog file"]


def named_pipe(data: Path) -> list[str]:
    os.mkfifo(data / "reports/ollama/ollama-pipe.json")
    return ["data/reports/ollama/ollama-pipe.json: $: is a named pipe, not a regular file"]


def link_to_an_endless_device(data: Path) -> list[str]:
    (data / "reports/ollama/ollama-zero.json").symlink_to("/dev/zero")
    return ["data/reports/ollama/ollama-zero.json: $: is a symbolic link"]


def report_saved_as(name: str) -> Callable[[Path], list[str]]:
    def plant(data: Path) -> list[str]:
        (data / "reports/ollama" / name).write_text("run_id: ollama-yaml\n", encoding="utf-8")
        return [f"data/reports/ollama/{name}: $: no loader reads this file — reports are JSON files"]

    plant.__name__ = f"report_saved_as_{name}"
    return plant


def stray_in_a_catalog_subfolder(data: Path) -> list[str]:
    shutil.copy(data / "catalog/endpoints.json", data / "catalog/old")  # a file with no suffix
    write_json(data / "catalog/extra/rows.json", {"rows": [], "matrices": []})
    return [
        "data/catalog/extra/rows.json: $: no loader reads this file — the catalog is the .json files",
        "data/catalog/old: $: no loader reads this file — the catalog is",
    ]


def new_top_level_folder(data: Path) -> list[str]:
    write_json(data / "overrides/ollama.json", a_report("ollama-override"))
    return ["data/overrides/ollama.json: $: no loader reads this file — data/ holds only catalog/"]


def readme(data: Path) -> list[str]:
    (data / "README.md").write_text("# Data\n", encoding="utf-8")
    (data / "reports/README.md").write_text("# Reports\n", encoding="utf-8")
    return [
        "data/README.md: $: no loader reads this file — data/ holds only catalog/, implementations.json and"
        " reports/; move it into one of them, or remove it (notes on the data belong in docs/)",
        "data/reports/README.md: $: no loader reads this file — reports are JSON files",
    ]


def a_report_that_is_null(data: Path) -> list[str]:
    """JSON's ``null`` decodes to None, which must not pass for "nothing to read"."""
    (data / "reports/ollama/ollama-null.json").write_text("null\n", encoding="utf-8")
    return ["data/reports/ollama/ollama-null.json:1: $: Input should be a valid dictionary"]


PLANTS = [
    a_report_that_is_null,
    link_to_a_report_outside,
    link_to_a_folder_outside,
    link_to_a_report_inside,
    linked_implementations,
    linked_catalog_folder,
    named_pipe,
    link_to_an_endless_device,
    report_saved_as("ollama-run.yaml"),
    report_saved_as("ollama-run.json5"),
    report_saved_as("ollama-run.JSON"),
    stray_in_a_catalog_subfolder,
    new_top_level_folder,
    readme,
]


@pytest.mark.parametrize("plant", PLANTS, ids=lambda plant: plant.__name__)
def test_validate_and_the_build_name_each_planted_file_in_one_line(
    data_copy: Path, plant: Callable[[Path], list[str]]
) -> None:
    expected = plant(data_copy)
    code, lines, err = validate_lines(data_copy)
    built_code, built, built_err = build_lines(data_copy)
    assert "Traceback" not in err + built_err
    assert (code, built_code) == (1, 1), (lines, err, built, built_err)
    assert lines == built, "aioc validate and the build agree on every line"
    assert len(lines) == len(expected), "\n".join(lines)
    for fragment in expected:
        assert sum(line.startswith(fragment) for line in lines) == 1, (fragment, lines)


def test_the_repository_data_has_nothing_the_rules_refuse() -> None:
    """What is allowed is exactly what data/ holds today: the catalog, the implementations, reports."""
    found = files.data_files(DATA)
    assert found.reference_problems == found.other_problems == []
    assert found.count == len(found.catalog) + 1 + len(found.reports)
    assert sorted(p.relative_to(DATA).as_posix() for p in DATA.rglob("*") if p.is_file()) == sorted(
        [
            *(f"catalog/{p.name}" for p in found.catalog),
            "implementations.json",
            *(relative.as_posix() for _, _, relative in found.reports),
        ]
    )


def test_the_build_stops_on_a_pipe_with_one_line_and_no_traceback(data_copy: Path, tmp_path: Path) -> None:
    """The whole ``mkdocs build``, hook and all: it used to wait on the pipe for ever."""
    os.mkfifo(data_copy / "reports/ollama/ollama-pipe.json")
    # A checkout with the pipe: the real config, pages, theme and hook beside data/.
    shutil.copy(ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    for folder in ("docs", "overrides", "scripts", "probes"):
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__"))
    run = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert run.returncode != 0
    assert "Traceback" not in run.stdout + run.stderr
    assert "aioc: 1 problem in the data:" in run.stderr
    assert "data/reports/ollama/ollama-pipe.json: $: is a named pipe, not a regular file" in run.stderr


@pytest.mark.parametrize("command", ["validate", "diff"])
def test_a_pipe_named_on_the_command_line_is_refused_at_once(tmp_path: Path, command: str) -> None:
    """``aioc validate PIPE``, and ``aioc diff``, which reads reports with the same one reader."""
    pipe = tmp_path / "run.json"
    os.mkfifo(pipe)
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "probes",
            command,
            "--data",
            str(DATA),
            *[str(pipe)] * (1 if command == "validate" else 2),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=ENV,
    )
    assert run.returncode in (1, 2)
    assert "Traceback" not in run.stdout + run.stderr
    assert "is a named pipe, not a regular file" in run.stdout + run.stderr


def test_a_device_is_refused_without_reading_it() -> None:
    raw, problems = read_bytes(Path("/dev/zero"), "zero.json")
    assert raw is None
    assert [str(p) for p in problems] == [
        "zero.json: $: is a device, not a regular file — data/ holds only plain files; remove it"
    ]


def test_reads_are_bounded_by_the_bytes_read_not_the_size_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    """``/proc`` files report a size of 0 and hold more: what counts is what the read returns."""
    status = Path("/proc/self/status")
    if not status.is_file() or status.stat().st_size != 0:
        pytest.skip("needs a file whose reported size is 0 while it holds text (Linux /proc)")
    raw, problems = read_bytes(status, "status")
    assert problems == [] and raw is not None and len(raw) > 100, "a size of 0 is not trusted to mean empty"
    monkeypatch.setattr(files, "MAX_FILE_BYTES", 100)
    raw, problems = read_bytes(status, "status")
    assert raw is None
    assert len(problems) == 1 and "over the 100 byte limit" in problems[0].message
    assert "file is 101 bytes" in problems[0].message, "it stopped one byte past the limit"


def test_a_pipe_under_a_report_folder_named_on_the_command_line_is_refused(data_copy: Path) -> None:
    os.mkfifo(data_copy / "reports/ollama/ollama-pipe.json")
    code, lines, err = validate_lines(data_copy, data_copy / "reports/ollama")
    assert code == 1
    assert "Traceback" not in err
    assert lines == [
        "data/reports/ollama/ollama-pipe.json: $: is a named pipe, not a regular file — data/ holds"
        " only plain files; remove it"
    ]


def test_hidden_entries_are_named_and_not_read(data_copy: Path) -> None:
    """A file manager's ``.DS_Store`` or an editor's swap file beside an open report is never data;
    refusing it would stop ``mkdocs serve`` while a report is being edited, so it is named, not read."""
    (data_copy / "reports/ollama/.DS_Store").write_bytes(b"\x00\x01binary")
    (data_copy / "reports/ollama/.ollama-2026-05-16-core-seed.json.swp").write_text("{", encoding="utf-8")
    (data_copy / ".git-like").mkdir()
    (data_copy / ".git-like/anything.yaml").write_text("x: 1\n", encoding="utf-8")
    code, lines, err = validate_lines(data_copy)
    assert (code, lines) == (0, []), (lines, err)
    named = [line for line in err.splitlines() if "not read (a hidden file is never data)" in line]
    assert named == [
        "data/.git-like: not read (a hidden file is never data)",
        "data/reports/ollama/.DS_Store: not read (a hidden file is never data)",
        "data/reports/ollama/.ollama-2026-05-16-core-seed.json.swp: not read (a hidden file is never data)",
    ]
    assert build_lines(data_copy)[0] == 0


def test_naming_the_data_folder_checks_it_as_a_whole(data_copy: Path) -> None:
    """``aioc validate data/`` is the same check as ``aioc validate``: a stray file is found either way."""
    expected = report_saved_as("run.yaml")(data_copy)
    for paths in ((), (data_copy,)):
        code, lines, err = validate_lines(data_copy, *paths)
        assert code == 1 and len(lines) == 1 and lines[0].startswith(expected[0]), (paths, lines, err)


def test_a_link_named_on_the_command_line_is_named_as_itself(data_copy: Path) -> None:
    """The message names the link the user gave, not the file it points to."""
    outside = write_json(data_copy.parent / "outside" / "ollama-linked.json", a_report("ollama-linked"))
    link = data_copy / "reports/ollama/ollama-linked.json"
    link.symlink_to(outside)
    code, lines, err = validate_lines(data_copy, link)
    assert code == 1 and "Traceback" not in err
    assert lines and all(line.startswith("data/reports/ollama/ollama-linked.json") for line in lines), lines


def test_a_report_of_a_million_backticks_is_read_in_one_pass(data_copy: Path) -> None:
    """Within the file limit, any text is checked in time proportional to its length: a note of a
    million backticks (no closing run, so no code span) is valid, and both loaders say so well inside
    their time limit. With a backreference pattern, 16,000 of them took 70 s and this never ended."""
    report = a_report("ollama-backticks")
    report["source_note"] = "`" * 1_000_000 + " see: the notes"
    write_json(data_copy / "reports/ollama/ollama-backticks.json", report)
    code, lines, err = validate_lines(data_copy)
    built_code, built, built_err = build_lines(data_copy)
    assert (code, built_code) == (0, 0), (lines, err, built, built_err)


def test_a_file_with_twenty_thousand_problems_names_each_line_in_one_pass(data_copy: Path) -> None:
    """Each problem keeps its line, and a file with thousands of them is located in one pass: finding
    each path from the start of the file (``results[i]`` past ``i`` results) took two minutes for
    8,000 and would not have finished within the time limit here."""
    report = a_report("ollama-many")
    report["results"] = [{"row": "embeddings", "status": "nope"}] * 20_000
    path = data_copy / "reports/ollama/ollama-many.json"
    path.write_text(json.dumps(report, indent=1), encoding="utf-8")
    text = path.read_text(encoding="utf-8").splitlines()
    code, lines, err = validate_lines(data_copy, path)
    assert code == 1 and "Traceback" not in err
    found = [line for line in lines if ".status: Input should be" in line]
    assert len(found) == 20_000
    for index, line in enumerate(found[::997]):
        number = int(line.split(":")[1])
        assert f"results[{index * 997}].status" in line and '"status": "nope"' in text[number - 1], line
