"""The scheduler: one APScheduler 3 tick job claims due sources and harvests them in a thread pool.

Source definitions and due times live in the store (``sources.next_due_at``), not in an
APScheduler job store, so the web process can ask for "harvest now" by editing a row, restarts
miss nothing, and a lease keeps two scheduler processes from harvesting one source twice
(docs/harvesting.md §6). Of several scheduler processes on one database only the holder of the
leader lock (offerings/store/leader.py) starts harvests; every tick is its heartbeat, renewing the
lock and the leases of its running harvests, so when it dies both expire and another process
takes over (docs/operations.md, "Scheduling").
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from config import Settings
from harvesters import health
from harvesters.base import HarvestReport
from harvesters.runner import harvest_source
from offerings.store import Source, Store
from offerings.store.leader import LeaderLock

__all__ = ["HarvestScheduler", "host_of"]

logger = logging.getLogger(__name__)


def host_of(url: str) -> str:
    """The host a feed URL names, as the per-host cap counts it (lower case; the URL itself if it has none)."""
    return (urlsplit(url).hostname or url).lower()


class HarvestScheduler:
    """Harvests due sources every ``scheduler.tick_seconds``; ``after_harvest`` runs after each harvest
    (the wiring passes the index sync there)."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        *,
        after_harvest: Callable[[HarvestReport], None] | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.after_harvest = after_harvest
        # The pid alone could be reused by a later process on the host; the suffix keeps holders distinct.
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.ttl = timedelta(seconds=settings.scheduler.leader_seconds)
        self.leader = LeaderLock(store.engine)
        self.leading = False
        self.pool = ThreadPoolExecutor(max_workers=settings.scheduler.workers, thread_name_prefix="harvest")
        # Running harvests here: source id -> the host of its feed (for the per-host cap).
        self.running: dict[str, str] = {}
        self.lock = threading.Lock()
        self.scheduler: BackgroundScheduler | BlockingScheduler | None = None
        if settings.scheduler.leader_seconds <= 2 * settings.scheduler.tick_seconds:
            logger.warning(
                "scheduler.leader_seconds (%g) should be well above twice scheduler.tick_seconds (%g): "
                "the lock may expire between two heartbeats",
                settings.scheduler.leader_seconds,
                settings.scheduler.tick_seconds,
            )

    def tick(self) -> list[str]:
        """Renew the leader lock and running leases; if this process leads, start a harvest of every due
        source the caps allow; returns the ids started."""
        with self.lock:
            running = list(self.running)
        # Renewed whether or not this process still leads: a harvest it started must not be taken over
        # while it runs, even if another process won the lock meanwhile.
        self.store.sources.renew(running, self.owner, lease=self.ttl)
        leading = self.leader.acquire(self.owner, self.ttl)
        if leading != self.leading:
            logger.info("scheduler %s %s the leader lock", self.owner, "holds" if leading else "lost")
            self.leading = leading
        if not leading:
            return []
        started = []
        scheduler = self.settings.scheduler
        for source in self.store.sources.due():
            host = host_of(source.url)
            with self.lock:
                if source.id in self.running:
                    continue
                if len(self.running) >= scheduler.workers:
                    break  # the global cap: the rest wait for the next tick
                if Counter(self.running.values())[host] >= scheduler.per_host:
                    continue
                if not self.store.sources.claim(source.id, self.owner, lease=self.ttl):
                    continue
                self.running[source.id] = host
            self.pool.submit(self._harvest, source)
            started.append(source.id)
        return started

    def _harvest(self, source: Source) -> None:
        try:
            # The periodic landing-page check (V3) rides on scheduled harvests, so "2 consecutive harvests"
            # means two checks; operator-run harvests (CLI, bench) stay fast and use `sources check-links`.
            live_before = self.store.count(source_id=source.id)
            report = harvest_source(self.store, source, self.settings, check_links=self.settings.links.after_harvest)
            try:
                health.after_run(self.store, self.settings, source, report, live_before=live_before)
            except Exception:  # the run is recorded; a health-check bug must not hide it
                logger.exception("health check after the harvest of %s failed", source.id)
            if self.after_harvest is not None:
                self.after_harvest(report)
        except Exception:  # keep the worker alive; harvest_source already recorded the run
            logger.exception("scheduled harvest of %s failed", source.id)
        finally:
            self.store.sources.release(source.id)
            with self.lock:
                self.running.pop(source.id, None)

    def _add_tick(self, scheduler: BackgroundScheduler | BlockingScheduler) -> None:
        scheduler.add_job(
            self.tick,
            "interval",
            seconds=self.settings.scheduler.tick_seconds,
            id="microcred-tick",
            replace_existing=True,
            next_run_time=datetime.now(UTC),
            coalesce=True,
            max_instances=1,
            # The default grace of 1 s silently skips ticks missed during a pause (docs/harvesting.md §6).
            misfire_grace_time=None,
        )

    def start(self) -> None:
        """Run in a background thread (``microcred run``)."""
        self.scheduler = BackgroundScheduler(timezone="UTC")
        self._add_tick(self.scheduler)
        self.scheduler.start()

    def run_forever(self) -> None:
        """Run in the foreground (``microcred scheduler``) until interrupted."""
        self.scheduler = BlockingScheduler(timezone="UTC")
        self._add_tick(self.scheduler)
        try:
            self.scheduler.start()
        finally:
            self.shutdown()

    def shutdown(self) -> None:
        """Stop ticking, wait for running harvests, then give up the leader lock for another process."""
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        self.pool.shutdown(wait=True)
        self.leader.release(self.owner)
        self.leading = False
