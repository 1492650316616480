"""Dates and durations in the forms feeds write them (docs/normalisation.md §3.7 "Dates", "Durations").

Re-exported by :mod:`offerings.text.parsing`, where the other text parsers live. Each function returns
``None`` when the text does not say, never a guess; sentinel dates (before 1950, e.g. XCRI's
``1900-01-01``) and durations outside the sanity bounds are refused. Pure.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import NamedTuple

from offerings.text.units import _FoldedRegex, fold

__all__ = [
    "MONTHS",
    "DurationText",
    "IsoDuration",
    "duration_days",
    "iso_duration_hours",
    "parse_date",
    "parse_duration",
    "parse_iso_duration",
]

# Each format's third character is its separator (parse_date skips the formats whose separator is absent).
_DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%d-%m-%Y", "%Y/%m/%d")
# Month names (folded) in the main EU languages, and their common abbreviations.
_MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        "january jan januar janvier enero gennaio januari janeiro janv ene genn gen stycznia styczen",
        "february feb februar fevrier febrero febbraio februari fevereiro fevr febr lutego luty",
        "march mar marz maerz mars marzo maart marco mrz marca marzec",
        "april apr avril abril aprile abr kwietnia kwiecien",
        "may mai mayo maggio mei maio mag maja maj",
        "june jun juni juin junio giugno junho giu czerwca czerwiec",
        "july jul juli juillet julio luglio julho juil lug lipca lipiec",
        "august aug aout agosto augustus ago sierpnia sierpien",
        "september sep sept septembre septiembre settembre setembro set wrzesnia wrzesien",
        "october oct oktober octobre octubre ottobre outubro okt ott out pazdziernika pazdziernik",
        "november nov novembre noviembre novembro listopada listopad",
        "december dec dezember decembre diciembre dicembre dezembro dez dic grudnia grudzien",
    ),
    start=1,
):
    for _name in _names.split():
        _MONTHS.setdefault(_name, _number)
# Month names (folded) to their numbers, for the parsers that read a month without a day.
MONTHS = _MONTHS
_MONTH = r"([a-z]{3,12})\.?"
_DAY_FIRST = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th|er|º|o)?\.?\s*(?:de\s+)?" + _MONTH + r"\s*(?:de\s+)?,?\s*(\d{4})\b")
_MONTH_FIRST = re.compile(r"\b" + _MONTH + r"\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b")


def _checked(year: int, month: int, day: int) -> date | None:
    try:
        parsed = date(year, month, day)
    except ValueError:
        return None
    return parsed if parsed.year >= 1950 else None


def parse_date(text: str | None) -> date | None:
    """A calendar date from ISO 8601 (date or date-time), European numeric formats or month names.

    "2027-02-01", "01.03.2027", "15/09/2027", "1 Aug 2012", "15. März 2027", "2 de febrero de 2027",
    "February 15, 2027". Sentinels before 1950 are refused.
    """
    if not text:
        return None
    value = text.strip()
    try:
        parsed: date | None = datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        parsed = None
        head = value[:10]
        for fmt in _DATE_FORMATS:
            # A format whose separator the text lacks cannot match: spare strptime's costly failure.
            if fmt[2] not in head:
                continue
            try:
                parsed = datetime.strptime(head, fmt).date()
                break
            except ValueError:
                continue
    if parsed is None:
        return _named_month_date(value)
    if parsed.year < 1950:
        return None
    return parsed


def _named_month_date(value: str) -> date | None:
    folded = fold(value)[:200]
    match = _DAY_FIRST.search(folded)
    if match and match.group(2) in _MONTHS:
        return _checked(int(match.group(3)), _MONTHS[match.group(2)], int(match.group(1)))
    match = _MONTH_FIRST.search(folded)
    if match and match.group(1) in _MONTHS:
        return _checked(int(match.group(3)), _MONTHS[match.group(1)], int(match.group(2)))
    return None


class IsoDuration(NamedTuple):
    """The parts of an ISO 8601 duration."""

    years: float = 0
    months: float = 0
    weeks: float = 0
    days: float = 0
    hours: float = 0
    minutes: float = 0
    seconds: float = 0


_ISO_DURATION = re.compile(
    r"P(?!$)(?:(\d+(?:[.,]\d+)?)Y)?(?:(\d+(?:[.,]\d+)?)M)?(?:(\d+(?:[.,]\d+)?)W)?(?:(\d+(?:[.,]\d+)?)D)?"
    r"(?:T(?=\d)(?:(\d+(?:[.,]\d+)?)H)?(?:(\d+(?:[.,]\d+)?)M)?(?:(\d+(?:[.,]\d+)?)S)?)?",
    re.IGNORECASE,
)


def parse_iso_duration(text: str | None) -> IsoDuration | None:
    """The parts of an ISO 8601 duration ("P4M", "PT60H", "P7Y3M8DT1H10M0S"); None when it is not one."""
    if not text or len(text) > 64:
        return None
    match = _ISO_DURATION.fullmatch(text.strip())
    if not match or match.group(0).upper().endswith("T"):
        return None
    return IsoDuration(*(float(g.replace(",", ".")) if g else 0.0 for g in match.groups()))


def iso_duration_hours(text: str | None) -> float | None:
    """Hours of a pure time duration ("PT60H" → 60, "PT90M" → 1.5); None for calendar ones ("P60M" is months)."""
    parts = parse_iso_duration(text)
    if parts is None or any((parts.years, parts.months, parts.weeks, parts.days)):
        return None
    hours = parts.hours + parts.minutes / 60 + parts.seconds / 3600
    return round(hours, 2) if hours > 0 else None


def duration_days(text: str | None) -> float | None:
    """Approximate length in days of an ISO 8601 duration (a month counts 30 days, a year 365)."""
    parts = parse_iso_duration(text)
    if parts is None:
        return None
    days = parts.years * 365 + parts.months * 30 + parts.weeks * 7 + parts.days + parts.hours / 24
    return days + parts.minutes / 1440 + parts.seconds / 86400


class DurationText(NamedTuple):
    """A duration read from text: the ISO 8601 value, whether the text said it is approximate, and the
    upper end when the text gave a range ("3–6 months")."""

    iso: str
    approx: bool = False
    iso_max: str | None = None


_UNITS: dict[str, str] = {}
for _unit, _words in (
    ("Y", "year years yr yrs jahr jahre jahren an ans annee annees ano anos anno anni jaar jaren rok lat lata vuosi"),
    ("M", "month months monat monate monaten mois mes meses mese mesi maand maanden miesiac miesiace miesiecy"),
    ("W", "week weeks woche wochen semaine semaines semana semanas settimana settimane weken tydzien tygodni"),
    ("D", "day days tag tage tagen jour jours dia dias giorno giorni dag dagen dzien dni"),
):
    for _word in _words.split():
        _UNITS[_word] = _unit
# Runs over folded text only (see parsing_units._FoldedRegex).
_DURATION_RE = _FoldedRegex(
    re.compile(r"\b(\d+(?:[.,]\d+)?)(?:\s*(?:-|–|to|bis|a|à)\s*(\d+(?:[.,]\d+)?))?[\s-]*([a-z]+)\b", re.IGNORECASE),
    number_first=True,
)
_APPROX = re.compile(r"\b(?:approx\w*|about|around|circa|ca\.?|ungefahr|environ|aprox\w*|circa|ongeveer)\b|~")
_SEMESTER = re.compile(r"\b(?:(\d)\s*)?(?:semesters?|semestres?|semestri|semestre)\b")
_YEAR_CODES = {"an": "P1Y", "annee": "P1Y", "year": "P1Y", "semestre": "P6M", "trimestre": "P3M"}
# Sanity bound of §3.7: a duration runs from one day to three years.
_MAX_DAYS = 3 * 366


def _iso(number: float, unit: str) -> str:
    amount = f"{number:g}"
    return f"P{amount}{unit}"


def parse_duration(text: str | None) -> DurationText | None:
    """A calendar duration from ISO 8601 or text: "P4M", "10 weeks" → P10W, "4 months (approx)" → P4M
    (approximate), "1 semester" → P6M (approximate), "AN" (Poitiers: a year) → P1Y, "3–6 months" → P3M
    to P6M. Values beyond one day – three years are refused.
    """
    if not text:
        return None
    value = text.strip()[:300]
    parts = parse_iso_duration(value)
    if parts is not None:
        days = duration_days(value) or 0
        return DurationText(value.upper()) if 0 < days <= _MAX_DAYS else None
    folded = fold(value)
    if folded in _YEAR_CODES:
        return DurationText(_YEAR_CODES[folded], approx=folded == "semestre")
    for match in _DURATION_RE.finditer(folded):
        unit = _UNITS.get(match.group(3))
        if unit is None:
            continue
        low = float(match.group(1).replace(",", "."))
        high = float(match.group(2).replace(",", ".")) if match.group(2) else None
        # Whether the text hedges matters only once a duration is found: most texts state none.
        approx = bool(_APPROX.search(folded))
        found = DurationText(_iso(low, unit), approx, _iso(high, unit) if high and high > low else None)
        if _in_bounds(found):
            return found
        return None
    # Every spelling _SEMESTER knows holds "semest"; most texts hold none, and the search is not cheap.
    semester = _SEMESTER.search(folded) if "semest" in folded else None
    if semester:
        count = int(semester.group(1) or 1)
        return DurationText(f"P{6 * count}M", approx=True) if count <= 6 else None
    return None


def _in_bounds(found: DurationText) -> bool:
    low = duration_days(found.iso) or 0
    high = duration_days(found.iso_max) if found.iso_max else low
    return 1 <= low and (high or 0) <= _MAX_DAYS
