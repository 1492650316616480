"""The record path every harvester shares: normalise, enrich, store, each record counted in the run's report.

A harvester reads its source (OAI-PMH pages, a catalogue document, a crawl) into
:class:`~offerings.crosswalks.SourceRecord` s and hands each to :meth:`Pipeline.normalise`; what comes
back goes, in batches, to :meth:`Pipeline.write`, which runs the enrichment (pinned reference data,
:mod:`harvesters.enrichment`) and the store's upsert. A record the crosswalk refuses is *skipped*
(a problem of the source's data, reported to the HEI); a crosswalk that raises anything else has a bug,
and the record is *failed*, with its traceback in the log. See ``docs/architecture.md``.

Normalising is split in two so that it can run in another process: :func:`attempt` is pure (it runs
where the crosswalk runs, a worker process of the OAI harvester, :mod:`harvesters.oai.pages`) and gives a
:class:`Normalised` or a :class:`Refused` that pickles, traceback included; :meth:`Pipeline.settle`
counts, reports and logs that outcome in the harvesting process. :meth:`Pipeline.normalise` is both at once.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Sequence
from dataclasses import dataclass

from harvesters.base import HarvestReport
from harvesters.enrichment import Enrichment
from offerings.crosswalks import Crosswalk, SourceContext, SourceRecord
from offerings.errors import CrosswalkError
from offerings.normalise import Normalised
from offerings.store import Store

__all__ = ["Pipeline", "Refused", "attempt"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Refused:
    """A record its crosswalk did not normalise: *skipped* (a :class:`CrosswalkError`, the source's data)
    or *failed* (anything else, a crosswalk bug, with its ``traceback`` as text so it crosses processes)."""

    failed: bool
    field: str | None
    message: str
    traceback: str | None = None


def attempt(record: SourceRecord, crosswalk: Crosswalk, context: SourceContext) -> Normalised | Refused:
    """``record`` through ``crosswalk``: the normalised record, or why not. Never raises for a bad record."""
    try:
        return crosswalk.normalise(record, context)
    except CrosswalkError as exc:
        return Refused(failed=False, field=exc.field, message=str(exc))
    except Exception as exc:  # a crosswalk bug must not lose the rest of the source
        return Refused(failed=True, field=None, message=f"internal error: {exc!r}", traceback=traceback.format_exc())


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
        context = context or self.context
        return self.settle(attempt(record, crosswalk, context), where or record.identifier, context)

    def settle(
        self, outcome: Normalised | Refused, name: str, context: SourceContext | None = None
    ) -> Normalised | None:
        """Count and report ``outcome`` of the record called ``name``: the normalised record, or None
        when it was skipped or failed (a failure's traceback goes to the log)."""
        if not isinstance(outcome, Refused):
            return outcome
        source_id = (context or self.context).source_id
        self.report.problem(name, outcome.field, outcome.message)
        if outcome.failed:
            self.report.counts.failed += 1
            logger.error("%s: crosswalk failed on %s\n%s", source_id, name, outcome.traceback)
        else:
            self.report.counts.skipped += 1
            logger.warning("%s: skipped %s: %s", source_id, name, outcome.message)
        return None

    def write(self, batch: Sequence[Normalised]) -> None:
        """Enrich and store ``batch`` in one transaction, counting each record's outcome."""
        if not batch:
            return
        enriched = [self.enrichment.apply(item) for item in batch]
        for outcome in self.store.upsert_many(enriched):
            self.report.counts.add(outcome)
        self.report.progressed()
