"""The sync loop between a real store and every real engine: changes, deletes, rebuilds, drift."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from indexer import ENGINES, get_engine
from indexer.base import IndexReport, SearchQuery
from indexer.sqlite import SqliteEngine
from indexer.sync import document_for, rebuild, sync, verify
from offerings.errors import ConfigError
from offerings.store import Store
from tests.conftest import make_settings
from tests.indexer.conftest import CORPUS, Catalogue, discard, fill_store, make_engine, make_offering, record_id, reopen


def test_document_for_builds_the_search_document(fresh: Catalogue) -> None:
    record = fresh.store.get(record_id("tum-1"))
    doc = document_for(record)
    assert doc["id"] == record.id and doc["seq"] == record.seq and doc["completeness"] == record.completeness
    assert doc["title"] == "Datenanalyse mit Python" and "Data Analysis with Python" in doc["title_all"]
    assert doc["updated"].endswith("Z")
    assert fresh.engine.get(record.id) == doc


def test_sync_applies_everything_then_nothing(fresh: Catalogue) -> None:
    assert fresh.engine.count() == len(CORPUS)
    assert fresh.engine.last_seq() == fresh.store.max_seq()
    before = fresh.engine.last_seq()
    assert sync(fresh.store, fresh.engine) == IndexReport()
    assert fresh.engine.last_seq() == before


def test_deletes_propagate(fresh: Catalogue) -> None:
    gone = record_id("tum-3")
    assert fresh.store.delete_many([gone]) == 1
    report = sync(fresh.store, fresh.engine)
    assert report == IndexReport(indexed=0, deleted=1)
    assert fresh.engine.get(gone) is None
    assert fresh.engine.search(SearchQuery(q="Robotik")).total == 0
    facets = fresh.engine.search(SearchQuery(filters={"source": ("tum",)})).facets
    assert {v.value: v.count for v in facets["source"]}["tum"] == 4
    assert fresh.engine.suggest("robotik k") == []
    assert fresh.engine.last_seq() == fresh.store.max_seq()
    # Deleting what is not there is no error and removes nothing.
    assert fresh.engine.delete([gone, "nobody:nothing"]) == 0


def test_changes_propagate(fresh: Catalogue) -> None:
    row = next(r for r in CORPUS if r[0] == "tcd-2")
    changed = dataclasses.replace(make_offering(row), title={"en": "Modern Irish Poetry"}, ects_credits=2.5)
    fresh.store.upsert(changed)
    assert sync(fresh.store, fresh.engine) == IndexReport(indexed=1)
    assert fresh.engine.search(SearchQuery(q="culture")).total == 0  # a word only the old title had
    found = fresh.engine.search(SearchQuery(q="poetry"))
    assert [r["id"] for r in found.results] == [record_id("tcd-2")]
    assert found.results[0]["ects_credits"] == 2.5
    assert fresh.engine.count() == len(CORPUS)
    assert {"text": "Modern Irish Poetry", "kind": "title"} in fresh.engine.suggest("modern")
    assert fresh.engine.suggest("irish lit") == []


def test_sync_in_small_batches(engine_name: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    store = Store(f"sqlite:///{tmp_path}/s.db")
    fill_store(store)
    engine = make_engine(engine_name, tmp_path, request)
    report = sync(store, engine, batch=4)
    assert report.indexed == len(CORPUS) and not report.errors
    assert engine.last_seq() == store.max_seq() and engine.count() == len(CORPUS)
    discard(engine)
    store.close()


def test_rebuild_from_the_store(fresh: Catalogue) -> None:
    fresh.store.delete_many([record_id("uva-1")])
    report = rebuild(fresh.store, fresh.engine)
    assert report.indexed == len(CORPUS) - 1 and not report.errors
    assert fresh.engine.get(record_id("uva-1")) is None
    assert fresh.engine.count() == len(CORPUS) - 1
    assert fresh.engine.last_seq() == fresh.store.max_seq()
    assert sync(fresh.store, fresh.engine) == IndexReport()
    assert fresh.engine.search(SearchQuery(q="python")).total > 0
    assert verify(fresh.store, fresh.engine)["ok"]


def test_verify_reports_drift(fresh: Catalogue) -> None:
    clean = verify(fresh.store, fresh.engine)
    assert clean["ok"] and clean["store_count"] == clean["index_count"] == len(CORPUS)
    assert clean["missing"] == clean["extra"] == clean["stale"] == [] and clean["pending"] == 0
    assert clean["engine"] == fresh.engine.name

    lost = record_id("sorbonne-5")
    assert fresh.engine.delete([lost]) == 1
    stray = dict(fresh.engine.get(record_id("tcd-1")) or {}, id="tcd:not-in-the-store")
    fresh.engine.upsert([stray])
    drift = verify(fresh.store, fresh.engine)
    assert not drift["ok"]
    assert drift["missing"] == [lost] and drift["missing_count"] == 1
    assert drift["extra"] == ["tcd:not-in-the-store"]


def test_verify_finds_stale_documents(fresh: Catalogue) -> None:
    old = fresh.engine.get(record_id("tcd-4"))
    row = next(r for r in CORPUS if r[0] == "tcd-4")
    fresh.store.upsert(dataclasses.replace(make_offering(row), ects_credits=2.0))
    sync(fresh.store, fresh.engine)
    assert old is not None
    fresh.engine.upsert([old])  # an older version put back behind the sync loop's back
    drift = verify(fresh.store, fresh.engine)
    assert not drift["ok"] and drift["stale"] == [record_id("tcd-4")]


def test_verify_tells_pending_changes_from_drift(fresh: Catalogue) -> None:
    fresh.store.delete_many([record_id("tcd-5")])
    row = next(r for r in CORPUS if r[0] == "tcd-4")
    fresh.store.upsert(dataclasses.replace(make_offering(row), ects_credits=2.0))
    result = verify(fresh.store, fresh.engine)
    assert result["ok"] and result["pending"] == 2
    sync(fresh.store, fresh.engine)
    assert verify(fresh.store, fresh.engine)["pending"] == 0


def test_bad_documents_are_reported_not_fatal(fresh: Catalogue) -> None:
    good = fresh.engine.get(record_id("tcd-1"))
    assert good is not None
    report = fresh.engine.upsert([{"title": "no id"}, {"id": "x:1", "ects_credits": "many"}, good])
    assert report.indexed == 1
    assert [e["id"] for e in report.errors] == [None, "x:1"]
    assert all(e["error"] for e in report.errors)
    assert fresh.engine.get("x:1") is None


def test_last_seq_lives_in_the_index(engine_name: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    engine = make_engine(engine_name, tmp_path, request)
    assert engine.last_seq() == 0 and engine.count() == 0
    engine.set_last_seq(42)
    other = reopen(engine)
    assert other.last_seq() == 42
    other.close()
    discard(engine)


def test_get_engine(tmp_path: Path) -> None:
    assert ENGINES == {
        "sqlite": "indexer.sqlite:SqliteEngine",
        "elasticsearch": "indexer.elastic:ElasticEngine",
        "opensearch": "indexer.elastic:OpenSearchEngine",
    }
    engine = get_engine(make_settings(tmp_path))
    assert isinstance(engine, SqliteEngine) and engine.name == "sqlite"
    assert engine.path == (tmp_path / "var" / "search").resolve()
    engine.close()
    for name in ("elasticsearch", "opensearch"):
        with pytest.raises(ConfigError, match="search_url"):
            get_engine(make_settings(tmp_path, search_engine=name))
        cluster = get_engine(
            make_settings(
                tmp_path, search_engine=name, search_url="http://u:p@127.0.0.1:9", search_index="my-offerings"
            )
        )
        assert cluster.name == name and cluster.alias == "my-offerings"  # type: ignore[attr-defined]
        assert cluster.url == "http://127.0.0.1:9"  # type: ignore[attr-defined]  # no credentials in messages
        cluster.close()
    with pytest.raises(ConfigError, match="alias"):
        get_engine(
            make_settings(
                tmp_path, search_engine="opensearch", search_url="http://127.0.0.1:9", search_index="Offerings"
            )
        )
