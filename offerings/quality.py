"""Validation warnings and the completeness score over the Annex I elements (metadata-standard.md §4).

``assess(offering)`` returns a :class:`Quality`: which of the 9 core Annex I elements are present
(declared, or parsed/inferred), which are missing, the optional elements present, the score 0–100
and the tier. Pure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from offerings.model import Offering

__all__ = ["CORE_ELEMENTS", "Quality", "assess", "warnings"]

# (element, field names that satisfy it), in Annex I order.
CORE_ELEMENTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("M2 title", ("title",)),
    ("M3 issuer country", ("issuer_country",)),
    ("M4 awarding body", ("awarding_body",)),
    ("M6 learning outcomes", ("learning_outcomes", "learning_outcome_summary")),
    ("M7 ECTS credits or workload", ("ects_credits", "workload_hours")),
    ("M8 EQF level", ("eqf_level", "level_not_applicable")),
    ("M9 assessment type", ("assessment_types",)),
    ("M10 mode", ("mode",)),
    ("M11 quality assurance", ("quality_assurance",)),
)
TIER_COMPLETE = "annex1_complete"
TIER_DERIVED = "annex1_complete_derived"
TIER_INCOMPLETE = "incomplete"


@dataclass(slots=True)
class Quality:
    """The quality block of a record (metadata-standard §2 L)."""

    core_present: int
    core_declared: int
    missing: list[str]
    optional_present: int
    score: int
    tier: str
    warnings: list[str] = field(default_factory=list)


def _has(offering: Offering, name: str) -> bool:
    value = getattr(offering, name)
    if name == "quality_assurance":
        return any(q.basis == "declared" for q in value)
    return value not in (None, False, "", [], {})


def _declared(offering: Offering, names: tuple[str, ...]) -> bool:
    for name in names:
        if _has(offering, name):
            prov = offering.field_provenance.get(name)
            if prov is None or prov.method == "declared":
                return True
    return False


def warnings(offering: Offering) -> list[str]:
    """Validation warnings (§4.1, the W rules that apply to the fields the model has)."""
    found: list[str] = []
    title = offering.main_title
    if title and title.isupper() and len(title) > 8:
        found.append("title: all upper case")
    if re.search(r"<[a-zA-Z/][^>]*>", title):
        found.append("title: contains HTML")
    if not offering.languages_of_instruction:
        found.append("languages_of_instruction: missing")
    if offering.ects_credits is not None:
        if offering.ects_credits > 30:
            found.append("ects_credits: large for a micro-credential (> 30)")
        if offering.workload_hours:
            ratio = offering.workload_hours / offering.ects_credits if offering.ects_credits else 0
            if not 20 <= ratio <= 35:
                found.append("workload_hours: not 20–35 hours per ECTS credit")
    if not offering.mode:
        found.append("mode: missing")
    for instance in offering.instances:
        if instance.start_date and instance.end_date and instance.end_date < instance.start_date:
            found.append("instances.end_date: before start_date")
    if offering.description and title and title in offering.description.values():
        found.append("description: equals the title")
    return found


def assess(offering: Offering) -> Quality:
    """Completeness over the Annex I elements and the 0–100 score of §4.2."""
    core = 0.0
    present = declared = 0
    missing: list[str] = []
    for element, names in CORE_ELEMENTS:
        if any(_has(offering, n) for n in names):
            present += 1
            if _declared(offering, names):
                declared += 1
                core += 1.0
            else:
                core += 0.6
        else:
            missing.append(element)
    optional = sum(
        (
            bool(offering.prerequisites),
            False,  # O2 supervision/ID verification: not in the model yet
            bool(offering.stackability),
            bool(offering.record_url),
        )
    )
    discovery = sum(
        (
            bool(offering.languages_of_instruction),
            any(i.start_date for i in offering.instances),
            bool(offering.all_prices()) or offering.is_free is not None,
            bool(offering.isced_f),
            any(lo.esco_skills for lo in offering.learning_outcomes),
            bool(offering.description),
        )
    )
    found = warnings(offering)
    score = round(100 * (0.60 * core / 9 + 0.15 * optional / 4 + 0.25 * discovery / 6)) - min(15, 3 * len(found))
    if present == 9:
        tier = TIER_COMPLETE if declared == 9 else TIER_DERIVED
    else:
        tier = TIER_INCOMPLETE
    return Quality(
        core_present=present,
        core_declared=declared,
        missing=missing,
        optional_present=optional,
        score=max(0, score),
        tier=tier,
        warnings=found,
    )
