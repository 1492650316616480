"""A source's quality report (:mod:`offerings.store.report`) shaped for the source page.

The HEI reading its source page wants three answers: which Annex I elements its records state (and
how many of them), what is most often wrong, and which records to look at. Pure: the report the API
serves goes in, rows of plain values for ``source.html`` come out, so the page and
``GET /api/v1/sources/{id}`` cannot tell different stories.
"""

from __future__ import annotations

import logging
from typing import Any

from search_ui.labels import humanise, tier_label

__all__ = ["quality_section"]

logger = logging.getLogger(__name__)


def _share(count: int, total: int) -> float:
    # The same rounding as the API's per-field shares, so the page and the JSON agree to the decimal.
    return round(100 * count / total, 1) if total else 0.0


def _element(name: str) -> tuple[str, str]:
    """``"M7 ECTS credits or workload"`` → ``("M7", "ECTS credits or workload")``."""
    code, _, label = name.partition(" ")
    return code, label[:1].upper() + label[1:]


def quality_section(report: dict[str, Any]) -> dict[str, Any]:
    """The report as the template lays it out: Annex I rows with the share carrying each element,
    optional elements, every reported field, commonest warnings and last-harvest rejections."""
    total = int(report.get("records", 0))
    annex = []
    for row in report.get("annex1", []):
        carried = int(row["declared"]) + int(row["derived"])
        code, label = _element(row["element"])
        annex.append(
            {
                "code": code,
                "label": label,
                "records": carried,
                "share": _share(carried, total),
                "declared": row["declared"],
                "derived": row["derived"],
                "missing": row["missing"],
            }
        )
    optional = []
    for row in report.get("optional", []):
        code, label = _element(row["element"])
        optional.append(
            {"code": code, "label": label, "records": row["records"], "share": _share(int(row["records"]), total)}
        )
    fields = [
        {"field": row["field"], "label": humanise(row["field"]), "records": row["records"], "share": row["share"]}
        for row in report.get("fields", [])
    ]
    # Fields no record carries are what the HEI can add; list the best covered first.
    fields.sort(key=lambda row: (-row["records"], row["label"]))
    tiers = [{"tier": tier, "label": tier_label(tier), "records": n} for tier, n in report.get("tiers", {}).items()]
    return {
        "records": total,
        "completeness": report.get("completeness", {}),
        "tiers": sorted(tiers, key=lambda row: -row["records"]),
        "annex": annex,
        "complete": sum(1 for row in annex if row["missing"] == 0),
        "optional": optional,
        "fields": fields,
        "warnings": report.get("warnings", []),
        "rejected": report.get("rejected", []),
    }
