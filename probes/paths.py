"""Where aioc finds ``data/`` when not told: ``$AIOC_DATA``, ``./data``, or the checkout's own."""

from __future__ import annotations

import os
from pathlib import Path

CHECKOUT_DATA = Path(__file__).resolve().parents[1] / "data"


def default_data_dir() -> Path:
    """The data directory commands read the catalog and implementations from by default."""
    env = os.environ.get("AIOC_DATA")
    if env:
        return Path(env)
    local = Path("data")
    if (local / "catalog").is_dir():
        return local
    return CHECKOUT_DATA
