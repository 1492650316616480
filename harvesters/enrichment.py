"""What a harvest adds between normalising and storing: pinned reference data from the ``quality`` settings.

:func:`prepare` pins the ESCO skills version the V12 rule checks against (``quality.esco_skills``) and
gives the run an :class:`Enrichment`: with a DEQAR snapshot configured (``quality.deqar_registry``), it
adds the quality assurance :func:`offerings.quality.deqar.enrich` infers to every offering that declares
none. :class:`harvesters.pipeline.Pipeline` applies it to each batch just before the store's upsert.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from config import Settings
from offerings.errors import ConfigError, HarvestError
from offerings.normalise import Normalised, check
from offerings.quality import deqar
from offerings.vocab import esco

__all__ = ["Enrichment", "prepare"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Enrichment:
    """The reference data a harvest run adds to its records (none: records pass unchanged)."""

    registry: deqar.Registry | None = None

    def apply(self, item: Normalised) -> Normalised:
        """``item`` with QA inferred from the DEQAR registry, validated afresh when that changed it."""
        if self.registry is None:
            return item
        enriched = deqar.enrich(item.offering, self.registry)
        if enriched is item.offering:
            return item
        return check(enriched, raw=item.raw, conformance=item.conformance)


def prepare(settings: Settings) -> Enrichment:
    """Pin the configured ESCO version and load the configured DEQAR snapshot: the run's enrichment.

    Raises:
        HarvestError: a configured reference file cannot be read (the run fails with that reason).
    """
    quality = settings.quality
    try:
        esco.configure(quality.esco_skills, version=quality.esco_version)
        registry = deqar.load(quality.deqar_registry) if quality.deqar_registry else None
    except ConfigError as exc:
        raise HarvestError(str(exc)) from exc
    return Enrichment(registry)
