"""Wiring shared by the commands: open the store and engine, harvest-then-index, register demo feeds."""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from config import Settings
from harvesters.base import HarvestReport
from harvesters.runner import harvest_source, parse_interval
from indexer import get_engine
from indexer.base import SearchEngine
from indexer.sync import sync
from offerings import vocab
from offerings.errors import BackendUnavailable, StoreError
from offerings.store import Source, Store

__all__ = ["Catalogue", "slug_for"]

logger = logging.getLogger(__name__)


def slug_for(url: str, name: str | None, taken: set[str]) -> str:
    """A new source id from its name or URL host ("tu-delft", "oai-example-org-2")."""
    # "Uni X: micro-credential offerings" → "uni-x": the part before a separator names the institution.
    base = re.split(r"\s*[:|–—]\s*", name)[0] if name else (urlsplit(url).hostname or "source")
    slug = re.sub(r"[^a-z0-9]+", "-", base.lower()).strip("-")[:60] or "source"
    candidate, n = slug, 1
    while candidate in taken:
        n += 1
        candidate = f"{slug}-{n}"
    return candidate


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
        """Register a source (active at once on the operator's authority).

        Raises:
            StoreError: the URL is registered already, or ``country`` names no country.
        """
        if country:
            # A name or a three-letter code is taken ("Netherlands" → NL); anything else would be
            # stored as the records' country, and PostgreSQL would refuse more than two letters.
            code = vocab.country_code(country)
            if code is None:
                raise StoreError(f"country {country!r} is not an ISO 3166-1 country code or name")
            country = code
        registered = self.store.sources.all()
        taken = {s.id for s in registered}
        if any(s.url == url for s in registered):
            raise StoreError(f"{url} is registered already")
        name = name or (probe_report or {}).get("repository_name")
        source = Source(
            id=source_id or slug_for(url, name, taken),
            url=url,
            kind=kind,
            name=name,
            sets=list(sets or []),
            status=status,
            every_seconds=parse_interval(every or self.settings.harvest.every),
            country=country,
            probe=probe_report,
        )
        return self.store.sources.add(source)

    def harvest(self, source: Source, *, full: bool = False) -> HarvestReport:
        """Harvest one source and bring the index up to date."""
        report = harvest_source(self.store, source, self.settings, full=full)
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
