"""An in-process server that speaks OpenAI's API correctly, with switches for known deviations.

Tests start it on 127.0.0.1 (port 0) in a thread and probe it over real HTTP. Each switch in
:data:`DEVIATIONS` turns on one way real servers differ from OpenAI, so a test can check that the
prober notices exactly that difference and nothing else.
"""

from __future__ import annotations

from refserver.faults import FAULTS, FaultServer
from refserver.server import DEVIATIONS, MODELS, RefServer

__all__ = ["DEVIATIONS", "FAULTS", "MODELS", "FaultServer", "RefServer"]
