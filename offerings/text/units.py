"""Credits, workload, prices, languages and clean text (docs/normalisation.md §3.7).

Re-exported by :mod:`offerings.text.parsing`. Credits distinguish ECTS from national ECTS-based units,
which count as ECTS only for a provider in the unit's country, and from credit systems that are not
ECTS at all. Hours convert to ECTS at 25–30 hours a credit, always as a range. Pure.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any, NamedTuple

from offerings import vocab
from offerings.vocab import evidence
from offerings.vocab.schemes import currency_code

__all__ = [
    "Credits",
    "PriceText",
    "clean_text",
    "ects_to_hours",
    "hours_to_ects",
    "is_personal_email",
    "parse_countries",
    "parse_credits",
    "parse_languages",
    "parse_prices",
    "parse_weekly_hours",
    "parse_workload",
    "remove_controls",
]


@lru_cache(maxsize=64)
def fold(text: str) -> str:
    """:func:`offerings.vocab.fold`, remembered for the last few texts.

    A crosswalk hands the same description to a dozen parsers, and each folds it first; folding
    (NFKD, a regex, lower case) once per text instead of once per parser is a measurable share of a
    harvest. Strings are immutable, so a remembered answer is always the right one.
    """
    return vocab.fold(text)


# The one character fold() leaves in place that IGNORECASE equates with a different character of these
# patterns: the dotless ı, which matches "i". Every other character of folded text matches a lower-cased
# pattern character case-insensitively only when it is that very character (test_fast_paths checks every
# code point), so on folded text without ı a lower-cased pattern without IGNORECASE finds the same matches.
_CASE_TRAPS = ("\u0131",)


# An escape ("\\D" is not "\\d") or a group name ("(?P<ects>"), which lower-casing would change; else one character.
_KEPT_AS_WRITTEN = re.compile(r"\\.|\(\?P<\w+>|\(\?P=\w+\)|.", re.DOTALL)


def _lowered(pattern: str) -> str:
    """``pattern`` with its literals in lower case; escapes and group names are kept as written."""
    return "".join(p if len(p) > 1 else p.lower() for p in _KEPT_AS_WRITTEN.findall(pattern))


# Leading "not right after a word character" checks, moved behind the first digit: a pattern that starts
# with a digit lets ``re`` skip ahead to the next digit instead of trying every position of the text. The
# check then looks back over two characters, the digit itself and the one before it.
_NUMBER_FIRST = (
    (r"(?<![\w.,])(\d+", r"(\d(?<![\w.,]\d)\d*"),
    (r"(?<![\w.,])(\d{1,2})", r"(\d(?<![\w.,]\d)\d?)"),
    (r"\b(\d+", r"(\d(?<!\w\d)\d*"),
)


def _number_first(pattern: str) -> str:
    """``pattern`` (which starts with a bounded number) rewritten to start with the digit itself."""
    for before, after in _NUMBER_FIRST:
        if pattern.startswith(before):
            return after + pattern[len(before) :]
    raise ValueError(f"not a pattern starting with a bounded number: {pattern[:40]}")


class _FoldedRegex:
    """A case-insensitive pattern that only ever runs over folded (lower-cased) text.

    ``re`` matches case-insensitively character by character and cannot skip ahead to a literal, which
    made these patterns a large share of the oai_dc crosswalk's text mining. Folded text has no upper
    case, so the lower-cased pattern without IGNORECASE finds exactly the same matches (same spans, same
    groups) two to three times faster; text holding one of :data:`_CASE_TRAPS` gets the original.
    ``needs`` are literals of which every match holds one (a text with none is not searched), and
    ``number_first`` rewrites a pattern that begins with a bounded number (see :data:`_NUMBER_FIRST`).
    """

    __slots__ = ("caseless", "exact", "needs", "pattern")

    def __init__(self, regex: re.Pattern[str], *, needs: tuple[str, ...] = (), number_first: bool = False) -> None:
        self.caseless = regex
        self.pattern = regex.pattern
        self.needs = needs
        fast = _number_first(regex.pattern) if number_first else regex.pattern
        self.exact = re.compile(_lowered(fast), regex.flags & ~re.IGNORECASE)

    def _for(self, folded: str) -> re.Pattern[str] | None:
        if any(map(folded.__contains__, _CASE_TRAPS)):
            return self.caseless  # the literals of ``needs`` do not hold there either ("gratuıt")
        if self.needs and not any(map(folded.__contains__, self.needs)):
            return None
        return self.exact

    def may_match(self, folded: str) -> bool:
        """False when ``folded`` certainly holds no match (none of ``needs`` occurs in it)."""
        return self._for(folded) is not None

    def search(self, folded: str) -> re.Match[str] | None:
        """``re.Pattern.search`` over folded text."""
        regex = self._for(folded)
        return regex.search(folded) if regex is not None else None

    def finditer(self, folded: str) -> Iterator[re.Match[str]]:
        """``re.Pattern.finditer`` over folded text."""
        regex = self._for(folded)
        return regex.finditer(folded) if regex is not None else iter(())

    def sub(self, replacement: str, folded: str) -> str:
        """``re.Pattern.sub`` over folded text (the text itself when ``needs`` rule every match out)."""
        regex = self._for(folded)
        return regex.sub(replacement, folded) if regex is not None else folded


_NUMBER = r"(\d+(?:[.,]\d+)?)"
_RANGE = _NUMBER + r"(?:\s*(?:-|–|—|to|bis|a|à)\s*" + _NUMBER + r")?"


class Credits(NamedTuple):
    """Credits read from text: the value (or ``(min, max)``), the unit as written (folded), and whether
    they count as ECTS for the provider's country."""

    value: float | tuple[float, float]
    unit: str
    is_ects: bool
    # Why a national or bare unit counts as ECTS: "country" (the country given) or "language" (every EHEA
    # country writing the record's language counts it in ECTS); None for ECTS named as such, or no ECTS.
    basis: str | None = None


# unit key → (pattern, countries where it is an ECTS credit; "*" = everywhere, "" = never).
_UNITS: tuple[tuple[str, str, str], ...] = (
    (
        "ects",
        r"ects(?:[- ]?(?:credits?|points?|punkte|creditos?|credits?|punti|pisteet|cr|leistungspunkte))?"
        r"|(?:credits?|creditos?|crediti|punkty|punktow|pkt|points?|studiepunten|leistungspunkte) \(?ects\)?",
        "*",
    ),
    ("ec", r"ec\b|studiepunten|studiepunt", "NL,BE"),
    ("cfu", r"cfu\b|crediti formativi(?: universitari)?", "IT"),
    ("op", r"op\b|opintopiste\w*", "FI"),
    ("hp", r"hp\b|hogskolepoang", "SE"),
    ("sp", r"sp\b|studiepoeng", "NO"),
    ("lp", r"lp\b|leistungspunkte?", "DE,AT"),
    ("cp", r"cp\b|credit points?", "DE,AT"),
    ("cats", r"cats(?: points?| credits?)?", ""),
    ("scqf", r"scqf(?: credits?| points?)?", ""),
    ("us_credit_hours", r"(?:semester |quarter )?credit hours?", ""),
    ("credits", r"credits?\b|creditos?\b|crediti\b|kredyty?\b|kreditpunkte|punkty\b", ""),
)
_CREDITS_RE = _FoldedRegex(
    re.compile(
        r"(?<![\w.,])" + _RANGE + r"\s*(" + "|".join(f"(?P<{key}>{pattern})" for key, pattern, _ in _UNITS) + r")",
        re.IGNORECASE,
    ),
    number_first=True,
)
_ECTS_COUNTRIES = {key: countries for key, _, countries in _UNITS}
_LABEL_FIRST = re.compile(
    r"\b(ects(?:[- ]credits?| points?)?|credits?|creditos?|crediti|punkty ects|studiepunten|opintopisteet|"
    r"hogskolepoang|leistungspunkte)\s*:\s*(\d+(?:[.,]\d+)?)(?![\d.,]*\d)"
)


def _num(text: str) -> float:
    return float(text.replace(",", "."))


def parse_credits(text: str | None, country: str | None = None, language: str | None = None) -> Credits | None:
    """Credits stated in ``text`` with their unit ("5 ECTS", "7,5 hp", "6 CFU", "10 CATS points", "3 credits").

    National units (hp, op, sp, EC, CFU, LP/CP) and the bare word ("2 crédits") are ECTS when ``country``
    counts them so, or, with no country, when every EHEA country writing ``language`` does
    (:func:`offerings.vocab.evidence.unit_is_ects`): "3 credits" in English stays unknown, as the UK's
    credits are not ECTS. UK/US systems never are. Values outside (0, 400] are refused as noise.
    """
    if not text:
        return None
    folded = fold(text)[:5000]
    # "Credits: 5", "Crédits : 6", "Créditos: 7,5": the unit first, as a label, read as "5 credits".
    folded = _LABEL_FIRST.sub(lambda m: f"{m.group(2)} {m.group(1)}", folded)
    for match in _CREDITS_RE.finditer(folded):
        unit = next(key for key, _, _ in _UNITS if match.group(key))
        low = _num(match.group(1))
        high = _num(match.group(2)) if match.group(2) else None
        if not 0 < low <= 400 or (high is not None and not low <= high <= 400):
            continue
        value = (low, high) if high is not None and high != low else low
        if _ECTS_COUNTRIES[unit] == "*":
            return Credits(value, unit, True)
        if evidence.unit_is_ects(unit, country=country, language=None if country else language):
            return Credits(value, unit, True, "country" if country else "language")
        return Credits(value, unit, False)
    return None


_HOUR_UNITS = (
    r"h\b|hrs?\b|hours?\b|horas?\b|heures?\b|stunden\b|std\.?(?!\w)|ore\b|uur\b|uren\b|tuntia\b|timmar\b|timer\b"
    r"|godzin\w*|hodin\w*|zeitstunden\b|arbeitsstunden\b|study hours\b|hours of study\b"
)
# Run over folded text only (see _FoldedRegex).
_HOURS_RE = _FoldedRegex(
    re.compile(r"(?<![\w.,])" + _RANGE + r"\s*(?:" + _HOUR_UNITS + r")", re.IGNORECASE), number_first=True
)
_PER_WEEK = _FoldedRegex(
    re.compile(
        r"(?<![\w.,])" + _RANGE + r"\s*(?:" + _HOUR_UNITS + r")[^.;\n]{0,20}?"
        r"(?:per|a|each|/|pro|par|por|alla|in de)\s*(?:week|woche|semaine|semana|settimana|wk)\b",
        re.IGNORECASE,
    ),
    needs=("week", "woche", "semaine", "semana", "settimana", "wk"),
    number_first=True,
)
_WEEKS = _FoldedRegex(
    re.compile(r"(?<![\w.,])(\d{1,2})[\s-]*(?:weeks?|wochen|semaines|semanas|settimane|weken)\b", re.I),
    needs=("week", "wochen", "semaines", "semanas", "settimane", "weken"),
    number_first=True,
)
_ISO_HOURS = re.compile(r"\bPT(\d+(?:[.,]\d+)?)H\b", re.IGNORECASE)


def _bounded(low: float, high: float | None) -> float | tuple[float, float] | None:
    # Sanity bound of §3.7: notional workload is 1–3000 hours.
    if not 1 <= low <= 3000 or (high is not None and not low <= high <= 3000):
        return None
    return (low, high) if high is not None and high != low else low


def parse_weekly_hours(text: str | None) -> float | tuple[float, float] | None:
    """Hours a week ("3-5 hours per week", "4 Stunden pro Woche"), or ``(min, max)``."""
    if not text:
        return None
    match = _PER_WEEK.search(fold(text)[:5000])
    if not match:
        return None
    low, high = _num(match.group(1)), (_num(match.group(2)) if match.group(2) else None)
    if not 0 < low <= 80 or (high is not None and not low <= high <= 80):
        return None
    return (low, high) if high is not None and high != low else low


def parse_workload(text: str | None) -> float | tuple[float, float] | None:
    """Notional learning hours: "125 hours", "80–100 h", "PT60H", or hours a week × weeks ("3-5 hours per
    week … 10 weeks" → (30, 50)). Hours a week without a number of weeks say nothing about the total."""
    if not text:
        return None
    # "PT…H" folds to "pt…h": a text whose folded form (needed below anyway) lacks "pt" holds no ISO hours.
    iso = _ISO_HOURS.search(text) if "pt" in fold(text) else None
    if iso:
        return _bounded(_num(iso.group(1)), None)
    weekly = parse_weekly_hours(text)
    if weekly is not None:
        weeks = _WEEKS.search(fold(text))
        if not weeks:
            return None
        count = int(weeks.group(1))
        low, high = weekly if isinstance(weekly, tuple) else (weekly, weekly)
        return _bounded(round(low * count, 2), round(high * count, 2) if high != low else None)
    match = _HOURS_RE.search(fold(text)[:5000])
    if not match:
        return None
    return _bounded(_num(match.group(1)), _num(match.group(2)) if match.group(2) else None)


def hours_to_ects(hours: float | tuple[float, float]) -> tuple[float, float]:
    """ECTS range of notional hours at 25–30 hours a credit (ECTS Users' Guide): 81 h → (2.7, 3.24)."""
    low, high = hours if isinstance(hours, tuple) else (hours, hours)
    return round(low / 30, 2), round(high / 25, 2)


def ects_to_hours(ects: float | tuple[float, float]) -> tuple[float, float]:
    """Notional hours range of ECTS credits at 25–30 hours a credit: 5 ECTS → (125, 150)."""
    low, high = ects if isinstance(ects, tuple) else (ects, ects)
    return round(low * 25, 2), round(high * 30, 2)


class PriceText(NamedTuple):
    """A price read from text, with the words that label it ("UK fee")."""

    amount: float
    currency: str
    label: str


# "zł" is how Polish prices are written ("Opłata: 95 zł"); schemes.currency_code reads it as PLN.
_SIGNS = r"€|£|\$|₹|EUR|GBP|USD|CHF|SEK|NOK|DKK|PLN|CZK|HUF|RON|BGN|ISK|INR|euros?\b|zł(?!\w)"
_AMOUNT = r"(\d[\d .,'’]*\d|\d)"
_PRICE_RE = re.compile(
    r"(?:(" + _SIGNS + r")\s*" + _AMOUNT + r")|(?:" + _AMOUNT + r"\s*(" + _SIGNS + r"))", re.IGNORECASE
)


def _amount(text: str) -> float | None:
    digits = re.sub(r"[ '’]", "", text.strip(" .,"))
    # "1.250,00" and "1,250.00": the last separator followed by 1–2 digits is the decimal one.
    match = re.fullmatch(r"(\d+(?:[.,]\d{3})*)(?:([.,])(\d{1,2}))?", digits)
    if not match:
        # Indian grouping ("1,25,000"): commas only, last group of three.
        if re.fullmatch(r"\d{1,3}(?:,\d{2})*,\d{3}", digits):
            return float(digits.replace(",", ""))
        return None
    whole = re.sub(r"[.,]", "", match.group(1))
    return float(f"{whole}.{match.group(3)}" if match.group(3) else whole)


def parse_prices(text: str | None) -> list[PriceText]:
    """Every price in ``text`` with its label: "UK fee: GBP155.00; Ireland fee: GBP340.00" → two prices,
    "₹ 1,25,000 + 18% GST" → 125000 INR labelled with the tax note."""
    if not text:
        return []
    found: list[PriceText] = []
    for segment in re.split(r"[;\n]|(?<=\d)\s*,\s+(?=\D)", text[:5000]):
        match = _PRICE_RE.search(segment)
        if not match:
            continue
        sign = match.group(1) or match.group(4)
        amount = _amount(match.group(2) or match.group(3))
        currency = currency_code(sign)
        if amount is None or currency is None:
            continue
        label = " ".join((segment[: match.start()] + " " + segment[match.end() :]).split()).strip(" :-–,")
        found.append(PriceText(amount, currency, label))
    return found


# Conjunctions that are not themselves ISO 639-1 codes ("en", "et", "or" are English, Estonian, Oriya).
_LIST_SPLIT = re.compile(r"\s*(?:[,;/|+&]|\band\b|\bund\b|\by\b|\be\b|\bou\b|\boder\b)\s*", re.I)


def parse_languages(text: str | None) -> list[str]:
    """ISO 639-1 codes of the languages a text lists ("English, German", "en/fr", "Español y Inglés")."""
    if not text:
        return []
    codes = (vocab.language_code(part) for part in _LIST_SPLIT.split(text.strip()[:500]) if part)
    return list(dict.fromkeys(c for c in codes if c))


def parse_countries(text: str | None) -> list[str]:
    """ISO 3166-1 alpha-2 codes of the countries a text lists ("Belgium, NL", "IRL; EL")."""
    if not text:
        return []
    parts = re.split(r"\s*[,;/|]\s*|\s+(?:and|und|et|y|e)\s+", text.strip()[:500])
    return list(dict.fromkeys(c for c in map(vocab.country_code, parts) if c))


# C0 controls but tab, LF and CR, and DEL: never text a reader sees (NUL, vertical tab, form feed …).
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def remove_controls(value: Any) -> Any:
    r"""``value`` (a parsed JSON document, or text) with the control characters of every string removed.

    JSON allows NUL and the other controls as escapes ("\\u0000"); they are dropped when the payload is
    read, as XML's are by :func:`offerings.text.xml.parse`, so no format carries them further (issue 14).
    """
    if isinstance(value, str):
        return _CONTROLS.sub("", value) if _CONTROLS.search(value) else value
    if isinstance(value, list):
        return [remove_controls(item) for item in value]
    if isinstance(value, dict):
        return {remove_controls(k): remove_controls(v) for k, v in value.items()}
    return value


_TAGS = re.compile(r"<[^>]{0,2000}>")
# Line breaks and the ends of block elements, with or without a namespace prefix (XCRI embeds xhtml:p).
_BLOCK_END = re.compile(r"<\s*(?:[\w-]+:)?br\s*/?>|<\s*/\s*(?:[\w-]+:)?(?:p|div|li|h\d|tr)\s*>", re.IGNORECASE)


def clean_text(text: str | None) -> str:
    r"""Text without HTML tags or entities, ``\r\n`` normalised, spaces collapsed, paragraphs kept (V23)."""
    if not text:
        return ""
    value = _BLOCK_END.sub("\n", text)
    value = html.unescape(_TAGS.sub(" ", value)).replace("\r\n", "\n").replace("\r", "\n")
    lines = (" ".join(line.split()) for line in value.split("\n"))
    return "\n".join(line for line in lines if line).strip()


_ROLE_WORDS = re.compile(
    r"^(?:info|information|contact|office|admissions?|enquir\w*|inquir\w*|study|studies|student\w*|registry|"
    r"registrar|secretar\w*|sekretariat|support|help\w*|international|weiterbildung|formation|"
    r"courses?|learning|lifelong|admin|mail|post|noreply|no-reply|webmaster|service\w*|kontakt|"
    r"micro-?credentials?|education|academy|team|desk|hello|welcome|onderwijs|studium|bureau)\b",
    re.IGNORECASE,
)


def is_personal_email(address: str | None) -> bool:
    """Whether an e-mail address looks like a natural person's ("jane.doe@…") rather than a role's (V24)."""
    if not address or "@" not in address:
        return False
    local = address.strip().removeprefix("mailto:").split("@", 1)[0]
    if _ROLE_WORDS.match(local):
        return False
    # firstname.lastname / f.lastname / firstname_lastname are the usual personal shapes.
    return bool(re.fullmatch(r"[a-z]+[._-][a-z]+(?:[._-][a-z]+)?\d*", local, re.IGNORECASE))
