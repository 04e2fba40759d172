"""One report in the forms other tools read: JSON, JUnit XML (one test case per row) and Markdown.

These serve CI: a server's own pipeline shows each row as a test, and a step summary shows the
same column the site would show, with the reasons. Grading a run against ``--fail-on`` lives here
too, so that the CLI, the GitHub Action and the tests share one definition. Text in a report may
come from a server: every form drops its control characters (:func:`probes.model.redact.printable`), so
that no answer can break the XML or rewrite the terminal a CI log is read in.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from enum import StrEnum

from probes.model.catalog import Catalog
from probes.model.redact import printable
from probes.model.report import Evidence, Origin, Report, Result
from probes.model.status import Status
from probes.model.text import plain


class FailOn(StrEnum):
    """How strict a run is: which grades make ``aioc probe`` exit 1."""

    FAIL = "fail"
    DEVIATION = "deviation"
    NONE = "none"


def failing(result: Result, fail_on: FailOn) -> bool:
    """True when this result breaks the bar: ❌ under ``fail``; ❌ or ⚠️ under ``deviation``."""
    if fail_on is FailOn.NONE:
        return False
    if result.status is Status.FAIL:
        return True
    return fail_on is FailOn.DEVIATION and result.status is Status.DEVIATION


def exit_code(report: Report, fail_on: FailOn) -> int:
    """0 when every result is within the bar, 1 otherwise."""
    return int(any(failing(r, fail_on) for r in report.results))


def counts(report: Report) -> dict[str, int]:
    """How many results have each status, every status present (zero included)."""
    found = Counter(r.status for r in report.results)
    return {status.value: found.get(status, 0) for status in Status}


def ordered_results(report: Report, catalog: Catalog) -> list[tuple[str, list[Result]]]:
    """Results grouped by the first matrix section that lists their row, in catalog order."""
    by_row = {r.row: r for r in report.results}
    groups: list[tuple[str, list[Result]]] = []
    placed: set[str] = set()
    for matrix in catalog.matrices.values():
        for section in matrix.sections:
            rows = [by_row[r] for r in section.rows if r in by_row and r not in placed]
            placed.update(r.row for r in rows)
            if rows:
                groups.append((section.title, rows))
    rest = [r for r in report.results if r.row not in placed]
    if rest:
        groups.append(("Other rows", rest))
    return groups


def _title(catalog: Catalog, row_id: str) -> str:
    row = catalog.rows.get(row_id)
    return printable(plain(row.title)) if row else printable(row_id)


def _reason(result: Result) -> str:
    return printable(plain(result.message or result.footnote or ""))


def _md_cell(text: str) -> str:
    """Text that is safe inside a Markdown table cell: no pipes, no line breaks, no raw HTML."""
    text = printable(text)
    return text.replace("|", "\\|").replace("\n", " ").replace("<", "&lt;").replace(">", "&gt;")


def _md_heading(report: Report) -> str:
    """The heading says what the report is: a probe run (what CI step summaries show), or a person's
    copy of a published source, which no ``aioc probe`` produced and which names its run id."""
    version = f" {_md_cell(report.implementation_version)}" if report.implementation_version else ""
    if report.origin is Origin.MANUAL:
        run = _md_cell(report.run_id)
        return f"### {_md_cell(report.implementation)}{version} — hand-entered report {run}"
    return f"### aioc probe: {_md_cell(report.implementation)}{version}"


def to_markdown(report: Report, catalog: Catalog, fail_on: FailOn = FailOn.FAIL) -> str:
    """The site's table for this one column, with the reasons, as GitHub-flavoured Markdown."""
    tally = counts(report)
    summary = " · ".join(f"{Status(k).symbol} {v} {Status(k).label}" for k, v in tally.items() if v)
    verdict = "❌ below the bar" if exit_code(report, fail_on) else "✅ within the bar"
    lines = [
        _md_heading(report),
        "",
        f"{summary}  ",
        f"`--fail-on {fail_on.value}`: {verdict} · run `{report.run_id}` · {report.created.date()}",
    ]
    for title, results in ordered_results(report, catalog):
        lines += ["", f"#### {_md_cell(title)}", "", "| Row | Grade | Reason |", "|---|---|---|"]
        for result in results:
            lines.append(
                f"| {_md_cell(_title(catalog, result.row))} | {result.status.symbol} {result.status.label} "
                f"| {_md_cell(_reason(result))} |"
            )
    return "\n".join(lines) + "\n"


def _excerpt(evidence: list[Evidence], limit: int = 2000) -> str:
    """The first exchanges behind a grade, as plain text for a CI log."""
    parts = []
    for item in evidence:
        head = f"{item.request.method} {item.request.path}"
        if item.response is None:
            parts.append(f"{head} -> {item.error}")
        else:
            parts.append(f"{head} -> {item.response.status}\n{item.response.body or ''}")
    text = printable("\n\n".join(parts), lines=True)
    return text if len(text) <= limit else text[:limit] + "\n[…]"


def to_junit(report: Report, catalog: Catalog, fail_on: FailOn = FailOn.FAIL) -> str:
    """JUnit XML: one test case per result; failures carry the reason and an evidence excerpt."""
    suites = ET.Element("testsuites", name="aioc")
    suite = ET.SubElement(
        suites, "testsuite", name=f"aioc.{report.implementation}", timestamp=report.created.isoformat()
    )
    failures = skipped = 0
    for result in report.results:
        row = catalog.rows.get(result.row)
        case = ET.SubElement(
            suite,
            "testcase",
            classname=f"aioc.{row.family.value if row else 'unknown'}",
            name=f"{result.row}: {_title(catalog, result.row)}",
        )
        reason = _reason(result)
        if failing(result, fail_on):
            failures += 1
            node = ET.SubElement(
                case, "failure", message=f"{result.status.label}: {reason}", type=result.status.value
            )
            node.text = _excerpt(result.evidence)
        elif result.status in (Status.OUT_OF_SCOPE, Status.UNTESTED):
            skipped += 1
            ET.SubElement(case, "skipped", message=f"{result.status.label}: {reason}")
        elif reason:
            ET.SubElement(case, "system-out").text = f"{result.status.label}: {reason}"
    suite.set("tests", str(len(report.results)))
    suite.set("failures", str(failures))
    suite.set("errors", "0")
    suite.set("skipped", str(skipped))
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def to_json(report: Report) -> str:
    """The report file itself, as the site reads it."""
    return report.model_dump_json(by_alias=True, exclude_none=True, indent=2) + "\n"
