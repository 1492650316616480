"""Text parsers shared by every crosswalk (docs/normalisation.md §3.7): credits, hours, EQF, mode, dates.

Each returns ``None`` (or an empty result) when the text does not say, never a guess. Pure functions.
Dates and durations live in :mod:`offerings.text.dates`, the keyword classifiers (assessment,
schedule, QF-EHEA cycle, stackability, QA, supervision) in :mod:`offerings.text.classify`, and
credits, workload, prices, languages and text cleaning in :mod:`offerings.text.units`; all are
re-exported here, so ``offerings.text.parsing`` is the one place crosswalks import from.
"""

from __future__ import annotations

import re
from datetime import date

from offerings.text.classify import (
    _Keywords,
    _words,
    parse_assessment,
    parse_qa,
    parse_qf_ehea_cycle,
    parse_schedule,
    parse_stackability,
    parse_supervision,
)
from offerings.text.dates import (
    MONTHS,
    DurationText,
    IsoDuration,
    duration_days,
    iso_duration_hours,
    parse_date,
    parse_duration,
    parse_iso_duration,
)
from offerings.text.units import (
    Credits,
    PriceText,
    _FoldedRegex,
    clean_text,
    ects_to_hours,
    fold,
    hours_to_ects,
    is_personal_email,
    parse_countries,
    parse_credits,
    parse_languages,
    parse_prices,
    parse_weekly_hours,
    parse_workload,
    remove_controls,
)

__all__ = [
    "Credits",
    "DurationText",
    "IsoDuration",
    "PriceText",
    "clean_text",
    "duration_days",
    "ects_to_hours",
    "hours_to_ects",
    "is_personal_email",
    "iso_duration_hours",
    "parse_assessment",
    "parse_countries",
    "parse_credits",
    "parse_date",
    "parse_date_or_month",
    "parse_deadline",
    "parse_duration",
    "parse_ects",
    "parse_end_date",
    "parse_eqf",
    "parse_hours",
    "parse_iso_duration",
    "parse_languages",
    "parse_modes",
    "parse_price",
    "parse_prices",
    "parse_qa",
    "parse_qf_ehea_cycle",
    "parse_schedule",
    "parse_stackability",
    "parse_start_date",
    "parse_supervision",
    "parse_weekly_hours",
    "parse_workload",
    "remove_controls",
    "says_free",
]

_NUMBER = r"(\d+(?:[.,]\d+)?)"
# Units whose credits are ECTS everywhere, and national ECTS-based units (docs/normalisation.md §3.7).
_ECTS_UNIT = (
    r"(?:ECTS(?:[- ]?(?:credits?|points?|punkte|creditos?|credits?|punti|pisteet|cr))?"
    r"|(?:credits?|creditos?|crediti|punkty) ECTS"
    r"|EC\b|CFU\b|op\b|opintopistee?t?\b|hp\b|hogskolepoang|studiepoeng|LP\b|Leistungspunkte|CP\b)"
)
# The patterns run over folded text are _FoldedRegex (case-insensitive answers, case-sensitive speed).
_ECTS_RE = _FoldedRegex(re.compile(_NUMBER + r"(?:\s*[-–]\s*" + _NUMBER + r")?\s*" + _ECTS_UNIT, re.IGNORECASE))
_HOURS_RE = re.compile(
    _NUMBER + r"\s*(?:h\b|hrs?\b|hours?\b|horas\b|heures\b|stunden\b|std\b|ore\b|uur\b|tuntia\b|timmar\b|godzin\w*)",
    re.IGNORECASE,
)
_EQF_RE = _FoldedRegex(
    re.compile(
        # The EQF's name in the EHEA languages (EQR, CEC, QEQ, ERK, MEC), then a word for "level" in one
        # of them ("EQF-taso 6", "EQF-nivå 6", "poziom ERK 6", "nivel MEC 6").
        r"\b(?:EQF|EQR|CEC|QEQ|ERK|MEC|level|niveau|niveles?|livello|nivel|poziom|stufe)[\s\-]*"
        r"(?:level\s*|niveau\s*|taso\s*|niva\s*|nivel\s*|erk\s*|mec\s*|eqf\s*)?[:\-]?\s*([1-8])\b",
        re.IGNORECASE,
    ),
    needs=("eqf", "eqr", "cec", "qeq", "erk", "mec", "level", "niveau", "nivel", "livello", "poziom", "stufe"),
)
_OTHER_FRAMEWORK = re.compile(r"\b(?:nfq|nqf|rqf|fheq|scqf|cqfw|cefr|year|grade|klasse)\W*$")
_MODE_WORDS: dict[str, tuple[str, ...]] = {
    "blended": (
        "blended",
        "hybrid",
        "hybride",
        "hybrydowa",
        "monimuoto",
        "monimuoto-opetus",
        "regime misto",
        "mista (blended)",
        "b-learning",
        "semipresencial",
        "distance with attendance",
        "gemischt",
        "mixed mode",
        "blendeddelivery",
        "blended delivery",
        "semi-presenziale",
    ),
    "online": (
        "online",
        "e-learning",
        "elearning",
        "distance",
        "remote",
        "virtual",
        "fernstudium",
        "a distance",
        "a distancia",
        "a distanza",
        "mooc",
        "en ligne",
        "afstandsonderwijs",
        "onlineonly",
        "online only",
        "fernlehre",
        "etaopetus",
        "etaopiskelu",
        "zdalnie",
        "on line",
    ),
    "onsite": (
        "on-site",
        "onsite",
        "on campus",
        "campus",
        "face to face",
        "face-to-face",
        "presential",
        "presencial",
        "presenciales",
        "presenciais",
        "klassikaal",
        "prasenz",
        "presentiel",
        "in presenza",
        "in person",
        "in-person",
        "op locatie",
        "inperson",
        "prasenzlehre",
        "vor ort",
        "sur place",
        "presenziale",
        "in aula",
        "lahiopetus",
        "stacjonarnie",
    ),
    "work_based": (
        "work-based",
        "work based",
        "workplace",
        "apprenticeship",
        "duales studium",
        "dual study",
        "work-integrated",
    ),
}


def _num(text: str) -> float:
    return float(text.replace(",", "."))


def parse_ects(text: str | None) -> float | tuple[float, float] | None:
    """ECTS credits stated in ``text`` ("5 ECTS", "6 ECTS-Punkte", "3 crédits ECTS", "7,5 hp", "3–6 ECTS").

    A range gives ``(min, max)``. Values outside (0, 240] are refused as noise.
    """
    if not text:
        return None
    match = _ECTS_RE.search(fold(text))
    if not match:
        return None
    low = _num(match.group(1))
    if match.group(2):
        high = _num(match.group(2))
        if 0 < low <= high <= 240:
            return (low, high)
        return None
    return low if 0 < low <= 240 else None


def parse_hours(text: str | None) -> float | None:
    """Notional learning hours stated in ``text`` ("125 hours", "40 h", "150 Stunden"); 1–3000 h only."""
    if not text:
        return None
    match = _HOURS_RE.search(text)
    if not match:
        return None
    hours = _num(match.group(1))
    return hours if 1 <= hours <= 3000 else None


def parse_eqf(text: str | None) -> int | None:
    """EQF level from "EQF 6", "EQF level 7", "Level 6", "niveau 6", "EQR-Niveau 5"."""
    if not text:
        return None
    folded = fold(text)
    for match in _EQF_RE.finditer(folded):
        # "NFQ Level 8" (Ireland's framework, EQF 6), "RQF level 3", "CEFR level B2": a national or other
        # framework's level, not the EQF's (issue 14: an invented value is worse than a missing one).
        if not match.group(0).startswith(("eqf", "eqr", "cec", "qeq", "erk", "mec")) and _OTHER_FRAMEWORK.search(
            folded[max(0, match.start() - 12) : match.start()]
        ):
            continue
        return int(match.group(1))
    return None


# Whole-word alternations with a substring pre-check (see parsing_classify._Keywords); only whether one
# matches counts here, so the order of the alternatives does not matter.
_MODE_PATTERNS: dict[str, _Keywords] = {code: _words(*words) for code, words in _MODE_WORDS.items()}


def parse_modes(text: str | None) -> list[str]:
    """Mode codes (online, onsite, blended, work_based) named in ``text``; blended wins over its parts."""
    if not text:
        return []
    folded = fold(text)
    found = [code for code, pattern in _MODE_PATTERNS.items() if pattern.search(folded)]
    if "blended" in found:
        return ["blended"]
    return found


# A date as feeds write one after a keyword: ISO, day first with dots, slashes or dashes ("11.10.2027",
# "11/10/2027": day first in Europe), a day and a month name ("11 de octubre de 2027"), a month and a year
# ("October 2027") or a German semester ("WS 2027/28", "SoSe 2028"). Folded text.
_DATE_TOKEN = (
    r"(\d{4}-\d{2}-\d{2}|\d{1,2}[./-]\d{1,2}[./-]\d{4}|\d{1,2}(?:st|nd|rd|th|er)?\.?\s*(?:de\s+)?[a-z]{3,12}\.?"
    r"\s*(?:de\s+)?\d{4}|[a-z]{3,12}\.?\s+(?:de\s+)?\d{4}|(?:ws|wise|wintersemester|ss|sose|sommersemester)\s*\d{4}"
    r"(?:/\d{2,4})?)"
)
_START_WORDS = (
    r"start(?:s|ing)?(?: date| on)?|start ?datum|startdatum|begins?|beginn|kursbeginn|debut|date de debut|inicio|"
    r"fecha de inicio|comienza|inizio|data di inizio|aanvang|alkaa|alkamispaiva|kursstart|startar|data de inicio|"
    r"rozpoczecie|data rozpoczecia"
)
_START_RE = _FoldedRegex(
    re.compile(r"\b(?:" + _START_WORDS + r")\b[^.\n\d]{0,25}?[:\-]?\s*(?:on |el |le |am )?" + _DATE_TOKEN, re.I),
    needs=("start", "begin", "debut", "inicio", "inizio", "aanvang", "rozpoczeci", "comienza", "alka"),
)
_DEADLINE_WORDS = (
    r"application deadline|deadline|apply by|applications? close|registration closes|anmeldeschluss|bewerbungsfrist|"
    r"anmeldung bis|date limite d'inscription|inscriptions? jusqu'au|cloture des inscriptions|aanmelden tot|"
    r"uiterste aanmelddatum|inschrijven kan tot|ilmoittautuminen paattyy|hakuaika paattyy|ilmoittaudu viimeistaan|"
    r"sista anmalningsdag|anmalan senast|ansok senast|scadenza iscrizioni|iscrizioni entro(?: il)?|"
    r"termine per l'iscrizione|plazo de inscripcion|inscripcion hasta|fecha limite de inscripcion|candidaturas ate|"
    r"prazo de candidatura|inscricoes ate|termin zg[lł]oszen|zapisy do|rekrutacja do"
)
_DEADLINE_RE = _FoldedRegex(
    re.compile(r"\b(?:" + _DEADLINE_WORDS + r")\b[^.\n\d]{0,20}?[:\-]?\s*(?:the |el |le )?" + _DATE_TOKEN, re.I),
)
_END_RE = _FoldedRegex(
    re.compile(
        r"\b(?:ends?|ending|end date|ende|fin|fine|einde|until|bis)"
        r"\s*[:\-]?\s*(\d{4}-\d{2}-\d{2}|\d{1,2}[./-]\d{1,2}[./-]\d{4})",
        re.IGNORECASE,
    ),
    needs=("end", "fin", "einde", "until", "bis"),
)
_SEMESTER = re.compile(r"(ws|wise|wintersemester|ss|sose|sommersemester)\s*(\d{4})(?:/\d{2,4})?")
_MONTH_YEAR = re.compile(r"([a-z]{3,12})\.?\s+(?:de\s+)?(\d{4})")
_PRICE_RE = re.compile(
    r"(?:(EUR|GBP|USD|CHF|SEK|NOK|DKK|PLN|CZK|HUF|RON|BGN|ISK|€|£|\$)\s*(\d[\d .,'’]*\d|\d))"
    r"|(?:(\d[\d .,'’]*\d|\d)\s*(EUR|GBP|USD|CHF|SEK|NOK|DKK|PLN|CZK|HUF|RON|BGN|ISK|€|£|euros?\b|zł))",
    re.IGNORECASE,
)
_FREE_RE = _FoldedRegex(
    re.compile(
        # Not "-free": "default-free rates", "risk-free", "barrier-free" say nothing about a fee.
        r"(?<!-)\b(?:free of charge|free|gratuit|gratuite|kostenlos|gratis|gratuito|gratuita|bezplatn\w*|bezpłatn\w*|"
        r"kosteloos|maksuton|maksutta|avgiftsfri|kostnadsfri)\b",
        re.I,
    ),
    needs=("free", "gratuit", "kostenlos", "gratis", "bezplatn", "bezpłatn", "kosteloos", "maksut", "fri"),
)
# "zł" is the złoty's sign ("95 zł").
_CURRENCY_SIGNS = {"€": "EUR", "£": "GBP", "$": "USD", "EURO": "EUR", "EUROS": "EUR", "ZŁ": "PLN"}


def parse_date_or_month(token: str) -> date | None:
    """A date as :func:`parse_date` reads it, or a month ("October 2027") or a German semester
    ("WS 2027/28"), which give their first day (the winter semester starts on 1 October, the summer
    semester on 1 April)."""
    found = parse_date(token)
    token = fold(token).strip()
    if found is not None:
        return found
    semester = _SEMESTER.fullmatch(token)
    if semester:
        return date(int(semester.group(2)), 10 if semester.group(1).startswith("w") else 4, 1)
    month = _MONTH_YEAR.fullmatch(token)
    number = MONTHS.get(month.group(1)) if month else None
    return date(int(month.group(2)), number, 1) if month and number and int(month.group(2)) >= 1950 else None


def parse_start_date(text: str | None) -> date | None:
    """A start date introduced by a keyword ("Starts 2027-02-01", "Beginn: 01.03.2027", "début 3/2/2027",
    "Alkaa 11.10.2027", "Inicio: 11 de octubre de 2027"); "Starts October 2027" and "Beginn: WS 2027/28"
    give the month's first day."""
    if not text:
        return None
    folded = fold(text)
    for match in _START_RE.finditer(folded):
        found = parse_date_or_month(match.group(1).strip())
        if found is not None:
            return found
    return None


def parse_deadline(text: str | None) -> date | None:
    """An application deadline introduced by its words ("Application deadline: 15/09/2027",
    "Anmeldeschluss: 15.09.2027", "Inscriptions jusqu'au 15/09/2027", "Ilmoittautuminen päättyy 15.9.2027")."""
    if not text:
        return None
    for match in _DEADLINE_RE.finditer(fold(text)):
        found = parse_date(match.group(1))
        if found is not None:
            return found
    return None


def parse_end_date(text: str | None) -> date | None:
    """An end date introduced by a keyword ("Ends 2027-06-30", "Ende: 30.06.2027"); the end of the
    application period ("Anmeldung bis 15.09.2027") is a deadline, not the end of the course."""
    if not text:
        return None
    folded = fold(text)
    # Taking the deadlines out only removes text (and puts spaces in): with no end word in the text
    # before, there is none after, and no end date.
    if not _END_RE.may_match(folded):
        return None
    folded = _DEADLINE_RE.sub(" ", folded)
    match = _END_RE.search(folded)
    return parse_date(match.group(1)) if match else None


def _amount(text: str) -> float | None:
    digits = re.sub(r"[ '’]", "", text)
    # "1.250,00" and "1,250.00": the last separator followed by 1–2 digits is the decimal one.
    match = re.fullmatch(r"(\d+(?:[.,]\d{3})*)(?:([.,])(\d{1,2}))?", digits)
    if not match:
        return None
    whole = re.sub(r"[.,]", "", match.group(1))
    return float(f"{whole}.{match.group(3)}" if match.group(3) else whole)


# _PRICE_RE tries both branches at every position of the text, which made it the costliest regex of the
# oai_dc crosswalk. Every match holds a currency sign or code, so the search can start where the first one
# is, less the amount before it: the characters an amount and the space after it are made of.
_CURRENCY_START = re.compile(r"eur|gbp|usd|chf|sek|nok|dkk|pln|czk|huf|ron|bgn|isk|€|£|\$|zł")
_AMOUNT_CHARS = frozenset(" .,'’")
# Characters lower() lengthens (İ), or that match an ASCII letter of a code under IGNORECASE but do not
# lower to it (ı, ſ): in their presence the lower-cased text is not a map of the original, so no skipping.
_UNMAPPED = ("\u0130", "\u0131", "\u017f")


def _price_search_start(text: str) -> int | None:
    """Where :data:`_PRICE_RE` can first match in ``text`` (0 when unsure), or None when it cannot at all."""
    if any(map(text.__contains__, _UNMAPPED)):
        return 0
    first = _CURRENCY_START.search(text.lower())
    if first is None:
        return None
    start = first.start()
    while start and (text[start - 1] in _AMOUNT_CHARS or text[start - 1].isdecimal() or text[start - 1].isspace()):
        start -= 1
    return start


def parse_price(text: str | None) -> tuple[float, str] | None:
    """``(amount, ISO 4217 currency)`` of the first price in ``text`` ("€ 1.250,00", "450 EUR", "GBP 90")."""
    if not text:
        return None
    start = _price_search_start(text)
    # search(text, start), not search(text[start:]): look-arounds still see the whole text.
    match = _PRICE_RE.search(text, start) if start is not None else None
    if not match:
        return None
    currency = (match.group(1) or match.group(4)).upper()
    amount = _amount(match.group(2) or match.group(3))
    if amount is None:
        return None
    return amount, _CURRENCY_SIGNS.get(currency, currency)


def says_free(text: str | None) -> bool:
    """Whether ``text`` says the offering is free ("free of charge", "kostenlos", "gratuit")."""
    return bool(text and _FREE_RE.search(fold(text)))
