"""The search document: the flat form of a record that every search engine indexes and the API returns.

Built here and nowhere else. The store builds it as it writes a record (``search`` column), without the
values the row gets at that moment (sequence number, update time) or that change without a rewrite
(completeness, tier): :func:`completed` adds those when the index sync reads the row. Facet fields
hold codes, text fields the text of every language joined. Pure.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from offerings import vocab
from offerings.model import Offering, pick_text

__all__ = ["completed", "search_document"]


def completed(document: dict[str, Any], *, completeness: int, tier: str, seq: int, updated: str) -> dict[str, Any]:
    """A stored search document with the row's current completeness, tier, sequence and update time.

    The keys stay in :func:`search_document`'s order (those four are there already, as placeholders).
    """
    out = dict(document)
    out.update(completeness=completeness, tier=tier, updated=updated, seq=seq)
    return out


def search_document(
    offering: Offering, *, completeness: int, tier: str, seq: int, updated: str, cluster: str | None = None
) -> dict[str, Any]:
    """The flat document every search engine indexes and the search API returns.

    Facet fields hold codes (``country``, ``language``, ``mode`` …); text fields hold the text
    of every language joined, so one index serves every language. ``cluster`` is the same for every
    record of one offering that reached us from several sources (the store assigns it), so an engine
    can collapse them into one result; a record alone is its own cluster. ``cluster`` is the one the
    store gives the record as it writes it (else the offering's own ``cluster_id``).
    """
    o = offering
    cluster = cluster or o.cluster_id or o.record_id
    provider = o.provider[0] if o.provider else None
    prices = o.all_prices()
    amounts = [p.amount for p in prices]
    return {
        "id": o.record_id,
        "source": o.source_id,
        "title": o.main_title,
        "title_all": " ".join(dict.fromkeys(o.title.values())),
        "description": " ".join(dict.fromkeys(o.description.values())),
        "subjects": list(o.subjects),
        "skills": list(dict.fromkeys([pick_text(lo.text) for lo in o.learning_outcomes] + _skill_labels(o))),
        "provider": pick_text(provider.name) if provider else None,
        "provider_id": _slug(pick_text(provider.name)) if provider else None,
        "country": o.countries,
        "ects_credits": o.ects_credits,
        "workload_hours": o.workload_hours,
        "eqf_level": o.eqf_level,
        "languages": list(o.languages_of_instruction),
        "mode": list(o.mode),
        "schedule": o.learning_schedule,
        "isced_f": list(o.isced_f),
        "credential_type": o.credential_type,
        "qa_type": sorted({q.type for q in o.quality_assurance}),
        "url": o.record_url,
        "start_date": o.start_date.isoformat() if o.start_date else None,
        "end_date": _iso(max((i.end_date for i in o.instances if i.end_date), default=None)),
        "price": min(amounts) if amounts else None,
        "currency": prices[0].currency if prices else None,
        "free": bool(o.is_free) or (bool(amounts) and min(amounts) == 0),
        "completeness": completeness,
        "tier": tier,
        "updated": updated,
        "seq": seq,
        # Added with the full record (additive; engines with fixed mappings store them unindexed).
        "cluster": cluster,
        # Another record of the cluster represents it: engines leave this one out of every search,
        # count, facet and completion, so the offering is one result (its sources come from the store).
        "duplicate": cluster != o.record_id,
        "source_format": o.source_format,
        "offering_type": list(o.offering_type),
        "assessment": list(o.assessment_types),
        "qf_ehea_cycle": o.qf_ehea_cycle,
        "setting": o.learning_setting,
        "stackability": o.stackability,
        "supervision": o.supervision_id_verification,
        "micro_credential": o.is_micro_credential,
        "ects_min": o.ects_range[0] if o.ects_range else o.ects_credits,
        "ects_max": o.ects_range[-1] if o.ects_range else o.ects_credits,
        "duration": o.duration,
        "esco_skills": [s.uri for s in o.esco_skills if s.uri],
        # The day the offering is over: the latest, over every instance, of its end or else its start.
        # Engines rank it as ended once this is past; the earliest start and the latest end cannot
        # say so when a later instance has a start but no end.
        "last_date": _iso(max((d for i in o.instances if (d := i.end_date or i.start_date)), default=None)),
        # The label of each of ``esco_skills``, in the same order ("" where the record gives none): the
        # ESCO skills facet shows them.
        "esco_skill_labels": [pick_text(s.label) for s in o.esco_skills if s.uri],
    }


def _skill_labels(offering: Offering) -> list[str]:
    return [label for label in (pick_text(s.label) for s in offering.esco_skills) if label]


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def provider_slug(name: str) -> str:
    """The id of a provider in the search (its ``provider_id``, the ``provider`` facet value): its name folded."""
    return _slug(name)


def _slug(text: str) -> str:
    return "-".join(vocab.fold(text).replace("'", "").split())[:80] or "unknown"
