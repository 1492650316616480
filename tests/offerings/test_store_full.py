"""The store and the full record: migration 0002, duplicate clusters across sources, quality stored,
and a source's quality report."""

from __future__ import annotations

import threading
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import column, create_engine, insert, inspect, table

from offerings.export.search import search_document
from offerings.model import Offering, Organisation, make_record_id
from offerings.store import Source, Store
from offerings.store import clusters as store_clusters
from offerings.store import report as quality_report
from offerings.store.clusters import title_key, url_key
from offerings.store.records import MIGRATIONS, ClusterMember
from offerings.store.tables import records, sources
from tests import factories
from tests.factories import full_offering

# Every test that uses the store runs on SQLite and on a real PostgreSQL (tests/conftest.py).
pytestmark = pytest.mark.stores

ADDED = {"cluster", "match_url", "match_title", "core_present", "status"}
# The one offering most tests here store from two sources.
CIRCULAR: dict[str, Any] = {
    "title": {"en": "Circular Economy in Practice"},
    "provider": [Organisation(name={"en": "Hogeschool Zuiderzee"}, country="NL")],
    "ects_credits": 3.0,
}


@pytest.fixture
def two_sources(store: Store) -> Store:
    store.sources.add(Source(id="oai", url="http://127.0.0.1:1/oai"))
    store.sources.add(Source(id="feed", url="http://127.0.0.1:1/feed.xml", kind="feed"))
    return store


@pytest.fixture
def blank_url(store_backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """The URL of an empty database of the backend under test (no schema yet)."""
    if store_backend == "sqlite":
        return f"sqlite:///{tmp_path / 'old.db'}"
    return str(request.getfixturevalue("postgres_database"))


def test_migration_0002_upgrades_a_store_of_the_first_release(blank_url: str) -> None:
    url = blank_url
    engine = create_engine(url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0001")
        then = datetime(2026, 1, 1)
        conn.execute(
            insert(sources).values(
                id="s",
                url="u",
                kind="oai",
                sets=[],
                status="active",
                every_seconds=1,
                state={},
                created_at=then,
                updated_at=then,
            )
        )
        old_document = {
            "record_id": "s:1",
            "source_id": "s",
            "source_format": "oai_dc",
            "original_identifier": "1",
            "title": {"en": "Old record"},
            "provider": [{"name": {"en": "U"}, "country": "NL", "homepage": None, "ids": {}}],
        }
        # The records table as release 1 had it: without the columns migration 0002 adds.
        old_records = table("records", *(column(c.name, c.type) for c in records.columns if c.name not in ADDED))
        conn.execute(
            insert(old_records).values(
                id="s:1",
                source_id="s",
                original_identifier="1",
                source_format="oai_dc",
                document=old_document,
                content_hash="x",
                completeness=10,
                tier="incomplete",
                quality={},
                seq=1,
                deleted=False,
                created_at=then,
                updated_at=then,
            )
        )
    engine.dispose()
    store = Store(url)  # migrates to head
    try:
        columns = {c["name"] for c in inspect(store.engine).get_columns("records")}
        assert columns >= ADDED
        old = store.get("s:1")
        assert old.offering.title == {"en": "Old record"} and old.cluster is None
    finally:
        store.close()


def test_the_same_offering_from_two_sources_shares_a_cluster(two_sources: Store) -> None:
    page = "https://www.hogeschool-zuiderzee.example/mc/circular-economy/"
    first = factories.offering(source="oai", key="oai:1", **CIRCULAR, record_url=page)
    second = factories.offering(
        source="feed",
        key="c-1",
        **CIRCULAR
        | {
            "record_url": "http://hogeschool-zuiderzee.example/mc/circular-economy?utm_source=x",
            "title": {"en": "Circular economy in practice!"},
            "ects_credits": None,
        },
    )
    two_sources.upsert(first)
    two_sources.upsert(second)
    a, b = two_sources.get(first.record_id), two_sources.get(second.record_id)
    assert a.cluster == b.cluster == first.record_id  # the first one stored names the cluster
    assert [r.id for r in two_sources.cluster_members(a.cluster or "")] == [first.record_id, second.record_id]
    document = search_document(b.offering, completeness=b.completeness, tier=b.tier, seq=b.seq, updated="x")
    assert document["cluster"] == first.record_id
    # What a search result lists of its sources comes from one query, landing pages read from the stored JSON.
    assert two_sources.cluster_sources([a.cluster or ""])[a.cluster or ""] == [
        ClusterMember(first.record_id, "oai", page),
        ClusterMember(second.record_id, "feed", second.record_url),
    ]


def test_title_provider_and_credits_match_without_a_url(two_sources: Store) -> None:
    two_sources.upsert(factories.offering(source="oai", key="oai:1", **CIRCULAR))
    two_sources.upsert(
        factories.offering(source="feed", key="c-1", **(CIRCULAR | {"title": {"en": "CIRCULAR ECONOMY IN PRACTICE"}}))
    )
    two_sources.upsert(
        factories.offering(source="feed", key="c-2", **(CIRCULAR | {"ects_credits": 6.0}))
    )  # other credits: another offering
    clusters = {
        r.id: r.cluster
        for r in (two_sources.get(make_record_id(*k)) for k in (("oai", "oai:1"), ("feed", "c-1"), ("feed", "c-2")))
    }
    assert clusters[make_record_id("feed", "c-1")] == make_record_id("oai", "oai:1")
    assert clusters[make_record_id("feed", "c-2")] == make_record_id("feed", "c-2")


def test_records_of_one_source_never_cluster_and_home_pages_never_match(two_sources: Store) -> None:
    two_sources.upsert_many(
        [
            (factories.offering(source="feed", key="run-1", **CIRCULAR), None),
            (factories.offering(source="feed", key="run-2", **CIRCULAR), None),
        ]
    )
    assert two_sources.get(make_record_id("feed", "run-1")).cluster == make_record_id("feed", "run-1")
    assert two_sources.get(make_record_id("feed", "run-2")).cluster == make_record_id("feed", "run-2")
    assert url_key("http://www.example.com") is None and url_key("https://example.com/") is None
    assert url_key("https://x.eu/a/?utm_medium=m") == url_key("http://www.x.eu/a")
    assert title_key(factories.offering(source="s", key="1", **(CIRCULAR | {"provider": []}))) is None


def test_a_tombstone_leaves_the_cluster_and_the_oldest_member_represents_it(two_sources: Store) -> None:
    first, second = (
        factories.offering(source="oai", key="oai:1", **CIRCULAR),
        factories.offering(source="feed", key="c-1", **CIRCULAR),
    )
    two_sources.upsert_many([(first, None), (second, None)])
    before = two_sources.get(second.record_id)
    assert before.cluster == first.record_id
    two_sources.delete_many([first.record_id])
    assert two_sources.cluster_members(first.record_id) == []
    after = two_sources.get(second.record_id)
    # Its own representative now, in the column and the document, with a new change for the index sync.
    assert after.cluster == after.offering.cluster_id == second.record_id
    assert after.seq > two_sources.get(first.record_id).seq > before.seq
    assert [r.id for r in two_sources.cluster_members(second.record_id)] == [second.record_id]
    # Harvested again unchanged, it stays as it is: the stored hash covers the new cluster.
    assert two_sources.upsert(factories.offering(source="feed", key="c-1", **CIRCULAR)) == "unchanged"


def test_the_oldest_remaining_member_succeeds_a_deleted_representative(two_sources: Store) -> None:
    two_sources.sources.add(Source(id="third", url="http://127.0.0.1:1/third.xml", kind="feed"))
    first, second, third = (
        factories.offering(source="oai", key="oai:1", **CIRCULAR),
        factories.offering(source="feed", key="c-1", **CIRCULAR),
        factories.offering(source="third", key="t-1", **CIRCULAR),
    )
    two_sources.upsert(first)
    two_sources.upsert(second)
    two_sources.upsert(third)
    # The representative withdrawn by its harvest (a tombstone upserted), not by delete_many.
    assert two_sources.upsert(factories.offering(source="oai", key="oai:1", **CIRCULAR, deleted=True)) == "deleted"
    assert [r.id for r in two_sources.cluster_members(second.record_id)] == [second.record_id, third.record_id]
    members = two_sources.cluster_members(second.record_id)
    assert two_sources.cluster_sources([second.record_id, first.record_id, "nothing"]) == {
        second.record_id: [ClusterMember(m.id, m.source_id, m.offering.record_url) for m in members],
        first.record_id: [],
        "nothing": [],
    }


def test_a_representative_whose_keys_change_leaves_its_members_a_cluster_of_their_own(two_sources: Store) -> None:
    first, second = (
        factories.offering(source="oai", key="oai:1", **CIRCULAR),
        factories.offering(source="feed", key="c-1", **CIRCULAR),
    )
    two_sources.upsert_many([(first, None), (second, None)])
    two_sources.upsert(
        factories.offering(source="oai", key="oai:1", **(CIRCULAR | {"title": {"en": "Something else entirely"}}))
    )
    assert two_sources.get(first.record_id).cluster == first.record_id
    assert two_sources.get(second.record_id).cluster == second.record_id


def test_an_unchanged_representative_keeps_its_members(two_sources: Store) -> None:
    first, second = (
        factories.offering(source="oai", key="oai:1", **CIRCULAR),
        factories.offering(source="feed", key="c-1", **CIRCULAR),
    )
    two_sources.upsert_many([(first, None), (second, None)])
    seq = two_sources.max_seq()
    two_sources.upsert(
        factories.offering(source="oai", key="oai:1", **CIRCULAR, description={"en": "Now with a description"})
    )
    assert two_sources.get(second.record_id).cluster == first.record_id
    assert two_sources.max_seq() == seq + 1  # only the representative's own change


def test_quality_is_stored_with_the_record(two_sources: Store) -> None:
    offering = full_offering(source_id="feed", record_id=make_record_id("feed", "full"))
    two_sources.upsert(offering)
    stored = two_sources.get(offering.record_id)
    assert stored.tier == "annex1_complete" and stored.quality["core_present"] == 9
    assert stored.quality["core"]["M11 quality assurance"] == "declared" and stored.quality["status"] in (
        "active",
        "inactive",
        "archived",
    )


def test_quality_report_counts_fields_elements_and_warnings(two_sources: Store) -> None:
    two_sources.upsert_many(
        [
            (full_offering(source_id="feed", record_id=make_record_id("feed", "full")), None),
            (factories.offering(source="feed", key="thin-1", **CIRCULAR, mode=[]), None),
            (factories.offering(source="feed", key="thin-2", **CIRCULAR, mode=[]), None),
        ]
    )
    run = two_sources.sources.start_run("feed", full=True)
    two_sources.sources.finish_run(
        run,
        status="success",
        problems=[
            {"identifier": "bad-1", "field": "title", "message": "rejected: V2 title: missing"},
            {"identifier": "bad-2", "field": "title", "message": "rejected: V2 title: missing"},
        ],
    )
    report = quality_report.for_source(two_sources, "feed")
    assert report["records"] == 3
    by_field = {f["field"]: f["records"] for f in report["fields"]}
    assert by_field["title"] == 3 and by_field["mode"] == 1 and by_field["quality_assurance"] == 1
    m10 = next(e for e in report["annex1"] if e["element"] == "M10 mode")
    assert (m10["declared"], m10["derived"], m10["missing"]) == (1, 0, 2)
    top = report["warnings"][0]
    assert top["records"] == 2 and sorted(top["examples"]) == sorted(
        [make_record_id("feed", "thin-1"), make_record_id("feed", "thin-2")]
    )
    assert report["rejected"] == [
        {"reason": "rejected: V2 title: missing", "records": 2, "examples": ["bad-1", "bad-2"]}
    ]
    assert report["tiers"] == {"annex1_complete": 1, "incomplete": 2}


def test_two_sources_storing_the_same_offering_at_once_share_a_cluster(
    two_sources: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each writer looks for the other source's record before writing its own: unless writers take
    turns before that look, both find nothing and the offering gets two clusters (two search results).

    The looks are held at a barrier: a writer waiting for its turn never gets there, and the barrier
    times out instead of both writers passing it with a stale view."""
    other = Store(two_sources.url, migrate=False)
    looked = threading.Barrier(2, timeout=2)
    real_assign = store_clusters.assign

    def assign_then_wait(*args: Any) -> Any:
        found = real_assign(*args)
        try:
            looked.wait()
        except threading.BrokenBarrierError:
            pass
        return found

    monkeypatch.setattr(store_clusters, "assign", assign_then_wait)
    page = "https://www.hogeschool-zuiderzee.example/mc/circular-economy/"
    first = factories.offering(source="oai", key="oai:1", **CIRCULAR, record_url=page)
    second = factories.offering(source="feed", key="c-1", **CIRCULAR, record_url=page)
    errors: list[BaseException] = []

    def write(store: Store, offering: Offering) -> None:
        try:
            store.upsert(offering)
        except BaseException as exc:  # reported below: a thread's exception is otherwise lost
            errors.append(exc)

    threads = [threading.Thread(target=write, args=pair) for pair in ((two_sources, first), (other, second))]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        other.close()
    assert not errors
    a, b = two_sources.get(first.record_id), two_sources.get(second.record_id)
    assert a.cluster == b.cluster


def test_migration_0006_rehashes_so_an_unchanged_record_stays_unchanged(store: Store) -> None:
    import hashlib
    import json

    from sqlalchemy import select, update

    store.sources.add(Source(id="zed", url="http://127.0.0.1/oai"))
    offering = full_offering()
    assert store.upsert(offering) == "added"
    with store.engine.begin() as conn:
        document = conn.execute(select(records.c.document).where(records.c.id == offering.record_id)).scalar_one()
        # The hash as the store computed it before 0006: sorted json.dumps of the record, datestamp left out.
        content = {k: v for k, v in document.items() if k != "harvest_datestamp"}
        old = hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
        conn.execute(update(records).values(content_hash=old, search_hash=old))
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with store.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0005")
        command.upgrade(config, "head")
    with store.engine.connect() as conn:
        row = conn.execute(select(records.c.content_hash, records.c.search_hash)).one()
    assert row.content_hash != old and row.search_hash == row.content_hash
    assert store.upsert(offering) == "unchanged"  # the next harvest writes nothing, bumps nothing
    assert store.max_seq() == 1


def test_migration_0011_fills_the_set_membership_of_records_already_stored(store: Store) -> None:
    from sqlalchemy import select

    from offerings.store.tables import record_sets

    store.sources.add(Source(id="zed", url="http://127.0.0.1/oai"))
    offering = full_offering()
    store.upsert(offering)
    other = full_offering(record_id="zed:LOP-2", original_identifier="LOP-2", issuer_country=["IE", "FR"])
    store.upsert(other)
    store.delete_many([other.record_id])  # a tombstone stays in its sets
    written = store.set_specs([offering.record_id, other.record_id])
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with store.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0010")
        command.upgrade(config, "head")
    assert store.set_specs([offering.record_id, other.record_id]) == written
    assert written[other.record_id] == ["provider:university-of-zed", "country:IE", "country:FR"]
    with store.engine.connect() as conn:
        assert conn.execute(select(record_sets.c.spec).where(record_sets.c.spec == "country:FR")).scalars().all() == [
            "country:FR"
        ]
