"""Human labels for codes (country, language, mode, assessment …) and the Jinja filters that use them.

The index and the API speak codes; people read labels. British spelling throughout.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from flask import Flask, has_request_context
from flask_babel import force_locale, format_currency, format_date, format_decimal, gettext
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from indexer.base import FacetValue
from offerings.quality.completeness import TIER_COMPLETE, TIER_DERIVED, TIER_INCOMPLETE
from offerings.vocab.isced import isced_f_label
from search_ui.i18n import country_name, language_name
from search_ui.problems import is_api_request

__all__ = [
    "FACET_TITLES",
    "assessment_label",
    "code_label",
    "init_app",
    "interval",
    "long_date",
    "number",
    "relabel_facets",
    "kind_label",
    "safe_highlight",
    "status_label",
    "tier_label",
]

logger = logging.getLogger(__name__)

FACET_TITLES: dict[str, Any] = {
    "country": _l("Country"),
    "provider": _l("Provider"),
    "eqf_level": _l("EQF level"),
    "language": _l("Language of instruction"),
    "mode": _l("Mode of study"),
    "schedule": _l("Schedule"),
    "isced_f": _l("Field of education"),
    "credential_type": _l("Credential"),
    "qa_type": _l("Quality assurance"),
    "source": _l("Source"),
    "tier": _l("Record completeness"),
    "esco_skill": _l("Skills (ESCO)"),
}
TIERS: dict[str, Any] = {
    TIER_COMPLETE: _l("EU Annex I complete"),
    TIER_DERIVED: _l("EU Annex I complete (partly derived)"),
    TIER_INCOMPLETE: _l("Incomplete"),
}
# ELM assessment vocabulary (docs/normalisation.md §1.3.1) plus the catalogue's own extensions.
ASSESSMENTS: dict[str, Any] = {
    "peer_assessment": _l("Peer assessment"),
    "marked_assignment": _l("Marked assignment"),
    "continuous_evaluation": _l("Continuous evaluation"),
    "portfolio": _l("Portfolio"),
    "group_performance": _l("Group performance"),
    "practical_assessment": _l("Practical assessment"),
    "written_examination": _l("Written examination"),
    "level_of_attendance": _l("Level of attendance"),
    "project_work": _l("Project work"),
    "peer_review": _l("Peer review"),
    "quiz": _l("Quiz"),
    "problem_based_learning": _l("Problem-based learning"),
    "oral_examination": _l("Oral examination"),
    "artefact_assessment": _l("Artefact assessment"),
    "recognition_of_prior_learning": _l("Recognition of prior learning"),
    "none": _l("None (attendance only)"),
}
QA_TYPES: dict[str, Any] = {
    "internal_institutional": _l("Internal quality assurance of the institution"),
    "external_institutional": _l("External quality assurance of the institution"),
    "external_programme": _l("External accreditation or evaluation of the programme"),
    "licence": _l("Licence"),
    "professional_recognition": _l("Professional recognition"),
    "other": _l("Other"),
    "unknown": _l("Unknown"),
}
STACKABILITY: dict[str, Any] = {
    "stand_alone": _l("Stand-alone"),
    "integrated": _l("Part of a larger programme"),
    "stackable": _l("Can be stacked towards another credential"),
}
# Annex I O2: how the assessment is supervised and the learner's identity verified (schemes.SUPERVISION).
SUPERVISION: dict[str, Any] = {
    "unsupervised_no_id": _l("Unsupervised, no identity verification"),
    "supervised_no_id": _l("Supervised, no identity verification"),
    "supervised_with_id": _l("Supervised with identity verification"),
    "supervised_with_id_online": _l("Supervised online with identity verification"),
    "supervised_with_id_onsite": _l("Supervised on site with identity verification"),
}
CREDENTIAL_TYPES: dict[str, Any] = {
    "micro_credential": _l("Micro-credential"),
    "certificate": _l("Certificate"),
    "certificate_of_participation": _l("Certificate of participation"),
    "digital_badge": _l("Digital badge"),
    "diploma_or_degree": _l("Diploma or degree"),
    "none": _l("No credential"),
    "other": _l("Other"),
}
PROVENANCE: dict[str, Any] = {
    "parsed": _l("parsed from the provider's text"),
    "inferred": _l("inferred by the catalogue"),
    "enriched": _l("added by the catalogue from another register"),
}
# The codes of offerings.vocab (MODES, SCHEDULES) with their English labels marked for translation.
MODES: dict[str, Any] = {
    "online": _l("Online"),
    "onsite": _l("On site"),
    "blended": _l("Blended"),
    "work_based": _l("Work-based"),
    "project_based": _l("Project-based"),
    "research_lab_based": _l("Research or lab-based"),
}
SCHEDULES: dict[str, Any] = {
    "full_time": _l("Full time"),
    "part_time": _l("Part time"),
    "self_paced": _l("Self-paced"),
    "part_time_intensive": _l("Part time, intensive"),
    "part_time_light": _l("Part time, light"),
    "flexible": _l("Flexible"),
}
# The engine wraps matches in <mark>…</mark>; after escaping, only those tags are turned back.
_ESCAPED_MARK = re.compile(r"&lt;(/?)mark&gt;")


def humanise(code: str) -> str:
    """``written_examination`` → ``Written examination``: the fallback for codes we have no label for."""
    text = code.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def assessment_label(code: str) -> str:
    """Label of an assessment-type code."""
    return str(ASSESSMENTS.get(code) or humanise(code))


def tier_label(tier: str | None) -> str:
    """Label of a completeness tier."""
    return str(TIERS.get(tier or "", humanise(tier or "unknown")))


# A source's lifecycle state and a harvest run's outcome, as the HTML pages show them (the API keeps the codes).
STATUSES: dict[str, Any] = {
    "pending": _l("pending"),
    "verified": _l("verified"),
    "active": _l("active"),
    "failing": _l("failing"),
    "suspended": _l("suspended"),
    "removed": _l("removed"),
    "running": _l("running"),
    "success": _l("success"),
    "partial": _l("partial"),
    "failed": _l("failed"),
    "interrupted": _l("interrupted"),
}

# The kinds of problem a reader may report (offerings.store.problem_reports.CATEGORIES), for the report form.
PROBLEM_CATEGORIES: dict[str, Any] = {
    "wrong-details": _l("The details are wrong"),
    "dead-link": _l("The link does not work"),
    "cancelled": _l("The course is cancelled"),
    "not-a-micro-credential": _l("This is not a micro-credential"),
    "other": _l("Something else"),
}


# A source's kind (harvesters.registration.KINDS), as the HTML pages show it.
KINDS: dict[str, Any] = {
    "auto": _l("detect it for me"),
    "oai": "OAI-PMH",
    "feed": _l("catalogue file"),
    "web": _l("web pages"),
}


def kind_label(kind: str | None) -> str:
    """Label of a source kind in the UI language (the code itself when unknown)."""
    return str(KINDS.get(kind or "", kind or ""))


def status_label(status: str | None) -> str:
    """Label of a source status or harvest-run outcome in the UI language (the code itself when unknown)."""
    return str(STATUSES.get(status or "", status or ""))


def code_label(field: str, value: object) -> str:
    """Label of one value of a facet field (the code itself when nothing better is known)."""
    text = str(value)
    if has_request_context() and is_api_request():  # the API speaks English, whatever the browser asks
        with force_locale("en_GB"):
            return _label(field, text)
    return _label(field, text)


def _label(field: str, text: str) -> str:
    if field == "country":
        return country_name(text)
    if field == "language":
        return language_name(text)
    if field == "eqf_level":
        return gettext("EQF level %(level)s", level=text)
    table: Mapping[str, Any] | None = {
        "mode": MODES,
        "schedule": SCHEDULES,
        "credential_type": CREDENTIAL_TYPES,
        "qa_type": QA_TYPES,
        "stackability": STACKABILITY,
        "supervision": SUPERVISION,
    }.get(field)
    if table is not None:
        return str(table.get(text) or humanise(text))
    if field == "tier":
        return tier_label(text)
    if field == "assessment":
        return assessment_label(text)
    if field == "isced_f":
        # English: no maintained package carries ISCED-F's German and French labels (see offerings/vocab/isced.py).
        return isced_f_label(text)
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
        amount = float(value)
    except (TypeError, ValueError):
        return str(value)
    return (
        str(format_decimal(amount, format="#,##0.###"))
        if has_request_context() and not is_api_request()
        else f"{amount:g}"
    )


def interval(seconds: float | int | None) -> str:
    """``86400`` → ``1 day``, ``21600`` → ``6 hours``: how often a source is harvested."""
    if not seconds:
        return ""
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size and seconds % size == 0:
            count = int(seconds // size)
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return f"{seconds:g} seconds"


def money(amount: float, currency: str) -> str:
    """``1200, "EUR"`` → ``€1,200.00`` (or ``1.200,00 €`` in German): a fee in the UI's locale."""
    if not has_request_context() or is_api_request():
        return f"{amount:,.2f} {currency}"
    return str(format_currency(amount, currency or "EUR"))


def long_date(value: str | date | None) -> str:
    """``2026-03-02`` → ``2 March 2026`` (British order); anything unparsable is shown as given."""
    if not value:
        return ""
    try:
        day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    except ValueError:
        return str(value)
    return (
        str(format_date(day, format="long"))
        if has_request_context() and not is_api_request()
        else f"{day.day} {day:%B %Y}"
    )


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
    app.add_template_filter(status_label, "status_label")
    app.add_template_filter(kind_label, "kind_label")
    # A value, not a function: add_template_global is for callables, the Jinja globals take anything.
    app.jinja_env.globals["FACET_TITLES"] = FACET_TITLES
