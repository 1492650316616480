"""Probe a URL before it is registered: is it reachable, and what kind of source is it?

The report is what the HEI (and the operator) sees on registration: the kind found (OAI-PMH, or a
web catalogue of pages with schema.org Course markup), the repository's self-description and
formats or the pages sampled and what they hold, or a plain-language reason why it cannot be used.
"""

from __future__ import annotations

import logging
from typing import Any

import requests

from config import Settings
from harvesters.http import FeedClient
from harvesters.oai.client import OaiClient
from harvesters.web.sample import probe_web
from offerings.crosswalks import CROSSWALKS
from offerings.errors import FeedError, HarvestError

__all__ = ["probe"]

logger = logging.getLogger(__name__)


def probe(url: str, settings: Settings, *, kind: str = "auto") -> dict[str, Any]:
    """Find out what ``url`` is.

    ``kind="auto"`` asks for an OAI-PMH ``Identify`` first; when the answer is not one, it fetches the
    URL once and takes it as a catalogue document (``feed``: XCRI-CAP, ELM, EWP, CTDL, a JSON-LD list
    of schema.org Courses) if it is one, else as a web catalogue (an HTML page or a sitemap).

    Returns a report ``{"url", "kind", "ok": True, "formats", "readable_formats", ...}``: for OAI-PMH
    the repository name, granularity, deletedRecord policy, earliest datestamp and formats; for a
    feed its format, record count and preview; for the web whether a sitemap was found, the pages
    sampled, the Course objects found in them, a preview and warnings.

    Raises:
        HarvestError: the URL is blocked, unreachable, or not a kind of source microcred reads;
            the message says which, in words an HEI can act on.
    """
    if kind not in ("auto", "oai", "web", "feed"):
        raise HarvestError(
            f"sources of kind {kind!r} are not supported; use --kind oai, web, feed or auto", code="kind", value=kind
        )
    feed = FeedClient(settings)
    try:
        feed.check_url(url)
        oai_failure: FeedError | None = None
        if kind in ("auto", "oai"):
            try:
                return _probe_oai(url, feed)
            except FeedError as exc:
                if kind == "oai" or _unreachable(exc):
                    raise HarvestError(
                        f"{url} did not answer an OAI-PMH Identify request: {exc}",
                        code="unreachable" if _unreachable(exc) else "not_oai",
                        url=url,
                    ) from exc
                oai_failure = exc
                logger.info("%s is not OAI-PMH (%s); trying it as a catalogue document or web site", url, exc)
        try:
            first = feed.get(url)
            if kind in ("auto", "feed"):
                found = _probe_document(url, first.content, required=kind == "feed")
                if found is not None:
                    return found
            return probe_web(url, feed, settings, first=first)
        except FeedError as exc:
            if oai_failure is None:
                raise HarvestError(
                    f"{url} cannot be read as a {kind} source: {exc}",
                    code="unreachable" if _unreachable(exc) else "unreadable",
                    url=url,
                ) from exc
            raise HarvestError(
                f"{url} did not answer an OAI-PMH Identify request ({oai_failure}), "
                f"and is not a catalogue document, web page or sitemap we can read either ({exc})",
                code="not_a_source",
                url=url,
            ) from exc
    finally:
        feed.close()


def _probe_document(url: str, content: bytes, *, required: bool) -> dict[str, Any] | None:
    """The feed report of a fetched document; None when it is no catalogue document (and none is required).

    Raises:
        HarvestError: a catalogue document we cannot read, or (``required``) no catalogue document at all.
    """
    report = probe_feed(content, url=url)
    if report is None and required:
        raise HarvestError(
            f"{url} is not a catalogue document microcred reads "
            "(XCRI-CAP, ELM, EWP Courses, CTDL or schema.org JSON-LD)",
            code="not_a_document",
            url=url,
        )
    if report is not None and not report.get("ok"):
        raise HarvestError(
            f"{url} is a catalogue document that cannot be read: {report.get('error') or report}",
            code="bad_document",
            url=url,
        )
    return report


def _unreachable(exc: FeedError) -> bool:
    """The host did not answer at all: asking it again as a web site would only fail the same way."""
    return isinstance(exc.__cause__, (requests.ConnectionError, requests.Timeout))


def _probe_oai(url: str, feed: FeedClient) -> dict[str, Any]:
    client = OaiClient(url, feed)
    identify, _ = client.identify()
    try:
        formats = client.metadata_formats()
    except FeedError as exc:
        logger.info("ListMetadataFormats failed on %s: %s", url, exc)
        formats = {}
    return {
        "url": url,
        "kind": "oai",
        "ok": True,
        "repository_name": identify.get("repositoryName"),
        "base_url": identify.get("baseURL"),
        "granularity": identify.get("granularity"),
        "deleted_record": identify.get("deletedRecord"),
        "earliest_datestamp": identify.get("earliestDatestamp"),
        "admin_email": identify.get("adminEmail"),
        "formats": sorted(formats),
        "readable_formats": sorted(p for p in formats if p in CROSSWALKS),
    }


def probe_feed(content: bytes, *, url: str | None = None) -> dict[str, Any] | None:
    """What a fetched document is as a ``feed`` source, or None when it is no catalogue document.

    The report names the format (xcri_cap, elm_loq, elm_jsonld, ewp_courses, ctdl, schema_org),
    the number of records and a preview of the first titles; ``ok`` is False (with ``error``) for
    a catalogue document that is not well-formed. For ``probe()`` to call on a fetched body.
    """
    from harvesters.feed import describe_feed  # imported here: the feed harvester is optional to the probe

    report = describe_feed(content, url=url)
    if report is not None and url:
        report["url"] = url
    return report
