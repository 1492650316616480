"""``GET /metrics`` (prometheus_client): in one process through the real app, and under a real gunicorn with two
workers sharing PROMETHEUS_MULTIPROC_DIR with a separate ``microcred harvest`` process, on SQLite and PostgreSQL:
every scrape, whichever worker answers it, adds up every process's counts."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families

from config import Settings
from harvesters.runner import harvest_source
from indexer.elastic import OpenSearchEngine
from microcred.demo.server import FeedServer
from offerings.store import Source, Store
from search_ui import create_app
from tests.conftest import make_settings
from tests.harvesters.conftest import NL, feed_server, feeds  # noqa: F401 - fixtures

pytestmark = pytest.mark.stores

TIMEOUT = 120.0  # for the server to come up; the test waits for conditions, never for times
BIN = Path(sys.executable).parent


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a scrape: (name, sorted labels) -> value."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def _value(text: str, name: str, **labels: str) -> float:
    return _samples(text).get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture
def client(tmp_path: Path, store: Store) -> FlaskClient:
    return create_app(make_settings(tmp_path, secret_key="t"), store=store).test_client()


def test_searches_harvests_and_sources_are_counted(
    client: FlaskClient,
    store: Store,
    settings: Settings,
    feed_server: FeedServer,  # noqa: F811
) -> None:
    before = client.get("/metrics").get_data(as_text=True)
    source = store.sources.add(Source(id="nl", url=feed_server.url_for(NL)))
    store.sources.add(Source(id="waiting", url="http://127.0.0.1:9/oai", status="pending"))
    report = harvest_source(store, source, settings)
    assert report.status == "success" and report.counts.added > 0
    for query in ("data", "circular", "", "nothing-matches-this"):
        assert client.get("/api/v1/offerings", query_string={"q": query}).status_code == 200
    assert client.get("/search", query_string={"q": "data"}).status_code == 200

    response = client.get("/metrics")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    after = response.get_data(as_text=True)

    def grew(name: str, **labels: str) -> float:
        return _value(after, name, **labels) - _value(before, name, **labels)

    assert grew("microcred_search_duration_seconds_count", engine="sqlite") == 5  # the API's four and the page's
    assert grew("microcred_harvest_runs_total", outcome="success") == 1
    assert grew("microcred_harvest_records_total", outcome="added") == report.counts.added
    assert grew("microcred_harvest_duration_seconds_count", kind="oai") == 1
    assert _value(after, "microcred_sources", state="active") == 1
    assert _value(after, "microcred_sources", state="pending") == 1


def test_an_unreachable_engine_is_counted(tmp_path: Path, store: Store) -> None:
    # A port nobody listens on: the engine's calls fail as "unreachable" (a 503 for the client).
    engine = OpenSearchEngine("http://127.0.0.1:9", index="microcred-test", timeout=2)
    client = create_app(make_settings(tmp_path, secret_key="t"), store=store, engine=engine).test_client()
    before = client.get("/metrics").get_data(as_text=True)
    assert client.get("/api/v1/offerings", query_string={"q": "data"}).status_code == 503
    after = client.get("/metrics").get_data(as_text=True)
    # The search reads the index's last_seq first (for Last-Modified), so that is the call that fails.
    labels = {"engine": "opensearch", "operation": "last_seq"}
    assert (
        _value(after, "microcred_engine_errors_total", **labels)
        - _value(before, "microcred_engine_errors_total", **labels)
        == 1
    )
    # Nothing was answered, so nothing was timed.
    assert _value(after, "microcred_search_duration_seconds_count", engine="opensearch") == _value(
        before, "microcred_search_duration_seconds_count", engine="opensearch"
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _until(condition: Callable[[], Any], what: str, process: subprocess.Popen[bytes]) -> Any:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"gunicorn exited with {process.returncode} while waiting until {what}")
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting until {what}")


@pytest.fixture
def gunicorn(tmp_path: Path, store: Store) -> Iterator[tuple[str, dict[str, str], Path]]:
    """A real gunicorn with two sync workers on loopback, its environment, and its access log (pid, path)."""
    port = _free_port()
    multiproc = tmp_path / "prometheus"
    multiproc.mkdir()
    access = tmp_path / "access.log"
    env = {key: value for key, value in os.environ.items() if not key.startswith(("MICROCRED_", "PROMETHEUS_"))} | {
        "MICROCRED_DATA_DIR": str(tmp_path / "var"),
        "MICROCRED_DATABASE_URL": store.engine.url.render_as_string(hide_password=False),
        "MICROCRED_SECRET_KEY": "t",
        "MICROCRED_ALLOW_PRIVATE_FEEDS": "true",
        "MICROCRED_API__RATE_LIMIT": "",
        "PROMETHEUS_MULTIPROC_DIR": str(multiproc),
    }
    command = [
        str(BIN / "gunicorn"),
        "--workers",
        "2",
        "--bind",
        f"127.0.0.1:{port}",
        "--access-logfile",
        str(access),
        "--access-logformat",
        "%(p)s %(U)s",
        "search_ui:create_app()",
    ]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        try:
            return requests.get(f"{base}/healthz", timeout=30).status_code == 200
        except requests.RequestException:  # not listening yet, or a worker still booting
            return False

    try:
        _until(answers, "gunicorn answers", process)
        yield base, env, access
    finally:
        process.terminate()
        process.wait(timeout=60)


def _pids(access: Path, path: str) -> set[str]:
    """The worker pids that answered ``path`` (gunicorn's access log: "<pid> <path>")."""
    lines = access.read_text().splitlines() if access.exists() else []
    return {pid for pid, _, logged in (line.partition(" ") for line in lines) if logged == path}


def test_metrics_add_up_every_gunicorn_worker_and_the_harvesting_process(
    gunicorn: tuple[str, dict[str, str], Path],
    store: Store,
    feed_server: FeedServer,  # noqa: F811
) -> None:
    base, env, access = gunicorn
    searches = 0
    # Search until both workers have answered some: each request is a new connection, and the kernel hands
    # connections to whichever worker accepts first, so one worker alone would show only its own share.
    while len(_pids(access, "/api/v1/offerings")) < 2:
        assert searches < 500, "one worker answered every search"
        with requests.Session() as session:  # a connection of its own
            assert session.get(f"{base}/api/v1/offerings", params={"q": "data"}, timeout=30).status_code == 200
        searches += 1

    # A harvest in another process (as `microcred scheduler` next to gunicorn), sharing the metrics directory.
    store.sources.add(Source(id="nl", url=feed_server.url_for(NL)))
    done = subprocess.run(
        [str(BIN / "microcred"), "harvest", "nl"], env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stderr
    added = int(re.search(r"added (\d+)", done.stdout).group(1))  # type: ignore[union-attr]
    assert added > 0

    scrapes = 0
    while len(_pids(access, "/metrics")) < 2:
        assert scrapes < 500, "one worker answered every scrape"
        with requests.Session() as session:
            text = session.get(f"{base}/metrics", timeout=30).text
        scrapes += 1
        # Whichever worker answered: every search of both workers, and the other process's harvest.
        assert _value(text, "microcred_search_duration_seconds_count", engine="sqlite") == searches
        assert _value(text, "microcred_harvest_runs_total", outcome="success") == 1
        assert _value(text, "microcred_harvest_records_total", outcome="added") == added
        assert _value(text, "microcred_sources", state="active") == 1
