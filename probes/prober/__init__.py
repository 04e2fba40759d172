"""The prober: HTTP client, evidence, discovery, negative controls and one module per endpoint family.
Imports only ``probes.model``: it writes reports and never reads ``data/``."""
