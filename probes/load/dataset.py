"""Load and check everything under ``data/``: the catalog, the implementations and the reports.

Every file is parsed into the pydantic models and then checked across files. Problems are
collected, not raised one by one, so a contributor sees all of them at once; each names the file,
the JSON path, what is wrong and how to fix it. Nothing is skipped: a build with any problem stops.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import functools
import gc
import hashlib
import json
import logging
import os
import re
import typing
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from probes.load.jsonpos import duplicate_keys, line_of, location_at, odd_value, too_deep
from probes.model.catalog import Catalog, CatalogFile, Matrix, Row
from probes.model.implementations import Implementation, ImplementationsFile
from probes.model.report import SCHEMA_REF, Origin, Report

MAX_FILE_BYTES = 5_000_000
"""A report is a few hundred kilobytes at most; anything far larger is a mistake, not data."""

CATALOG_DIR = "catalog"
IMPLEMENTATIONS_FILE = "implementations.json"
REPORTS_DIR = "reports"

log = logging.getLogger(__name__)

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

    def reports_of(self, implementation: str) -> list[LoadedReport]:
        """One implementation's reports, grouped once: pages ask for each implementation in turn."""
        return self._by_implementation.get(implementation, [])

    @functools.cached_property
    def _by_implementation(self) -> dict[str, list[LoadedReport]]:
        grouped: dict[str, list[LoadedReport]] = {}
        for loaded in self.reports:
            grouped.setdefault(loaded.report.implementation, []).append(loaded)
        return grouped


_PLAIN_KEY = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")


def json_path(location: Iterable[int | str]) -> str:
    """Turn a location into a JSON path like ``results[3].status`` (odd keys as ``["x-id"]``)."""
    out = ""
    for part in location:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part.startswith("function-") or part in {"tagged-union", "[key]"}:
            continue
        elif _PLAIN_KEY.match(part):
            out += f".{part}" if out else part
        else:
            out += f"[{json.dumps(part, ensure_ascii=False)}]"
    return out


_TIPS = {
    "extra_forbidden": "remove the key, or check its spelling against the schema",
    "missing": "add the field",
    "enum": "use one of the values listed",
    "literal_error": "use one of the values listed",
    "string_pattern_mismatch": "see the pattern in the schema",
    "string_type": 'write it as a JSON string in double quotes, e.g. "text"',
    "string_too_short": "fill it in",
    "string_too_long": "shorten it",
    "too_short": "add the missing items",
    "too_long": "remove items",
    "int_type": "write a whole number without quotes",
    "int_parsing": "write a whole number without quotes",
    "int_from_float": "write a whole number without quotes",
    "bool_type": "write true or false without quotes",
    "bool_parsing": "write true or false without quotes",
    "list_type": "write a JSON array: [ ... ]",
    "dict_type": "write a JSON object: { ... }",
    "model_type": "write a JSON object: { ... }",
    "model_attributes_type": "write a JSON object: { ... }",
    "greater_than_equal": "use a value in the allowed range",
    "less_than_equal": "use a value in the allowed range",
    "timezone_aware": "write the time with a zone, e.g. 2026-05-16T00:00:00Z",
    "datetime_type": "write an ISO 8601 time with a zone, e.g. 2026-05-16T12:00:00Z",
    "datetime_parsing": "write an ISO 8601 time with a zone, e.g. 2026-05-16T12:00:00Z",
    "datetime_from_date_parsing": "write an ISO 8601 time with a zone, e.g. 2026-05-16T12:00:00Z",
    "date_type": "write a date like 2026-05-16",
    "date_parsing": "write a date like 2026-05-16",
    "date_from_datetime_parsing": "write a date like 2026-05-16",
}

MAX_DEPTH = 32
"""The deepest nesting a data file may have; a report needs about eight levels."""


class _RefusedConstant(ValueError):
    """NaN and Infinity, which Python's json accepts but JSON does not."""


def _refuse_constant(name: str) -> Any:
    raise _RefusedConstant(name)


def _odd_values(data: Any) -> tuple[list[tuple[int | str, ...]], tuple[int | str, ...] | None]:
    """Locations of strings that cannot be written as UTF-8, and of the first too-deep container."""
    bad_strings: list[tuple[int | str, ...]] = []
    deep: tuple[int | str, ...] | None = None
    stack: list[tuple[tuple[int | str, ...], Any]] = [((), data)]
    while stack:
        location, value = stack.pop()
        if isinstance(value, str):
            if not value.isascii():
                try:
                    value.encode("utf-8")
                except UnicodeEncodeError:
                    bad_strings.append(location)
            continue
        if isinstance(value, dict):
            children: Iterable[tuple[int | str, Any]] = value.items()
        elif isinstance(value, list):
            children = enumerate(value)
        else:
            continue
        if len(location) >= MAX_DEPTH:
            deep = deep or location
            continue
        for key, child in children:
            if isinstance(key, str) and not key.isascii():
                stack.append(((*location, key), key))
            stack.append(((*location, key), child))
    return sorted(set(bad_strings), key=str), deep


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _may_be_odd(text: str, data: Any) -> bool:
    """Whether the file may hold a lone surrogate or too deep nesting; if not, the slow walk is skipped."""
    if _SURROGATE_ESCAPE.search(text):
        return True
    stack: list[tuple[Any, int]] = [(data, 0)] if type(data) is dict or type(data) is list else []
    while stack:
        value, depth = stack.pop()
        if depth >= MAX_DEPTH:
            return True
        for child in value.values() if type(value) is dict else value:
            if type(child) is dict or type(child) is list:
                stack.append((child, depth + 1))
    return False


def read_json(path: Path, shown: str) -> tuple[Any, str | None, list[Problem]]:
    """Read one JSON file strictly: UTF-8, bounded size and depth, no duplicate keys, no NaN.

    Returns the data (None when unusable), the text (for line numbers) and the problems found.
    """
    raw, problems = read_bytes(path, shown)
    if raw is None:
        return None, None, problems
    return decode_json(raw, shown)


def read_bytes(path: Path, shown: str) -> tuple[bytes | None, list[Problem]]:
    """The file's bytes, unless it cannot be read or is far larger than any data file should be."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return None, [
                Problem(
                    shown,
                    "",
                    f"file is {size:,} bytes, over the {MAX_FILE_BYTES:,} byte limit"
                    " — trim the evidence bodies or split the run",
                )
            ]
        return path.read_bytes(), []
    except OSError as exc:
        return None, [Problem(shown, "", f"cannot be read: {exc.strerror or exc}")]


def decode_json(raw: bytes, shown: str, *, walk: bool = True) -> tuple[Any, str | None, list[Problem]]:
    """Decode one file's bytes strictly (see :func:`read_json`); ``walk=False`` skips the depth check."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, None, [_not_utf8(raw, exc, shown)]

    duplicates: list[str] = []

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        seen = dict(pairs)
        if len(seen) != len(pairs):
            duplicates.append(pairs[0][0])  # where: duplicate_keys() finds every one from the text
        return seen

    try:
        data = json.loads(text, object_pairs_hook=no_duplicates, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        return (
            None,
            text,
            [
                Problem(
                    shown,
                    json_path(location_at(text, exc.pos)),
                    f"is not valid JSON: {exc.msg} (column {exc.colno}) — "
                    + (
                        "the file ends too early; it looks truncated, so write it out again"
                        if exc.pos >= len(text.rstrip()) or exc.msg.startswith("Unterminated")
                        else "fix the syntax at that point"
                    ),
                    exc.lineno,
                )
            ],
        )
    except _RefusedConstant as exc:
        location, line = odd_value(text) or ((), None)
        return (
            None,
            text,
            [Problem(shown, json_path(location), f"{exc} is not JSON — write a number or null", line)],
        )
    except RecursionError:
        spot = too_deep(text, MAX_DEPTH)
        location, line = spot if spot else ((), None)
        return None, text, [_too_deep(shown, location, line)]
    except ValueError:  # Python refuses integers with more than 4300 digits
        location, line = odd_value(text) or ((), None)
        return (
            None,
            text,
            [
                Problem(
                    shown, json_path(location), "holds a number thousands of digits long — shorten it", line
                )
            ],
        )

    problems = []
    if duplicates:
        for location, line in duplicate_keys(text):
            problems.append(
                Problem(shown, json_path(location), "this key appears twice in one object — keep one", line)
            )
    odd = _may_be_odd(text, data) if walk else bool(_SURROGATE_ESCAPE.search(text))
    bad_strings, deep = _odd_values(data) if odd else ([], None)
    if deep is not None:
        spot = too_deep(text, MAX_DEPTH)
        problems.append(_too_deep(shown, deep, spot[1] if spot else None))
    for location in bad_strings:
        problems.append(
            Problem(
                shown,
                json_path(location),
                "holds an unpaired surrogate escape (\\ud800-\\udfff) — write the character itself",
                line_of(text, location),
            )
        )
    return data, text, problems


def _not_utf8(raw: bytes, exc: UnicodeDecodeError, shown: str) -> Problem:
    """Name the field holding the first byte that is not UTF-8, when the rest of the file parses."""
    line = raw.count(b"\n", 0, exc.start) + 1
    location: tuple[int | str, ...] = ()
    try:
        data = json.loads(raw.decode("utf-8", errors="surrogateescape"))
        bad, _ = _odd_values(data)
        location = bad[0] if bad else ()
    except (ValueError, RecursionError):
        pass
    return Problem(
        shown, json_path(location), f"is not UTF-8 (byte {exc.start}) — save the file as UTF-8", line
    )


def _too_deep(shown: str, location: tuple[int | str, ...], line: int | None) -> Problem:
    return Problem(
        shown,
        json_path(location),
        f"is nested more than {MAX_DEPTH} levels deep — a data file needs far fewer; remove the nesting",
        line,
    )


def parse_model(model: type[M], data: Any, shown: str, text: str | None) -> tuple[M | None, list[Problem]]:
    """Validate parsed JSON against a model; each pydantic error becomes one Problem with its line."""
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_url=False):
            location = tuple(error["loc"])
            message = error["msg"].removeprefix("Value error, ")
            if error["type"] == "value_error":
                inner, message = _split_path(message)
                location += inner
            tip = _TIPS.get(error["type"])
            if error["type"] == "extra_forbidden" and location and isinstance(location[-1], str):
                tip = _suggest(location[-1], field_names(model)) + tip
            if tip:
                message = f"{message} — {tip}"
            line = line_of(text, location) if text else None
            problems.append(Problem(shown, json_path(location), message, line))
        return None, problems


@functools.cache
def field_names(model: type[BaseModel]) -> frozenset[str]:
    """Every key the model and the models inside it accept, for "did you mean" hints."""
    names: set[str] = set()
    pending: list[Any] = [model]
    seen: set[type] = set()
    while pending:
        kind = pending.pop()
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            if kind in seen:
                continue
            seen.add(kind)
            for name, info in kind.model_fields.items():
                names.add(info.alias or name)
                pending.append(info.annotation)
        else:
            pending.extend(typing.get_args(kind))
    return frozenset(names)


_MESSAGE_PATH = re.compile(r"^([A-Za-z_$][\w$]*(?:\[\d+\]|\.[A-Za-z_$][\w$]*)*): (.+)$", re.DOTALL)
_PATH_PART = re.compile(r"\[(\d+)\]|\.?([A-Za-z_$][\w$]*)")


def _split_path(message: str) -> tuple[tuple[int | str, ...], str]:
    """A model-level error may start with the path it is about (``results[3].evidence: …``)."""
    match = _MESSAGE_PATH.match(message)
    if not match:
        return (), message
    parts = tuple(int(index) if index else name for index, name in _PATH_PART.findall(match.group(1)))
    return parts, match.group(2)


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
    """The files that define the catalog and the implementations (everything but reports)."""
    return [*sorted((root / CATALOG_DIR).glob("*.json")), root / IMPLEMENTATIONS_FILE]


def load_reference(root: Path, problems: list[Problem]) -> Reference:
    """Load the catalog files and the implementations, appending every problem found."""
    rows: dict[str, Row] = {}
    matrices: dict[str, Matrix] = {}
    catalog_files = sorted((root / CATALOG_DIR).glob("*.json"))
    complete = True
    if not catalog_files:
        problems.append(Problem(_shown(root / CATALOG_DIR, root), "", "holds no catalog file"))
    for path in catalog_files:
        shown = _shown(path, root)
        parsed, found = load_file(CatalogFile, path, shown)
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
    return Reference(catalog=catalog, implementations=implementations, complete=complete)


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cycle collector while building many objects without cycles: loading gets ~3× faster."""
    # Parsing thousands of reports allocates millions of objects, and every burst set off a collection
    # that rescanned all that was already loaded. Reference counting still frees every temporary.
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        # What was built lives as long as the build: keep it out of later scans (re-enabling set off
        # one full scan of everything loaded, ~0.8 s at 10,000 reports). load_dataset unfreezes.
        gc.freeze()
        if enabled:
            gc.enable()


def load_dataset(data_dir: Path | str, *, today: dt.date | None = None) -> Dataset:
    """Load and cross-check everything under ``data_dir``; raise DataError listing every problem."""
    gc.unfreeze()  # under mkdocs serve, what the previous build loaded may be collected again
    root = Path(data_dir)
    if not root.is_dir():
        raise DataError([Problem(str(data_dir), "", "is not a directory")])
    problems: list[Problem] = []
    reference = load_reference(root, problems)
    with paused_gc():
        reports = load_reports(root, reference.rows, reference.implementations, problems, today=today)
    if problems or reference.catalog is None:
        raise DataError(problems)
    return Dataset(catalog=reference.catalog, implementations=reference.implementations, reports=reports)


def _suggest(value: str, known: Iterable[str]) -> str:
    """A "did you mean" hint for a mistyped id, or nothing."""
    close = difflib.get_close_matches(value, list(known), n=1, cutoff=0.75)
    return f"did you mean {close[0]!r}? " if close else ""


def check_report(
    report: Report,
    shown: str,
    text: str | None,
    rows: dict[str, Row],
    implementations: dict[str, Implementation],
    today: dt.date,
) -> list[Problem]:
    """The rules that need more than one file: known ids, a version, and no report from the future."""

    def line(*location: int | str) -> int | None:
        return line_of(text, location) if text else None

    problems = []
    if implementations and report.implementation not in implementations:
        problems.append(
            Problem(
                shown,
                "implementation",
                f"unknown implementation {report.implementation!r} — "
                f"{_suggest(report.implementation, implementations)}"
                "use an id from data/implementations.json, or add the implementation there",
                line("implementation"),
            )
        )
    created = report.created.astimezone(dt.UTC).date()  # the day in UTC, whatever offset it was written in
    if created > today + dt.timedelta(days=1):
        problems.append(
            Problem(
                shown,
                "created",
                f"{created} is in the future — use the time the run happened",
                line("created"),
            )
        )
    if report.origin is Origin.PROBED and not report.implementation_version and not report.source_note:
        problems.append(
            Problem(
                shown,
                "implementation_version",
                "a probed report needs the version of the server it probed — add implementation_version,"
                " or say in source_note why the version cannot be known",
                line(),
            )
        )
    for index, result in enumerate(report.results):
        if rows and result.row not in rows:
            problems.append(
                Problem(
                    shown,
                    f"results[{index}].row",
                    f"unknown catalog row {result.row!r} — {_suggest(result.row, rows)}"
                    "use a row id from data/catalog/",
                    line("results", index, "row"),
                )
            )
    return problems


def check_placement(report: Report, relative: PurePosixPath, shown: str, text: str | None) -> list[Problem]:
    """A report under ``reports/`` lives at ``<implementation>/<run_id>.json``, so runs are easy to find."""
    expected = f"{REPORTS_DIR}/{report.implementation}/{report.run_id}.json"
    problems = []
    if report.schema_ is not None and report.schema_ != SCHEMA_REF:
        problems.append(
            Problem(
                shown,
                "$schema",
                f"names {report.schema_!r} — use {SCHEMA_REF!r} so that editors find the schema",
                line_of(text, ("$schema",)) if text else None,
            )
        )
    if relative.as_posix() == expected:
        return problems
    if len(relative.parts) != 3 or relative.parts[1] != report.implementation:
        return [
            *problems,
            Problem(
                shown,
                "implementation",
                f"a report for {report.implementation!r} must be filed under "
                f"{REPORTS_DIR}/{report.implementation}/ — move it to {expected}",
                line_of(text, ("implementation",)) if text else None,
            ),
        ]
    return [
        *problems,
        Problem(
            shown,
            "run_id",
            f"the file name must be the run id — rename the file to {report.run_id}.json",
            line_of(text, ("run_id",)) if text else None,
        ),
    ]


def known_run_ids(root: Path, skip: Iterable[Path] = ()) -> dict[str, str]:
    """Run ids already used under ``reports/`` (id -> file), read leniently, leaving out ``skip``."""
    skipped = {p.resolve() for p in skip}
    out: dict[str, str] = {}
    for path in sorted((root / REPORTS_DIR).rglob("*.json")):
        if path.resolve() in skipped:
            continue
        data, _, _ = read_json(path, "")
        if isinstance(data, dict) and isinstance(data.get("run_id"), str):
            out.setdefault(data["run_id"], _shown(path, root))
    return out


_PARSED: dict[tuple[str, bytes], Report] = {}
"""Reports that parsed cleanly, by file and content digest. Under ``mkdocs serve`` a rebuild then
parses only the files that changed; the same bytes always give the same model, so this cannot go stale."""


PARALLEL_FROM = 2_000
"""From this many report files to parse, a second process reads them strictly while this one builds
the models (:func:`_models_read_in_two`). Below it, starting that process costs more than it saves."""


def _usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _models_read_in_two(files: list[tuple[Path, str]]) -> dict[int, tuple[bytes, Report]]:
    """Models of the files that both readings accept, by index, read on two cores at once.

    This process validates with pydantic's own JSON parser, fast but lenient about duplicate keys
    and the like, while :mod:`probes.load.strict_read` reads the same files strictly in a second process.
    A file it refuses gets no model here, and :func:`_parse_report` reads every file without one
    the usual way. Should the second process fail, nothing is returned and the load is serial.
    """
    from probes.load.strict_read import StrictReader  # it imports this module

    try:
        reader = StrictReader([path for path, _ in files])
    except OSError as exc:
        log.debug("reading reports in one process: %s", exc)
        return {}
    models: dict[int, tuple[bytes, Report]] = {}
    try:
        for index, (path, shown) in enumerate(files):
            raw, _ = read_bytes(path, shown)
            if raw is not None:
                with contextlib.suppress(ValidationError):  # read again the usual way, for the messages
                    models[index] = (_digest(raw), Report.model_validate_json(raw))
        refused = reader.refused()
    finally:
        reader.stop()
    if refused is None:
        return {}
    return {index: model for index, model in models.items() if index not in refused}


def _digest(raw: bytes) -> bytes:
    return hashlib.sha256(raw).digest()


def _parse_report(
    path: Path, shown: str, seen: set[tuple[str, bytes]], ready: tuple[bytes, Report] | None = None
) -> tuple[Report | None, str | None, list[Problem]]:
    """One report file parsed into the model (from the cache when its bytes are unchanged).

    ``ready`` is the digest of the file's bytes and the model both readings of
    :func:`_models_read_in_two` accepted from them. The text comes back only from a full reading;
    otherwise it is None, and the caller reads it again should it need line numbers.
    """
    if ready is not None:
        key = (shown, ready[0])
        seen.add(key)
        _PARSED[key] = ready[1]
        return ready[1], None, []
    raw, found = read_bytes(path, shown)
    if raw is None:
        return None, None, found
    key = (shown, _digest(raw))
    seen.add(key)
    cached = _PARSED.get(key)
    if cached is not None:
        return cached, None, []
    # A valid report is a few levels deep by its model, so the depth walk is needed only when the
    # file fails somewhere: then it is decoded again in full and reports exactly what it always did.
    data, text, found = decode_json(raw, shown, walk=False)
    if data is not None and not found:
        report, found = parse_model(Report, data, shown, text)
        if report is not None and not found:
            _PARSED[key] = report
            return report, text, found
    data, text, strict = decode_json(raw, shown)
    return None, text, strict if (data is None or strict) else found


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

    ``files`` are ``(path, shown)`` pairs; by default every JSON file under ``root/reports``. A
    file inside ``root/reports`` must also sit where its implementation and run id say.
    """
    today = today or dt.datetime.now(dt.UTC).date()
    full = files is None
    relatives: dict[Path, PurePosixPath] = {}
    if files is None:
        # Paths worked out once per file, from the folder's own: pathlib showed at thousands of reports.
        shown_dir = _shown(root / REPORTS_DIR, root)
        files = []
        for p in sorted((root / REPORTS_DIR).rglob("*.json")):
            inside = p.relative_to(root / REPORTS_DIR).as_posix()
            files.append((p, f"{shown_dir}/{inside}"))
            relatives[p] = PurePosixPath(f"{REPORTS_DIR}/{inside}")
    reports: list[LoadedReport] = []
    run_ids: dict[str, str] = dict(other_run_ids or {})
    resolved_root = root.resolve()
    seen: set[tuple[str, bytes]] = set()
    files = list(files)
    ready: dict[int, tuple[bytes, Report]] = {}
    if len(files) - len(_PARSED) >= PARALLEL_FROM and _usable_cores() > 1:
        ready = _models_read_in_two(files)

    def cross_file(
        report: Report, shown: str, text: str | None, relative: PurePosixPath | None
    ) -> list[Problem]:
        """The rules that need the other files, or the file's place; ``text`` only gives line numbers."""
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
        return found

    for index, (path, shown) in enumerate(files):
        report, text, found = _parse_report(path, shown, seen, ready.pop(index, None))
        problems += found
        if report is None:
            continue
        relative = relatives.get(path)
        if relative is None:
            try:
                relative = PurePosixPath(path.resolve().relative_to(resolved_root).as_posix())
            except ValueError:
                relative = None
        found = cross_file(report, shown, text, relative)
        if found and text is None:  # the problems name lines: read the text they are in
            text = path.read_bytes().decode("utf-8", "replace")
            found = cross_file(report, shown, text, relative)
        run_ids.setdefault(report.run_id, shown)
        problems += found
        if not found:
            reports.append(LoadedReport(path=relative.as_posix() if relative else shown, report=report))
    if full:
        for key in _PARSED.keys() - seen:
            del _PARSED[key]
    return reports
