"""Bulk writes of the Elasticsearch/OpenSearch engine (:mod:`indexer.elastic`): documents in, an
:class:`~indexer.base.IndexReport` out, one bad document never the end of the batch.

A document that cannot become an index body is reported before anything is sent; one the cluster
refuses comes back from ``streaming_bulk(raise_on_error=False)`` and is reported the same way
(``{"id", "error", "status"}``). Client exceptions (cluster unreachable) pass through: the engine
translates them at its one boundary.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import Any

from indexer.base import IndexReport
from indexer.elastic import query as eq

__all__ = ["BULK_CHUNK", "BulkLoader"]

logger = logging.getLogger(__name__)

BULK_CHUNK = 500
# What one bad document can raise while its body is built; it is reported, the rest go on.
_DOCUMENT_ERRORS = (ValueError, TypeError, OverflowError)
# Two requests in flight while a new index is loaded: preparing the next chunk here overlaps
# indexing the last one there (~1.4x one request at a time on 2 cores, bench/engines.py).
BUILD_THREADS = 2


class BulkLoader:
    """Bulk requests through ``client`` (and its library's ``helpers``) to indices of ``alias``."""

    def __init__(self, client: Any, helpers: Any, *, alias: str) -> None:
        self.client = client
        self.helpers = helpers
        self.alias = alias

    def stream(
        self, actions: Iterable[dict[str, Any]], *, refresh: bool, through_alias: bool = True
    ) -> Iterator[tuple[bool, dict[str, Any]]]:
        """``(ok, item)`` per action, one request at a time; pushed-back (429) chunks are retried."""
        # require_alias: should the alias vanish, fail instead of auto-creating a stray index by its name.
        extra: dict[str, Any] = {"require_alias": "true"} if through_alias else {}
        if refresh:
            extra["refresh"] = "true"
        yield from self.helpers.streaming_bulk(
            self.client,
            actions,
            chunk_size=BULK_CHUNK,
            raise_on_error=False,
            max_retries=3,
            initial_backoff=1,
            **extra,
        )

    def actions(self, documents: Iterable[dict[str, Any]], index: str, report: IndexReport) -> Iterator[dict[str, Any]]:
        """Index actions of the documents; those that cannot become one are reported and skipped."""
        for doc in documents:
            try:
                body = eq.index_document(doc)
            except _DOCUMENT_ERRORS as exc:
                doc_id = doc.get("id") if isinstance(doc, dict) else None
                logger.warning("search index refused document %s: %s", doc_id, exc)
                report.errors.append({"id": doc_id, "error": f"{type(exc).__name__}: {exc}"})
                continue
            yield {"_op_type": "index", "_index": index, "_id": body["id"], "_source": body}

    @staticmethod
    def tally(report: IndexReport, ok: bool, item: dict[str, Any]) -> None:
        """Count one bulk result into ``report``."""
        if ok:
            report.indexed += 1
            return
        error = eq.bulk_error(item)
        logger.warning("search index refused document %s: %s", error["id"], error["error"])
        report.errors.append(error)

    def load(self, documents: Iterable[dict[str, Any]], index: str, *, refresh: bool) -> IndexReport:
        """Index ``documents`` into ``index`` (the alias, or a concrete index) one request at a time."""
        report = IndexReport()
        actions = self.actions(documents, index, report)
        for ok, item in self.stream(actions, refresh=refresh, through_alias=index == self.alias):
            self.tally(report, ok, item)
        return report

    def build(self, documents: Iterable[dict[str, Any]], index: str) -> IndexReport:
        """Load a new (unaliased) index with :data:`BUILD_THREADS` requests in flight.

        ``parallel_bulk`` does not retry documents the cluster pushed back (429, too busy): they are
        kept and sent again at the end through :meth:`stream`, which retries.
        """
        report = IndexReport()
        pending: dict[Any, dict[str, Any]] = {}
        retry: list[dict[str, Any]] = []

        def remembered() -> Iterator[dict[str, Any]]:
            for action in self.actions(documents, index, report):
                pending[action["_id"]] = action  # bounded: results come back a few chunks behind
                yield action

        for ok, item in self.helpers.parallel_bulk(
            self.client,
            remembered(),
            thread_count=BUILD_THREADS,
            queue_size=BUILD_THREADS,
            chunk_size=BULK_CHUNK,
            raise_on_error=False,
        ):
            result: dict[str, Any] = next(iter(item.values()), {})
            action = pending.pop(result.get("_id"), None)
            if not ok and result.get("status") == 429 and action is not None:
                retry.append(action)
            else:
                self.tally(report, ok, item)
        for ok, item in self.stream(retry, refresh=False, through_alias=False):
            self.tally(report, ok, item)
        return report
