"""An Offering as an ELM v3 JSON-LD LearningOpportunity (the LOQ profile), for Europass/QDR and aggregators.

The inverse of the ELM crosswalk (docs/normalisation.md §3.3): controlled values go out as their ELM
concept URIs, text as language maps, the achievement specification, assessment, activity, awarding
opportunity and accreditations embedded. Values ELM has no place for (catalogue-only codes such as
``part_time`` or ``recognition_of_prior_learning``, audiences of fees, contact) are left out rather
than misrepresented. The export meets the Commission's LOQ SHACL shapes (``offerings.quality.shacl``;
docs/export.md): the supervision and identity-verification method (Annex I O2), which ELM puts on an
issued assessment and the closed LOQ shape of a specification does not allow, is an ``additionalNote`` of
the assessment specification whose ``subject`` is the supervision-verification concept; a specification
is a ``Qualification`` only when it has everything that shape requires (EQF and NQF level, ISCED-F,
learning outcomes); the banner image, which LOQ wants as embedded bytes (``MediaObject``), is left out;
a grant's page is its ``contentURL``. Pure.
"""

from __future__ import annotations

import logging
from typing import Any

from offerings import vocab
from offerings.model import LangMap, Offering, Organisation, pick_text
from offerings.vocab import schemes

__all__ = ["ELM_CONTEXT", "ELM_PROFILE", "learning_opportunity", "prune"]

logger = logging.getLogger(__name__)

ELM_PROFILE = "http://data.europa.eu/snb/model/ap/loq"
ELM_CONTEXT = "http://data.europa.eu/snb/model/context/edc-ap"
_SCHEMES = {
    "mode": "learning-assessment",
    "schedule": "learning-schedule",
    "setting": "learning-setting",
    "assessment": "assessment",
    "offering_type": "learning-opportunity",
    "activity": "learning-activity",
    "credit_system": "education-credit",
    "accreditation": "accreditation",
    "eqf": "eqf",
    "isced_f": "isced-f",
    "supervision": "supervision-verification",
    "skill_type": "skill-type",
}
_QA_TO_ELM = {code: elm for code, (_, elm) in schemes.QA_TYPES.items()}


def prune(value: Any) -> Any:
    """Drop None, empty strings, lists and dicts, recursively: in an export an absent key states nothing."""
    if isinstance(value, dict):
        pruned = {k: prune(v) for k, v in value.items()}
        return {k: v for k, v in pruned.items() if v not in (None, "", [], {})}
    if isinstance(value, list):
        return [v for v in (prune(item) for item in value) if v not in (None, "", [], {})]
    return value


def _concept(uri: str | None, label: LangMap | str | None = None, scheme: str | None = None) -> dict[str, Any] | None:
    if not uri:
        return None
    concept: dict[str, Any] = {"id": uri, "type": "Concept"}
    if scheme:
        concept["inScheme"] = {"id": f"http://data.europa.eu/snb/{scheme}/25831c2", "type": "ConceptScheme"}
    if label:
        concept["prefLabel"] = label if isinstance(label, dict) else {"en": label}
    return concept


def _coded(scheme: str, codes: list[str]) -> list[dict[str, Any]]:
    in_scheme = _SCHEMES.get(scheme)
    concepts = (_concept(schemes.uri_for(scheme, c), schemes.label_for(scheme, c), in_scheme) for c in codes)
    return [c for c in concepts if c]


def _note(text: LangMap, ident: str) -> dict[str, Any] | None:
    return {"id": ident, "type": "Note", "noteLiteral": text} if text else None


def _web(url: str | None, ident: str) -> dict[str, Any] | None:
    return {"id": ident, "type": "WebResource", "contentURL": url} if url else None


def _language(code: str | None) -> dict[str, Any] | None:
    uri = schemes.language_nal_uri(code) if code else None
    return _concept(uri, vocab.language_label(code) if code else None) if uri else None


def _organisation(org: Organisation, ident: str) -> dict[str, Any]:
    country = schemes.country_nal_uri(org.country) if org.country else None
    identifiers: list[dict[str, str | None]] = [
        {"type": "Identifier", "notation": v, "schemeName": k} for k, v in org.ids.items()
    ]
    identifiers += [{"type": "Identifier", "notation": i.value, "schemeName": i.scheme} for i in org.other_ids]
    return {
        "id": ident,
        "type": "Organisation",
        "legalName": org.name,
        "homepage": [_web(org.homepage, f"{ident}:homepage")],
        "identifier": identifiers,
        "location": [
            {
                "id": f"{ident}:location",
                "type": "Location",
                "address": {
                    "id": f"{ident}:address",
                    "type": "Address",
                    "countryCode": _concept(country, vocab.country_label(org.country) if org.country else None),
                    "fullAddress": _note({"und": org.address} if org.address else {}, f"{ident}:full-address"),
                },
                "spatialCode": [_concept(org.region)],
            }
        ]
        # A LOQ Location needs an Address, and an Address its country: without one, no location (the
        # address line alone cannot go out; an invented country would be worse).
        if country
        else [],
    }


def learning_opportunity(offering: Offering, *, page_url: str | None = None) -> dict[str, Any]:
    """ELM JSON-LD of ``offering``; ``page_url`` (its catalogue page) becomes the opportunity's ``id``."""
    o = offering
    base = page_url or f"urn:microcred:offering:{o.record_id}"
    first = min(o.instances, key=lambda i: (i.start_date is None, i.start_date)) if o.instances else None
    # ELM has one set of prices per opportunity: the offering's own and those of the run it describes.
    prices = [*o.price, *(first.price if first else [])]
    document = {
        "@context": ELM_CONTEXT,
        "id": base,
        "type": "LearningOpportunity",
        "title": o.title,
        "description": o.description,
        "dcType": _coded("offering_type", o.offering_type),
        "identifier": [_identifier(i.value, i.scheme) for i in o.other_identifiers],
        "homepage": [_web(o.record_url, f"{base}#homepage")],
        "supplementaryDocument": [_web(u, f"{base}#document-{n}") for n, u in enumerate(o.supplementary_documents)],
        "additionalNote": [_note(o.further_information, f"{base}#further-information")],
        "temporal": {
            "id": f"{base}#temporal",
            "type": "PeriodOfTime",
            "startDate": _date(first and first.start_date),
            "endDate": _date(first and first.end_date),
        }
        if first
        else None,
        "applicationDeadline": [_date(first.application_deadline)] if first else [],
        "duration": o.duration,
        "mode": _coded("mode", o.mode),
        "learningSchedule": next(iter(_coded("schedule", [o.learning_schedule] if o.learning_schedule else [])), None),
        "scheduleInformation": _note(o.schedule_info, f"{base}#schedule"),
        "admissionProcedure": _note(o.admission_procedure, f"{base}#admission"),
        "priceDetail": [_price(p.amount, p.currency, p.label, f"{base}#price-{n}") for n, p in enumerate(prices)],
        "grant": [
            {
                "id": f"{base}#grant-{n}",
                "type": "Grant",
                "title": g.title,
                "description": g.description,
                # A LOQ Grant has no homepage: its page is its own contentUrl.
                "contentURL": g.url,
            }
            for n, g in enumerate(o.grants)
        ],
        "providedBy": [_organisation(p, f"{base}#provider-{n}") for n, p in enumerate(o.provider)],
        "location": [
            _location(v.name, v.address, v.country, v.region, f"{base}#location-{n}")
            for n, v in enumerate(first.venues if first else [])
            if v.country and schemes.country_nal_uri(v.country)  # as for organisations: no country, no Location
        ],
        "defaultLanguage": _language(o.default_language),
        "hasPart": [{"id": part} for part in o.has_parts],
        "modified": o.source_last_modified,
        "status": o.source_status,
        "learningAchievementSpecification": _specification(o, base),
    }
    pruned: dict[str, Any] = prune(document)  # a dict prunes to a dict
    return pruned


def _identifier(value: str, scheme: str | None) -> dict[str, Any]:
    return {"type": "Identifier", "notation": value, "schemeName": scheme}


def _date(value: Any) -> str | None:
    return f"{value.isoformat()}T00:00:00Z" if value else None


def _price(amount: float, currency: str, label: LangMap, ident: str) -> dict[str, Any]:
    unit = _concept(schemes.currency_uri(currency), currency)
    return {
        "id": ident,
        "type": "PriceDetail",
        "prefLabel": label,
        "amount": {"id": f"{ident}:amount", "type": "Amount", "unit": unit, "value": amount},
    }


def _location(
    name: str | None, address: str | None, country: str | None, region: str | None, ident: str
) -> dict[str, Any]:
    code = schemes.country_nal_uri(country) if country else None
    return {
        "id": ident,
        "type": "Location",
        "geographicName": {"und": name} if name else None,
        "address": {
            "id": f"{ident}:address",
            "type": "Address",
            "countryCode": _concept(code),
            "fullAddress": _note({"und": address} if address else {}, f"{ident}:full-address"),
        },
        "spatialCode": [_concept(region)],
    }


def _hours(hours: float | None) -> str | None:
    if not hours:
        return None
    return f"PT{int(hours)}H" if float(hours).is_integer() else f"PT{hours:g}H"


def _specification(o: Offering, base: str) -> dict[str, Any]:
    spec = f"{base}#specification"
    credits: list[dict[str, Any]] = (
        [
            {
                "id": f"{spec}:credit-ects",
                "type": "CreditPoint",
                "point": f"{o.ects_credits:g}",
                "framework": _coded("credit_system", ["ects"])[0],
            }
        ]
        if o.ects_credits is not None
        else []
    )
    credits += [
        {
            "id": f"{spec}:credit-{n}",
            "type": "CreditPoint",
            "point": f"{c.value:g}",
            "framework": _concept(c.system_uri, c.system),
        }
        for n, c in enumerate(o.other_credits)
        if c.system_uri
    ]
    return {
        "id": spec,
        "type": "Qualification" if _qualification(o) else "LearningAchievementSpecification",
        "title": o.credential_title or o.title,
        "learningOutcome": [_outcome(o, n, f"{spec}:outcome-{n}") for n in range(len(o.learning_outcomes))],
        "learningOutcomeSummary": _note(o.learning_outcome_summary, f"{spec}:outcome-summary"),
        "thematicArea": _coded("isced_f", o.isced_f),
        "volumeOfLearning": _hours(o.workload_hours),
        "creditPoint": credits,
        "eqfLevel": next(iter(_coded("eqf", [str(o.eqf_level)] if o.eqf_level else [])), None),
        "nqfLevel": [_concept(n.uri, n.label) for n in o.nqf_level],
        "language": [_language(c) for c in o.languages_of_instruction],
        "mode": _coded("mode", o.mode),
        "learningSetting": next(iter(_coded("setting", [o.learning_setting] if o.learning_setting else [])), None),
        "maximumDuration": o.max_duration,
        "targetGroup": [_concept(t.uri, t.label) for t in o.target_groups],
        "entryRequirement": _note(o.prerequisites, f"{spec}:entry-requirement"),
        "influencedBy": [_activity(o, f"{spec}:activity")] if (o.learning_activity_types or o.contact_hours) else [],
        "provenBy": [_assessment(o, f"{spec}:assessment")] if _assessed(o) else [],
        "awardingOpportunity": [
            {
                "id": f"{spec}:awarding",
                "type": "AwardingOpportunity",
                "awardingBody": [_organisation(a, f"{spec}:awarding-body-{n}") for n, a in enumerate(o.awarding_body)],
                # A LOQ Location needs an address with its country: the region goes out with the country.
                "location": [
                    {
                        "id": f"{spec}:awarding-location",
                        "type": "Location",
                        "address": {
                            "id": f"{spec}:awarding-address",
                            "type": "Address",
                            "countryCode": _concept(schemes.country_nal_uri(o.issuer_country[0])),
                        },
                        "spatialCode": [_concept(r) for r in o.issuer_region],
                    }
                ]
                if o.issuer_region and o.issuer_country and schemes.country_nal_uri(o.issuer_country[0])
                else [],
                # What is awarded: ELM (and the LOQ XSD) requires the link back to the specification.
                "learningAchievementSpecification": {"id": spec},
            }
        ]
        if o.awarding_body
        else [],
        # QA a register suggested is not the provider's statement: ELM has no way to say so, so it stays out.
        "accreditation": [
            _accreditation(o, n, f"{spec}:accreditation-{n}")
            for n, qa in enumerate(o.quality_assurance)
            if qa.basis == "declared"
        ],
        "isPartialQualification": True if o.stackability == "integrated" else None,
        "isPartOf": [{"id": p.id or p.url or f"{spec}:part-of-{n}", "title": p.title} for n, p in enumerate(o.part_of)],
    }


def _outcome(o: Offering, n: int, ident: str) -> dict[str, Any]:
    lo = o.learning_outcomes[n]
    labels = {s.uri: s.label for s in o.esco_skills if s.uri}
    return {
        "id": ident,
        "type": "LearningOutcome",
        "title": lo.text,
        "relatedESCOSkill": [_concept(uri, labels.get(uri)) for uri in lo.esco_skills],
        "relatedSkill": [_concept(uri) for uri in lo.other_skills],
        "dcType": next(iter(_coded("skill_type", [lo.type] if lo.type else [])), None),
        "reusabilityLevel": _concept(lo.reusability),
    }


def _activity(o: Offering, ident: str) -> dict[str, Any]:
    return {
        "id": ident,
        "type": "LearningActivitySpecification",
        "title": o.title,
        "dcType": _coded("activity", o.learning_activity_types),
        "contactHour": o.contact_hours,
    }


def _qualification(o: Offering) -> bool:
    """Whether the specification has what the LOQ Qualification shape requires (else it is a plain
    LearningAchievementSpecification, which states the same things without those requirements)."""
    return bool(o.eqf_level and o.nqf_level and o.isced_f and o.learning_outcomes)


def _assessed(o: Offering) -> bool:
    return bool(o.assessment_types or o.assessment_description or o.grading_scheme or o.supervision_id_verification)


def _assessment(o: Offering, ident: str) -> dict[str, Any]:
    code = o.supervision_id_verification
    supervision = schemes.uri_for("supervision", code)
    label = schemes.label_for("supervision", code) if supervision and code else None
    return {
        "id": ident,
        "type": "LearningAssessmentSpecification",
        "title": {o.default_language or "en": f"Assessment of {pick_text(o.title, o.default_language)}"},
        "dcType": _coded("assessment", o.assessment_types),
        "description": o.assessment_description,
        # ELM requires a grading scheme's title; the record's one text ("Pass/fail", "0–20, pass at 10") is that.
        "gradingScheme": {"id": f"{ident}:grading", "type": "GradingScheme", "title": o.grading_scheme}
        if o.grading_scheme
        else None,
        "language": [_language(c) for c in o.languages_of_assessment],
        "additionalNote": [
            {
                "id": f"{ident}:supervision",
                "type": "Note",
                "noteLiteral": {"en": f"Supervision and identity verification: {label or code}"},
                "subject": _concept(supervision, label, "supervision-verification"),
            }
        ]
        if supervision
        else [],
    }


def _accreditation(o: Offering, n: int, ident: str) -> dict[str, Any]:
    qa = o.quality_assurance[n]
    elm_type = qa.elm_type or _QA_TO_ELM.get(qa.type)
    # The organisation whose activities were quality assured (required by ELM): the one that awards.
    accredited = next(iter(o.awarding_body or o.provider), None)
    return {
        "id": ident,
        "type": "Accreditation",
        "dcType": next(iter(_coded("accreditation", [elm_type] if elm_type else [])), None),
        "title": qa.title or {"en": schemes.QA_TYPES.get(qa.type, (qa.type, None))[0]},
        "description": qa.description,
        "organisation": _organisation(accredited, f"{ident}:organisation") if accredited else None,
        "accreditingAgent": _organisation(qa.qa_body, f"{ident}:agent") if qa.qa_body else None,
        "decision": _concept(qa.decision) if qa.decision and qa.decision.startswith("http") else None,
        "issued": _date(qa.decision_date),
        "expiryDate": _date(qa.expiry_date),
        "report": _web(qa.report_url, f"{ident}:report"),
    }
