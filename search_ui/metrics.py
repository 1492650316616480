"""``GET /metrics``: Prometheus metrics of the catalogue (prometheus_client).

What is exposed:

- ``microcred_search_duration_seconds`` (histogram, by engine): each search the engine answers, timed at the
  engine's seam, so the API, the pages and the feeds are all counted;
- ``microcred_engine_errors_total`` (by engine and operation): engine calls that failed (unreachable, refused);
- ``microcred_harvest_runs_total``, ``microcred_harvest_records_total``, ``microcred_harvest_duration_seconds``
  (harvesters/metrics.py), counted where harvests run;
- ``microcred_sources`` (gauge, by state): read from the store at each scrape, so it is right whichever process
  changed a source.

Under gunicorn every worker is a process of its own: with ``PROMETHEUS_MULTIPROC_DIR`` naming a directory they
(and a separate ``microcred scheduler``) share, every scrape adds up all of them (prometheus_client's multiprocess
mode). Without it the metrics are the answering process's own, which is right for ``microcred run``/``serve``.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy import func, select

from offerings.errors import BackendUnavailable
from offerings.store import Store
from offerings.store.tables import sources
from search_ui import services

__all__ = ["ENGINE_ERRORS", "SEARCH_SECONDS", "MeasuredEngine", "bp"]

logger = logging.getLogger(__name__)

bp = Blueprint("metrics", __name__)

# A search the SQLite engine answers from its bitmaps takes milliseconds; a broad query at 1M offerings, or a
# remote cluster under load, up to seconds.
SEARCH_SECONDS = Histogram(
    "microcred_search_duration_seconds",
    "Search latency at the engine, seconds",
    ["engine"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.35, 0.5, 1, 2, 5, 10),
)
ENGINE_ERRORS = Counter(
    "microcred_engine_errors", "Search engine calls that failed (unreachable or refused)", ["engine", "operation"]
)
_ENGINE_CALLS = frozenset({"search", "suggest", "get", "count", "last_seq", "health", "upsert", "delete"})


class MeasuredEngine:
    """A search engine whose searches are timed and whose failures are counted; everything else passes through."""

    def __init__(self, engine: Any) -> None:
        self._engine = engine
        self._name = str(getattr(engine, "name", "unknown"))

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._engine, name)
        if name not in _ENGINE_CALLS or not callable(attribute):
            return attribute

        def measured(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                result = attribute(*args, **kwargs)
            except BackendUnavailable:
                ENGINE_ERRORS.labels(engine=self._name, operation=name).inc()
                raise
            if name == "search":
                SEARCH_SECONDS.labels(engine=self._name).observe(time.perf_counter() - started)
            return result

        return measured


class _SourcesCollector:
    """``microcred_sources{state=…}``, counted in the store at scrape time."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def collect(self) -> Iterator[Metric]:
        gauge = GaugeMetricFamily("microcred_sources", "Registered sources, by state", labels=["state"])
        query = select(sources.c.status, func.count()).where(sources.c.id != "_removed").group_by(sources.c.status)
        try:
            with self.store.engine.connect() as conn:
                for row in conn.execute(query).all():
                    gauge.add_metric([str(row[0])], float(row[1]))
        except Exception as exc:  # the store's outage is /healthz's to report; the other metrics still answer
            logger.warning("sources by state not counted: %s", exc)
        yield gauge


class _ThisProcess:
    """The default registry's metrics (this process only)."""

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()


def _registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_ThisProcess())
    registry.register(_SourcesCollector(services.store()))
    return registry


@bp.get("/metrics")
def metrics() -> Response:
    """The metrics in Prometheus' text format."""
    response = Response(generate_latest(_registry()), mimetype=CONTENT_TYPE_LATEST.split(";")[0])
    response.headers["Content-Type"] = CONTENT_TYPE_LATEST
    response.headers["Cache-Control"] = "no-store"
    return response
