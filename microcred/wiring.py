"""Wiring shared by the commands: open the store and engine, harvest-then-index, register demo feeds."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from config import Settings
from harvesters import registration
from harvesters.base import HarvestReport
from harvesters.registration import Registration, slug_for
from harvesters.runner import harvest_source
from indexer import get_engine
from indexer.base import SearchEngine
from indexer.sync import sync
from offerings.errors import BackendUnavailable
from offerings.store import Source, Store

__all__ = ["Catalogue", "slug_for"]

logger = logging.getLogger(__name__)


class Catalogue:
    """The store and the search engine of one settings, with the operations the commands share."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        settings.ensure_data_dir()
        self.store = Store(settings.store_url)
        self.engine: SearchEngine = get_engine(settings)

    def close(self) -> None:
        """Release the store and engine."""
        self.engine.close()
        self.store.close()

    def add_source(
        self,
        url: str,
        *,
        kind: str = "oai",
        name: str | None = None,
        sets: list[str] | None = None,
        every: str | None = None,
        country: str | None = None,
        status: str = "active",
        probe_report: dict[str, Any] | None = None,
        source_id: str | None = None,
    ) -> Source:
        """Register a source (active at once on the operator's authority), without probing it.

        Raises:
            CatalogueError: the URL is registered already (:class:`~harvesters.registration.AlreadyRegistered`),
                or a field is malformed, e.g. ``country`` names no country
                (:class:`~harvesters.registration.InvalidRegistration`).
        """
        wanted = Registration(url=url, kind=kind, name=name, sets=list(sets or []), every=every, country=country)
        return registration.add(
            self.store, self.settings, wanted, status=status, report=probe_report, source_id=source_id
        )

    def harvest(
        self, source: Source, *, full: bool = False, progress: Callable[[HarvestReport], None] | None = None
    ) -> HarvestReport:
        """Harvest one source and bring the index up to date; ``progress`` as for ``harvest_source``."""
        report = harvest_source(self.store, source, self.settings, full=full, progress=progress)
        self.sync_index()
        return report

    def sync_index(self) -> int:
        """Apply store changes to the engine; an unreachable engine is logged and caught up later."""
        try:
            return sync(self.store, self.engine).indexed
        except BackendUnavailable as exc:
            logger.warning("search engine unreachable, will catch up later: %s", exc)
            return 0

    def after_harvest(self, _report: HarvestReport) -> None:
        """Scheduler hook: keep the index current after every harvest."""
        self.sync_index()


def demo_settings(settings: Settings) -> Settings:
    """The demo feeds are on loopback, so the demo (and only the demo) allows private feed addresses,
    and crawls its own web catalogue without the politeness delay a stranger's site gets. Its landing pages
    are fictional ``.example`` hosts, so the V3 link check is off."""
    return replace(
        settings,
        allow_private_feeds=True,
        web=replace(settings.web, delay=0.05),
        links=replace(settings.links, after_harvest=False),
    )
