"""Scale-out evidence: a real two-node OpenSearch cluster keeps answering searches when a node dies.

``scripts/opensearch-test-cluster`` starts two OpenSearch JVMs on loopback (one node each); the
catalogue index gets its one replica there (``auto_expand_replicas`` "0-1"), so each node holds a
full copy. Searches run from several threads through one :class:`OpenSearchEngine` given both node
URLs; the node holding the primary is killed with SIGKILL mid-load, and every search, before and
after, must come back with the full and correct total. Nothing in the test retries: failing over to
the surviving node is the client's job (``max_retries`` one per node), finding the surviving copy of
the shard is the cluster's. A visible skip where Java or Maven are missing, a failure in CI.
"""

from __future__ import annotations

import fcntl
import logging
import os
import secrets
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from indexer.base import SearchQuery
from indexer.elastic import ElasticEngine, OpenSearchEngine, node_urls
from indexer.sync import rebuild
from offerings.errors import ConfigError
from offerings.store import Source, Store
from tests.conftest import REPO
from tests.indexer.corpus import CORPUS, SOURCES, live_documents, many_offerings, matches
from tests.services import unavailable

logger = logging.getLogger(__name__)

CLUSTER_SCRIPT = REPO / "scripts" / "opensearch-test-cluster"
# A cold start resolves ~70 MB from Maven Central; a warm one takes seconds.
START_TIMEOUT = 900
OFFERINGS = 3000  # 100 copies of each of the 30 corpus rows
THREADS = 4
# Seconds of search load before and after the kill: long enough for some hundreds of searches.
LOAD_BEFORE = 2.0
LOAD_AFTER = 4.0

# Queries whose totals plain Python computes from the store (filters, ranges), and one text query.
FILTERED = (
    SearchQuery(size=5),
    SearchQuery(filters={"source": ("tum", "unibo")}, size=5),
    SearchQuery(filters={"mode": ("online",)}, ects_min=4.0, size=5),
    SearchQuery(filters={"language": ("fr",)}, free=True, size=5),
)
TEXT = SearchQuery(q="python", size=5)


def test_search_url_may_name_several_nodes() -> None:
    assert node_urls(" http://a:9200, http://b:9200 ,") == ["http://a:9200", "http://b:9200"]
    assert node_urls("http://a:9200") == ["http://a:9200"]
    with pytest.raises(ConfigError, match="search_url"):
        OpenSearchEngine(" , ")
    engine = OpenSearchEngine("http://u:p@127.0.0.1:9, http://127.0.0.1:10")
    try:
        # Credentials never reach messages; each node is a connection of its own; one retry per node.
        assert engine.url == "http://127.0.0.1:9,http://127.0.0.1:10"
        transport: Any = engine.raw_client.transport
        assert sorted(c.host for c in transport.connection_pool.connections) == [
            "http://127.0.0.1:10",
            "http://127.0.0.1:9",
        ]
        assert transport.max_retries == 2 and 503 in transport.retry_on_status and not transport.retry_on_timeout
    finally:
        engine.close()
    single = OpenSearchEngine("http://127.0.0.1:9")
    try:
        assert single.url == "http://127.0.0.1:9" and single.raw_client.transport.max_retries == 1  # as before
    finally:
        single.close()


def test_elasticsearch_takes_several_nodes_too() -> None:
    pytest.importorskip("elasticsearch")
    engine = ElasticEngine("http://127.0.0.1:9,http://127.0.0.1:10")
    try:
        client: Any = engine.raw_client
        assert engine.url == "http://127.0.0.1:9,http://127.0.0.1:10"
        assert len(client.transport.node_pool.all()) == 2 and client._max_retries == 2
    finally:
        engine.close()


@pytest.fixture(scope="module")
def cluster() -> Iterator[list[str]]:
    """The HTTP URLs of a fresh two-node cluster, stopped at the end of the module whatever happens."""
    missing = [tool for tool in ("java", "mvn", "curl") if shutil.which(tool) is None]
    if missing:
        unavailable(f"cannot start the OpenSearch test cluster: {', '.join(missing)} not installed")
    state = Path(os.environ.get("OPENSEARCH_CLUSTER_HOME") or REPO / "var" / "opensearch-test-cluster")
    state.mkdir(parents=True, exist_ok=True)
    # One test session at a time: unlike the single node, this cluster cannot be shared, since the
    # test kills one of its nodes (a parallel session waits here rather than failing).
    with open(state / "test.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield from _started_cluster()


def _started_cluster() -> Iterator[list[str]]:
    """Start the cluster, yield its URLs, and stop it afterwards, also after a failure or a skip."""
    try:
        try:
            started = subprocess.run(
                [str(CLUSTER_SCRIPT), "start"],
                capture_output=True,
                text=True,
                timeout=START_TIMEOUT,
                stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired:
            unavailable(f"the OpenSearch test cluster did not start within {START_TIMEOUT}s")
        if started.returncode != 0:
            unavailable(f"the OpenSearch test cluster did not start: {started.stderr.strip()[-1500:]}")
        urls = started.stdout.split()
        logger.info("OpenSearch test cluster: %s", started.stderr.strip().splitlines()[-1:])
        assert len(urls) == 2, started.stdout
        yield urls
    finally:
        subprocess.run([str(CLUSTER_SCRIPT), "stop"], capture_output=True, timeout=120, stdin=subprocess.DEVNULL)


@dataclass
class Load:
    """Searches run from several threads until stopped: how many were answered, and what went wrong."""

    engine: OpenSearchEngine
    expected: list[tuple[SearchQuery, int]]
    answered: list[float] = field(default_factory=list)  # start time of each answered search
    failures: list[str] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self, offset: int) -> None:
        """Search round-robin over the queries, recording each answer, until told to stop."""
        turn = offset
        while not self.stopping.is_set():
            query, total = self.expected[turn % len(self.expected)]
            turn += 1
            began = time.monotonic()
            try:
                page = self.engine.search(query)
            except Exception as exc:  # every kind counts: the test is that there are none
                with self.lock:
                    self.failures.append(f"{query}: {type(exc).__name__}: {exc}")
                continue
            with self.lock:
                if page.total == total and len(page.results) == min(total, query.size):
                    self.answered.append(began)
                else:
                    self.failures.append(f"{query}: total {page.total} ({len(page.results)} results), expected {total}")


def filled_store(path: Path) -> Store:
    """A store with :data:`OFFERINGS` generated offerings from the six corpus sources."""
    store = Store(f"sqlite:///{path}")
    for source, (name, country, _lang) in SOURCES.items():
        store.sources.add(Source(id=source, url=f"https://{source}.example.eu/oai", name=name, country=country))
    store.upsert_many((offering, None) for offering in many_offerings(OFFERINGS))
    return store


def node_of_primary(engine: OpenSearchEngine) -> tuple[str, str]:
    """``(node number, cluster manager's node number)``: which node holds the index's primary, and which leads."""
    client: Any = engine.raw_client
    index = engine.indices.current()
    shards = client.cat.shards(index=index, format="json", h="prirep,state,id")
    primary = next(shard["id"] for shard in shards if shard["prirep"] == "p")
    nodes = client.nodes.info()["nodes"]

    def number(prefix: str) -> str:
        # _cat abbreviates node ids; both nodes are called "Node 1" (see the cluster script).
        return next(str(node["attributes"]["microcred_node"]) for key, node in nodes.items() if key.startswith(prefix))

    manager = client.cat.cluster_manager(format="json", h="id")[0]["id"]
    return number(primary), number(manager)


def test_searches_survive_a_node_killed_mid_load(cluster: list[str], tmp_path: Path) -> None:
    store = filled_store(tmp_path / "s.db")
    engine = OpenSearchEngine(",".join(cluster), index=f"test-cluster-{secrets.token_hex(4)}")
    try:
        report = rebuild(store, engine)
        assert report.indexed == OFFERINGS and not report.errors

        # The built index gets its replica back (auto_expand_replicas "0-1": one on two nodes).
        client: Any = engine.raw_client
        health = client.cluster.health(index=engine.alias, wait_for_status="green")  # waits up to 30s
        assert health["status"] == "green" and health["active_shards"] == 2, health
        copies = client.cat.shards(index=engine.indices.current(), format="json", h="prirep,state,id")
        assert sorted(c["prirep"] for c in copies) == ["p", "r"] and {c["state"] for c in copies} == {"STARTED"}
        assert len({c["id"] for c in copies}) == 2, "primary and replica must be on different nodes"

        documents = live_documents(store)
        expected = [(query, sum(matches(doc, query) for doc in documents)) for query in FILTERED]
        text_total = engine.search(TEXT).total
        # Each corpus row is there 100 times, so a text query finds a multiple of 100.
        assert text_total > 0 and text_total % (OFFERINGS // len(CORPUS)) == 0
        expected.append((TEXT, text_total))
        assert expected[0][1] == OFFERINGS

        victim, manager = node_of_primary(engine)
        load = Load(engine, expected)
        threads = [threading.Thread(target=load.run, args=(i,), daemon=True) for i in range(THREADS)]
        for thread in threads:
            thread.start()
        try:
            time.sleep(LOAD_BEFORE)
            killed_at = time.monotonic()
            killed = subprocess.run(
                [str(CLUSTER_SCRIPT), "kill-node", victim],
                capture_output=True,
                text=True,
                timeout=60,
                stdin=subprocess.DEVNULL,
            )
            assert killed.returncode == 0, killed.stderr
            time.sleep(LOAD_AFTER)
        finally:
            load.stopping.set()
            for thread in threads:
                thread.join(timeout=120)

        before = sum(began < killed_at for began in load.answered)
        after = len(load.answered) - before
        logger.info(
            "killed node %s (primary; cluster manager: node %s): %d searches answered before the kill, %d after, "
            "%d failed",
            victim,
            manager,
            before,
            after,
            len(load.failures),
        )
        assert not load.failures, load.failures[:5]
        assert before > 0 and after > 0

        # The node really is gone, and the other one alone answers.
        status = subprocess.run([str(CLUSTER_SCRIPT), "status"], capture_output=True, text=True)
        assert status.returncode == 1 and f"node {victim}: not running" in status.stdout, status.stdout
        survivor = OpenSearchEngine(cluster[2 - int(victim)], index=engine.alias)
        try:
            assert survivor.search(FILTERED[0]).total == OFFERINGS
        finally:
            survivor.close()
    finally:
        engine.close()
        store.close()
