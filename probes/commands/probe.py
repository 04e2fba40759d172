"""``aioc probe``: grade one OpenAI-compatible server against every catalog row and write a report.

Progress goes to stderr while the probes run (a live display on a terminal, one line per row
otherwise); the summary table goes to stdout at the end. Exit 0 when the report was written, 2 on
usage errors. The API key is read from an environment variable, never from the command line, so
it stays out of shell history and process lists.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from probes.commands.common import add_data_option
from probes.dataset import DataError, load_reference
from probes.endpoints import REGISTRY
from probes.errors import UsageError
from probes.http import one_line
from probes.paths import default_data_dir
from probes.prober import ProbeConfig, ProgressHook, base_url_problem, report_json, run_probes
from probes.redact import Redactor
from probes.report import Report, Result
from probes.status import Status
from probes.text import plain

STYLES = {
    Status.PASS: "green",
    Status.DEVIATION: "yellow",
    Status.FAIL: "red",
    Status.OUT_OF_SCOPE: "dim",
    Status.UNTESTED: "dim",
}


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``aioc probe`` to the command line."""
    parser = subparsers.add_parser(
        "probe",
        help="probe an OpenAI-compatible server and write a report",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--base-url", help="the server's API base, e.g. http://127.0.0.1:8080/v1 (default: $OPENAI_BASE_URL)"
    )
    parser.add_argument("--model", help="the chat model to probe with")
    parser.add_argument(
        "--embedding-model", help="the embedding model (without it, embeddings are not tested)"
    )
    parser.add_argument(
        "--api-key-env",
        metavar="VAR",
        help="the environment variable holding the API key (default: OPENAI_API_KEY when set)",
    )
    parser.add_argument(
        "--implementation", metavar="ID", help="the implementation id in data/implementations.json"
    )
    parser.add_argument("--output", type=Path, metavar="FILE", help="where to write the report JSON")
    parser.add_argument("--concurrency", default="4", metavar="N", help="probes running at once (default 4)")
    parser.add_argument(
        "--timeout", default="60", metavar="S", help="time limit of one probe in seconds (default 60)"
    )
    parser.add_argument(
        "--deadline", default="900", metavar="S", help="time limit of the whole run (default 900)"
    )
    parser.add_argument(
        "--implementation-version",
        metavar="TEXT",
        help="the version probed, when the server "
        "does not tell it (llama.cpp /props, /version or the Server header)",
    )
    add_data_option(parser)
    parser.set_defaults(func=run)


def _number(text: str, name: str, *, integer: bool = False) -> float:
    try:
        value = int(text) if integer else float(text)
    except ValueError:
        raise UsageError(f"{name} must be a {'whole ' if integer else ''}number, got {text!r}") from None
    if value <= 0:
        raise UsageError(f"{name} must be greater than 0, got {text!r}")
    return value


def config_from_args(args: argparse.Namespace) -> ProbeConfig:
    """Check every option and build the run's configuration; each mistake is one UsageError line."""
    base_url = args.base_url or os.environ.get("OPENAI_BASE_URL")
    if not base_url:
        raise UsageError("--base-url is required (or set OPENAI_BASE_URL)")
    if problem := base_url_problem(base_url):
        raise UsageError(problem)
    for option in ("model", "implementation", "output"):
        if not getattr(args, option):
            raise UsageError(f"--{option} is required")
    if args.api_key_env:
        api_key = os.environ.get(args.api_key_env)
        if not api_key:
            raise UsageError(f"environment variable {args.api_key_env} is not set or empty")
    else:
        api_key = os.environ.get("OPENAI_API_KEY") or None
    if args.output.is_dir():
        raise UsageError(f"--output {args.output} is a directory; name the report file")
    return ProbeConfig(
        base_url=base_url,
        implementation=args.implementation,
        model=args.model,
        embedding_model=args.embedding_model,
        api_key=api_key,
        concurrency=int(_number(args.concurrency, "--concurrency", integer=True)),
        timeout=_number(args.timeout, "--timeout"),
        deadline=_number(args.deadline, "--deadline"),
        implementation_version=args.implementation_version,
    )


class LineProgress(ProgressHook):
    """One line per graded row on stderr: what CI logs and pipes get."""

    def __init__(self, console: Console) -> None:
        self.console = console

    def finished(self, result: Result) -> None:
        self.console.print(f"{result.status.symbol} {result.row}  {plain(result.message)}", highlight=False)


class LiveProgress(ProgressHook):
    """A progress bar with the rows in flight, for a terminal."""

    def __init__(self, progress: Progress, total: int) -> None:
        self.progress = progress
        self.running: list[str] = []
        self.task = progress.add_task("probing", total=total, running="")

    def started(self, row_id: str) -> None:
        self.running.append(row_id)
        self.progress.update(self.task, running=", ".join(self.running[-3:]))

    def finished(self, result: Result) -> None:
        if result.row in self.running:
            self.running.remove(result.row)
        self.progress.update(self.task, advance=1, running=", ".join(self.running[-3:]))


def summary_table(report: Report) -> Table:
    """The graded rows with their reasons, and the counts per grade in the caption."""
    table = Table(title=f"{report.implementation} · {report.run_id}", title_justify="left")
    table.add_column("Row")
    table.add_column("Grade")
    table.add_column("Reason", overflow="fold")
    for result in report.results:
        style = STYLES[result.status]
        table.add_row(
            result.row, f"[{style}]{result.status.symbol} {result.status.label}[/]", plain(result.message)
        )
    counts = {status: sum(r.status is status for r in report.results) for status in Status}
    table.caption = " · ".join(f"{status.symbol} {count}" for status, count in counts.items() if count)
    return table


def run(args: argparse.Namespace) -> int:
    """Probe, write the report, print the summary."""
    config = config_from_args(args)
    data_dir = args.data or default_data_dir()
    problems: list = []
    reference = load_reference(Path(data_dir), problems)
    if reference.catalog is None or problems:
        first = problems[0] if problems else "the catalog could not be read"
        raise UsageError(f"{first}")
    if config.implementation not in reference.implementations:
        known = ", ".join(sorted(reference.implementations))
        raise UsageError(f"unknown implementation {config.implementation!r} (known: {known})")
    rows = [row for row in reference.catalog.rows.values() if row.id in REGISTRY]
    err = Console(stderr=True, highlight=False)
    redact = Redactor([config.api_key or ""])
    try:
        if err.is_terminal:
            columns = (
                TextColumn("[bold]probing"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TextColumn("[dim]{task.fields[running]}"),
            )
            with Progress(*columns, console=err, transient=True) as progress:
                report = asyncio.run(run_probes(config, rows, hook=LiveProgress(progress, len(rows))))
        else:
            report = asyncio.run(run_probes(config, rows, hook=LineProgress(err)))
    except (DataError, OSError, RuntimeError, ValueError) as exc:
        print(f"aioc probe: the run failed: {one_line(redact(str(exc)), 200)}", file=sys.stderr)
        return 1
    try:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(redact(report_json(report)), encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {args.output}: {exc.strerror}") from None
    Console(highlight=False).print(summary_table(report))
    err.print(f"wrote {args.output} (run {report.run_id})")
    return 0
