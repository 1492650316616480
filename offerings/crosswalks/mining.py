"""The §3.7 parsers run over one free text at once, and the fields of an offering they can fill.

:func:`mine` reads every value a text states (remembered: feeds repeat their descriptions);
:func:`fill_from_text` fills the fields a structured format left empty from its free text (issue 14: an
XCRI course's workload in its description, a schema.org course's assessment and accreditation), each
marked ``parsed`` with the element it came from, or ``inferred`` for a national credit unit taken as ECTS
on evidence the record does not state. The oai_dc crosswalk mines every element with :func:`mine`. Pure.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from typing import NamedTuple

from offerings import vocab
from offerings.model import Instance, Offering, Organisation, Price, Provenance, QualityAssurance
from offerings.text import parsing, units

__all__ = ["MICRO_CREDENTIAL", "Mined", "fill_from_text", "from_text", "mine", "names_assessment"]

MICRO_CREDENTIAL = re.compile(r"micro-?credential|mikro-?zertifikat|micro-?certificat", re.IGNORECASE)
# Words that make a sentence one about assessment.
_ASSESSMENT_CUE = re.compile(
    r"assess|exam|test\b|graded|prufung|klausur|leistungsnachweis|evaluation|evaluee|examen|toets|tentamen|"
    r"beoordeling|arvioi|arviointi|tentti|examin|verifica|valutazione|esame|evaluacion|evaluado|avaliacao|"
    r"exame|zaliczeni|egzamin|ocena|afgesloten met"
)


_SENTENCES = re.compile(r"(?<=[.;!?])\s+|\n")


class Mined(NamedTuple):
    """What the §3.7 parsers read from one description text: immutable values only, so one answer serves
    every record that repeats the text."""

    credits: parsing.Credits | None
    hours: float | tuple[float, float] | None
    eqf: int | None
    modes: tuple[str, ...]
    start: date | None
    end: date | None
    deadline: date | None
    price: tuple[float, str] | None
    free: bool
    micro_credential: bool
    assessment: tuple[str, ...]
    assessment_sentences: str
    schedule: str | None
    cycle: str | None
    stackability: str | None
    supervision: str | None
    duration: parsing.DurationText | None
    qa: tuple[tuple[str, str | None], ...]


@lru_cache(maxsize=4096)
def names_assessment(sentence: str) -> bool:
    """Whether ``sentence`` names an assessment type.

    Remembered: a feed's descriptions share boilerplate sentences ("Assessment is by a final project."),
    and each description is split and every sentence classified again.
    """
    return bool(parsing.parse_assessment(sentence))


@lru_cache(maxsize=1024)
def mine(text: str, country: str | None, language: str | None = None) -> Mined:
    """Run every §3.7 parser over ``text`` (``country``, else ``language``, decides which national credit
    units are ECTS).

    Remembered for the last texts: feeds repeat descriptions (one per run or cohort of a course, shared
    boilerplate), and the parsers are the costliest part of the crosswalk.
    """
    # Assessment types are read from the sentences about assessment only: "project management" or
    # "Projektledning" in a description names a topic, not project work (issue 14's invented values).
    # A sentence's folded text is a stretch of the whole text's: a text without a cue has no sentence with one.
    cued = _ASSESSMENT_CUE.search(units.fold(text)) is not None
    about = [s for s in _SENTENCES.split(text) if _ASSESSMENT_CUE.search(vocab.fold(s))] if cued else []
    named = [s for s in about if names_assessment(s)]
    assessment = tuple(dict.fromkeys(t for s in named for t in parsing.parse_assessment(s)))
    sentences = " ".join(named)[:2000] if assessment else ""
    return Mined(
        credits=parsing.parse_credits(text, country, language),
        hours=parsing.parse_workload(text),
        eqf=parsing.parse_eqf(text),
        modes=tuple(parsing.parse_modes(text)),
        start=parsing.parse_start_date(text),
        end=parsing.parse_end_date(text),
        deadline=parsing.parse_deadline(text),
        price=parsing.parse_price(text),
        free=parsing.says_free(text),
        micro_credential=bool(MICRO_CREDENTIAL.search(text)),
        assessment=assessment,
        assessment_sentences=sentences,
        schedule=parsing.parse_schedule(text),
        cycle=parsing.parse_qf_ehea_cycle(text),
        stackability=parsing.parse_stackability(text),
        supervision=parsing.parse_supervision(text),
        duration=parsing.parse_duration(text),
        qa=tuple(parsing.parse_qa(text)),
    )


def fill_from_text(
    offering: Offering,
    text: str,
    prov: dict[str, Provenance],
    path: str,
    *,
    country: str | None = None,
    basis: str | None = None,
    language: str | None = None,
) -> None:
    """Fill the fields ``offering`` leaves empty from ``text`` (found at ``path``); stated fields stay.

    ``country`` (found from ``basis``), else ``language``, decides whether national credit units are ECTS.
    """
    if not text.strip():
        return
    mined = mine(text, country, language)

    def mark(name: str, confidence: float = 0.7, method: str = "parsed", where: str = path) -> None:
        prov.setdefault(name, Provenance(source_path=where, method=method, confidence=confidence))

    credits = mined.credits
    # A range converted from the hours is no statement of credits: credits the text states replace it.
    converted = offering.workload_basis == "converted_from_hours" or (
        "ects_range" in prov and prov["ects_range"].source_path == "converted_from_hours"
    )
    open_credits = offering.ects_credits is None and (not offering.ects_range or converted)
    if open_credits and credits is not None and credits.is_ects:
        if not isinstance(credits.value, tuple):
            offering.ects_credits = credits.value
            if converted:
                offering.ects_range = []
                prov.pop("ects_range", None)
            offering.workload_basis = "parsed_text"
            if credits.basis == "language":
                mark(
                    "ects_credits",
                    0.6,
                    "inferred",
                    f"{path}: {credits.unit} is ECTS in every EHEA country writing {language}",
                )
            elif credits.basis == "country":
                mark("ects_credits", 0.6, "inferred", f"{path}: {credits.unit} is ECTS in {country} ({basis})")
            else:
                mark("ects_credits", 0.8)
    if offering.workload_hours is None and isinstance(mined.hours, float | int):
        offering.workload_hours = float(mined.hours)
        mark("workload_hours")
    if offering.eqf_level is None and mined.eqf is not None:
        offering.eqf_level = mined.eqf
        mark("eqf_level")
    if not offering.mode and not any(run.mode for run in offering.instances) and mined.modes:
        offering.mode = list(mined.modes)
        mark("mode", 0.6)
    if _dates(offering, mined):
        mark("instances", 0.7)
    if offering.is_free is None and not offering.all_prices():
        if mined.free:
            offering.is_free = True
            mark("is_free", 0.6)
        elif mined.price:
            price = Price(amount=mined.price[0], currency=mined.price[1])
            (offering.instances[0].price if len(offering.instances) == 1 else offering.price).append(price)
            mark("price")
    if not offering.assessment_types and mined.assessment:
        offering.assessment_types = list(mined.assessment)
        lang = offering.default_language or "und"
        offering.assessment_description = offering.assessment_description or {lang: mined.assessment_sentences}
        mark("assessment_types", 0.6)
    if not offering.quality_assurance and mined.qa:
        for qa_type, agency in mined.qa:
            body = Organisation(name={"und": agency}) if agency else None
            offering.quality_assurance.append(QualityAssurance(type=qa_type, qa_body=body))
        mark("quality_assurance", 0.6)


def _dates(offering: Offering, mined: Mined) -> bool:
    """The start and deadline of the one run a text can speak of (none or a single run); True when set."""
    if not (mined.start or mined.deadline) or len(offering.instances) > 1:
        return False
    if not offering.instances:
        offering.instances = [Instance()]
    run = offering.instances[0]
    filled = False
    if run.start_date is None and mined.start:
        run.start_date = mined.start
        filled = True
    # A deadline after the start is another date the text names (a second run, an end): not this run's.
    before_start = run.start_date is None or (mined.deadline is not None and mined.deadline <= run.start_date)
    if run.application_deadline is None and mined.deadline and before_start:
        run.application_deadline = mined.deadline
        filled = True
    if not any((run.start_date, run.end_date, run.application_deadline, run.price, run.venues)):
        offering.instances = []
    return filled


def from_text(offering: Offering, text: str, path: str, language: str | None) -> None:
    """:func:`fill_from_text` for a finished offering: its issuer country (and where that came from)
    decides the national credit units, its field provenance receives the marks."""
    country = offering.issuer_country[0] if offering.issuer_country else None
    found = offering.field_provenance.get("issuer_country")
    basis = found.source_path if found else "the record"
    lang = language if language and language != "und" else offering.default_language
    fill_from_text(offering, text, offering.field_provenance, path, country=country, basis=basis, language=lang)
