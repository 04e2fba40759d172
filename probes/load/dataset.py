"""Load and check everything under ``data/``: the catalog, the implementations and the reports.

One pass per file: read it under the file rules (:mod:`probes.load.files`), decode it strictly
(:mod:`probes.load.json_strict`), validate it into its pydantic model, then check it against the
other files (:mod:`probes.load.report_rules`). Positions in the text are worked out only for a file
that has a problem. Problems are collected, not raised one by one, so a contributor sees all of them
at once; each names the file, the line, the JSON path, what is wrong and how to fix it. Nothing is
skipped: a build with any problem stops. ``aioc validate`` and the build both call
:func:`check_data`, so they read the same files and agree on every verdict.

Nothing here outlives a call: no cache, no change to the garbage collector (a caller that builds
much may pause it around the whole build).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from probes.load import json_strict
from probes.load.files import CATALOG_DIR, REPORTS_DIR, DataFiles, data_files, read_bytes, shown_root
from probes.load.jsonpos import line_of
from probes.load.problems import DataError, Problem, sort_key, validation_problems
from probes.load.report_rules import check_placement, check_report
from probes.model.catalog import Catalog, CatalogFile, Matrix, Row
from probes.model.implementations import Implementation, ImplementationsFile
from probes.model.report import Report

__all__ = [
    "REPORTS_DIR",
    "DataError",
    "Dataset",
    "LoadedReport",
    "Problem",
    "Reference",
    "check_data",
    "check_report",
    "known_run_ids",
    "load_dataset",
    "load_reference",
    "load_reports",
    "parse_model",
    "read_report",
    "reference_files",
]

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class LoadedReport:
    """A report with the data-relative path it was read from (the path names the run on the site)."""

    path: str
    report: Report


@dataclass(frozen=True)
class Dataset:
    """Everything the site and the prober read, validated."""

    catalog: Catalog
    implementations: dict[str, Implementation]
    reports: list[LoadedReport] = field(default_factory=list)

    def matrix(self, matrix_id: str) -> Matrix:
        """A matrix by id."""
        return self.catalog.matrices[matrix_id]

    def row(self, row_id: str) -> Row:
        """A catalog row by id."""
        return self.catalog.rows[row_id]

    def reports_of(self, implementation: str) -> list[LoadedReport]:
        """One implementation's reports, grouped once: pages ask for each implementation in turn."""
        return self._by_implementation.get(implementation, [])

    @functools.cached_property
    def _by_implementation(self) -> dict[str, list[LoadedReport]]:
        grouped: dict[str, list[LoadedReport]] = {}
        for loaded in self.reports:
            grouped.setdefault(loaded.report.implementation, []).append(loaded)
        return grouped


def parse_model(model: type[M], data: Any, shown: str, text: str | None) -> tuple[M | None, list[Problem]]:
    """Validate decoded JSON against a model; on failure, every problem with its line and a tip.

    Nesting too deep is named instead of what pydantic says about it (a valid file is never deep).
    """
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        deep = json_strict.too_deep_problem(data, text, shown) if text is not None else None
        return None, [deep] if deep else validation_problems(model, exc, shown, text)


def parse_file(model: type[M], path: Path, shown: str) -> tuple[M | None, str | None, list[Problem]]:
    """Read, decode and validate one file: the model (None on any problem), its text, the problems."""
    raw, problems = read_bytes(path, shown)
    if raw is None:
        return None, None, problems
    data, text, problems = json_strict.decode(raw, shown)
    if problems:  # not when data is None: a file holding ``null`` is JSON, and the model says why not
        return None, text, problems
    parsed, problems = parse_model(model, data, shown, text)
    return parsed, text, problems


def read_report(path: Path, shown: str | None = None) -> Report:
    """One report file through the model, as the build reads it; raise DataError with its problems.

    The cross-file rules are not applied: the file may be a fresh run not yet filed under data/.
    """
    report, _, problems = parse_file(Report, path, shown or str(path))
    if report is None:
        raise DataError(problems)
    return report


@dataclass(frozen=True)
class Reference:
    """The catalog and implementations that every report is checked against."""

    catalog: Catalog | None
    implementations: dict[str, Implementation]
    complete: bool = True

    @property
    def rows(self) -> dict[str, Row]:
        """Known rows; none while a catalog file is unreadable, so its rows are not called unknown."""
        return self.catalog.rows if self.catalog and self.complete else {}


def reference_files(root: Path) -> list[Path]:
    """The files that define the catalog and the implementations (everything read but reports)."""
    files = data_files(root)
    return [*files.catalog, *([files.implementations] if files.implementations else [])]


def load_reference(root: Path, problems: list[Problem], files: DataFiles | None = None) -> Reference:
    """Load the catalog files and the implementations, appending every problem found in them.

    ``files`` is the walk of ``root`` when the caller has made it already.
    """
    files = files or data_files(root)
    problems += files.reference_problems
    base = shown_root(root)
    rows: dict[str, Row] = {}
    matrices: dict[str, Matrix] = {}
    # A catalog file that is refused (a link, a pipe) leaves rows unknown: then none is called unknown.
    complete = not any(
        p.file.startswith(f"{base}/{CATALOG_DIR}/") and p.file.endswith(".json")
        for p in files.reference_problems
    )
    for path in files.catalog:
        shown = f"{base}/{CATALOG_DIR}/{path.name}"
        parsed, _, found = parse_file(CatalogFile, path, shown)
        problems += found
        if parsed is None:
            complete = False
            continue
        for index, row in enumerate(parsed.rows):
            if row.id in rows:
                problems.append(Problem(shown, f"rows[{index}].id", f"row {row.id!r} is defined twice"))
            rows[row.id] = row
        for index, matrix in enumerate(parsed.matrices):
            if matrix.id in matrices:
                problems.append(
                    Problem(shown, f"matrices[{index}].id", f"matrix {matrix.id!r} is defined twice")
                )
            matrices[matrix.id] = matrix

    implementations: dict[str, Implementation] = {}
    if files.implementations is not None:
        shown = f"{base}/{files.implementations.name}"
        impl_file, _, found = parse_file(ImplementationsFile, files.implementations, shown)
        problems += found
        for index, impl in enumerate(impl_file.implementations if impl_file else []):
            if impl.id in implementations:
                problems.append(Problem(shown, f"implementations[{index}].id", f"{impl.id!r} appears twice"))
            implementations[impl.id] = impl

    catalog: Catalog | None = None
    try:
        catalog = Catalog(rows=rows, matrices=matrices)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            problems.append(
                Problem(f"{base}/{CATALOG_DIR}", "matrices", error["msg"].removeprefix("Value error, "))
            )
    for matrix in catalog.matrices.values() if catalog else []:
        for impl_id in matrix.implementations or []:
            if impl_id not in implementations:
                problems.append(
                    Problem(
                        f"{base}/{CATALOG_DIR}",
                        f"matrices.{matrix.id}.implementations",
                        f"unknown implementation {impl_id!r}",
                    )
                )
    return Reference(catalog=catalog, implementations=implementations, complete=complete)


def known_run_ids(root: Path, skip: Iterable[Path] = ()) -> dict[str, str]:
    """Run ids already used under ``reports/`` (id -> file), read leniently, leaving out ``skip``."""
    skipped = {p.resolve() for p in skip}
    out: dict[str, str] = {}
    for path, shown, _ in data_files(root).reports:
        if path.resolve() in skipped:
            continue
        raw, _ = read_bytes(path, shown)
        try:
            data = json.loads(raw) if raw is not None else None
        except (ValueError, RecursionError):
            continue
        if isinstance(data, dict) and isinstance(data.get("run_id"), str):
            out.setdefault(data["run_id"], shown)
    return out


def load_reports(
    root: Path,
    rows: dict[str, Row],
    implementations: dict[str, Implementation],
    problems: list[Problem],
    *,
    today: dt.date | None = None,
    files: Iterable[tuple[Path, str]] | None = None,
    other_run_ids: dict[str, str] | None = None,
) -> list[LoadedReport]:
    """Load reports, appending problems; run ids must be unique among them and ``other_run_ids``.

    ``files`` are ``(path, shown)`` pairs; by default the reports of :func:`data_files`. A file
    inside ``root/reports`` must also sit where its implementation and run id say.
    """
    today = today or dt.datetime.now(dt.UTC).date()
    placed: Sequence[tuple[Path, str, PurePosixPath | None]] = (
        data_files(root).reports
        if files is None
        else [(path, shown, _inside(path, root)) for path, shown in files]
    )
    return _load_reports(placed, rows, implementations, problems, today, dict(other_run_ids or {}))


def _inside(path: Path, root: Path) -> PurePosixPath | None:
    """Where a file named on the command line sits under ``root``, if it does."""
    try:
        return PurePosixPath(path.resolve().relative_to(root.resolve()).as_posix())
    except ValueError:
        return None


def _load_reports(
    files: Sequence[tuple[Path, str, PurePosixPath | None]],
    rows: dict[str, Row],
    implementations: dict[str, Implementation],
    problems: list[Problem],
    today: dt.date,
    run_ids: dict[str, str],
) -> list[LoadedReport]:
    reports: list[LoadedReport] = []
    for path, shown, relative in files:
        report, text, found = parse_file(Report, path, shown)
        problems += found
        if report is None:
            continue
        found = check_report(report, shown, text, rows, implementations, today)
        if relative is not None and relative.parts[0] == REPORTS_DIR:
            found += check_placement(report, relative, shown, text)
        if report.run_id in run_ids:
            found.append(
                Problem(
                    shown,
                    "run_id",
                    f"run id {report.run_id!r} is also used by {run_ids[report.run_id]}"
                    " — every run needs its own id",
                    line_of(text, ("run_id",)) if text else None,
                )
            )
        run_ids.setdefault(report.run_id, shown)
        problems += found
        if not found:
            reports.append(LoadedReport(path=relative.as_posix() if relative else shown, report=report))
    return reports


@dataclass(frozen=True)
class Checked:
    """What :func:`check_data` found: every problem (sorted), how many files, and the dataset."""

    problems: list[Problem]
    files: int
    dataset: Dataset | None
    hidden: list[str] = field(default_factory=list)
    """Hidden entries under ``data/``, named and not read (see :class:`probes.load.files.DataFiles`)."""


def check_data(data_dir: Path | str, *, today: dt.date | None = None) -> Checked:
    """Read every file under ``data_dir`` once and check it: what the build and ``aioc validate`` do."""
    root = Path(data_dir)
    if not root.is_dir():
        return Checked([Problem(str(data_dir), "", "is not a directory")], 0, None)
    files = data_files(root)
    problems = list(files.other_problems)
    reference = load_reference(root, problems, files)
    today = today or dt.datetime.now(dt.UTC).date()
    reports = _load_reports(files.reports, reference.rows, reference.implementations, problems, today, {})
    dataset = None
    if not problems and reference.catalog is not None:
        dataset = Dataset(
            catalog=reference.catalog, implementations=reference.implementations, reports=reports
        )
    return Checked(sorted(problems, key=sort_key), files.count, dataset, files.hidden)


def load_dataset(data_dir: Path | str, *, today: dt.date | None = None) -> Dataset:
    """Load and cross-check everything under ``data_dir``; raise DataError listing every problem."""
    checked = check_data(data_dir, today=today)
    if checked.dataset is None:
        raise DataError(checked.problems)
    return checked.dataset
