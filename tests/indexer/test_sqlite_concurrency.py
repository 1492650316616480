"""The SQLite engine under concurrency: searches keep answering during rebuilds, threads and instances agree."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from indexer.base import SearchQuery
from indexer.sqlite import SqliteEngine
from indexer.sync import rebuild, sync
from tests.indexer.conftest import CORPUS, Catalogue, catalogue_of, live_documents, record_id


@pytest.fixture
def fresh(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Catalogue]:
    """A catalogue of the test's own on the SQLite engine (the others have their own tests)."""
    yield from catalogue_of("sqlite", tmp_path, request)


def search_until(stop: threading.Event, engine: SqliteEngine, totals: list[int], errors: list[BaseException]) -> None:
    while not stop.is_set():
        try:
            totals.append(engine.search(SearchQuery(q="python", filters={"language": ("en", "de")})).total)
            engine.suggest("pyth")
        except BaseException as exc:  # collected: the test fails on any of them
            errors.append(exc)
            return


def test_searches_keep_answering_during_rebuilds(fresh: Catalogue) -> None:
    expected = fresh.engine.search(SearchQuery(q="python", filters={"language": ("en", "de")})).total
    # A second instance on the same directory stands for another process (a gunicorn worker).
    other = SqliteEngine(fresh.path)
    stop = threading.Event()
    totals: list[int] = []
    errors: list[BaseException] = []
    threads = [
        threading.Thread(target=search_until, args=(stop, engine, totals, errors))
        for engine in (fresh.engine, fresh.engine, other)
    ]
    for thread in threads:
        thread.start()
    try:
        for _ in range(5):
            report = rebuild(fresh.store, fresh.engine)
            assert report.indexed == len(CORPUS)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    assert errors == []
    assert len(totals) > 10 and set(totals) == {expected}
    assert len(list(fresh.path.glob("index-*.db"))) == 1
    other.close()


def test_other_instances_follow_a_rebuild(fresh: Catalogue) -> None:
    other = SqliteEngine(fresh.path)
    assert other.count() == len(CORPUS)
    fresh.store.delete_many([record_id("tcd-1"), record_id("tcd-2")])
    rebuild(fresh.store, fresh.engine)
    assert other.count() == len(CORPUS) - 2
    assert other.get(record_id("tcd-1")) is None
    assert other.last_seq() == fresh.store.max_seq()
    other.close()


def test_concurrent_writers_and_readers(fresh: Catalogue) -> None:
    docs = [fresh.engine.get(record_id(row[0])) for row in CORPUS]
    errors: list[BaseException] = []

    def write(copy: int) -> None:
        try:
            for doc in docs:
                assert doc is not None
                fresh.engine.upsert([dict(doc, id=f"copy{copy}:{doc['id']}")])
        except BaseException as exc:  # collected
            errors.append(exc)

    def read() -> None:
        try:
            for _ in range(40):
                fresh.engine.search(SearchQuery(q="data", facets=("country",)))
        except BaseException as exc:  # collected
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(3)] + [
        threading.Thread(target=read) for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert fresh.engine.count() == 4 * len(CORPUS)


def test_a_sync_that_straddles_a_rebuild_loses_nothing(fresh: Catalogue) -> None:
    # A sync writes into the generation that a rebuild elsewhere replaces before the sync records
    # its sequence: the new generation must not claim changes it never received.
    before = fresh.engine.last_seq()
    snapshot = live_documents(fresh.store)  # what a rebuild that started now would index
    gone = [record_id("tcd-3"), record_id("tcd-4")]
    fresh.store.delete_many(gone)
    changes = fresh.store.changes_since(before)
    assert fresh.engine.delete([r.id for r in changes]) == 2  # the sync's write, into the old generation
    other = SqliteEngine(fresh.path)  # another process finishes its rebuild now
    other.rebuild(snapshot, last_seq=before)
    fresh.engine.set_last_seq(changes[-1].seq)
    assert fresh.engine.last_seq() == before
    assert fresh.engine.count() == len(CORPUS)
    report = sync(fresh.store, fresh.engine)
    assert report.deleted == 2
    assert fresh.engine.count() == len(CORPUS) - 2 and fresh.engine.last_seq() == fresh.store.max_seq()
    other.close()


def test_index_files_stay_in_their_directory(tmp_path: Path) -> None:
    engine = SqliteEngine(tmp_path / "data" / "search")
    engine.upsert([{"id": "a:1", "title": "Alpha"}])
    names = {p.name for p in (tmp_path / "data" / "search").iterdir()}
    assert "CURRENT" in names and any(n.startswith("index-") for n in names)
    assert {p.name for p in (tmp_path / "data").iterdir()} == {"search"}
    engine.close()
