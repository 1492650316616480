"""One offering, many sources: the match keys of a record and the cluster the store gives it.

Two records from different sources are the same offering when they have the same landing URL, or
the same provider, normalised title and credits (metadata-standard.md §3.7 "Merging", §4.1 V20).
Both records are kept; they share a cluster id (the id of the first record of the cluster), which
the search document carries so that engines can collapse them into one result and the detail API
can list every source. Part of the store: :func:`assign` runs inside the store's write transaction.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Sequence
from urllib.parse import parse_qsl, urlencode, urlsplit

from sqlalchemy import or_, select
from sqlalchemy.engine import Connection

from offerings import vocab
from offerings.model import Offering, pick_text
from offerings.tables import records

__all__ = ["assign", "match_keys", "title_key", "url_key"]

logger = logging.getLogger(__name__)

_TRACKING = re.compile(r"^(?:utm_\w+|fbclid|gclid|mc_\w+|_ga|ref|source)$", re.IGNORECASE)


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def url_key(url: str | None) -> str | None:
    """Key of a landing page URL: scheme, ``www.``, trailing slash, fragment and tracking parameters
    ignored. A bare domain (a home page, not an offering's page) gives no key."""
    if not url or not re.match(r"https?://", url.strip(), re.IGNORECASE):
        return None
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    path = re.sub(r"/+$", "", parts.path)
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query) if not _TRACKING.match(k)))
    if not host or (not path and not query):
        return None
    return _digest(f"{host}{path}?{query}")


def _words(text: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", vocab.fold(text)).split())


def title_key(offering: Offering) -> str | None:
    """Key of provider + normalised title + credits (None without a provider name or title)."""
    provider = pick_text(offering.provider[0].name, "en") if offering.provider else ""
    title = pick_text(offering.title, "en")
    if not (_words(provider) and _words(title)):
        return None
    credits = offering.ects_credits if offering.ects_credits is not None else offering.ects_range
    return _digest(f"{_words(provider)}|{_words(title)}|{credits!r}")


def match_keys(offering: Offering) -> tuple[str | None, str | None]:
    """``(url_key, title_key)`` of a live record; a tombstone matches nothing."""
    if offering.deleted:
        return None, None
    return url_key(offering.record_url), title_key(offering)


def assign(conn: Connection, batch: Sequence[Offering]) -> None:
    """Set ``cluster_id`` on every offering of ``batch``: the cluster of a live record of *another*
    source with the same URL or title key (the lowest cluster id when several match), else its own id.

    Records of one source never cluster with each other: a feed listing two runs that share a page
    states two offerings, not one.
    """
    keys = {o.record_id: match_keys(o) for o in batch}
    urls = {u for u, _ in keys.values() if u}
    titles = {t for _, t in keys.values() if t}
    known: list[tuple[str, str, str | None, str | None]] = []
    if urls or titles:
        query = select(records.c.id, records.c.source_id, records.c.cluster, records.c.match_url,
                       records.c.match_title).where(
            records.c.deleted.is_(False),
            or_(records.c.match_url.in_(urls or {""}), records.c.match_title.in_(titles or {""})),
        )
        known = [(r.source_id, r.cluster or r.id, r.match_url, r.match_title) for r in conn.execute(query)]
    for offering in batch:
        if offering.deleted:
            continue
        url, title = keys[offering.record_id]
        clusters = sorted(
            cluster
            for source, cluster, known_url, known_title in known
            if source != offering.source_id and ((url and url == known_url) or (title and title == known_title))
        )
        offering.cluster_id = clusters[0] if clusters else offering.record_id
        # Later records of the same batch see this one as stored.
        known.append((offering.source_id, offering.cluster_id, url, title))
