"""Benchmark the site build: the hook's cost against a plain MkDocs build, and how it grows with the data.

    .venv/bin/python scripts/bench_build.py [--sizes 1,10,100] [--max-reports 10000] [--repeat 3]

Synthetic data is written into temporary directories at 1×, 10× and 100× today's number of reports
(and at ``--max-reports`` when that is larger): today's reports copied with new ids, dates and
implementations (more columns as the data grows, up to 40) and regraded now and then, so sizes,
shapes and the mix of probed and hand-entered runs are today's (``--probed-share`` changes the mix).
For each size it prints:

- plain: the same docs built without the hook (their markers then stay HTML comments);
- with hook: the whole build, in a new process as in CI; hook: the time inside the hook's events
  in that build (cold) and in a rebuild in the same process (warm, as under ``mkdocs serve``);
- the ratio of the hook's time to the plain build, and the hook's time per report, which stays
  flat (or falls) while the cost grows linearly with the data;
- the largest matrix page's size, raw and gzipped, and the size of the toggle script;
- at today's size, the whole ``mkdocs build`` in a new process with and without the hook, and where
  the difference goes: loading the config (which imports the hook and probes), the hook's events,
  Material's search parsing the pages, and the rest (more and larger pages to convert and theme);
- at the largest size, the cold load (``load_dataset`` in a new process: the file rules, strict JSON,
  the models and the cross-file checks) against a floor measured in the same run: the same reports
  read and validated by pydantic alone (``model_validate_json``, no other check), in a new process.
  The ratio is the price of the loader's strictness (issue 16: at most 1.3x). Both are also timed
  with the garbage collector paused around them, to show whether a caller (the hook) gains by it.

``--rev REV`` (repeatable) measures only the hook's events against the plain build in a new process,
for the working tree and each revision (a ``git archive`` copy with its own data), the builds taking
turns in one run: before and after on the same machine at the same moment.

Targets (issue 6): the hook adds under 10% to the plain build at today's size; under 5 s at 10,000
reports; every matrix page under 150 KB gzipped; the toggle script under 5 KB. Issue 16: the cold load
at most 1.3x the floor; the hook's events at most 0.7x the plain build in a new process at today's
size. The renderer keeps no HTML away from Markdown or search behind placeholders: its large blocks
skip Markdown's raw-HTML parser through ``probes.site.raw_html``, and Material's search parses every
page whole. Nothing here touches the network; every directory it writes is temporary and removed at
the end.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import datetime as dt
import functools
import gc
import gzip
import json
import logging
import math
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
HOOK = "scripts/hooks/matrix.py"
TOGGLES = ROOT / "overrides/assets/aioc/toggles.js"

sys.path.insert(0, str(ROOT))
os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")

from mkdocs.commands.build import build as mkdocs_build  # noqa: E402
from mkdocs.config import load_config  # noqa: E402

# probes is imported where it is used, not here: a plain build in a new process (``--single plain``)
# must not pay for importing it, or the whole-process comparison would hide the hook's import time.

TARGET_OVERHEAD = 0.10
TARGET_LARGE_SECONDS = 5.0
TARGET_LARGE_REPORTS = 10_000
TARGET_PAGE_GZIP = 150 * 1024
TARGET_SCRIPT = 5 * 1024
TARGET_LOAD_OVER_FLOOR = 1.3
TARGET_EVENTS_OVER_PROCESS = 0.7
"""Issue 16: the hook's events against the whole plain ``mkdocs build`` in a new process, at today's size."""

STATUS_WEIGHTS = {"pass": 55, "deviation": 15, "fail": 15, "out_of_scope": 5, "untested": 10}
"""The grades a synthetic run gives a cell it regrades; any grade can follow any other."""
CHANGE_RATE = 0.1
"""How often a run regrades a cell its implementation already had; the rest confirm the old grade."""


def write_synthetic_data(
    target: Path, reports: int, implementations: int, *, probed_share: float | None = None, seed: int = 6
) -> None:
    """A data/ directory with the real catalog, ``implementations`` columns and ``reports`` runs.

    Each run is a copy of one of today's reports (so sizes and shapes are today's) with its own id,
    implementation, date and regraded cells. ``probed_share`` sets how many runs are probed; by
    default it is today's share. A probed copy carries an exchange of evidence for every tested cell.
    """
    from probes.load.dataset import load_dataset

    real = load_dataset(ROOT / "data")
    shutil.copytree(ROOT / "data/catalog", target / "catalog")
    rng = random.Random(seed)
    impls = [
        {"id": i.id, "name": i.name, "homepage": i.homepage, "kind": i.kind.value}
        for i in real.implementations.values()
    ]
    for n in range(len(impls), implementations):
        impls.append(
            {
                "id": f"synthetic-{n:03d}",
                "name": f"Synthetic server {n}",
                "homepage": f"https://example.org/synthetic-{n}",
                "kind": "inference_server",
            }
        )
    impls = impls[:implementations]
    (target / "implementations.json").write_text(
        json.dumps({"implementations": impls}, indent=2), encoding="utf-8"
    )
    templates = [json.loads((ROOT / "data" / r.path).read_text(encoding="utf-8")) for r in real.reports]
    share = probed_share
    if share is None:
        share = sum(t["origin"] == "probed" for t in templates) / len(templates)
    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    step = (dt.datetime(2026, 1, 1, tzinfo=dt.UTC) - start) / max(reports, 1)
    statuses, weights = list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values())
    graded: dict[tuple[str, str], str] = {}
    for k in range(reports):
        impl = impls[k % len(impls)]["id"]
        report = copy.deepcopy(templates[k % len(templates)])
        run_id = f"{impl}-synthetic-{k:05d}"
        probed = rng.random() < share
        report |= {
            "run_id": run_id,
            "implementation": impl,
            "created": (start + step * k).isoformat().replace("+00:00", "Z"),
            "origin": "probed" if probed else "manual",
        }
        if probed:
            report.setdefault("prober", "aioc 0.1.0")
            report.setdefault("implementation_version", f"1.{k % 50}.0")
        else:
            report.setdefault("source", "https://example.org/changelog")
        for result in report["results"]:
            if probed:  # a probed cell's evidence is its source
                result.pop("sources", None)
                result.pop("unexplained", None)
            key = (impl, result["row"])
            if key not in graded or rng.random() < CHANGE_RATE:
                graded[key] = rng.choices(statuses, weights)[0]
            status = result["status"] = graded[key]
            if status in ("deviation", "untested") and not result.get("message"):
                result["message"] = f"synthetic note {rng.randrange(40)}"
            if probed and status in ("pass", "deviation", "fail") and not result.get("evidence"):
                result["evidence"] = [_exchange(rng, result["row"], run_id, 404 if status == "fail" else 200)]
        folder = target / "reports" / impl
        folder.mkdir(parents=True, exist_ok=True)
        text = json.dumps(report, indent=2, ensure_ascii=False) + "\n"
        (folder / f"{run_id}.json").write_text(text, encoding="utf-8")


def _exchange(rng: random.Random, row: str, run_id: str, code: int) -> dict[str, Any]:
    """One exchange of evidence sized like the prober's: bodies of a few hundred bytes, some of 3 KB."""
    text = "x" * (3000 if rng.random() < 0.1 else rng.randrange(100, 800))
    return {
        "label": f"{row} request",
        "request": {
            "method": "POST",
            "path": "/v1/chat/completions",
            "headers": {"content-type": "application/json"},
            "body": json.dumps({"model": "m", "messages": [{"role": "user", "content": row}]}),
        },
        "response": {
            "status": code,
            "headers": {"content-type": "application/json"},
            "body": json.dumps({"id": run_id, "choices": [{"message": {"content": text}}]}),
            "elapsed_ms": rng.randrange(5, 900),
        },
    }


@dataclasses.dataclass
class Timing:
    build: float
    events: dict[str, float]
    configure: float = 0.0
    """Loading mkdocs.yml, which imports the hook and with it probes."""
    search: float = 0.0
    """Time in the search plugin's page event: it parses each page's HTML for the index."""

    @property
    def hook(self) -> float:
        """Time spent inside the hook's event handlers."""
        return sum(self.events.values())


def timed_build(data_dir: Path, site_dir: Path, *, with_hook: bool) -> Timing:
    """One real build in this process; the hook's events are wrapped to add up their time."""
    options = {"data_dir": str(data_dir), "stale_after_days": 365}
    overrides: dict[str, Any] = {"site_dir": str(site_dir), "extra": {"aioc": options}}
    if not with_hook:
        # Without the hook, the exports page links to files nobody generates: not an error here.
        overrides |= {"hooks": [], "strict": False}
    began = time.perf_counter()
    config = load_config(str(ROOT / "mkdocs.yml"), **overrides)
    configure = time.perf_counter() - began
    spent: dict[str, float] = {}
    search: dict[str, float] = {}

    def timer(event: str, method: Callable[..., Any], into: dict[str, float]) -> Callable[..., Any]:
        @functools.wraps(method)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            began = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                into[event] = into.get(event, 0.0) + time.perf_counter() - began

        return wrapped

    hook = config.plugins.get(HOOK)
    indexer = config.plugins.get("material/search")
    for event, methods in config.plugins.events.items():
        for index, method in enumerate(methods):
            if hook is not None and getattr(method, "__module__", None) == getattr(hook, "__name__", None):
                methods[index] = timer(event, method, spent)
            elif event == "page_context" and getattr(method, "__self__", None) is indexer:
                methods[index] = timer(event, method, search)
    began = time.perf_counter()
    mkdocs_build(config)
    return Timing(
        build=time.perf_counter() - began,
        events=spent,
        configure=configure,
        search=search.get("page_context", 0.0),
    )


def best(runs: list[Timing]) -> Timing:
    """The fastest run: the least disturbed by other work on a shared machine."""
    return min(runs, key=lambda t: t.build)


def matrix_pages() -> list[str]:
    """The built path of every page whose source holds a matrix marker (``<!-- aioc:matrix ID -->``)."""
    pages = []
    for source in sorted((ROOT / "docs").rglob("*.md")):
        if "<!-- aioc:matrix " in source.read_text(encoding="utf-8"):
            stem = source.relative_to(ROOT / "docs").with_suffix("")
            pages.append("index.html" if stem.name == "index" else f"{stem.as_posix()}/index.html")
    return pages


def page_sizes(site: Path) -> tuple[str, int, int]:
    """The largest matrix page when gzipped: its path and its size in bytes, raw and gzipped (level 9,
    as a server would send it). Every page with a matrix counts, not only the first one."""
    sizes = []
    for name in matrix_pages():
        raw = (site / name).read_bytes()
        sizes.append((len(gzip.compress(raw, compresslevel=9)), len(raw), name))
    gz, raw_size, name = max(sizes)
    return name, raw_size, gz


def kb(size: int) -> str:
    return f"{size / 1024:,.1f} KB"


def process_build(
    data_dir: Path, site_dir: Path, *, with_hook: bool, tree: Path = ROOT
) -> tuple[float, Timing]:
    """A whole ``mkdocs build`` in a new process, as in CI: its wall time (Python start, imports and
    the build) and the build's own timing, reported by the child. ``tree`` is the copy of the
    project whose benchmark, hook and ``probes`` the child runs (another revision's, for ``--rev``)."""
    command = [
        sys.executable,
        str(tree / "scripts/bench_build.py"),
        "--single",
        "hook" if with_hook else "plain",
    ]
    env = {**os.environ, "PYTHONPATH": str(tree)}  # before the editable install of this tree's probes
    began = time.perf_counter()
    child = subprocess.run(
        [*command, str(data_dir), str(site_dir)], check=True, capture_output=True, text=True, env=env
    )
    wall = time.perf_counter() - began
    reported = json.loads(child.stdout.strip().splitlines()[-1])
    known = {f.name for f in dataclasses.fields(Timing)}  # an older revision may report fewer
    return wall, Timing(**{name: value for name, value in reported.items() if name in known})


def compare_revisions(revs: list[str], repeat: int) -> int:
    """The hook's events against the plain build in a new process, at today's size, for the working
    tree and each of ``revs`` (copied with ``git archive``, each with its own data), in one run: the
    builds take turns, so the machine's ups and downs fall on every tree alike. Best and median of
    ``repeat`` builds each."""
    from bench_serve import copy_tree  # the same copy of the files a build reads

    trees: dict[str, Path] = {}
    with tempfile.TemporaryDirectory(prefix="aioc-bench-rev-") as tmp:
        for rev in [None, *revs]:
            label = rev or "working tree"
            trees[label] = Path(tmp) / (rev or "tree")
            copy_tree(trees[label], rev)
        hooked: dict[str, list[Timing]] = {label: [] for label in trees}
        plain: dict[str, list[float]] = {label: [] for label in trees}
        for _ in range(repeat):
            for label, tree in trees.items():
                hooked[label].append(
                    process_build(tree / "data", tree / "site", with_hook=True, tree=tree)[1]
                )
                plain[label].append(process_build(tree / "data", tree / "p0", with_hook=False, tree=tree)[0])
    print(
        "the hook's events against the plain build in a new process, at each tree's own data,"
        f" {repeat} builds each (target at most {TARGET_EVENTS_OVER_PROCESS}x):"
    )
    for label in trees:
        events, without = [t.hook for t in hooked[label]], plain[label]
        best, middle = min(events) / min(without), statistics.median(events) / statistics.median(without)
        print(
            f"  {label:<14} events best {min(events):.2f} s (median {statistics.median(events):.2f} s),"
            f" plain process best {min(without):.2f} s (median {statistics.median(without):.2f} s):"
            f" {best:.2f}x (medians {middle:.2f}x)"
        )
    return 0


def parse_floor(data_dir: Path) -> dict[str, float]:
    """Read every report and validate it with pydantic's own JSON parser, keeping the models, and
    nothing else: no file rule, no duplicate-key or NaN check, no cross-file rule, no merge. The cost
    of building these models at all in one process; the hook's load is set against it."""
    from probes.model.report import Report

    files = sorted((data_dir / "reports").rglob("*.json"))
    kept = []
    began = time.perf_counter()
    for path in files:
        kept.append(Report.model_validate_json(path.read_bytes()))
    seconds = time.perf_counter() - began
    return {"seconds": seconds, "megabytes": sum(p.stat().st_size for p in files) / 1e6}


def cold_load(data_dir: Path) -> dict[str, float]:
    """The loader as the hook calls it: every file of ``data_dir`` read, checked and kept."""
    from probes.load.dataset import load_dataset

    began = time.perf_counter()
    dataset = load_dataset(data_dir)
    return {"seconds": time.perf_counter() - began, "reports": len(dataset.reports)}


def in_new_process(kind: str, data_dir: Path, *, paused: bool) -> dict[str, float]:
    """:func:`parse_floor` or :func:`cold_load` in a new process, optionally with the collector paused."""
    command = [sys.executable, __file__, "--single", kind, str(data_dir), "paused" if paused else "-"]
    child = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(child.stdout.strip().splitlines()[-1])


def load_against_floor(data_dir: Path, repeat: int) -> tuple[str, float]:
    """Lines comparing the cold load with the floor (best of ``repeat`` each), and the ratio."""
    lines = []
    ratio = 0.0
    for paused in (False, True):
        floor = min(
            (in_new_process("floor", data_dir, paused=paused) for _ in range(repeat)),
            key=lambda r: r["seconds"],
        )
        load = min(
            (in_new_process("load", data_dir, paused=paused) for _ in range(repeat)),
            key=lambda r: r["seconds"],
        )
        how = "collector paused around it" if paused else "collector as Python sets it"
        lines.append(
            f"  {how}: cold load {load['seconds']:.2f} s, floor {floor['seconds']:.2f} s"
            f" ({floor['megabytes']:,.0f} MB), load/floor {load['seconds'] / floor['seconds']:.2f}x"
        )
        if not paused:
            ratio = load["seconds"] / floor["seconds"]
    return "\n".join(lines), ratio


def load_only(reports: int, implementations: int, args: argparse.Namespace) -> int:
    """``--load-only``: the cold load against its floor, without building any site."""
    with tempfile.TemporaryDirectory(prefix="aioc-bench-") as tmp:
        data = Path(tmp) / "data"
        write_synthetic_data(data, reports, implementations, probed_share=args.probed_share)
        compared, ratio = load_against_floor(data, args.repeat)
    print(f"at {reports:,} reports, the cold load against the floor, best of {args.repeat}:\n{compared}")
    ok = ratio <= TARGET_LOAD_OVER_FLOOR
    print(
        f"{'met   ' if ok else 'MISSED'} cold load at most {TARGET_LOAD_OVER_FLOOR}x the floor: {ratio:.2f}x"
    )
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1,10,100", help="multiples of today's number of reports")
    parser.add_argument("--max-reports", type=int, default=TARGET_LARGE_REPORTS)
    parser.add_argument("--repeat", type=int, default=3, help="builds per measurement at small sizes")
    parser.add_argument(
        "--probed-share",
        type=float,
        default=None,
        help="share of synthetic runs that are probed, with evidence (default: today's share)",
    )
    parser.add_argument(
        "--load-only",
        action="store_true",
        help="only the cold load against its floor, at --max-reports (no site builds)",
    )
    parser.add_argument(
        "--rev",
        action="append",
        default=[],
        metavar="REV",
        help="only compare the hook's events against the plain process, for the working tree and REV"
        " (repeatable), in one run",
    )
    parser.add_argument("--single", nargs=3, metavar=("KIND", "DATA", "SITE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    logging.getLogger("mkdocs").setLevel(logging.ERROR)
    if args.single and args.single[0] in ("floor", "load"):
        measure = parse_floor if args.single[0] == "floor" else cold_load
        if args.single[2] == "paused":
            gc.disable()
        print(json.dumps(measure(Path(args.single[1]))))
        return 0
    if args.single:
        timing = timed_build(Path(args.single[1]), Path(args.single[2]), with_hook=args.single[0] == "hook")
        print(json.dumps(dataclasses.asdict(timing)))
        return 0

    if args.rev:
        return compare_revisions(args.rev, args.repeat)

    from probes.load.dataset import load_dataset

    today = load_dataset(ROOT / "data")
    base_reports, base_impls = len(today.reports), len(today.implementations)
    if args.load_only:
        return load_only(args.max_reports, min(base_impls * 10, 40), args)
    plan = [(f"{m}×", base_reports * m, m) for m in (int(s) for s in args.sizes.split(","))]
    if args.max_reports > plan[-1][1]:
        plan.append((f"{args.max_reports:,}", args.max_reports, args.max_reports / base_reports))
    print(f"today: {base_reports} reports, {base_impls} implementations, {len(today.catalog.rows)} rows")
    print(f"toggle script: {TOGGLES.stat().st_size:,} bytes (target < {TARGET_SCRIPT:,})")
    print(
        "columns: plain = build without the hook; with hook = whole build; hook = time in the hook's"
        " events, cold (a new process, as in CI) and warm (a rebuild under mkdocs serve); best of"
        f" {args.repeat} up to 2,000 reports"
    )
    print()
    header = (
        f"{'size':>7} {'reports':>7} {'impls':>5} {'plain':>6} {'with hook':>9} {'hook':>6} {'warm':>6}"
        f" {'hook/plain':>10} {'ms/report':>9} {'page raw':>10} {'page gz':>9}   hook events (cold)"
    )
    print(header)
    print("-" * len(header))
    results = []
    process_line = floor_line = ""
    load_ratio = 0.0
    events_over_process = math.inf
    with tempfile.TemporaryDirectory(prefix="aioc-bench-") as tmp:
        for label, reports, multiple in plan:
            implementations = min(base_impls * max(1, round(math.sqrt(multiple))), 40)
            data = Path(tmp) / label / "data"
            if multiple == 1:
                shutil.copytree(ROOT / "data", data)  # today's size is today's data
            else:
                write_synthetic_data(data, reports, implementations, probed_share=args.probed_share)
            repeat = args.repeat if reports <= 2_000 else 1
            sites = Path(tmp) / label
            plain = best([timed_build(data, sites / "plain", with_hook=False) for _ in range(repeat)])
            runs = [process_build(data, sites / "site", with_hook=True) for _ in range(repeat)]
            hooked = best([timing for _, timing in runs])
            timed_build(data, sites / "site", with_hook=True)  # as serve's first build
            warm = best([timed_build(data, sites / "site", with_hook=True) for _ in range(repeat)])
            largest, raw, gz = page_sizes(sites / "site")
            count = len(list((data / "reports").rglob("*.json")))
            results.append((label, count, hooked, plain, gz, warm, largest))
            print(
                f"{label:>7} {count:>7,} {implementations:>5} {plain.build:>5.2f}s {hooked.build:>8.2f}s"
                f" {hooked.hook:>5.2f}s {warm.hook:>5.2f}s {hooked.hook / plain.build:>10.0%}"
                f" {1000 * hooked.hook / count:>9.2f} {kb(raw):>10} {kb(gz):>9}   "
                + ", ".join(f"{event} {seconds:.2f}s" for event, seconds in hooked.events.items())
            )
            if label == plan[-1][0]:
                compared, load_ratio = load_against_floor(data, args.repeat)
                floor_line = (
                    f"  at {count:,} reports, the cold load (load_dataset in a new process) against the floor"
                    f" (pydantic alone, in a new process), best of {args.repeat}:\n{compared}\n"
                    "  the hook's config event (load, checks, merge) took"
                    f" {hooked.events.get('config', 0.0):.2f} s of its {hooked.hook:.2f} s"
                )
            if multiple == 1:
                with_hook, h = min(runs, key=lambda run: run[0])
                without, p = min(
                    (process_build(data, sites / "p0", with_hook=False) for _ in range(repeat)),
                    key=lambda run: run[0],
                )
                rest = (with_hook - without) - (h.configure - p.configure) - h.hook - (h.search - p.search)
                events_over_process = hooked.hook / without
                process_line = (
                    f"  whole 'mkdocs build' in a new process at today's size: {without:.2f} s without the"
                    f" hook, {with_hook:.2f} s with it (+{with_hook / without - 1:.0%}); the hook's own"
                    f" events are {hooked.hook / without:.0%} of the plain process. The difference of"
                    f" {with_hook - without:.2f} s: loading the config (importing the hook and probes)"
                    f" {h.configure - p.configure:+.2f} s, the hook's events {h.hook:.2f} s, search"
                    f" parsing pages {h.search - p.search:+.2f} s, the rest (more and larger pages to"
                    f" convert and theme, Python start) {rest:+.2f} s"
                )
            shutil.rmtree(sites)
    print(process_line)
    print(floor_line)
    print()
    first, last = results[0], results[-1]
    heaviest = max(results, key=lambda r: r[4])
    checks = [
        (
            "hook adds < 10% at today's size (its events against the plain in-process build)",
            first[2].hook / first[3].build < TARGET_OVERHEAD,
            f"{first[2].hook / first[3].build:.0%}",
        ),
        (
            f"hook's events at most {TARGET_EVENTS_OVER_PROCESS}x the plain build in a new process",
            events_over_process <= TARGET_EVENTS_OVER_PROCESS,
            f"{events_over_process:.2f}x",
        ),
        (
            f"hook < {TARGET_LARGE_SECONDS:.0f} s at {last[1]:,} reports, cold",
            last[2].hook < TARGET_LARGE_SECONDS,
            f"{last[2].hook:.2f} s (warm rebuild {last[5].hook:.2f} s)",
        ),
        (
            "every matrix page < 150 KB gzipped",
            all(r[4] < TARGET_PAGE_GZIP for r in results),
            f"largest {kb(heaviest[4])} ({heaviest[6]} at {heaviest[0]})",
        ),
        ("toggle script < 5 KB", TOGGLES.stat().st_size < TARGET_SCRIPT, f"{TOGGLES.stat().st_size:,} bytes"),
        (
            f"cold load at most {TARGET_LOAD_OVER_FLOOR}x the floor at {last[1]:,} reports",
            load_ratio <= TARGET_LOAD_OVER_FLOOR,
            f"{load_ratio:.2f}x",
        ),
    ]
    for name, ok, figure in checks:
        print(f"{'met   ' if ok else 'MISSED'} {name}: {figure}")
    return 0 if all(ok for _, ok, _ in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
