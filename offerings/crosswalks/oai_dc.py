"""oai_dc → Offering (docs/normalisation.md §3.1).

Dublin Core says little about an offering, so the free text is mined with the parsers of §3.7
(ECTS, hours, EQF, mode, dates, price, assessment, schedule, cycle, stackability, QA) and every mined
value is marked ``parsed`` in the field provenance. The country comes from ``dc:coverage`` when it
names one, else from the source's configuration (marked ``inferred``). The awarding body defaults
to the provider (``inferred``). ``dc:subject`` codes that are ISCED-F 2013 codes become fields of
education; ``dc:relation`` links become supplementary documents or the programme it is part of.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from lxml import etree

from offerings import vocab
from offerings.crosswalks import SourceContext, SourceRecord
from offerings.crosswalks.common import Marks, base_offering, country_evidence, finish, xml_payload
from offerings.crosswalks.mining import Mined as _Mined
from offerings.crosswalks.mining import mine as _mine
from offerings.errors import CrosswalkError
from offerings.model import (
    Identifier,
    Instance,
    LangMap,
    Offering,
    Organisation,
    OtherCredit,
    PartOf,
    Price,
    Provenance,
    QualityAssurance,
)
from offerings.text import parsing
from offerings.vocab.isced import isced_f_code

__all__ = ["to_offering"]

DC = "http://purl.org/dc/elements/1.1/"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_ORG_WORDS = re.compile(
    r"universi[td]|college|school|institut|academy|akademie|hochschule|ecole|école|escola|escuela|"
    r"polytechn|faculty|fakult|centre|center|foundation|stiftung|gmbh|ltd|inc\b|ministry|council|"
    # The same words in the other EHEA languages of the catalogue's sources.
    r"uniwersytet|politechnika|politecnic|polit[eé]cnic|akademi|yliopisto|korkeakoulu|h[öo]gskol",
    re.IGNORECASE,
)
_TYPES = {
    "course": "course",
    "kurs": "course",
    "cours": "course",
    "curso": "course",
    "corso": "course",
    "cursus": "course",
    "online course module": "course",
    "mooc": "mooc",
    "micro-credential": "micro_credential_course",
    "microcredential": "micro_credential_course",
    "module": "module",
    "short learning programme": "short_learning_programme",
}


# Elements whose text can state a value, in the order their values win (issue 14: an EQF level in dc:type,
# credits among the dc:subject keywords, an accreditation in dc:relation); each value's provenance names
# its element.
_MINED_ELEMENTS = ("description", "type", "subject", "relation", "format", "coverage")


class _DublinCore(dict[str, list[etree._Element]]):
    """The DC elements of one record that hold text, by local name, each list in document order; ``texts``
    remembers each name's texts, whitespace collapsed (the crosswalk asks for most names more than once)."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: dict[str, list[str]] = {}


def _dublin_core(meta: etree._Element) -> _DublinCore:
    # One walk of the tree for every element name, where asking for each name walked it a dozen times.
    found = _DublinCore()
    prefix = f"{{{DC}}}"
    for el in meta.iter():
        tag = el.tag
        if isinstance(tag, str) and tag.startswith(prefix) and (el.text or "").strip():
            found.setdefault(tag[len(prefix) :], []).append(el)
    return found


def _values(meta: _DublinCore, name: str) -> list[etree._Element]:
    return meta.get(name, [])


def _texts(meta: _DublinCore, name: str) -> list[str]:
    """The texts of the ``name`` elements (shared between callers: none may change the list)."""
    found = meta.texts.get(name)
    if found is None:
        found = meta.texts[name] = [" ".join((el.text or "").split()) for el in _values(meta, name)]
    return found


def _langmap(elements: list[etree._Element], fallback: str | None) -> LangMap:
    out: LangMap = {}
    for el in elements:
        lang = vocab.language_code(el.get(XML_LANG)) or fallback or "und"
        out.setdefault(lang, " ".join((el.text or "").split()))
    return out


def _is_org(name: str) -> bool:
    return bool(_ORG_WORDS.search(name)) and "," not in name.split(" ")[0]


# "Rooijen, M. van", "Doe, John": a person, the form repositories use for creators, also seen in dc:publisher.
_PERSON = re.compile(r"^[\w'’-]+(?: [\w'’-]+)?, (?:[A-Z]\.|[A-Z][a-z]+\b)")
# dc:type values of a publication (DSpace's and the info:eu-repo vocabulary's): its text describes
# research, not a course run, so no course facts are mined from it (issue 14, the real repository records:
# "a small test case" is no written examination, "default-free rates" no free course).
_PUBLICATION = re.compile(
    r"info:eu-repo/semantics/|\b(?:article|working paper|technical report|report|thesis|dissertation|preprint|"
    r"book|book chapter|chapter|conference (?:paper|object|proceedings)|proceedings|inaugural address|"
    r"review|patent|dataset|doctoral thesis|master thesis|bachelor thesis)\b",
    re.IGNORECASE,
)


def _is_publication(types: list[str]) -> bool:
    """Whether dc:type says the record is a publication (and names no course type)."""
    if any(_TYPES.get(vocab.fold(t)) for t in types):
        return False
    return any(_PUBLICATION.search(t) for t in types)


def to_offering(record: SourceRecord, context: SourceContext) -> Offering:
    """Normalise one oai_dc record.

    Raises:
        CrosswalkError: the payload is not oai_dc XML or has no title.
    """
    base = base_offering(record, context, "oai_dc")
    if record.deleted:
        return base
    root = xml_payload(record, what="metadata is not")
    if etree.QName(root).localname != "dc":
        raise CrosswalkError(f"expected oai_dc:dc, found {etree.QName(root).text}", field="metadata")
    meta = _dublin_core(root)

    prov: dict[str, Provenance] = {}
    languages = list(dict.fromkeys(c for c in map(vocab.language_code, _texts(meta, "language")) if c))
    main_lang = languages[0] if languages else None
    title = _langmap(_values(meta, "title"), main_lang)
    if not title:
        raise CrosswalkError("record has no dc:title", field="title")
    descriptions = _langmap(_values(meta, "description"), main_lang)
    text = " \n".join([*descriptions.values(), *_texts(meta, "coverage"), *_texts(meta, "format")])
    texts = {name: " \n".join(_texts(meta, name)) for name in _MINED_ELEMENTS}
    texts["description"] = " \n".join(descriptions.values())

    offering = base
    offering.title = title
    offering.description = descriptions
    offering.default_language = main_lang or next(iter(title))
    if languages:
        offering.languages_of_instruction = languages
        prov["languages_of_instruction"] = Provenance(source_path="dc:language", confidence=0.5)

    _subjects(offering, _texts(meta, "subject"))
    _organisations(offering, meta, context, text, prov)
    _identifiers(offering, meta)
    _relations(offering, _texts(meta, "relation"))
    _types(offering, _texts(meta, "type"))
    country, basis = _country_for_units(offering, context, prov)
    # The language of instruction, else the language the record is written in (its title's or
    # description's xml:lang).
    language = main_lang or next((k for k in [*title, *descriptions] if k != "und"), None)
    if _is_publication(_texts(meta, "type")):
        offering.crosswalk_warnings.append("dc:type: a publication, not a course; its text was not mined")
    else:
        mined, where = _mine_all(texts, country, language)
        _mined(offering, mined, prov, _Where(where, country, basis, language))
        _mined_more(offering, mined, prov, where)
        _period(offering, _texts(meta, "coverage"), prov)
    rights = _texts(meta, "rights")
    offering.record_license = rights[0] if rights else None
    # dc:date is ambiguous (issued, created, available…): only a date matching the header's is taken.
    if record.datestamp:
        same_day = [d for d in _texts(meta, "date") if d[:10] == record.datestamp[:10]]
        offering.source_last_modified = same_day[0] if same_day else None
    marks = Marks(prov)
    offering.field_provenance = {}
    return finish(offering, marks, context)


def _subjects(offering: Offering, subjects: list[str]) -> None:
    keywords: list[str] = []
    for subject in subjects:
        for part in re.split(r"\s*[;,]\s*", subject):
            if re.fullmatch(r"\d{2,4}", part) and isced_f_code(part):
                offering.isced_f.append(part)
            elif part:
                keywords.append(part)
    offering.subjects = list(dict.fromkeys(keywords))


def _organisations(
    offering: Offering, meta: _DublinCore, context: SourceContext, text: str, prov: dict[str, Provenance]
) -> None:
    publishers = [n for n in _texts(meta, "publisher") if _is_org(n) or not _PERSON.match(n)]
    names = publishers or [n for n in _texts(meta, "creator") if _is_org(n)]
    if not names and context.name:
        names = [context.name]
        prov["provider"] = Provenance(source_path="source.name", method="inferred", confidence=0.7)
    country = None
    for coverage in _texts(meta, "coverage"):
        country = vocab.country_code(coverage)
        if country:
            prov["issuer_country"] = Provenance(source_path="dc:coverage", confidence=0.9)
            break
    if country is None and context.country:
        country = vocab.country_code(context.country)
        if country:
            prov["issuer_country"] = Provenance(source_path="source.country", method="inferred", confidence=0.8)
    lang = offering.default_language or "und"
    offering.provider = [Organisation(name={lang: n}, country=country) for n in dict.fromkeys(names)]
    if offering.provider:
        offering.awarding_body = [Organisation(name=dict(p.name), country=p.country) for p in offering.provider]
        prov["awarding_body"] = Provenance(source_path="dc:publisher", method="inferred", confidence=0.7)
    if country:
        offering.issuer_country = [country]


def _identifiers(offering: Offering, meta: _DublinCore) -> None:
    urls = [v for v in _texts(meta, "identifier") + _texts(meta, "source") if re.match(r"https?://", v)]
    offering.record_url = urls[0] if urls else None
    others = [v for v in _texts(meta, "identifier") if not re.match(r"https?://", v)]
    others = [v for v in others if v != offering.original_identifier]
    offering.other_identifiers = [Identifier(value=v, scheme="dc:identifier") for v in dict.fromkeys(others)]


def _relations(offering: Offering, relations: list[str]) -> None:
    """Documents (PDF, syllabus, supplement) and the programme the offering belongs to (§3.1 dc:relation)."""
    for value in relations:
        if re.match(r"https?://", value) and re.search(r"\.pdf\b|syllab|supplement|leitfaden|guide", value, re.I):
            offering.supplementary_documents.append(value)
        elif re.match(r"https?://", value):
            offering.part_of.append(PartOf(url=value))
        else:
            offering.part_of.append(PartOf(title={offering.default_language or "und": value}))


def _types(offering: Offering, types: list[str]) -> None:
    for value in types:
        code = _TYPES.get(vocab.fold(value))
        if code == "micro_credential_course":
            offering.credential_type = "micro_credential"
            code = "course"
        if code and code not in offering.offering_type:
            offering.offering_type.append(code)


class _Where(NamedTuple):
    """Where each mined value was found, and the evidence national credit units were weighed with."""

    elements: dict[str, str]
    country: str | None
    basis: str | None
    language: str | None


def _country_for_units(
    offering: Offering, context: SourceContext, prov: dict[str, Provenance]
) -> tuple[str | None, str | None]:
    """The country that decides whether national credit units are ECTS, and where it came from: the
    record's own (dc:coverage), else the evidence of :func:`~offerings.crosswalks.common.country_evidence`."""
    if offering.issuer_country:
        found = prov.get("issuer_country")
        return offering.issuer_country[0], found.source_path if found else "dc:coverage"
    evidence = country_evidence(offering, context)
    return (evidence.country, evidence.basis) if evidence else (None, None)


def _mine_all(texts: dict[str, str], country: str | None, language: str | None) -> tuple[_Mined, dict[str, str]]:
    """Every text-bearing element mined (issue 14): each field from the first element, in
    :data:`_MINED_ELEMENTS` order, that states it, with that element remembered for the provenance.
    Assessment and the sentences it was read from come from dc:description alone (keywords and types name
    topics: "Project management" in dc:subject is not project work)."""
    merged: dict[str, Any] = {}
    where: dict[str, str] = {}
    for name in _MINED_ELEMENTS:
        if not texts.get(name):
            continue
        mined = _mine(texts[name], country, language)
        for field_name, value in mined._asdict().items():
            if name != "description" and field_name in ("assessment", "assessment_sentences"):
                continue
            if value and not merged.get(field_name):
                merged[field_name] = value
                where[field_name] = f"dc:{name}"
    # An empty text's answer is every field empty: the base the elements' values replace.
    return _mine("", None, None)._replace(**merged), where


def _period(offering: Offering, coverages: list[str], prov: dict[str, Provenance]) -> None:
    """A DCMI period in dc:coverage ("2027-10-11/2027-12-20") dates the run when the text does not."""
    if offering.start_date:
        return
    for value in coverages:
        match = re.fullmatch(r"(\d{4}-\d{2}-\d{2})\s*/\s*(\d{4}-\d{2}-\d{2})?", value.strip())
        start = parsing.parse_date(match.group(1)) if match else None
        if match and start:
            end = parsing.parse_date(match.group(2)) if match.group(2) else None
            if offering.instances:
                offering.instances[0].start_date = start
                offering.instances[0].end_date = offering.instances[0].end_date or end
            else:
                offering.instances = [Instance(start_date=start, end_date=end)]
            prov["instances"] = Provenance(source_path="dc:coverage", method="parsed", confidence=0.8)
            return


def _mined(offering: Offering, mined: _Mined, prov: dict[str, Provenance], where: _Where) -> None:
    """Values the free text states; marked ``parsed`` with the element they were read from, and
    ``inferred`` for national credit units taken as ECTS on evidence the record does not state."""

    def mark(name: str, confidence: float = 0.8, key: str | None = None) -> None:
        path = where.elements.get(key or name, "dc:description")
        prov[name] = Provenance(source_path=path, method="parsed", confidence=confidence)

    credits = mined.credits
    if credits is not None and credits.is_ects:
        name = "ects_range" if isinstance(credits.value, tuple) else "ects_credits"
        if isinstance(credits.value, tuple):
            offering.ects_range = list(credits.value)  # §3.7: a range stays a range
        else:
            offering.ects_credits = credits.value
        mark(name, key="credits")
        element = where.elements.get("credits", "dc:description")
        if credits.basis == "language":
            path = f"{element}: {credits.unit} is ECTS in every EHEA country writing {where.language}"
            prov[name] = Provenance(source_path=path, method="inferred", confidence=0.6)
        elif credits.basis == "country" and where.basis not in ("dc:coverage", None):
            path = f"{element}: {credits.unit} is ECTS in {where.country} ({where.basis})"
            prov[name] = Provenance(source_path=path, method="inferred", confidence=0.6)
        offering.workload_basis = "parsed_text"
    elif credits is not None and not isinstance(credits.value, tuple):
        offering.other_credits = [OtherCredit(value=credits.value, system=credits.unit)]
        mark("other_credits", 0.6, "credits")
    hours = mined.hours
    if isinstance(hours, tuple):
        offering.workload_range = list(hours)
        mark("workload_range", key="hours")
    elif hours is not None:
        offering.workload_hours = hours
        offering.workload_basis = offering.workload_basis or "parsed_text"
        mark("workload_hours", key="hours")
    if mined.eqf is not None:
        offering.eqf_level = mined.eqf
        mark("eqf_level", key="eqf")
    if mined.modes:
        offering.mode = list(mined.modes)
        mark("mode", 0.7, "modes")
    start, end, price, deadline = mined.start, mined.end, mined.price, mined.deadline
    if start or end or deadline:
        instance = Instance(start_date=start, end_date=end if not (start and end and end < start) else None)
        instance.application_deadline = deadline
        if price:
            instance.price = [Price(amount=price[0], currency=price[1])]
        offering.instances = [instance]
        mark("instances", key="start" if start else ("end" if end else "deadline"))
    elif price:
        offering.price = [Price(amount=price[0], currency=price[1])]
    if price:
        mark("price")
    if mined.free or (price and price[0] == 0):
        offering.is_free = True
        mark("is_free", 0.7, "free")
    if mined.micro_credential:
        offering.credential_type = offering.credential_type or "micro_credential"
        mark("credential_type", 0.6, "micro_credential")


def _mined_more(offering: Offering, mined: _Mined, prov: dict[str, Provenance], where: dict[str, str]) -> None:
    """The §3.7 classifiers over the free text: assessment, schedule, cycle, stackability, QA, supervision."""

    def mark(name: str, confidence: float = 0.6, key: str | None = None) -> None:
        path = where.get(key or name, "dc:description")
        prov[name] = Provenance(source_path=path, method="parsed", confidence=confidence)

    offering.assessment_types = list(mined.assessment)
    if offering.assessment_types:
        offering.assessment_description = {offering.default_language or "und": mined.assessment_sentences}
        mark("assessment_types", key="assessment")
    for name, key, found in (
        ("learning_schedule", "schedule", mined.schedule),
        ("qf_ehea_cycle", "cycle", mined.cycle),
        ("stackability", "stackability", mined.stackability),
        ("supervision_id_verification", "supervision", mined.supervision),
    ):
        if found:
            setattr(offering, name, found)
            mark(name, key=key)
    duration = mined.duration
    if duration is not None:
        offering.duration = duration.iso
        mark("duration", 0.5 if duration.approx else 0.6)
    for qa_type, agency in mined.qa:
        body = Organisation(name={"und": agency}) if agency else None
        offering.quality_assurance.append(QualityAssurance(type=qa_type, qa_body=body))
        mark("quality_assurance", key="qa")
