"""One module per endpoint family; importing this package registers every probe.

The registry (:data:`probes.prober.endpoints.registry.REGISTRY`) maps catalog row ids to probes; a test
checks that it covers the catalog exactly.
"""

from __future__ import annotations

from probes.prober.endpoints import (  # noqa: F401  (imported for their @probe registrations)
    audio,
    chat,
    completions,
    embeddings,
    files,
    fine_tuning,
    images,
    models,
    moderations,
    realtime,
    responses,
    responses_compact,
    responses_conversations,
    responses_features,
    responses_file_search,
    responses_prompts,
    server,
)
from probes.prober.endpoints.registry import REGISTRY, ProbeSpec

__all__ = ["REGISTRY", "ProbeSpec"]
