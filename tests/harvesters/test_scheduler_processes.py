"""Two real ``microcred scheduler`` processes on one store against loopback OAI-PMH feeds.

Only the holder of the leader lock harvests; every due source is harvested exactly once per due time;
``kill -9`` of the leader mid-harvest hands over to the other process, which completes the source;
the per-host and global caps hold across both (counted from the run records); "harvest now" through
the admin API reaches the scheduler in its own process; over many due times each source is harvested a cadence
apart, never early and never twice at once. Conditions are polled with a generous timeout,
never timed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from microcred.demo.provider import Provider
from microcred.demo.server import FeedServer, make_app, serve
from offerings.store import Source, Store
from offerings.store.leader import LeaderLock
from offerings.store.tables import harvest_runs
from search_ui import create_app
from tests.conftest import REPO, make_settings

pytestmark = pytest.mark.stores

TOKEN = "t" * 32
WORKERS = 2
TIMEOUT = 180.0  # generous: the machine may be shared; the tests wait for conditions, not for times
PAGE_SECONDS = 0.2  # each feed request is slowed down so that harvests overlap and a kill lands mid-run


@pytest.fixture
def slow_feeds(feeds: dict[str, Provider]) -> Iterator[FeedServer]:
    """The demo feeds on loopback, each answer held back a little (a harvest spans several answers)."""
    app = make_app(feeds)

    def slow(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        time.sleep(PAGE_SECONDS)
        return app(environ, start_response)

    server = serve(slow, host="127.0.0.1", port=0)
    yield server
    server.stop()


def _until(condition: Callable[[], Any], what: str, processes: list[subprocess.Popen[bytes]]) -> Any:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting until {what}; exit codes {[p.poll() for p in processes]}")


def _runs(store: Store) -> list[dict[str, Any]]:
    with store.engine.connect() as conn:
        return [dict(row) for row in conn.execute(select(harvest_runs).order_by(harvest_runs.c.id)).mappings()]


def _successes(store: Store) -> dict[str, int]:
    counts: dict[str, int] = {}
    for run in _runs(store):
        if run["status"] == "success":
            counts[run["source_id"]] = counts.get(run["source_id"], 0) + 1
    return counts


def _overlapping(runs: list[dict[str, Any]]) -> int:
    """The most runs of ``runs`` open at one moment. Times are whole seconds, so runs one after another
    (start >= the other's finish) never count as overlapping; only runs that really overlapped can."""
    spans: list[tuple[datetime, datetime]] = [(r["started_at"], r["finished_at"]) for r in runs]
    return max((sum(1 for s, f in spans if s <= start < f) for start, _ in spans), default=0)


def _pid(holder: str) -> int:
    return int(holder.rsplit(":", 2)[1])  # the holder id is host:pid:suffix (harvesters/scheduler.py)


def test_two_schedulers_harvest_each_due_source_once_and_survive_the_leader(
    store: Store, store_backend: str, tmp_path: Path, slow_feeds: FeedServer, feeds: dict[str, Provider]
) -> None:
    url = str(store.engine.url.render_as_string(hide_password=False))
    # Each feed twice, once per host name: 127.0.0.1 and localhost are two hosts to the per-host cap.
    hosts = {"ip": "127.0.0.1", "name": "localhost"}
    for slug in feeds:
        for tag, host in hosts.items():
            feed = slow_feeds.url_for(slug).replace("127.0.0.1", host)
            store.sources.add(Source(id=f"{tag}-{slug}", url=feed, every_seconds=3600))
    ids = {f"{tag}-{slug}" for slug in feeds for tag in hosts}
    env = {k: v for k, v in os.environ.items() if not k.startswith("MICROCRED_")} | {
        "MICROCRED_DATA_DIR": str(tmp_path / "var"),
        "MICROCRED_DATABASE_URL": url,
        "MICROCRED_ALLOW_PRIVATE_FEEDS": "true",
        "MICROCRED_LINKS__AFTER_HARVEST": "false",
        "MICROCRED_HARVEST__PAGE_DELAY": "0",
        "MICROCRED_SCHEDULER__TICK_SECONDS": "0.5",
        "MICROCRED_SCHEDULER__LEADER_SECONDS": "3",
        "MICROCRED_SCHEDULER__JITTER": "0",
        "MICROCRED_SCHEDULER__WORKERS": str(WORKERS),
        "MICROCRED_SCHEDULER__PER_HOST": "1",
    }
    processes: list[subprocess.Popen[bytes]] = []
    logs = []
    try:
        for i in range(2):
            log = (tmp_path / f"scheduler-{i}.log").open("wb")
            logs.append(log)
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "microcred", "scheduler"], cwd=REPO, env=env, stdout=log, stderr=log
                )
            )
        lock = LeaderLock(store.engine)
        by_pid = {p.pid: p for p in processes}

        # Mid-harvest, kill -9 whichever process leads.
        _until(lambda: any(r["status"] == "running" for r in _runs(store)), "a harvest runs", processes)
        holder = lock.current()
        assert holder is not None and _pid(holder.holder) in by_pid
        leader = by_pid[_pid(holder.holder)]
        leader.send_signal(signal.SIGKILL)
        leader.wait()
        cut_short = {r["source_id"] for r in _runs(store) if r["status"] == "running"}  # nobody can finish them now
        (survivor,) = (p for p in processes if p is not leader)

        # The survivor takes the lock once it expires and harvests everything, the cut-short runs included.
        _until(lambda: set(_successes(store)) == ids, "every source was harvested", processes)
        _until(lambda: not any(r["status"] == "running" for r in _runs(store)), "no run is left running", processes)
        now_holder = lock.current()
        assert now_holder is not None and _pid(now_holder.holder) == survivor.pid
        assert survivor.poll() is None

        runs = _runs(store)
        assert _successes(store) == dict.fromkeys(ids, 1)  # exactly once per due time
        interrupted = {r["source_id"] for r in runs if r["status"] == "interrupted"}
        assert interrupted == cut_short and cut_short  # the kill landed mid-run, and only those runs broke
        assert {r["status"] for r in runs} == {"success", "interrupted"}
        for slug, provider in feeds.items():
            for tag in hosts:  # nothing lost, nothing doubled
                assert store.count(source_id=f"{tag}-{slug}") == len(provider.records(include_deleted=False))

        # The caps, across both processes: never two runs on one host at once, never more than WORKERS.
        finished = [r for r in runs if r["status"] == "success"]
        for host in hosts.values():
            on_host = [r for r in finished if store.sources.get(r["source_id"]).url.startswith(f"http://{host}:")]
            assert _overlapping(on_host) == 1
        assert 1 <= _overlapping(finished) <= WORKERS

        # "Harvest now" through the admin API, in this process, reaches the scheduler in the other.
        target = sorted(ids)[0]
        app = create_app(make_settings(tmp_path, admin_token=TOKEN, database_url=url), store=store)
        answer = app.test_client().post(
            f"/api/v1/sources/{target}/harvest", headers={"Authorization": f"Bearer {TOKEN}"}
        )
        assert answer.status_code == 202
        _until(lambda: _successes(store).get(target) == 2, "the source was harvested again", processes)
        _until(lambda: not any(r["status"] == "running" for r in _runs(store)), "no run is left running", processes)
        assert _successes(store) == dict.fromkeys(ids, 1) | {target: 2}

        # A clean stop (SIGTERM, as docker stop sends) gives the lock up rather than leaving it to expire.
        survivor.send_signal(signal.SIGTERM)
        assert survivor.wait(timeout=TIMEOUT) == 0
        assert lock.current() is None
    except BaseException:
        for log in logs:
            log.flush()
        for path in sorted(tmp_path.glob("scheduler-*.log")):
            sys.stderr.write(f"---- {path.name}\n{path.read_text(errors='replace')[-4000:]}\n")
        raise
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for log in logs:
            log.close()


def test_two_schedulers_over_many_due_times_harvest_each_source_as_often_as_due_never_twice_at_once(
    store: Store, tmp_path: Path, feeds: dict[str, Provider]
) -> None:
    url = str(store.engine.url.render_as_string(hide_password=False))
    every = 2  # seconds: many due times while the test runs
    server = serve(feeds, host="127.0.0.1", port=0)
    ids = []
    for slug in feeds:
        for tag, host in {"ip": "127.0.0.1", "name": "localhost"}.items():
            feed = server.url_for(slug).replace("127.0.0.1", host)
            store.sources.add(Source(id=f"{tag}-{slug}", url=feed, every_seconds=every))
            ids.append(f"{tag}-{slug}")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MICROCRED_")} | {
        "MICROCRED_DATA_DIR": str(tmp_path / "var"),
        "MICROCRED_DATABASE_URL": url,
        "MICROCRED_ALLOW_PRIVATE_FEEDS": "true",
        "MICROCRED_LINKS__AFTER_HARVEST": "false",
        "MICROCRED_SCHEDULER__TICK_SECONDS": "0.3",
        "MICROCRED_SCHEDULER__LEADER_SECONDS": "3",
        "MICROCRED_SCHEDULER__JITTER": "0",
        # Caps above the sources' number: no source waits behind another, so its runs are a cadence apart only
        # if the scheduler keeps to the due times, not because of a queue.
        "MICROCRED_SCHEDULER__WORKERS": "6",
        "MICROCRED_SCHEDULER__PER_HOST": "3",
    }
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "microcred", "scheduler"],
            cwd=REPO,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(2)
    ]
    wanted = 4  # due times each source goes through

    def done() -> bool:
        counts = _successes(store)
        return all(counts.get(i, 0) >= wanted for i in ids)

    try:
        _until(done, f"every source was harvested {wanted} times", processes)
    finally:
        # A clean stop waits for the harvests under way, so every run below is finished.
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(timeout=TIMEOUT)
        server.stop()
    runs = _runs(store)
    assert {r["status"] for r in runs} == {"success"}  # no run failed, none was cut short
    for source_id in ids:
        own = [r for r in runs if r["source_id"] == source_id]
        assert len(own) >= wanted
        # Never twice at once across both processes, and never before it was due: each run starts a cadence
        # (or more) after the one before it ended (runs shorter than a second show as zero-length spans, so
        # the gap is what proves it).
        assert _overlapping(own) <= 1
        for before, after in zip(own, own[1:], strict=False):
            assert (after["started_at"] - before["finished_at"]).total_seconds() >= every, (before, after)
    assert _overlapping(runs) <= 6  # the global cap, across both processes
