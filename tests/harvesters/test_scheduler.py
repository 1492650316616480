"""The scheduler: due sources are claimed, harvested once, released and re-scheduled; the hook runs after."""

from __future__ import annotations

import time
from datetime import timedelta

from config import Settings
from harvesters.base import HarvestReport
from harvesters.scheduler import HarvestScheduler
from microcred.demo.server import FeedServer
from offerings.store import Source, Store, utcnow
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
        assert store.sources.claim("nl", "someone-else", lease=timedelta(seconds=1))  # the lease was released
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
