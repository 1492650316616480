"""The JSON forms of stored offerings and sources that the API serves (detail, change feed, export)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from offerings.store import Source, StoredRecord

__all__ = ["PINNED_RESULT_KEYS", "isotime", "record_dict", "result_dict", "source_ref"]

logger = logging.getLogger(__name__)

# Every search result carries at least these (ARCHITECTURE.md, "Search response").
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
    data = record.offering.to_dict()
    data.update(
        {
            "completeness": record.completeness,
            "tier": record.tier,
            "quality": record.quality,
            "updated": isotime(record.updated_at),
            "source": source_ref(record.source_id, sources),
        }
    )
    return data


def result_dict(document: dict[str, Any]) -> dict[str, Any]:
    """One search hit as the API returns it: the engine's document, with every pinned key present."""
    result = dict(document)
    for key in PINNED_RESULT_KEYS:
        result.setdefault(key, None)
    return result
