"""The parts an Offering is built from: organisations, outcomes, prices, runs, places, QA, provenance.

Split out of :mod:`offerings.model` to keep each module readable; :mod:`offerings.model` re-exports
every name, so ``from offerings.model import Instance`` keeps working. Fields follow
docs/normalisation.md §2; every field has a ``help`` entry and every field added after the first
release has a default, so records stored by older code still load.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

__all__ = [
    "Concept",
    "Contact",
    "Grant",
    "Identifier",
    "Instance",
    "LangMap",
    "LearningOutcome",
    "Organisation",
    "OtherCredit",
    "PartOf",
    "Place",
    "Price",
    "Provenance",
    "QualityAssurance",
]

LangMap = dict[str, str]


@dataclass(slots=True, kw_only=True)
class Identifier:
    """An identifier in some scheme (course code, CTID, national code, VAT number …)."""

    value: str = field(metadata={"help": "The identifier"})
    scheme: str | None = field(default=None, metadata={"help": "Scheme name or URI, e.g. ctid, los-code"})


@dataclass(slots=True, kw_only=True)
class Concept:
    """A concept of an open vocabulary (ESCO skill or occupation, NQF level, target group)."""

    uri: str | None = field(default=None, metadata={"help": "Concept URI"})
    label: LangMap = field(default_factory=dict, metadata={"help": "Preferred label"})


@dataclass(slots=True, kw_only=True)
class Organisation:
    """A provider, awarding body or quality-assurance agency."""

    name: LangMap = field(metadata={"help": "Legal or trading name"})
    country: str | None = field(default=None, metadata={"help": "Seat country, ISO 3166-1 alpha-2"})
    homepage: str | None = field(default=None, metadata={"help": "Home page URL"})
    ids: dict[str, str] = field(
        default_factory=dict, metadata={"help": "erasmus_code, schac, ror, pic, erasmus_oid, deqar"}
    )
    region: str | None = field(default=None, metadata={"help": "NUTS or ATU region URI"})
    address: str | None = field(default=None, metadata={"help": "Postal address, one line"})
    other_ids: list[Identifier] = field(default_factory=list, metadata={"help": "VAT, eIDAS, registry ids …"})


@dataclass(slots=True, kw_only=True)
class LearningOutcome:
    """One expected learning outcome (Annex I M6)."""

    text: LangMap = field(metadata={"help": "The outcome statement"})
    esco_skills: list[str] = field(default_factory=list, metadata={"help": "ESCO skill URIs"})
    other_skills: list[str] = field(default_factory=list, metadata={"help": "Other skill URIs (DigComp …)"})
    type: str | None = field(default=None, metadata={"help": "knowledge, skill or competence"})
    reusability: str | None = field(default=None, metadata={"help": "ELM skill reuse level URI"})


@dataclass(slots=True, kw_only=True)
class Price:
    """A fee."""

    amount: float = field(metadata={"help": "Amount, ≥ 0"})
    currency: str = field(default="EUR", metadata={"help": "ISO 4217 code"})
    label: LangMap = field(default_factory=dict, metadata={"help": "What the fee is for"})
    audience: LangMap = field(default_factory=dict, metadata={"help": "Who pays it (EU, non-EU …)"})
    includes_credential: bool | None = field(default=None, metadata={"help": "Fee includes the credential"})


@dataclass(slots=True, kw_only=True)
class Place:
    """A venue or virtual location of a run."""

    name: str | None = field(default=None, metadata={"help": "Name of the venue"})
    address: str | None = field(default=None, metadata={"help": "Postal address, one line"})
    country: str | None = field(default=None, metadata={"help": "ISO 3166-1 alpha-2"})
    region: str | None = field(default=None, metadata={"help": "NUTS or ATU region URI"})
    lat: float | None = field(default=None, metadata={"help": "Latitude"})
    lon: float | None = field(default=None, metadata={"help": "Longitude"})
    virtual_url: str | None = field(default=None, metadata={"help": "URL of an online venue"})


@dataclass(slots=True, kw_only=True)
class Instance:
    """One concrete run of the offering."""

    start_date: date | None = field(default=None, metadata={"help": "First day of teaching"})
    end_date: date | None = field(default=None, metadata={"help": "Last day of teaching"})
    application_deadline: date | None = field(default=None, metadata={"help": "Last day to apply"})
    location: str | None = field(default=None, metadata={"help": "Venue or 'online', as one line"})
    price: list[Price] = field(default_factory=list, metadata={"help": "Fees of this run"})
    instance_id: str | None = field(default=None, metadata={"help": "Source id of the run"})
    application_opens: date | None = field(default=None, metadata={"help": "First day to apply"})
    enrolment_url: str | None = field(default=None, metadata={"help": "Where to apply"})
    duration: str | None = field(default=None, metadata={"help": "ISO 8601 duration of this run"})
    mode: list[str] = field(default_factory=list, metadata={"help": "Mode codes of this run"})
    learning_schedule: str | None = field(default=None, metadata={"help": "Schedule code of this run"})
    languages_of_instruction: list[str] = field(default_factory=list, metadata={"help": "ISO 639-1 codes"})
    venues: list[Place] = field(default_factory=list, metadata={"help": "Venues or virtual locations"})
    places_available: int | None = field(default=None, metadata={"help": "Seats"})
    status: str | None = field(default=None, metadata={"help": "open, closed, full, cancelled, past"})


@dataclass(slots=True, kw_only=True)
class QualityAssurance:
    """Quality assurance underpinning the credential (Annex I M11)."""

    type: str = field(metadata={"help": "internal_institutional, external_institutional, external_programme …"})
    basis: str = field(default="declared", metadata={"help": "declared or inferred_from_registry"})
    description: LangMap = field(default_factory=dict, metadata={"help": "Free text"})
    elm_type: str | None = field(default=None, metadata={"help": "ELM accreditation type code"})
    title: LangMap = field(default_factory=dict, metadata={"help": "Title of the accreditation"})
    qa_body: Organisation | None = field(default=None, metadata={"help": "Accrediting or QA agency"})
    decision: str | None = field(default=None, metadata={"help": "Decision (text or URI)"})
    decision_date: date | None = field(default=None, metadata={"help": "Date of the decision"})
    expiry_date: date | None = field(default=None, metadata={"help": "Valid until"})
    report_url: str | None = field(default=None, metadata={"help": "Public report"})


@dataclass(slots=True, kw_only=True)
class OtherCredit:
    """Credits in a system other than ECTS (SCQF, CATS, ECVET, US credit hours, a university's own)."""

    value: float = field(metadata={"help": "Credit value"})
    system: str = field(default="unknown", metadata={"help": "Name of the credit system"})
    system_uri: str | None = field(default=None, metadata={"help": "Credit system URI (ELM education-credit)"})
    level: str | None = field(default=None, metadata={"help": "Level within the system"})


@dataclass(slots=True, kw_only=True)
class Grant:
    """A scholarship, subsidy or learning-account eligibility."""

    title: LangMap = field(default_factory=dict, metadata={"help": "Name"})
    description: LangMap = field(default_factory=dict, metadata={"help": "Details"})
    url: str | None = field(default=None, metadata={"help": "More information"})


@dataclass(slots=True, kw_only=True)
class PartOf:
    """A larger programme or credential the offering belongs to or stacks into (Annex I O4)."""

    title: LangMap = field(default_factory=dict, metadata={"help": "Its title"})
    id: str | None = field(default=None, metadata={"help": "Its identifier in the source"})
    url: str | None = field(default=None, metadata={"help": "Its page"})
    credential_type: str | None = field(default=None, metadata={"help": "Credential type code"})


@dataclass(slots=True, kw_only=True)
class Contact:
    """Where to ask about the offering: an institutional address, never a person's."""

    email: str | None = field(default=None, metadata={"help": "Enquiries e-mail"})
    url: str | None = field(default=None, metadata={"help": "Enquiries page"})
    phone: str | None = field(default=None, metadata={"help": "Enquiries phone"})


@dataclass(slots=True, kw_only=True)
class Provenance:
    """Where one field's value came from."""

    source_path: str = field(metadata={"help": "Path in the source record"})
    method: str = field(default="declared", metadata={"help": "declared, parsed, inferred or enriched"})
    confidence: float = field(default=1.0, metadata={"help": "0–1"})
