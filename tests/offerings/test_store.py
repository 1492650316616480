"""The store: upserts, change sequence, tombstones, sources and runs, on real SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import inspect

from offerings.errors import NotFound, StoreError
from offerings.model import Instance
from offerings.store import Source, Store, utcnow
from offerings.store import landing as landing_store
from offerings.store.records import WRITE_CACHE_KIB
from offerings.store.tables import metadata
from tests import factories

# Every test that uses the store runs on SQLite and on a real PostgreSQL (tests/conftest.py).
pytestmark = pytest.mark.stores


@pytest.fixture
def src(store: Store) -> Source:
    return store.sources.add(Source(id="src", url="http://127.0.0.1/oai"))


def test_migration_matches_table_definitions(store: Store) -> None:
    inspector = inspect(store.engine)
    for table in metadata.sorted_tables:
        assert {c["name"] for c in inspector.get_columns(table.name)} == {c.name for c in table.columns}


def test_upsert_outcomes_and_sequence(store: Store, src: Source) -> None:
    assert store.upsert_many([(factories.offering(1), b"<raw/>"), (factories.offering(2), None)]) == ["added", "added"]
    assert store.max_seq() == 2
    assert store.get(factories.offering(1).record_id, with_raw=True).raw == b"<raw/>"
    # Unchanged content: nothing written, no sequence bump, even with a newer datestamp.
    assert store.upsert(factories.offering(1, harvest_datestamp="2030-01-01")) == "unchanged"
    assert store.max_seq() == 2
    assert store.upsert(factories.offering(1, title={"en": "Course one, revised"})) == "updated"
    assert store.max_seq() == 3
    assert store.get(factories.offering(1).record_id).offering.main_title == "Course one, revised"


def test_a_write_gives_its_connection_back_with_the_page_cache_it_had(tmp_path: Path) -> None:
    """The store raises a SQLite connection's page cache while it writes a batch, and only then (the
    connection goes back to a pool that readers share)."""
    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    store.sources.add(Source(id="src", url="http://127.0.0.1/oai"))
    with store.engine.connect() as conn:
        before = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    assert before != -WRITE_CACHE_KIB
    offerings = [(factories.offering(n, source="src"), None) for n in range(3)]
    assert store.upsert_many(offerings) == ["added"] * 3
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA cache_size").scalar() == before
    store.close()


def test_source_dates_are_kept_verbatim_whatever_their_length(store: Store, src: Source) -> None:
    # Fractional seconds and an offset: 33 characters, more than the VARCHAR(30) before migration 0005.
    stamp = "2026-11-29T17:46:00.1234567+01:00"
    store.upsert(factories.offering(1, harvest_datestamp=stamp))
    assert store.get(factories.offering(1).record_id).offering.harvest_datestamp == stamp
    run = store.sources.start_run("src", full=False)
    store.sources.finish_run(run, status="success", response_date=stamp, from_date=stamp, until_date=stamp)
    (latest,) = store.sources.runs("src")
    assert latest["response_date"] == latest["from_date"] == latest["until_date"] == stamp


def test_a_nul_character_from_a_feed_never_fails_a_write(store: Store, src: Source, store_backend: str) -> None:
    # JSON feeds may carry U+0000, which PostgreSQL text cannot hold (nor its json type extract): there it
    # becomes U+FFFD; SQLite keeps it. The text "\\u0000" (a backslash and five characters) stays as it is.
    weird = factories.offering(
        1,
        original_identifier="id-1\x00",
        title={"en": "Null\x00 course \\u0000"},
        record_url="https://uni.example/c\x00ourse",
    )
    assert store.upsert(weird) == "added"
    kept = (lambda text: text) if store_backend == "sqlite" else (lambda text: text.replace("\x00", "\ufffd"))
    stored = store.get(weird.record_id).offering
    assert stored.title == {"en": kept("Null\x00 course \\u0000")} and stored.record_url == kept(weird.record_url)
    # Due for its landing check on both (SQLite's json_extract returns the URL up to the NUL, PostgreSQL all of it).
    assert [record_id for record_id, _ in landing_store.due(store, "src", 10)] == [weird.record_id]
    landing_store.record_results(store, "src", [(weird.record_id, weird.record_url or "", None, "no\x00 answer")])
    run = store.sources.start_run("src", full=False)
    store.sources.finish_run(run, status="failed", error="bad byte \x00 in the feed")
    assert store.sources.runs("src")[0]["error"] == kept("bad byte \x00 in the feed")


def test_tombstones(store: Store, src: Source) -> None:
    store.upsert(factories.offering(1))
    gone = factories.offering(1, deleted=True)
    assert store.upsert(gone) == "deleted"
    assert store.upsert(gone) == "unchanged"  # a repeated delete changes nothing
    record = store.get(gone.record_id)
    assert record.deleted and store.count() == 0 and store.count(deleted=True) == 1
    changes = store.changes_since(0)
    assert [c.deleted for c in changes] == [True]
    assert store.upsert(factories.offering(1)) == "updated"  # it came back


def test_round_trip_keeps_every_field(store: Store, src: Source) -> None:
    from datetime import date

    original = factories.offering(3, instances=[Instance(start_date=date(2027, 2, 1))], mode=["online"], eqf_level=6)
    store.upsert(original)
    loaded = store.get(original.record_id).offering
    # Everything as given, plus the cluster the store assigned (a record alone is its own cluster).
    assert original.cluster_id is None
    assert loaded == dataclasses.replace(original, cluster_id=original.record_id)
    assert loaded.start_date == date(2027, 2, 1)


def test_sources_and_runs(store: Store, src: Source) -> None:
    with pytest.raises(StoreError):
        store.sources.add(Source(id="src", url="http://other"))
    with pytest.raises(NotFound):
        store.sources.get("nope")
    assert [s.id for s in store.sources.due()] == ["src"]
    store.sources.update("src", next_due_at=utcnow() + timedelta(hours=1))
    assert store.sources.due() == []
    run = store.sources.start_run("src", full=True)
    store.sources.finish_run(run, status="success", seen=3, added=3)
    (latest,) = store.sources.runs("src")
    assert latest["status"] == "success" and latest["seen"] == 3 and latest["finished_at"]
    assert not store.sources.claim("src", "a", lease=timedelta(minutes=5))  # not due for an hour
    store.sources.update("src", next_due_at=utcnow())
    assert store.sources.claim("src", "a", lease=timedelta(minutes=5))
    assert not store.sources.claim("src", "b", lease=timedelta(minutes=5))
    store.sources.release("src")
    assert store.sources.claim("src", "b", lease=timedelta(minutes=5))


def test_remove_source_keeps_tombstones(store: Store, src: Source) -> None:
    store.upsert_many([(factories.offering(1), None), (factories.offering(2), None)])
    assert store.sources.remove("src") == 2
    assert store.count() == 0
    assert {c.deleted for c in store.changes_since(2)} == {True}
