"""The offering page as a credit supplement: one row per Annex I element, in the Recommendation's order.

Pure: turns an :class:`~offerings.model.Offering` into rows of plain strings that the template
lays out. An element the provider did not give has no values, and the template says "not stated".
Values that were parsed from text or inferred carry a note saying so, because a learner weighing
an offering should know which statements are the provider's own.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _

from offerings.model import Offering, Organisation, pick_text
from search_ui.labels import assessment_label, code_label, long_date, money, number
from search_ui.provenance import describe

__all__ = ["Row", "annex_rows", "instance_rows", "price_lines", "provenance_notes"]

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class Row:
    """One element of the supplement: its Annex I code, label, values and how we came by them."""

    code: str
    label: str
    values: list[str] = field(default_factory=list)
    link: str | None = None
    fields: tuple[str, ...] = ()
    note: str | None = None


def _org(org: Organisation, lang: str | None) -> str:
    name = pick_text(org.name, lang) or _("(name not given)")
    return f"{name} ({code_label('country', org.country)})" if org.country else name


def _note(offering: Offering, fields: tuple[str, ...]) -> str | None:
    """How the row's values were come by, when not read from a structured field: each mark with its basis."""
    marks = [offering.field_provenance[f] for f in fields if f in offering.field_provenance]
    notes = [n for n in (describe(m) for m in marks) if n]
    return "; ".join(dict.fromkeys(notes)) or None


def _workload(o: Offering) -> list[str]:
    found = []
    if o.ects_credits is not None:
        found.append(_("%(credits)s ECTS credits", credits=number(o.ects_credits)))
    if o.workload_hours is not None:
        found.append(_("%(hours)s hours of notional learning", hours=number(o.workload_hours)))
    return found


def _level(o: Offering) -> list[str]:
    if o.eqf_level is not None:
        return [_("EQF level %(level)s", level=o.eqf_level)]
    if o.level_not_applicable:
        return [_("No qualifications framework level applies")]
    return []


def _outcomes(o: Offering, lang: str | None) -> list[str]:
    listed = [pick_text(lo.text, lang) for lo in o.learning_outcomes]
    return [t for t in listed if t] or [t for t in [pick_text(o.learning_outcome_summary, lang)] if t]


def _assessment(o: Offering, lang: str | None) -> list[str]:
    found = [assessment_label(code) for code in o.assessment_types]
    text = pick_text(o.assessment_description, lang)
    return found + ([text] if text else [])


def _quality_assurance(o: Offering, lang: str | None) -> list[str]:
    found = []
    for qa in o.quality_assurance:
        label = code_label("qa_type", qa.type)
        if qa.basis != "declared":
            label += " " + _("(from a public register, not stated by the provider)")
        text = pick_text(qa.description, lang)
        found.append(f"{label}: {text}" if text else label)
    return found


def annex_rows(o: Offering) -> list[Row]:
    """Every Annex I element an offering can carry (M1, M5 and O3 describe an issued credential, not an offering)."""
    lang = o.default_language
    awarding = o.awarding_body or []
    rows = [
        Row("M2", _("Title"), [o.main_title] if o.main_title else [], fields=("title",)),
        Row(
            "M3",
            _("Country of the awarding body"),
            [code_label("country", c) for c in o.issuer_country],
            fields=("issuer_country",),
        ),
        Row("M4", _("Awarding body"), [_org(a, lang) for a in awarding], fields=("awarding_body",)),
        Row("M6", _("Learning outcomes"), _outcomes(o, lang), fields=("learning_outcomes", "learning_outcome_summary")),
        Row(
            "M7",
            _("Notional workload (ECTS credits or hours)"),
            _workload(o),
            fields=("ects_credits", "workload_hours"),
        ),
        Row("M8", _("Level (EQF)"), _level(o), fields=("eqf_level", "level_not_applicable")),
        Row("M9", _("Type of assessment"), _assessment(o, lang), fields=("assessment_types", "assessment_description")),
        Row("M10", _("Form of participation"), [code_label("mode", m) for m in o.mode], fields=("mode",)),
        Row("M11", _("Quality assurance"), _quality_assurance(o, lang), fields=("quality_assurance",)),
        Row("O1", _("Prerequisites"), [t for t in [pick_text(o.prerequisites, lang)] if t], fields=("prerequisites",)),
        Row(
            "O2",
            _("Supervision and identity verification"),
            [code_label("supervision", o.supervision_id_verification)] if o.supervision_id_verification else [],
            fields=("supervision_id_verification",),
        ),
        Row(
            "O4",
            _("Integration and stackability"),
            [code_label("stackability", o.stackability)] if o.stackability else [],
            fields=("stackability",),
        ),
        Row(
            "O5",
            _("Further information"),
            [o.record_url] if o.record_url else [],
            link=o.record_url,
            fields=("record_url",),
        ),
    ]
    for row in rows:
        row.note = _note(o, row.fields)
    return rows


def instance_rows(o: Offering) -> list[dict[str, str]]:
    """The runs of an offering, earliest first, as display strings."""
    runs = sorted(o.instances, key=lambda i: (i.start_date is None, i.start_date or date.min))
    return [
        {
            "start": long_date(i.start_date),
            "end": long_date(i.end_date),
            "deadline": long_date(i.application_deadline),
            "location": i.location or "",
            "price": "; ".join(_price(p.amount, p.currency, pick_text(p.label)) for p in i.price),
        }
        for i in runs
    ]


def _price(amount: float, currency: str, label: str) -> str:
    text = _("Free") if amount == 0 else money(amount, currency)
    return f"{text} ({label})" if label else text


def price_lines(o: Offering) -> list[str]:
    """The fees (offering-level, else per run, without repeats), or "Free" when it says so and lists none."""
    prices = o.price or [p for i in o.instances for p in i.price]
    lines = list(dict.fromkeys(_price(p.amount, p.currency, pick_text(p.label, o.default_language)) for p in prices))
    if not lines and o.is_free:
        lines = [_("Free")]
    return lines


def provenance_notes(o: Offering) -> list[tuple[str, str]]:
    """(field, note) for every value the catalogue parsed, inferred or enriched rather than read as declared."""
    notes = ((name, describe(p)) for name, p in sorted(o.field_provenance.items()))
    return [(name, note) for name, note in notes if note]
