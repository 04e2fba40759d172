"""Run a chosen set of probes against a reference server in-process, as the Responses tests do."""

from __future__ import annotations

import asyncio

from probes.load.dataset import Dataset
from probes.model.report import Report, Result
from probes.prober.endpoints import ProbeSpec
from probes.prober.run import ProbeConfig, run_probes


def results_of(
    base_url: str, implementation: str, rows: list[str], registry: dict[str, ProbeSpec], data: Dataset
) -> dict[str, Result]:
    """Probe ``rows`` with ``registry``'s probes; results by row id, the report validated on the way."""
    config = ProbeConfig(
        base_url=base_url,
        implementation=implementation,
        model="ref-chat",
        concurrency=4,
        timeout=20,
        deadline=120,
        implementation_version="reference",
    )
    report = asyncio.run(
        run_probes(config, [data.row(r) for r in rows], catalog=data.catalog.rows, registry=registry)
    )
    Report.model_validate(report.model_dump(by_alias=True))
    return {result.row: result for result in report.results}
