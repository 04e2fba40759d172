"""aioc: measure how OpenAI-compatible a server is, and publish the evidence as a matrix."""

from __future__ import annotations

__version__ = "0.1.0"
