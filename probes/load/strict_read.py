"""A second process that reads report files strictly while the loader builds their models.

About half of loading thousands of reports is Python's JSON decoder, which the loader uses because
it can refuse what JSON parsers usually let through: duplicate keys, NaN, bad UTF-8 (see
:func:`probes.load.dataset.decode_json`). The other half is building the pydantic models. On two cores
both can run at once: the loader builds the models with pydantic's own JSON parser, which is
faster but lenient, while this process reads the same files strictly and names the ones it
refuses. A refused file is then read again the usual way, so the problems and their messages are
exactly those of a load in one process.

    python -m probes.load.strict_read < names    # file names separated by NUL; prints how many it
                                            # read and the indices of those it refuses

A subprocess and not :mod:`multiprocessing`: its spawn start method runs the caller's main module
again in the child (fatal for a script without a ``__main__`` guard), and fork is unsafe in a
process with threads, such as ``mkdocs serve``.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
from pathlib import Path

import probes
from probes.load.dataset import decode_json, read_bytes

log = logging.getLogger(__name__)


def refused(names: list[str]) -> list[int]:
    """The indices of the files that a strict reading refuses, or that cannot be read at all."""
    out = []
    for index, name in enumerate(names):
        raw, found = read_bytes(Path(name), "")
        data, _, found = decode_json(raw, "", walk=False) if raw is not None else (None, None, found)
        if data is None or found:
            out.append(index)
    return out


class StrictReader:
    """The second process, started on a list of files; :meth:`refused` waits for its answer."""

    def __init__(self, paths: list[Path]) -> None:
        if not sys.executable:
            raise OSError("no Python interpreter to start the second process with")
        package_parent = str(Path(probes.__file__).resolve().parents[1])
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_parent, env.get("PYTHONPATH")) if p)
        self._answer: bytes | None = None
        self._count = len(paths)
        self._child = subprocess.Popen(
            [sys.executable, "-m", "probes.load.strict_read"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        # NUL-separated: a file name may hold a line break, never a NUL.
        names = "\0".join(str(p) for p in paths).encode("utf-8", "surrogateescape")
        # The pipe holds 64 KB; a thread feeds it so that this process can get on with its half.
        self._talk = threading.Thread(target=self._communicate, args=(names,), daemon=True)
        self._talk.start()

    def _communicate(self, names: bytes) -> None:
        self._answer, _ = self._child.communicate(names)

    def refused(self) -> set[int] | None:
        """The indices refused, or None when the process failed (then every file needs reading)."""
        self._talk.join()
        if self._child.returncode != 0 or self._answer is None:
            log.debug("strict reading in a second process failed (exit %s)", self._child.returncode)
            return None
        try:
            answer = json.loads(self._answer)
        except ValueError:
            return None
        # It must have read as many files as it was given, or its indices do not name ours.
        if not isinstance(answer, dict) or answer.get("files") != self._count:
            return None
        indices = answer.get("refused")
        if not isinstance(indices, list) or not all(type(i) is int and 0 <= i < self._count for i in indices):
            return None
        return set(indices)

    def stop(self) -> None:
        """Stop the process if it still runs (the load was interrupted)."""
        if self._child.poll() is None:
            self._child.kill()
        self._talk.join()


def main() -> int:
    text = sys.stdin.buffer.read().decode("utf-8", "surrogateescape")
    names = text.split("\0") if text else []
    sys.stdout.write(json.dumps({"files": len(names), "refused": refused(names)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
