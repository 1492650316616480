"""EWP Courses API XML → Offering (docs/normalisation.md §3.4, the EWP table), and the response splitter.

A record's payload is one ``learningOpportunitySpecification``. EWP responses do not name the
institution: it is the ``hei_id`` (a SCHAC code) the response was requested for, which the feed
harvester passes as ``context.extra["hei_id"]``; name and country come from the source
configuration and are marked inferred. ``engagementHours`` are contact hours, not workload.
"""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

from offerings import vocab
from offerings.crosswalks import SourceContext, SourceRecord
from offerings.crosswalks.common import Marks, base_offering, finish, lang_or_und, xml_payload
from offerings.errors import CrosswalkError
from offerings.model import Identifier, Instance, Offering, Organisation, OtherCredit
from offerings.text import parsing

__all__ = ["NS", "split", "to_offering"]

NS = {"c": "https://github.com/erasmus-without-paper/ewp-specs-api-courses/tree/stable-v1"}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_TYPES = {"course": "course", "module": "module", "class": "class", "degree programme": "educational_programme"}
_LEVELS = {"bachelor": "first", "master": "second", "phd": "third", "doctorate": "third", "short cycle": "short_cycle"}


def split(root: etree._Element) -> Iterator[SourceRecord]:
    """One record per top-level ``learningOpportunitySpecification`` of a ``courses-response``."""
    for los in root.iterfind("c:learningOpportunitySpecification", NS):
        identifier = (los.findtext("c:los-id", namespaces=NS) or "").strip()
        if identifier:
            yield SourceRecord(identifier=identifier, payload=etree.tostring(los, encoding="utf-8"))


def _text(parent: etree._Element, path: str) -> str:
    return " ".join((parent.findtext(path, namespaces=NS) or "").split())


def _langmap(parent: etree._Element, path: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for element in parent.iterfind(path, NS):
        text = parsing.clean_text(element.text)
        if text:
            out.setdefault(lang_or_und(element.get(XML_LANG)), text)
    return out


def to_offering(record: SourceRecord, context: SourceContext) -> Offering:
    """Normalise one EWP learning opportunity specification.

    Raises:
        CrosswalkError: the payload is not an EWP LOS, or it has no title.
    """
    offering = base_offering(record, context, "ewp_courses")
    if record.deleted:
        return offering
    los = xml_payload(record)
    if los.tag != f"{{{NS['c']}}}learningOpportunitySpecification":
        raise CrosswalkError(f"not an EWP learningOpportunitySpecification ({etree.QName(los).text})", field="metadata")
    marks = Marks()
    offering.title = _langmap(los, "c:title")
    if not offering.title:
        raise CrosswalkError("learning opportunity has no title", field="title")
    offering.description = _langmap(los, "c:description")
    code = _text(los, "c:los-code")
    if code:
        offering.other_identifiers.append(Identifier(value=code, scheme="los-code"))
    kind = _TYPES.get(vocab.fold(_text(los, "c:type")))
    offering.offering_type = [kind] if kind else []
    offering.isced_f = [c for c in (_text(los, "c:iscedCode"), _text(los, "c:subjectArea")) if c]
    level = _text(los, "c:eqfLevelProvided")
    offering.eqf_level = int(level) if level.isdigit() else None
    offering.record_url = _text(los, "c:url") or None
    parts = (" ".join((e.text or "").split()) for e in los.iterfind("c:contains/c:los-id", NS))
    offering.has_parts = [t for t in parts if t]
    runs = los.iterfind("c:specifies/c:learningOpportunityInstance", NS)
    offering.instances = [_instance(offering, loi, marks) for loi in runs]
    languages = (c for r in offering.instances for c in r.languages_of_instruction)
    offering.languages_of_instruction = list(dict.fromkeys(languages))
    if offering.languages_of_instruction:
        marks.mark("languages_of_instruction", "learningOpportunityInstance/languageOfInstruction")
    offering.enrolment_model = "fixed_dates" if any(r.start_date for r in offering.instances) else None
    _provider(offering, context, marks)
    return finish(offering, marks, context)


def _instance(offering: Offering, loi: etree._Element, marks: Marks) -> Instance:
    run = Instance(
        instance_id=_text(loi, "c:loi-id") or None,
        start_date=parsing.parse_date(_text(loi, "c:start")),
        end_date=parsing.parse_date(_text(loi, "c:end")),
    )
    language = vocab.language_code(_text(loi, "c:languageOfInstruction"))
    run.languages_of_instruction = [language] if language else []
    for credit in loi.iterfind("c:credit", NS):
        scheme = vocab.fold(_text(credit, "c:scheme"))
        value = parsing.parse_credits(f"{_text(credit, 'c:value')} credits")
        level = _text(credit, "c:level")
        if value is None or isinstance(value.value, tuple):
            continue
        if scheme == "ects":
            # Several runs may state credits; the first one stated is the offering's.
            if offering.ects_credits is None:
                offering.ects_credits = value.value
                marks.mark("ects_credits", "specifies/learningOpportunityInstance/credit[scheme=ects]/value")
        elif value.value not in [c.value for c in offering.other_credits if c.system == scheme]:
            credit_value = OtherCredit(value=value.value, system=scheme or "unknown", level=level or None)
            offering.other_credits.append(credit_value)
        cycle = _LEVELS.get(vocab.fold(level))
        if cycle and offering.qf_ehea_cycle is None:
            offering.qf_ehea_cycle = cycle
            marks.mark("qf_ehea_cycle", "learningOpportunityInstance/credit/level")
    hours = _text(loi, "c:engagementHours")
    if hours and offering.contact_hours is None:
        try:
            offering.contact_hours = float(hours)
        except ValueError:
            offering.crosswalk_warnings.append("contact_hours: engagementHours is not a number")
    grading = loi.find("c:gradingScheme", NS)
    if grading is not None and not offering.grading_scheme:
        label = _text(grading, "c:label")
        description = _langmap(grading, "c:description")
        offering.grading_scheme = {k: f"{label}: {v}" if label else v for k, v in description.items()} or (
            {"und": label} if label else {}
        )
    return run


def _provider(offering: Offering, context: SourceContext, marks: Marks) -> None:
    hei = context.extra.get("hei_id")
    if not (hei or context.name):
        return
    offering.provider = [
        Organisation(
            name={"und": context.name or hei or ""},
            country=vocab.country_code(context.country) if context.country else None,
            ids={"schac": hei} if hei else {},
        )
    ]
    marks.mark("provider", "source (hei_id)", "inferred", 0.9)
