"""CTDL (Credential Engine) JSON-LD → Offering (docs/normalisation.md §3.5), and the graph splitter.

A record's payload is one ``ceterms:Course``, ``LearningProgram`` or ``LearningOpportunityProfile``
node with the organisations, credentials and other nodes it refers to embedded (what :func:`split`
makes of a CTDL graph); a credential that requires the opportunity is attached under
``@reverse``. CTDL is US-centred: no EQF, ISCED-F or ECTS, so those stay empty unless a credit value
names ECTS. ``ownedBy`` is the awarding body, ``offeredBy`` the provider.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

from offerings import vocab
from offerings.crosswalks import SourceContext, SourceRecord
from offerings.crosswalks.common import Marks, as_list, base_offering, finish, json_payload, lang_or_und
from offerings.errors import CrosswalkError
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

__all__ = ["OPPORTUNITY_TYPES", "split", "to_offering"]

OPPORTUNITY_TYPES: dict[str, str | None] = {
    "Course": "course",
    "LearningProgram": "short_learning_programme",
    "LearningOpportunityProfile": None,
}
_DELIVERY = {"inperson": "onsite", "onlineonly": "online", "blendeddelivery": "blended", "variablesite": "onsite"}
_CREDENTIALS = {
    "MicroCredential": "micro_credential",
    "Certificate": "certificate",
    "Certification": "certificate",
    "CertificateOfCompletion": "certificate",
    "DigitalBadge": "digital_badge",
    "OpenBadge": "digital_badge",
    "Badge": "digital_badge",
    "Diploma": "diploma_or_degree",
    "Degree": "diploma_or_degree",
    "AssociateDegree": "diploma_or_degree",
    "BachelorDegree": "diploma_or_degree",
    "MasterDegree": "diploma_or_degree",
    "DoctoralDegree": "diploma_or_degree",
}
_ASSESSMENT = {"artifact": "artefact_assessment", "exam": "written_examination", "performance": "practical_assessment"}
_QA = {
    "accreditedBy": "external_programme",
    "approvedBy": "external_programme",
    "regulatedBy": "licence",
    "recognizedBy": "professional_recognition",
}
_PREREQUISITES = ("requires", "entryCondition", "corequisite", "recommends")
_STACKING = ("isPreparationFor", "isRequiredFor", "isAdvancedStandingFor", "isRecommendedFor")


def _key(name: str) -> str:
    return name.split(":", 1)[1] if name.startswith("ceterms:") else name


def _compact(value: Any) -> Any:
    """Keys without the ``ceterms:`` prefix, recursively."""
    if isinstance(value, dict):
        return {_key(k): _compact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_compact(v) for v in value]
    return value


def _type(node: dict[str, Any]) -> str:
    return str(_first(node.get("@type")) or "").rsplit(":", 1)[-1].rsplit("/", 1)[-1]


def _first(value: Any) -> Any:
    items = as_list(value)
    return items[0] if items else None


def _nodes(document: Any) -> list[dict[str, Any]]:
    if isinstance(document, dict) and "@graph" in document:
        return [n for n in as_list(document["@graph"]) if isinstance(n, dict)]
    return [n for n in as_list(document) if isinstance(n, dict)]


def _embed(value: Any, index: dict[str, dict[str, Any]], path: frozenset[str]) -> Any:
    if isinstance(value, str) and value in index and value not in path:
        return _embed(copy.deepcopy(index[value]), index, path | {value})
    if isinstance(value, list):
        return [_embed(v, index, path) for v in value]
    if isinstance(value, dict):
        ident = value.get("@id")
        inner = path | {ident} if isinstance(ident, str) else path
        return {k: v if k == "@id" else _embed(v, index, inner) for k, v in value.items()}
    return value


def split(document: Any) -> Iterator[SourceRecord]:
    """One record per learning opportunity of a CTDL graph (identifier: its ``@id``)."""
    nodes = [_compact(n) for n in _nodes(document)]
    index = {n["@id"]: n for n in nodes if isinstance(n.get("@id"), str)}
    for node in nodes:
        ident = node.get("@id")
        if _type(node) not in OPPORTUNITY_TYPES or not isinstance(ident, str):
            continue
        # Only opportunities and organisations are embedded; parts stay references.
        shallow = {k: v for k, v in index.items() if _type(v) not in OPPORTUNITY_TYPES or k == ident}
        embedded = _embed(copy.deepcopy(node), shallow, frozenset({ident}))
        credentials = [_embed(copy.deepcopy(n), shallow, frozenset({ident})) for n in nodes if _targets(n, ident)]
        if credentials:
            embedded["@reverse"] = {"targetLearningOpportunity": credentials}
        yield SourceRecord(identifier=ident, payload=json.dumps(embedded, ensure_ascii=False).encode("utf-8"))


def _targets(node: dict[str, Any], ident: str) -> bool:
    conditions = [c for c in as_list(node.get("requires")) if isinstance(c, dict)]
    return _type(node) in _CREDENTIALS and any(ident in as_list(c.get("targetLearningOpportunity")) for c in conditions)


def _text(value: Any) -> LangMap:
    out: LangMap = {}
    for item in as_list(value):
        pairs = item.items() if isinstance(item, dict) else [("und", item)]
        for lang, text in pairs:
            joined = "\n".join(str(t) for t in as_list(text) if t)
            cleaned = parsing.clean_text(joined)
            if cleaned:
                out.setdefault(lang_or_und(lang), cleaned)
    return out


def _name(value: Any) -> str:
    return next(iter(_text(value).values()), "")


def _alignments(value: Any) -> list[dict[str, Any]]:
    return [v for v in as_list(value) if isinstance(v, dict)]


def _target(alignment: dict[str, Any]) -> str:
    node = str(alignment.get("targetNode") or "")
    return node.rsplit(":", 1)[-1].rsplit("/", 1)[-1].lower()


def _organisation(value: Any) -> Organisation | None:
    if isinstance(value, str):
        # A reference the graph does not resolve: the body is identified, its name is not given.
        return Organisation(name={}, other_ids=[Identifier(value=value, scheme="ctdl")])
    if not isinstance(value, dict):
        return None
    org = Organisation(name=_text(value.get("name")), homepage=value.get("subjectWebpage") or None)
    for address in _alignments(value.get("address")):
        org.country = org.country or vocab.country_code(_name(address.get("addressCountry")))
        parts = [_name(address.get(k)) for k in ("streetAddress", "addressLocality", "postalCode")]
        org.address = org.address or ", ".join(p for p in parts if p) or None
    ctid = value.get("ctid")
    if isinstance(ctid, str):
        org.other_ids.append(Identifier(value=ctid, scheme="ctid"))
    return org


def to_offering(record: SourceRecord, context: SourceContext) -> Offering:
    """Normalise one CTDL learning opportunity.

    Raises:
        CrosswalkError: not JSON, not a CTDL learning opportunity, or no name.
    """
    offering = base_offering(record, context, "ctdl_jsonld")
    if record.deleted:
        return offering
    document = json_payload(record)
    node = _compact(document) if isinstance(document, dict) and "@type" in document else None
    if node is None or _type(node) not in OPPORTUNITY_TYPES:
        found = [n for n in map(_compact, _nodes(document)) if _type(n) in OPPORTUNITY_TYPES]
        node = next((n for n in found if n.get("@id") == record.identifier), found[0] if found else None)
    if node is None:
        raise CrosswalkError("not a CTDL learning opportunity", field="@type")
    marks = Marks()
    offering.title = _text(node.get("name"))
    if not offering.title:
        raise CrosswalkError("learning opportunity has no name", field="name")
    kind = OPPORTUNITY_TYPES[_type(node)]
    offering.offering_type = [kind] if kind else []
    _identity(offering, node)
    _bodies(offering, node, marks)
    _delivery(offering, node, marks)
    _content(offering, node, marks)
    _money(offering, node, marks)
    _progression(offering, node, marks)
    return finish(offering, marks, context)


def _identity(offering: Offering, node: dict[str, Any]) -> None:
    offering.description = _text(node.get("description"))
    offering.record_url = node.get("subjectWebpage") if isinstance(node.get("subjectWebpage"), str) else None
    if isinstance(node.get("ctid"), str):
        offering.other_identifiers.append(Identifier(value=node["ctid"], scheme="ctid"))
    codes = [c for c in as_list(node.get("codedNotation")) if isinstance(c, str)]
    offering.other_identifiers += [Identifier(value=c, scheme="codedNotation") for c in codes]
    languages = (vocab.language_code(v) for v in as_list(node.get("inLanguage")))
    offering.languages_of_instruction = [c for c in languages if c]
    offering.source_last_modified = node.get("dateEffective") if isinstance(node.get("dateEffective"), str) else None
    status = _first(_alignments(node.get("lifeCycleStatusType")))
    offering.source_status = _target(status) if status else None
    words = [*as_list(node.get("keyword")), *as_list(node.get("subject"))]
    offering.subjects = [s for s in map(_name, words) if s]
    offering.subjects += [_name(a.get("targetNodeName")) for a in _alignments(node.get("instructionalProgramType"))]


def _bodies(offering: Offering, node: dict[str, Any], marks: Marks) -> None:
    offering.provider = [o for o in map(_organisation, as_list(node.get("offeredBy"))) if o]
    offering.awarding_body = [o for o in map(_organisation, as_list(node.get("ownedBy"))) if o]
    if offering.provider:
        marks.mark("provider", "offeredBy")
    if offering.awarding_body:
        marks.mark("awarding_body", "ownedBy")
    for relation, qa_type in _QA.items():
        for body in [*as_list(node.get(relation)), *as_list(node.get(relation.replace("By", "In")))]:
            org = _organisation(body)
            if org is not None:
                offering.quality_assurance.append(QualityAssurance(type=qa_type, qa_body=org))
                marks.mark("quality_assurance", relation)
    credentials = as_list((node.get("@reverse") or {}).get("targetLearningOpportunity"))
    credentials += [c for c in as_list(node.get("isPreparationFor")) if isinstance(c, dict)]
    for credential in (c for c in credentials if isinstance(c, dict)):
        code = _CREDENTIALS.get(_type(credential))
        if code and offering.credential_type is None:
            offering.credential_type = code
            offering.credential_title = _text(credential.get("name"))
            offering.is_micro_credential = code == "micro_credential"
            marks.mark("credential_type", "credential @type")


def _delivery(offering: Offering, node: dict[str, Any], marks: Marks) -> None:
    modes = [_DELIVERY.get(_target(a)) for a in _alignments(node.get("deliveryType"))]
    offering.mode = [m for m in modes if m]
    if offering.mode:
        marks.mark("mode", "deliveryType")
    offering.schedule_info = _text(node.get("deliveryTypeDescription"))
    for timing in ("scheduleTimingType", "scheduleFrequencyType"):
        for alignment in _alignments(node.get(timing)):
            offering.schedule_info.setdefault("en", _name(alignment.get("targetNodeName")))
    durations = _alignments(node.get("estimatedDuration"))
    for duration in durations:
        exact = parsing.parse_duration(str(duration.get("exactDuration") or ""))
        low = parsing.parse_duration(str(duration.get("minimumDuration") or ""))
        high = parsing.parse_duration(str(duration.get("maximumDuration") or ""))
        if exact and offering.duration is None:
            offering.duration = exact.iso
        elif low and high and offering.duration_range is None:
            offering.duration_range = [low.iso, high.iso]
        workload = parsing.parse_workload(_name(duration.get("description")))
        if workload is not None and offering.workload_hours is None and not isinstance(workload, tuple):
            offering.workload_hours = workload
            marks.mark("workload_hours", "estimatedDuration/description", "parsed", 0.6)
    urls = [u for u in [*as_list(node.get("availableOnlineAt")), *as_list(node.get("availabilityListing"))] if u]
    places = [p for p in as_list(node.get("availableAt")) if isinstance(p, dict)]
    if urls or places:
        run = Instance(enrolment_url=urls[0] if isinstance(urls[0] if urls else None, str) else None)
        run.venues = [
            Place(name=_name(p.get("name")) or None, country=vocab.country_code(_name(p.get("addressCountry"))))
            for p in places
        ]
        offering.instances = [run]


def _content(offering: Offering, node: dict[str, Any], marks: Marks) -> None:
    for alignment in _alignments(node.get("teaches")):
        text = _text(alignment.get("targetNodeName"))
        target = str(alignment.get("targetNode") or "")
        esco = [target] if "data.europa.eu/esco/skill/" in target else []
        if text:
            offering.learning_outcomes.append(LearningOutcome(text=text, esco_skills=esco))
    if offering.learning_outcomes:
        marks.mark("learning_outcomes", "teaches")
    offering.occupations = [
        Concept(uri=str(a["targetNode"]) if a.get("targetNode") else None, label=_text(a.get("targetNodeName")))
        for a in _alignments(node.get("occupationType"))
    ]
    levels = [_name(a.get("targetNodeName")) for a in _alignments(node.get("audienceLevelType"))]
    offering.level_text = {"en": "; ".join(levels)} if any(levels) else {}
    audiences = _alignments(node.get("audienceType"))
    offering.target_groups = [Concept(label=_text(a.get("targetNodeName"))) for a in audiences]
    methods = [_ASSESSMENT.get(_target(a)) for a in _alignments(node.get("assessmentMethodType"))]
    offering.assessment_types = [m for m in methods if m]
    offering.assessment_description = _text(node.get("assessmentMethodDescription"))
    if offering.assessment_types:
        marks.mark("assessment_types", "assessmentMethodType")
    elif offering.assessment_description:
        offering.assessment_types = parsing.parse_assessment(" ".join(offering.assessment_description.values()))
        marks.mark("assessment_types", "assessmentMethodDescription", "parsed", 0.6)
    for credit in _alignments(node.get("creditValue")):
        _credit(offering, credit, marks)


def _credit(offering: Offering, credit: dict[str, Any], marks: Marks) -> None:
    value: Any = credit.get("value", credit.get("maxValue"))  # JSON: float() below decides
    try:
        amount = float(value)
    except (TypeError, ValueError):
        return
    units = " ".join(_name(a.get("targetNodeName")) or _target(a) for a in _alignments(credit.get("creditUnitType")))
    if "ects" in units.lower() and offering.ects_credits is None:
        offering.ects_credits = amount
        marks.mark("ects_credits", "creditValue")
    else:
        offering.other_credits.append(OtherCredit(value=amount, system=units or "unknown"))


def _money(offering: Offering, node: dict[str, Any], marks: Marks) -> None:
    for cost in _alignments(node.get("estimatedCost")):
        currency = schemes.currency_code(str(cost.get("currency") or ""))
        price: Any = cost.get("price")  # JSON: float() below decides
        try:
            amount = float(price)
        except (TypeError, ValueError):
            continue
        if currency is None:
            offering.crosswalk_warnings.append("price: a currency that cannot be read was dropped")
            continue
        kinds = [_name(a.get("targetNodeName")) for a in _alignments(cost.get("directCostType"))]
        label = {"en": kinds[0]} if kinds and kinds[0] else _text(cost.get("name"))
        offering.price.append(Price(amount=amount, currency=currency, label=label))
    if offering.price:
        marks.mark("price", "estimatedCost")
    offering.grants = [
        Grant(title=_text(g.get("name")), description=_text(g.get("description")))
        for g in _alignments(node.get("financialAssistance"))
    ]


def _progression(offering: Offering, node: dict[str, Any], marks: Marks) -> None:
    texts: dict[str, list[str]] = {}
    for relation in _PREREQUISITES:
        for condition in _alignments(node.get(relation)):
            for value in (condition.get("description"), condition.get("condition")):
                for lang, text in _text(value).items():
                    texts.setdefault(lang, []).append(text)
    offering.prerequisites = {lang: "\n".join(dict.fromkeys(parts)) for lang, parts in texts.items()}
    if offering.prerequisites:
        marks.mark("prerequisites", "requires/entryCondition")
    offering.has_parts = [p if isinstance(p, str) else str(p.get("@id")) for p in as_list(node.get("hasPart")) if p]
    parents = [*as_list(node.get("isPartOf")), *[c for r in _STACKING for c in as_list(node.get(r))]]
    for parent in parents:
        if isinstance(parent, dict):
            title, url = _text(parent.get("name")), parent.get("subjectWebpage")
            offering.part_of.append(PartOf(title=title, id=parent.get("@id"), url=url))
        elif isinstance(parent, str):
            offering.part_of.append(PartOf(id=parent))
    if any(node.get(r) for r in _STACKING):
        offering.stackability = "stackable"
        marks.mark("stackability", "isPreparationFor")
    elif offering.part_of:
        offering.stackability = "integrated"
        marks.mark("stackability", "isPartOf", "inferred", 0.6)
