"""The controlled vocabularies of the MCO record as code → (label, EU vocabulary URI) tables.

The record stores short codes (``"written_examination"``, ``"full_time"``); this module gives each
code its ELM concept URI (docs/normalisation.md §1.3.1) and the reverse lookup, so crosswalks read
URIs, the record keeps codes and the ELM export writes URIs again without losing anything. Codes
that are catalogue extensions (``part_time``, ``recognition_of_prior_learning`` …) have no URI.
Pure data plus lookups; mode and schedule live in :mod:`offerings.vocab` and are reused here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

import pycountry

from offerings import vocab
from offerings.vocab.isced import ISCED_F, isced_f_uri

__all__ = [
    "ACCREDITATION_TYPES",
    "ACTIVITY_TYPES",
    "ASSESSMENT_TYPES",
    "CREDENTIAL_FORMATS",
    "CREDENTIAL_TYPES",
    "CREDIT_SYSTEMS",
    "EQF_LEVELS",
    "OFFERING_TYPES",
    "QA_TYPES",
    "QF_EHEA_CYCLES",
    "SCHEMES",
    "SETTINGS",
    "SKILL_TYPES",
    "STACKABILITY",
    "SUPERVISION",
    "code_for",
    "country_nal_uri",
    "currency_code",
    "currency_uri",
    "cycle_for_eqf",
    "eqf_for_cycle",
    "is_code",
    "label_for",
    "language_nal_uri",
    "uri_for",
]

Table = dict[str, tuple[str, str | None]]
SNB = "http://data.europa.eu/snb/"
NAL = "http://publications.europa.eu/resource/authority/"

EQF_LEVELS: Table = {str(n): (f"Level {n}", f"{SNB}eqf/{n}") for n in range(1, 9)}

SETTINGS: Table = {
    "formal": ("Formal learning", SNB + "learning-setting/6fd4685715"),
    "non_formal": ("Non-formal learning", SNB + "learning-setting/e207a81fc7"),
}

# The 14 ELM assessment types (Annex I M9) plus two catalogue extensions without an ELM concept.
ASSESSMENT_TYPES: Table = {
    code: (label, SNB + "assessment/" + suffix if suffix else None)
    for code, label, suffix in (
        ("peer_assessment", "Peer assessment", "19a2e5e671"),
        ("marked_assignment", "Marked assignment", "2939dae15f"),
        ("continuous_evaluation", "Continuous evaluation", "3484bd7e51"),
        ("portfolio", "Portfolio", "4f03b91c0e"),
        ("group_performance", "Group performance", "56539a6507"),
        ("practical_assessment", "Practical assessment", "6a4db9f11d"),
        ("written_examination", "Written examination", "6e6cb2cc78"),
        ("level_of_attendance", "Level of attendance", "7331eb4762"),
        ("project_work", "Project work", "795dac4096"),
        ("peer_review", "Peer review", "812e3b0ae1"),
        ("quiz", "Quiz", "b1b68f6735"),
        ("problem_based_learning", "Problem-based learning", "c4256a2726"),
        ("oral_examination", "Oral examination", "d30284d7df"),
        ("artefact_assessment", "Artefact assessment", "de4d165a6c"),
        ("recognition_of_prior_learning", "Recognition of prior learning", None),
        ("none", "None (attendance only)", None),
    )
}

# ELM accreditation types (the QA object's ``elm_type``).
ACCREDITATION_TYPES: Table = {
    "institutional_qa": ("Institutional quality assurance", SNB + "accreditation/bb4618238e"),
    "programme_qa": ("Programme quality assurance", SNB + "accreditation/820101cba6"),
    "institutional_licence": ("Institutional licence", SNB + "accreditation/003293d2ce"),
    "programme_licence": ("Programme licence", SNB + "accreditation/e57dddfcf3"),
}
# The record's QA ``type`` (Annex I M11) and the ELM accreditation type each one exports as.
QA_TYPES: dict[str, tuple[str, str | None]] = {
    "internal_institutional": ("Internal quality assurance of the institution", "institutional_qa"),
    "external_institutional": ("External quality assurance of the institution", "institutional_qa"),
    "external_programme": ("External accreditation or evaluation of the programme", "programme_qa"),
    "licence": ("Licence", "programme_licence"),
    "professional_recognition": ("Professional recognition", None),
    "other": ("Other", None),
    "unknown": ("Unknown", None),
}

OFFERING_TYPES: Table = {
    code: (label, SNB + "learning-opportunity/" + suffix)
    for code, label, suffix in (
        ("course", "Course", "05053c1cbe"),
        ("module", "Programme module", "0f7dac46ca"),
        ("mentoring", "Mentoring", "11252a5207"),
        ("mooc", "MOOC", "17744a2647"),
        ("apprenticeship", "Apprenticeship", "63f9f6180c"),
        ("study_visit", "Study visit", "65a4cf5de2"),
        ("short_learning_programme", "Short learning programme", "74a4a268e8"),
        ("internship", "Internship", "77b99de990"),
        ("educational_programme", "Educational programme", "79343569f3"),
        ("class", "Class", "7e1ac538db"),
        ("service_learning", "Service learning", "8b965da2d4"),
        ("thesis", "Thesis", "b2434ca358"),
    )
}

ACTIVITY_TYPES: Table = {
    code: (label, SNB + "learning-activity/" + suffix)
    for code, label, suffix in (
        ("classroom", "Classroom coursework", "ff436ea7c9"),
        ("e_learning", "E-learning coursework", "bf2e3a7bae"),
        ("lab_practice", "Lab, simulation or practice", "3c8bd58d62"),
        ("workshop", "Workshop, seminar or conference", "efff75e10a"),
        ("self_study", "Self-motivated study", "b660f5dcea"),
        ("job_experience", "Job experience", "4357e0e681"),
        ("internship", "Internship", "bf5588ff84"),
        ("apprenticeship", "Apprenticeship", "d46a826a39"),
        ("volunteering", "Volunteering", "59eaf34fab"),
        ("research", "Research", "a7e556215a"),
        ("educational_programme", "Educational programme", "fd33e234ae"),
    )
}

CREDIT_SYSTEMS: Table = {
    "ects": ("ECTS", SNB + "education-credit/6fcec5c5af"),
    "ecvet": ("ECVET", SNB + "education-credit/60b314e826"),
}

# Annex I O2. ELM has one concept for supervised-with-ID, without the online/onsite split.
_SUPERVISED_WITH_ID = SNB + "supervision-verification/70be69aaf9"
SUPERVISION: Table = {
    "unsupervised_no_id": ("Unsupervised, no identity verification", SNB + "supervision-verification/c598449d64"),
    "supervised_no_id": ("Supervised, no identity verification", None),
    "supervised_with_id": ("Supervised with identity verification", _SUPERVISED_WITH_ID),
    "supervised_with_id_online": ("Supervised online with identity verification", _SUPERVISED_WITH_ID),
    "supervised_with_id_onsite": ("Supervised on site with identity verification", _SUPERVISED_WITH_ID),
}

SKILL_TYPES: Table = {
    "knowledge": ("Knowledge", SNB + "skill-type/knowledge"),
    "skill": ("Skill", SNB + "skill-type/skill"),
    "competence": ("Competence", None),
}

CREDENTIAL_TYPES: Table = {
    "micro_credential": ("Micro-credential", "https://purl.org/ctdl/terms/MicroCredential"),
    "certificate": ("Certificate", "https://purl.org/ctdl/terms/Certificate"),
    "certificate_of_participation": ("Certificate of participation", None),
    "digital_badge": ("Digital badge", "https://purl.org/ctdl/terms/DigitalBadge"),
    "diploma_or_degree": ("Diploma or degree", "https://purl.org/ctdl/terms/Degree"),
    "none": ("No credential", None),
    "other": ("Other", None),
}
CREDENTIAL_FORMATS: Table = {
    "edc": ("European Digital Credential (ELM)", None),
    "open_badges_2": ("Open Badges 2", None),
    "open_badges_3": ("Open Badges 3", None),
    "w3c_vc_other": ("Other W3C verifiable credential", None),
    "edubadges": ("edubadges", None),
    "pdf": ("PDF certificate", None),
    "paper": ("Paper certificate", None),
    "other": ("Other", None),
}
STACKABILITY: Table = {
    "stand_alone": ("Stand-alone", None),
    "integrated": ("Part of a larger programme", None),
    "stackable": ("Can be stacked towards another credential", None),
}
# QF-EHEA cycles (Annex I M8) and the EQF level each corresponds to.
QF_EHEA_CYCLES: dict[str, tuple[str, int]] = {
    "short_cycle": ("Short cycle", 5),
    "first": ("First cycle", 6),
    "second": ("Second cycle", 7),
    "third": ("Third cycle", 8),
}

ISCED_F_TABLE: Table = {code: (label, isced_f_uri(code)) for code, label in ISCED_F.items()}

# Read-only views: a table whose URIs are all known (vocab.MODES: tuple[str, str]) is one too.
SCHEMES: dict[str, Mapping[str, tuple[str, str | None]]] = {
    "eqf": EQF_LEVELS,
    "mode": vocab.MODES,
    "schedule": vocab.SCHEDULES,
    "setting": SETTINGS,
    "assessment": ASSESSMENT_TYPES,
    "accreditation": ACCREDITATION_TYPES,
    "offering_type": OFFERING_TYPES,
    "activity": ACTIVITY_TYPES,
    "credit_system": CREDIT_SYSTEMS,
    "supervision": SUPERVISION,
    "skill_type": SKILL_TYPES,
    "credential_type": CREDENTIAL_TYPES,
    "credential_format": CREDENTIAL_FORMATS,
    "stackability": STACKABILITY,
    "isced_f": ISCED_F_TABLE,
}


def uri_for(scheme: str, code: str | None) -> str | None:
    """The EU vocabulary URI of ``code`` in ``scheme`` (None for catalogue extensions and unknown codes)."""
    entry = SCHEMES[scheme].get(code or "")
    return entry[1] if entry else None


def label_for(scheme: str, code: str) -> str:
    """The English label of ``code`` in ``scheme`` (the code itself when unknown)."""
    entry = SCHEMES[scheme].get(code)
    return entry[0] if entry else code


def is_code(scheme: str, code: str | None) -> bool:
    """Whether ``code`` belongs to ``scheme``."""
    return bool(code) and code in SCHEMES[scheme]


@lru_cache(maxsize=64)
def _reverse(scheme: str) -> dict[str, str]:
    # The first code listed wins where several share one URI (supervised_with_id_online vs _onsite).
    reverse: dict[str, str] = {}
    for code, (_, uri) in SCHEMES[scheme].items():
        if uri:
            reverse.setdefault(_norm_uri(uri), code)
    return reverse


def _norm_uri(uri: str) -> str:
    return uri.strip().rstrip("/").replace("https://", "http://").lower()


def code_for(scheme: str, uri: str | None) -> str | None:
    """The code of a concept URI in ``scheme``; also accepts the code itself. None when unknown."""
    if not uri:
        return None
    if uri in SCHEMES[scheme]:
        return uri
    return _reverse(scheme).get(_norm_uri(uri))


def cycle_for_eqf(level: int | None) -> str | None:
    """The QF-EHEA cycle of an EQF level (5 → short_cycle … 8 → third); None below 5."""
    return next((code for code, (_, eqf) in QF_EHEA_CYCLES.items() if eqf == level), None)


def eqf_for_cycle(cycle: str | None) -> int | None:
    """The EQF level of a QF-EHEA cycle."""
    entry = QF_EHEA_CYCLES.get(cycle or "")
    return entry[1] if entry else None


_CURRENCY_WORDS = {
    "€": "EUR",
    "euro": "EUR",
    "euros": "EUR",
    "£": "GBP",
    "pound sterling": "GBP",
    "pounds": "GBP",
    "$": "USD",
    "us dollar": "USD",
    "us dollars": "USD",
    "dollar": "USD",
    "dollars": "USD",
    "₹": "INR",
    "zł": "PLN",
    "zl": "PLN",
    "zloty": "PLN",
    "kc": "CZK",
    "ft": "HUF",
    "kr": "SEK",
    "chf": "CHF",
    "fr.": "CHF",
}


@lru_cache(maxsize=1024)
def currency_code(value: str | None) -> str | None:
    """ISO 4217 code of a code, EU NAL URI, sign or name ("EUR", ".../currency/EUR", "€", "US Dollar")."""
    if not value:
        return None
    text = value.strip().rstrip("/").rsplit("/", 1)[-1]
    key = vocab.fold(text)
    if key in _CURRENCY_WORDS:
        return _CURRENCY_WORDS[key]
    if re.fullmatch(r"[a-z]{3}", key):
        record = pycountry.currencies.get(alpha_3=key.upper())
        return record.alpha_3 if record is not None else None
    for record in pycountry.currencies:
        if vocab.fold(record.name) == key:
            return str(record.alpha_3)
    return None


def currency_uri(code: str) -> str:
    """EU currency NAL URI of an ISO 4217 code."""
    return f"{NAL}currency/{code}"


def language_nal_uri(code: str) -> str | None:
    """EU language NAL URI of an ISO 639-1 code (the NAL uses upper-case ISO 639-2/T codes)."""
    record = pycountry.languages.get(alpha_2=code)
    alpha3 = getattr(record, "alpha_3", None) if record is not None else None
    return f"{NAL}language/{alpha3.upper()}" if alpha3 else None


def country_nal_uri(code: str) -> str | None:
    """EU country NAL URI of an ISO 3166-1 alpha-2 code (the NAL uses alpha-3)."""
    record = pycountry.countries.get(alpha_2=code)
    return f"{NAL}country/{record.alpha_3}" if record is not None else None
