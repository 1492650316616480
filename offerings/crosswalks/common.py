"""What every crosswalk does the same way: text maps, provenance, controlled values, and ``finish``.

:func:`finish` applies the shared normalisation of docs/normalisation.md §3.7 and §4.1 once a
crosswalk has read its format: clean text, the awarding body defaulting to the provider (inferred),
issuer countries, the country from the source configuration (inferred), ECTS converted from hours
(a range, inferred), end dates before start dates dropped, values outside their vocabulary dropped
— each drop noted in ``crosswalk_warnings`` so the source's quality report shows it. Pure.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any, NamedTuple

from offerings import vocab
from offerings.crosswalks import SourceContext, SourceRecord
from offerings.errors import CrosswalkError
from offerings.model import LangMap, Offering, Organisation, Provenance, make_record_id
from offerings.text import parsing, xml
from offerings.vocab import evidence, schemes
from offerings.vocab.isced import isced_f_code

__all__ = [
    "CountryEvidence",
    "Marks",
    "country_evidence",
    "as_list",
    "base_offering",
    "credential_type_from_text",
    "finish",
    "json_payload",
    "xml_payload",
    "lang_or_und",
    "merge_text",
    "says_no_prerequisites",
]

_CREDENTIAL_WORDS = (
    ("micro_credential", re.compile(r"micro-?credential|mikro-?(?:zertifikat|credential)|micro-?certifica", re.I)),
    ("digital_badge", re.compile(r"\bbadges?\b", re.I)),
    ("certificate_of_participation", re.compile(r"participation|attendance|teilnahme", re.I)),
    (
        "diploma_or_degree",
        re.compile(r"\b(?:degree|diploma|bachelor|master|doctor\w*|phd|[bm]sc|[bm]a|hn[cd])\b", re.I),
    ),
    ("certificate", re.compile(r"certificat|zertifikat|certificado|certificaat|certificate", re.I)),
)
_NO_PREREQUISITES = re.compile(
    r"\s*(?:none|no|n/a|keine|aucune?|ninguno|nessuno|geen|no (?:entry )?(?:requirements|prerequisites)|"
    r"there are no (?:entry )?(?:requirements|prerequisites))\.?\s*",
    re.IGNORECASE,
)


class Marks(dict[str, Provenance]):
    """The field provenance a crosswalk builds up; ``mark`` records one field's origin."""

    def mark(self, name: str, path: str, method: str = "declared", confidence: float = 1.0) -> None:
        """Record where ``name`` came from (the first record of a field wins)."""
        self.setdefault(name, Provenance(source_path=path, method=method, confidence=confidence))


def as_list(value: Any) -> list[Any]:
    """``value`` as a list: None → [], a list stays, anything else is wrapped."""
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def lang_or_und(value: str | None) -> str:
    """ISO 639-1 code of ``value`` ("en-US", "ENG", ".../language/ENG"), or "und"."""
    return vocab.language_code(value) or "und"


def merge_text(pairs: Iterable[tuple[str | None, str | None]]) -> LangMap:
    """A LangMap from ``(language, text)`` pairs: text cleaned (V23), first value per language kept."""
    out: LangMap = {}
    for lang, text in pairs:
        cleaned = parsing.clean_text(text)
        if cleaned:
            out.setdefault(lang_or_und(lang), cleaned)
    return out


def json_payload(record: SourceRecord) -> Any:
    """The record's payload parsed as JSON, without control characters in its strings.

    Raises:
        CrosswalkError: the payload is not JSON.
    """
    try:
        return parsing.remove_controls(json.loads(record.payload))
    except (ValueError, UnicodeDecodeError) as exc:
        raise CrosswalkError(f"not JSON: {exc}", field="metadata") from exc


def xml_payload(record: SourceRecord, *, what: str = "not") -> Any:
    """The record's payload parsed safely (:func:`offerings.text.xml.parse`) as an lxml element (the
    harvester's parse of it, when it has one).

    Raises:
        CrosswalkError: the payload is not well-formed XML (``what`` starts the message).
    """
    if record.tree is not None:
        return record.tree
    try:
        return xml.parse_clean(record.payload)
    except xml.XmlError as exc:
        raise CrosswalkError(f"{what} well-formed XML: {exc}", field="metadata") from exc


def base_offering(record: SourceRecord, context: SourceContext, source_format: str) -> Offering:
    """The identity part every crosswalk starts from (a tombstone when the record is deleted)."""
    return Offering(
        record_id=make_record_id(context.source_id, record.identifier),
        source_id=context.source_id,
        source_format=source_format,
        original_identifier=record.identifier,
        harvest_datestamp=record.datestamp,
        deleted=record.deleted,
    )


def credential_type_from_text(text: str | None) -> str | None:
    """Credential type named in ``text`` ("micro-credential", "badge", "BA (Honours)", "certificate")."""
    for code, pattern in _CREDENTIAL_WORDS:
        if text and pattern.search(text):
            return code
    return None


def says_no_prerequisites(text: str | None) -> bool:
    """Whether a prerequisites text says only that there are none."""
    return bool(text) and bool(_NO_PREREQUISITES.fullmatch(text or ""))


def finish(offering: Offering, marks: Marks, context: SourceContext) -> Offering:
    """Shared normalisation after a crosswalk has read its format; returns ``offering``, completed.

    The record is not validated here: ``CROSSWALKS`` runs :func:`offerings.quality.validation.reject_invalid`
    on what every crosswalk returns.
    """
    if offering.deleted:
        return offering
    notes = offering.crosswalk_warnings
    _organisations(offering, marks, context)
    _volume(offering, marks)
    _controlled(offering, notes)
    _runs(offering, notes)
    if offering.contact and parsing.is_personal_email(offering.contact.email):
        offering.contact.email = None  # V24: no personal data in the catalogue
        notes.append("contact: a personal e-mail address was dropped")
    if not offering.default_language:
        offering.default_language = next((k for k in offering.title if k != "und"), None)
    offering.languages_of_instruction = list(dict.fromkeys(offering.languages_of_instruction))
    offering.mode = list(dict.fromkeys(offering.mode))
    offering.assessment_types = list(dict.fromkeys(offering.assessment_types))
    offering.subjects = list(dict.fromkeys(s for s in offering.subjects if s))
    offering.crosswalk_warnings = list(dict.fromkeys(notes))
    offering.field_provenance = {**marks, **offering.field_provenance}
    return offering


# A provider identifier in the Erasmus code's padded form ("D  BERLIN01", "UK LONDON01"); feeds that collapse
# whitespace write the one-letter countries' two spaces as one ("I VALFIOR02").
_PADDED_ERASMUS = re.compile(r"(?:[A-Z] {1,2}|[A-Z]{2} )[A-Z][A-Z-]{0,7}\d{2}")


class CountryEvidence(NamedTuple):
    """A country the record does not state, the evidence it was inferred from and how sure that is."""

    country: str
    basis: str
    confidence: float


def _erasmus_ids(offering: Offering) -> Iterable[str]:
    for org in offering.provider:
        if org.ids.get("erasmus_code"):
            yield org.ids["erasmus_code"]
    idents = [*offering.other_identifiers, *(i for org in offering.provider for i in org.other_ids)]
    for ident in idents:
        value = ident.value.strip()
        # Marked as Erasmus, or in the code's own space-padded form ("D  BERLIN01", "UK LONDON01").
        marked = "erasmus" in (ident.scheme or "").lower() or value.lower().startswith("erasmus")
        if marked or _PADDED_ERASMUS.fullmatch(value):
            yield re.sub(r"^erasmus(?: code)?\s*[:=]\s*", "", value, flags=re.IGNORECASE)


def country_evidence(offering: Offering, context: SourceContext) -> CountryEvidence | None:
    """The provider's country when the record does not state it, from the evidence in order (issue 14):
    the source's registered country, the provider's registry codes (Erasmus, SCHAC), the country-code
    domain of the landing page or the provider's homepage. None when nothing says."""
    if context.country and vocab.country_code(context.country):
        return CountryEvidence(vocab.country_code(context.country) or "", "source.country", 0.8)
    for code in _erasmus_ids(offering):
        country = evidence.country_of_erasmus(code)
        if country:
            return CountryEvidence(country, "provider.ids.erasmus_code", 0.8)
    for org in offering.provider:
        country = evidence.country_of_domain(org.ids.get("schac"))
        if country:
            return CountryEvidence(country, "provider.ids.schac", 0.8)
    for url in (offering.record_url, *(org.homepage for org in offering.provider)):
        country = evidence.country_of_domain(url)
        if country:
            return CountryEvidence(country, "record_url (country-code domain)", 0.6)
    return None


def _organisations(offering: Offering, marks: Marks, context: SourceContext) -> None:
    organisations = (*offering.provider, *offering.awarding_body)
    stated = any(org.country for org in organisations) or bool(offering.issuer_country)
    found = country_evidence(offering, context) if not all(org.country for org in organisations) else None
    if stated and found and found.basis != "source.country":
        found = None  # a registry code or a domain is the provider's: it says nothing against a stated country
    for org in organisations:
        if org.country is None and found:
            org.country = found.country
            marks.mark("issuer_country", found.basis, "inferred", found.confidence)
    if not organisations and not offering.issuer_country:
        # No provider or awarding body is named: the issuer is the source's HEI, wherever it is.
        found = country_evidence(offering, context)
        if found and not context.name:
            offering.issuer_country = [found.country]
            marks.mark("issuer_country", found.basis, "inferred", found.confidence)
    if not offering.provider and context.name:
        found = found or country_evidence(offering, context)
        offering.provider = [Organisation(name={"und": context.name}, country=found.country if found else None)]
        marks.mark("provider", "source.name", "inferred", 0.7)
    if not offering.awarding_body and offering.provider:
        # The XCRI guidance and §2 C: unless stated otherwise, the provider awards.
        offering.awarding_body = [_copy(p) for p in offering.provider]
        marks.mark("awarding_body", "provider", "inferred", 0.7)
    if not offering.issuer_country:
        countries = [o.country for o in offering.awarding_body if o.country]
        offering.issuer_country = list(dict.fromkeys(countries))
        awarded = marks.get("awarding_body")
        if countries and awarded is not None and awarded.method == "inferred":
            marks.mark("issuer_country", "awarding_body.country", "inferred", 0.8)
        elif countries:
            marks.mark("issuer_country", "awarding_body.country")


def _copy(org: Organisation) -> Organisation:
    return Organisation(
        name=dict(org.name), country=org.country, homepage=org.homepage, ids=dict(org.ids), region=org.region
    )


def _volume(offering: Offering, marks: Marks) -> None:
    if offering.ects_credits is None and not offering.ects_range and offering.workload_hours:
        span = offering.workload_range
        hours = (span[0], span[-1]) if span else offering.workload_hours
        offering.ects_range = list(parsing.hours_to_ects(hours))
        marks.mark("ects_range", "converted_from_hours", "inferred", 0.8)
    if offering.workload_basis is None:
        if offering.ects_credits is not None or (offering.ects_range and "ects_range" not in marks):
            method = marks.get("ects_credits", Provenance(source_path="")).method
            # ECTS assumed for a bare number (JKU) are neither declared nor read from text: no basis.
            basis = {"parsed": "parsed_text", "inferred": None}.get(method, "declared_ects")
            offering.workload_basis = basis
        elif offering.workload_hours is not None:
            method = marks.get("workload_hours", Provenance(source_path="")).method
            offering.workload_basis = "parsed_text" if method == "parsed" else "declared_hours"
        elif offering.ects_range:
            offering.workload_basis = "converted_from_hours"
    prices = offering.all_prices()
    if offering.is_free is None and prices and all(p.amount == 0 for p in prices):
        offering.is_free = True


def _keep(scheme: str, codes: list[str], field: str, notes: list[str]) -> list[str]:
    kept = [c for c in codes if schemes.is_code(scheme, c)]
    if len(kept) < len(codes):
        notes.append(f"{field}: a value outside the controlled vocabulary was dropped")
    return list(dict.fromkeys(kept))


def _controlled(offering: Offering, notes: list[str]) -> None:
    codes = [isced_f_code(c) for c in offering.isced_f]
    if None in codes:
        notes.append("isced_f: a code that is not ISCED-F 2013 was dropped")
    offering.isced_f = list(dict.fromkeys(c for c in codes if c))
    offering.mode = _keep("mode", offering.mode, "mode", notes)
    offering.assessment_types = _keep("assessment", offering.assessment_types, "assessment_types", notes)
    offering.offering_type = _keep("offering_type", offering.offering_type, "offering_type", notes)
    activities = offering.learning_activity_types
    offering.learning_activity_types = _keep("activity", activities, "learning_activity_types", notes)
    for name, scheme in (
        ("learning_schedule", "schedule"),
        ("learning_setting", "setting"),
        ("supervision_id_verification", "supervision"),
        ("credential_type", "credential_type"),
        ("stackability", "stackability"),
    ):
        value = getattr(offering, name)
        if value is not None and not schemes.is_code(scheme, value):
            setattr(offering, name, None)
            notes.append(f"{name}: a value outside the controlled vocabulary was dropped")
    if offering.eqf_level is not None and not 1 <= offering.eqf_level <= 8:
        offering.eqf_level = None
        notes.append("eqf_level: a level outside 1–8 was dropped")


def _runs(offering: Offering, notes: list[str]) -> None:
    for run in offering.instances:
        if run.start_date and run.end_date and run.end_date < run.start_date:
            run.end_date = None  # §3.7: end < start → warning and drop the end
            notes.append("instances.end_date: before start_date, dropped")
        run.mode = _keep("mode", run.mode, "instances.mode", notes)
        if run.learning_schedule and not schemes.is_code("schedule", run.learning_schedule):
            run.learning_schedule = None
        for price in run.price:
            if price.amount == 0 and offering.is_free is None:
                offering.is_free = True
