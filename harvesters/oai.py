"""OAI-PMH harvesting with sickle, hardened: Identify first, incremental windows, per-page checkpoints.

sickle 0.7 as shipped parses with ``recover=True`` (silent data loss), has no timeout, no byte cap,
reads OAI errors only after ``raise_for_status()`` and loops forever on a repeated token
(harvesting-notes.md §1). :class:`OaiClient` keeps sickle's endpoint handling and models but routes
every request through :class:`harvesters.http.FeedClient` and parses strictly, once per page.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from lxml import etree
from sickle import Sickle
from sickle.models import Header

from config import Settings
from harvesters.base import HarvestReport
from harvesters.http import FeedClient
from offerings import xml
from offerings.crosswalks import CROSSWALKS, SourceContext, SourceRecord
from offerings.errors import CrosswalkError, FeedError
from offerings.model import Offering
from offerings.store import Source, Store

__all__ = ["OaiClient", "OaiError", "OaiHarvester", "OaiPage"]

logger = logging.getLogger(__name__)

OAI = "{http://www.openarchives.org/OAI/2.0/}"
MAX_EMPTY_PAGES = 10
# A full run that received less than this share of completeListSize is reported as partial.
PARTIAL_SHARE = 0.98


class OaiError(FeedError):
    """The repository answered with an OAI-PMH error (``code`` is the protocol's error code)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"OAI-PMH error {code}: {message}")
        self.code = code


@dataclass(slots=True)
class OaiPage:
    """One parsed OAI-PMH response."""

    root: etree._Element
    response_date: str | None
    token: str | None
    complete_list_size: int | None
    invalid_chars: int

    def verb_element(self, verb: str) -> etree._Element | None:
        """The ``<verb>`` element of the response."""
        return self.root.find(f"{OAI}{verb}")


class OaiClient(Sickle):
    """A sickle endpoint whose requests go through :class:`FeedClient` and parse strictly once."""

    def __init__(self, endpoint: str, feed: FeedClient) -> None:
        super().__init__(endpoint)
        self.feed = feed

    def harvest(self, **kwargs: str) -> OaiPage:  # type: ignore[override]
        """One OAI-PMH request.

        Raises:
            OaiError: the body carries an OAI-PMH ``<error>`` (whatever the HTTP status, e.g. 422).
            FeedError: HTTP failure, not XML, or not an OAI-PMH document.
        """
        response = self.feed.get(self.endpoint, params=kwargs, accept_statuses=frozenset({400, 404, 422}))
        root, stripped = _parse(response.content, response.status, self.endpoint)
        error = root.find(f"{OAI}error")
        if error is not None:
            raise OaiError(error.get("code", "unknown"), " ".join((error.text or "").split()))
        if response.status >= 400:
            raise FeedError(f"{self.endpoint}: HTTP {response.status}")
        token_el = root.find(f".//{OAI}resumptionToken")
        token = (token_el.text or "").strip() if token_el is not None else ""
        size = token_el.get("completeListSize") if token_el is not None else None
        return OaiPage(
            root=root,
            response_date=(root.findtext(f"{OAI}responseDate") or "").strip() or None,
            token=token or None,
            complete_list_size=int(size) if size and size.isdigit() else None,
            invalid_chars=stripped,
        )

    def identify(self) -> tuple[dict[str, str], str | None]:
        """Identify as a dict of its simple fields, and the response date."""
        page = self.harvest(verb="Identify")
        element = page.verb_element("Identify")
        if element is None:
            raise FeedError(f"{self.endpoint}: Identify answer has no <Identify>")
        fields = {etree.QName(child).localname: (child.text or "").strip() for child in element if len(child) == 0}
        return fields, page.response_date

    def metadata_formats(self) -> dict[str, str]:
        """``{metadataPrefix: metadataNamespace}`` the repository offers."""
        page = self.harvest(verb="ListMetadataFormats")
        return {
            (fmt.findtext(f"{OAI}metadataPrefix") or "").strip(): (
                fmt.findtext(f"{OAI}metadataNamespace") or ""
            ).strip()
            for fmt in page.root.iter(f"{OAI}metadataFormat")
        }


def _parse(content: bytes, status: int, endpoint: str) -> tuple[etree._Element, int]:
    """Strict parse; on failure strip XML-illegal characters and retry once (counting them)."""
    stripped = 0
    try:
        root = xml.parse(content)
    except xml.XmlError as first:
        cleaned, stripped = xml.strip_invalid_chars(content)
        try:
            if not stripped:
                raise first
            root = xml.parse(cleaned)
        except xml.XmlError as exc:
            if status >= 400:
                raise FeedError(f"{endpoint}: HTTP {status}") from exc
            raise FeedError(f"{endpoint}: response is not well-formed XML: {exc}") from exc
    if root.tag != f"{OAI}OAI-PMH":
        raise FeedError(f"{endpoint}: not an OAI-PMH response (root element {etree.QName(root).localname!r})")
    return root, stripped


def _format_date(value: datetime, granularity: str) -> str:
    if granularity == "YYYY-MM-DD":
        return value.strftime("%Y-%m-%d")
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_datetime(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


class OaiHarvester:
    """Harvests an OAI-PMH repository (``kind = "oai"``) into the store."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def harvest(self, source: Source, store: Store, report: HarvestReport, *, full: bool = False) -> None:
        """Harvest ``source``: incremental from the last successful run unless ``full``.

        Raises:
            HarvestError: the repository cannot be harvested; what was stored before stays stored.
        """
        feed = FeedClient(self.settings)
        try:
            feed.check_url(source.url)
            client = OaiClient(source.url, feed)
            self._run(client, source, store, report, full=full)
        finally:
            report.wait_seconds = feed.wait_seconds
            feed.close()

    def _run(self, client: OaiClient, source: Source, store: Store, report: HarvestReport, *, full: bool) -> None:
        identify, response_date = client.identify()
        granularity = identify.get("granularity", "YYYY-MM-DD")
        state = dict(source.state)
        state["identify"] = {
            k: identify.get(k) for k in ("repositoryName", "granularity", "deletedRecord", "earliestDatestamp")
        }
        prefix = self._choose_prefix(client, source, report)
        checkpoint = state.get("checkpoint") if not full else None
        started = response_date or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        since = None if full else state.get("next_from")
        if checkpoint:
            since = checkpoint.get("from")
            started = checkpoint.get("started", started)
            report.notes.append("resumed an interrupted run from its last checkpoint")
        report.full = since is None
        report.from_date = _format_date(_parse_datetime(since), granularity) if since else None
        report.response_date = started
        context = SourceContext(source_id=source.id, name=source.name, country=source.country)
        crosswalk = CROSSWALKS[prefix]
        sets = source.sets or [None]
        announced = 0
        for set_spec in sets:
            token = checkpoint.get("token") if checkpoint and checkpoint.get("set") == set_spec else None
            if checkpoint and sets.index(set_spec) < sets.index(checkpoint.get("set")):
                continue  # finished before the interruption
            params: dict[str, str] = {"verb": "ListRecords", "metadataPrefix": prefix}
            if set_spec:
                params["set"] = set_spec
            if report.from_date:
                params["from"] = report.from_date
            for page in self._pages(client, params, token, report):
                announced = max(announced, page.complete_list_size or 0)
                self._store_page(page, crosswalk, context, store, report)
                state["checkpoint"] = {
                    "token": page.token,
                    "set": set_spec,
                    "prefix": prefix,
                    "from": since,
                    "started": started,
                }
                store.update_source(source.id, state=state)
        state.pop("checkpoint", None)
        next_from = _parse_datetime(started) - timedelta(seconds=self.settings.harvest.overlap_seconds)
        state["next_from"] = next_from.strftime("%Y-%m-%dT%H:%M:%SZ")
        state["metadata_prefix"] = prefix
        store.update_source(source.id, state=state, metadata_prefix=prefix)
        self._reconcile(report, announced, len(sets))

    def _choose_prefix(self, client: OaiClient, source: Source, report: HarvestReport) -> str:
        """The first preferred format the repository offers and we can read; oai_dc otherwise."""
        try:
            offered = client.metadata_formats()
        except FeedError as exc:
            report.notes.append(f"ListMetadataFormats failed ({exc}); using oai_dc")
            return "oai_dc"
        preferred = ([source.metadata_prefix] if source.metadata_prefix else []) + list(
            self.settings.harvest.metadata_prefixes
        )
        for prefix in preferred:
            if prefix in offered and prefix in CROSSWALKS:
                return prefix
        if "oai_dc" not in offered:
            raise FeedError(
                f"{source.url}: offers none of the formats we read ({', '.join(sorted(offered)) or 'none'})"
            )
        return "oai_dc"

    def _pages(
        self, client: OaiClient, params: dict[str, str], token: str | None, report: HarvestReport
    ) -> Iterator[OaiPage]:
        """ListRecords pages, following resumption tokens; guards against loops and endless empty pages."""
        seen_tokens: set[str] = set()
        empty = 0
        request = {"verb": "ListRecords", "resumptionToken": token} if token else params
        first = token is None
        while True:
            try:
                page = client.harvest(**request)
            except OaiError as exc:
                if exc.code == "noRecordsMatch" and first:
                    report.notes.append("no records changed since the last run")
                    return
                raise
            first = False
            report.pages += 1
            if page.invalid_chars:
                report.problem("(page)", None, f"{page.invalid_chars} characters illegal in XML removed")
            has_records = page.root.find(f".//{OAI}record") is not None
            empty = 0 if has_records else empty + 1
            if empty >= MAX_EMPTY_PAGES:
                raise FeedError(f"{client.endpoint}: {empty} empty pages in a row with resumption tokens")
            yield page
            if not page.token:
                return
            if page.token in seen_tokens:
                raise FeedError(f"{client.endpoint}: resumption token {page.token!r} repeated; stopping a loop")
            seen_tokens.add(page.token)
            request = {"verb": "ListRecords", "resumptionToken": page.token}

    def _store_page(
        self, page: OaiPage, crosswalk: Any, context: SourceContext, store: Store, report: HarvestReport
    ) -> None:
        batch: list[tuple[Offering, bytes | None]] = []
        for element in page.root.iterfind(f"{OAI}ListRecords/{OAI}record"):
            report.counts.seen += 1
            record = _source_record(element, report)
            if record is None:
                report.counts.skipped += 1
                continue
            try:
                offering = crosswalk(record, context)
            except CrosswalkError as exc:
                report.counts.skipped += 1
                report.problem(record.identifier, exc.field, str(exc))
                logger.warning("%s: skipped %s: %s", context.source_id, record.identifier, exc)
                continue
            except Exception as exc:  # a crosswalk bug must not lose the rest of the page
                report.counts.failed += 1
                report.problem(record.identifier, None, f"internal error: {exc!r}")
                logger.exception("%s: crosswalk failed on %s", context.source_id, record.identifier)
                continue
            batch.append((offering, record.payload or None))
        for outcome in store.upsert_many(batch):
            report.counts.add(outcome)

    def _reconcile(self, report: HarvestReport, announced: int, set_count: int) -> None:
        """A full, single-list run that got materially less than completeListSize is partial."""
        if report.full and set_count == 1 and announced and report.counts.seen < announced * PARTIAL_SHARE:
            report.status = "partial"
            report.notes.append(f"received {report.counts.seen} of the {announced} records the feed announced")


def _source_record(element: etree._Element, report: HarvestReport) -> SourceRecord | None:
    header_el = element.find(f"{OAI}header")
    if header_el is None:
        report.problem("(unknown)", "header", "record without a header")
        return None
    header = Header(header_el)
    if not header.identifier:
        report.problem("(unknown)", "header", "record without an identifier")
        return None
    identifier = header.identifier.strip()
    if header.deleted:
        return SourceRecord(
            identifier=identifier, datestamp=header.datestamp, deleted=True, set_specs=tuple(header.setSpecs)
        )
    metadata = element.find(f"{OAI}metadata")
    payload_el = (
        next((child for child in metadata if isinstance(child.tag, str)), None) if metadata is not None else None
    )
    if payload_el is None:
        report.problem(identifier, "metadata", "record has no metadata")
        return None
    return SourceRecord(
        identifier=identifier,
        payload=etree.tostring(payload_el),
        datestamp=header.datestamp,
        set_specs=tuple(header.setSpecs),
    )
