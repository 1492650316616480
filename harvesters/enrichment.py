"""What a harvest adds between the crosswalk and the store: pinned reference data from the ``quality`` settings.

:func:`prepare` pins the ESCO skills version V12 checks against (``quality.esco_skills``) and, when a DEQAR
snapshot is configured (``quality.deqar_registry``), hands the harvester a view of the store whose writes run
:func:`offerings.quality.deqar.enrich` on every offering first. Every harvester (OAI-PMH, feed, web) writes through
``upsert_many``, so the enrichment sits in one place and the harvesters stay unaware of it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from config import Settings
from offerings.errors import ConfigError, HarvestError
from offerings.model import Offering
from offerings.quality import deqar
from offerings.store import Store
from offerings.vocab import esco

__all__ = ["EnrichingStore", "prepare"]

logger = logging.getLogger(__name__)


class EnrichingStore:
    """A store whose offering writes are enriched from the DEQAR registry; everything else is the store's."""

    def __init__(self, store: Store, registry: deqar.Registry) -> None:
        self.store = store
        self.registry = registry

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)

    def upsert_many(self, items: Iterable[tuple[Offering, bytes | None]]) -> list[str]:
        """Enrich each offering, then write the batch as :meth:`Store.upsert_many`."""
        return self.store.upsert_many((deqar.enrich(offering, self.registry), raw) for offering, raw in items)

    def upsert(self, offering: Offering, raw: bytes | None = None) -> str:
        """Enrich one offering, then write it as :meth:`Store.upsert`."""
        return self.upsert_many([(offering, raw)])[0]


def prepare(store: Store, settings: Settings) -> Store:
    """Pin the configured ESCO version and return the store a harvest should write to.

    Raises:
        HarvestError: a configured reference file cannot be read (the run fails with that reason).
    """
    quality = settings.quality
    try:
        esco.configure(quality.esco_skills, version=quality.esco_version)
        registry = deqar.load(quality.deqar_registry) if quality.deqar_registry else None
    except ConfigError as exc:
        raise HarvestError(str(exc)) from exc
    # Duck-typed on purpose: harvesters only call the store's methods, and only writes need to change.
    return store if registry is None else EnrichingStore(store, registry)  # type: ignore[return-value]
