"""Probe a URL before it is registered: is it reachable, and what kind of source is it?

The report is what the HEI (and the operator) sees on registration: the kind found, the
repository's self-description and formats, or a plain-language reason why it cannot be used.
"""

from __future__ import annotations

import logging
from typing import Any

from config import Settings
from harvesters.http import FeedClient
from harvesters.oai_client import OaiClient
from offerings.crosswalks import CROSSWALKS
from offerings.errors import FeedError, HarvestError

__all__ = ["probe"]

logger = logging.getLogger(__name__)


def probe(url: str, settings: Settings, *, kind: str = "auto") -> dict[str, Any]:
    """Find out what ``url`` is.

    Returns a report ``{"url", "kind", "ok": True, ...}`` (for OAI-PMH: repository name,
    granularity, deletedRecord policy, earliest datestamp, formats offered and readable).

    Raises:
        HarvestError: the URL is blocked, unreachable, or not a kind of source microcred reads;
            the message says which, in words an HEI can act on.
    """
    if kind not in ("auto", "oai"):
        raise HarvestError(f"sources of kind {kind!r} are not supported yet; use --kind oai")
    feed = FeedClient(settings)
    try:
        feed.check_url(url)
        client = OaiClient(url, feed)
        try:
            identify, _ = client.identify()
        except FeedError as exc:
            raise HarvestError(f"{url} did not answer an OAI-PMH Identify request: {exc}") from exc
        try:
            formats = client.metadata_formats()
        except FeedError as exc:
            logger.info("ListMetadataFormats failed on %s: %s", url, exc)
            formats = {}
    finally:
        feed.close()
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
