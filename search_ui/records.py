"""The JSON forms of stored offerings and sources that the API serves (detail, change feed, export)."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from offerings.model import Offering
from offerings.store import Source, Store, StoredRecord
from offerings.store.records import ClusterMember, StoredDocument

__all__ = [
    "PINNED_RESULT_KEYS",
    "document_dict",
    "isotime",
    "record_dict",
    "result_dict",
    "results_with_sources",
    "source_entries",
    "source_ref",
]

logger = logging.getLogger(__name__)

# Every search result carries at least these (docs/architecture.md "Search response").
PINNED_RESULT_KEYS: tuple[str, ...] = (
    "id",
    "title",
    "provider",
    "country",
    "ects_credits",
    "eqf_level",
    "languages",
    "mode",
    "url",
    "start_date",
    "completeness",
)


def isotime(value: datetime | None) -> str | None:
    """A naive-UTC store timestamp as RFC 3339 (``...Z``)."""
    return value.isoformat() + "Z" if value else None


def source_ref(source_id: str, sources: Mapping[str, Source]) -> dict[str, Any]:
    """The short form of a record's source: id, name and feed URL (name and URL None when unknown)."""
    source = sources.get(source_id)
    return {
        "id": source_id,
        "name": source.name if source else None,
        "url": source.url if source else None,
    }


def record_dict(record: StoredRecord, sources: Mapping[str, Source]) -> dict[str, Any]:
    """The full normalised record plus its quality, as ``GET /api/v1/offerings/{id}`` serves it."""
    return _with_quality(
        record.offering.to_dict(),
        record.completeness,
        record.tier,
        record.quality,
        record.updated_at,
        record.source_id,
        sources,
    )


# The keys of Offering.to_dict(), in its order: a stored document with exactly these is in that form already.
_OFFERING_KEYS = tuple(field.name for field in dataclasses.fields(Offering))


def document_dict(stored: StoredDocument, sources: Mapping[str, Source]) -> dict[str, Any]:
    """:func:`record_dict` of a record read as its stored JSON (the export), equal to it key for key.

    The store wrote the document as ``Offering.to_json()``, which is ``to_dict()`` serialised, so the decoded
    JSON is that dict already and is used as it is: building the Offering and its dict again was most of
    the export's time. A document without exactly the offering's keys (written by an older model) goes
    through the Offering, which fills in what it lacks.
    """
    data = stored.document
    if tuple(data) != _OFFERING_KEYS:
        data = Offering.from_dict(data).to_dict()
    quality = dict(stored.quality or {})
    return _with_quality(data, stored.completeness, stored.tier, quality, stored.updated_at, stored.source_id, sources)


def _with_quality(
    data: dict[str, Any],
    completeness: int,
    tier: str,
    quality: dict[str, Any],
    updated_at: datetime,
    source_id: str,
    sources: Mapping[str, Source],
) -> dict[str, Any]:
    """``data`` (an offering's dict, changed in place) with the record's quality, time and source."""
    data.update(
        {
            "completeness": completeness,
            "tier": tier,
            "quality": quality,
            "updated": isotime(updated_at),
            "source": source_ref(source_id, sources),
        }
    )
    return data


def result_dict(document: dict[str, Any], sources: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """One search hit as the API returns it: the engine's document, with every pinned key present,
    and ``sources``: every source of the offering (:func:`source_entries`), its own when not given."""
    result = dict(document)
    for key in PINNED_RESULT_KEYS:
        result.setdefault(key, None)
    result["sources"] = sources if sources is not None else source_entries(document, [], {})
    return result


def source_entries(
    document: Mapping[str, Any], members: Sequence[StoredRecord | ClusterMember], sources: Mapping[str, Source]
) -> list[dict[str, Any]]:
    """``[{id, name, url, record_id, record_url}]``: the source of each record of a hit's cluster
    (``members``, the representative first), or of the hit alone when the store lists none (the
    index is a moment behind the store)."""
    if not members:
        own = source_ref(str(document.get("source")), sources)
        return [own | {"record_id": document.get("id"), "record_url": document.get("url")}]
    return [
        source_ref(member.source_id, sources) | {"record_id": member.id, "record_url": _record_url(member)}
        for member in members
    ]


def _record_url(member: StoredRecord | ClusterMember) -> str | None:
    return member.record_url if isinstance(member, ClusterMember) else member.offering.record_url


def results_with_sources(
    documents: Sequence[dict[str, Any]], store: Store, sources: Mapping[str, Source]
) -> list[dict[str, Any]]:
    """The hits of a page as :func:`result_dict` gives them, each listing every source of its offering:
    one store query for the whole page."""
    clusters = store.cluster_sources(str(doc.get("cluster") or doc.get("id")) for doc in documents)
    return [
        result_dict(doc, source_entries(doc, clusters.get(str(doc.get("cluster") or doc.get("id")), []), sources))
        for doc in documents
    ]
