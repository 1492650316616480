"""One offering, many sources: the match keys of a record and the cluster the store gives it.

Two records from different sources are the same offering when they have the same landing URL, or
the same provider, normalised title and credits (docs/normalisation.md §3.7 "Merging", §4.1 V20).
Both records are kept; they share a cluster id (the id of the first record of the cluster), which
the search document carries so that engines can collapse them into one result and the detail API
can list every source. The record whose id is the cluster id represents the cluster in searches; when
it is withdrawn or leaves, :func:`succeed` makes the oldest remaining member the representative, so
the offering never vanishes from search. Part of the store: :func:`assign` and :func:`succeed` run
inside the store's write transaction.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable, Collection, Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.engine import Connection

from offerings import vocab
from offerings.model import Offering, pick_text, with_cluster
from offerings.store.tables import records

__all__ = ["assign", "match_keys", "succeed", "title_key", "url_key"]

logger = logging.getLogger(__name__)

_NON_WORD = re.compile(r"[^\w]+")
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


@lru_cache(maxsize=8192)  # a source names the same few providers on every record
def _words(text: str) -> str:
    return " ".join(_NON_WORD.sub(" ", vocab.fold(text)).split())


def title_key(offering: Offering) -> str | None:
    """Key of provider + normalised title + credits (None without a provider name or title)."""
    provider = _words(pick_text(offering.provider[0].name, "en")) if offering.provider else ""
    title = _words(pick_text(offering.title, "en"))
    if not (provider and title):
        return None
    credits = offering.ects_credits if offering.ects_credits is not None else offering.ects_range
    return _digest(f"{provider}|{title}|{credits!r}")


def match_keys(offering: Offering) -> tuple[str | None, str | None]:
    """``(url_key, title_key)`` of a live record; a tombstone matches nothing."""
    if offering.deleted:
        return None, None
    return url_key(offering.record_url), title_key(offering)


def assign(conn: Connection, batch: Sequence[Offering]) -> tuple[list[tuple[str | None, str | None]], list[str | None]]:
    """The cluster of every offering of ``batch``: that of a live record of *another* source with the
    same URL or title key (the lowest cluster id when several match), else its own id; a tombstone
    keeps the ``cluster_id`` it has.

    Records of one source never cluster with each other: a feed listing two runs that share a page
    states two offerings, not one. Returns the :func:`match_keys` of each offering and its cluster, in
    order (the store writes the keys too, and computing them twice was a noticeable part of a harvest).
    The offerings are not changed.
    """
    computed = [match_keys(o) for o in batch]
    keys = {o.record_id: k for o, k in zip(batch, computed, strict=True)}
    urls = {u for u, _ in keys.values() if u}
    titles = {t for _, t in keys.values() if t}
    # (source, cluster) of the live records holding each key, and of this batch's records as they get one:
    # a record's candidates are looked up by its two keys, not found by scanning every record known.
    by_url: dict[str, list[tuple[str, str]]] = {}
    by_title: dict[str, list[tuple[str, str]]] = {}

    def known(source: str, cluster: str, url: str | None, title: str | None) -> None:
        if url:
            by_url.setdefault(url, []).append((source, cluster))
        if title:
            by_title.setdefault(title, []).append((source, cluster))

    if urls or titles:
        query = select(
            records.c.id, records.c.source_id, records.c.cluster, records.c.match_url, records.c.match_title
        ).where(
            records.c.deleted.is_(False),
            or_(records.c.match_url.in_(urls or {""}), records.c.match_title.in_(titles or {""})),
        )
        for r in conn.execute(query):
            known(r.source_id, r.cluster or r.id, r.match_url, r.match_title)
    assigned: list[str | None] = []
    for offering in batch:
        if offering.deleted:
            assigned.append(offering.cluster_id)
            continue
        url, title = keys[offering.record_id]
        candidates = [*(by_url.get(url, ()) if url else ()), *(by_title.get(title, ()) if title else ())]
        # The lowest cluster id among the other sources' records sharing a key.
        cluster = min((c for source, c in candidates if source != offering.source_id), default=offering.record_id)
        assigned.append(cluster)
        # Later records of the same batch see this one as stored.
        known(offering.source_id, cluster, url, title)
    return computed, assigned


def succeed(conn: Connection, representatives: Collection[str], next_seq: Callable[[int], int], now: datetime) -> int:
    """Give a new representative to each cluster among ``representatives`` (ids of records that were
    one, just written) whose representative is gone: tombstoned, moved to another cluster, or no
    longer sharing a match key with the members left behind. Returns how many records moved.

    The oldest remaining member (created first, then lowest sequence) represents those members from
    now on: their cluster becomes its id, in their column and their document, with new sequence
    numbers (``next_seq(count)`` reserves them and returns the last) so that every index re-indexes
    them -- a duplicate whose representative left would otherwise vanish from search. Runs inside
    the store's write transaction.
    """
    if not representatives:
        return 0
    representatives = set(representatives)
    wanted = sorted(representatives)
    rows = conn.execute(
        select(
            records.c.id,
            records.c.source_id,
            records.c.cluster,
            records.c.deleted,
            records.c.match_url,
            records.c.match_title,
            records.c.created_at,
            records.c.seq,
        ).where(records.c.cluster.in_(wanted) | records.c.id.in_(wanted))
    ).all()
    heads = {row.id: row for row in rows if row.id in representatives}
    left: dict[str, list[Any]] = {}
    for row in rows:
        if row.cluster in representatives and row.id != row.cluster and not row.deleted:
            left.setdefault(row.cluster, []).append(row)
    moved: list[tuple[str, str]] = []
    for cluster, members in sorted(left.items()):
        head = heads.get(cluster)
        if head is None or head.deleted or (head.cluster or head.id) != cluster:
            orphans = members
        else:
            # The representative stays, but members no longer linked to it by shared keys (directly or
            # through another member: assign() joins a record to the cluster of any record it matches)
            # are another offering now.
            orphans = _unlinked(head, members)
        if not orphans:
            continue
        orphans.sort(key=lambda m: (m.created_at, m.seq, m.id))
        heir = orphans[0].id
        logger.info("cluster %s: representative gone, %d member(s) now in cluster %s", cluster, len(orphans), heir)
        moved += [(m.id, heir) for m in orphans]
    if moved:
        _move(conn, moved, next_seq, now)
    return len(moved)


def _shares_key(one: Any, other: Any) -> bool:
    return bool(
        (one.match_url and one.match_url == other.match_url)
        or (one.match_title and one.match_title == other.match_title)
    )


def _unlinked(head: Any, members: list[Any]) -> list[Any]:
    """The ``members`` that no chain of shared match keys links to ``head``."""
    linked = [head]
    rest = list(members)
    grew = True
    while grew and rest:
        grew = False
        for member in list(rest):
            if any(_shares_key(member, other) for other in linked):
                linked.append(member)
                rest.remove(member)
                grew = True
    return rest


def _move(conn: Connection, moved: list[tuple[str, str]], next_seq: Callable[[int], int], now: datetime) -> None:
    """Put each ``(record id, cluster)`` of ``moved`` in its cluster, with a new sequence number."""
    documents: dict[str, Any] = dict(
        conn.execute(select(records.c.id, records.c.document).where(records.c.id.in_([i for i, _ in moved]))).all()
    )
    first = next_seq(len(moved)) - len(moved) + 1
    updates = []
    for seq, (record_id, cluster) in enumerate(moved, start=first):
        offering = Offering.from_dict(documents[record_id])
        # The content hash covers the cluster (the store hashes after assign()): kept equal to what an
        # unchanged re-harvest computes, so that it writes nothing.
        document = with_cluster(offering.to_json(), offering, cluster)
        updates.append(
            {
                "b_id": record_id,
                "cluster": cluster,
                "document": document,
                "content_hash": offering.content_hash(document),
                "seq": seq,
                "updated_at": now,
            }
        )
    conn.execute(update(records).where(records.c.id == bindparam("b_id")), updates)
