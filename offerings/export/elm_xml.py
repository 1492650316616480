"""An Offering as ELM v3 LOQ XML (``xsdVersion`` 3.1.0), the submission format of Europass and the QDR.

The mapping is :mod:`offerings.export.elm_jsonld`'s: this module renders its JSON-LD LearningOpportunity tree
into the LOQ shape of the Commission's samples (``samples/elm-v3/loq*.xml``) instead of restating it,
so the two exports cannot drift apart. LOQ XML keeps every entity (opportunity, achievement
specification or qualification, outcome, activity, assessment, organisation, accreditation, grading
scheme, location) once in its ``*References`` section and links to it by ``idref``; everything else
(notes, web resources, prices, identifiers, credit points, periods, grants, awarding opportunities)
stays inline. Concepts become ``uri`` attributes, language maps repeated elements with a ``language``
attribute, and children follow the element order of the samples (the XSD is a sequence).

What the XML cannot say is left out rather than bent, as in the JSON-LD export (whose choices for the
LOQ SHACL shapes this document inherits: no banner image, the supervision and identity-verification
method as a note on the assessment specification, a grant's page as its ``contentURL``); a reference
to a parent (``isPartOf``) carries its id only. Pure.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from lxml import etree

from offerings.export.elm_jsonld import learning_opportunity
from offerings.model import Offering

__all__ = ["LOQ_NS", "XML_MIMETYPE", "loq_bytes", "loq_document", "render_loq"]

logger = logging.getLogger(__name__)

LOQ_NS = "http://data.europa.eu/snb/model/ap/loq-constraints/"
XML_MIMETYPE = "application/xml"
_SKOS = "http://www.w3.org/2004/02/skos/core#"
_DC = "http://purl.org/dc/terms/"
_XSI = "http://www.w3.org/2001/XMLSchema-instance"
_NSMAP = {None: LOQ_NS, "skos": _SKOS, "dc": _DC, "xsi": _XSI}
XSD_VERSION = "3.1.0"

_SPECS = "learningAchievementSpecificationReferences"
# JSON-LD class → (references section, element name) of the entities LOQ XML links by idref.
_REFERENCED: dict[str, tuple[str, str]] = {
    "LearningOpportunity": ("learningOpportunityReferences", "learningOpportunity"),
    "LearningAchievementSpecification": (_SPECS, "learningAchievementSpecification"),
    "Qualification": (_SPECS, "qualification"),
    "LearningOutcome": ("learningOutcomeReferences", "learningOutcome"),
    "LearningActivitySpecification": ("learningActivitySpecificationReferences", "learningActivitySpecification"),
    "LearningAssessmentSpecification": ("learningAssessmentSpecificationReferences", "learningAssessmentSpecification"),
    "Organisation": ("agentReferences", "organisation"),
    "Accreditation": ("accreditationReferences", "accreditation"),
    "GradingScheme": ("gradingSchemeReferences", "gradingScheme"),
    "Location": ("locationReferences", "location"),
}
# The order of the sections in the Commission's samples.
_SECTIONS = (
    "learningOpportunityReferences",
    "learningAchievementSpecificationReferences",
    "learningOutcomeReferences",
    "learningActivitySpecificationReferences",
    "learningAssessmentSpecificationReferences",
    "learningEntitlementSpecificationReferences",
    "agentReferences",
    "groupReferences",
    "accreditationReferences",
    "gradingSchemeReferences",
    "locationReferences",
)
# JSON-LD property → LOQ element (local name; the namespace comes from _QUALIFIED).
_RENAME = {
    "dcType": "type",
    "thematicArea": "ISCEDFCode",
    "eqfLevel": "EQFLevel",
    "nqfLevel": "NQFLevel",
    "contentURL": "contentUrl",
}
_QUALIFIED = {"prefLabel": _SKOS, "altLabel": _SKOS, "notation": _SKOS, "inScheme": _SKOS, "subject": _DC}
_SPEC_ORDER = (
    "identifier",
    "title",
    "altLabel",
    "description",
    "additionalNote",
    "homepage",
    "supplementaryDocument",
    "category",
    "status",
    "modified",
    "publisher",
    "dcType",
    "learningOutcomeSummary",
    "thematicArea",
    "educationSubject",
    "volumeOfLearning",
    "creditPoint",
    "educationLevel",
    "language",
    "mode",
    "learningSetting",
    "maximumDuration",
    "targetGroup",
    "entryRequirement",
    "learningOutcome",
    "influencedBy",
    "provenBy",
    "entitlesTo",
    "hasPart",
    "isPartOf",
    "specialisationOf",
    "generalisationOf",
    "awardingOpportunity",
    "isPartialQualification",
    "eqfLevel",
    "nqfLevel",
    "qualificationCode",
    "accreditation",
)
# Child order per JSON-LD class, read off the samples (the XSD types are sequences).
_ORDER: dict[str, tuple[str, ...]] = {
    "LearningOpportunity": (
        "identifier",
        "title",
        "description",
        "dcType",
        "additionalNote",
        "homepage",
        "supplementaryDocument",
        "temporal",
        "duration",
        "mode",
        "grant",
        "learningSchedule",
        "scheduleInformation",
        "admissionProcedure",
        "applicationDeadline",
        "priceDetail",
        "providedBy",
        "location",
        "learningAchievementSpecification",
        "learningActivitySpecification",
        "hasPart",
        "isPartOf",
        "bannerImage",
        "defaultLanguage",
        "status",
        "modified",
        "publisher",
    ),
    "LearningAchievementSpecification": _SPEC_ORDER,
    "Qualification": _SPEC_ORDER,
    "LearningOutcome": (
        "identifier",
        "title",
        "dcType",
        "additionalNote",
        "reusabilityLevel",
        "relatedSkill",
        "relatedESCOSkill",
    ),
    "LearningActivitySpecification": (
        "identifier",
        "title",
        "altLabel",
        "description",
        "additionalNote",
        "homepage",
        "supplementaryDocument",
        "category",
        "status",
        "modified",
        "publisher",
        "dcType",
        "contactHour",
        "volumeOfLearning",
        "language",
        "mode",
        "influences",
        "hasPart",
        "specialisationOf",
    ),
    "LearningAssessmentSpecification": (
        "identifier",
        "title",
        "altLabel",
        "description",
        "additionalNote",
        "homepage",
        "supplementaryDocument",
        "category",
        "status",
        "modified",
        "publisher",
        "dcType",
        "language",
        "mode",
        "gradingScheme",
        "proves",
        "hasPart",
        "specialisationOf",
    ),
    "Organisation": (
        "altLabel",
        "legalName",
        "dcType",
        "identifier",
        "eidasLegalIdentifier",
        "registration",
        "vatIdentifier",
        "taxIdentifier",
        "homepage",
        "additionalNote",
        "accreditation",
        "location",
        "contactPoint",
        "hasSubOrganization",
        "logo",
        "groupMemberOf",
        "status",
        "modified",
        "publisher",
    ),
    "Accreditation": (
        "identifier",
        "dcType",
        "title",
        "description",
        "decision",
        "report",
        "organisation",
        "limitQualification",
        "limitField",
        "limitEQFLevel",
        "limitJurisdiction",
        "accreditingAgent",
        "issued",
        "reviewDate",
        "expiryDate",
        "valid",
        "additionalNote",
        "homepage",
        "landingPage",
        "supplementaryDocument",
        "status",
        "modified",
        "publisher",
    ),
    "GradingScheme": ("identifier", "title", "description", "supplementaryDocument"),
    "Location": ("identifier", "geographicName", "spatialCode", "description", "address", "geometry"),
    "Address": ("identifier", "fullAddress", "countryCode"),
    "AwardingOpportunity": ("identifier", "awardingBody", "location", "temporal", "learningAchievementSpecification"),
    "PriceDetail": ("identifier", "amount", "prefLabel", "description", "additionalNote"),
    "Amount": ("unit", "value"),
    "CreditPoint": ("framework", "point"),
    "PeriodOfTime": ("prefLabel", "startDate", "endDate"),
    "Identifier": ("notation", "creator", "schemeAgency", "issued", "schemeName", "schemeVersion", "schemeId"),
    "Grant": ("title", "description", "dcType", "supplementaryDocument", "contentURL"),
    "WebResource": ("title", "language", "contentURL"),
    "Note": ("subject", "noteFormat", "noteLiteral"),
    "Concept": ("prefLabel", "altLabel", "notation", "inScheme"),
}
# Elements typed skos:ConceptType, which may carry labels. The rest are code-list restrictions that
# take the ``uri`` alone (the samples never label them): their labels come with the code list.
_LABELLED = frozenset(
    {"relatedESCOSkill", "relatedSkill", "educationLevel", "educationSubject", "qualificationCode", "decision"}
)
# Properties LOQ XML has no place for in that class (see the module docstring).
_DROPPED = {("LearningOpportunity", "bannerImage")}


def loq_document(offering: Offering, *, page_url: str | None = None) -> etree._Element:
    """The LOQ XML ``Courses`` document of ``offering`` (its catalogue page ``page_url`` is the opportunity id)."""
    return render_loq(learning_opportunity(offering, page_url=page_url))


def loq_bytes(offering: Offering, *, page_url: str | None = None) -> bytes:
    """:func:`loq_document` serialised: UTF-8 with an XML declaration, indented for people reading it."""
    root = loq_document(offering, page_url=page_url)
    etree.indent(root, space="    ")
    return etree.tostring(root, encoding="UTF-8", xml_declaration=True, pretty_print=True)


def render_loq(opportunity: dict[str, Any]) -> etree._Element:
    """Render an ELM JSON-LD LearningOpportunity (as :func:`offerings.export.elm_jsonld.learning_opportunity`
    builds it: references embedded, ids on every entity) as a LOQ XML ``Courses`` document."""
    return _Renderer().document(opportunity)


def _tag(name: str) -> str:
    local = _RENAME.get(name, name)
    return f"{{{_QUALIFIED.get(local, LOQ_NS)}}}{local}"


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        # 250.0 → "250": a whole number reads as one; repr keeps every digit of the rest.
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def _without_ids(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_ids(v) for k, v in value.items() if k != "id"}
    if isinstance(value, list):
        return [_without_ids(v) for v in value]
    return value


def _is_language_map(value: dict[str, Any]) -> bool:
    return "type" not in value and "id" not in value and all(isinstance(v, str) for v in value.values())


class _Renderer:
    """One rendering: the sections filled so far and the ids already placed in them."""

    def __init__(self) -> None:
        self.sections: dict[str, list[etree._Element]] = {name: [] for name in _SECTIONS}
        self.placed: set[str] = set()
        self.by_content: dict[str, str] = {}

    def document(self, opportunity: dict[str, Any]) -> etree._Element:
        root = etree.Element(f"{{{LOQ_NS}}}Courses", nsmap=_NSMAP)
        root.set(f"{{{_XSI}}}schemaLocation", f"{LOQ_NS} loq.xsd")
        root.set("xsdVersion", XSD_VERSION)
        self.entity(opportunity)
        for name in _SECTIONS:
            if self.sections[name]:
                section = etree.SubElement(root, f"{{{LOQ_NS}}}{name}")
                section.extend(self.sections[name])
        return root

    def entity(self, node: dict[str, Any]) -> str:
        """Place ``node`` in its references section (once per id) and return the id to refer to it by."""
        ident = str(node["id"])
        if ident in self.placed:
            return ident
        # The JSON-LD gives the provider and the same organisation as awarding body two ids; LOQ wants
        # one record (identifier notations must be unique across the document), so equal entities merge.
        content = json.dumps(_without_ids(node), sort_keys=True, default=str)
        if content in self.by_content:
            return self.by_content[content]
        self.by_content[content] = ident
        self.placed.add(ident)
        section, name = _REFERENCED[node["type"]]
        element = etree.Element(f"{{{LOQ_NS}}}{name}", id=ident)
        # Reserve the entity's slot before its children: the opportunity comes first in its section.
        self.sections[section].append(element)
        self.children(element, node)
        return ident

    def children(self, element: etree._Element, node: dict[str, Any]) -> None:
        kind = str(node.get("type", ""))
        order = _ORDER.get(kind, ())
        keys = [k for k in node if k not in ("@context", "id", "type") and (kind, k) not in _DROPPED]
        # Known properties in schema order, then anything the mapping grew later, in its own order.
        keys.sort(key=lambda k: order.index(k) if k in order else len(order))
        for key in keys:
            self.property(element, key, node[key])

    def property(self, parent: etree._Element, key: str, value: Any) -> None:
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict):
                self.node(parent, key, item)
            elif item is not None:
                etree.SubElement(parent, _tag(key)).text = _text(item)

    def node(self, parent: etree._Element, key: str, item: dict[str, Any]) -> None:
        kind = item.get("type")
        if kind in _REFERENCED and "id" in item:
            etree.SubElement(parent, _tag(key), idref=self.entity(item))
        elif kind == "Concept":
            concept = etree.SubElement(parent, _tag(key), uri=str(item["id"]))
            if key in _LABELLED:
                self.children(concept, {"type": "Concept", "prefLabel": item.get("prefLabel")})
        elif kind is not None:
            # An inline node (Note, WebResource, PriceDetail, Identifier…): its id is the JSON-LD's
            # bookkeeping, not part of the LOQ type.
            self.children(etree.SubElement(parent, _tag(key)), item)
        elif "id" in item:
            # A bare reference (a part or parent opportunity held elsewhere): the id is all there is.
            etree.SubElement(parent, _tag(key), idref=str(item["id"]))
        elif _is_language_map(item):
            for language, text in item.items():
                etree.SubElement(parent, _tag(key), language=language).text = text
        else:
            logger.debug("LOQ export: %s has a value of no known shape, left out", key)
