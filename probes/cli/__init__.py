"""The ``aioc`` command line: one module per command. The top layer; imports any other."""
