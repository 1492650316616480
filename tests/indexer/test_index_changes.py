"""The search documents the store keeps (migration 0004) are exactly those the sync used to build from each record.

The index sync reads ``Store.index_changes`` instead of rebuilding every ``Offering``: these tests compare
its documents with :func:`indexer.sync.document_for` of the stored record after every kind of write
(harvest upsert, landing-page rescoring, cluster move, tombstone) and for rows without a current document
(written before 0004, or rewritten by something that does not compute it).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from sqlalchemy import update

from indexer.base import SearchQuery
from indexer.sqlite import SqliteEngine
from indexer.sync import document_for, rebuild, sync, verify
from offerings.model import make_record_id
from offerings.store import Source, Store
from offerings.store.tables import records
from tests.indexer.corpus import CORPUS, fill_store, make_offering, record_id


def _store(tmp_path: Path) -> Store:
    store = Store(f"sqlite:///{tmp_path}/s.db")
    fill_store(store)
    return store


def _by_id_as_rebuilt(store: Store) -> dict[str, dict]:
    """Every live record's document, built the old way: the whole Offering from its JSON, then flattened."""
    return {r.id: document_for(r) for r in store.iter_changes(0) if not r.deleted}


def _by_id_as_indexed(store: Store) -> dict[str, dict]:
    return {c.id: c.document for c in store.index_changes(0, limit=10_000) if not c.deleted}


def test_stored_documents_equal_the_rebuilt_ones_key_for_key(tmp_path: Path) -> None:
    store = _store(tmp_path)
    indexed = _by_id_as_indexed(store)
    rebuilt = _by_id_as_rebuilt(store)
    assert indexed == rebuilt and len(indexed) == len(CORPUS)
    # The same key order too: engines that keep the JSON (sqlite's docs table, get()) answer the same text.
    assert all(list(indexed[i]) == list(rebuilt[i]) for i in indexed)
    # Stored at write time, so no row needs its offering read back.
    with store.engine.connect() as conn:
        rows = conn.execute(records.select()).mappings().all()
    assert all(row["search"] is not None and row["search_hash"] == row["content_hash"] for row in rows)


def test_rows_without_a_current_document_are_computed_from_the_record(tmp_path: Path) -> None:
    store = _store(tmp_path)
    expected = _by_id_as_rebuilt(store)
    stale_id, missing_id = record_id("tum-1"), record_id("tcd-2")
    with store.engine.begin() as conn:
        # A row as migration 0004 leaves an older one, and one whose record changed without its document.
        conn.execute(update(records).where(records.c.id == missing_id).values(search=None, search_hash=None))
        conn.execute(update(records).where(records.c.id == stale_id).values(search={"id": "wrong"}, search_hash="x"))
    assert _by_id_as_indexed(store) == expected


def test_values_changed_without_a_rewrite_come_from_the_row(tmp_path: Path) -> None:
    store = _store(tmp_path)
    target = record_id("tum-2")
    before = store.max_seq()
    with store.engine.begin() as conn:
        # What the landing-page check does: a new completeness and sequence, the record itself untouched.
        conn.execute(update(records).where(records.c.id == target).values(completeness=7, seq=before + 1))
    (change,) = store.index_changes(before)
    assert change.document is not None
    assert (change.document["completeness"], change.document["seq"]) == (7, before + 1)
    assert change.document == document_for(store.get(target))


def test_cluster_moves_and_tombstones_reach_the_index(tmp_path: Path) -> None:
    store = _store(tmp_path)
    store.sources.add(Source(id="mirror", url="https://mirror.example.eu/feed.xml", kind="feed", name="Mirror"))
    original = make_offering(next(row for row in CORPUS if row[0] == "tum-1"))
    mirror_id = make_record_id("mirror", "copy")
    mirror = dataclasses.replace(
        original,
        record_id=mirror_id,
        source_id="mirror",
        original_identifier="copy",
        record_url="https://mirror.example.eu/42",
    )
    assert store.upsert(mirror) == "added"
    engine = SqliteEngine(tmp_path / "search")
    try:
        sync(store, engine)
        assert (engine.get(mirror_id) or {})["duplicate"] is True
        # Withdrawing the representative moves the mirror into a cluster of its own (store_clusters rewrites
        # its record, not its search document): the index must see the new cluster.
        store.delete_many([record_id("tum-1")])
        report = sync(store, engine)
        assert report.deleted == 1 and not report.errors
        moved = engine.get(mirror_id) or {}
        assert moved["cluster"] == mirror_id and moved["duplicate"] is False
        assert moved == document_for(store.get(mirror_id))
        assert engine.get(record_id("tum-1")) is None
        assert verify(store, engine)["ok"]
        # A rebuild from the kept documents gives the very same index.
        documents = {i: engine.get(i) for i in _by_id_as_rebuilt(store)}
        rebuild(store, engine)
        assert {i: engine.get(i) for i in documents} == documents
        assert engine.search(SearchQuery(q="Datenanalyse")).total == 1
    finally:
        engine.close()


def test_verify_reads_no_documents(tmp_path: Path) -> None:
    store = _store(tmp_path)
    changes = store.index_changes(0, documents=False)
    assert len(changes) == len(CORPUS) and all(c.document is None for c in changes)
    assert [c.seq for c in changes] == sorted(c.seq for c in changes)
