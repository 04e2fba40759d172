"""Reading ``data/``: strict JSON, the file rules, problems with a file, a JSON path and a tip.
Imports only ``probes.model``."""
