"""Helpers the subcommands share: the --data option, loading the dataset and one report file."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from probes.cli.errors import UsageError
from probes.cli.formats import FailOn
from probes.load.dataset import DataError, Dataset, read_report
from probes.load.paths import default_data_dir
from probes.model.report import Report


def add_data_option(parser: argparse.ArgumentParser) -> None:
    """``--data DIR``: where the catalog and implementations are (see :func:`default_data_dir`)."""
    parser.add_argument(
        "--data",
        type=Path,
        default=None,
        metavar="DIR",
        help="the data directory with catalog/ and implementations.json "
        "(default: $AIOC_DATA, else the nearest data/ from here up, else the checkout's)",
    )


def load_data(args: argparse.Namespace) -> Dataset:
    """The validated dataset, or a one-line usage error naming the first problem."""
    from probes.load.dataset import load_dataset

    data_dir = args.data or default_data_dir()
    try:
        return load_dataset(data_dir)
    except DataError as exc:
        more = f" (and {len(exc.problems) - 1} more; run aioc validate)" if len(exc.problems) > 1 else ""
        raise UsageError(f"{exc.problems[0]}{more}") from None


def load_report(path: Path) -> Report:
    """One report file, read as the build reads it, or a one-line usage error naming the file and the
    JSON path of its first problem."""
    shown = str(path)
    if not os.path.lexists(path):
        raise UsageError(f"{shown}: no such file")
    try:
        return read_report(path, shown)
    except DataError as exc:
        count = len(exc.problems) - 1
        more = f" (and {count} more: aioc validate {shown} lists them)" if count else ""
        raise UsageError(f"{exc.problems[0]}{more}") from None


def add_fail_on_option(parser: argparse.ArgumentParser) -> None:
    """``--fail-on``: which grades make the command exit 1 (see :func:`probes.cli.formats.exit_code`)."""
    parser.add_argument(
        "--fail-on",
        type=FailOn,
        choices=list(FailOn),
        default=FailOn.NONE,
        help="exit 1 when a result is this bad: fail (❌), deviation (❌ or ⚠️), none (default)",
    )
