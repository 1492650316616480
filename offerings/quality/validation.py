"""The validation rules of docs/normalisation.md §4.1 over a normalised Offering.

:func:`validate` returns every :class:`Issue` found: errors (E, the record is rejected and the
harvester reports why) and warnings (W, the record is kept, flagged and its score penalised).
:func:`reject_invalid` raises :class:`~offerings.errors.CrosswalkError` on the first error, which is
how every crosswalk in ``CROSSWALKS`` refuses a record. Messages name the rule and the field and
carry no record-specific values, so a source's quality report can count them. Pure, except that V12
reads the pinned ESCO version (:func:`offerings.vocab.esco.pinned`, set from ``quality.esco_skills``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Literal

import pycountry

from offerings import vocab
from offerings.errors import CrosswalkError
from offerings.model import LangMap, Offering, Organisation
from offerings.text.dates import duration_days, parse_iso_duration
from offerings.text.units import is_personal_email
from offerings.vocab import esco, schemes
from offerings.vocab.isced import ISCED_F

__all__ = [
    "LANDING_FAILURES",
    "LANDING_ISSUE",
    "Issue",
    "landing_issue",
    "reject_invalid",
    "validate",
]

Severity = Literal["error", "warning"]
_URL = re.compile(r"https?://[^\s/$.?#][^\s]*", re.IGNORECASE)
_HTML = re.compile(r"<[a-zA-Z/][^>]*>")
_PATTERNS = {
    "erasmus_code": re.compile(r"([A-Z] |[A-Z]{2} |[A-Z]{3})[A-Z-]{1,8}[0-9]{2}"),
    "ror": re.compile(r"https://ror\.org/0[a-z0-9]{6}[0-9]{2}"),
    "pic": re.compile(r"\d{9}"),
    "erasmus_oid": re.compile(r"E\d{8}"),
    "deqar": re.compile(r"DEQARINST\d+"),
}
_ESCO_SKILL = re.compile(r"http://data\.europa\.eu/esco/skill/[0-9a-f-]{36}")
# Countries a European catalogue expects (EEA, Switzerland, UK and the other EHEA members); others warn.
_EHEA = set(
    "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE IS LI NO CH GB AL AD AM AZ "
    "BA GE VA KZ MD ME MK RS TR UA FO".split()
)


@dataclass(slots=True, frozen=True)
class Issue:
    """One broken rule: its number in §4.1, the field, a fixed message and the severity."""

    rule: str
    field: str
    message: str
    severity: Severity = "warning"

    def __str__(self) -> str:
        return f"{self.rule} {self.field}: {self.message}"


@lru_cache(maxsize=1024)
def _known(database: str, key: str, code: str) -> bool:
    """Whether pycountry's ``database`` has an entry with ``key`` = ``code``; remembered, because every
    record of a harvest asks about the same few codes and pycountry's lookup is slow for that."""
    return getattr(pycountry, database).get(**{key: code}) is not None


def _lang_keys_ok(text: LangMap) -> bool:
    return all(key == "und" or (len(key) == 2 and _known("languages", "alpha_2", key)) for key in text)


def _langmaps(o: Offering) -> list[LangMap]:
    maps = [
        o.title,
        o.description,
        o.credential_title,
        o.learning_outcome_summary,
        o.assessment_description,
        o.prerequisites,
        o.further_information,
        o.schedule_info,
        o.admission_procedure,
        o.grading_scheme,
        o.level_text,
        o.recognition_info,
        *o.alternative_titles,
    ]
    maps += [lo.text for lo in o.learning_outcomes]
    maps += [org.name for org in (*o.provider, *o.awarding_body)]
    return maps


def validate(offering: Offering, *, today: date | None = None) -> list[Issue]:
    """Every §4.1 issue of ``offering`` (a tombstone has none): errors first, then warnings."""
    if offering.deleted:
        return []
    issues: list[Issue] = []
    for check in (
        _identity,
        _title,
        _url,
        _langmap_rules,
        _languages,
        _countries,
        _org_ids,
        _credits,
        _level,
        _isced,
        _skills,
        _codes,
        _prices,
        _outcomes,
        _mode,
        _micro_credential,
        _text,
        _contact,
    ):
        issues.extend(check(offering))
    issues.extend(_dates(offering, today or date.today()))
    issues.extend(_durations(offering))
    issues.extend(Issue("V0", "crosswalk", message) for message in offering.crosswalk_warnings)
    return sorted(issues, key=lambda i: i.severity != "error")


def reject_invalid(offering: Offering, *, today: date | None = None) -> list[Issue]:
    """Every issue of ``offering`` (:func:`validate`) when it breaks no error rule.

    The list goes on with the offering (:class:`offerings.normalise.Normalised`) to the store's quality
    score, so that a record is validated once on its way in.

    Raises:
        CrosswalkError: the first error, as ``"V8 ects_credits: more than 60"`` with ``field`` set.
    """
    issues = validate(offering, today=today)
    for issue in issues:
        if issue.severity == "error":
            raise CrosswalkError(f"rejected: {issue}", field=issue.field)
    return issues


def _error(rule: str, field: str, message: str) -> Issue:
    return Issue(rule, field, message, "error")


def _identity(o: Offering) -> list[Issue]:
    names = ("record_id", "source_id", "source_format", "original_identifier")
    issues = [_error("V1", name, "missing") for name in names if not getattr(o, name)]
    if not o.harvest_datestamp:
        issues.append(Issue("V1", "harvest_datestamp", "missing"))
    return issues


def _title(o: Offering) -> list[Issue]:
    values = [v for v in o.title.values() if v] or [v for v in o.credential_title.values() if v]
    if not values:
        return [_error("V2", "title", "missing")]
    issues: list[Issue] = []
    if any(len(v.strip()) < 3 for v in values):
        issues.append(_error("V2", "title", "shorter than 3 characters"))
    if any(len(v) > 300 for v in values):
        issues.append(_error("V2", "title", "longer than 300 characters"))
    if any(_HTML.search(v) for v in values):
        issues.append(Issue("V2", "title", "contains HTML"))
    if any(v.isupper() and len(v) > 8 for v in values):
        issues.append(Issue("V2", "title", "all upper case"))
    return issues


def _url(o: Offering) -> list[Issue]:
    if not o.record_url:
        return [Issue("V3", "record_url", "missing")]
    if not _URL.fullmatch(o.record_url.strip()):
        return [_error("V3", "record_url", "not an absolute http(s) URL")]
    return []


# V3's periodic part: the landing page failed this many checks in a row (harvesters/landing.py checks after each
# scheduled harvest; offerings/store/landing.py puts the warning on the stored record, as the history is not in it).
LANDING_FAILURES = 2
LANDING_ISSUE = Issue("V3", "record_url", "landing page failing (4xx/5xx or no answer) 2 checks in a row")


def landing_issue(failures: int) -> Issue | None:
    """The V3 warning for a landing page that failed its last ``failures`` checks, or None below the threshold."""
    return LANDING_ISSUE if failures >= LANDING_FAILURES else None


def _langmap_rules(o: Offering) -> list[Issue]:
    if all(_lang_keys_ok(text) for text in _langmaps(o)):
        return []
    return [_error("V4", "langmap", "a language key is not ISO 639-1 or 'und'")]


def _languages(o: Offering) -> list[Issue]:
    codes = [*o.languages_of_instruction, *o.languages_of_assessment]
    issues = [] if o.languages_of_instruction else [Issue("V5", "languages_of_instruction", "missing")]
    if any(not _known("languages", "alpha_2", c) for c in codes):
        issues.append(Issue("V5", "languages_of_instruction", "not ISO 639-1"))
    return issues


def _orgs(o: Offering) -> list[Organisation]:
    return [*o.provider, *o.awarding_body, *(q.qa_body for q in o.quality_assurance if q.qa_body)]


def _countries(o: Offering) -> list[Issue]:
    codes = [c for c in [*o.issuer_country, *(org.country for org in _orgs(o))] if c]
    if any(not _known("countries", "alpha_2", c) or c != c.upper() for c in codes):
        return [_error("V6", "country", "not ISO 3166-1 alpha-2")]
    if any(c not in _EHEA for c in codes):
        return [Issue("V6", "country", "outside the EHEA")]
    return []


def _org_ids(o: Offering) -> list[Issue]:
    for org in _orgs(o):
        for scheme, pattern in _PATTERNS.items():
            value = org.ids.get(scheme)
            if value and not pattern.fullmatch(value):
                return [Issue("V7", f"ids.{scheme}", "malformed identifier")]
    return []


def _credits(o: Offering) -> list[Issue]:
    ects = o.ects_credits
    issues: list[Issue] = []
    if ects is not None:
        if ects < 0:
            issues.append(_error("V8", "ects_credits", "negative"))
        elif ects > 60:
            issues.append(_error("V8", "ects_credits", "more than 60"))
        elif ects == 0:
            issues.append(Issue("V8", "ects_credits", "zero"))
        elif ects > 30:
            issues.append(Issue("V8", "ects_credits", "large for a micro-credential (> 30)"))
        if round(ects * 4) != ects * 4 and round(ects, 1) != ects:
            issues.append(_error("V8", "ects_credits", "more than one decimal place"))
        if o.workload_hours and ects > 0 and not 20 <= o.workload_hours / ects <= 35:
            issues.append(Issue("V9", "workload_hours", "not 20–35 hours per ECTS credit"))
    return issues


def _level(o: Offering) -> list[Issue]:
    if o.eqf_level is not None and not (isinstance(o.eqf_level, int) and 1 <= o.eqf_level <= 8):
        return [_error("V10", "eqf_level", "not an integer 1–8")]
    if o.qf_ehea_cycle is not None and o.qf_ehea_cycle not in schemes.QF_EHEA_CYCLES:
        return [_error("V10", "qf_ehea_cycle", "not a QF-EHEA cycle")]
    if o.eqf_level and o.qf_ehea_cycle and schemes.eqf_for_cycle(o.qf_ehea_cycle) != o.eqf_level:
        return [Issue("V10", "qf_ehea_cycle", "inconsistent with the EQF level")]
    return []


def _isced(o: Offering) -> list[Issue]:
    return [_error("V11", "isced_f", "not an ISCED-F 2013 code")] if any(c not in ISCED_F for c in o.isced_f) else []


def _skills(o: Offering) -> list[Issue]:
    uris = [s.uri for s in o.esco_skills if s.uri] + [u for lo in o.learning_outcomes for u in lo.esco_skills]
    bad = [u for u in uris if not _ESCO_SKILL.fullmatch(u)]
    issues = [Issue("V12", "esco_skills", "not an ESCO skill URI")] if bad else []
    pinned = esco.pinned()  # set by quality.esco_skills; without it only the pattern is checked
    if pinned is not None and any(u not in pinned.uris for u in uris if _ESCO_SKILL.fullmatch(u)):
        issues.append(Issue("V12", "esco_skills", f"not in ESCO {pinned.version}"))
    return issues


def _codes(o: Offering) -> list[Issue]:
    checks = (
        ("mode", [*o.mode, *(m for i in o.instances for m in i.mode)]),
        ("schedule", [c for c in [o.learning_schedule, *(i.learning_schedule for i in o.instances)] if c]),
        ("setting", [o.learning_setting] if o.learning_setting else []),
        ("assessment", o.assessment_types),
        ("activity", o.learning_activity_types),
        ("offering_type", o.offering_type),
        ("supervision", [o.supervision_id_verification] if o.supervision_id_verification else []),
        ("credential_type", [o.credential_type] if o.credential_type else []),
        ("stackability", [o.stackability] if o.stackability else []),
        ("accreditation", [q.elm_type for q in o.quality_assurance if q.elm_type]),
    )
    bad = [scheme for scheme, codes in checks if any(not schemes.is_code(scheme, c) for c in codes)]
    if any(q.type not in schemes.QA_TYPES for q in o.quality_assurance):
        bad.append("qa_type")
    return [_error("V13", scheme, "not in its controlled vocabulary") for scheme in bad]


def _dates(o: Offering, today: date) -> list[Issue]:
    issues: list[Issue] = []
    for run in o.instances:
        if run.start_date and run.end_date and run.end_date < run.start_date:
            issues.append(_error("V14", "instances.end_date", "before start_date"))
        if run.start_date and run.application_deadline and run.application_deadline > run.start_date:
            issues.append(Issue("V14", "instances.application_deadline", "after start_date"))
        if run.start_date and run.start_date > today + timedelta(days=3 * 366):
            issues.append(Issue("V14", "instances.start_date", "more than 3 years ahead"))
    return issues


def _durations(o: Offering) -> list[Issue]:
    issues: list[Issue] = []
    values = [o.duration, o.max_duration, *(o.duration_range or []), *(i.duration for i in o.instances)]
    for value in (v for v in values if v):
        if parse_iso_duration(value) is None:
            issues.append(_error("V15", "duration", "not an ISO 8601 duration"))
        elif (duration_days(value) or 0) > 3 * 366:
            issues.append(Issue("V15", "duration", "longer than three years"))
    if o.workload_hours is not None and not 1 <= o.workload_hours <= 3000:
        issues.append(Issue("V15", "workload_hours", "outside 1–3000 hours"))
    return issues


def _prices(o: Offering) -> list[Issue]:
    prices = o.all_prices()
    if any(p.amount < 0 for p in prices):
        return [_error("V16", "price", "negative amount")]
    if any(not _known("currencies", "alpha_3", p.currency or "") for p in prices):
        return [_error("V16", "price", "currency not ISO 4217")]
    if any(p.amount == 0 for p in o.price) and o.is_free is False:
        return [_error("V16", "is_free", "price 0 but not free")]
    return []


def _outcomes(o: Offering) -> list[Issue]:
    issues: list[Issue] = []
    texts = [t for lo in o.learning_outcomes for t in lo.text.values()]
    if any(len(t.strip()) < 15 for t in texts):
        issues.append(Issue("V17", "learning_outcomes", "shorter than 15 characters"))
    if any(t in o.description.values() for t in texts):
        issues.append(Issue("V17", "learning_outcomes", "copy of the description"))
    if o.is_micro_credential and not (o.learning_outcomes or o.learning_outcome_summary):
        issues.append(Issue("V17", "learning_outcomes", "missing for a micro-credential"))
    return issues


def _mode(o: Offering) -> list[Issue]:
    return [] if o.mode else [Issue("V18", "mode", "missing")]


def _micro_credential(o: Offering) -> list[Issue]:
    if o.is_micro_credential and o.assessment_types and set(o.assessment_types) <= {"level_of_attendance", "none"}:
        return [Issue("V19", "assessment_types", "attendance only for a micro-credential")]
    return []


def _text(o: Offering) -> list[Issue]:
    title = {vocab.fold(t) for t in o.title.values() if t}
    if title and title & {vocab.fold(d) for d in o.description.values() if d}:
        return [Issue("V23", "description", "equals the title")]
    return []


def _contact(o: Offering) -> list[Issue]:
    if o.contact and is_personal_email(o.contact.email):
        return [Issue("V24", "contact", "personal e-mail address")]
    return []
