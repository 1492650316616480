"""schema.org ``Course`` JSON-LD → Offering (docs/normalisation.md §3.2).

The payload is one Course object as JSON, with ``@graph`` flattened and ``@id`` references already
embedded by whoever found it (the web harvester does). Keys may be compact (``name``) or carry the
schema.org IRI or the ``schema:`` prefix: :func:`compact` shortens them. ``record.url`` is the page
the object came from; relative ``@id``/``url`` values resolve against it.
``context.extra["page_language"]`` (the page's ``<html lang>``) is the text language when the object
names none. Declared values are taken as stated; values mined from text (ECTS in a credential name or
the description, an EQF level in a label, hours per week) are marked ``parsed`` in the provenance.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from offerings import vocab
from offerings.crosswalks import SourceContext, SourceRecord
from offerings.crosswalks.common import base_offering, country_evidence
from offerings.crosswalks.ld_values import (
    _clean,
    _langmap,
    _list,
    _nodes,
    _text,
    _texts,
    _url,
    compact,
    local_name,
    types_of,
)
from offerings.crosswalks.mining import fill_from_text
from offerings.errors import CrosswalkError
from offerings.model import (
    Instance,
    LearningOutcome,
    Offering,
    Organisation,
    Price,
    Provenance,
    QualityAssurance,
    make_record_id,
)
from offerings.text import parsing

__all__ = ["compact", "local_name", "to_offering", "types_of"]

_HOURS_ONLY = re.compile(r"PT(?:(\d+(?:[.,]\d+)?)H)?(?:(\d+(?:[.,]\d+)?)M)?", re.IGNORECASE)
_PER_WEEK = re.compile(
    r"(\d+(?:[.,]\d+)?)(?:\s*[-–]\s*(\d+(?:[.,]\d+)?))?\s*(?:h|hrs?|hours?)\b[^.;]{0,12}?"
    r"(?:per|a|each|/)\s*week",
    re.IGNORECASE,
)
_EQF_URI = re.compile(r"/snb/eqf/([1-8])\b")
# National credit units that are ECTS-based, accepted as ECTS only for providers in these countries (§3.7).
_NATIONAL_UNITS = {
    unit: set(countries.split(","))
    for unit, countries in (
        item.split("=")
        for item in "ec=NL cfu=IT op=FI opintopiste=FI opintopistetta=FI hp=SE hogskolepoang=SE sp=NO "
        "studiepoeng=NO lp=DE,AT cp=DE,AT leistungspunkte=DE,AT".split()
    )
}
_CREDENTIAL_TYPES = (
    ("micro_credential", re.compile(r"micro-?credential|mikro-?(?:zertifikat|credential)|micro-?certificat", re.I)),
    ("digital_badge", re.compile(r"\bbadge", re.I)),
    ("certificate_of_participation", re.compile(r"participation|attendance", re.I)),
    ("diploma_or_degree", re.compile(r"\b(?:degree|diploma|bachelor|master|doctor|phd|msc|bsc|ba|ma)\b", re.I)),
    ("certificate", re.compile(r"certificat|zertifikat|certificado|certificaat", re.I)),
)
_ATTENDANCE = {f"{word}eventattendancemode": code for word, code in (("online", "online"), ("offline", "onsite"))}
_ATTENDANCE["mixedeventattendancemode"] = "blended"
_SCHEDULES = {
    f"{word}{sep}{kind}": f"{word}_{kind}" if word != "self" else "self_paced"
    for word, kind in (("full", "time"), ("part", "time"), ("self", "paced"))
    for sep in ("-", " ", "")
}


# ---- generic JSON-LD value handling -------------------------------------------------------------------


def to_offering(record: SourceRecord, context: SourceContext) -> Offering:
    """Normalise one schema.org Course object.

    Raises:
        CrosswalkError: the payload is not a JSON object of type Course, or the Course has no name.
    """
    base = base_offering(record, context, "schema_org_jsonld")
    if record.deleted:
        return base
    try:
        data = compact(parsing.remove_controls(json.loads(record.payload)))
    except ValueError as exc:
        raise CrosswalkError(f"payload is not JSON: {exc}", field="payload") from exc
    if not isinstance(data, dict) or "Course" not in types_of(data):
        raise CrosswalkError("payload is not a schema.org Course object", field="@type")

    page = record.url
    identifier = _url(data.get("@id"), page) or _url(data.get("url"), page) or record.identifier
    languages = _languages(data)
    lang = (languages[0] if languages else None) or vocab.language_code(context.extra.get("page_language")) or "und"
    title = _langmap(data.get("name"), lang)
    if not title:
        raise CrosswalkError("Course has no name", field="name")
    if lang == "und" and next(iter(title)) != "und":
        lang = next(iter(title))  # the name's own @language is the best word on the record's language

    offering = base
    offering.record_id = make_record_id(context.source_id, identifier)
    offering.original_identifier = identifier
    offering.record_url = _url(data.get("url"), page) or _url(data.get("@id"), page) or page
    offering.title = title
    offering.default_language = lang if lang != "und" else None
    offering.description = _langmap(data.get("description"), lang) or _langmap(
        data.get("disambiguatingDescription"), lang
    )
    offering.languages_of_instruction = languages
    offering.offering_type = ["course"]
    offering.source_last_modified = _text(data.get("dateModified"))
    prov: dict[str, Provenance] = {}
    if languages:
        prov["languages_of_instruction"] = Provenance(source_path="inLanguage")
    _organisations(offering, data, context, lang, prov)
    _credentials(offering, data, lang, prov)
    _level(offering, [data.get("educationalLevel")], prov, "educationalLevel")
    _credits(offering, data, prov)
    _content(offering, data, lang)
    _instances(offering, data, lang, prov)
    _inferred_country(offering, context, prov)
    # What the properties leave empty, the description may state (issue 14): numberOfCredits in a national
    # unit first, then the description's text.
    country = offering.issuer_country[0] if offering.issuer_country else None
    basis = prov["issuer_country"].source_path if "issuer_country" in prov else None
    for path, text in (
        ("numberOfCredits", _credit_texts(data)),
        ("description", " \n".join(offering.description.values())),
    ):
        fill_from_text(
            offering, text, prov, path, country=country, basis=basis, language=lang if lang != "und" else None
        )
    offering.field_provenance = prov
    return offering


def _credit_texts(data: Mapping[str, Any]) -> str:
    """``numberOfCredits`` as text ("5 LP"), for the national units the declared reading leaves aside."""
    parts = []
    for value in _list(data.get("numberOfCredits")):
        if isinstance(value, dict):
            unit = _text(value.get("unitText")) or _text(value.get("unitCode")) or ""
            parts.append(f"{_text(value.get('value')) or ''} {unit}")
        else:
            parts.append(_text(value) or "")
    return " \n".join(p.strip() for p in parts if p.strip())


def _inferred_country(offering: Offering, context: SourceContext, prov: dict[str, Provenance]) -> None:
    """The provider's country from the registry codes or the landing page's domain, when nothing states it."""
    if offering.issuer_country:
        return
    found = country_evidence(offering, context)
    if found is None:
        return
    for org in (*offering.provider, *offering.awarding_body):
        org.country = org.country or found.country
    offering.issuer_country = [found.country]
    prov["issuer_country"] = Provenance(source_path=found.basis, method="inferred", confidence=found.confidence)


def _languages(data: Mapping[str, Any]) -> list[str]:
    values = [data.get("inLanguage"), data.get("availableLanguage")]
    values += [i.get("inLanguage") for i in _nodes(data.get("hasCourseInstance"))]
    codes: list[str] = []
    for value in values:
        for item in _list(value):
            if isinstance(item, dict):
                names = [item.get("alternateName"), item.get("@value"), item.get("name")]
                code = next((c for c in map(vocab.language_code, _texts(names)) if c), None)
            else:
                code = vocab.language_code(str(item))
            if code and code not in codes:
                codes.append(code)
    return codes


def _country(node: Any) -> str | None:
    for item in _list(node):
        if isinstance(item, str):
            code = vocab.country_code(item.rsplit(",", 1)[-1])
        elif isinstance(item, dict):
            code = _country(item.get("addressCountry")) if "addressCountry" in item else None
            code = code or vocab.country_code(_text(item.get("@value") or item.get("name")) or "")
            code = code or _country(item.get("address"))
        else:
            code = None
        if code:
            return code
    return None


def _organisation(node: Any, lang: str, base: str | None) -> Organisation | None:
    if isinstance(node, str):
        text = _clean(node)
        # A bare URL names no one; an organisation needs a name (docs/normalisation.md §2 C).
        return Organisation(name={lang: text}) if text and not text.startswith(("http://", "https://")) else None
    if not isinstance(node, dict) or "Person" in types_of(node):
        return None  # people (instructors) are never providers or awarding bodies
    name = _langmap(node.get("name") or node.get("legalName"), lang)
    if not name:
        return None
    ids: dict[str, str] = {}
    for ref in _list(node.get("sameAs")) + _list(node.get("identifier")):
        url = _url(ref, None) or ""
        if "ror.org/" in url:
            ids["ror"] = url
        # A PropertyValue naming its scheme: an Erasmus code locates the institution (issue 14).
        if isinstance(ref, dict) and "erasmus" in str(ref.get("propertyID") or "").lower() and _text(ref.get("value")):
            ids["erasmus_code"] = _text(ref.get("value")) or ""
    return Organisation(
        name=name,
        country=_country(node.get("address")) or _country(node.get("location")),
        homepage=_url(node.get("url"), base),
        ids=ids,
    )


def _organisations(
    offering: Offering, data: Mapping[str, Any], context: SourceContext, lang: str, prov: dict[str, Provenance]
) -> None:
    page = offering.record_url
    offers = _nodes(data.get("offers")) + [
        o for i in _nodes(data.get("hasCourseInstance")) for o in _nodes(i.get("offers"))
    ]
    providers = [_organisation(p, lang, page) for p in _list(data.get("provider"))]
    sellers = [_organisation(p, lang, page) for o in offers for p in _list(o.get("offeredBy"))]
    offering.provider = _unique([p for p in providers + sellers if p])
    if not offering.provider and context.name:
        offering.provider = [Organisation(name={lang: context.name})]
        prov["provider"] = Provenance(source_path="source.name", method="inferred", confidence=0.7)
    awarding = [p for p in providers if p] or offering.provider
    if awarding:
        offering.awarding_body = [
            Organisation(name=dict(o.name), country=o.country, homepage=o.homepage, ids=dict(o.ids)) for o in awarding
        ]
        prov["awarding_body"] = Provenance(source_path="provider", method="inferred", confidence=0.7)
    countries = [o.country for o in offering.awarding_body if o.country]
    if countries:
        offering.issuer_country = list(dict.fromkeys(countries))
        prov["issuer_country"] = Provenance(source_path="provider.address.addressCountry")
    elif context.country and vocab.country_code(context.country):
        offering.issuer_country = [vocab.country_code(context.country) or ""]
        prov["issuer_country"] = Provenance(source_path="source.country", method="inferred", confidence=0.8)


def _unique(organisations: Iterable[Organisation]) -> list[Organisation]:
    seen: dict[str, Organisation] = {}
    for org in organisations:
        seen.setdefault(vocab.fold(next(iter(org.name.values()))), org)
    return list(seen.values())


def _credentials(offering: Offering, data: Mapping[str, Any], lang: str, prov: dict[str, Provenance]) -> None:
    """``educationalCredentialAwarded`` / ``occupationalCredentialAwarded``: type, awarding body, QA, level."""
    values = _list(data.get("educationalCredentialAwarded")) + _list(data.get("occupationalCredentialAwarded"))
    awarders: list[Organisation] = []
    for value in values:
        node = value if isinstance(value, dict) else {}
        category = " ".join(_texts(node.get("credentialCategory"))) + " " + (_text(value) or "")
        for code, pattern in _CREDENTIAL_TYPES:
            if pattern.search(category) and offering.credential_type is None:
                offering.credential_type = code
                prov["credential_type"] = Provenance(
                    source_path="educationalCredentialAwarded", method="parsed", confidence=0.7
                )
        for offer in _nodes(node.get("offers")):
            awarders += [o for o in (_organisation(p, lang, None) for p in _list(offer.get("offeredBy"))) if o]
        for body in _list(node.get("recognizedBy")):
            org = _organisation(body, lang, None)
            if org:
                offering.quality_assurance.append(
                    QualityAssurance(type="professional_recognition", description={lang: f"Recognised by {pick(org)}"})
                )
        _level(offering, [node.get("educationalLevel")], prov, "educationalCredentialAwarded.educationalLevel")
    if awarders:
        offering.awarding_body = _unique(awarders)
        prov["awarding_body"] = Provenance(source_path="educationalCredentialAwarded.offers.offeredBy")
        countries = [o.country for o in offering.awarding_body if o.country]
        if countries:
            offering.issuer_country = list(dict.fromkeys(countries))
            prov["issuer_country"] = Provenance(source_path="educationalCredentialAwarded.offers.offeredBy.address")


def pick(org: Organisation) -> str:
    """An organisation's name in any language."""
    return next(iter(org.name.values()))


def _level(offering: Offering, values: list[Any], prov: dict[str, Provenance], path: str) -> None:
    """EQF level from a vocabulary URI (declared) or a label naming EQF (parsed); nothing else is guessed."""
    if offering.eqf_level is not None:
        return
    for item in (i for v in values for i in _list(v)):
        refs = [item] if isinstance(item, str) else [item.get("@id"), item.get("url"), item.get("inDefinedTermSet")]
        uri = next((m for m in (_EQF_URI.search(r) for r in refs if isinstance(r, str)) if m), None)
        if uri:
            offering.eqf_level = int(uri.group(1))
            prov["eqf_level"] = Provenance(source_path=path)
            return
        label = " ".join(_texts([item] if isinstance(item, str) else [item.get("name"), item.get("termCode")]))
        if re.search(r"\b(?:EQF|EQR|CEC|QEQ)\b", label, re.IGNORECASE) and parsing.parse_eqf(label):
            offering.eqf_level = parsing.parse_eqf(label)
            prov["eqf_level"] = Provenance(source_path=path, method="parsed", confidence=0.8)
            return


def _credits(offering: Offering, data: Mapping[str, Any], prov: dict[str, Provenance]) -> None:
    """``numberOfCredits`` with an ECTS unit is declared; ECTS named in credential or description text is parsed."""
    hours = _iso_hours(_text(data.get("timeRequired")))
    if hours is not None:
        offering.workload_hours = hours
        prov["workload_hours"] = Provenance(source_path="timeRequired")
    countries = {c for c in offering.issuer_country + [p.country or "" for p in offering.provider] if c}
    candidates: list[tuple[str, str]] = []
    for value in _list(data.get("numberOfCredits")):
        if not isinstance(value, dict):
            candidates.append(("numberOfCredits", _text(value) or ""))
            continue
        amount, unit = _text(value.get("value")), _text(value.get("unitText")) or _text(value.get("unitCode"))
        if amount and unit and re.fullmatch(r"\d+(?:[.,]\d+)?", amount) and _unit_is_ects(unit, countries):
            _set_ects(offering, float(amount.replace(",", ".")), prov, "numberOfCredits", "declared")
            return
    credentials = _list(data.get("educationalCredentialAwarded")) + _list(data.get("occupationalCredentialAwarded"))
    candidates += [("educationalCredentialAwarded", t) for t in _texts(credentials)]
    candidates.append(("description", " ".join(offering.description.values())))
    for path, text in candidates:
        ects = parsing.parse_ects(text) if _names_ects(text, countries) else None
        if ects is not None:
            _set_ects(offering, ects, prov, path, "parsed")
            return
    if hours is not None:
        offering.workload_basis = "declared_hours"


def _unit_is_ects(unit: str, countries: set[str]) -> bool:
    folded = vocab.fold(unit).strip(" .")
    return "ects" in folded or bool(_NATIONAL_UNITS.get(folded, set()) & countries)


def _names_ects(text: str, countries: set[str]) -> bool:
    folded = vocab.fold(text)
    return "ects" in folded or any(
        re.search(rf"\d\s*{unit}\b", folded) for unit, where in _NATIONAL_UNITS.items() if where & countries
    )


def _set_ects(
    offering: Offering, ects: float | tuple[float, float], prov: dict[str, Provenance], path: str, method: str
) -> None:
    # A range keeps its upper bound, as the oai_dc crosswalk does: the model holds one number.
    offering.ects_credits = ects[1] if isinstance(ects, tuple) else ects
    offering.workload_basis = "declared_ects" if method == "declared" else "parsed_text"
    prov["ects_credits"] = Provenance(source_path=path, method=method, confidence=1.0 if method == "declared" else 0.8)


def _iso_hours(value: str | None) -> float | None:
    """Hours of a pure-hours ISO 8601 duration (``PT60H``, ``PT1H30M``); calendar durations are not workload."""
    match = _HOURS_ONLY.fullmatch(value.strip()) if value else None
    if not match or not any(match.groups()):
        return None
    hours = float((match.group(1) or "0").replace(",", ".")) + float((match.group(2) or "0").replace(",", ".")) / 60
    return round(hours, 2) if 1 <= hours <= 3000 else None


def _content(offering: Offering, data: Mapping[str, Any], lang: str) -> None:
    """Learning outcomes (``teaches``, ``assesses``), subjects and ISCED-F (``about``, ``keywords``), prerequisites."""
    for value in _list(data.get("teaches")) + _list(data.get("assesses")):
        text = _text(value) if not isinstance(value, dict) else _text(value.get("name") or value.get("description"))
        if not text:
            continue
        refs = [value.get(k) for k in ("@id", "url", "sameAs")] if isinstance(value, dict) else []
        esco = [r for r in (_url(x, None) for x in refs) if r and "data.europa.eu/esco/skill" in r]
        offering.learning_outcomes.append(LearningOutcome(text={lang: text}, esco_skills=esco))
    subjects: list[str] = []
    for value in _list(data.get("keywords")):
        subjects += [s for s in re.split(r"\s*[,;]\s*", _text(value) or "") if s]
    for value in _list(data.get("about")):
        code = _isced_f(value)
        if code:
            offering.isced_f.append(code)
        elif _text(value):
            subjects.append(_text(value) or "")
    offering.subjects = list(dict.fromkeys(subjects))
    prerequisites = _texts(
        [
            p.get("targetName") or p.get("name") if isinstance(p, dict) else p
            for p in _list(data.get("coursePrerequisites"))
        ]
    )
    if prerequisites:
        offering.prerequisites = {lang: "; ".join(prerequisites)}


def _isced_f(value: Any) -> str | None:
    """The ISCED-F code of an ``about`` DefinedTerm from that vocabulary, else None."""
    if not isinstance(value, dict):
        return None
    scheme = " ".join(filter(None, [_url(value, None), _url(value.get("inDefinedTermSet"), None)]))
    scheme += " " + " ".join(_texts(value.get("inDefinedTermSet")))
    code = _text(value.get("termCode")) or (_url(value, None) or "").rstrip("/").rsplit("/", 1)[-1]
    return code if "isced-f" in scheme.lower() and code and re.fullmatch(r"\d{2,4}", code) else None


def _instances(offering: Offering, data: Mapping[str, Any], lang: str, prov: dict[str, Provenance]) -> None:
    """``hasCourseInstance`` → instances, mode, schedule, workload; ``offers`` → price and ``is_free``."""
    modes: list[str] = []
    schedules: list[str] = []
    for node in [data, *_nodes(data.get("hasCourseInstance"))]:
        for value in _texts(node.get("courseMode")) + _texts(node.get("eventAttendanceMode")):
            modes += _mode(offering, value, schedules)
        if node is data:
            continue
        # A start given as a month ("October 2027") or a semester is its first day (issue 14 notations).
        start = parsing.parse_date_or_month(_text(node.get("startDate")) or "")
        end = parsing.parse_date(_text(node.get("endDate")))
        if start and end and end < start:
            end = None
        prices, free = _prices(node.get("offers"), lang)
        offering.instances.append(
            Instance(start_date=start, end_date=end, location=_location(node.get("location")), price=prices)
        )
        offering.is_free = True if free else offering.is_free
        _workload(offering, _text(node.get("courseWorkload")), start, end, prov)
    # The model keeps one schedule per offering: stated only when every run agrees on it.
    if len(set(schedules)) == 1 and offering.learning_schedule is None:
        offering.learning_schedule = schedules[0]
    if modes:
        offering.mode = list(dict.fromkeys(modes))
        prov["mode"] = Provenance(source_path="hasCourseInstance.courseMode")
    else:
        # No courseMode, but a run held at a named campus ("St Brycedale Campus Kirkcaldy") or a
        # VirtualLocation is on site or online (issue 14, the real schema.org examples).
        placed = [m for run in offering.instances if run.location for m in parsing.parse_modes(run.location)]
        if placed:
            offering.mode = list(dict.fromkeys(placed))
            prov["mode"] = Provenance(source_path="hasCourseInstance.location", method="parsed", confidence=0.6)
    prices, free = _prices(data.get("offers"), lang)
    offering.price = prices
    declared_free = str(next(iter(_list(data.get("isAccessibleForFree"))), "")).lower()
    if free or declared_free == "true":
        offering.is_free = True
    elif declared_free == "false" and offering.is_free is None:
        offering.is_free = False


def _mode(offering: Offering, value: str, schedules: list[str]) -> list[str]:
    folded = vocab.fold(value)
    key = folded.rstrip("/").rsplit("/", 1)[-1]
    if key in _ATTENDANCE:
        return [_ATTENDANCE[key]]
    for code, (_label, uri) in vocab.MODES.items():
        if folded == uri.lower():
            return [code]
    if folded in _SCHEDULES:
        schedules.append(_SCHEDULES[folded])
        return []
    if folded == "mooc" and "mooc" not in offering.offering_type:
        offering.offering_type.append("mooc")
    return parsing.parse_modes(value)


def _location(value: Any) -> str | None:
    for item in _list(value):
        if isinstance(item, str) and _clean(item):
            return _clean(item)
        if isinstance(item, dict):
            if "VirtualLocation" in types_of(item):
                return "online"
            address = item.get("address")
            parts = [_text(item.get("name"))]
            if isinstance(address, dict):
                parts += _texts([address.get(k) for k in ("streetAddress", "addressLocality", "addressCountry")])
            elif address:
                parts.append(_text(address))
            text = ", ".join(p for p in parts if p)
            if text:
                return text
    return None


def _prices(value: Any, lang: str) -> tuple[list[Price], bool]:
    """Fees of an ``offers`` value and whether one of them says free (price 0, category "Free")."""
    prices: list[Price] = []
    free = False
    for offer in _list(value):
        node = offer if isinstance(offer, dict) else {"price": offer}
        spec = next(iter(_nodes(node.get("priceSpecification"))), {})
        raw = _text(node.get("price", node.get("lowPrice", spec.get("price"))))
        currency = (_text(node.get("priceCurrency") or spec.get("priceCurrency")) or "").upper() or None
        if vocab.fold(_text(node.get("category")) or "") == "free" or parsing.says_free(raw):
            free = True
        if not raw:
            continue
        parsed = parsing.parse_price(raw)
        amount = parsed[0] if parsed else _number(raw)
        currency = currency or (parsed[1] if parsed else None)
        if amount == 0:
            free = True
        if amount is not None and currency and re.fullmatch(r"[A-Z]{3}", currency):
            label = _langmap(node.get("name") or node.get("category"), lang)
            prices.append(Price(amount=amount, currency=currency, label=label))
    return prices, free


def _number(text: str) -> float | None:
    try:
        return float(text.replace(",", "").strip())
    except ValueError:
        return None


def _workload(
    offering: Offering, text: str | None, start: date | None, end: date | None, prov: dict[str, Provenance]
) -> None:
    """``courseWorkload``: self-paced, a pure-hours duration, or hours per week × the instance's weeks."""
    if not text:
        return
    if re.search(r"self[- ]?paced|own pace", text, re.IGNORECASE):
        offering.learning_schedule = offering.learning_schedule or "self_paced"
        return
    if offering.workload_hours is not None:
        return
    hours = _iso_hours(text)
    weekly = _PER_WEEK.search(text)
    if hours is None and weekly and start and end:
        per_week = float((weekly.group(2) or weekly.group(1)).replace(",", "."))
        hours = round(per_week * max(1, round(((end - start).days + 1) / 7)), 1)
    elif hours is None and not weekly and not re.search(r"\bper\b|/\s*(?:month|day)|a (?:day|month)", text, re.I):
        hours = parsing.parse_hours(text)
    if hours is not None and 1 <= hours <= 3000:
        offering.workload_hours = hours
        offering.workload_basis = offering.workload_basis or "parsed_text"
        prov["workload_hours"] = Provenance(
            source_path="hasCourseInstance.courseWorkload", method="parsed", confidence=0.7
        )
