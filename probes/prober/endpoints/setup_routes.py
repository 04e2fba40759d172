"""Routes no catalog row names: the resources some Responses probes make before they ask.

A conversation, a vector store or a prompt template is created (and deleted again) through these
so that a Responses request can refer to it; the matrix grades that request, not these routes, so
they have no row. They are written here once, and every other path a probe sends to comes from
its catalog row (``tests/test_catalog_routes.py`` checks that no other module writes one). A row
for one of them in the catalog would move it there.
"""

from __future__ import annotations

from probes.prober.endpoints.registry import Route

CONVERSATIONS = Route("", "POST", "/v1/conversations")
"""OpenAI's conversations: ``POST`` creates one, ``{id}/items`` lists what it holds."""

VECTOR_STORES = Route("", "POST", "/v1/vector_stores")
"""OpenAI's vector stores: ``POST`` creates one, ``{id}/files`` attaches uploaded files."""

PROMPTS = Route("", "POST", "/v1/prompts")
"""A server's own prompt templates (OGX's, formerly Llama Stack's); OpenAI has no such route."""
