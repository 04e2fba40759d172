"""What the MkDocs hook calls: rendering merged matrices into pages through the Jinja macros.
Imports ``probes.matrix`` and below."""
