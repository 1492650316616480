"""The record path every harvester shares: normalise, enrich, store, each record counted in the run's report.

A harvester reads its source (OAI-PMH pages, a catalogue document, a crawl) into
:class:`~offerings.crosswalks.SourceRecord` s and hands each to :meth:`Pipeline.normalise`; what comes
back goes, in batches, to :meth:`Pipeline.write`, which runs the enrichment (pinned reference data,
:mod:`harvesters.enrichment`) and the store's upsert. A record the crosswalk refuses is *skipped*
(a problem of the source's data, reported to the HEI); a crosswalk that raises anything else has a bug,
and the record is *failed*, with its traceback in the log. See ``docs/architecture.md``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from harvesters.base import HarvestReport
from harvesters.enrichment import Enrichment
from offerings.crosswalks import Crosswalk, SourceContext, SourceRecord
from offerings.errors import CrosswalkError
from offerings.normalise import Normalised
from offerings.store import Store

__all__ = ["Pipeline"]

logger = logging.getLogger(__name__)


class Pipeline:
    """Normalise → enrich → store for one harvest run of one source."""

    def __init__(
        self, store: Store, report: HarvestReport, context: SourceContext, enrichment: Enrichment | None = None
    ) -> None:
        self.store = store
        self.report = report
        self.context = context
        self.enrichment = enrichment or Enrichment()

    def normalise(
        self,
        record: SourceRecord,
        crosswalk: Crosswalk,
        *,
        where: str | None = None,
        context: SourceContext | None = None,
    ) -> Normalised | None:
        """``record`` through ``crosswalk``, or None when it is skipped or failed (counted and reported).

        ``where`` names the record in the report when its identifier would not help the HEI (a page URL);
        ``context`` replaces the run's for this record (a web page's language). Never raises for a bad
        record.
        """
        name = where or record.identifier
        context = context or self.context
        try:
            return crosswalk.normalise(record, context)
        except CrosswalkError as exc:
            self.report.counts.skipped += 1
            self.report.problem(name, exc.field, str(exc))
            logger.warning("%s: skipped %s: %s", context.source_id, name, exc)
        except Exception as exc:  # a crosswalk bug must not lose the rest of the source
            self.report.counts.failed += 1
            self.report.problem(name, None, f"internal error: {exc!r}")
            logger.exception("%s: crosswalk failed on %s", context.source_id, name)
        return None

    def write(self, batch: Sequence[Normalised]) -> None:
        """Enrich and store ``batch`` in one transaction, counting each record's outcome."""
        if not batch:
            return
        enriched = [self.enrichment.apply(item) for item in batch]
        for outcome in self.store.upsert_many(enriched):
            self.report.counts.add(outcome)
        self.report.progressed()
