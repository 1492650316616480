"""Demo offering records: the institutions, the records their feeds publish, and a synthetic generator.

Pure data and formatting (no OAI-PMH here): :mod:`microcred.demo.provider` serves these records.
"""

from __future__ import annotations

import json
import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from importlib import resources
from typing import Any

from offerings.model import Offering

__all__ = [
    "AREAS",
    "AREA_ISCED_F",
    "COUNTRY_NAMES",
    "SYNTHETIC_INSTITUTION",
    "Institution",
    "OfferingRecord",
    "parse_datestamp",
    "synthetic_records",
    "utc_naive",
]


# setSpec → setName: one OAI set per subject area.
AREAS: dict[str, str] = {
    "data-science": "Data science and analytics",
    "ai": "Artificial intelligence",
    "sustainability": "Sustainability and climate",
    "health": "Health and care",
    "education": "Teaching and education",
    "languages": "Languages and communication",
    "law": "Law",
    "business": "Business and management",
    "digital": "Digital skills and security",
    "engineering": "Engineering and technology",
    "arts": "Arts and cultural heritage",
}

# The ISCED-F 2013 field of each area, published as a dc:subject code (the oai_dc crosswalk reads a
# subject that is an ISCED-F code as the offering's field), so the home page can browse by field.
AREA_ISCED_F: dict[str, str] = {
    "data-science": "0542",
    "ai": "0613",
    "sustainability": "0521",
    "health": "0913",
    "education": "0111",
    "languages": "0231",
    "law": "0421",
    "business": "0413",
    "digital": "0612",
    "engineering": "0714",
    "arts": "0222",
}

# English names, because dc:coverage is read by vocab.country_code, which knows English best.
# fmt: off
COUNTRY_NAMES: dict[str, str] = {
    "NL": "Netherlands", "DE": "Germany", "FR": "France", "IT": "Italy", "ES": "Spain", "BE": "Belgium",
    "AT": "Austria", "IE": "Ireland", "FI": "Finland", "PT": "Portugal", "PL": "Poland", "SE": "Sweden",
}
# fmt: on


# The facts line, per language of instruction. Every phrase was chosen so that offerings.text.parsing reads
# it back: "EQR-Niveau" and "niveau … du CEC" via the "niveau" keyword, "crediti ECTS" via its unit list,
# "Präsenz"/"en présentiel"/"in presenza" via its mode synonyms, day-first dates via its date formats.
# fmt: off
_FACTS: dict[str, dict[str, Any]] = {
    "en": {
        "ects": "{} ECTS", "eqf": "EQF level {}", "mode": "Mode: {}", "start": "Starts {}", "end": "Ends {}",
        "fee": "Fee: EUR {}", "free": "Fee: free of charge", "date": "%Y-%m-%d", "sep": (",", "."),
        "modes": {"online": "online", "onsite": "on campus", "blended": "blended"},
    },
    "nl": {
        "ects": "{} EC", "eqf": "EQF-niveau {}", "mode": "Vorm: {}", "start": "Start: {}", "end": "Einde: {}",
        "fee": "Kosten: € {}", "free": "Kosten: gratis", "date": "%d-%m-%Y", "sep": (".", ","),
        "modes": {"online": "online", "onsite": "op de campus", "blended": "blended"},
    },
    "de": {
        "ects": "{} ECTS-Punkte", "eqf": "EQR-Niveau {}", "mode": "Lernform: {}", "start": "Beginn: {}",
        "end": "Ende: {}", "fee": "Gebühr: {} EUR", "free": "Gebühr: kostenlos", "date": "%d.%m.%Y",
        "sep": (".", ","), "modes": {"online": "online", "onsite": "Präsenz", "blended": "Blended Learning"},
    },
    "fr": {
        "ects": "{} crédits ECTS", "eqf": "niveau {} du CEC", "mode": "Modalité : {}", "start": "Début : {}",
        "end": "Fin : {}", "fee": "Tarif : {} €", "free": "Tarif : gratuit", "date": "%d/%m/%Y", "sep": (" ", ","),
        "modes": {"online": "en ligne", "onsite": "en présentiel", "blended": "mixte (blended)"},
    },
    "it": {
        "ects": "{} crediti ECTS", "eqf": "livello EQF {}", "mode": "Modalità: {}", "start": "Inizio: {}",
        "end": "Fine: {}", "fee": "Quota: € {}", "free": "Quota: gratuito", "date": "%d/%m/%Y", "sep": (".", ","),
        "modes": {"online": "online", "onsite": "in presenza", "blended": "blended"},
    },
    "es": {
        "ects": "{} créditos ECTS", "eqf": "nivel EQF {}", "mode": "Modalidad: {}", "start": "Inicio: {}",
        "end": "Fin: {}", "fee": "Precio: {} €", "free": "Precio: gratuito", "date": "%d/%m/%Y", "sep": (".", ","),
        "modes": {"online": "a distancia", "onsite": "presencial", "blended": "semipresencial"},
    },
}
# fmt: on


def _number(value: float, thousands: str, decimal: str, *, cents: bool = False) -> str:
    """``value`` with the language's separators: "2,5", "1.250", "1 495,50" (cents kept for money)."""
    whole, frac = f"{value:,.2f}".split(".")
    whole = whole.replace(",", thousands)
    if frac == "00":
        return whole
    return f"{whole}{decimal}{frac if cents else frac.rstrip('0')}"


def utc_naive(value: datetime) -> datetime:
    """``value`` as a naive UTC datetime in whole seconds, the only form ``oaipmh`` writes datestamps from."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.replace(microsecond=0)


def parse_datestamp(text: str) -> datetime:
    """A datestamp such as ``2026-05-04T10:00:00Z`` as a naive UTC datetime."""
    return utc_naive(datetime.fromisoformat(text.replace("Z", "+00:00")))


@dataclass(frozen=True, slots=True, kw_only=True)
class Institution:
    """The organisation behind one feed (what ``Identify`` describes)."""

    slug: str
    name: str
    country: str
    homepage: str
    repository_identifier: str | None = None
    admin_email: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class OfferingRecord:
    """One micro-credential offering as the demo feed publishes it.

    ``datestamp`` is a naive UTC datetime. ``price_eur`` of 0 means free of charge, ``None`` not stated.
    """

    identifier: str
    title: str
    description: str
    language: str
    publisher: str
    country: str
    landing_url: str
    datestamp: datetime
    subjects: tuple[str, ...] = ()
    area: str | None = None
    ects: float | None = None
    eqf_level: int | None = None
    mode: str | None = None
    start_date: date | None = None
    end_date: date | None = None
    price_eur: float | None = None
    deleted: bool = False
    isced_f: tuple[str, ...] = ()
    # The full offering, for a feed that also publishes microcred's native format (microcred.demo.rich).
    offering: Offering | None = None

    @property
    def fields(self) -> tuple[str, ...]:
        """The record's ISCED-F codes: its own, else its area's."""
        if self.isced_f:
            return self.isced_f
        return (AREA_ISCED_F[self.area],) if self.area in AREA_ISCED_F else ()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, publisher: str, country: str) -> OfferingRecord:
        """A record from its JSON form (field names as here, ISO strings for dates and the datestamp).

        ``publisher`` and ``country`` come from the institution unless the item names its own.
        """
        values = {"publisher": publisher, "country": country, **data}
        values["datestamp"] = parse_datestamp(values["datestamp"])
        values["subjects"] = tuple(values.get("subjects", ()))
        values["isced_f"] = tuple(values.get("isced_f", ()))
        for key in ("start_date", "end_date"):
            values[key] = date.fromisoformat(values[key]) if values.get(key) else None
        return cls(**values)

    def facts_line(self) -> str:
        """ECTS, EQF level, mode, dates and fee in one line, in the offering's language.

        e.g. ``5 ECTS · EQF level 6 · Mode: online · Starts 2027-02-01 · Ends 2027-04-30 · Fee: EUR 450``.
        """
        words = _FACTS.get(self.language, _FACTS["en"])
        thousands, decimal = words["sep"]
        parts = []
        if self.ects is not None:
            parts.append(words["ects"].format(_number(self.ects, "", decimal)))
        if self.eqf_level is not None:
            parts.append(words["eqf"].format(self.eqf_level))
        if self.mode:
            parts.append(words["mode"].format(words["modes"].get(self.mode, self.mode)))
        if self.start_date:
            parts.append(words["start"].format(self.start_date.strftime(words["date"])))
        if self.end_date:
            parts.append(words["end"].format(self.end_date.strftime(words["date"])))
        if self.price_eur == 0:
            parts.append(words["free"])
        elif self.price_eur is not None:
            parts.append(words["fee"].format(_number(self.price_eur, thousands, decimal, cents=True)))
        return " · ".join(parts)

    def dc_fields(self) -> dict[str, list[str]]:
        """The Dublin Core elements of this offering, as ``oaipmh``'s oai_dc writer takes them."""
        facts = self.facts_line()
        return {
            "title": [self.title],
            "description": [f"{self.description}\n{facts}" if facts else self.description],
            "subject": [*self.subjects, *self.fields],
            "publisher": [self.publisher],
            "coverage": [COUNTRY_NAMES.get(self.country, self.country)],
            "language": [self.language],
            "identifier": [self.landing_url],
            "type": ["Course"],
            "date": [self.datestamp.strftime("%Y-%m-%dT%H:%M:%SZ")],
        }


SYNTHETIC_INSTITUTION = Institution(
    slug="synthetic",
    name="Synthetic micro-credential aggregator",
    country="NL",
    homepage="https://www.synthetic-microcred.example/",
    repository_identifier="synthetic.microcred.example",
    admin_email="oai@synthetic-microcred.example",
)


@lru_cache(maxsize=1)
def _vocabulary() -> dict[str, Any]:
    # Kept as data beside the demo feeds: per-language title patterns, topics and sentences, and publishers.
    path = resources.files("microcred.demo").joinpath("data", "synthetic", "vocabulary.json")
    return json.loads(path.read_text(encoding="utf-8"))


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def synthetic_records(n: int, *, seed: int = 0) -> list[OfferingRecord]:
    """``n`` realistic, varied offering records (titles, languages, countries, facts), reproducible per ``seed``.

    Identifiers run from ``oai:synthetic.microcred.example:mc-000001``; about 3 % are deleted.
    """
    vocab = _vocabulary()
    rng = random.Random(seed)
    first_stamp = datetime(2025, 1, 6, 8, 0, 0)
    out: list[OfferingRecord] = []
    for i in range(1, n + 1):
        country, language, publisher, domain = rng.choice(vocab["publishers"])
        words = vocab["languages"][language]
        area = rng.choice(sorted(words["topics"]))
        topic = words["topics"][area]
        title = _capitalise(rng.choice(words["patterns"]).format(t=topic, T=_capitalise(topic)))
        sentences = [words["opener"].format(t=topic), *rng.sample(words["sentences"], 2)]
        start = date(2027, 1, 4) + timedelta(weeks=rng.randint(-30, 50))
        weeks = rng.choice((4, 6, 8, 10, 12, 16, 20))
        out.append(
            OfferingRecord(
                identifier=f"oai:synthetic.microcred.example:mc-{i:06d}",
                title=title,
                description=" ".join(sentences),
                language=language,
                publisher=publisher,
                country=country,
                landing_url=f"https://www.{domain}.example/courses/mc-{i:06d}",
                datestamp=first_stamp + timedelta(minutes=rng.randint(0, 900_000)),
                subjects=(topic, AREAS[area]),
                area=area,
                ects=rng.choice((1, 1.5, 2, 2.5, 3, 4, 5, 6, 7.5, 10, 12, 15)),
                eqf_level=None if rng.random() < 0.05 else rng.randint(4, 8),
                mode=rng.choice(("online", "onsite", "blended")),
                start_date=start,
                end_date=start + timedelta(weeks=weeks) if rng.random() < 0.8 else None,
                price_eur=0.0 if rng.random() < 0.25 else rng.choice(vocab["prices"]),
                deleted=rng.random() < 0.03,
            )
        )
    return out
