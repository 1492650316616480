"""The scheduler: due sources are claimed, harvested once, released and re-scheduled; the hook runs after."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

from config import Settings
from harvesters.base import HarvestReport
from harvesters.scheduler import HarvestScheduler
from microcred.demo.server import FeedServer
from offerings.store import Source, Store, utcnow
from offerings.store.leader import LeaderLock
from tests.conftest import make_settings
from tests.harvesters.conftest import NL


def _wait_idle(scheduler: HarvestScheduler) -> None:
    for _ in range(400):
        with scheduler.lock:
            if not scheduler.running:
                return
        time.sleep(0.05)
    raise AssertionError("harvests did not finish")


def test_tick_harvests_due_sources_once(store: Store, settings: Settings, feed_server: FeedServer) -> None:
    store.sources.add(Source(id="nl", url=feed_server.url_for(NL), every_seconds=3600))
    store.sources.add(Source(id="pending", url=feed_server.url_for(NL) + "?x", status="pending"))
    done: list[HarvestReport] = []
    scheduler = HarvestScheduler(store, settings, after_harvest=done.append)
    try:
        assert scheduler.tick() == ["nl"]  # pending sources wait for approval
        assert scheduler.tick() == []  # already running or no longer due
        _wait_idle(scheduler)
        assert [r.source_id for r in done] == ["nl"] and done[0].status == "success"
        source = store.sources.get("nl")
        assert source.next_due_at is not None and source.next_due_at > utcnow()
        assert scheduler.tick() == []  # not due for an hour
        # Not due, so nobody may claim it; at its due time the lease is free again (it was released).
        assert not store.sources.claim("nl", "someone-else", lease=timedelta(seconds=1))
        assert store.sources.claim("nl", "someone-else", lease=timedelta(seconds=1), now=source.next_due_at)
    finally:
        scheduler.shutdown()


def test_background_scheduler_runs_the_first_tick_at_once(
    store: Store, settings: Settings, feed_server: FeedServer
) -> None:
    store.sources.add(Source(id="nl", url=feed_server.url_for(NL)))
    done: list[HarvestReport] = []
    scheduler = HarvestScheduler(store, settings, after_harvest=done.append)
    scheduler.start()
    try:
        for _ in range(400):
            if done:
                break
            time.sleep(0.05)
        assert done and done[0].source_id == "nl"
    finally:
        scheduler.shutdown()
    assert store.count(source_id="nl") == 21


def test_only_the_leader_harvests(store: Store, settings: Settings, feed_server: FeedServer) -> None:
    store.sources.add(Source(id="nl", url=feed_server.url_for(NL)))
    assert LeaderLock(store.engine).acquire("another-process", timedelta(hours=1))
    scheduler = HarvestScheduler(store, settings)
    try:
        assert scheduler.tick() == [] and not scheduler.leading
        LeaderLock(store.engine).release("another-process")  # it shut down cleanly
        assert scheduler.tick() == ["nl"] and scheduler.leading
        _wait_idle(scheduler)
    finally:
        scheduler.shutdown()
    assert LeaderLock(store.engine).current() is None  # released on shutdown


def test_global_and_per_host_caps(store: Store, tmp_path: Path, feed_server: FeedServer) -> None:
    # Two hosts as the cap counts them: 127.0.0.1 and localhost (one server behind both).
    local = feed_server.url_for(NL).replace("127.0.0.1", "localhost")
    for i in range(3):
        store.sources.add(Source(id=f"ip{i}", url=feed_server.url_for(NL)))
        store.sources.add(Source(id=f"name{i}", url=local))
    scheduler = HarvestScheduler(store, make_settings(tmp_path, scheduler={"workers": 4, "per_host": 1}))
    try:
        started = scheduler.tick()
        assert sorted(s.rstrip("0123456789") for s in started) == ["ip", "name"]  # one per host, not four
        _wait_idle(scheduler)
    finally:
        scheduler.shutdown()
    scheduler = HarvestScheduler(store, make_settings(tmp_path, scheduler={"workers": 1, "per_host": 3}))
    try:
        assert len(scheduler.tick()) == 1  # the global cap
        _wait_idle(scheduler)
    finally:
        scheduler.shutdown()
