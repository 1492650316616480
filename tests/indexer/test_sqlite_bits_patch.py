"""The SQLite engine's bitmaps follow writes by patching, and a patch equals a fresh load.

After a write, the first search of the new index state re-reads only the documents the writes
touched (``changes`` table) instead of every facet row. Each check here compares the patched
bitmaps (sets, facet values, provider labels, sorted range columns) with bitmaps loaded afresh from
the same snapshot, across upserts, changed facets, new documents, deletes, duplicates and a second
engine (another process's view) reading what the first wrote.
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.engines import documents
from indexer.base import SearchQuery
from indexer.sqlite import SqliteEngine, bits, sql
from indexer.sqlite.bits import FacetBitmaps, load

COUNT = 400
# Every range filter, so that each sorted column is read (and then has to be patched).
RANGED = SearchQuery(
    q="", ects_min=1.0, price_max=500.0, starts_after="2020-01-01", open=True, facets=("country", "provider", "mode")
)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[SqliteEngine]:
    built = SqliteEngine(tmp_path / "search")
    built.rebuild(iter(documents(COUNT)), last_seq=1)
    yield built
    built.close()


class Calls:
    """Counts the full loads and the patches the engine makes."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.loads = 0
        self.patches = 0
        real_load, real_patch = bits.load, bits.patch

        def counted_load(conn: sqlite3.Connection) -> FacetBitmaps:
            self.loads += 1
            return real_load(conn)

        def counted_patch(*args: Any) -> FacetBitmaps | None:
            found = real_patch(*args)
            self.patches += found is not None
            return found

        monkeypatch.setattr(bits, "load", counted_load)
        monkeypatch.setattr(bits, "patch", counted_patch)


def cached(engine: SqliteEngine) -> FacetBitmaps:
    entry = engine._caches.bitmaps._entry
    assert entry is not None
    return entry[1]


def fresh(engine: SqliteEngine) -> FacetBitmaps:
    """Bitmaps loaded from scratch from the active generation, with the same columns read."""
    name = (engine.path / "CURRENT").read_text(encoding="utf-8").strip()
    conn = sqlite3.connect(engine.path / name)
    try:
        bitmaps = load(conn)
        for column in cached(engine).columns():
            bitmaps.stated(conn, column)
    finally:
        conn.close()
    return bitmaps


def answered_afresh(engine: SqliteEngine, query: SearchQuery) -> tuple[Any, ...]:
    other = SqliteEngine(engine.path)
    try:
        page = other.search(query)
    finally:
        other.close()
    return page.total, page.facets, page.results


def assert_same(patched: FacetBitmaps, loaded: FacetBitmaps) -> None:
    assert patched.everything == loaded.everything
    assert patched.free == loaded.free
    assert patched.values == loaded.values
    assert patched.labels == loaded.labels
    patched_columns, loaded_columns = patched.columns(), loaded.columns()
    assert set(patched_columns) == set(loaded_columns) == set(bits.RANGE_COLUMNS)
    for name, column in patched_columns.items():
        assert (column.values, column.documents) == (loaded_columns[name].values, loaded_columns[name].documents)


def changed(doc: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """``doc`` with other facet values, range values and provider."""
    return dict(
        doc,
        country=rng.choice(["DE", "FR", "NL", "PL", "XX-new"]),
        mode=[rng.choice(["online", "blended", "on_site"])],
        ects_credits=rng.choice([None, 1.5, 5, 30]),
        price=rng.choice([None, 0, 120.0, 999.0]),
        free=rng.random() < 0.3,
        start_date=rng.choice([None, "2019-05-01", "2031-01-01"]),
        last_date=rng.choice([None, "2019-06-01", "2032-01-01"]),
        provider=f"Renamed provider {rng.randint(1, 3)}",
        provider_id=doc.get("provider_id") or f"prov-{rng.randint(1, 3)}",
    )


def test_writes_patch_the_bitmaps_to_what_a_fresh_load_gives(
    engine: SqliteEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = Calls(monkeypatch)
    rng = random.Random(7)
    docs = {doc["id"]: doc for doc in documents(COUNT)}
    engine.search(RANGED)
    assert (calls.loads, calls.patches) == (1, 0)
    for step in range(12):
        ids = rng.sample(sorted(docs), 6)
        engine.upsert([changed(docs[i], rng) for i in ids[:3]])
        engine.delete(ids[3:5])
        for gone in ids[3:5]:
            del docs[gone]
        new = dict(changed(docs[ids[5]], rng), id=f"new:{step}")
        duplicate = dict(docs[ids[0]], duplicate=True, cluster=new["id"])
        engine.upsert([new, duplicate])
        docs[new["id"]] = new
        engine.set_last_seq(step + 2)  # a write that changes no document
        page = engine.search(RANGED)
        assert_same(cached(engine), fresh(engine))
        # And the search answers from them what an engine that loads afresh answers.
        assert (page.total, page.facets, page.results) == answered_afresh(engine, RANGED)
    # One load by the engine (every later state was patched), one by each engine loading afresh.
    assert (calls.loads, calls.patches) == (1 + 12, 12)


def test_another_process_patches_from_the_recorded_changes(
    engine: SqliteEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    reader = SqliteEngine(engine.path)
    try:
        calls = Calls(monkeypatch)
        reader.search(RANGED)
        rng = random.Random(11)
        docs = documents(COUNT)
        for _round in range(3):
            engine.upsert([changed(doc, rng) for doc in rng.sample(docs, 5)])  # two writes between searches
            engine.delete([rng.choice(docs)["id"]])
            reader.search(RANGED)
            assert_same(cached(reader), fresh(reader))
        assert (calls.loads, calls.patches) == (1, 3)
    finally:
        reader.close()


def test_unrecorded_or_too_many_changes_load_afresh(engine: SqliteEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = Calls(monkeypatch)
    engine.search(RANGED)
    # Changes older than the kept window are gone: the bitmaps cannot be patched from before them.
    monkeypatch.setattr(sql, "CHANGES_KEPT", 2)
    monkeypatch.setattr(bits, "CHANGES_KEPT", 2)
    for doc in documents(3):
        engine.upsert([dict(doc, title=doc["title"] + " again")])
    engine.search(RANGED)
    assert (calls.loads, calls.patches) == (2, 0)
    assert_same(cached(engine), fresh(engine))
    # More than a quarter of the documents touched: a fresh load is cheaper than a patch.
    engine.upsert([dict(doc, title=doc["title"] + " once more") for doc in documents(COUNT // 2)])
    engine.search(RANGED)
    assert (calls.loads, calls.patches) == (3, 0)
    # A writer that does not record its changes (an older microcred sharing the index): its version is
    # not covered, so the next search loads afresh rather than patching past what it cannot see.
    engine.search(RANGED)
    loads = calls.loads
    monkeypatch.setattr(SqliteEngine, "_record", staticmethod(lambda conn, touched: None))
    engine.upsert([dict(changed(doc, random.Random(3)), id=doc["id"]) for doc in documents(2)])
    monkeypatch.undo()
    calls = Calls(monkeypatch)
    engine.search(RANGED)
    assert (calls.loads, calls.patches) == (1, 0), f"{loads} loads before"
    assert_same(cached(engine), fresh(engine))
    # A rebuild is a new generation: loaded, not patched.
    engine.rebuild(iter(documents(COUNT)), last_seq=1)
    engine.search(RANGED)
    assert (calls.loads, calls.patches) == (2, 0)
    assert_same(cached(engine), fresh(engine))
