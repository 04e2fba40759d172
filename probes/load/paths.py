"""Where aioc finds ``data/`` when not told: ``$AIOC_DATA``, the nearest ``data/``, or the checkout's own."""

from __future__ import annotations

import os
from pathlib import Path

DATA_DIR = "data"
CHECKOUT_DATA = Path(__file__).resolve().parents[2] / DATA_DIR


def find_data_dir(start: Path) -> Path | None:
    """The nearest ``data/`` with a catalog, looking in ``start`` and then its parents (like git)."""
    for folder in (start, *start.parents):
        candidate = folder / DATA_DIR
        if (candidate / "catalog").is_dir():
            return candidate
    return None


def default_data_dir() -> Path:
    """The data directory every command reads by default.

    ``$AIOC_DATA`` wins; otherwise the nearest ``data/`` from the working directory up, so that
    commands work anywhere in a checkout; otherwise the data beside the installed package.
    """
    env = os.environ.get("AIOC_DATA")
    if env:
        return Path(env)
    return find_data_dir(Path.cwd()) or CHECKOUT_DATA
