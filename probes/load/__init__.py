"""Reading ``data/``: strict JSON, the file rules, problems with a file, a JSON path and a tip.
Imports only ``probes.model``.

- ``dataset``: the loader, one pass per file; what the build and ``aioc validate`` call;
- ``files``: what may be under ``data/``, and reading one file without trusting it;
- ``json_strict``: decoding strictly (no duplicate key, no NaN, UTF-8, bounded nesting);
- ``jsonpos``: the line and JSON path of a place in the text, for a file that has a problem;
- ``problems``: ``Problem``, ``DataError`` and the tips added to pydantic's messages;
- ``report_rules``: the rules that need more than one file;
- ``paths``: where ``data/`` is when not told.
"""
