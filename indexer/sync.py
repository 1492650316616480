"""The only loop between the store and a search engine: sync, rebuild and verify.

The store's change sequence drives everything: :func:`sync` applies every change after the
engine's ``last_seq`` and advances it batch by batch, so an interrupted sync (engine down, process
killed) resumes where it stopped and loses nothing; :func:`rebuild` throws the index away and
builds it again from the live records; :func:`verify` says whether index and store agree.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

from indexer.base import IndexReport, SearchEngine
from offerings.export.search import search_document
from offerings.store import IndexChange, Store, StoredRecord

__all__ = ["document_for", "rebuild", "sync", "verify"]

logger = logging.getLogger(__name__)

# How many ids of each kind of drift verify() lists (the counts are always complete).
VERIFY_SAMPLE = 50


def document_for(record: StoredRecord) -> dict[str, Any]:
    """The search document of a stored (live) record."""
    return search_document(
        record.offering,
        completeness=record.completeness,
        tier=record.tier,
        seq=record.seq,
        updated=record.updated_at.isoformat() + "Z",
    )


def _documents(changes: list[IndexChange], report: IndexReport) -> list[dict[str, Any]]:
    """Documents of the live changes; a record that could not become one is reported and skipped."""
    documents = []
    for change in changes:
        if change.document is not None:
            documents.append(change.document)
        elif change.error is not None:
            report.errors.append({"id": change.id, "error": change.error})
    return documents


def sync(store: Store, engine: SearchEngine, *, batch: int = 1000) -> IndexReport:
    """Apply every store change after ``engine.last_seq()`` to the engine.

    Tombstones become deletes, everything else an upsert. ``last_seq`` advances after each batch,
    so an interruption costs at most one batch, which the next run applies again.

    Raises:
        BackendUnavailable: the engine cannot be reached (nothing after the last batch is lost).
    """
    started = time.monotonic()
    report = IndexReport()
    seq = engine.last_seq()
    while True:
        # Search documents as the store keeps them: no Offering is rebuilt from its JSON on this path.
        changes = store.index_changes(seq, limit=batch)
        if not changes:
            break
        # The store keeps one row per offering, so an id occurs at most once in a batch and the
        # order of upserts and deletes inside it does not matter.
        live = _documents([r for r in changes if not r.deleted], report)
        gone = [r.id for r in changes if r.deleted]
        if live:
            done = engine.upsert(live)
            report.indexed += done.indexed
            report.errors += done.errors
        if gone:
            report.deleted += engine.delete(gone)
        seq = changes[-1].seq
        engine.set_last_seq(seq)
    if report.indexed or report.deleted or report.errors:
        logger.info(
            "search index synced to seq %d: %d indexed, %d deleted, %d errors, %.1fs",
            seq,
            report.indexed,
            report.deleted,
            len(report.errors),
            time.monotonic() - started,
        )
    return report


def _live_documents(
    store: Store, report: IndexReport, *, batch: int = 500, progress: Callable[[int], None] | None = None
) -> Iterator[dict[str, Any]]:
    seq = 0
    read = 0
    while True:
        changes = store.index_changes(seq, limit=batch)
        if not changes:
            return
        for document in _documents([c for c in changes if not c.deleted], report):
            yield document
            read += 1
            # Told when the engine asks for the next one, i.e. once it has taken this one.
            if progress is not None:
                progress(read)
        seq = changes[-1].seq


def rebuild(store: Store, engine: SearchEngine, *, progress: Callable[[int], None] | None = None) -> IndexReport:
    """Build the engine's index again from every live record and switch to it atomically; ``progress`` is
    called with the number of documents handed to the engine so far.

    Raises:
        BackendUnavailable: the engine cannot be reached (the old index stays in use).
    """
    # Read the sequence first: changes committed while the records stream in are then applied
    # again by the next sync, which is harmless, instead of being skipped, which would not be.
    seq = store.max_seq()
    report = IndexReport()
    built = engine.rebuild(_live_documents(store, report, progress=progress), last_seq=seq)
    built.errors = report.errors + built.errors
    return built


def _indexed(engine: SearchEngine, ids: set[str]) -> dict[str, int]:
    """``{id: seq}`` of the engine's documents: all of them when it can list them, else those of ``ids``."""
    listing = getattr(engine, "iter_indexed", None)
    if listing is not None:
        return dict(listing())
    found = {}
    for doc_id in ids:
        doc = engine.get(doc_id)
        if doc is not None:
            found[doc_id] = int(doc.get("seq") or 0)
    return found


def verify(store: Store, engine: SearchEngine) -> dict[str, Any]:
    """Compare the ids (and change sequences) of the store's live records with the index.

    Changes after the engine's ``last_seq`` are *pending* (the next sync applies them), not drift.
    Drift is: ``missing`` (live in the store, absent from the index), ``extra`` (in the index but
    not live in the store) and ``stale`` (indexed from an older version of the record). ``ok`` is
    true when there is none. Each list holds at most ``VERIFY_SAMPLE`` ids; the counts are complete.
    """
    applied = engine.last_seq()
    live: dict[str, int] = {}
    deleted: dict[str, int] = {}
    seq = 0
    # Ids and sequences only: comparing them needs no document, let alone an Offering.
    while changes := store.index_changes(seq, limit=1000, documents=False):
        for change in changes:
            (deleted if change.deleted else live)[change.id] = change.seq
        seq = changes[-1].seq
    indexed = _indexed(engine, set(live))
    missing = sorted(i for i, seq in live.items() if seq <= applied and i not in indexed)
    stale = sorted(i for i, seq in live.items() if seq <= applied and i in indexed and indexed[i] < seq)
    extra = sorted(i for i in indexed if i not in live and deleted.get(i, 0) <= applied)
    pending = sum(1 for seq in [*live.values(), *deleted.values()] if seq > applied)
    result = {
        "ok": not (missing or extra or stale),
        "engine": engine.name,
        "store_count": len(live),
        "index_count": engine.count(),
        "store_seq": max([*live.values(), *deleted.values()], default=0),
        "index_seq": applied,
        "pending": pending,
        "missing_count": len(missing),
        "extra_count": len(extra),
        "stale_count": len(stale),
        "missing": missing[:VERIFY_SAMPLE],
        "extra": extra[:VERIFY_SAMPLE],
        "stale": stale[:VERIFY_SAMPLE],
    }
    if not result["ok"]:
        logger.warning("search index drift: %d missing, %d extra, %d stale", len(missing), len(extra), len(stale))
    return result
