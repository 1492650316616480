"""An offering as schema.org ``Course`` JSON-LD (docs/normalisation.md §1.4, the crosswalk of §3.2 run backwards).

Pure: takes an offering and the URL of its catalogue page, returns a dict. Empty values are
left out rather than written as null, since JSON-LD consumers treat a present key as a statement.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from offerings import vocab
from offerings.export.elm_jsonld import prune
from offerings.model import Offering, Organisation, pick_text
from offerings.vocab.isced import isced_f_label, isced_f_uri

__all__ = ["JSONLD_MIMETYPE", "course_jsonld"]

logger = logging.getLogger(__name__)

JSONLD_MIMETYPE = "application/ld+json"
CREDENTIAL_CATEGORIES = {
    "micro_credential": "Micro-credential",
    "certificate": "Certificate",
    "certificate_of_participation": "Certificate of participation",
    "digital_badge": "Badge",
    "diploma_or_degree": "Degree",
}


def _one_or_many(values: list[Any]) -> Any:
    return values[0] if len(values) == 1 else values


def _organisation(org: Organisation, lang: str | None) -> dict[str, Any]:
    return {
        "@type": "CollegeOrUniversity",
        "name": pick_text(org.name, lang),
        "url": org.homepage,
        "address": {"@type": "PostalAddress", "addressCountry": org.country} if org.country else None,
    }


def _credits(offering: Offering) -> dict[str, Any] | None:
    if offering.ects_credits is None:
        return None
    # numberOfCredits is an Integer or a StructuredValue; ECTS may be fractional, so the latter.
    return {"@type": "StructuredValue", "value": offering.ects_credits, "unitText": "ECTS"}


def _level(offering: Offering) -> dict[str, Any] | None:
    if offering.eqf_level is None:
        return None
    return {
        "@type": "DefinedTerm",
        "@id": vocab.eqf_uri(offering.eqf_level),
        "termCode": str(offering.eqf_level),
        "name": f"EQF level {offering.eqf_level}",
        "inDefinedTermSet": "http://data.europa.eu/snb/eqf/25831c2",
    }


def _credential(offering: Offering, lang: str | None) -> dict[str, Any] | None:
    if not (offering.credential_type or offering.awarding_body):
        return None
    return {
        "@type": "EducationalOccupationalCredential",
        "name": pick_text(offering.credential_title, lang),
        "credentialCategory": CREDENTIAL_CATEGORIES.get(offering.credential_type or "", offering.credential_type),
        "educationalLevel": _level(offering),
        "recognizedBy": [_organisation(o, lang) for o in offering.awarding_body],
    }


def _instances(offering: Offering) -> list[dict[str, Any]]:
    modes = list(offering.mode)
    runs = [
        {
            "@type": "CourseInstance",
            "startDate": i.start_date.isoformat() if i.start_date else None,
            "endDate": i.end_date.isoformat() if i.end_date else None,
            "courseMode": list(i.mode) or modes,
            "location": i.location,
            "offers": [_offer(p.amount, p.currency) for p in i.price],
            "courseSchedule": {"@type": "Schedule", "duration": i.duration} if i.duration else None,
        }
        for i in offering.instances
    ]
    # Without dates the mode still needs a CourseInstance to live on (schema.org puts it there).
    if not runs and modes:
        runs = [{"@type": "CourseInstance", "courseMode": modes}]
    return runs


def _field(code: str) -> dict[str, Any]:
    """An ISCED-F 2013 field of education as a DefinedTerm (the EC2U convention for ``about``)."""
    return {
        "@type": "DefinedTerm",
        "@id": isced_f_uri(code),
        "termCode": code,
        "name": isced_f_label(code),
        "inDefinedTermSet": "http://data.europa.eu/snb/isced-f/25831c2",
    }


def _offer(amount: float, currency: str) -> dict[str, Any]:
    return {"@type": "Offer", "price": amount, "priceCurrency": currency, "category": "Free" if amount == 0 else None}


def _hours(hours: float | None) -> str | None:
    if not hours:
        return None
    return f"PT{int(hours)}H" if float(hours).is_integer() else f"PT{hours:g}H"


def course_jsonld(offering: Offering, *, page_url: str, modified: datetime | None = None) -> dict[str, Any]:
    """schema.org ``Course`` JSON-LD of ``offering``; ``page_url`` (its catalogue page) becomes ``@id``,
    ``modified`` (when the store last changed the record) ``dateModified``."""
    o = offering
    lang = o.default_language
    document = {
        "@context": "https://schema.org",
        "@type": "Course",
        "@id": page_url,
        "identifier": o.record_id,
        "courseCode": o.original_identifier,
        "name": o.main_title,
        "description": pick_text(o.description, lang),
        "url": o.record_url,
        "provider": _one_or_many([_organisation(p, lang) for p in o.provider]) if o.provider else None,
        "inLanguage": _one_or_many(list(o.languages_of_instruction)) if o.languages_of_instruction else None,
        "educationalLevel": _level(o),
        "educationalCredentialAwarded": _credential(o, lang),
        "numberOfCredits": _credits(o),
        "timeRequired": _hours(o.workload_hours),
        "teaches": [pick_text(lo.text, lang) for lo in o.learning_outcomes]
        or pick_text(o.learning_outcome_summary, lang),
        "coursePrerequisites": pick_text(o.prerequisites, lang),
        "keywords": list(o.subjects),
        "about": [_field(code) for code in o.isced_f],
        "hasCourseInstance": _instances(o),
        "offers": [_offer(p.amount, p.currency) for p in o.price],
        "isAccessibleForFree": o.is_free,
        "dateModified": modified.isoformat() + "Z" if modified else None,
    }
    pruned: dict[str, Any] = prune(document)  # a dict prunes to a dict
    return pruned
