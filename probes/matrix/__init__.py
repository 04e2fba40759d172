"""From loaded data to matrices: merging reports into cells, history, tables, exports and diffs.
Imports ``probes.load`` and ``probes.model``."""
