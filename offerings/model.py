"""The normalised record: one micro-credential offering in Annex I / ELM terms ("MCO record").

Field names follow ``metadata-standard.md`` §2. Text that may come in several languages is a
*LangMap* (``{"en": "...", "de": "..."}``). Controlled values are stored as codes whose EU
vocabulary URIs live in :mod:`offerings.vocab`. The model does no I/O; :meth:`Offering.to_dict`
and :meth:`Offering.from_dict` give the JSON form the store keeps, and :func:`search_document`
the flat form every search engine indexes and the API returns.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from offerings import vocab

__all__ = [
    "Instance",
    "LangMap",
    "LearningOutcome",
    "Offering",
    "Organisation",
    "Price",
    "Provenance",
    "QualityAssurance",
    "make_record_id",
    "pick_text",
    "search_document",
]

LangMap = dict[str, str]


def pick_text(text: LangMap | None, preferred: str | None = None) -> str:
    """The text of a LangMap in ``preferred`` language, else English, else any."""
    if not text:
        return ""
    for lang in (preferred, "en"):
        if lang and text.get(lang):
            return text[lang]
    return next(iter(text.values()), "")


def make_record_id(source_id: str, original_identifier: str) -> str:
    """Stable catalogue id ``{source}:{sha1(original id)[:16]}``: the same record always gets the same id."""
    digest = hashlib.sha1(original_identifier.encode("utf-8")).hexdigest()[:16]
    return f"{source_id}:{digest}"


@dataclass(slots=True, kw_only=True)
class Organisation:
    """A provider or awarding body."""

    name: LangMap = field(metadata={"help": "Legal or trading name"})
    country: str | None = field(default=None, metadata={"help": "Seat country, ISO 3166-1 alpha-2"})
    homepage: str | None = field(default=None, metadata={"help": "Home page URL"})
    ids: dict[str, str] = field(default_factory=dict, metadata={"help": "erasmus_code, schac, ror, pic …"})


@dataclass(slots=True, kw_only=True)
class LearningOutcome:
    """One expected learning outcome (Annex I M6)."""

    text: LangMap = field(metadata={"help": "The outcome statement"})
    esco_skills: list[str] = field(default_factory=list, metadata={"help": "ESCO skill URIs"})


@dataclass(slots=True, kw_only=True)
class Price:
    """A fee."""

    amount: float = field(metadata={"help": "Amount, ≥ 0"})
    currency: str = field(default="EUR", metadata={"help": "ISO 4217 code"})
    label: LangMap = field(default_factory=dict, metadata={"help": "What the fee is for"})


@dataclass(slots=True, kw_only=True)
class Instance:
    """One concrete run of the offering."""

    start_date: date | None = field(default=None, metadata={"help": "First day of teaching"})
    end_date: date | None = field(default=None, metadata={"help": "Last day of teaching"})
    application_deadline: date | None = field(default=None, metadata={"help": "Last day to apply"})
    location: str | None = field(default=None, metadata={"help": "Venue or 'online'"})
    price: list[Price] = field(default_factory=list, metadata={"help": "Fees of this run"})


@dataclass(slots=True, kw_only=True)
class QualityAssurance:
    """Quality assurance underpinning the credential (Annex I M11)."""

    type: str = field(metadata={"help": "internal_institutional, external_institutional, external_programme …"})
    basis: str = field(default="declared", metadata={"help": "declared or inferred_from_registry"})
    description: LangMap = field(default_factory=dict, metadata={"help": "Free text"})


@dataclass(slots=True, kw_only=True)
class Provenance:
    """Where one field's value came from."""

    source_path: str = field(metadata={"help": "Path in the source record"})
    method: str = field(default="declared", metadata={"help": "declared, parsed, inferred or enriched"})
    confidence: float = field(default=1.0, metadata={"help": "0–1"})


@dataclass(slots=True, kw_only=True)
class Offering:
    """One course or micro-credential offering, normalised to the catalogue standard."""

    # A. identity and provenance
    record_id: str = field(metadata={"help": "Catalogue key '<source>:<sha1 of original id>'"})
    source_id: str = field(metadata={"help": "Source that produced the record"})
    source_format: str = field(metadata={"help": "Format parsed: oai_dc, schema_org_jsonld, elm_loq_xml …"})
    original_identifier: str = field(metadata={"help": "Identifier in the source"})
    record_url: str | None = field(default=None, metadata={"help": "Public landing page (O5)"})
    harvest_datestamp: str | None = field(default=None, metadata={"help": "OAI datestamp or Last-Modified"})
    source_last_modified: str | None = field(default=None, metadata={"help": "Source's own modification date"})
    deleted: bool = field(default=False, metadata={"help": "Tombstone: gone from the source"})
    default_language: str | None = field(default=None, metadata={"help": "Main language of the record"})
    record_license: str | None = field(default=None, metadata={"help": "Licence of the metadata"})
    # B. what is offered
    title: LangMap = field(default_factory=dict, metadata={"help": "Title (M2)"})
    description: LangMap = field(default_factory=dict, metadata={"help": "Summary"})
    offering_type: list[str] = field(default_factory=list, metadata={"help": "course, mooc, module …"})
    credential_type: str | None = field(default=None, metadata={"help": "micro_credential, certificate …"})
    # C. who provides and awards
    provider: list[Organisation] = field(default_factory=list, metadata={"help": "Delivering organisations"})
    awarding_body: list[Organisation] = field(default_factory=list, metadata={"help": "Awarding bodies (M4)"})
    issuer_country: list[str] = field(default_factory=list, metadata={"help": "Country of the issuer (M3)"})
    # D. learning content
    learning_outcomes: list[LearningOutcome] = field(default_factory=list, metadata={"help": "Outcomes (M6)"})
    learning_outcome_summary: LangMap = field(default_factory=dict, metadata={"help": "Outcomes as text (M6)"})
    subjects: list[str] = field(default_factory=list, metadata={"help": "Free keywords"})
    isced_f: list[str] = field(default_factory=list, metadata={"help": "ISCED-F 2013 field codes"})
    # E. volume and level
    ects_credits: float | None = field(default=None, metadata={"help": "ECTS credits (M7)"})
    workload_hours: float | None = field(default=None, metadata={"help": "Notional learning hours (M7)"})
    workload_basis: str | None = field(default=None, metadata={"help": "declared_ects, parsed_text …"})
    eqf_level: int | None = field(default=None, metadata={"help": "EQF level 1–8 (M8)"})
    level_not_applicable: bool = field(default=False, metadata={"help": "Provider says no QF level applies"})
    # F. delivery
    mode: list[str] = field(default_factory=list, metadata={"help": "online, onsite, blended, work_based (M10)"})
    learning_schedule: str | None = field(default=None, metadata={"help": "full_time, part_time, self_paced"})
    languages_of_instruction: list[str] = field(default_factory=list, metadata={"help": "ISO 639-1 codes"})
    # G. when and where
    instances: list[Instance] = field(default_factory=list, metadata={"help": "Concrete runs"})
    # H. cost
    price: list[Price] = field(default_factory=list, metadata={"help": "Fees"})
    is_free: bool | None = field(default=None, metadata={"help": "Free to follow"})
    # I. assessment and QA
    assessment_types: list[str] = field(default_factory=list, metadata={"help": "ELM assessment codes (M9)"})
    assessment_description: LangMap = field(default_factory=dict, metadata={"help": "Assessment text (M9)"})
    quality_assurance: list[QualityAssurance] = field(default_factory=list, metadata={"help": "QA (M11)"})
    # J. access and progression
    prerequisites: LangMap = field(default_factory=dict, metadata={"help": "Prerequisites (O1)"})
    stackability: str | None = field(default=None, metadata={"help": "stand_alone, integrated, stackable (O4)"})
    # L. quality
    field_provenance: dict[str, Provenance] = field(default_factory=dict, metadata={"help": "Per-field origin"})

    # ---- derived values -------------------------------------------------------------------------

    @property
    def main_title(self) -> str:
        """Title in the record's main language."""
        return pick_text(self.title, self.default_language)

    @property
    def start_date(self) -> date | None:
        """Earliest start date over the instances."""
        starts = [i.start_date for i in self.instances if i.start_date]
        return min(starts) if starts else None

    @property
    def countries(self) -> list[str]:
        """Issuer countries, else the providers' countries."""
        found = list(self.issuer_country) or [p.country for p in self.provider if p.country]
        return list(dict.fromkeys(found))

    def all_prices(self) -> list[Price]:
        """Offering-level fees and per-instance fees."""
        return [*self.price, *(p for i in self.instances for p in i.price)]

    # ---- JSON form --------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """JSON-able dict of every field (dates as ISO strings); the form the store keeps."""
        return _jsonable(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Offering:
        """Inverse of :meth:`to_dict`; unknown keys are ignored so older stored records still load."""
        known = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["provider"] = [Organisation(**o) for o in values.get("provider", [])]
        values["awarding_body"] = [Organisation(**o) for o in values.get("awarding_body", [])]
        values["learning_outcomes"] = [LearningOutcome(**o) for o in values.get("learning_outcomes", [])]
        values["quality_assurance"] = [QualityAssurance(**q) for q in values.get("quality_assurance", [])]
        values["price"] = [Price(**p) for p in values.get("price", [])]
        values["instances"] = [_instance(i) for i in values.get("instances", [])]
        values["field_provenance"] = {k: Provenance(**p) for k, p in values.get("field_provenance", {}).items()}
        return cls(**values)

    def content_hash(self, data: dict[str, Any] | None = None) -> str:
        """Hash of the normalised content, ignoring harvest bookkeeping: equal hash ⇒ nothing changed.

        ``data`` is this offering's :meth:`to_dict`, when the caller has it already.
        """
        content = dict(self.to_dict() if data is None else data)
        content.pop("harvest_datestamp", None)
        return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _instance(data: dict[str, Any]) -> Instance:
    values = dict(data)
    for key in ("start_date", "end_date", "application_deadline"):
        if values.get(key):
            values[key] = date.fromisoformat(values[key])
    values["price"] = [Price(**p) for p in values.get("price", [])]
    return Instance(**values)


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _jsonable(value: Any) -> Any:
    # dataclasses.asdict deep-copies every leaf; this walk is several times faster on the harvest path.
    cls = type(value)
    names = _FIELD_NAMES.get(cls)
    if names is None and dataclasses.is_dataclass(value):
        names = _FIELD_NAMES[cls] = tuple(f.name for f in dataclasses.fields(value))
    if names is not None:
        return {name: _jsonable(getattr(value, name)) for name in names}
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


def search_document(offering: Offering, *, completeness: int, tier: str, seq: int, updated: str) -> dict[str, Any]:
    """The flat document every search engine indexes and the search API returns.

    Facet fields hold codes (``country``, ``language``, ``mode`` …); text fields hold the text
    of every language joined, so one index serves every language.
    """
    o = offering
    provider = o.provider[0] if o.provider else None
    prices = o.all_prices()
    amounts = [p.amount for p in prices]
    return {
        "id": o.record_id,
        "source": o.source_id,
        "title": o.main_title,
        "title_all": " ".join(dict.fromkeys(o.title.values())),
        "description": " ".join(dict.fromkeys(o.description.values())),
        "subjects": list(o.subjects),
        "skills": [pick_text(lo.text) for lo in o.learning_outcomes],
        "provider": pick_text(provider.name) if provider else None,
        "provider_id": _slug(pick_text(provider.name)) if provider else None,
        "country": o.countries,
        "ects_credits": o.ects_credits,
        "workload_hours": o.workload_hours,
        "eqf_level": o.eqf_level,
        "languages": list(o.languages_of_instruction),
        "mode": list(o.mode),
        "schedule": o.learning_schedule,
        "isced_f": list(o.isced_f),
        "credential_type": o.credential_type,
        "qa_type": sorted({q.type for q in o.quality_assurance}),
        "url": o.record_url,
        "start_date": o.start_date.isoformat() if o.start_date else None,
        "end_date": _iso(max((i.end_date for i in o.instances if i.end_date), default=None)),
        "price": min(amounts) if amounts else None,
        "currency": prices[0].currency if prices else None,
        "free": bool(o.is_free) or (bool(amounts) and min(amounts) == 0),
        "completeness": completeness,
        "tier": tier,
        "updated": updated,
        "seq": seq,
    }


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _slug(text: str) -> str:
    return "-".join(vocab.fold(text).replace("'", "").split())[:80] or "unknown"
