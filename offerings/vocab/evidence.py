"""Where a record's country and credit units can be read from when it does not say (issue 14).

Pure tables and look-ups: the country an Erasmus code or a SCHAC home organisation (a domain) names, the
country of a landing page's country-code domain, and which national credit units count in ECTS in which
country and, for a language, whether every EHEA country writing it counts that unit in ECTS. The
crosswalks weigh these in order (docs/normalisation.md §3.7, "Evidence") and mark what they infer.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from offerings.vocab.codes import country_code

__all__ = [
    "ECTS_UNIT_COUNTRIES",
    "LANGUAGE_COUNTRIES",
    "country_of_domain",
    "country_of_erasmus",
    "unit_is_ects",
]

# Erasmus institution codes start with the country's letters, padded with spaces to three characters
# ("D  BERLIN01", "UK LONDON01", "IRLDUBLIN01"); the letters are Erasmus's own, not ISO 3166.
_ERASMUS_PREFIX = {
    "A": "AT", "B": "BE", "BG": "BG", "CH": "CH", "CY": "CY", "CZ": "CZ", "D": "DE", "DK": "DK", "E": "ES",
    "EE": "EE", "F": "FR", "G": "GR", "HR": "HR", "HU": "HU", "I": "IT", "IRL": "IE", "IS": "IS", "LI": "LI",
    "LT": "LT", "LUX": "LU", "LV": "LV", "MT": "MT", "N": "NO", "NL": "NL", "P": "PT", "PL": "PL", "RO": "RO",
    "S": "SE", "SF": "FI", "SI": "SI", "SK": "SK", "TR": "TR", "UK": "GB", "MK": "MK", "RS": "RS",
}  # fmt: skip
_ERASMUS = re.compile(r"(?:erasmus(?: code)?\s*[:=]?\s*)?([A-Z]{1,3})\s*([A-Z][A-Z-]{0,7}\d{2})", re.IGNORECASE)
# Two-letter domains the web uses as generic ones: they say nothing about where an institution is.
_GENERIC_CC = frozenset({"eu", "io", "co", "tv", "me", "ai", "fm", "ly", "to", "cc", "ws", "nu", "tk", "gg", "la"})
# The EHEA members (and the Faroe Islands) whose domain can locate a European HEI.
_EHEA = frozenset(
    "AD AL AM AT AZ BA BE BG BY CH CY CZ DE DK EE ES FI FO FR GB GE GR HR HU IE IS IT KZ LI LT LU LV MC MD ME MK "
    "MT NL NO PL PT RO RS RU SE SI SK SM TR UA VA XK".split()
)

# National units (keys of offerings.text.units._UNITS) and the countries where they are the ECTS credit.
ECTS_UNIT_COUNTRIES: dict[str, frozenset[str]] = {
    "ec": frozenset({"NL", "BE"}),
    "cfu": frozenset({"IT", "SM", "VA"}),
    "op": frozenset({"FI"}),
    "hp": frozenset({"SE"}),
    "sp": frozenset({"NO", "FI"}),
    "lp": frozenset({"DE", "AT", "CH", "LI"}),
    "cp": frozenset({"DE", "AT", "CH", "LI"}),
    # The bare word: ECTS everywhere in the EHEA but the UK, whose credits (CATS, SCQF) are half an ECTS.
    "credits": _EHEA - {"GB"},
}
# EHEA countries where a language is an official language of higher education.
LANGUAGE_COUNTRIES: dict[str, frozenset[str]] = {
    "en": frozenset({"GB", "IE", "MT"}),
    "de": frozenset({"DE", "AT", "CH", "LI", "LU", "BE"}),
    "fr": frozenset({"FR", "BE", "CH", "LU", "MC"}),
    "nl": frozenset({"NL", "BE"}),
    "fi": frozenset({"FI"}),
    "sv": frozenset({"SE", "FI"}),
    "it": frozenset({"IT", "CH", "SM", "VA"}),
    "es": frozenset({"ES", "AD"}),
    "pt": frozenset({"PT"}),
    "pl": frozenset({"PL"}),
    "da": frozenset({"DK"}),
    "nb": frozenset({"NO"}),
    "no": frozenset({"NO"}),
    "cs": frozenset({"CZ"}),
    "sk": frozenset({"SK"}),
    "et": frozenset({"EE"}),
    "lv": frozenset({"LV"}),
    "lt": frozenset({"LT"}),
    "sl": frozenset({"SI"}),
    "hr": frozenset({"HR", "BA"}),
    "hu": frozenset({"HU"}),
    "ro": frozenset({"RO", "MD"}),
    "bg": frozenset({"BG"}),
    "el": frozenset({"GR", "CY"}),
}
# Where a unit is a credit that is *not* ECTS: the UK's credits (CATS, SCQF) are half an ECTS credit.
_NOT_ECTS: dict[str, frozenset[str]] = {"credits": frozenset({"GB"})}
# Where a unit is written at all in a language's countries: "LP" in a German text is a German-speaking
# country's unit, wherever in them it is written; a unit of another language says nothing by language.
_UNIT_LANGUAGES: dict[str, frozenset[str]] = {
    "ec": frozenset({"nl"}),
    "cfu": frozenset({"it"}),
    "op": frozenset({"fi"}),
    "hp": frozenset({"sv"}),
    "sp": frozenset({"nb", "no", "sv"}),
    "lp": frozenset({"de"}),
    "cp": frozenset({"de"}),
    "credits": frozenset({"en", "fr", "es", "pt", "it", "de", "nl", "pl", "cs", "sk", "hr", "sl", "ro"}),
}


def country_of_erasmus(code: str | None) -> str | None:
    """The country an Erasmus institution code names ("D  BERLIN01" → DE, "SF HELSINK01" → FI)."""
    match = _ERASMUS.fullmatch(code.strip()) if code else None
    if match is None:
        return None
    prefix = match.group(1).upper()
    # Without padding ("IRLDUBLIN01") the letters run on: the longest known prefix is the country's.
    if not re.search(r"\s", code or "") and len(prefix) != 3:
        return None
    return _ERASMUS_PREFIX.get(prefix)


def country_of_domain(url: str | None) -> str | None:
    """The EHEA country of a URL's or domain's country-code top-level domain ("uni-x.fi", ".ac.uk" → GB)."""
    if not url:
        return None
    host = urlsplit(url if "//" in url else f"//{url}").hostname or ""
    label = host.rsplit(".", 1)[-1].lower() if "." in host else ""
    if len(label) != 2 or label in _GENERIC_CC:
        return None
    code = country_code(label)
    return code if code in _EHEA else None


def unit_is_ects(unit: str, *, country: str | None = None, language: str | None = None) -> bool:
    """Whether credits in ``unit`` are ECTS credits: in ``country`` when it is known, else when every
    EHEA country writing ``language`` counts that unit in ECTS ("5 LP" in German, "2 crédits" in French;
    not "3 credits" in English, which the UK counts otherwise). A unit no country of the language uses
    otherwise counts: "LP" is ECTS in Germany and Austria and not used in Luxembourg."""
    where = ECTS_UNIT_COUNTRIES.get(unit)
    if where is None:
        return False
    if country:
        return country.upper() in where
    if not language or language not in _UNIT_LANGUAGES.get(unit, frozenset()):
        return False
    countries = LANGUAGE_COUNTRIES.get(language, frozenset())
    return bool(countries & where) and not countries & _NOT_ECTS.get(unit, frozenset())
