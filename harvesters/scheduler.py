"""The scheduler: one APScheduler 3 tick job claims due sources and harvests them in a thread pool.

Source definitions and due times live in the store (``sources.next_due_at``), not in an
APScheduler job store, so the web process can ask for "harvest now" by editing a row, restarts
miss nothing, and a lease keeps two scheduler processes from harvesting one source twice
(docs/harvesting.md §6).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from config import Settings
from harvesters.base import HarvestReport
from harvesters.runner import harvest_source
from offerings.store import Source, Store

__all__ = ["HarvestScheduler"]

logger = logging.getLogger(__name__)

LEASE = timedelta(hours=6)


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
        self.owner = f"{socket.gethostname()}:{os.getpid()}"
        self.pool = ThreadPoolExecutor(max_workers=settings.scheduler.workers, thread_name_prefix="harvest")
        self.running: set[str] = set()
        self.lock = threading.Lock()
        self.scheduler: BackgroundScheduler | BlockingScheduler | None = None

    def tick(self) -> list[str]:
        """Start a harvest of every due source not already running here; returns their ids."""
        started = []
        for source in self.store.sources.due():
            with self.lock:
                if source.id in self.running:
                    continue
                if not self.store.sources.claim(source.id, self.owner, lease=LEASE):
                    continue
                self.running.add(source.id)
            self.pool.submit(self._harvest, source)
            started.append(source.id)
        return started

    def _harvest(self, source: Source) -> None:
        try:
            # The periodic landing-page check (V3) rides on scheduled harvests, so "2 consecutive harvests"
            # means two checks; operator-run harvests (CLI, bench) stay fast and use `sources check-links`.
            report = harvest_source(self.store, source, self.settings, check_links=self.settings.links.after_harvest)
            if self.after_harvest is not None:
                self.after_harvest(report)
        except Exception:  # keep the worker alive; harvest_source already recorded the run
            logger.exception("scheduled harvest of %s failed", source.id)
        finally:
            self.store.sources.release(source.id)
            with self.lock:
                self.running.discard(source.id)

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
        """Stop ticking and wait for running harvests."""
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        self.pool.shutdown(wait=True)
