"""The ``aioc`` command line: one subcommand per module in :mod:`probes.cli.commands`.

Exit codes, for every subcommand: 0 success, 1 a result below the bar the user set (a failed
validation, a graded run below ``--fail-on``), 2 usage or input errors. Errors are one line on
stderr, never a traceback.

Options are matched by their full name only (no abbreviations: ``--api-key`` must never be taken
for ``--api-key-env``), and an argument that is not understood is never echoed, since it may be
a key typed in the wrong place.
"""

from __future__ import annotations

import argparse
import importlib
import re
import sys
from collections.abc import Sequence
from typing import Any

from probes import __version__
from probes.cli.errors import UsageError

__all__ = ["UsageError", "build_parser", "main"]

COMMANDS = ("probe", "validate", "diff", "show", "catalog")
"""Subcommand modules under ``probes/commands/``; each has ``register(subparsers)``."""


_OPTION = re.compile(r"--?[A-Za-z][A-Za-z0-9-]*")
"""An argument that names an option (shown when unknown); anything else is a value (never shown)."""

_LITERAL = re.compile(r"``(.+?)``|:[a-z]+:`~?([^`]+)`", re.DOTALL)
"""reStructuredText markup in docstrings: ``literal`` and :role:`target`, shown in help as plain text."""


def plain_help(text: str) -> str:
    """Help text without the reStructuredText markup of the docstrings it comes from.

    The subcommands' descriptions are their module docstrings, written for Sphinx-style readers;
    a terminal shows the markup verbatim, so ``aioc show`` would read as two pairs of backticks.
    """
    return _LITERAL.sub(lambda m: m.group(1) or m.group(2), text)


class Parser(argparse.ArgumentParser):
    """argparse without prefix matching, for the command and (as their class) every subcommand,
    without echoing the values of arguments it does not understand, and with help texts shown
    without the docstrings' markup."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["allow_abbrev"] = False
        super().__init__(*args, **kwargs)

    def parse_args(self, args: Sequence[str] | None = None, namespace: Any = None) -> Any:  # type: ignore[override]
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:
            names = [name for arg in extras if _OPTION.fullmatch(name := arg.split("=", 1)[0])]
            values = sum(1 for arg in extras if "=" in arg or not _OPTION.fullmatch(arg))
            if values:
                names.append(f"{values} value{'s' if values != 1 else ''} (not shown)")
            self.error(f"unrecognized arguments: {', '.join(names)}")
        return parsed

    def format_help(self) -> str:
        """The help, with docstring markup removed (see :func:`plain_help`)."""
        return plain_help(super().format_help())


def build_parser() -> argparse.ArgumentParser:
    """The parser with every subcommand that is installed."""
    parser = Parser(prog="aioc", description="OpenAI API compatibility prober and matrix tools.")
    parser.add_argument("--version", action="version", version=f"aioc {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"probes.cli.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"probes.cli.commands.{name}":
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
