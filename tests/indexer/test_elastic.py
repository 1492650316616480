"""What only the cluster engines (OpenSearch, Elasticsearch) do: versioned indices behind an alias,
``last_seq`` in the index, per-document bulk errors, outages, and the command line against them."""

from __future__ import annotations

import json
import os
import re
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from indexer.base import SearchQuery
from indexer.elastic import ClusterEngine, OpenSearchEngine
from indexer.sync import rebuild, sync, verify
from offerings.errors import BackendUnavailable
from offerings.store import Store
from tests.indexer.conftest import (
    CORPUS,
    Catalogue,
    catalogue_of,
    discard,
    fill_store,
    live_documents,
    make_engine,
    record_id,
    reopen,
)
from tests.indexer.corpus import many_offerings
from tests.indexer.proxy import OutageProxy

CLUSTERS = ("opensearch", *(("elasticsearch",) if os.environ.get("ELASTICSEARCH_URL") else ()))
VERSIONED = re.compile(r"-\d{14}-[0-9a-f]{6}$")


@pytest.fixture(params=CLUSTERS)
def cluster(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Catalogue]:
    """A catalogue of the test's own on each cluster engine."""
    yield from catalogue_of(request.param, tmp_path, request)


def indices(engine: Any) -> dict[str, Any]:
    """Every index of the engine's alias family, with its settings and mappings."""
    return dict(engine.client.indices.get(index=f"{engine.alias}-*"))


def test_elasticsearch_contract_runs_when_configured(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    # The suite's one allowed skip, so that a run without Elasticsearch says so in its summary; with
    # ELASTICSEARCH_URL set, the node must hold and answer the corpus (not merely pass).
    if "elasticsearch" not in CLUSTERS:
        pytest.skip("ELASTICSEARCH_URL is not set: the contract suite ran on sqlite and opensearch only")
    catalogues = catalogue_of("elasticsearch", tmp_path, request)
    catalogue = next(catalogues)
    try:
        assert catalogue.engine.search(SearchQuery()).total > 0
    finally:
        next(catalogues, None)  # the generator's teardown


def test_the_index_is_versioned_behind_the_alias(cluster: Catalogue) -> None:
    engine: Any = cluster.engine
    before = indices(engine)
    assert len(before) == 1
    (first,) = before
    assert VERSIONED.search(first) and first.startswith(engine.alias + "-")
    assert list(engine.client.indices.get_alias(name=engine.alias)) == [first]
    assert before[first]["mappings"]["_meta"]["last_seq"] == cluster.store.max_seq()

    report = rebuild(cluster.store, engine)
    assert report.indexed == len(CORPUS) and not report.errors
    after = indices(engine)
    (second,) = after
    assert second != first and VERSIONED.search(second)
    assert list(engine.client.indices.get_alias(name=engine.alias)) == [second]
    settings = after[second]["settings"]["index"]
    # Built without refreshes or replicas, then opened up again for searching.
    assert settings.get("refresh_interval") in (None, "1s") and settings["auto_expand_replicas"] == "0-1"
    assert settings.get("translog", {}).get("durability") in (None, "request", "REQUEST")
    assert after[second]["mappings"]["_meta"] == {"schema": 1, "last_seq": cluster.store.max_seq()}


def test_a_failed_rebuild_keeps_the_old_index(cluster: Catalogue) -> None:
    engine: Any = cluster.engine
    (old,) = indices(engine)

    def broken() -> Iterator[dict[str, Any]]:
        yield from live_documents(cluster.store)[:10]
        raise RuntimeError("the store went away")

    with pytest.raises(RuntimeError, match="store went away"):
        engine.rebuild(broken(), last_seq=cluster.store.max_seq())
    assert list(indices(engine)) == [old]
    assert engine.count() == len(CORPUS) and engine.search(SearchQuery(q="python")).total > 0


def test_engine_refusals_are_per_document(cluster: Catalogue) -> None:
    good = cluster.engine.get(record_id("tcd-1"))
    assert good is not None
    bad = dict(good, id="x:2", start_date="the first of never")
    report = cluster.engine.upsert([bad, good])
    assert report.indexed == 1
    (error,) = report.errors
    assert error["id"] == "x:2" and error["status"] == 400 and "start_date" in error["error"]
    assert cluster.engine.get("x:2") is None


def test_a_sync_that_straddles_a_rebuild_loses_nothing(cluster: Catalogue) -> None:
    # A sync writes into the index that a rebuild elsewhere replaces before the sync records its
    # sequence: the new index must not claim changes it never received.
    engine: Any = cluster.engine
    before = engine.last_seq()
    snapshot = live_documents(cluster.store)  # what a rebuild that started now would index
    gone = [record_id("tcd-3"), record_id("tcd-4")]
    cluster.store.delete_many(gone)
    changes = cluster.store.changes_since(before)
    assert engine.delete([r.id for r in changes]) == 2  # the sync's write, into the old index
    other = reopen(engine)  # another process finishes its rebuild now
    other.rebuild(snapshot, last_seq=before)
    engine.set_last_seq(changes[-1].seq)
    assert engine.last_seq() == before and engine.count() == len(CORPUS)
    report = sync(cluster.store, engine)
    assert report.deleted == 2
    assert engine.count() == len(CORPUS) - 2 and engine.last_seq() == cluster.store.max_seq()
    other.close()


def test_a_missing_index_reads_as_empty_and_is_created_on_write(cluster: Catalogue) -> None:
    engine: Any = cluster.engine
    for index in indices(engine):
        engine.client.indices.delete(index=index)
    page = engine.search(SearchQuery(q="python"))
    assert page.total == 0 and page.results == [] and set(page.facets) == set(SearchQuery().facets)
    assert engine.count() == 0 and engine.last_seq() == 0 and engine.get(record_id("tcd-1")) is None
    assert engine.suggest("pyth") == [] and list(engine.iter_indexed()) == []
    assert sync(cluster.store, engine).indexed == len(CORPUS)
    assert engine.count() == len(CORPUS) and verify(cluster.store, engine)["ok"]


def test_analysis_folds_and_stems_per_language(cluster: Catalogue) -> None:
    engine: Any = cluster.engine

    def tokens(analyzer: str, text: str) -> list[str]:
        found = engine.client.indices.analyze(index=engine.alias, body={"analyzer": analyzer, "text": text})
        return [t["token"] for t in found["tokens"]]

    assert tokens("folded", "Università l'Économie") == ["universita", "l", "economie"]
    assert tokens("text_de", "Datenanalysen") == tokens("text_de", "Datenanalyse")
    assert tokens("text_fr", "l'économie") == tokens("text_fr", "économies")
    assert tokens("text_en", "programming") == tokens("text_en", "programs")
    assert tokens("text_it", "università") == tokens("text_it", "universita")
    assert tokens("text_es", "educaciones") == tokens("text_es", "educación") == ["educacion"]
    assert tokens("text_nl", "duurzaamheid") == tokens("text_nl", "duurzame")
    assert tokens("text_pt", "universidades") == tokens("text_pt", "universidade")
    # Polish: the folded main field (stemming it needs the analysis-stempel plugin, which we do not require).
    assert tokens("folded", "Łódź Kraków") == ["lodz", "krakow"]


def free_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_an_unreachable_engine_is_backend_unavailable(tmp_path: Path) -> None:
    engine = OpenSearchEngine(f"http://127.0.0.1:{free_port()}", index="nowhere", timeout=2)
    calls = [
        lambda: engine.search(SearchQuery(q="python")),
        lambda: engine.suggest("pyth"),
        lambda: engine.upsert([{"id": "a:1", "title": "Alpha"}]),
        lambda: engine.delete(["a:1"]),
        engine.last_seq,
        lambda: engine.set_last_seq(3),
        engine.count,
        engine.health,
        lambda: engine.get("a:1"),
        lambda: engine.rebuild([], last_seq=0),
    ]
    for call in calls:
        with pytest.raises(BackendUnavailable, match="opensearch at http://127.0.0.1"):
            call()
    # The web app answers 503 with problem details, never a 500.
    from search_ui import create_app
    from tests.conftest import make_settings

    settings = make_settings(tmp_path)
    store = Store(settings.store_url)
    app = create_app(settings, store=store, engine=engine)
    response = app.test_client().get("/api/v1/offerings?q=python")
    assert response.status_code == 503 and response.mimetype == "application/problem+json"
    engine.close()
    store.close()


@pytest.mark.parametrize("name", CLUSTERS)
def test_an_outage_mid_sync_loses_nothing(name: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    store = Store(f"sqlite:///{tmp_path}/s.db")
    fill_store(store)
    store.upsert_many((o, None) for o in many_offerings(270))
    direct: Any = make_engine(name, tmp_path, request)
    proxy = OutageProxy(direct.url)
    engine = type(direct)(proxy.url, index=direct.alias, timeout=5)
    try:
        proxy.down_at_bulk(3)  # two batches get through, the node "dies" on the third
        with pytest.raises(BackendUnavailable):
            sync(store, engine, batch=50)
        seqs = sorted(r.seq for r in store.iter_changes(0))
        assert direct.last_seq() == seqs[99] and direct.count() == 100
        with pytest.raises(BackendUnavailable):
            engine.last_seq()  # still down
        proxy.up()
        report = sync(store, engine, batch=50)
        assert report.indexed == 300 - 100 and not report.errors
        assert direct.count() == 300 and direct.last_seq() == store.max_seq()
        assert verify(store, engine)["ok"]
    finally:
        proxy.close()
        engine.close()
        discard(direct)
        store.close()


@pytest.mark.parametrize("name", CLUSTERS)
def test_the_command_line_syncs_verifies_and_rebuilds(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    from config import load_settings
    from microcred.cli import cli

    engine: Any = make_engine(name, tmp_path, request)
    for variable in ("MICROCRED_DATABASE_URL",):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("MICROCRED_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("MICROCRED_SEARCH_ENGINE", name)
    monkeypatch.setenv("MICROCRED_SEARCH_URL", request.getfixturevalue(f"{name}_url"))
    monkeypatch.setenv("MICROCRED_SEARCH_INDEX", engine.alias)
    store = Store(load_settings().store_url)
    fill_store(store)

    def run(*args: str) -> tuple[int, str]:
        result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
        return result.exit_code, result.output

    def run_quietly(*args: str) -> tuple[int, str]:
        """What the command prints on stdout (its progress bar and errors are on stderr)."""
        result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
        return result.exit_code, result.stdout

    try:
        assert run("index") == (0, f"indexed {len(CORPUS)}, deleted 0 ({name})\n")
        code, output = run("index", "--verify")
        assert code == 0 and json.loads(output)["ok"] and json.loads(output)["index_count"] == len(CORPUS)
        engine.delete([record_id("uva-2")])  # drift behind the sync loop's back
        code, output = run("index", "--verify")
        assert code == 1 and json.loads(output)["missing"] == [record_id("uva-2")]
        assert run_quietly("index", "--rebuild") == (0, f"rebuilt the {name} index: {len(CORPUS)} offerings\n")
        code, output = run("index", "--verify")
        assert code == 0 and json.loads(output)["ok"]
        monkeypatch.setenv("MICROCRED_SEARCH_URL", f"http://127.0.0.1:{free_port()}")
        code, output = run("index")
        assert code == 1 and "unavailable" in output and "Traceback" not in output
    finally:
        discard(engine)
        store.close()


def test_engine_classes_share_one_contract() -> None:
    from indexer.elastic import ElasticEngine

    for engine_class in (ElasticEngine, OpenSearchEngine):
        assert issubclass(engine_class, ClusterEngine) and "stemming" in engine_class.capabilities
    assert {ElasticEngine.name, OpenSearchEngine.name} == {"elasticsearch", "opensearch"}
