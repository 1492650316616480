"""XCRI-CAP 1.2 / CEN MLO → Offering (docs/normalisation.md §3.4), and the catalogue splitter.

A record's payload is an XCRI ``catalog`` holding one ``provider`` with one ``course`` (what
:func:`split` makes of a whole catalogue), or a bare ``course``. XCRI has no country element: the
country comes from the source configuration and is marked inferred; the provider awards unless
``mlo:qualification/awardedBy`` says otherwise. Each ``presentation`` becomes an Instance.
"""

from __future__ import annotations

import copy
import html
import re
from collections.abc import Iterator
from datetime import date

from lxml import etree

from offerings import vocab
from offerings.crosswalks import SourceContext, SourceRecord
from offerings.crosswalks.common import (
    Marks,
    base_offering,
    credential_type_from_text,
    finish,
    says_no_prerequisites,
    xml_payload,
)
from offerings.crosswalks.mining import from_text
from offerings.errors import CrosswalkError
from offerings.model import (
    Contact,
    Identifier,
    Instance,
    LearningOutcome,
    Offering,
    Organisation,
    OtherCredit,
    Place,
    Price,
    QualityAssurance,
)
from offerings.text import parsing

__all__ = ["NS", "split", "to_offering"]

NS = {
    "x": "http://xcri.org/profiles/1.2/catalog",
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcterms": "http://purl.org/dc/terms/",
    "mlo": "http://purl.org/net/mlo",
    "credit": "http://purl.org/net/cm",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
XSI_TYPE = f"{{{NS['xsi']}}}type"
_STUDY_MODES = {"FT": "full_time", "PT": "part_time", "FL": "flexible", "PF": "full_time", "NK": None}
_ATTENDANCE = {"CM": "onsite", "DS": "online", "DA": "blended", "MM": "blended", "WB": "work_based"}
_ATTENDANCE_WORDS = {
    "campus": "onsite",
    "face-to-face (non-campus)": "onsite",
    "location": "onsite",
    "distance without attendance": "online",
    "online (no attendance)": "online",
    "distance with attendance": "blended",
    "mixed mode": "blended",
    "work-based": "work_based",
}
# UK credit schemes whose credit is 10 notional hours, i.e. half an ECTS credit (§3.4, §3.7).
_UK_SCHEMES = re.compile(r"\b(?:scqf|cats|cqfw|uk credits?)\b", re.IGNORECASE)


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname


def _text(element: etree._Element | None) -> str:
    if element is None:
        return ""
    if len(element) == 0:
        return parsing.clean_text(html.escape(element.text or ""))
    # Embedded XHTML (mlo:assessment): keep its paragraphs apart.
    return parsing.clean_text(etree.tostring(element, encoding="unicode", with_tail=False))


def _all(parent: etree._Element, path: str) -> list[etree._Element]:
    return list(parent.iterfind(path, NS))


def _first_text(parent: etree._Element, path: str) -> str:
    return next((t for t in (_text(e) for e in _all(parent, path)) if t), "")


def _typed(element: etree._Element) -> str | None:
    value = element.get(XSI_TYPE)
    return value.split(":")[-1] if value else None


def split(root: etree._Element) -> Iterator[SourceRecord]:
    """One record per ``course`` of an XCRI-CAP ``catalog``: a catalogue with its provider and that course.

    The identifier is the course's untyped ``dc:identifier`` (its URL when it has none).
    """
    generated = root.get("generated")
    for provider in _all(root, "x:provider"):
        for course in _all(provider, "x:course"):
            identifier = _course_id(course)
            if not identifier:
                continue
            shell = etree.Element(root.tag, nsmap=root.nsmap, attrib=dict(root.attrib))
            for child in root:
                if isinstance(child.tag, str) and _local(child) != "provider":
                    shell.append(copy.deepcopy(child))
            provider_copy = etree.SubElement(shell, provider.tag, attrib=dict(provider.attrib))
            for child in provider:
                if not isinstance(child.tag, str) or _local(child) != "course":
                    provider_copy.append(copy.deepcopy(child))
            provider_copy.append(copy.deepcopy(course))
            payload = etree.tostring(shell, encoding="utf-8")
            yield SourceRecord(identifier=identifier, payload=payload, datestamp=generated)


def _course_id(course: etree._Element) -> str | None:
    untyped = [_text(e) for e in _all(course, "dc:identifier") if not _typed(e) and _text(e)]
    return untyped[0] if untyped else (_first_text(course, "mlo:url") or None)


def to_offering(record: SourceRecord, context: SourceContext) -> Offering:
    """Normalise one XCRI-CAP course.

    Raises:
        CrosswalkError: the payload is not XCRI-CAP XML, or the course has no title.
    """
    offering = base_offering(record, context, "xcri_cap_1_2")
    if record.deleted:
        return offering
    root = xml_payload(record)
    if etree.QName(root).namespace != NS["x"]:
        raise CrosswalkError(f"not an XCRI-CAP 1.2 document (root {etree.QName(root).text})", field="metadata")
    course = root if _local(root) == "course" else root.find(".//x:course", NS)
    if course is None:
        raise CrosswalkError("no course in the record", field="course")
    parent = course.getparent()
    provider = parent if parent is not None and _local(parent) == "provider" else None
    marks = Marks()
    languages = _languages(course, "x:presentation/mlo:languageOfInstruction")
    lang = course.findtext("dc:title", namespaces=NS) and _lang(course.find("dc:title", NS), languages)
    offering.title = _langmap(_all(course, "dc:title"), languages)
    if not offering.title:
        raise CrosswalkError("course has no dc:title", field="title")
    offering.harvest_datestamp = offering.harvest_datestamp or root.get("generated")
    offering.record_url = _first_text(course, "mlo:url") or None
    offering.default_language = lang if lang and lang != "und" else None
    _identifiers(offering, course, record.identifier)
    _descriptions(offering, course, languages, marks)
    if provider is not None:
        _provider(offering, provider, languages)
    _qualification(offering, course, languages, marks)
    _credits(offering, course, marks)
    offering.instances = [_presentation(offering, p, languages, marks) for p in _all(course, "x:presentation")]
    _from_runs(offering, marks)
    offering.languages_of_instruction = list(languages)
    if languages:
        marks.mark("languages_of_instruction", "presentation/mlo:languageOfInstruction")
    finish(offering, marks, context)
    # What the structured elements left empty, the description may state (issue 14: the workload, the
    # assessment, an accreditation); read after finish, which settles the country national units depend on.
    from_text(
        offering, " \n".join(offering.description.values()), "dc:description", languages[0] if languages else lang
    )
    return offering


def _lang(element: etree._Element | None, languages: list[str]) -> str:
    declared = vocab.language_code(element.get(XML_LANG)) if element is not None else None
    return declared or (languages[0] if languages else "und")


def _langmap(elements: list[etree._Element], languages: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for element in elements:
        text = _text(element)
        if text:
            out.setdefault(_lang(element, languages), text)
    return out


def _languages(parent: etree._Element, path: str) -> list[str]:
    codes = (vocab.language_code(_text(e)) for e in _all(parent, path))
    return list(dict.fromkeys(c for c in codes if c))


def _identifiers(offering: Offering, course: etree._Element, original: str) -> None:
    for element in _all(course, "dc:identifier"):
        value = _text(element)
        if value and value != original:
            offering.other_identifiers.append(Identifier(value=value, scheme=_typed(element)))


def _descriptions(offering: Offering, course: etree._Element, languages: list[str], marks: Marks) -> None:
    untyped: list[str] = []
    lang = _lang(course.find("dc:title", NS), languages)
    for element in [*_all(course, "dc:description"), *_all(course, "dcterms:description")]:
        kind, text = _typed(element), _text(element)
        if not text:
            continue
        if kind is None:
            untyped.append(text)
        elif kind in ("learningOutcome", "objective", "aim"):
            offering.learning_outcomes.append(LearningOutcome(text={lang: text}))
            marks.mark("learning_outcomes", f"dc:description[{kind}]")
        elif kind == "assessmentStrategy":
            offering.assessment_description.setdefault(lang, text)
        elif kind == "prerequisite":
            offering.prerequisites.setdefault(lang, text)
        elif kind == "applicationProcedure":
            offering.admission_procedure.setdefault(lang, text)
        elif kind in ("metadataKeywords", "topic"):
            offering.subjects.extend(p.strip() for p in text.split(",") if p.strip())
        elif kind == "contactHours":
            hours = parsing.parse_workload(text)
            if isinstance(hours, tuple):  # "20-30 hours": contact_hours is one number
                offering.crosswalk_warnings.append("contact_hours: contactHours gives a range, not one number")
            else:
                offering.contact_hours = offering.contact_hours or hours
        else:
            offering.further_information.setdefault(lang, text)
    abstract = _first_text(course, "x:abstract")
    if untyped or abstract:
        offering.description = {lang: "\n\n".join(untyped) if untyped else abstract}
    offering.subjects.extend(_text(e) for e in _all(course, "dc:subject"))
    for element in [*_all(course, "x:learningOutcome"), *_all(course, "mlo:objective")]:
        text = _text(element)
        if text:
            objective = _local(element) == "objective"
            offering.learning_outcomes.append(LearningOutcome(text={lang: text}))
            # An objective says what the course aims at, not an assessed outcome (§3.4: confidence 0.7).
            marks.mark("learning_outcomes", f"mlo:{_local(element)}", "inferred" if objective else "declared", 0.7)
    assessment = _first_text(course, "mlo:assessment")
    if assessment:
        offering.assessment_description.setdefault(lang, assessment)
    text = " ".join(offering.assessment_description.values())
    offering.assessment_types = parsing.parse_assessment(text)
    if offering.assessment_types:
        marks.mark("assessment_types", "mlo:assessment", "parsed", 0.6)
    offering.supervision_id_verification = parsing.parse_supervision(text)
    if offering.supervision_id_verification:
        marks.mark("supervision_id_verification", "mlo:assessment", "parsed", 0.6)
    prerequisite = _first_text(course, "mlo:prerequisite")
    if prerequisite:
        offering.prerequisites.setdefault(lang, prerequisite)
    offering.prerequisites_none = says_no_prerequisites(next(iter(offering.prerequisites.values()), None))
    for name, path in (("admission_procedure", "x:applicationProcedure"), ("further_information", "x:regulations")):
        value = _first_text(course, path)
        if value:
            getattr(offering, name).setdefault(lang, value)


def _provider(offering: Offering, provider: etree._Element, languages: list[str]) -> None:
    location = provider.find("mlo:location", NS)
    address = None
    if location is not None:
        parts = ("mlo:street", "mlo:town", "mlo:postcode")
        lines = [_text(e) for e in _all(location, "mlo:address")]
        lines = lines or [_text(e) for part in parts for e in _all(location, part)]
        address = ", ".join(line for line in lines if line) or None
        offering.contact = _contact(location)
    ids = [Identifier(value=_text(e), scheme="xcri:provider") for e in _all(provider, "dc:identifier") if _text(e)]
    # XCRI has no country element, but an address often ends with the country's name ("…, Deutschland").
    last = address.rsplit(",", 1)[-1].strip() if address else ""
    name = _langmap(_all(provider, "dc:title"), languages)
    if not name:
        return  # a provider without a name is no one: the source's name stands in (finish), not a blank
    offering.provider = [
        Organisation(
            name=name,
            homepage=_first_text(provider, "mlo:url") or None,
            address=address,
            other_ids=ids,
            country=vocab.country_code(last) if last and not any(c.isdigit() for c in last) else None,
        )
    ]


def _contact(location: etree._Element) -> Contact | None:
    email = _first_text(location, "mlo:email")
    phone = _first_text(location, "mlo:phone")
    url = _first_text(location, "mlo:url")
    if email.startswith("http"):  # the OU puts its contact form's URL in mlo:email
        email, url = "", url or email
    contact = Contact(
        email=email if "@" in email else None,
        url=url or None,
        phone=phone if re.search(r"\d", phone) else None,
    )
    return contact if (contact.email or contact.url or contact.phone) else None


def _qualification(offering: Offering, course: etree._Element, languages: list[str], marks: Marks) -> None:
    qualification = course.find("mlo:qualification", NS)
    if qualification is None:
        return
    lang = _lang(course.find("dc:title", NS), languages)
    title = _first_text(qualification, "dc:title")
    level = _first_text(qualification, "dcterms:educationLevel")
    kind = _first_text(qualification, "dcterms:type")
    if title:
        offering.credential_title = {lang: title}
        offering.stackability = parsing.parse_stackability(title)
        if offering.stackability:
            marks.mark("stackability", "mlo:qualification/dc:title", "parsed", 0.6)
    offering.credential_type = credential_type_from_text(f"{title} {kind}")
    if offering.credential_type:
        marks.mark("credential_type", "mlo:qualification", "parsed", 0.6)
    if level:
        offering.level_text = {lang: level}
        offering.eqf_level = parsing.parse_eqf(level) if re.search(r"EQF|EQR|CEC", level, re.I) else None
        offering.qf_ehea_cycle = parsing.parse_qf_ehea_cycle(level)
        for name in ("eqf_level", "qf_ehea_cycle"):
            if getattr(offering, name):
                marks.mark(name, "mlo:qualification/dcterms:educationLevel", "parsed", 0.6)
    awarded = [_text(e) for e in _all(qualification, "x:awardedBy") if _text(e)]
    if awarded:
        offering.awarding_body = [Organisation(name={lang if lang != "und" else "en": n}) for n in awarded]
        marks.mark("awarding_body", "mlo:qualification/awardedBy")
    for agency in (_text(e) for e in _all(qualification, "x:accreditedBy")):
        if agency:
            body = Organisation(name={"und": agency})
            qa = QualityAssurance(type="external_programme", elm_type="programme_qa", qa_body=body)
            offering.quality_assurance.append(qa)
            marks.mark("quality_assurance", "mlo:qualification/accreditedBy")


def _credits(offering: Offering, course: etree._Element, marks: Marks) -> None:
    uk: list[float] = []
    for credit in _all(course, "mlo:credit"):
        scheme = _first_text(credit, "credit:scheme")
        level = _first_text(credit, "credit:level") or None
        value = parsing.parse_credits(f"{_first_text(credit, 'credit:value')} credits")
        if value is None or isinstance(value.value, tuple):
            continue
        if re.search(r"ects", scheme, re.IGNORECASE):
            offering.ects_credits = value.value
            marks.mark("ects_credits", "mlo:credit/credit:value")
            continue
        offering.other_credits.append(OtherCredit(value=value.value, system=scheme or "unknown", level=level))
        if _UK_SCHEMES.search(scheme):
            uk.append(value.value)
    if offering.ects_credits is None and uk:
        offering.ects_range = [uk[0] / 2, uk[0] / 2]
        offering.workload_basis = "converted_from_hours"  # a UK credit is 10 notional hours
        marks.mark("ects_range", "mlo:credit (UK credits ÷ 2)", "inferred", 0.7)


def _date(element: etree._Element | None, *, month: bool = False) -> date | None:
    if element is None:
        return None
    if element.get("dtf"):
        return parsing.parse_date(element.get("dtf"))
    # A start written as a month or a semester ("November 2027", "WS 2027/28") is its first day.
    return parsing.parse_date_or_month(_text(element)) if month else parsing.parse_date(_text(element))


def _presentation(offering: Offering, element: etree._Element, languages: list[str], marks: Marks) -> Instance:
    run = Instance(
        instance_id=_first_text(element, "dc:identifier") or None,
        start_date=_date(element.find("mlo:start", NS), month=True),
        end_date=_date(element.find("x:end", NS)),
        application_opens=_date(element.find("x:applyFrom", NS)),
        application_deadline=_date(element.find("x:applyUntil", NS)),
        languages_of_instruction=_languages(element, "mlo:languageOfInstruction"),
    )
    apply_to = _first_text(element, "x:applyTo")
    run.enrolment_url = apply_to if apply_to.startswith("http") else None
    if _duration(run, element.find("mlo:duration", NS)):
        offering.crosswalk_warnings.append("instances.duration: @interval and the text disagree; @interval kept")
    study = element.find("x:studyMode", NS)
    if study is not None:
        code = (study.get("identifier") or "").upper()
        run.learning_schedule = _STUDY_MODES.get(code) if code in _STUDY_MODES else parsing.parse_schedule(_text(study))
    attendance = element.find("x:attendanceMode", NS)
    pattern = _first_text(element, "x:attendancePattern")
    if attendance is not None:
        code = (attendance.get("identifier") or "").upper()
        word = _ATTENDANCE_WORDS.get(vocab.fold(_text(attendance)))
        run.mode = [m for m in [_ATTENDANCE.get(code) or word] if m] or parsing.parse_modes(_text(attendance))
    if not run.mode and pattern:
        run.mode = parsing.parse_modes(pattern)
        if run.mode:
            marks.mark("mode", "presentation/attendancePattern", "parsed", 0.6)
    if run.learning_schedule is None and pattern:
        run.learning_schedule = parsing.parse_schedule(pattern)
        if run.learning_schedule:
            marks.mark("learning_schedule", "presentation/attendancePattern", "parsed", 0.6)
    run.location = pattern or None
    places = _first_text(element, "mlo:places")
    run.places_available = int(places) if places.isdigit() else None
    cost = _first_text(element, "mlo:cost")
    _cost(run, cost, languages)
    if cost and not run.price and parsing.says_free(cost):
        offering.is_free = True
        marks.mark("is_free", "presentation/mlo:cost", "parsed", 0.9)
    engagement = _first_text(element, "mlo:engagement")
    if engagement:
        marks.mark("contact_hours", "presentation/mlo:engagement")
    venue = element.find("x:venue", NS)
    if venue is not None:
        name, address = _first_text(venue, ".//dc:title"), _first_text(venue, ".//mlo:address")
        run.venues = [Place(name=name or None, address=address or None)]
        run.location = run.venues[0].name or run.location
    return run


def _duration(run: Instance, element: etree._Element | None) -> bool:
    """Set the run's duration (``@interval`` first); True when the text says something else."""
    if element is None:
        return False
    interval = element.get("interval")
    text = parsing.parse_duration(_text(element))
    parsed = parsing.parse_duration(interval) if interval else None
    run.duration = parsed.iso if parsed else (text.iso if text else None)
    return bool(parsed and text and parsed.iso != text.iso)


def _cost(run: Instance, text: str, languages: list[str]) -> None:
    if not text:
        return
    lang = languages[0] if languages else "und"
    for price in parsing.parse_prices(text):
        label = {lang: price.label} if price.label else {}
        run.price.append(Price(amount=price.amount, currency=price.currency, label=label))


def _from_runs(offering: Offering, marks: Marks) -> None:
    """Offering-level mode, schedule and free flag from the runs; conflicting durations noted."""
    runs = offering.instances
    offering.mode = list(dict.fromkeys(m for r in runs for m in r.mode))
    if offering.mode:
        marks.mark("mode", "presentation/attendanceMode")
    schedules = {r.learning_schedule for r in runs if r.learning_schedule}
    offering.learning_schedule = schedules.pop() if len(schedules) == 1 else None
    durations = {r.duration for r in runs if r.duration}
    offering.duration = durations.pop() if len(durations) == 1 else None
    dates = any(r.start_date for r in runs)
    offering.enrolment_model = "fixed_dates" if dates else None
