"""MicroHE credit supplement (JSON-LD) → Offering (docs/normalisation.md §3.6), and the document splitter.

MicroHE's draft metadata standard extends the ESCO qualification schema (§1.2): a micro-credential
is an ``esco:Qualification``-like node using ESCO, ADMS, SKOS, DCAT, FOAF and Dublin Core terms plus
``microhe:`` ones. The ``microhe`` namespace IRI is not fixed by anything we can cite, so terms are
matched by prefix and local name: a key is resolved through the record's own ``@context`` (aliases,
prefixes and full IRIs all work), then compared case-insensitively (the names as docs/normalisation.md §3.6 gives
them mix cases: ``consistsof``, ``Assessmentmethod``). Every row of §3.6 is read; what the record does not say
stays empty. Pure; a malformed record raises :class:`~offerings.errors.CrosswalkError` (the
``CROSSWALKS`` wrapper turns anything else into one too).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from typing import Any

from offerings import vocab
from offerings.crosswalks import SourceContext, SourceRecord
from offerings.crosswalks.common import Marks, as_list, base_offering, finish, json_payload, lang_or_und
from offerings.errors import CrosswalkError
from offerings.model import (
    Concept,
    Identifier,
    LangMap,
    LearningOutcome,
    Offering,
    Organisation,
    OtherCredit,
    QualityAssurance,
)
from offerings.text import parsing
from offerings.vocab import schemes

__all__ = ["SOURCE_FORMAT", "is_microhe", "split", "to_offering"]

logger = logging.getLogger(__name__)

SOURCE_FORMAT = "microhe_jsonld"
# Namespaces of the vocabularies MicroHE builds on → the prefix §1.2 and §3.6 use for them.
_NAMESPACES = {
    "http://www.w3.org/ns/adms#": "adms",
    "http://www.w3.org/2004/02/skos/core#": "skos",
    "http://purl.org/dc/terms/": "dcterms",
    "http://www.w3.org/ns/dcat#": "dcat",
    "http://xmlns.com/foaf/0.1/": "foaf",
    "http://data.europa.eu/esco/model#": "esco",
    "http://purl.org/iso25964/skos-thes#": "iso-thes",
}
_PREFIX_ALIASES = {"dct": "dcterms", "dc": "dcterms", "isothes": "iso-thes"}
_RECORD_TYPES = {"qualification", "microcredential", "micro-credential", "creditsupplement"}
_ESCO_SKILL = re.compile(r"^https?://data\.europa\.eu/esco/(?:skill|isced-f)/", re.I)
_EQF = re.compile(r"/(?:snb/)?eqf/(?:25831c2/)?(?:level/?)?([1-8])$", re.I)
# "undergoing the learning activity" vs "an assessment of competence acquired" (§1.2).
_BY_ATTENDANCE = re.compile(r"undergo|attendance|participation|taking part", re.I)

Node = dict[str, Any]


class _Context:
    """The term aliases and prefixes a JSON-LD ``@context`` declares (inline contexts only: a remote
    context is never fetched, so its prefixes fall back to the conventional ones)."""

    def __init__(self, raw: Any) -> None:
        self.terms: dict[str, str] = {}
        for item in as_list(raw):
            if not isinstance(item, dict):
                continue
            for term, target in item.items():
                target_id = target.get("@id") if isinstance(target, dict) else target
                if isinstance(target_id, str) and not term.startswith("@"):
                    self.terms[term] = target_id

    def canonical(self, key: str) -> str:
        """``key`` as ``prefix:localname`` (lower case) in the prefixes of §3.6, or as it came."""
        if key.startswith("@"):
            return key
        target = self.terms.get(key, key)
        if ":" in target and not target.startswith(("http://", "https://")):
            prefix, local = target.split(":", 1)
            namespace = self.terms.get(prefix)
            if namespace and namespace.startswith(("http://", "https://")):
                return _from_iri(namespace + local)
            return f"{_PREFIX_ALIASES.get(prefix.lower(), prefix.lower())}:{local.lower()}"
        return _from_iri(target)


def _from_iri(iri: str) -> str:
    for namespace, prefix in _NAMESPACES.items():
        if iri.startswith(namespace):
            return f"{prefix}:{iri[len(namespace) :].lower()}"
    if "microhe" in iri.lower():
        return "microhe:" + re.split(r"[#/:]", iri)[-1].lower()
    return iri.lower()


def _canon(value: Any, context: _Context, depth: int = 0) -> Any:
    """``value`` with every key canonical, recursively (bounded: a record is a tree, not a graph)."""
    if depth > 12:
        return None
    if isinstance(value, list):
        return [_canon(v, context, depth + 1) for v in value]
    if isinstance(value, dict):
        return {context.canonical(k): _canon(v, context, depth + 1) for k, v in value.items()}
    return value


def _types(node: Node) -> set[str]:
    return {re.split(r"[#/:]", str(t))[-1].lower() for t in as_list(node.get("@type")) if t}


def is_microhe(document: Any) -> bool:
    """Whether a JSON document is a MicroHE record (or a list or ``@graph`` of them)."""
    return bool(_records(document))


def _records(document: Any) -> list[Node]:
    """The MicroHE records of a document, keys canonical: nodes that use a ``microhe:`` term, or are
    qualifications described with ESCO terms."""
    items = document.get("@graph", document) if isinstance(document, dict) else document
    outer = as_list(document.get("@context")) if isinstance(document, dict) and "@graph" in document else []
    found = []
    for item in as_list(items):
        if not isinstance(item, dict):
            continue
        node = _canon(item, _Context([*outer, *as_list(item.get("@context"))]))
        keys = set(node)
        microhe = any(k.startswith("microhe:") for k in keys)
        esco_qualification = bool(_types(node) & _RECORD_TYPES) and any(k.startswith("esco:") for k in keys)
        if microhe or esco_qualification:
            found.append(node)
    return found


def _identifier(node: Node) -> str | None:
    if isinstance(node.get("@id"), str) and node["@id"].strip():
        return str(node["@id"]).strip()
    for ident in as_list(node.get("adms:identifier")):
        notation = _plain(ident.get("skos:notation")) if isinstance(ident, dict) else _plain(ident)
        if notation:
            return notation
    return None


def split(document: Any) -> Iterator[SourceRecord]:
    """One record per MicroHE micro-credential of a document (identifier: its ``@id`` or ``adms:identifier``)."""
    for node in _records(document):
        ident = _identifier(node)
        if ident:
            yield SourceRecord(identifier=ident, payload=json.dumps(node, ensure_ascii=False).encode("utf-8"))


# ---- values ---------------------------------------------------------------------------------------------
def _plain(value: Any) -> str | None:
    """The first plain value: a string or number, a ``{"@value"}``, or a node's ``@id``."""
    for item in as_list(value):
        if isinstance(item, dict):
            item = item.get("@value", item.get("@id"))
        if isinstance(item, bool) or item is None:
            continue
        text = parsing.clean_text(str(item))
        if text:
            return text
    return None


def _uris(value: Any) -> list[str]:
    out = []
    for item in as_list(value):
        uri = item.get("@id") if isinstance(item, dict) else item
        if isinstance(uri, str) and uri.strip().startswith(("http://", "https://")):
            out.append(uri.strip())
    return list(dict.fromkeys(out))


def _text(value: Any) -> LangMap:
    """A LangMap from strings, ``{"@value", "@language"}``, a language map, or nodes with a label."""
    out: LangMap = {}
    for item in as_list(value):
        if isinstance(item, str):
            pairs: list[tuple[str, Any]] = [("und", item)]
        elif isinstance(item, dict) and "@value" in item:
            pairs = [(item.get("@language") or "und", item["@value"])]
        elif isinstance(item, dict) and not any(k.startswith("@") or ":" in k for k in item):
            pairs = list(item.items())  # a language map (a term declared "@container": "@language")
        elif isinstance(item, dict):
            label = _text(item.get("skos:preflabel") or item.get("dcterms:title") or item.get("foaf:name"))
            pairs = list((label or _text(item.get("dcterms:description"))).items())
        else:
            continue
        for lang, text in pairs:
            cleaned = parsing.clean_text(str(text)) if isinstance(text, (str, int, float)) else ""
            if cleaned:
                out.setdefault(lang_or_und(lang), cleaned)
    return out


def _number(value: Any) -> float | None:
    text = _plain(value)
    if text is None:
        return None
    try:
        number = float(text.replace(",", "."))
    except ValueError:
        return None
    return number if number >= 0 else None


def _truth(value: Any) -> bool | None:
    for item in as_list(value):
        item = item.get("@value") if isinstance(item, dict) else item
        if isinstance(item, bool):
            return item
        if str(item).strip().lower() in ("true", "false", "yes", "no"):
            return str(item).strip().lower() in ("true", "yes")
    return None


def _date(value: Any) -> str | None:
    text = _plain(value)
    parsed = parsing.parse_date(text) if text else None
    return parsed.isoformat() if parsed else None


def _organisation(value: Any) -> Organisation | None:
    """A body (awarding body, QA agency): a node with a name, or a bare name."""
    if isinstance(value, str) and not value.startswith(("http://", "https://")):
        return Organisation(name=_text(value)) if _text(value) else None
    if not isinstance(value, dict):
        return None
    name = _text(value.get("skos:preflabel") or value.get("foaf:name") or value.get("dcterms:title"))
    if not name:
        return None
    org = Organisation(name=name, homepage=next(iter(_uris(value.get("foaf:homepage"))), None))
    for place in as_list(value.get("dcterms:spatial")):
        _place(place, org)
    for ident in as_list(value.get("adms:identifier")):
        notation = _plain(ident.get("skos:notation")) if isinstance(ident, dict) else _plain(ident)
        if notation:
            org.other_ids.append(Identifier(value=notation, scheme=_scheme(ident)))
    return org


def _place(place: Any, org: Organisation) -> None:
    """A country (NAL URI, ISO code or name) or a NUTS/ATU region URI, as ``dcterms:spatial`` gives it."""
    for uri in _uris(place) or [str(_plain(place) or "")]:
        if "/nuts/" in uri or "/atu/" in uri:
            org.region = org.region or uri
        else:
            org.country = org.country or vocab.country_code(uri)


def _scheme(ident: Any) -> str | None:
    if not isinstance(ident, dict):
        return None
    return _plain(ident.get("adms:schemeagency")) or _plain(ident.get("dcterms:creator"))


# ---- the crosswalk --------------------------------------------------------------------------------------
def to_offering(record: SourceRecord, context: SourceContext) -> Offering:
    """Normalise one MicroHE micro-credential record.

    Raises:
        CrosswalkError: not JSON, no MicroHE record in it, or no title.
    """
    offering = base_offering(record, context, SOURCE_FORMAT)
    if record.deleted:
        return offering
    document = json_payload(record)
    nodes = _records(document)
    node = next((n for n in nodes if _identifier(n) == record.identifier), nodes[0] if nodes else None)
    if node is None:
        raise CrosswalkError("no MicroHE record (no microhe: term, no ESCO qualification)", field="metadata")
    marks = Marks()
    _describe(node, offering, marks)
    if not offering.title:
        raise CrosswalkError("the record has no skos:prefLabel", field="title")
    _associations(node, offering, marks)
    _volume(node, offering, marks)
    _structure(node, offering, marks)
    _bodies(node, offering, marks)
    _delivery(node, offering, marks)
    return finish(offering, marks, context)


def _describe(node: Node, offering: Offering, marks: Marks) -> None:
    """Identity, titles, texts, links, language and life cycle."""
    for ident in as_list(node.get("adms:identifier")):
        notation = _plain(ident.get("skos:notation")) if isinstance(ident, dict) else _plain(ident)
        if notation:
            offering.other_identifiers.append(Identifier(value=notation, scheme=_scheme(ident)))
    offering.title = _text(node.get("skos:preflabel"))
    offering.alternative_titles = [t for t in (_text(a) for a in as_list(node.get("skos:altlabel"))) if t]
    offering.description = _text(node.get("skos:definition"))
    # dcterms:description of a MicroHE record describes the learning outcomes (§3.6).
    offering.learning_outcome_summary = _text(node.get("dcterms:description"))
    pages = _uris(node.get("dcat:landingpage")) + _uris(node.get("foaf:homepage"))
    offering.record_url = pages[0] if pages else None
    offering.supplementary_documents = _uris(node.get("esco:supplementarydoc"))
    language = vocab.language_code(_plain(node.get("esco:referencelanguage")))
    offering.default_language = language
    if language:
        marks.mark("default_language", "esco:referenceLanguage")
    offering.source_last_modified = _date(node.get("dcterms:modified")) or _date(node.get("dcterms:issued"))
    offering.source_status = _plain(node.get("iso-thes:status"))
    publisher = _organisation(node.get("dcterms:publisher"))
    if publisher:
        # The record's publisher is who puts the offering out: the provider, unless stated otherwise.
        offering.provider = [publisher]
        marks.mark("provider", "dcterms:publisher", "inferred", 0.7)


def _associations(node: Node, offering: Offering, marks: Marks) -> None:
    """``esco:hasAssociation``: ESCO skills, competences and knowledge (outcomes), EQF and NQF levels."""
    for association in as_list(node.get("esco:hasassociation")):
        target = association
        if isinstance(association, dict) and "@id" not in association:
            # An association object names its target (ESCO model: esco:target / esco:targetFramework).
            target = association.get("esco:target") or association.get("esco:targetframework") or association
        uri = next(iter(_uris(target)), None)
        label = _text(target) or _text(association)
        if uri is None:
            offering.crosswalk_warnings.append("esco:hasAssociation: an association without a URI, dropped")
            continue
        level = _EQF.search(uri)
        if level:
            offering.eqf_level = offering.eqf_level or int(level.group(1))
            marks.mark("eqf_level", "esco:hasAssociation")
        elif "/snb/qdr/" in uri or "/nqf" in uri.lower():
            offering.nqf_level.append(Concept(uri=uri, label=label))
        elif _ESCO_SKILL.match(uri):
            # ESCO keeps skills, competences and knowledge under one /skill/ path: the type stays open.
            offering.learning_outcomes.append(LearningOutcome(text=label or {"und": uri}, esco_skills=[uri]))
            offering.esco_skills.append(Concept(uri=uri, label=label))
        else:
            offering.crosswalk_warnings.append("esco:hasAssociation: a target that is no ESCO skill or level, dropped")
    if offering.learning_outcomes:
        marks.mark("learning_outcomes", "esco:hasAssociation")
    codes = [_isced(v) for v in as_list(node.get("esco:hasisced-fcode"))]
    offering.isced_f = [c for c in codes if c]
    if len(offering.isced_f) < len(codes):
        offering.crosswalk_warnings.append("isced_f: esco:hasISCED-FCode that is not ISCED-F 2013, dropped")


def _isced(value: Any) -> str | None:
    uri = next(iter(_uris(value)), None)
    code = schemes.code_for("isced_f", uri) if uri else None
    text = _plain(value) or ""
    return code or (text if re.fullmatch(r"\d{2,4}", text) else None)


def _volume(node: Node, offering: Offering, marks: Marks) -> None:
    """ECTS, other credit systems (``microhe:CreditSystem*``) and notional hours."""
    ects = _number(node.get("esco:hasectscreditpoints"))
    if ects is None:
        parsed = parsing.parse_ects(_plain(node.get("esco:hasectscreditpoints")))  # "5 ECTS"
        ects = parsed if isinstance(parsed, float) else None
    if ects is not None:
        offering.ects_credits = ects
        marks.mark("ects_credits", "esco:hasECTSCreditPoints")
    points = _number(node.get("microhe:hascreditpoints"))
    system = _plain(node.get("microhe:creditsystemname")) or _plain(node.get("microhe:creditsystem"))
    value = _number(node.get("microhe:creditsystemvalue"))
    credits = value if value is not None else points
    if credits is not None:
        if (system is None or "ects" in system.lower()) and offering.ects_credits is None:
            offering.ects_credits = credits
            # A number without a named system is taken as ECTS, the system MicroHE is built around.
            marks.mark("ects_credits", "microhe:hasCreditPoints", "declared" if system else "inferred", 0.7)
        elif system is not None and "ects" not in system.lower():
            issuer = _plain(node.get("microhe:creditsystemissuer"))
            offering.other_credits.append(OtherCredit(value=credits, system=system, level=None))
            if issuer:
                offering.other_credits[-1].system = f"{system} ({issuer})"
    volume = _plain(node.get("esco:volumeoflearning"))
    if volume:
        # Notional hours: a number, an ISO 8601 duration ("PT125H") or a text ("125 hours").
        hours = parsing.iso_duration_hours(volume) if volume.upper().startswith("P") else _number(volume)
        if hours is None:
            parsed = parsing.parse_workload(volume)
            hours = parsed if isinstance(parsed, float) else None
        if hours is not None and 1 <= hours <= 3000:
            offering.workload_hours = hours
            marks.mark("workload_hours", "esco:volumeOfLearning")
        else:
            offering.crosswalk_warnings.append("workload_hours: esco:volumeOfLearning is not a number of hours")


def _structure(node: Node, offering: Offering, marks: Marks) -> None:
    """Parts, partial qualification, entry requirement, and the qualification it is part of."""
    offering.has_parts = _uris(node.get("microhe:consistsof"))
    partial = _truth(node.get("esco:ispartialqualification"))
    if partial:
        offering.stackability = "integrated"
        marks.mark("stackability", "esco:isPartialQualification", "inferred", 0.6)
    if offering.has_parts and offering.stackability is None:
        offering.stackability = "stackable"
        marks.mark("stackability", "microhe:consistsof", "inferred", 0.6)
    offering.prerequisites = _text(node.get("esco:hasentryrequirement"))


def _bodies(node: Node, offering: Offering, marks: Marks) -> None:
    """Awarding body and awarding activity (country/region), accreditation."""
    bodies = [o for o in map(_organisation, as_list(node.get("microhe:awardingbody"))) if o]
    # The draft names an "awarding activity with country/region" but no property for it: read as
    # microhe:AwardingActivity holding the body and its place (dcterms:spatial).
    for activity in as_list(node.get("microhe:awardingactivity")):
        if not isinstance(activity, dict):
            continue
        bodies += [o for o in map(_organisation, as_list(activity.get("microhe:awardingbody"))) if o]
        for place in as_list(activity.get("dcterms:spatial")):
            where = Organisation(name={})
            _place(place, where)
            if where.country:
                offering.issuer_country.append(where.country)
            if where.region:
                offering.issuer_region.append(where.region)
    offering.awarding_body = bodies
    if bodies:
        marks.mark("awarding_body", "microhe:AwardingBody")
    if not offering.provider and bodies:
        # MicroHE has no provider property: who awards is taken to deliver, unless a publisher says otherwise.
        offering.provider = [Organisation(name=dict(b.name), country=b.country, homepage=b.homepage) for b in bodies]
        marks.mark("provider", "microhe:AwardingBody", "inferred", 0.7)
    if offering.issuer_country:
        offering.issuer_country = list(dict.fromkeys(offering.issuer_country))
        marks.mark("issuer_country", "awarding activity")
    for accreditation in as_list(node.get("esco:hasaccreditation")):
        qa = _accreditation(accreditation)
        if qa:
            offering.quality_assurance.append(qa)
    if offering.quality_assurance:
        marks.mark("quality_assurance", "esco:hasAccreditation")


def _accreditation(value: Any) -> QualityAssurance | None:
    """An accreditation: a node (title, agency, dates, report) or a text naming one."""
    title = _text(value)
    if not title:
        return None
    text = " ".join(title.values())
    found = parsing.parse_qa(text)
    # An accreditation of the qualification itself, unless its text says it is institutional.
    qa = QualityAssurance(type=found[0][0] if found else "external_programme", title=title)
    if isinstance(value, dict):
        qa.qa_body = _organisation(value.get("dcterms:publisher"))
        qa.decision_date = parsing.parse_date(_plain(value.get("dcterms:issued")) or "")
        qa.report_url = next(iter(_uris(value.get("foaf:homepage")) + _uris(value.get("dcat:landingpage"))), None)
    if qa.qa_body is None and found and found[0][1]:
        qa.qa_body = Organisation(name={"und": found[0][1]})
    return qa


def _delivery(node: Node, offering: Offering, marks: Marks) -> None:
    """Mode, assessment and awarding method, grading scheme."""
    modes = _text(node.get("microhe:mode"))
    for text in modes.values():
        offering.mode += parsing.parse_modes(text)
    if modes and not offering.mode:
        offering.crosswalk_warnings.append("mode: microhe:mode names no mode of delivery we know")
    elif offering.mode:
        marks.mark("mode", "microhe:mode", "parsed", 0.9)
    assessment = _text(node.get("microhe:assessmentmethod"))
    awarding = _text(node.get("microhe:awardingmethod"))
    for lang in dict.fromkeys([*assessment, *awarding]):
        parts = [p for p in (assessment.get(lang), awarding.get(lang)) if p]
        offering.assessment_description[lang] = " ".join(parts)
    for text in assessment.values():
        offering.assessment_types += parsing.parse_assessment(text)
    if not offering.assessment_types and any(_BY_ATTENDANCE.search(t) for t in awarding.values()):
        # Awarded for undergoing the learning activity: attendance is what is checked.
        offering.assessment_types = ["level_of_attendance"]
        marks.mark("assessment_types", "microhe:AwardingMethod", "inferred", 0.6)
    elif offering.assessment_types:
        marks.mark("assessment_types", "microhe:Assessmentmethod", "parsed", 0.8)
    offering.grading_scheme = _text(node.get("microhe:gradescheme"))
