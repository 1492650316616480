"""The normalised record: one micro-credential offering in Annex I / ELM terms ("MCO record").

Field names follow ``docs/normalisation.md`` §2. Text that may come in several languages is a
*LangMap* (``{"en": "...", "de": "..."}``). Controlled values are stored as codes whose EU
vocabulary URIs live in :mod:`offerings.vocab`. The model does no I/O; :meth:`Offering.to_dict`
and :meth:`Offering.from_dict` give the JSON form the store keeps (the flat form search engines
index is :func:`offerings.export.search.search_document`).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import orjson

from offerings.model.parts import (
    Concept,
    Contact,
    Grant,
    Identifier,
    Instance,
    LangMap,
    LearningOutcome,
    Organisation,
    OtherCredit,
    PartOf,
    Place,
    Price,
    Provenance,
    QualityAssurance,
)

__all__ = [
    "Concept",
    "Contact",
    "Grant",
    "Identifier",
    "Instance",
    "LangMap",
    "LearningOutcome",
    "Offering",
    "Organisation",
    "OtherCredit",
    "PartOf",
    "Place",
    "Price",
    "Provenance",
    "QualityAssurance",
    "make_record_id",
    "pick_text",
    "with_cluster",
]


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

    # ---- added with the full record of docs/normalisation.md §2; every one has a default -------------
    # A. identity
    other_identifiers: list[Identifier] = field(default_factory=list, metadata={"help": "Course codes, CTID …"})
    # B. what is offered
    credential_title: LangMap = field(default_factory=dict, metadata={"help": "Name of the credential (M2)"})
    alternative_titles: list[LangMap] = field(default_factory=list, metadata={"help": "Acronyms, former titles"})
    is_micro_credential: bool | None = field(default=None, metadata={"help": "Leads to a micro-credential"})
    credential_formats: list[str] = field(default_factory=list, metadata={"help": "edc, open_badges_3, pdf …"})
    # C. who provides and awards
    issuer_region: list[str] = field(default_factory=list, metadata={"help": "NUTS/ATU region URIs (M3)"})
    # D. learning content
    esco_skills: list[Concept] = field(default_factory=list, metadata={"help": "ESCO skills, for search"})
    occupations: list[Concept] = field(default_factory=list, metadata={"help": "Related occupations"})
    target_groups: list[Concept] = field(default_factory=list, metadata={"help": "Intended audience"})
    # E. volume and level
    ects_range: list[float] | None = field(default=None, metadata={"help": "ECTS as [min, max] (ranges, converted)"})
    other_credits: list[OtherCredit] = field(default_factory=list, metadata={"help": "Non-ECTS credits (M7)"})
    workload_range: list[float] | None = field(default=None, metadata={"help": "Hours as [min, max]"})
    contact_hours: float | None = field(default=None, metadata={"help": "Taught hours (not workload)"})
    qf_ehea_cycle: str | None = field(default=None, metadata={"help": "short_cycle, first, second, third (M8)"})
    nqf_level: list[Concept] = field(default_factory=list, metadata={"help": "National framework level (M8)"})
    level_text: LangMap = field(default_factory=dict, metadata={"help": "Non-framework level ('beginner')"})
    # F. delivery
    synchronicity: str | None = field(default=None, metadata={"help": "synchronous, asynchronous, mixed"})
    learning_setting: str | None = field(default=None, metadata={"help": "formal or non_formal"})
    learning_activity_types: list[str] = field(default_factory=list, metadata={"help": "ELM activity codes"})
    languages_of_assessment: list[str] = field(default_factory=list, metadata={"help": "ISO 639-1 codes"})
    # G. when and where
    duration: str | None = field(default=None, metadata={"help": "Nominal length, ISO 8601 duration"})
    duration_range: list[str] | None = field(default=None, metadata={"help": "[min, max] ISO 8601 durations"})
    max_duration: str | None = field(default=None, metadata={"help": "Longest time allowed to complete"})
    enrolment_model: str | None = field(default=None, metadata={"help": "fixed_dates, rolling, on_demand"})
    schedule_info: LangMap = field(default_factory=dict, metadata={"help": "Timetable text"})
    admission_procedure: LangMap = field(default_factory=dict, metadata={"help": "How to apply"})
    # H. cost
    grants: list[Grant] = field(default_factory=list, metadata={"help": "Scholarships, subsidies"})
    # I. assessment
    supervision_id_verification: str | None = field(default=None, metadata={"help": "Supervision/ID check (O2)"})
    grading_scheme: LangMap = field(default_factory=dict, metadata={"help": "How results are graded"})
    # J. access and progression
    prerequisites_none: bool = field(default=False, metadata={"help": "Explicitly no prerequisites (O1)"})
    required_competencies: list[str] = field(default_factory=list, metadata={"help": "Prerequisite skill URIs"})
    part_of: list[PartOf] = field(default_factory=list, metadata={"help": "Programmes it belongs to (O4)"})
    has_parts: list[str] = field(default_factory=list, metadata={"help": "Ids of component offerings"})
    recognition_info: LangMap = field(default_factory=dict, metadata={"help": "Recognition, credit transfer"})
    further_information: LangMap = field(default_factory=dict, metadata={"help": "Further information (O5)"})
    supplementary_documents: list[str] = field(default_factory=list, metadata={"help": "Supplement, syllabus URLs"})
    # K. contact and media
    contact: Contact | None = field(default=None, metadata={"help": "Institutional enquiries contact"})
    image_url: str | None = field(default=None, metadata={"help": "Banner or logo"})
    # L. record status and quality
    source_status: str | None = field(default=None, metadata={"help": "Life-cycle status the source states"})
    crosswalk_warnings: list[str] = field(default_factory=list, metadata={"help": "What the crosswalk dropped"})
    cluster_id: str | None = field(default=None, metadata={"help": "Same offering from other sources (store)"})

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
        data: dict[str, Any] = _jsonable(self)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Offering:
        """Inverse of :meth:`to_dict`; unknown keys are ignored so older stored records still load."""
        offering: Offering = _load(cls, data)
        return offering

    def to_json(self) -> bytes:
        """:meth:`to_dict` serialised as JSON (UTF-8), straight from the dataclasses: the store's form.

        orjson writes dataclasses, dates and tuples exactly as :meth:`to_dict` gives them, in a tenth of
        the time of building the dict and ``json.dumps`` of it (a harvest writes every record once).
        """
        return orjson.dumps(self)

    def content_hash(self, data: bytes | None = None) -> str:
        """Hash of the normalised content, ignoring harvest bookkeeping: equal hash ⇒ nothing changed.

        ``data`` is this offering's :meth:`to_json` (with the store's cluster), when the caller has it.
        The hash is over that JSON without the ``harvest_datestamp`` member: a key can only appear
        unescaped as a key, so cutting its first occurrence is exact.
        """
        payload = self.to_json() if data is None else data
        stamp = b'"harvest_datestamp":' + orjson.dumps(self.harvest_datestamp)
        return hashlib.sha256(payload.replace(stamp, b"", 1)).hexdigest()


def with_cluster(payload: bytes, offering: Offering, cluster: str | None) -> bytes:
    """``payload`` (``offering.to_json()``) with ``cluster_id`` set to ``cluster``, without a copy of the offering."""
    if cluster == offering.cluster_id:
        return payload
    old = b'"cluster_id":' + orjson.dumps(offering.cluster_id)
    return payload.replace(old, b'"cluster_id":' + orjson.dumps(cluster), 1)


# Per dataclass: the fields loaded as they are, and the converters of the others (built once per class).
_HINTS: dict[type, tuple[frozenset[str], dict[str, Callable[[Any], Any]]]] = {}


def _load(cls: type, data: dict[str, Any]) -> Any:
    """Build dataclass ``cls`` from its JSON form, recursing by type hint (dates, parts, lists, maps)."""
    hints = _HINTS.get(cls)
    if hints is None:
        names = {f.name for f in dataclasses.fields(cls)}
        converters = {k: _converter(v) for k, v in typing.get_type_hints(cls).items() if k in names}
        plain = frozenset(k for k, convert in converters.items() if convert is _identity)
        hints = _HINTS[cls] = (plain, {k: c for k, c in converters.items() if c is not _identity})
    plain, converted = hints
    # Plain values (most fields) are taken in one comprehension, without a call each: the index sync
    # loads every changed record through here.
    kwargs = {k: v for k, v in data.items() if k in plain}
    for key, convert in converted.items():
        if key in data:
            kwargs[key] = convert(data[key])
    return cls(**kwargs)


def _identity(value: Any) -> Any:
    return value


@functools.cache
def _converter(hint: Any) -> Callable[[Any], Any]:
    """A function turning the JSON form of ``hint`` back into it; built once per hint, since the store
    loads every record through here (the sync and the API)."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(inner) != 1:
            return _identity
        convert = _converter(inner[0])
        return _identity if convert is _identity else (lambda v: None if v is None else convert(v))
    if origin is list:
        item = _converter(typing.get_args(hint)[0])
        if item is _identity:
            return lambda v: None if v is None else list(v)
        return lambda v: None if v is None else [item(x) for x in v]
    if origin is dict:
        item = _converter(typing.get_args(hint)[1])
        if item is _identity:
            return lambda v: None if v is None else dict(v)
        return lambda v: None if v is None else {k: item(x) for k, x in v.items()}
    if hint is date:
        return lambda v: date.fromisoformat(v) if isinstance(v, str) else v
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return lambda v: _load(hint, v) if isinstance(v, dict) else v
    return _identity


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}
# Values that are their own JSON form; checked by exact type, so subclasses (an enum of str) still take
# the general path.
_SCALARS = frozenset({str, int, float, bool, type(None)})


def _jsonable(value: Any) -> Any:
    # dataclasses.asdict deep-copies every leaf; this walk is several times faster on the harvest path.
    # Scalars, the bulk of an offering, are copied inline instead of through a call each (the store
    # turns every harvested record into JSON, so the calls were a fifth of the harvest).
    cls = type(value)
    if cls in _SCALARS:
        return value
    # Plain lists and dicts (exact types: never dataclasses) before the dataclass lookup.
    if cls is list:
        return [v if type(v) in _SCALARS else _jsonable(v) for v in value]
    if cls is dict:
        return {k: v if type(v) in _SCALARS else _jsonable(v) for k, v in value.items()}
    names = _FIELD_NAMES.get(cls)
    if names is None and dataclasses.is_dataclass(value):
        names = _FIELD_NAMES[cls] = tuple(f.name for f in dataclasses.fields(value))
    if names is not None:
        out = {}
        for name in names:
            item = getattr(value, name)
            out[name] = item if type(item) in _SCALARS else _jsonable(item)
        return out
    if isinstance(value, dict):
        return {k: v if type(v) in _SCALARS else _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [v if type(v) in _SCALARS else _jsonable(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value
