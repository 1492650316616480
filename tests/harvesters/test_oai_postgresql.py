"""End to end on PostgreSQL: an OAI-PMH harvest from a real loopback data provider into a PostgreSQL store,
synced into the SQLite FTS engine; a repeated harvest changes nothing, and a delete at the provider reaches
the index."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from config import Settings
from harvesters.runner import harvest_source
from indexer.base import IndexReport, SearchQuery
from indexer.sqlite import SqliteEngine
from indexer.sync import sync
from microcred.demo.provider import Provider
from microcred.demo.server import FeedServer
from offerings.model import make_record_id
from offerings.store import Source, Store
from tests.harvesters.conftest import NL

pytestmark = pytest.mark.stores  # `pytest -m stores`: the whole PostgreSQL leg


@pytest.fixture
def pg_store(postgres_database: str) -> Iterator[Store]:
    """A store on a fresh PostgreSQL database."""
    store = Store(postgres_database)
    yield store
    store.close()


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[SqliteEngine]:
    """An empty SQLite FTS index."""
    engine = SqliteEngine(tmp_path / "search")
    yield engine
    engine.close()


def _word(title: str) -> str:
    # The title's longest word: specific enough that the search finds this record among the others.
    return max(re.findall(r"\w+", title), key=len)


def test_harvest_into_postgresql_index_search_reharvest_and_delete(
    pg_store: Store, engine: SqliteEngine, settings: Settings, feeds: dict[str, Provider], feed_server: FeedServer
) -> None:
    provider = feeds[NL]
    records = provider.records()
    live = [r for r in records if not r.deleted]
    source = pg_store.sources.add(Source(id="nl", url=feed_server.url_for(NL), name="Hogeschool Zuiderzee"))

    first = harvest_source(pg_store, source, settings)
    assert first.status == "success", first.error
    assert first.counts.added == len(live) and pg_store.count(source_id="nl") == len(live)
    report = sync(pg_store, engine)
    assert report.indexed == len(live) and not report.errors
    assert engine.last_seq() == pg_store.max_seq() and engine.count() == len(live)
    assert engine.search(SearchQuery(filters={"source": ("nl",)})).total == len(live)
    wanted = make_record_id("nl", live[0].identifier)
    assert wanted in {r["id"] for r in engine.search(SearchQuery(q=_word(live[0].title), size=50)).results}

    # The same records again (a full run asks for everything): nothing written, nothing to index.
    seq = pg_store.max_seq()
    again = harvest_source(pg_store, pg_store.sources.get("nl"), settings, full=True)
    assert again.status == "success", again.error
    assert (again.counts.added, again.counts.updated, again.counts.unchanged) == (0, 0, len(records))
    assert pg_store.max_seq() == seq and sync(pg_store, engine) == IndexReport()

    # Withdrawn at the provider: the incremental run brings the tombstone, the sync removes the document.
    gone = make_record_id("nl", live[1].identifier)
    provider.delete(live[1].identifier)
    third = harvest_source(pg_store, pg_store.sources.get("nl"), settings)
    assert third.status == "success" and third.counts.deleted == 1
    assert sync(pg_store, engine) == IndexReport(deleted=1)
    assert engine.get(gone) is None and engine.count() == len(live) - 1
    assert gone not in {r["id"] for r in engine.search(SearchQuery(q=_word(live[1].title), size=50)).results}
    assert [r["status"] for r in pg_store.sources.runs("nl")] == ["success"] * 3
