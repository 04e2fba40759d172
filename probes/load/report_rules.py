"""The rules that need more than one file: known ids, a version, no report from the future, and
where a report is filed. Each returns its problems; the loader only collects them."""

from __future__ import annotations

import datetime as dt
from pathlib import PurePosixPath

from probes.load.files import REPORTS_DIR
from probes.load.jsonpos import Locator, line_of
from probes.load.problems import Problem
from probes.load.problems import suggest as _suggest
from probes.model.catalog import Row
from probes.model.implementations import Implementation
from probes.model.report import SCHEMA_REF, Origin, Report


def check_report(
    report: Report,
    shown: str,
    text: str | None,
    rows: dict[str, Row],
    implementations: dict[str, Implementation],
    today: dt.date,
) -> list[Problem]:
    """The rules that need more than one file: known ids, a version, and no report from the future."""

    lines = Locator(text) if text else None

    def line(*location: int | str) -> int | None:
        return lines.line(location) if lines else None

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
