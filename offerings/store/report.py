"""A source's quality report: what its live records carry, what they lack, what is wrong with them.

Shown to the HEI with ``GET /api/v1/sources/{id}`` so it can see, field by field, what its feed
states: per field how many live records carry it, per Annex I element how many declare it, derive
it or lack it, the completeness tiers, the most common validation warnings with example record ids,
and the records its last harvest rejected, grouped by reason. :func:`build` is pure over stored
records; :func:`for_source` reads them from the store.
"""

from __future__ import annotations

import dataclasses
import logging
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from offerings.model import Offering
from offerings.quality import CORE_ELEMENTS, OPTIONAL_ELEMENTS
from offerings.store import Store, StoredRecord

__all__ = ["REPORTED_FIELDS", "build", "for_source"]

logger = logging.getLogger(__name__)

EXAMPLES = 5
TOP_WARNINGS = 10
# Bookkeeping fields every record has by construction; reporting them would say nothing.
_SKIPPED = {
    "record_id",
    "source_id",
    "source_format",
    "original_identifier",
    "deleted",
    "field_provenance",
    "crosswalk_warnings",
    "cluster_id",
    "level_not_applicable",
    "prerequisites_none",
}
REPORTED_FIELDS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(Offering) if f.name not in _SKIPPED)


def _carries(offering: Offering, name: str) -> bool:
    value = getattr(offering, name)
    if name == "quality_assurance":
        return any(q.basis == "declared" for q in value)
    return value not in (None, "", [], {}, False)


def build(records: Iterable[StoredRecord], *, rejected: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The report over ``records`` (a source's live records) and ``rejected`` (its last run's problems)."""
    total = 0
    fields: Counter[str] = Counter()
    annex: dict[str, Counter[str]] = {element: Counter() for element, _ in CORE_ELEMENTS}
    optional: Counter[str] = Counter()
    tiers: Counter[str] = Counter()
    scores: list[int] = []
    warnings: Counter[str] = Counter()
    examples: dict[str, list[str]] = defaultdict(list)
    for record in records:
        total += 1
        offering = record.offering
        fields.update(name for name in REPORTED_FIELDS if _carries(offering, name))
        core = record.quality.get("core", {})
        for element in annex:
            annex[element][core.get(element, "missing")] += 1
        missing_optional = set(record.quality.get("optional_missing", OPTIONAL_ELEMENTS))
        optional.update(name for name in OPTIONAL_ELEMENTS if name not in missing_optional)
        tiers[record.tier] += 1
        scores.append(record.completeness)
        for warning in record.quality.get("warnings", []):
            warnings[warning] += 1
            if len(examples[warning]) < EXAMPLES:
                examples[warning].append(record.id)
    return {
        "records": total,
        "fields": [
            {"field": name, "records": fields[name], "share": _share(fields[name], total)} for name in REPORTED_FIELDS
        ],
        "annex1": [
            {
                "element": element,
                "declared": counts["declared"],
                "derived": counts["parsed"],
                "missing": counts["missing"],
            }
            for element, counts in annex.items()
        ],
        "optional": [{"element": name, "records": optional[name]} for name in OPTIONAL_ELEMENTS],
        "tiers": dict(sorted(tiers.items())),
        "completeness": {
            "mean": round(sum(scores) / total, 1) if total else None,
            "min": min(scores, default=None),
            "max": max(scores, default=None),
        },
        "warnings": [
            {"warning": message, "records": count, "examples": examples[message]}
            for message, count in warnings.most_common(TOP_WARNINGS)
        ],
        "rejected": _rejections(rejected or []),
    }


def _share(count: int, total: int) -> float:
    return round(100 * count / total, 1) if total else 0.0


def _rejections(problems: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The last run's per-record problems grouped by reason, most frequent first."""
    grouped: dict[str, list[str]] = defaultdict(list)
    for problem in problems:
        grouped[str(problem.get("message", ""))].append(str(problem.get("identifier", "")))
    ranked = sorted(grouped.items(), key=lambda item: (-len(item[1]), item[0]))
    return [{"reason": reason, "records": len(ids), "examples": ids[:EXAMPLES]} for reason, ids in ranked]


def for_source(store: Store, source_id: str) -> dict[str, Any]:
    """The quality report of one source, from the store: its live records and its last finished run.

    Raises:
        NotFound: no such source.
    """
    store.sources.get(source_id)
    runs = [r for r in store.sources.runs(source_id, limit=10) if r.get("status") != "running"]
    problems = list(runs[0].get("problems") or []) if runs else []
    return build(store.live_records(source_id), rejected=problems)
