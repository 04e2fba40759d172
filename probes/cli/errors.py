"""Errors the CLI turns into one line on stderr instead of a traceback."""

from __future__ import annotations


class UsageError(Exception):
    """A mistake in how aioc was called or in the input it was given (exit 2)."""
