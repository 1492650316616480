"""OAI-PMH harvesting: Identify first, incremental windows, per-page checkpoints, census, reconciliation.

One run: Identify (granularity, deletedRecord policy, responseDate) → choose the richest readable
metadata format → ``ListRecords`` per set from the last window, following tokens with a one-page
prefetch → each page crosswalked (in a worker process once the run has a second page,
:mod:`harvesters.oai.pages`) and written in one transaction, in page order, then checkpointed → deletions
applied at the end (or held when implausibly many) → the next ``from`` taken from this run's first
responseDate minus an overlap. Record problems are reported, never fatal; a broken source fails its
run and leaves the checkpoint so the next run resumes where it stopped.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from lxml import etree
from sickle.models import Header

from config import Settings
from harvesters.base import HarvestReport, Problem
from harvesters.enrichment import Enrichment
from harvesters.http import FeedClient
from harvesters.oai.client import OAI, OaiClient, OaiError, OaiPage
from harvesters.oai.pages import Outcomes, PageNormaliser, source_record
from harvesters.pipeline import Pipeline
from offerings.crosswalks import CROSSWALKS, NAMESPACES, SourceContext, SourceRecord
from offerings.errors import FeedError
from offerings.model import Offering, make_record_id
from offerings.normalise import Normalised
from offerings.store import Source, Store

__all__ = ["OaiClient", "OaiError", "OaiHarvester", "OaiPage", "apply_held_deletions"]

logger = logging.getLogger(__name__)

MAX_EMPTY_PAGES = 10
# A full run that received less than this share of completeListSize is reported as partial.
PARTIAL_SHARE = 0.98


def _format_date(value: datetime, granularity: str) -> str:
    if granularity == "YYYY-MM-DD":
        return value.strftime("%Y-%m-%d")
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_datetime(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def apply_held_deletions(store: Store, source: Source) -> int:
    """Apply the deletions a run held back (the operator's confirmation); returns how many were applied."""
    state = dict(source.state)
    held = state.pop("held_deletions", [])
    done = store.delete_many(held)
    store.sources.update(source.id, state=state)
    return done


class OaiHarvester:
    """Harvests an OAI-PMH repository (``kind = "oai"``) into the store."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def harvest(
        self,
        source: Source,
        store: Store,
        report: HarvestReport,
        *,
        full: bool = False,
        enrichment: Enrichment | None = None,
    ) -> None:
        """Harvest ``source``: incremental from the last successful run unless ``full``.

        Raises:
            HarvestError: the repository cannot be harvested; what was stored before stays stored and
                the checkpoint lets the next run resume.
        """
        feed = FeedClient(self.settings)
        try:
            feed.check_url(source.url)
            run = _Run(self.settings, OaiClient(source.url, feed), source, store, report, enrichment)
            run.execute(full=full)
        finally:
            report.wait_seconds = feed.wait_seconds
            feed.close()


class _Run:
    """The state of one harvest run of one source."""

    def __init__(
        self,
        settings: Settings,
        client: OaiClient,
        source: Source,
        store: Store,
        report: HarvestReport,
        enrichment: Enrichment | None = None,
    ) -> None:
        self.settings = settings
        self.client = client
        self.source = source
        self.store = store
        self.report = report
        self.state: dict[str, Any] = dict(source.state)
        # Deleted records seen in this run, applied at the end: record id → original identifier. Plain
        # strings, not Offering tombstones, so that a run's deletions pin no memory pages (issue 3, RSS).
        self.tombstones: dict[str, str] = {}
        self.format_name = "oai_dc"
        self.context = SourceContext(source_id=source.id, name=source.name, country=source.country)
        self.pipeline = Pipeline(store, report, self.context, enrichment)

    # ---- the run ------------------------------------------------------------------------------------

    def execute(self, *, full: bool) -> None:
        identify, response_date = self.client.identify()
        granularity = identify.get("granularity") or "YYYY-MM-DD"
        self.state["identify"] = {
            k: identify.get(k) for k in ("repositoryName", "granularity", "deletedRecord", "earliestDatestamp")
        }
        prefix, format_name = self._choose_prefix()
        checkpoint = None if full else self.state.get("checkpoint")
        started = response_date or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        since = None if full else self.state.get("next_from")
        if checkpoint:
            since, started = checkpoint.get("from"), checkpoint.get("started", started)
            prefix, format_name = checkpoint.get("prefix", prefix), checkpoint.get("format", format_name)
            self.report.notes.append("resumed an interrupted run from its last checkpoint")
        self.report.full = since is None
        self.report.from_date = _format_date(_parse_datetime(since), granularity) if since else None
        self.report.response_date = started
        self.format_name = format_name
        sets: list[str | None] = list(self.source.sets) or [None]
        announced = 0
        workers = self.settings.harvest.normalise_workers
        with PageNormaliser(format_name, self.context, self.client.endpoint, workers=workers) as normaliser:
            for index, set_spec in enumerate(sets):
                token = None
                if checkpoint:
                    done_before = sets.index(checkpoint.get("set")) if checkpoint.get("set") in sets else 0
                    if index < done_before or (index == done_before and checkpoint.get("complete")):
                        continue  # finished before the interruption
                    if index == done_before:
                        token = checkpoint.get("token")
                params = {"verb": "ListRecords", "metadataPrefix": prefix}
                if set_spec:
                    params["set"] = set_spec
                if self.report.from_date:
                    params["from"] = self.report.from_date
                for page in self._window(params, token, until=_format_date(_parse_datetime(started), granularity)):
                    announced = max(announced, page.complete_list_size or 0)
                    if announced and len(sets) == 1:  # one list: its completeListSize is the run's total
                        self.report.expected = announced
                    # Stored and checkpointed in page order, once the page's records are normalised.
                    place = {"set": set_spec, "prefix": prefix, "format": format_name, "from": since}
                    normaliser.put(page, partial(self._settle_page, page, {**place, "started": started}))
        if checkpoint:
            self._restore_tombstones(checkpoint)
        if self._reconcile(announced, len(sets)) or self._census_due(full=self.report.full):
            self._census(prefix, sets, announced)
        self._apply_deletions()
        self.state.pop("checkpoint", None)
        next_from = _parse_datetime(started) - timedelta(seconds=self.settings.harvest.overlap_seconds)
        self.state["next_from"] = next_from.strftime("%Y-%m-%dT%H:%M:%SZ")
        self.state["metadata_prefix"] = prefix
        self.state["format"] = format_name
        self.store.sources.update(self.source.id, state=self.state)

    def _choose_prefix(self) -> tuple[str, str]:
        """``(metadataPrefix, crosswalk name)``: the most preferred format the repository offers and we read.

        Formats are recognised by ``metadataNamespace`` (a repository may call ELM "elm" or "loq"),
        else by a prefix that is a crosswalk's name; oai_dc, which every repository must offer, is last.
        """
        try:
            offered = self.client.metadata_formats()
        except FeedError as exc:
            self.report.notes.append(f"ListMetadataFormats failed ({exc}); using oai_dc")
            return "oai_dc", "oai_dc"
        readable: dict[str, str] = {}  # crosswalk name → the repository's prefix for it
        for prefix, namespace in offered.items():
            name = NAMESPACES.get(namespace) or (prefix if prefix in CROSSWALKS else None)
            if name:
                readable.setdefault(name, prefix)
        preferred = [self.source.metadata_prefix] if self.source.metadata_prefix else []
        for name in [*preferred, *self.settings.harvest.metadata_prefixes, "oai_dc"]:
            if name in readable:
                return readable[name], name
            if name in offered and name in CROSSWALKS:  # a prefix named by the operator
                return name, name
        raise FeedError(
            f"{self.source.url}: offers none of the formats we read ({', '.join(sorted(offered)) or 'none'})"
        )

    # ---- pages ----------------------------------------------------------------------------------------

    def _window(self, params: dict[str, str], token: str | None, *, until: str) -> Iterator[OaiPage]:
        """Pages of one window; on ``badResumptionToken`` the window is harvested again, once, closed at
        ``until`` so it cannot grow (records seen twice are unchanged upserts)."""
        try:
            yield from self._pages(params, token)
        except OaiError as exc:
            if exc.code != "badResumptionToken":
                raise
            self.report.notes.append(
                f"the repository rejected a resumption token ({exc}); harvested the window again up to {until}"
            )
            yield from self._pages({**params, "until": until}, None)

    def _pages(self, params: dict[str, str], token: str | None) -> Iterator[OaiPage]:
        """Pages following resumption tokens, fetching the next page while this one is processed."""
        seen_tokens: set[str] = set()
        empty = 0
        first = token is None
        request = {"verb": params["verb"], "resumptionToken": token} if token else params
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="oai-prefetch") as prefetch:
            pending: Future[OaiPage] = prefetch.submit(self.client.harvest, **request)
            while True:
                try:
                    page = pending.result()
                except OaiError as exc:
                    if exc.code == "noRecordsMatch" and first:
                        self.report.notes.append("no records changed since the last run")
                        return
                    raise
                first = False
                self.report.pages += 1
                if page.token:
                    if page.token in seen_tokens:
                        raise FeedError(f"{self.client.endpoint}: resumption token {page.token!r} repeated")
                    seen_tokens.add(page.token)
                    pending = prefetch.submit(self.client.harvest, verb=params["verb"], resumptionToken=page.token)
                empty = 0 if page.items or page.broken else empty + 1
                if empty >= MAX_EMPTY_PAGES:
                    raise FeedError(f"{self.client.endpoint}: {empty} empty pages in a row with resumption tokens")
                yield page
                if not page.token:
                    return

    def _settle_page(self, page: OaiPage, checkpoint: dict[str, Any], found: Outcomes) -> None:
        """Count, write and checkpoint one page whose items' outcomes are ``found``."""
        report = self.report
        self._page_problems(page)
        for identifier, why in page.broken:
            report.counts.seen += 1
            report.counts.skipped += 1
            report.problem(identifier, "metadata", f"record is not well-formed XML, skipped: {why}")
        batch: list[Normalised] = []
        for name, outcome in found:
            report.counts.seen += 1
            if isinstance(outcome, Problem):
                report.counts.skipped += 1
                report.problem(outcome.identifier, outcome.field, outcome.message)
                continue
            normalised = self.pipeline.settle(outcome, name)
            if normalised is None:
                continue
            offering = normalised.offering
            if offering.deleted:
                if offering.record_id in self.tombstones:
                    report.counts.unchanged += 1  # the same deletion listed twice in one run
                self.tombstones[offering.record_id] = offering.original_identifier  # applied at the end, or held
            else:
                self.tombstones.pop(offering.record_id, None)  # deleted, then back within one run
                batch.append(normalised)
        self.pipeline.write(batch)
        report.progressed()
        self.state["checkpoint"] = {
            "token": page.token,
            "complete": page.token is None,
            **checkpoint,
            "tombstones": sorted(self.tombstones),
        }
        self.store.sources.update(self.source.id, state=self.state)

    def _page_problems(self, page: OaiPage) -> None:
        if page.invalid_chars:
            self.report.problem("(page)", None, f"{page.invalid_chars} characters illegal in XML removed")

    # ---- completeness and deletions ------------------------------------------------------------------

    def _reconcile(self, announced: int, set_count: int) -> bool:
        """True when a full single-list run got materially less than completeListSize (a census decides)."""
        seen = self.report.counts.seen
        return bool(self.report.full and set_count == 1 and announced and seen < announced * PARTIAL_SHARE)

    def _census_due(self, *, full: bool) -> bool:
        policy = (self.state.get("identify") or {}).get("deletedRecord") or "no"
        if policy == "persistent":
            return False
        last = self.state.get("last_census")
        if full or last is None:
            return True
        return datetime.now(UTC) - _parse_datetime(last) > timedelta(days=self.settings.harvest.census_days)

    def _census(self, prefix: str, sets: list[str | None], announced: int) -> None:
        """ListIdentifiers over the whole repository: live offerings no longer listed are deleted, and a
        run that received less than the feed announced is partial only if listed records are missing."""
        listed: set[str] = set()
        for set_spec in sets:
            params = {"verb": "ListIdentifiers", "metadataPrefix": prefix}
            if set_spec:
                params["set"] = set_spec
            for page in self._pages(params, None):
                self._page_problems(page)
                for element in page.items:
                    header = Header(element if element.tag == f"{OAI}header" else element.find(f"{OAI}header"))
                    if header.identifier and not header.deleted:
                        listed.add(make_record_id(self.source.id, header.identifier.strip()))
        stored = self.store.live_ids(self.source.id)
        vanished = stored - listed
        missing = listed - stored - set(self.tombstones)
        for record_id in vanished:
            self.tombstones.setdefault(record_id, _original_identifier(self.store, record_id))
        self.state["last_census"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        self.report.notes.append(f"census: {len(listed)} identifiers listed, {len(vanished)} offerings vanished")
        seen = self.report.counts.seen
        if announced and seen < announced * PARTIAL_SHARE:
            if missing:
                self.report.status = "partial"
                self.report.notes.append(
                    f"received {seen} of the {announced} records the feed announced; "
                    f"{len(missing)} listed records are not stored"
                )
            else:
                self.report.notes.append(
                    f"the feed announced {announced} records but lists {len(listed)}; all of them are stored"
                )

    def _restore_tombstones(self, checkpoint: dict[str, Any]) -> None:
        for record_id in checkpoint.get("tombstones", []):
            if record_id not in self.tombstones:
                self.tombstones[record_id] = _original_identifier(self.store, record_id)

    def _apply_deletions(self) -> None:
        live = self.store.live_among(self.tombstones)
        doomed = sorted(rid for rid in self.tombstones if rid in live)
        total = self.store.count(source_id=self.source.id)
        harvest = self.settings.harvest
        held: set[str] = set()
        if len(doomed) > max(harvest.hold_deletions_minimum, harvest.hold_deletions_share * total):
            self.state["held_deletions"] = doomed
            held = set(doomed)
            self.report.notes.append(
                f"held {len(doomed)} deletions of {total} offerings for confirmation "
                f"(microcred sources approve {self.source.id})"
            )
        rest = [(rid, original) for rid, original in self.tombstones.items() if rid not in held]
        for start in range(0, len(rest), 500):
            tombstones = ((self._tombstone(rid, original), None) for rid, original in rest[start : start + 500])
            for outcome in self.store.upsert_many(tombstones):
                self.report.counts.add(outcome)

    def _tombstone(self, record_id: str, original_identifier: str) -> Offering:
        return Offering(
            record_id=record_id,
            source_id=self.source.id,
            source_format=self.format_name,
            original_identifier=original_identifier,
            deleted=True,
        )


def _original_identifier(store: Store, record_id: str) -> str:
    """The source's identifier of a stored offering (the census has only the catalogue id)."""
    return store.get(record_id).offering.original_identifier


def _source_record(element: etree._Element, report: HarvestReport) -> SourceRecord | None:
    """The record of one ``<record>`` element, or None (the problem reported) when it has none."""
    record = source_record(element)
    if isinstance(record, Problem):
        report.problem(record.identifier, record.field, record.message)
        return None
    return record
