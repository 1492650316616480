"""Reads an ELM v3 LearningOpportunity, given as nested JSON (ELM JSON-LD names), into an Offering.

Both ELM crosswalks end here: ``elm_jsonld`` hands over the JSON-LD node (references embedded) and
``elm_loq`` converts the LOQ XML into the same nested shape first, so one mapping (docs/normalisation.md
§3.3) serves both. Values may be single or lists, concepts objects or bare URIs, ids ``id`` or
``@id``; text is a language map. Controlled concepts outside their ELM code list are dropped and
noted. Pure.
"""

from __future__ import annotations

import re
from typing import Any

from offerings import vocab
from offerings.crosswalks.common import Marks, as_list, lang_or_und
from offerings.model import (
    Concept,
    Grant,
    Identifier,
    Instance,
    LangMap,
    LearningOutcome,
    Offering,
    Organisation,
    OtherCredit,
    PartOf,
    Place,
    Price,
    QualityAssurance,
)
from offerings.text import parsing
from offerings.vocab import schemes

__all__ = ["MAX_DEPTH", "SHALLOW_RELATIONS", "read_opportunity", "uri_of"]

# How deep a node graph is resolved, and the relations (to other opportunities, or back up the graph)
# that are followed for their title only: shared by the LOQ XML and the JSON-LD readers.
MAX_DEPTH = 8
SHALLOW_RELATIONS = frozenset(
    {
        "hasPart",
        "isPartOf",
        "specialisationOf",
        "generalisationOf",
        "influences",
        "proves",
        "entitledBy",
        "entitlesTo",
        "publisher",
        "groupMemberOf",
        "hasSubOrganization",
        "limitQualification",
        "limitOrganisation",
        "member",
    }
)

Node = dict[str, Any]
_IDS = {"erasmus": "erasmus_code", "schac": "schac", "ror": "ror", "pic": "pic", "oid": "erasmus_oid", "deqar": "deqar"}
_QA_TYPES = {
    "institutional_qa": "external_institutional",
    "programme_qa": "external_programme",
    "institutional_licence": "licence",
    "programme_licence": "licence",
}


def uri_of(value: Any) -> str | None:
    """The URI of a concept or reference: a string, or an object's ``id``/``@id``/``uri``."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, dict):
        found = value.get("id") or value.get("@id") or value.get("uri")
        return found.strip() if isinstance(found, str) and found.strip() else None
    return None


def _nodes(value: Any) -> list[Node]:
    return [v for v in as_list(value) if isinstance(v, dict)]


def _first(value: Any) -> Any:
    items = as_list(value)
    return items[0] if items else None


def text_map(value: Any) -> LangMap:
    """A LangMap from an ELM language map, a list of ``{"@language", "@value"}``, or a plain string."""
    out: LangMap = {}
    for item in as_list(value):
        if isinstance(item, str):
            pairs = [("und", item)]
        elif isinstance(item, dict) and "@value" in item:
            pairs = [(item.get("@language") or "und", item["@value"])]
        elif isinstance(item, dict):
            pairs = [(k, v) for k, v in item.items() if not k.startswith("@") and k not in ("id", "type")]
        else:
            continue
        for lang, text in pairs:
            cleaned = parsing.clean_text(str(_first(text)) if text is not None else "")
            if cleaned:
                out.setdefault(lang_or_und(lang), cleaned)
    return out


def _note(value: Any) -> LangMap:
    """A Note's ``noteLiteral`` (or a language map given directly)."""
    merged: LangMap = {}
    for node in as_list(value):
        text = text_map(node.get("noteLiteral")) if isinstance(node, dict) and "noteLiteral" in node else text_map(node)
        for lang, literal in text.items():
            merged.setdefault(lang, literal)
    return merged


def _web(value: Any) -> list[str]:
    """The URLs of WebResources (their ``contentURL``; a bare string is the URL itself)."""
    urls = []
    for item in as_list(value):
        url = (item.get("contentURL") or item.get("contentUrl")) if isinstance(item, dict) else item
        if isinstance(url, str) and re.match(r"https?://", url.strip()):
            urls.append(url.strip())
    return urls


def _by_label(scheme: str, item: Any) -> str | None:
    """The code whose label the concept's ``prefLabel`` names (for concepts minted outside the ELM list,
    like the Commission sample's ``urn:epass:concept:…`` "artefact assessment")."""
    labels = {vocab.fold(t) for t in text_map(item.get("prefLabel")).values()} if isinstance(item, dict) else set()
    return next((c for c, (label, _) in schemes.SCHEMES[scheme].items() if vocab.fold(label) in labels), None)


def _codes(scheme: str, value: Any, field: str, notes: list[str]) -> list[str]:
    codes = []
    for item in as_list(value):
        code = schemes.code_for(scheme, uri_of(item)) or _by_label(scheme, item)
        if code is None:
            notes.append(f"{field}: a concept outside the ELM code list was dropped")
        elif code not in codes:
            codes.append(code)
    return codes


def _languages(value: Any, field: str, notes: list[str]) -> list[str]:
    codes = []
    for item in as_list(value):
        code = vocab.language_code(uri_of(item))
        if code is None:
            notes.append(f"{field}: a language without an ISO 639-1 code was dropped")
        elif code not in codes:
            codes.append(code)
    return codes


def organisation(node: Any) -> Organisation | None:
    """An ELM Organisation (legal name, location country and region, identifiers, homepage)."""
    if not isinstance(node, dict):
        return None
    name = text_map(node.get("legalName")) or text_map(node.get("prefLabel"))
    if not name:
        return None
    org = Organisation(name=name, homepage=next(iter(_web(node.get("homepage"))), None))
    for location in _nodes(node.get("location")):
        for address in _nodes(location.get("address")):
            org.country = org.country or vocab.country_code(uri_of(address.get("countryCode")))
            org.address = org.address or next(iter(_note(address.get("fullAddress")).values()), None)
        org.region = org.region or uri_of(_first(location.get("spatialCode")))
    for ident in _nodes(node.get("identifier")):
        value, scheme = ident.get("notation"), str(ident.get("schemeName") or "")
        key = next((k for word, k in _IDS.items() if word in scheme.lower()), None)
        if isinstance(value, str) and key and key not in org.ids:
            org.ids[key] = value
        elif isinstance(value, str):
            org.other_ids.append(Identifier(value=value, scheme=scheme or None))
    for name_key in ("eidasLegalIdentifier", "vatIdentifier", "registration"):
        for ident in _nodes(node.get(name_key)):
            if isinstance(ident.get("notation"), str):
                org.other_ids.append(Identifier(value=ident["notation"], scheme=name_key))
    return org


def read_opportunity(lo: Node, offering: Offering, marks: Marks) -> None:
    """Fill ``offering`` from a LearningOpportunity node (its achievement specification embedded)."""
    notes = offering.crosswalk_warnings
    offering.title = text_map(lo.get("title"))
    offering.description = text_map(lo.get("description"))
    offering.offering_type = _codes("offering_type", lo.get("dcType"), "offering_type", notes)
    urls = _web(lo.get("homepage"))
    offering.record_url = urls[0] if urls else None
    offering.supplementary_documents = _web(lo.get("supplementaryDocument"))
    offering.further_information = _note(lo.get("additionalNote"))
    offering.schedule_info = _note(lo.get("scheduleInformation"))
    offering.admission_procedure = _note(lo.get("admissionProcedure"))
    offering.mode = _codes("mode", lo.get("mode"), "mode", notes)
    schedule = _codes("schedule", lo.get("learningSchedule"), "learning_schedule", notes)
    offering.learning_schedule = schedule[0] if schedule else None
    offering.duration = _duration(lo.get("duration"), "duration", notes)
    offering.default_language = vocab.language_code(uri_of(_first(lo.get("defaultLanguage"))))
    offering.source_last_modified = _first(lo.get("modified"))
    offering.source_status = _first(lo.get("status")) if isinstance(_first(lo.get("status")), str) else None
    offering.image_url = next(iter(_web(lo.get("bannerImage"))), None)
    for ident in _nodes(lo.get("identifier")):
        if isinstance(ident.get("notation"), str):
            offering.other_identifiers.append(Identifier(value=ident["notation"], scheme=ident.get("schemeName")))
    offering.provider = [o for o in map(organisation, _nodes(lo.get("providedBy"))) if o]
    if offering.provider:
        marks.mark("provider", "providedBy")
    offering.grants = [
        Grant(
            title=text_map(g.get("title")),
            description=text_map(g.get("description")),
            url=next(iter(_web(g.get("homepage")) or _web(g)), None),
        )
        for g in _nodes(lo.get("grant"))
    ]
    offering.instances = [_run(lo, notes)]
    if not any(vars_of(offering.instances[0])):
        offering.instances = []
    offering.enrolment_model = "fixed_dates" if offering.start_date else None
    offering.has_parts = [u for u in (uri_of(p) for p in as_list(lo.get("hasPart"))) if u]
    offering.part_of = [PartOf(title=text_map(p.get("title")), id=uri_of(p)) for p in _nodes(lo.get("isPartOf"))]
    for spec in _nodes(lo.get("learningAchievementSpecification"))[:1]:
        _achievement(spec, offering, marks)
    for activity in _nodes(lo.get("learningActivitySpecification")):
        _activity(activity, offering)


def vars_of(run: Instance) -> list[Any]:
    """The values set on a run (empty when the opportunity gave no dates, deadline, place or fee)."""
    return [run.start_date, run.end_date, run.application_deadline, run.price, run.venues]


def _duration(value: Any, field: str, notes: list[str]) -> str | None:
    text = _first(value)
    if not isinstance(text, str) or not text.strip():
        return None
    if parsing.parse_iso_duration(text.strip()) is None:
        notes.append(f"{field}: not an ISO 8601 duration, dropped")
        return None
    return text.strip()


def _run(lo: Node, notes: list[str]) -> Instance:
    temporal = _first(_nodes(lo.get("temporal")))
    run = Instance()
    if temporal:
        run.start_date = parsing.parse_date(str(temporal.get("startDate") or ""))
        run.end_date = parsing.parse_date(str(temporal.get("endDate") or ""))
    deadlines = sorted(d for d in (parsing.parse_date(str(v)) for v in as_list(lo.get("applicationDeadline"))) if d)
    run.application_deadline = deadlines[0] if deadlines else None
    for detail in _nodes(lo.get("priceDetail")):
        amount = _first(_nodes(detail.get("amount")))
        if not amount:
            continue
        currency = schemes.currency_code(uri_of(amount.get("unit")))
        try:
            value = float(str(amount.get("value")).replace(",", "."))
        except ValueError:
            value = -1.0
        if currency is None or value < 0:
            notes.append("price: an amount or currency that cannot be read was dropped")
            continue
        label = text_map(detail.get("prefLabel")) or text_map(detail.get("description"))
        run.price.append(Price(amount=value, currency=currency, label=label))
    for location in _nodes(lo.get("location")):
        address = _first(_nodes(location.get("address"))) or {}
        run.venues.append(
            Place(
                name=next(iter(text_map(location.get("geographicName")).values()), None),
                address=next(iter(_note(address.get("fullAddress")).values()), None),
                country=vocab.country_code(uri_of(address.get("countryCode"))),
                region=uri_of(_first(location.get("spatialCode"))),
            )
        )
    run.location = run.venues[0].name if run.venues else None
    return run


def _achievement(spec: Node, offering: Offering, marks: Marks) -> None:
    notes = offering.crosswalk_warnings
    offering.credential_title = text_map(spec.get("title"))
    if not offering.title:
        offering.title = dict(offering.credential_title)
    outcomes = [_outcome(node) for node in _nodes(spec.get("learningOutcome"))]
    offering.learning_outcomes = [o for o in outcomes if o.text]
    offering.esco_skills = _skills(_nodes(spec.get("learningOutcome")))
    offering.learning_outcome_summary = _note(spec.get("learningOutcomeSummary"))
    areas = as_list(spec.get("thematicArea"))
    offering.isced_f = [c for c in (schemes.code_for("isced_f", uri_of(a)) for a in areas) if c]
    if len(offering.isced_f) < len(areas):
        notes.append("isced_f: a concept outside ISCED-F 2013 was dropped")
    _volume(spec, offering, marks)
    for level in as_list(spec.get("educationLevel")):
        _level(uri_of(level), level, offering)
    eqf = schemes.code_for("eqf", uri_of(_first(spec.get("eqfLevel"))))
    offering.eqf_level = int(eqf) if eqf else offering.eqf_level
    offering.nqf_level += [
        Concept(uri=uri_of(n), label=text_map(n.get("prefLabel")) if isinstance(n, dict) else {})
        for n in as_list(spec.get("nqfLevel"))
        if uri_of(n)
    ]
    offering.languages_of_instruction = _languages(spec.get("language"), "languages_of_instruction", notes)
    offering.mode = list(dict.fromkeys([*offering.mode, *_codes("mode", spec.get("mode"), "mode", notes)]))
    setting = _codes("setting", spec.get("learningSetting"), "learning_setting", notes)
    offering.learning_setting = setting[0] if setting else None
    offering.max_duration = _duration(spec.get("maximumDuration"), "max_duration", notes)
    offering.target_groups = [
        Concept(uri=uri_of(t), label=text_map(t.get("prefLabel")) if isinstance(t, dict) else {})
        for t in as_list(spec.get("targetGroup"))
        if uri_of(t)
    ]
    offering.prerequisites = _note(spec.get("entryRequirement"))
    for activity in _nodes(spec.get("influencedBy")):
        _activity(activity, offering)
    for assessment in _nodes(spec.get("provenBy")):
        _assessment(assessment, offering)
    for awarding in _nodes(spec.get("awardingOpportunity")):
        bodies = [o for o in map(organisation, _nodes(awarding.get("awardingBody"))) if o]
        offering.awarding_body += bodies
        for location in _nodes(awarding.get("location")):
            offering.issuer_region += [u for u in (uri_of(c) for c in as_list(location.get("spatialCode"))) if u]
    if offering.awarding_body:
        marks.mark("awarding_body", "awardingOpportunity/awardingBody")
    offering.quality_assurance = [qa for qa in map(_accreditation, _nodes(spec.get("accreditation"))) if qa]
    if offering.quality_assurance:
        marks.mark("quality_assurance", "accreditation")
    partial = _first(spec.get("isPartialQualification"))
    if partial is True or str(partial).lower() == "true":
        offering.stackability = "integrated"
        marks.mark("stackability", "isPartialQualification", "inferred", 0.6)
    parents = _nodes(spec.get("isPartOf"))
    if parents:
        offering.part_of += [PartOf(title=text_map(p.get("title")), id=uri_of(p)) for p in parents]
        offering.stackability = offering.stackability or "stackable"
        marks.mark("stackability", "isPartOf", "inferred", 0.6)
    for code in as_list(spec.get("qualificationCode")):
        if uri_of(code):
            offering.other_identifiers.append(Identifier(value=uri_of(code) or "", scheme="qualificationCode"))


def _outcome(node: Node) -> LearningOutcome:
    kind = uri_of(_first(node.get("dcType")))
    return LearningOutcome(
        text=text_map(node.get("title")),
        esco_skills=[u for u in (uri_of(s) for s in as_list(node.get("relatedESCOSkill"))) if u],
        other_skills=[u for u in (uri_of(s) for s in as_list(node.get("relatedSkill"))) if u],
        type=schemes.code_for("skill_type", kind),
        reusability=uri_of(_first(node.get("reusabilityLevel"))),
    )


def _skills(outcomes: list[Node]) -> list[Concept]:
    found: dict[str, Concept] = {}
    for node in outcomes:
        for skill in as_list(node.get("relatedESCOSkill")):
            uri = uri_of(skill)
            if uri and uri not in found:
                found[uri] = Concept(uri=uri, label=text_map(skill.get("prefLabel")) if isinstance(skill, dict) else {})
    return list(found.values())


def _volume(spec: Node, offering: Offering, marks: Marks) -> None:
    volume = _first(spec.get("volumeOfLearning"))
    if isinstance(volume, str) and volume.strip():
        hours = parsing.iso_duration_hours(volume.strip())
        if hours is not None and 1 <= hours <= 3000:
            offering.workload_hours = hours
            marks.mark("workload_hours", "volumeOfLearning")
        else:
            # P60M is sixty *months*; the Commission's own sample has it (§3.3).
            offering.crosswalk_warnings.append("workload_hours: volumeOfLearning is not a plausible number of hours")
    for credit in _nodes(spec.get("creditPoint")):
        framework = schemes.code_for("credit_system", uri_of(credit.get("framework")))
        value = parsing.parse_credits(f"{_first(credit.get('point'))} credits")
        if value is None or isinstance(value.value, tuple):
            offering.crosswalk_warnings.append("ects_credits: a credit point that is not a number was dropped")
        elif framework == "ects" and offering.ects_credits is None:
            offering.ects_credits = value.value
            marks.mark("ects_credits", "creditPoint")
        else:
            system = schemes.label_for("credit_system", framework) if framework else "unknown"
            uri = uri_of(credit.get("framework"))
            offering.other_credits.append(OtherCredit(value=value.value, system=system, system_uri=uri))


def _level(uri: str | None, node: Any, offering: Offering) -> None:
    eqf = schemes.code_for("eqf", uri)
    if eqf:
        offering.eqf_level = int(eqf)
    elif uri and "/snb/qdr/" in uri:
        label = text_map(node.get("prefLabel")) if isinstance(node, dict) else {}
        offering.nqf_level.append(Concept(uri=uri, label=label))
    elif uri:
        offering.qf_ehea_cycle = offering.qf_ehea_cycle or parsing.parse_qf_ehea_cycle(uri)


def _activity(node: Node, offering: Offering) -> None:
    notes = offering.crosswalk_warnings
    for code in _codes("activity", node.get("dcType"), "learning_activity_types", notes):
        if code not in offering.learning_activity_types:
            offering.learning_activity_types.append(code)
    hours = _first(node.get("contactHour"))
    if hours is not None and offering.contact_hours is None:
        try:
            offering.contact_hours = float(str(hours).replace(",", "."))
        except ValueError:
            notes.append("contact_hours: contactHour is not a number")
    offering.mode = list(dict.fromkeys([*offering.mode, *_codes("mode", node.get("mode"), "mode", notes)]))


def _assessment(node: Node, offering: Offering) -> None:
    notes = offering.crosswalk_warnings
    spec = _first(_nodes(node.get("specifiedBy"))) or node  # an issued LearningAssessment points at its spec
    for code in _codes("assessment", spec.get("dcType"), "assessment_types", notes):
        if code not in offering.assessment_types:
            offering.assessment_types.append(code)
    description = text_map(spec.get("description"))
    for lang, text in description.items():
        offering.assessment_description.setdefault(lang, text)
    for scheme in _nodes(spec.get("gradingScheme")):
        title, details = text_map(scheme.get("title")), text_map(scheme.get("description"))
        for lang in dict.fromkeys([*title, *details]):
            parts = [p for p in (title.get(lang), details.get(lang)) if p]
            offering.grading_scheme.setdefault(lang, ": ".join(parts))
    for lang in _languages(spec.get("language"), "languages_of_assessment", notes):
        if lang not in offering.languages_of_assessment:
            offering.languages_of_assessment.append(lang)
    supervision = schemes.code_for("supervision", uri_of(node.get("idVerification")))
    # The LOQ profile has no idVerification on a specification (its shape is closed): a note whose subject
    # is the supervision-verification concept says it instead (what the catalogue's own export writes).
    for note in _nodes(spec.get("additionalNote")):
        supervision = supervision or next(
            filter(None, (schemes.code_for("supervision", uri_of(s)) for s in as_list(note.get("subject")))), None
        )
    offering.supervision_id_verification = offering.supervision_id_verification or supervision


def _accreditation(node: Node) -> QualityAssurance | None:
    elm_type = schemes.code_for("accreditation", uri_of(_first(node.get("dcType"))))
    report = _web(node.get("report"))
    return QualityAssurance(
        type=_QA_TYPES.get(elm_type or "", "unknown"),
        elm_type=elm_type,
        title=text_map(node.get("title")),
        description=text_map(node.get("description")),
        qa_body=organisation(_first(_nodes(node.get("accreditingAgent")))),
        decision=uri_of(_first(node.get("decision"))),
        decision_date=parsing.parse_date(str(_first(node.get("issued")) or "")),
        expiry_date=parsing.parse_date(str(_first(node.get("expiryDate")) or "")),
        report_url=report[0] if report else None,
    )
