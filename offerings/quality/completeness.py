"""Validation warnings and the completeness score over the Annex I elements (docs/normalisation.md §4).

``assess(offering)`` returns a :class:`Quality`: which of the 9 core Annex I elements are present
(declared, or parsed/inferred), which are missing, the optional and discovery elements present,
the score 0–100 (penalised 3 points a warning, at most 15), the tier and the computed status
(active, inactive, archived). The rules themselves are in :mod:`offerings.quality.validation`. Pure, except
that "today" decides whether runs are past (pass ``today`` for a reproducible answer).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from offerings.model import Offering
from offerings.quality.validation import Issue, validate

__all__ = [
    "CORE_ELEMENTS",
    "DISCOVERY_FIELDS",
    "OPTIONAL_ELEMENTS",
    "Quality",
    "assess",
    "record_status",
    "warnings",
]

# (element, field names that satisfy it), in Annex I order.
CORE_ELEMENTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("M2 title", ("title", "credential_title")),
    ("M3 issuer country", ("issuer_country",)),
    ("M4 awarding body", ("awarding_body",)),
    ("M6 learning outcomes", ("learning_outcomes", "learning_outcome_summary")),
    ("M7 ECTS credits or workload", ("ects_credits", "workload_hours", "ects_range")),
    ("M8 EQF level", ("eqf_level", "nqf_level", "qf_ehea_cycle", "level_not_applicable")),
    ("M9 assessment type", ("assessment_types",)),
    ("M10 mode", ("mode",)),
    ("M11 quality assurance", ("quality_assurance",)),
)
OPTIONAL_ELEMENTS: tuple[str, ...] = (
    "O1 prerequisites",
    "O2 supervision and identity verification",
    "O4 stackability",
    "O5 further information",
)
DISCOVERY_FIELDS: tuple[str, ...] = (
    "languages_of_instruction",
    "dates",
    "price",
    "isced_f",
    "esco_skills",
    "description",
)
TIER_COMPLETE = "annex1_complete"
TIER_DERIVED = "annex1_complete_derived"
TIER_INCOMPLETE = "incomplete"
_CONVERTED = {"converted_from_hours", "converted_from_ects"}


@dataclass(slots=True)
class Quality:
    """The quality block of a record (docs/normalisation.md §2 L)."""

    core_present: int
    core_declared: int
    missing: list[str]
    optional_present: int
    score: int
    tier: str
    warnings: list[str] = field(default_factory=list)
    core: dict[str, str] = field(default_factory=dict)  # element → declared | parsed | missing
    optional_missing: list[str] = field(default_factory=list)
    discovery_present: list[str] = field(default_factory=list)
    status: str = "active"
    issues: list[Issue] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The JSON the store keeps beside the record (and the API shows as ``quality``)."""
        return {
            "core_present": self.core_present,
            "core_declared": self.core_declared,
            "core_total": len(CORE_ELEMENTS),
            "core": dict(self.core),
            "missing": list(self.missing),
            "optional_present": self.optional_present,
            "optional_missing": list(self.optional_missing),
            "discovery_present": list(self.discovery_present),
            "score": self.score,
            "tier": self.tier,
            "status": self.status,
            "warnings": list(self.warnings),
        }


def _has(offering: Offering, name: str) -> bool:
    value = getattr(offering, name)
    if name == "quality_assurance":
        return any(q.basis == "declared" for q in value)
    return value not in (None, False, "", [], {})


def _declared(offering: Offering, name: str) -> bool:
    """Taken from a structured field of the source: no provenance, or provenance ``declared`` (V22)."""
    prov = offering.field_provenance.get(name)
    if prov is not None and prov.method != "declared":
        return False
    # Values obtained by conversion never count as declared, whatever the provenance says.
    return not (name in ("ects_credits", "workload_hours", "ects_range") and offering.workload_basis in _CONVERTED)


def _element(offering: Offering, names: tuple[str, ...]) -> str:
    present = [n for n in names if _has(offering, n)]
    if not present:
        return "missing"
    return "declared" if any(_declared(offering, n) for n in present) else "parsed"


def warnings(offering: Offering) -> list[str]:
    """Validation warnings (§4.1 W rules, plus what the crosswalk had to drop), as ``"V8 field: message"``."""
    return [str(i) for i in validate(offering) if i.severity == "warning"]


def _optional(o: Offering) -> dict[str, bool]:
    return {
        "O1 prerequisites": bool(o.prerequisites or o.prerequisites_none or o.required_competencies),
        "O2 supervision and identity verification": bool(o.supervision_id_verification),
        "O4 stackability": bool(o.stackability),
        "O5 further information": bool(o.record_url and (o.further_information or o.supplementary_documents)),
    }


def _discovery(o: Offering) -> dict[str, bool]:
    return {
        "languages_of_instruction": bool(o.languages_of_instruction),
        "dates": any(i.start_date for i in o.instances) or o.enrolment_model in ("rolling", "on_demand"),
        "price": bool(o.all_prices()) or o.is_free is not None,
        "isced_f": bool(o.isced_f),
        "esco_skills": bool(o.esco_skills) or any(lo.esco_skills for lo in o.learning_outcomes),
        "description": bool(o.description),
    }


def record_status(offering: Offering, today: date | None = None) -> str:
    """``active`` (a current or future run, or rolling enrolment), ``inactive`` or ``archived`` (V21)."""
    today = today or date.today()
    if offering.deleted:
        return "archived"
    if offering.enrolment_model in ("rolling", "on_demand"):
        return "active"
    ends = [i.end_date or i.start_date for i in offering.instances if i.end_date or i.start_date]
    if not ends:
        return "active"
    last = max(d for d in ends if d)
    if last >= today:
        return "active"
    return "archived" if last < today - timedelta(days=365) else "inactive"


def assess(offering: Offering, *, today: date | None = None, issues: Sequence[Issue] | None = None) -> Quality:
    """Completeness over the Annex I elements, the 0–100 score and the tier of §4.2.

    ``issues`` is what :func:`~offerings.quality.validation.validate` found for this offering today, when
    the caller has it (a harvested record carries it from :func:`offerings.normalise.check`); otherwise
    the offering is validated here.
    """
    core: dict[str, str] = {element: _element(offering, names) for element, names in CORE_ELEMENTS}
    declared = sum(state == "declared" for state in core.values())
    present = sum(state != "missing" for state in core.values())
    weighted = declared + 0.6 * (present - declared)
    optional = _optional(offering)
    discovery = _discovery(offering)
    issues = validate(offering, today=today) if issues is None else list(issues)
    found = [str(i) for i in issues if i.severity == "warning"]
    # V25 (the LOQ shapes an ELM record breaks) is shown, not penalised: its violations are mostly
    # elements the score already counts as missing (ISCED-F, languages, outcomes), and would count twice.
    penalised = sum(i.severity == "warning" and i.rule != "V25" for i in issues)
    score = round(
        100 * (0.60 * weighted / 9 + 0.15 * sum(optional.values()) / 4 + 0.25 * sum(discovery.values()) / 6)
    ) - min(15, 3 * penalised)
    if present == len(CORE_ELEMENTS):
        tier = TIER_COMPLETE if declared == len(CORE_ELEMENTS) else TIER_DERIVED
    else:
        tier = TIER_INCOMPLETE
    return Quality(
        core_present=present,
        core_declared=declared,
        missing=[element for element, state in core.items() if state == "missing"],
        optional_present=sum(optional.values()),
        score=max(0, score),
        tier=tier,
        warnings=found,
        core=core,
        optional_missing=[name for name, ok in optional.items() if not ok],
        discovery_present=[name for name, ok in discovery.items() if ok],
        status=record_status(offering, today),
        issues=issues,
    )
