"""Benchmark the prober against the in-process reference server (a benchmark, not a timed test).

    .venv/bin/python scripts/bench_probe.py [--rounds 3] [--requests 300]

Prints, from one invocation:
- wall time of a full probe run (every endpoint row) with the default bound of 4 concurrent probes,
  with 8, and one at a time, and the ratios between them; the server waits ``--latency`` ms per
  request (default 20), standing in for a model's time to answer, which is what concurrency hides;
- the prober's cost per request (capped streaming read, exchange record, evidence with redaction)
  against plain ``httpx.AsyncClient`` calls on the same connection pool settings, as a ratio.

The reference server runs in a thread of the same process, so its own work shares the GIL with
the prober: the figures compare the prober with itself and with raw httpx, not with a real server.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from refserver import RefServer  # noqa: E402

from probes.load.dataset import load_dataset  # noqa: E402
from probes.prober.http import ProbeClient  # noqa: E402
from probes.prober.run import ProbeConfig, api_root, run_probes  # noqa: E402

KEY = "sk-bench-0000000000000000"


def endpoint_rows() -> list:
    """The rows of the endpoint catalog (the ones the reference server answers)."""
    ids = {row["id"] for row in json.loads((ROOT / "data/catalog/endpoints.json").read_text())["rows"]}
    return [row for row in load_dataset(ROOT / "data").catalog.rows.values() if row.id in ids]


async def full_run(base_url: str, rows: list, concurrency: int) -> float:
    """Seconds for one full probe run."""
    config = ProbeConfig(
        base_url=base_url,
        implementation="openai",
        model="ref-chat",
        embedding_model="ref-embed",
        api_key=KEY,
        concurrency=concurrency,
    )
    started = time.perf_counter()
    await run_probes(config, rows)
    return time.perf_counter() - started


async def per_request(base_url: str, count: int, blocks: int = 6) -> tuple[float, float]:
    """Median seconds per sequential GET /v1/models: through the prober's session, and raw httpx.

    The two alternate in blocks, so that load from elsewhere on the machine hits both alike.
    """
    root = api_root(base_url)
    headers = {"Authorization": f"Bearer {KEY}"}
    size = max(1, count // blocks)
    probed_blocks, plain_blocks = [], []
    async with (
        ProbeClient(root, api_key=KEY, timeout=30) as client,
        httpx.AsyncClient(base_url=root, headers=headers, follow_redirects=False) as raw,
    ):
        session = client.session()
        await session.get("/v1/models")
        await raw.get("/v1/models")
        for _ in range(blocks):
            started = time.perf_counter()
            for _ in range(size):
                exchange = await session.get("/v1/models", label="bench")
                exchange.json()
                exchange.evidence()
                session.exchanges.clear()
            probed_blocks.append((time.perf_counter() - started) / size)
            started = time.perf_counter()
            for _ in range(size):
                response = await raw.get("/v1/models")
                response.json()
            plain_blocks.append((time.perf_counter() - started) / size)
    return statistics.median(probed_blocks), statistics.median(plain_blocks)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="full runs per setting; the median is kept")
    parser.add_argument("--requests", type=int, default=300, help="requests for the per-request figure")
    parser.add_argument(
        "--latency", type=float, default=20.0, help="ms the server waits per request, standing in for a model"
    )
    args = parser.parse_args(argv)
    rows = endpoint_rows()
    with RefServer(api_key=KEY, latency=args.latency / 1000) as server:
        asyncio.run(full_run(server.base_url, rows, 4))  # warm-up: the SDK types build their validators
        walls = {}
        for concurrency in (4, 8, 1):
            times = [asyncio.run(full_run(server.base_url, rows, concurrency)) for _ in range(args.rounds)]
            walls[concurrency] = statistics.median(times)
        requests_per_run = len(server.requests) // (1 + 3 * args.rounds)
        server.latency = 0.0
        probed, plain = asyncio.run(per_request(server.base_url, args.requests))
    print(
        f"full probe run, {len(rows)} rows (~{requests_per_run} requests, {args.latency:g} ms server latency"
        f" each), median of {args.rounds}:"
    )
    for concurrency, seconds in walls.items():
        print(f"  concurrency {concurrency}: {seconds * 1000:8.1f} ms")
    print(f"  one-at-a-time / concurrency 4: {walls[1] / walls[4]:.2f}x")
    print(f"  concurrency 4 / concurrency 8: {walls[4] / walls[8]:.2f}x")
    print(f"per request, GET /v1/models, {args.requests} sequential, no server latency:")
    print(f"  prober session (capped read + evidence): {probed * 1e6:8.1f} µs")
    print(f"  raw httpx:                               {plain * 1e6:8.1f} µs")
    print(f"  prober / raw httpx: {probed / plain:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
