"""The harvest's Prometheus metrics: runs by outcome, records by outcome, run durations.

Counted in the process that harvests (``microcred run``, ``microcred scheduler``, ``microcred harvest``) and
exposed by the web app's ``GET /metrics`` (search_ui/metrics.py). Several processes (gunicorn workers, a separate
scheduler) add up through prometheus_client's multiprocess mode when ``PROMETHEUS_MULTIPROC_DIR`` names a
directory they share (set before the first import of prometheus_client: docs/operations.md "Metrics").
"""

from __future__ import annotations

import logging

from prometheus_client import Counter, Histogram

from harvesters.base import HarvestReport

__all__ = ["HARVEST_RECORDS", "HARVEST_RUNS", "HARVEST_SECONDS", "RECORD_OUTCOMES", "observe_run"]

logger = logging.getLogger(__name__)

RECORD_OUTCOMES = ("added", "updated", "unchanged", "deleted", "skipped", "failed")

HARVEST_RUNS = Counter("microcred_harvest_runs", "Harvest runs, by outcome (success, partial, failed)", ["outcome"])
HARVEST_RECORDS = Counter(
    "microcred_harvest_records", "Records harvested, by outcome (added, updated, unchanged, deleted, …)", ["outcome"]
)
# From a few seconds (a small feed's 304) to hours (a 100,000-record OAI-PMH repository's first run).
HARVEST_SECONDS = Histogram(
    "microcred_harvest_duration_seconds",
    "Duration of harvest runs, seconds, by kind of source",
    ["kind"],
    buckets=(1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14400),
)


def observe_run(report: HarvestReport, kind: str, seconds: float) -> None:
    """Count one finished run of a source of ``kind``."""
    HARVEST_RUNS.labels(outcome=report.status).inc()
    for outcome in RECORD_OUTCOMES:
        count = getattr(report.counts, outcome)
        if count:
            HARVEST_RECORDS.labels(outcome=outcome).inc(count)
    HARVEST_SECONDS.labels(kind=kind).observe(seconds)
