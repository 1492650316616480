"""Human labels for codes (country, language, mode, assessment …) and the Jinja filters that use them.

The index and the API speak codes; people read labels. British spelling throughout.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Mapping
from datetime import date

from flask import Flask
from markupsafe import Markup, escape

from indexer.base import FacetValue
from offerings import vocab
from offerings.quality.completeness import TIER_COMPLETE, TIER_DERIVED, TIER_INCOMPLETE

__all__ = [
    "FACET_TITLES",
    "assessment_label",
    "code_label",
    "init_app",
    "interval",
    "long_date",
    "number",
    "relabel_facets",
    "safe_highlight",
    "tier_label",
]

logger = logging.getLogger(__name__)

FACET_TITLES: dict[str, str] = {
    "country": "Country",
    "provider": "Provider",
    "eqf_level": "EQF level",
    "language": "Language of instruction",
    "mode": "Mode of study",
    "schedule": "Schedule",
    "isced_f": "Field of education",
    "credential_type": "Credential",
    "qa_type": "Quality assurance",
    "source": "Source",
    "tier": "Record completeness",
}
TIERS: dict[str, str] = {
    TIER_COMPLETE: "EU Annex I complete",
    TIER_DERIVED: "EU Annex I complete (partly derived)",
    TIER_INCOMPLETE: "Incomplete",
}
# ELM assessment vocabulary (docs/normalisation.md §1.3.1) plus the catalogue's own extensions.
ASSESSMENTS: dict[str, str] = {
    "peer_assessment": "Peer assessment",
    "marked_assignment": "Marked assignment",
    "continuous_evaluation": "Continuous evaluation",
    "portfolio": "Portfolio",
    "group_performance": "Group performance",
    "practical_assessment": "Practical assessment",
    "written_examination": "Written examination",
    "level_of_attendance": "Level of attendance",
    "project_work": "Project work",
    "peer_review": "Peer review",
    "quiz": "Quiz",
    "problem_based_learning": "Problem-based learning",
    "oral_examination": "Oral examination",
    "artefact_assessment": "Artefact assessment",
    "recognition_of_prior_learning": "Recognition of prior learning",
    "none": "None (attendance only)",
}
QA_TYPES: dict[str, str] = {
    "internal_institutional": "Internal quality assurance of the institution",
    "external_institutional": "External quality assurance of the institution",
    "external_programme": "External accreditation or evaluation of the programme",
    "licence": "Licence",
    "professional_recognition": "Professional recognition",
    "other": "Other",
    "unknown": "Unknown",
}
STACKABILITY: dict[str, str] = {
    "stand_alone": "Stand-alone",
    "integrated": "Part of a larger programme",
    "stackable": "Can be stacked towards another credential",
}
CREDENTIAL_TYPES: dict[str, str] = {
    "micro_credential": "Micro-credential",
    "certificate": "Certificate",
    "certificate_of_participation": "Certificate of participation",
    "digital_badge": "Digital badge",
    "diploma_or_degree": "Diploma or degree",
    "none": "No credential",
    "other": "Other",
}
PROVENANCE: dict[str, str] = {
    "parsed": "parsed from the provider's text",
    "inferred": "inferred by the catalogue",
    "enriched": "added by the catalogue from another register",
}
# The engine wraps matches in <mark>…</mark>; after escaping, only those tags are turned back.
_ESCAPED_MARK = re.compile(r"&lt;(/?)mark&gt;")


def humanise(code: str) -> str:
    """``written_examination`` → ``Written examination``: the fallback for codes we have no label for."""
    text = code.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def assessment_label(code: str) -> str:
    """Label of an assessment-type code."""
    return ASSESSMENTS.get(code) or humanise(code)


def tier_label(tier: str | None) -> str:
    """Label of a completeness tier."""
    return TIERS.get(tier or "", humanise(tier or "unknown"))


def code_label(field: str, value: object) -> str:
    """Label of one value of a facet field (the code itself when nothing better is known)."""
    text = str(value)
    if field == "country":
        return vocab.country_label(text)
    if field == "language":
        return vocab.language_label(text)
    if field == "mode":
        return vocab.mode_label(text)
    if field == "schedule":
        return vocab.SCHEDULES.get(text, (humanise(text), None))[0]
    if field == "eqf_level":
        return f"EQF level {text}"
    if field == "credential_type":
        return CREDENTIAL_TYPES.get(text) or humanise(text)
    if field == "qa_type":
        return QA_TYPES.get(text) or humanise(text)
    if field == "tier":
        return tier_label(text)
    if field == "stackability":
        return STACKABILITY.get(text) or humanise(text)
    if field == "assessment":
        return assessment_label(text)
    return text


def relabel_facets(
    facets: dict[str, list[FacetValue]], source_names: Mapping[str, str | None]
) -> dict[str, list[FacetValue]]:
    """Facet values with readable labels where the engine only echoed the code (schedule, QA type, source …)."""
    relabelled: dict[str, list[FacetValue]] = {}
    for name, values in facets.items():
        relabelled[name] = [FacetValue(v.value, _facet_label(name, v, source_names), v.count) for v in values]
    return relabelled


def _facet_label(name: str, value: FacetValue, source_names: Mapping[str, str | None]) -> str:
    if name == "source":
        return source_names.get(value.value) or value.value
    if value.label and value.label != value.value and name != "eqf_level":
        return value.label
    return code_label(name, value.value)


def number(value: float | int | None) -> str:
    """``5.0`` → ``5``, ``2.5`` → ``2.5``: credits as people write them."""
    if value is None or value == "":
        return ""
    try:
        return f"{float(value):g}"
    except (TypeError, ValueError):
        return str(value)


def interval(seconds: float | int | None) -> str:
    """``86400`` → ``1 day``, ``21600`` → ``6 hours``: how often a source is harvested."""
    if not seconds:
        return ""
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size and seconds % size == 0:
            count = int(seconds // size)
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return f"{seconds:g} seconds"


def long_date(value: str | date | None) -> str:
    """``2026-03-02`` → ``2 March 2026`` (British order); anything unparsable is shown as given."""
    if not value:
        return ""
    try:
        day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    except ValueError:
        return str(value)
    return f"{day.day} {day:%B %Y}"


def safe_highlight(snippet: str | None) -> Markup:
    """An engine snippet as safe HTML in which only ``<mark>`` and ``</mark>`` survive.

    Engines differ (the SQLite engine escapes its snippets, Elasticsearch by default does not), so
    the snippet is unescaped once to plain text, escaped completely, and only the mark tags restored.
    """
    if not snippet:
        return Markup("")
    text = html.unescape(str(snippet))
    return Markup(_ESCAPED_MARK.sub(r"<\1mark>", str(escape(text))))


def _labels(values: object, field: str) -> str:
    if values is None or values == "":
        return ""
    items = values if isinstance(values, (list, tuple)) else [values]
    return ", ".join(code_label(field, v) for v in items)


def init_app(app: Flask) -> None:
    """Register the Jinja filters used by the templates, and the facet titles as a template global."""
    app.add_template_filter(_labels, "labels")
    app.add_template_filter(long_date, "long_date")
    app.add_template_filter(number, "number")
    app.add_template_filter(interval, "interval")
    app.add_template_filter(safe_highlight, "highlight")
    app.add_template_filter(tier_label, "tier_label")
    # A value, not a function: add_template_global is for callables, the Jinja globals take anything.
    app.jinja_env.globals["FACET_TITLES"] = FACET_TITLES
