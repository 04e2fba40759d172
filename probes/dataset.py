"""Load and check everything under ``data/``: the catalog, the implementations and the reports.

Every file is parsed into the pydantic models and then checked across files. Problems are
collected, not raised one by one, so a contributor sees all of them at once; each names the file,
the JSON path, what is wrong and how to fix it. Nothing is skipped: a build with any problem stops.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from probes.catalog import Catalog, CatalogFile, Matrix, Row
from probes.implementations import Implementation, ImplementationsFile
from probes.jsonpos import line_of
from probes.report import Report

MAX_FILE_BYTES = 5_000_000
"""A report is a few hundred kilobytes at most; anything far larger is a mistake, not data."""

CATALOG_DIR = "catalog"
IMPLEMENTATIONS_FILE = "implementations.json"
REPORTS_DIR = "reports"

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with one place of one file."""

    file: str
    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.path or '$'}: {self.message}"


class DataError(Exception):
    """Raised when data under ``data/`` is invalid; carries every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.file, p.line or 0, p.path, p.message))
        super().__init__("\n".join(str(p) for p in self.problems))


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


def _json_path(location: tuple[int | str, ...]) -> str:
    """Turn a pydantic error location into a JSON path like ``results[3].status``."""
    out = ""
    for part in location:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part.startswith("function-") or part in {"tagged-union"}:
            continue
        else:
            out += f".{part}" if out else str(part)
    return out


_TIPS = {
    "extra_forbidden": "remove the key, or check its spelling against the schema",
    "missing": "add the field",
    "enum": "use one of the values the schema lists",
    "literal_error": "use one of the values the schema lists",
    "string_pattern_mismatch": "see the pattern in the schema",
    "timezone_aware": "write the time with a zone, e.g. 2026-05-16T00:00:00Z",
}


def read_json(path: Path, shown: str) -> tuple[Any, str | None, list[Problem]]:
    """Read one JSON file strictly: UTF-8, bounded size, no duplicate keys. Returns data, text, problems."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return None, None, [Problem(shown, "", f"file is {size} bytes, over the {MAX_FILE_BYTES} limit")]
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, None, [Problem(shown, "", f"is not UTF-8 (byte {exc.start}) — save it as UTF-8")]
    except OSError as exc:
        return None, None, [Problem(shown, "", f"cannot be read: {exc.strerror}")]

    duplicates: list[str] = []

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        seen: dict[str, Any] = {}
        for key, value in pairs:
            if key in seen:
                duplicates.append(key)
            seen[key] = value
        return seen

    try:
        data = json.loads(text, object_pairs_hook=no_duplicates)
    except json.JSONDecodeError as exc:
        return (
            None,
            text,
            [Problem(shown, "", f"is not valid JSON: {exc.msg} (column {exc.colno})", exc.lineno)],
        )
    except RecursionError:
        return None, text, [Problem(shown, "", "is nested too deeply to be a data file")]
    problems = [
        Problem(shown, "", f"key {key!r} appears twice in one object — keep one") for key in duplicates
    ]
    return data, text, problems


def parse_model(model: type[M], data: Any, shown: str, text: str | None) -> tuple[M | None, list[Problem]]:
    """Validate parsed JSON against a model; each pydantic error becomes one Problem with its line."""
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_url=False):
            path = _json_path(error["loc"])
            message = error["msg"].removeprefix("Value error, ")
            tip = _TIPS.get(error["type"])
            if tip:
                message = f"{message} — {tip}"
            line = line_of(text, error["loc"]) if text else None
            problems.append(Problem(shown, path, message, line))
        return None, problems


def load_file(model: type[M], path: Path, shown: str) -> tuple[M | None, list[Problem]]:
    """Read and validate one file."""
    data, text, problems = read_json(path, shown)
    if data is None or problems:
        return None, problems
    return parse_model(model, data, shown, text)


def _shown(path: Path, root: Path) -> str:
    """A path as contributors see it: relative to the repository, never absolute."""
    try:
        return path.resolve().relative_to(root.resolve().parent).as_posix()
    except ValueError:
        return path.name


def load_dataset(data_dir: Path | str, *, today: dt.date | None = None) -> Dataset:
    """Load and cross-check everything under ``data_dir``; raise DataError listing every problem."""
    root = Path(data_dir)
    problems: list[Problem] = []
    if not root.is_dir():
        raise DataError([Problem(str(data_dir), "", "is not a directory")])

    rows: dict[str, Row] = {}
    matrices: dict[str, Matrix] = {}
    catalog_files = sorted((root / CATALOG_DIR).glob("*.json"))
    if not catalog_files:
        problems.append(Problem(_shown(root / CATALOG_DIR, root), "", "holds no catalog file"))
    for path in catalog_files:
        shown = _shown(path, root)
        parsed, found = load_file(CatalogFile, path, shown)
        problems += found
        if parsed is None:
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
    impl_path = root / IMPLEMENTATIONS_FILE
    impl_file, found = load_file(ImplementationsFile, impl_path, _shown(impl_path, root))
    problems += found
    if impl_file:
        for index, impl in enumerate(impl_file.implementations):
            if impl.id in implementations:
                problems.append(
                    Problem(
                        _shown(impl_path, root), f"implementations[{index}].id", f"{impl.id!r} appears twice"
                    )
                )
            implementations[impl.id] = impl

    catalog: Catalog | None = None
    try:
        catalog = Catalog(rows=rows, matrices=matrices)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            problems.append(
                Problem(
                    _shown(root / CATALOG_DIR, root), "matrices", error["msg"].removeprefix("Value error, ")
                )
            )
    if catalog is not None:
        for matrix in catalog.matrices.values():
            for impl_id in matrix.implementations or []:
                if impl_id not in implementations:
                    problems.append(
                        Problem(
                            _shown(root / CATALOG_DIR, root),
                            f"matrices.{matrix.id}.implementations",
                            f"unknown implementation {impl_id!r}",
                        )
                    )

    reports = load_reports(root, rows, implementations, problems, today=today)
    if problems or catalog is None:
        raise DataError(problems)
    return Dataset(catalog=catalog, implementations=implementations, reports=reports)


def check_report(
    report: Report,
    shown: str,
    text: str | None,
    rows: dict[str, Row],
    implementations: dict[str, Implementation],
    today: dt.date,
) -> list[Problem]:
    """The rules that need more than one file: known ids, and no report from the future."""
    problems = []
    if implementations and report.implementation not in implementations:
        problems.append(
            Problem(
                shown,
                "implementation",
                f"unknown implementation {report.implementation!r} — "
                "add it to data/implementations.json or fix the id",
                line_of(text, ("implementation",)) if text else None,
            )
        )
    if report.created.date() > today + dt.timedelta(days=1):
        problems.append(
            Problem(
                shown,
                "created",
                f"{report.created.date()} is in the future — use the run's date",
                line_of(text, ("created",)) if text else None,
            )
        )
    for index, result in enumerate(report.results):
        if rows and result.row not in rows:
            problems.append(
                Problem(
                    shown,
                    f"results[{index}].row",
                    f"unknown catalog row {result.row!r} — "
                    "use an id from data/catalog/ (aioc catalog lists them)",
                    line_of(text, ("results", index, "row")) if text else None,
                )
            )
    return problems


def load_reports(
    root: Path,
    rows: dict[str, Row],
    implementations: dict[str, Implementation],
    problems: list[Problem],
    *,
    today: dt.date | None = None,
) -> list[LoadedReport]:
    """Load every report under ``reports/``, appending problems; run ids must be unique."""
    today = today or dt.datetime.now(dt.UTC).date()
    reports: list[LoadedReport] = []
    run_ids: dict[str, str] = {}
    for path in sorted((root / REPORTS_DIR).rglob("*.json")):
        shown = _shown(path, root)
        data, text, found = read_json(path, shown)
        problems += found
        if data is None or found:
            continue
        report, found = parse_model(Report, data, shown, text)
        problems += found
        if report is None:
            continue
        found = check_report(report, shown, text, rows, implementations, today)
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
            reports.append(LoadedReport(path=path.relative_to(root).as_posix(), report=report))
    return reports
