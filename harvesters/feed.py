"""The ``feed`` harvester: one document holding a whole catalogue, fetched with a conditional GET.

An XCRI-CAP catalogue, an ELM LOQ file or JSON-LD graph, an EWP Courses response, a CTDL graph, MicroHE JSON-LD or a
JSON-LD list of schema.org Courses (docs/operations.md "Kinds of source"). Each run sends the ETag
and Last-Modified of the previous one; ``304 Not Modified`` is an empty run. Otherwise the format is
detected from the document, the document split into records, each record crosswalked and stored;
a record missing from the new snapshot becomes a tombstone, and a record that cannot be normalised
is skipped and reported, never the end of the run.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from config import Settings
from harvesters.base import HarvestReport
from harvesters.enrichment import Enrichment
from harvesters.http import FeedClient, FeedResponse, parse_http_date
from harvesters.pipeline import Pipeline
from offerings.crosswalks import CROSSWALKS, Crosswalk, SourceContext, SourceRecord
from offerings.crosswalks import catalogue as documents
from offerings.errors import CrosswalkError, FeedError
from offerings.model import make_record_id, pick_text
from offerings.normalise import Normalised
from offerings.store import Source, Store

__all__ = ["ACCEPT", "FeedHarvester", "describe_feed"]

logger = logging.getLogger(__name__)

ACCEPT = "application/xml, text/xml;q=0.9, application/ld+json;q=0.9, application/json;q=0.8, */*;q=0.1"
BATCH = 200
PREVIEW = 5


def _http_date(value: str | None) -> str | None:
    """An HTTP date as RFC 3339 (UTC), the form records keep as their harvest datestamp."""
    when = parse_http_date(value)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ") if when else None


def _context(source: Source) -> SourceContext:
    # An EWP Courses response does not name its institution: it is the hei_id the URL asks for.
    query = parse_qs(urlsplit(source.url).query)
    extra = {"hei_id": query["hei_id"][0]} if query.get("hei_id") else {}
    return SourceContext(source_id=source.id, name=source.name, country=source.country, extra=extra)


class FeedHarvester:
    """Harvests a catalogue document (``kind = "feed"``) into the store."""

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
        """Fetch ``source.url`` (conditionally unless ``full``) and bring the store in line with it.

        Raises:
            HarvestError: the document cannot be fetched, is not a catalogue format we read, or is
                empty while the store holds offerings of this source; nothing is withdrawn then.
        """
        feed = FeedClient(self.settings)
        try:
            feed.check_url(source.url)
            response = self._fetch(feed, source, full=full)
            report.pages = 1
            report.full = full or not (source.state.get("etag") or source.state.get("last_modified"))
            if response.status == 304:
                report.notes.append("the document has not changed since the last run (HTTP 304)")
                return
            self._store_snapshot(response, source, store, report, enrichment)
        finally:
            report.wait_seconds = feed.wait_seconds
            feed.close()

    def _fetch(self, feed: FeedClient, source: Source, *, full: bool) -> FeedResponse:
        headers = {"Accept": ACCEPT}
        if not full:
            if source.state.get("etag"):
                headers["If-None-Match"] = source.state["etag"]
            if source.state.get("last_modified"):
                headers["If-Modified-Since"] = source.state["last_modified"]
        return feed.get(source.url, headers=headers)

    def _store_snapshot(
        self,
        response: FeedResponse,
        source: Source,
        store: Store,
        report: HarvestReport,
        enrichment: Enrichment | None,
    ) -> None:
        document = documents.parse(response.content)
        if document is None:
            raise FeedError(
                f"{source.url} is not a catalogue document microcred reads "
                "(XCRI-CAP 1.2, ELM v3 LOQ XML or JSON-LD, EWP Courses, CTDL, MicroHE, schema.org Course JSON-LD)"
            )
        crosswalk = CROSSWALKS.get(document.format)
        if crosswalk is None:
            raise FeedError(f"{source.url} is a {document.format} document, which this installation cannot read yet")
        headers = {k.lower(): v for k, v in response.headers.items()}
        stamp = _http_date(headers.get("last-modified")) or _http_date(headers.get("date"))
        stamp = stamp or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        report.response_date = stamp
        records = list(documents.split(document, url=response.url))
        live = store.live_ids(source.id)
        if not records and live:
            raise FeedError(
                f"{source.url} lists no offerings; the {len(live)} stored ones are kept until it lists some again"
            )
        pipeline = Pipeline(store, report, _context(source), enrichment)
        seen = self._store_records(records, crosswalk, stamp, pipeline)
        gone = sorted(live - seen)
        if gone:
            report.counts.deleted += store.delete_many(gone)
        state = dict(source.state)
        state.update(
            etag=headers.get("etag"),
            last_modified=headers.get("last-modified"),
            format=document.format,
            records=len(records),
        )
        store.sources.update(source.id, state=state, metadata_prefix=document.format)
        report.notes.append(f"{document.format} document with {len(records)} records")

    @staticmethod
    def _store_records(
        records: Iterable[SourceRecord], crosswalk: Crosswalk, stamp: str, pipeline: Pipeline
    ) -> set[str]:
        """Normalise and store ``records`` in batches; returns the ids the snapshot still lists."""
        report = pipeline.report
        seen: set[str] = set()
        batch: list[Normalised] = []
        for record in records:
            report.counts.seen += 1
            if not record.datestamp:
                record = dataclasses.replace(record, datestamp=stamp)
            normalised = pipeline.normalise(record, crosswalk)
            record_id = normalised.offering.record_id if normalised else _record_id(pipeline.context, record)
            if record_id in seen:
                report.counts.skipped += 1
                report.problem(record.identifier, "identifier", "the document lists this identifier twice")
                continue
            # A record that cannot be normalised is still in the feed: it is kept as it was, not withdrawn.
            seen.add(record_id)
            if normalised is not None:
                batch.append(normalised)
            if len(batch) >= BATCH:
                pipeline.write(batch)
                batch = []
        pipeline.write(batch)
        return seen


def _record_id(context: SourceContext, record: SourceRecord) -> str:
    return make_record_id(context.source_id, record.identifier)


def describe_feed(content: bytes, *, url: str | None = None) -> dict[str, Any] | None:
    """What a fetched document is as a feed: its format, how many records, and the first titles.

    None when the document is no catalogue format we read (it may be OAI-PMH or a web page).
    """
    try:
        document = documents.parse(content)
    except FeedError as exc:
        return {"kind": "feed", "ok": False, "error": str(exc)}
    if document is None:
        return None
    records = list(documents.split(document, url=url))
    crosswalk = CROSSWALKS.get(document.format)
    preview: list[dict[str, Any]] = []
    problems: list[dict[str, Any]] = []
    context = SourceContext(source_id="probe")
    for record in records[:PREVIEW]:
        if crosswalk is None:
            break
        try:
            offering = crosswalk(record, context)
        except CrosswalkError as exc:
            problems.append({"identifier": record.identifier, "field": exc.field, "message": str(exc)})
            continue
        except Exception as exc:  # a crosswalk bug: the preview says so instead of failing the probe
            logger.exception("probe: crosswalk failed on %s", record.identifier)
            problems.append({"identifier": record.identifier, "field": None, "message": f"internal error: {exc!r}"})
            continue
        title = pick_text(offering.title)
        preview.append({"identifier": record.identifier, "title": title, "url": offering.record_url})
    return {
        "kind": "feed",
        "ok": crosswalk is not None,
        "format": document.format,
        "formats": [document.format],
        "readable_formats": [document.format] if crosswalk is not None else [],
        "records": len(records),
        "preview": preview,
        "problems": problems,
    }
