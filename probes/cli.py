"""The ``aioc`` command line: one subcommand per module in :mod:`probes.commands`.

Exit codes, for every subcommand: 0 success, 1 a result below the bar the user set (a failed
validation, a graded run below ``--fail-on``), 2 usage or input errors. Errors are one line on
stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from probes import __version__
from probes.errors import UsageError

__all__ = ["UsageError", "build_parser", "main"]

COMMANDS = ("probe", "validate", "diff", "show", "catalog")
"""Subcommand modules under ``probes/commands/``; each has ``register(subparsers)``."""


def build_parser() -> argparse.ArgumentParser:
    """The parser with every subcommand that is installed."""
    parser = argparse.ArgumentParser(
        prog="aioc", description="OpenAI API compatibility prober and matrix tools."
    )
    parser.add_argument("--version", action="version", version=f"aioc {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"probes.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"probes.commands.{name}":
                continue  # not written yet
            raise
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one subcommand; each sets ``func(args) -> int`` on its parser."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except UsageError as exc:
        print(f"aioc {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("aioc: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
