"""The file rules: what may be under ``data/``, and reading one file without trusting it.

``data/`` holds exactly these, each a regular file (what is not listed is an error, naming the file,
so that a pull request cannot show green while changing nothing):

- ``catalog/*.json``: the catalog, one file per matrix family;
- ``implementations.json``: the implementations;
- ``reports/<implementation>/<run_id>.json``: the runs (a ``.json`` file elsewhere under
  ``reports/`` is read too, and then told where it belongs).

Hidden entries (a name starting with ``.``) are not data: they are named (``aioc validate`` lists
them, the build logs them) and not read. Nothing else is allowed, not even a README: notes on the
data belong in ``docs/``; the JSON Schemas are in ``docs/schema/``. A symbolic link (to a file or a
folder) is refused, so that only what is in ``data/`` is published; anything that is not a regular
file (a named pipe, a device) is refused without being opened, and a file is read only up to
:data:`MAX_FILE_BYTES`, however large the file system says it is.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from probes.load.problems import Problem

MAX_FILE_BYTES = 5_000_000
"""A report is a few hundred kilobytes at most; anything far larger is a mistake, not data."""

CATALOG_DIR = "catalog"
IMPLEMENTATIONS_FILE = "implementations.json"
REPORTS_DIR = "reports"

_OPEN_FLAGS = (
    os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
)
"""Never follow a link, never wait on a pipe: the file was checked with lstat, and is checked again."""


def _kind(mode: int) -> str:
    """What a thing that is not a regular file is, in words."""
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "something else"


def _refused(shown: str, mode: int) -> Problem:
    if stat.S_ISLNK(mode):
        return Problem(
            shown,
            "",
            "is a symbolic link — only what is in data/ is published: replace the link with a copy of what it"
            " points to",
        )
    return Problem(
        shown, "", f"is {_kind(mode)}, not a regular file — data/ holds only plain files; remove it"
    )


def read_bytes(path: Path, shown: str) -> tuple[bytes | None, list[Problem]]:
    """The file's bytes, or a problem: not a regular file, a link, unreadable, or over the size limit.

    ``lstat`` before opening refuses a pipe or a device without opening it (opening a pipe waits for
    a writer); the open itself neither follows a link nor blocks, and ``fstat`` checks what was
    opened. At most one byte more than the limit is read, whatever size the file system reports.
    """
    try:
        mode = os.lstat(path).st_mode
        if not stat.S_ISREG(mode):
            return None, [_refused(shown, mode)]
        fd = os.open(path, _OPEN_FLAGS)
        try:
            status = os.fstat(fd)
            if not stat.S_ISREG(status.st_mode):
                return None, [_refused(shown, status.st_mode)]
            if status.st_size > MAX_FILE_BYTES:
                return None, [_too_large(shown, status.st_size)]
            chunks = []
            size = 0
            want = status.st_size + 1  # one read for the whole file, and one to see that it ended
            while size <= MAX_FILE_BYTES:
                chunk = os.read(fd, min(want, MAX_FILE_BYTES + 1 - size))
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
                want = 1 << 16
        finally:
            os.close(fd)
    except OSError as exc:
        return None, [Problem(shown, "", f"cannot be read: {exc.strerror or exc}")]
    if size > MAX_FILE_BYTES:
        return None, [_too_large(shown, size)]
    return b"".join(chunks), []


def _too_large(shown: str, size: int) -> Problem:
    return Problem(
        shown,
        "",
        f"file is {size:,} bytes, over the {MAX_FILE_BYTES:,} byte limit"
        " — trim the evidence bodies or split the run",
    )


@dataclass
class DataFiles:
    """Every file under ``data/``, sorted by what reads it, and the problems of those nothing reads.

    ``reference_problems`` are those of ``catalog/`` and ``implementations.json`` (a command that
    needs only the catalog stops on them); ``other_problems`` the rest (stray files, links, pipes).
    """

    catalog: list[Path] = field(default_factory=list)
    implementations: Path | None = None
    reports: list[tuple[Path, str, PurePosixPath]] = field(default_factory=list)
    """``(path, shown, relative)``: where to read, how messages name it, and its place under data/."""
    reference_problems: list[Problem] = field(default_factory=list)
    other_problems: list[Problem] = field(default_factory=list)
    count: int = 0
    """How many files there are, read or refused."""
    hidden: list[str] = field(default_factory=list)
    """Hidden entries (``.DS_Store``, an editor's ``.x.json.swp``), named but not read: they are never
    data, and refusing them would stop ``mkdocs serve`` whenever an editor has a report open."""


def shown_root(root: Path) -> str:
    """How messages name ``data/`` itself: by its folder's name, as the repository shows it."""
    return root.resolve().name or str(root)


def data_files(root: Path) -> DataFiles:
    """Walk ``root`` without following links, and file every entry under its rule (see the module)."""
    found = DataFiles()
    base = shown_root(root)

    def walk(folder: Path, parts: tuple[str, ...]) -> None:
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            shown = "/".join((base, *parts))
            found.other_problems.append(Problem(shown, "", f"cannot be read: {exc.strerror or exc}"))
            return
        for entry in entries:
            relative = (*parts, entry.name)
            shown = "/".join((base, *relative))
            if entry.name.startswith("."):
                found.hidden.append(shown)
                continue
            problems = found.reference_problems if _is_reference(relative) else found.other_problems
            if entry.is_symlink():
                found.count += 1
                problems.append(_refused(shown, stat.S_IFLNK))
            elif entry.is_dir(follow_symlinks=False) and relative != (IMPLEMENTATIONS_FILE,):
                walk(Path(entry.path), relative)
            elif not entry.is_file(follow_symlinks=False):
                found.count += 1
                try:
                    mode = entry.stat(follow_symlinks=False).st_mode
                except OSError:  # gone since the folder was listed
                    mode = 0
                problems.append(_refused(shown, mode))
            else:
                found.count += 1
                _file(found, Path(entry.path), shown, relative)

    walk(root, ())
    if found.implementations is None and not any(
        p.file == f"{base}/{IMPLEMENTATIONS_FILE}" for p in found.reference_problems
    ):
        found.reference_problems.append(
            Problem(f"{base}/{IMPLEMENTATIONS_FILE}", "", "cannot be read: No such file or directory")
        )
    if not found.catalog:
        found.reference_problems.append(Problem(f"{base}/{CATALOG_DIR}", "", "holds no catalog file"))
    return found


def _is_reference(relative: tuple[str, ...]) -> bool:
    return relative[0] in (CATALOG_DIR, IMPLEMENTATIONS_FILE)


def _file(found: DataFiles, path: Path, shown: str, relative: tuple[str, ...]) -> None:
    """File one regular file under the loader that reads it, or name it as read by none."""
    name = relative[-1]
    if relative == (IMPLEMENTATIONS_FILE,):
        found.implementations = path
    elif relative[0] == CATALOG_DIR and len(relative) == 2 and name.endswith(".json"):
        found.catalog.append(path)
    elif relative[0] == REPORTS_DIR and len(relative) >= 2 and name.endswith(".json"):
        found.reports.append((path, shown, PurePosixPath(*relative)))
    else:
        problems = found.reference_problems if _is_reference(relative) else found.other_problems
        problems.append(Problem(shown, "", f"no loader reads this file — {_where_it_belongs(relative)}"))


def _where_it_belongs(relative: tuple[str, ...]) -> str:
    """The tip for a file nothing reads: what its folder holds, and what to do."""
    stem, dot, suffix = relative[-1].rpartition(".")
    if dot and suffix.lower() == "json":
        fix = f"rename it to {stem}.json"
    elif dot and suffix.lower() in ("json5", "jsonc", "yaml", "yml", "toml"):
        fix = f"write it as JSON named {stem}.json"
    else:
        fix = "remove it"
    if relative[0] == REPORTS_DIR:
        return f"reports are JSON files named reports/<implementation>/<run_id>.json; {fix}"
    if relative[0] == CATALOG_DIR:
        fix = (
            fix
            if len(relative) == 2 and fix != "remove it"
            else "move it into catalog/ as a .json file, or remove it"
        )
        return f"the catalog is the .json files directly in catalog/; {fix}"
    return (
        "data/ holds only catalog/, implementations.json and reports/; move it into one of them, or remove it"
        " (notes on the data belong in docs/)"
    )
