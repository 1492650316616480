"""Run one harvest of one source: open a run row, harvest, record the outcome, schedule the next run."""

from __future__ import annotations

import logging
import re
import time
from datetime import timedelta

from config import Settings
from harvesters.base import Harvester, HarvestReport
from harvesters.feed import FeedHarvester
from harvesters.oai import OaiHarvester
from harvesters.web import WebHarvester
from offerings.errors import ConfigError, HarvestError
from offerings.store import Source, Store, utcnow

__all__ = ["HARVESTERS", "harvest_source", "parse_interval"]

logger = logging.getLogger(__name__)

HARVESTERS: dict[str, type] = {"oai": OaiHarvester, "web": WebHarvester, "feed": FeedHarvester}
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


def harvest_source(store: Store, source: Source, settings: Settings, *, full: bool = False) -> HarvestReport:
    """Harvest one source now and record the run; never raises for a failing source.

    The run row is written at the start (status ``running``) and completed at the end with counts,
    problems and the error, so a crash leaves a visible trace.
    """
    report = HarvestReport(source_id=source.id, full=full)
    # Callers hold the source's lease (scheduler) or act as the operator (CLI): a run still marked
    # running belongs to a process that died.
    store.close_interrupted_runs(source.id)
    run_id = store.start_run(source.id, full=full)
    started = time.monotonic()
    try:
        harvester_for(source, settings).harvest(source, store, report, full=full)
    except HarvestError as exc:
        report.status = "failed"
        report.error = str(exc)
        logger.warning("harvest of %s failed: %s", source.id, exc)
    except Exception as exc:  # a bug must not kill the scheduler; the run is recorded as failed
        report.status = "failed"
        report.error = f"internal error: {exc!r}"
        logger.exception("harvest of %s crashed", source.id)
    duration = time.monotonic() - started
    store.finish_run(run_id, duration_seconds=round(duration, 3), **report.run_values())
    store.update_source(source.id, next_due_at=utcnow() + timedelta(seconds=source.every_seconds))
    logger.info("%s in %.1f s", report.summary(), duration)
    return report
