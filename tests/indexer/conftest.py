"""The engine fixtures of the contract suite: one real store, synced into each real engine.

Every contract test runs once per engine: ``sqlite`` always, ``opensearch`` against a real node
(started once per session; a visible skip where Java or Maven are missing, a failure in CI), and
``elasticsearch`` when ``ELASTICSEARCH_URL`` names one on loopback. Each catalogue on a cluster
gets an alias of its own, deleted again afterwards, so tests never see each other's documents.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from indexer.base import SearchEngine
from indexer.sqlite import SqliteEngine
from indexer.sync import sync
from offerings.store import Store
from tests.indexer.clusters import elasticsearch_node, opensearch_node
from tests.indexer.corpus import (  # noqa: F401 - re-exported for the test modules
    CORPUS,
    SOURCES,
    TODAY,
    field_values,
    fill_store,
    live_documents,
    make_offering,
    matches,
    record_id,
)

# Elasticsearch only where one is given: without it one test says so (test_elastic.py), not one skip per test.
ENGINES = ("sqlite", "opensearch", *(("elasticsearch",) if os.environ.get("ELASTICSEARCH_URL") else ()))


@pytest.fixture(scope="session")
def opensearch_url() -> Iterator[str]:
    """A real OpenSearch node on loopback for the whole session."""
    yield from opensearch_node()


@pytest.fixture(scope="session")
def elasticsearch_url() -> Iterator[str]:
    """The Elasticsearch on loopback that ``ELASTICSEARCH_URL`` names."""
    yield from elasticsearch_node()


def make_engine(name: str, root: Path, request: pytest.FixtureRequest, **options: Any) -> SearchEngine:
    """A new, empty engine of kind ``name``: its files under ``root``, or an alias of its own."""
    if name == "sqlite":
        return SqliteEngine(root / "search")
    from indexer.elastic import ElasticEngine, OpenSearchEngine

    engine_class = OpenSearchEngine if name == "opensearch" else ElasticEngine
    url = request.getfixturevalue(f"{name}_url")
    return engine_class(url, index=f"test-{secrets.token_hex(4)}", **options)


def reopen(engine: SearchEngine) -> SearchEngine:
    """A second engine object on the same index (as another process would open it)."""
    if isinstance(engine, SqliteEngine):
        return SqliteEngine(engine.path)
    return type(engine)(engine.url, index=engine.alias)  # type: ignore[attr-defined, call-arg]


def discard(engine: SearchEngine) -> None:
    """Close an engine; on a cluster, delete every index its alias ever named."""
    client = getattr(engine, "client", None)
    if client is not None:
        # By name: Elasticsearch refuses wildcard deletes by default (action.destructive_requires_name).
        for index in client.indices.get(index=f"{engine.alias}-*"):  # type: ignore[attr-defined]
            client.indices.delete(index=index)
    engine.close()


@dataclass
class Catalogue:
    """A store, an engine synced from it, and the documents the store holds."""

    store: Store
    engine: SearchEngine
    root: Path

    @property
    def path(self) -> Path:
        """The SQLite engine's index directory."""
        return self.root / "search"

    @property
    def documents(self) -> list[dict[str, Any]]:
        """The live documents, freshly read from the store."""
        return live_documents(self.store)


def build(root: Path, engine: SearchEngine) -> Catalogue:
    """Fill a fresh store under ``root`` and sync ``engine`` from it."""
    store = Store(f"sqlite:///{root}/s.db")
    fill_store(store)
    sync(store, engine)
    return Catalogue(store, engine, root)


def catalogue_of(name: str, root: Path, request: pytest.FixtureRequest) -> Iterator[Catalogue]:
    """A catalogue on engine ``name``, torn down afterwards."""
    catalogue = build(root, make_engine(name, root, request))
    yield catalogue
    discard(catalogue.engine)
    catalogue.store.close()


@pytest.fixture(scope="module", params=ENGINES)
def shared(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Catalogue]:
    """One catalogue per module and engine, for tests that only read."""
    yield from catalogue_of(request.param, tmp_path_factory.mktemp("indexer"), request)


@pytest.fixture(params=ENGINES)
def fresh(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Catalogue]:
    """A catalogue of the test's own, on each engine, for tests that change it."""
    yield from catalogue_of(request.param, tmp_path, request)


@pytest.fixture(params=ENGINES)
def engine_name(request: pytest.FixtureRequest) -> str:
    """Each engine's name, its cluster (if any) known to be available."""
    if request.param != "sqlite":
        request.getfixturevalue(f"{request.param}_url")
    return str(request.param)


def capable(engine: SearchEngine, capability: str) -> bool:
    """Whether ``engine`` declares an optional capability (``stemming``) of the contract."""
    return capability in getattr(engine, "capabilities", frozenset())
