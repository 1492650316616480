"""The web harvester (kind ``web``): crawl a course catalogue in a subprocess and keep the store in step with it.

The crawl (:mod:`harvesters.web.crawl`) runs in its own interpreter and streams one message per
page; here each Course object goes through the schema.org crosswalk into the store (in batches;
the store skips unchanged content), every page without usable markup is reported by URL, and the
:class:`~harvesters.web.lifecycle.Ledger` decides which offerings are gone.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import tempfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ssrfguard import SSRFGuardError

from config import Settings
from harvesters.base import HarvestReport
from harvesters.enrichment import Enrichment
from harvesters.http import address_policy as feed_policy  # the one address policy every harvester shares
from harvesters.pipeline import Pipeline
from harvesters.web.lifecycle import Ledger
from harvesters.web.plan import CrawlPlan, plan_for, site_settings
from harvesters.web.process import CrawlProcess
from offerings.crosswalks import CROSSWALKS, SourceContext, SourceRecord
from offerings.errors import BlockedFeedError, FeedError
from offerings.model import Offering
from offerings.normalise import Normalised
from offerings.store import Source, Store

__all__ = ["WebHarvester"]

logger = logging.getLogger(__name__)

BATCH = 200  # offerings per store transaction
LIMIT_MARGIN = 60.0  # seconds past the crawl's own timeout before the parent stops it by force
# Failures that mean "the site does not let us have this page" rather than "try again later".
_PERMANENT = ("not fetched:",)


class WebHarvester:
    """Harvests a web course catalogue (``kind = "web"``) with scrapy, one subprocess per crawl.

    ``command`` replaces the crawl module's command line (tests simulate a dying child with it).
    """

    def __init__(self, settings: Settings, *, command: Sequence[str] | None = None) -> None:
        self.settings = settings
        self.command = command

    def harvest(
        self,
        source: Source,
        store: Store,
        report: HarvestReport,
        *,
        full: bool = False,
        enrichment: Enrichment | None = None,
    ) -> None:
        """Crawl ``source`` into ``store``; unless ``full``, pages whose sitemap lastmod is unchanged are skipped.

        Raises:
            BlockedFeedError: the start URL is outside the address policy.
            FeedError: the crawl died or ran out of time, or no page of the site could be fetched;
                what was stored before the failure stays stored.
            HarvestError: the source's web settings are invalid.
        """
        try:
            feed_policy(self.settings).check_url(source.url)
        except SSRFGuardError as exc:
            raise BlockedFeedError(f"{source.url}: {exc}") from exc
        state = dict(source.state)
        web = dict(state.get("web") or {})
        plan = plan_for(source, self.settings, full=full, known_lastmod=web.get("lastmod") or {})
        missing_runs = int(site_settings(source).get("missing_runs", self.settings.web.missing_runs))
        ledger = Ledger(previous=web.get("records") or {}, known_lastmod=plan.known_lastmod)
        run = _Run(source, Pipeline(store, report, _context(source), enrichment), ledger)
        report.full = full or not plan.known_lastmod
        limit = plan.timeout + LIMIT_MARGIN
        with tempfile.TemporaryDirectory(prefix="microcred-crawl-") as tmp:
            crawl = CrawlProcess(plan, Path(tmp), limit=limit, command=self.command)
            for message in crawl.messages():
                run.take(message)
        run.flush()
        outcome = crawl.outcome
        done = outcome.done or {}
        complete = not outcome.died and done.get("reason") == "finished" and not done.get("capped")
        # A sitemap that failed, or discovery that found another way in than last time, says nothing
        # about the pages it would have listed: such a run deletes only what answered 404/410.
        shifted = bool(web.get("mode")) and done.get("mode") != web.get("mode")
        complete = complete and not run.sitemap_failed and not shifted
        doomed, records, lastmod = run.ledger.settle(
            store.live_ids(source.id), complete=complete, missing_runs=missing_runs
        )
        if doomed:
            report.counts.deleted += store.delete_many(sorted(doomed))
        state["web"] = {"records": records, "lastmod": lastmod, "mode": done.get("mode") or web.get("mode")}
        store.sources.update(source.id, state=state)
        run.summarise(plan, done)
        if outcome.died:
            raise FeedError(f"{source.url}: {outcome.explain(limit)}")
        if done.get("mode") == "none":
            raise FeedError(f"{source.url}: no sitemap found, and the source is set to read sitemaps only")
        if not run.pages and run.failures and not run.ledger.skipped_unchanged():
            url, reason = next(iter(run.failures.items()))
            raise FeedError(f"{source.url}: no page of the site could be fetched ({url}: {reason})")
        if not complete:
            report.status = "partial"
            why = _why_partial(done, run.sitemap_failed, web.get("mode"))
            report.notes.append(f"{why}: pages not reached are kept, not deleted")


def _why_partial(done: dict[str, Any], sitemap_failed: bool, previous_mode: str | None) -> str:
    if done.get("capped"):
        return "the page cap was reached"
    if sitemap_failed:
        return "a sitemap could not be read"
    if previous_mode and done.get("mode") != previous_mode:
        return f"discovery changed from {previous_mode} to {done.get('mode')}"
    return f"the crawl stopped early ({done.get('reason')})"


def _context(source: Source) -> SourceContext:
    return SourceContext(source_id=source.id, name=source.name, country=source.country)


class _Run:
    """The messages of one crawl, turned into store writes, problems and the ledger."""

    def __init__(self, source: Source, pipeline: Pipeline, ledger: Ledger) -> None:
        self.source = source
        self.pipeline = pipeline
        self.report = pipeline.report
        self.ledger = ledger
        self.crosswalk = CROSSWALKS["schema_org"]
        self.batch: list[Normalised] = []
        self.taken: set[str] = set()
        self.pages = 0
        self.failures: dict[str, str] = {}
        self.sitemap_failed = False
        self.tally: Counter[str] = Counter()

    def take(self, message: dict[str, Any]) -> None:
        """Handle one message of the crawl."""
        kind = message.get("type")
        if kind == "page":
            self._page(message)
        elif kind == "gone":
            self.ledger.gone.add(message["url"])
            self.tally["gone"] += 1
            self.failures[message["url"]] = f"page gone (HTTP {message.get('status')})"
            self.report.problem(message["url"], None, self.failures[message["url"]])
        elif kind == "failed" and str(message.get("message")).startswith("sitemap:"):
            self.sitemap_failed = True
            self.report.problem(message["url"], None, str(message["message"]))
        elif kind == "failed":
            text = str(message.get("message"))
            self.ledger.failed[message["url"]] = not text.startswith(_PERMANENT)
            self.failures[message["url"]] = text
            self.tally["failed"] += 1
            self.report.problem(message["url"], None, text)
        elif kind == "listed":
            self.ledger.listed.update({url: lastmod for url, lastmod in message.get("entries", [])})
        elif kind == "sitemap":
            self.tally["sitemaps"] += 1
        elif kind == "discovery":
            self.tally[f"mode:{message.get('mode')}"] += 1
        elif kind == "note":
            self.report.notes.append(str(message.get("message")))

    def _page(self, message: dict[str, Any]) -> None:
        self.pages += 1
        self.report.pages += 1
        url, final = message["requested"], message["url"]
        courses = message.get("courses") or []
        if message.get("problem"):
            self.tally["no_markup"] += 1
            self.report.problem(url, None, message["problem"])
        elif courses:
            self.tally["with_courses"] += 1
            for error in message.get("errors") or []:
                self.report.problem(url, "markup", error)  # the good blocks were read; the HEI should fix the bad one
        context = dataclasses.replace(self.pipeline.context, extra={"page_language": message.get("language") or ""})
        ids: list[str] = []
        for number, course in enumerate(courses, start=1):
            identifier = final if len(courses) == 1 else f"{final}#course-{number}"
            offering = self._crosswalk(course, identifier, final, message.get("last_modified"), context)
            if offering is not None:
                ids.append(offering.record_id)
        self.ledger.read(url, ids)

    def _crosswalk(
        self, course: dict[str, Any], identifier: str, url: str, modified: str | None, context: SourceContext
    ) -> Offering | None:
        self.report.counts.seen += 1
        payload = json.dumps(course, sort_keys=True, ensure_ascii=False).encode()
        record = SourceRecord(identifier=identifier, payload=payload, datestamp=modified, url=url)
        normalised = self.pipeline.normalise(record, self.crosswalk, where=url, context=context)
        if normalised is None:
            return None
        offering = normalised.offering
        if offering.record_id in self.taken:
            return offering  # the same course on a listing page and its own page: stored once
        self.taken.add(offering.record_id)
        self.batch.append(normalised)
        if len(self.batch) >= BATCH:
            self.flush()
        return offering

    def flush(self) -> None:
        """Write the pending offerings."""
        self.pipeline.write(self.batch)
        self.batch = []

    def summarise(self, plan: CrawlPlan, done: dict[str, Any]) -> None:
        """One note with what the crawl found, page by page."""
        t = self.tally
        mode = done.get("mode") or next((k[5:] for k in t if k.startswith("mode:")), "unknown")
        unchanged = len(self.ledger.skipped_unchanged())
        self.report.notes.insert(
            0,
            f"discovery: {mode}; {self.pages} pages fetched: {t['with_courses']} with courses, "
            f"{t['no_markup']} without usable Course markup, {t['gone']} gone, {t['failed']} failed; "
            f"{unchanged} unchanged since the last run (sitemap lastmod)",
        )
        if done.get("capped"):
            self.report.notes.append(f"page cap of {plan.max_pages} reached; {done['capped']} pages not fetched")
