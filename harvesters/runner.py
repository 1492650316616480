"""Run one harvest of one source: open a run row, harvest, record the outcome, schedule the next run."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable

from config import Settings
from harvesters.base import Harvester, HarvestReport
from harvesters.cadence import next_due
from harvesters.enrichment import prepare
from harvesters.feed import FeedHarvester
from harvesters.landing import check_source
from harvesters.metrics import observe_run
from harvesters.oai import OaiHarvester
from harvesters.web import WebHarvester
from offerings.errors import ConfigError, HarvestError
from offerings.store import Source, Store
from offerings.store.landing import apply_warnings

__all__ = ["HARVESTERS", "harvest_source", "parse_interval"]

logger = logging.getLogger(__name__)

HARVESTERS: dict[str, Callable[[Settings], Harvester]] = {
    "oai": OaiHarvester,
    "web": WebHarvester,
    "feed": FeedHarvester,
}
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_interval(text: str) -> int:
    """Seconds in an interval like "30m", "6h", "1d", "2w" (a bare number is seconds).

    Raises:
        ConfigError: not an interval.
    """
    match = re.fullmatch(r"\s*(\d+)\s*([smhdw]?)\s*", text or "")
    if not match or int(match.group(1)) == 0:
        raise ConfigError(f"not an interval: {text!r} (use e.g. 30m, 6h, 1d)")
    return int(match.group(1)) * _UNITS[match.group(2) or "s"]


def harvester_for(source: Source, settings: Settings) -> Harvester:
    """The harvester of the source's kind.

    Raises:
        HarvestError: no harvester handles that kind yet.
    """
    try:
        return HARVESTERS[source.kind](settings)
    except KeyError:
        raise HarvestError(f"no harvester for sources of kind {source.kind!r} yet") from None


def harvest_source(
    store: Store,
    source: Source,
    settings: Settings,
    *,
    full: bool = False,
    check_links: bool = False,
    progress: Callable[[HarvestReport], None] | None = None,
) -> HarvestReport:
    """Harvest one source now and record the run; never raises for a failing source.

    The run row is written at the start (status ``running``) and completed at the end with counts,
    problems and the error, so a crash leaves a visible trace. ``check_links`` (the scheduler passes
    ``links.after_harvest``) then checks the source's landing pages (V3) and notes the outcome in the run.
    ``progress`` is called with the report as records and pages arrive.
    """
    report = HarvestReport(source_id=source.id, full=full, on_progress=progress)
    # Callers hold the source's lease (scheduler) or act as the operator (CLI): a run still marked
    # running belongs to a process that died.
    store.sources.close_interrupted_runs(source.id)
    run_id = store.sources.start_run(source.id, full=full)
    started = time.monotonic()
    try:
        # Reference data (ESCO pin, DEQAR enrichment) between normalising and storing.
        enrichment = prepare(settings)
        harvester_for(source, settings).harvest(source, store, report, full=full, enrichment=enrichment)
    except HarvestError as exc:
        report.status = "failed"
        report.error = str(exc)
        logger.warning("harvest of %s failed: %s", source.id, exc)
    except Exception as exc:  # a bug must not kill the scheduler; the run is recorded as failed
        report.status = "failed"
        report.error = f"internal error: {exc!r}"
        logger.exception("harvest of %s crashed", source.id)
    duration = time.monotonic() - started
    if report.status != "failed":
        _landing_pages(store, source, settings, report, check=check_links)
        report.completeness = store.sources.completeness(source.id)
    store.sources.finish_run(run_id, duration_seconds=round(duration, 3), **report.run_values())
    # "Harvest now" asked for during this run makes the source due again at once instead (SourceRegistry.schedule).
    store.sources.schedule(source.id, next_due(source.every_seconds, settings.scheduler.jitter))
    observe_run(report, source.kind, duration)
    logger.info("%s in %.1f s", report.summary(), duration)
    return report


def _landing_pages(store: Store, source: Source, settings: Settings, report: HarvestReport, *, check: bool) -> None:
    """V3 after a harvest: check the landing pages (noted in the run), or else only put the warning back on
    failing records the harvest rewrote (a rewrite recomputes their quality without it). Never fails the
    harvest: the offerings are stored already."""
    try:
        if check:
            report.notes.append(check_source(store, source.id, settings).summary())
        else:
            apply_warnings(store, source.id)
    except Exception as exc:  # a checker bug must not turn a good harvest into a failed one
        logger.exception("landing-page check of %s crashed", source.id)
        report.notes.append(f"landing-page check failed: {exc!r}")
