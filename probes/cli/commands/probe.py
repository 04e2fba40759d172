"""``aioc probe``: grade one OpenAI-compatible server against every catalog row and write a report.

The report JSON always goes to --output. Stdout gets one thing, chosen by --format: the summary
table (default), the report as JSON, JUnit XML (one test case per row) or Markdown (the site's
column with the reasons); with --format-output FILE that form goes to FILE and stdout keeps the
table. Progress goes to stderr (a live display on a terminal, one line per row otherwise).

Models: without --model / --embedding-model the server's /v1/models list is read and a chat and an
embedding model are picked from it; a row that needs a kind of model the server does not list is
not tested, with that reason.

Exit codes: 0 the report was written and no result is below --fail-on; 1 the report was written
and a result is below --fail-on (fail: any ❌; deviation: any ❌ or ⚠️; none: never); 2 usage or
input errors (bad options, unknown rows or implementation, unreadable catalog), and also when the
server could not be reached or refused the API key on most rows — the report is still written and
says so row by row. The API key is read from an environment variable, never from the command
line, so it stays out of shell history and process lists: --api-key is refused without its value
being used or shown. Everything printed (progress, tables, every form) has the key replaced, and a
server's words are shown as plain text: never as markup, never as terminal control sequences.
"""

from __future__ import annotations

import argparse
import fnmatch
import os
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from probes.cli.commands.common import add_data_option, add_fail_on_option
from probes.cli.errors import UsageError
from probes.cli.formats import FailOn

if TYPE_CHECKING:  # the prober pulls in httpx, openai and every probe: only `aioc probe` pays for it
    from collections.abc import Callable

    from rich.console import Console
    from rich.progress import Progress
    from rich.table import Table
    from rich.text import Text

    from probes.model.catalog import Catalog, Row
    from probes.model.report import Report, Result
    from probes.prober.discovery import Discovery
    from probes.prober.endpoints.registry import Target
    from probes.prober.run import ProbeConfig

FORMATS = ("table", "json", "junit", "markdown")

ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
"""What the name of an environment variable looks like; a value that does not is likely a key."""

KEY_REFUSED = "pass the key in an environment variable with --api-key-env VAR; the value given was not used"


class RefuseKey(argparse.Action):
    """``--api-key``: a key on a command line ends up in shell history and process lists, so the
    option exists only to refuse it, in one line that never shows the value."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: object) -> None:
        kwargs.update(nargs="?", default=argparse.SUPPRESS, metavar="KEY")
        super().__init__(option_strings, dest, **kwargs)  # type: ignore[arg-type]

    def __call__(
        self, parser: argparse.ArgumentParser, namespace: object, values: object, option: object = None
    ) -> None:
        parser.exit(2, f"{parser.prog}: {option}: {KEY_REFUSED}\n")


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
    parser.add_argument("--model", help="the chat model to probe with (default: picked from /v1/models)")
    parser.add_argument(
        "--embedding-model",
        help="the embedding model (default: picked from /v1/models; without one, embeddings are not tested)",
    )
    parser.add_argument(
        "--api-key-env",
        metavar="VAR",
        help="the environment variable holding the API key (default: OPENAI_API_KEY when set)",
    )
    parser.add_argument(
        "--api-key",
        action=RefuseKey,
        help="refused: keys are never taken on the command line (use --api-key-env)",
    )
    parser.add_argument(
        "--implementation", metavar="ID", help="the implementation id in data/implementations.json"
    )
    parser.add_argument(
        "--unlisted",
        action="store_true",
        help="accept an implementation id that data/implementations.json does not list "
        "(a server's own CI; such a report is not a matrix contribution as it is)",
    )
    parser.add_argument("--output", type=Path, metavar="FILE", help="where to write the report JSON")
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="table",
        help="what to print: the table (default) or a report form",
    )
    parser.add_argument(
        "--format-output",
        type=Path,
        metavar="FILE",
        help="write the --format form to FILE instead of stdout (stdout then gets the table)",
    )
    add_fail_on_option(parser)
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="GLOB",
        help="probe only rows whose id matches (repeatable or comma-separated, e.g. 'chat.*,models.list')",
    )
    parser.add_argument(
        "--skip", action="append", default=[], metavar="GLOB", help="leave out rows whose id matches"
    )
    parser.add_argument(
        "--runs",
        default="3",
        metavar="K",
        help="tries of each flaky behaviour probe (seed, tools, structured output; default 3)",
    )
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


def patterns(values: Iterable[str]) -> list[str]:
    """Glob patterns from repeated and comma-separated option values."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def select_rows(row_ids: list[str], only: list[str], skip: list[str]) -> list[str]:
    """The row ids that --only and --skip leave; a pattern that matches no row is a usage error."""
    for option, globs in (("--only", only), ("--skip", skip)):
        for glob in globs:
            if not fnmatch.filter(row_ids, glob):
                raise UsageError(f"{option} {glob!r} matches no probed row (list them with: aioc catalog)")
    chosen = [r for r in row_ids if not only or any(fnmatch.fnmatchcase(r, g) for g in only)]
    chosen = [r for r in chosen if not any(fnmatch.fnmatchcase(r, g) for g in skip)]
    if not chosen:
        raise UsageError("--only and --skip leave no row to probe")
    return chosen


def config_from_args(args: argparse.Namespace) -> ProbeConfig:
    """Check every option and build the run's configuration; each mistake is one UsageError line."""
    from probes.prober.run import ProbeConfig, base_url_problem

    base_url = args.base_url or os.environ.get("OPENAI_BASE_URL")
    if not base_url:
        raise UsageError("--base-url is required (or set OPENAI_BASE_URL)")
    if problem := base_url_problem(base_url):
        raise UsageError(problem)
    for option in ("implementation", "output"):
        if not getattr(args, option):
            raise UsageError(f"--{option} is required")
    if args.api_key_env is not None and not ENV_NAME.fullmatch(args.api_key_env):
        raise UsageError(
            "--api-key-env takes the name of an environment variable (letters, digits and _), "
            "not the key itself; the value given was not used"
        )
    if args.api_key_env:
        api_key = os.environ.get(args.api_key_env)
        if not api_key:
            raise UsageError(f"environment variable {args.api_key_env} is not set or empty")
    else:
        api_key = os.environ.get("OPENAI_API_KEY") or None
    if args.format_output is not None and args.format == "table":
        raise UsageError("--format-output needs --format json, junit or markdown")
    for option in ("output", "format_output"):
        path = getattr(args, option)
        if path is not None and path.is_dir():
            raise UsageError(f"--{option.replace('_', '-')} {path} is a directory; name the file")
    return ProbeConfig(
        base_url=base_url,
        implementation=args.implementation,
        model=args.model or None,
        embedding_model=args.embedding_model or None,
        api_key=api_key,
        concurrency=int(_number(args.concurrency, "--concurrency", integer=True)),
        timeout=_number(args.timeout, "--timeout"),
        deadline=_number(args.deadline, "--deadline"),
        runs=int(_number(args.runs, "--runs", integer=True)),
        implementation_version=args.implementation_version,
    )


def shown(redact: Callable[[str], str], text: str, style: str = "") -> Text:
    """Text to print: the key replaced, control characters and escape sequences dropped, and held
    in a rich ``Text``, which rich never reads as markup (a server's ``[bold]`` stays as it is)."""
    from rich.text import Text

    from probes.model.redact import printable

    return Text(printable(redact(text)), style=style)


def _hooks():  # -> tuple[type, type]
    """The progress displays; defined on first use so that rich.progress loads only for a probe."""
    from probes.model.text import plain
    from probes.prober.run import ProgressHook

    def models_line(
        console: Console, redact: Callable[[str], str], target: Target, discovery: Discovery
    ) -> None:
        listed = (
            f"{len(discovery.listed)} listed" if not discovery.problem else f"/v1/models {discovery.problem}"
        )
        chat = target.model or "none"
        embedding = target.embedding_model or "none"
        console.print(shown(redact, f"models: chat {chat}, embedding {embedding} ({listed})"))

    def unreached(discovery: Discovery) -> bool:
        """True when /v1/models could not even be reached: then no probe runs, and every row is
        "not tested" with the same reason, which the run's one problem line already says."""
        return discovery.exchange is not None and discovery.exchange.unreached

    class LineProgress(ProgressHook):
        """One line per graded row on stderr: what CI logs and pipes get."""

        def __init__(self, console: Console, redact: Callable[[str], str]) -> None:
            self.console = console
            self.redact = redact
            self.unreached = False

        def discovered(self, target: Target, discovery: Discovery) -> None:
            self.unreached = unreached(discovery)
            if not self.unreached:
                models_line(self.console, self.redact, target, discovery)

        def finished(self, result: Result) -> None:
            if self.unreached:
                return  # ~100 identical "not tested" lines would bury the error
            line = f"{result.status.symbol} {result.row}  {plain(result.message)}"
            self.console.print(shown(self.redact, line))

    class LiveProgress(ProgressHook):
        """A progress bar with the rows in flight, for a terminal."""

        def __init__(self, progress: Progress, total: int, redact: Callable[[str], str]) -> None:
            self.progress = progress
            self.redact = redact
            self.running: list[str] = []
            self.task = progress.add_task("probing", total=total, running="")
            self.unreached = False

        def discovered(self, target: Target, discovery: Discovery) -> None:
            self.unreached = unreached(discovery)
            if not self.unreached:
                models_line(self.progress.console, self.redact, target, discovery)

        def started(self, row_id: str) -> None:
            self.running.append(row_id)
            self.progress.update(self.task, running=", ".join(self.running[-3:]))

        def finished(self, result: Result) -> None:
            if result.row in self.running:
                self.running.remove(result.row)
            self.progress.update(self.task, advance=1, running=", ".join(self.running[-3:]))

    return LineProgress, LiveProgress


def summary_table(report: Report, redact: Callable[[str], str] | None = None) -> Table:
    """The graded rows with their reasons, and the counts per grade in the caption; every cell is
    a :func:`shown` text, so that a reason from a server is printed as it is, never as markup."""
    from rich.table import Table

    from probes.cli.formats import counts
    from probes.model.status import Status
    from probes.model.text import plain

    redact = redact or str
    table = Table(title=shown(redact, f"{report.implementation} · {report.run_id}"), title_justify="left")
    table.add_column("Row")
    table.add_column("Grade")
    table.add_column("Reason", overflow="fold")
    for result in report.results:
        grade = f"{result.status.symbol} {result.status.label}"
        table.add_row(
            shown(redact, result.row),
            shown(redact, grade, result.status.style),
            shown(redact, plain(result.message)),
        )
    table.caption = shown(
        redact,
        " · ".join(f"{Status(status).symbol} {count}" for status, count in counts(report).items() if count),
    )
    return table


def render(report: Report, catalog: Catalog, form: str, fail_on: FailOn) -> str:
    """One of the machine-readable forms of the report (the same functions as ``aioc show``)."""
    from probes.cli.formats import to_json, to_junit, to_markdown

    if form == "json":
        return to_json(report)
    if form == "junit":
        return to_junit(report, catalog, fail_on)
    return to_markdown(report, catalog, fail_on)


def probed_rows(catalog: Catalog, registry: Iterable[str], only: list[str], skip: list[str]) -> list[Row]:
    """The catalog rows that have a probe and that --only / --skip leave, in catalog order."""
    known = set(registry)
    rows = [row for row in catalog.rows.values() if row.id in known]
    if not (only or skip):
        return rows
    chosen = set(select_rows([row.id for row in rows], only, skip))
    return [row for row in rows if row.id in chosen]


def run(args: argparse.Namespace) -> int:
    """Probe, write the report, print the chosen form; the exit code follows --fail-on."""
    import asyncio

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from probes.cli.formats import exit_code
    from probes.load.dataset import DataError, load_reference
    from probes.load.paths import default_data_dir
    from probes.model.redact import Redactor
    from probes.prober.endpoints import REGISTRY
    from probes.prober.http import one_line
    from probes.prober.run import probe_run, report_json

    config = config_from_args(args)
    data_dir = args.data or default_data_dir()
    problems: list = []
    reference = load_reference(Path(data_dir), problems)
    if reference.catalog is None or problems:
        first = problems[0] if problems else "the catalog could not be read"
        raise UsageError(f"{first}")
    if config.implementation not in reference.implementations and not args.unlisted:
        known = ", ".join(sorted(reference.implementations))
        raise UsageError(
            f"unknown implementation {config.implementation!r} (known: {known}; "
            "--unlisted accepts another id)"
        )
    rows = probed_rows(reference.catalog, REGISTRY, patterns(args.only), patterns(args.skip))
    if args.only or args.skip:
        from dataclasses import replace

        config = replace(config, only=frozenset(row.id for row in rows))
    err = Console(stderr=True, highlight=False, soft_wrap=True)  # one line per row in CI logs
    # the prober's own redaction (the key, and the host when it is private), for all that is printed
    redact = Redactor([config.api_key or ""], [urlsplit(config.base_url).hostname or ""])
    LineProgress, LiveProgress = _hooks()
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
                hook = LiveProgress(progress, len(rows), redact)
                outcome = asyncio.run(probe_run(config, rows, catalog=reference.catalog.rows, hook=hook))
        else:
            hook = LineProgress(err, redact)
            outcome = asyncio.run(probe_run(config, rows, catalog=reference.catalog.rows, hook=hook))
    except (DataError, OSError, RuntimeError, ValueError) as exc:
        print(f"aioc probe: the run failed: {one_line(redact(str(exc)), 200)}", file=sys.stderr)
        return 2
    report = outcome.report
    try:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(redact(report_json(report)), encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {args.output}: {exc.strerror}") from None
    # The run's problem comes first, before any table: it is what needs fixing. When the server was
    # not reached at all, the rows are not listed (each would say the same); the report has them.
    if outcome.problem:
        print(f"aioc probe: {one_line(redact(outcome.problem), 400)}", file=sys.stderr)
    out = Console(highlight=False)
    table = not hook.unreached
    if args.format == "table":
        if table:
            out.print(summary_table(report, redact))
    else:
        text = redact(render(report, reference.catalog, args.format, args.fail_on))
        if args.format_output is None:
            sys.stdout.write(text)
        else:
            try:
                args.format_output.parent.mkdir(parents=True, exist_ok=True)
                args.format_output.write_text(text, encoding="utf-8")
            except OSError as exc:
                raise UsageError(f"cannot write {args.format_output}: {exc.strerror}") from None
            if table:
                out.print(summary_table(report, redact))
    every = "" if table else f", its {len(report.results)} rows not tested"
    err.print(shown(redact, f"wrote {args.output} (run {report.run_id}{every})"))
    return 2 if outcome.problem else exit_code(report, args.fail_on)
