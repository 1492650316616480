"""Controlled vocabularies: EQF level, mode, schedule, language (ISO 639-1), country (ISO 3166-1).

Values are stored as short codes; each code maps to its EU vocabulary URI here, so that export to
ELM loses nothing. Normalisers take what feeds actually write ("English", "eng", "en_GB",
"Deutschland", "EL") and return the code, or ``None`` when the input is not recognised. Pure: no I/O
beyond the tables pycountry ships.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import pycountry

__all__ = [
    "COUNTRY_NAMES_EXTRA",
    "EQF_URI",
    "MODES",
    "SCHEDULES",
    "country_code",
    "country_label",
    "eqf_uri",
    "fold",
    "language_code",
    "language_label",
    "mode_label",
]

EQF_URI = "http://data.europa.eu/snb/eqf/{level}"
_ASSESS = "http://data.europa.eu/snb/learning-assessment/"

# Form of participation (Annex I M10) → ELM learning-assessment URI.
MODES: dict[str, tuple[str, str]] = {
    "online": ("Online", _ASSESS + "920fbb3cbe"),
    "onsite": ("On site", _ASSESS + "9191af2ed9"),
    "blended": ("Blended", _ASSESS + "e92d221e4d"),
    "work_based": ("Work-based", _ASSESS + "729f3bed4b"),
    "project_based": ("Project-based", _ASSESS + "7813801c77"),
    "research_lab_based": ("Research or lab-based", _ASSESS + "ed4c557045"),
}

# ELM learning schedules plus catalogue extensions (part_time when light vs intensive is unknown).
SCHEDULES: dict[str, tuple[str, str | None]] = {
    "full_time": ("Full time", "http://data.europa.eu/snb/learning-schedule/72a0ab92fa"),
    "part_time": ("Part time", None),
    "self_paced": ("Self-paced", None),
    "part_time_intensive": ("Part time, intensive", "http://data.europa.eu/snb/learning-schedule/f230bae523"),
    "part_time_light": ("Part time, light", "http://data.europa.eu/snb/learning-schedule/67395e6b5a"),
    "flexible": ("Flexible", None),
}

# Spellings the ISO tables lack but feeds use: EU country codes (EL, UK) and common native names.
COUNTRY_NAMES_EXTRA: dict[str, str] = {
    "el": "GR",
    "uk": "GB",
    "deutschland": "DE",
    "osterreich": "AT",
    "nederland": "NL",
    "the netherlands": "NL",
    "holland": "NL",
    "espana": "ES",
    "italia": "IT",
    "polska": "PL",
    "suomi": "FI",
    "sverige": "SE",
    "norge": "NO",
    "danmark": "DK",
    "belgique": "BE",
    "belgie": "BE",
    "schweiz": "CH",
    "suisse": "CH",
    "ellada": "GR",
    "eire": "IE",
    "magyarorszag": "HU",
    "cesko": "CZ",
    "czech republic": "CZ",
    "slovensko": "SK",
    "slovenija": "SI",
    "hrvatska": "HR",
    "lietuva": "LT",
    "latvija": "LV",
    "eesti": "EE",
    "romania": "RO",
    "bulgaria": "BG",
    "united kingdom": "GB",
    "great britain": "GB",
    "turkey": "TR",
}

# Language names in the main EU languages that ISO's English names do not cover.
LANGUAGE_NAMES_EXTRA: dict[str, str] = {
    "englisch": "en",
    "anglais": "en",
    "ingles": "en",
    "inglese": "en",
    "engels": "en",
    "angielski": "en",
    "deutsch": "de",
    "allemand": "de",
    "aleman": "de",
    "tedesco": "de",
    "duits": "de",
    "niemiecki": "de",
    "francais": "fr",
    "franzosisch": "fr",
    "frances": "fr",
    "francese": "fr",
    "frans": "fr",
    "espanol": "es",
    "castellano": "es",
    "spanisch": "es",
    "espagnol": "es",
    "spagnolo": "es",
    "spaans": "es",
    "italiano": "it",
    "italienisch": "it",
    "italien": "it",
    "italiaans": "it",
    "nederlands": "nl",
    "niederlandisch": "nl",
    "neerlandais": "nl",
    "dutch": "nl",
    "flemish": "nl",
    "portugues": "pt",
    "portugiesisch": "pt",
    "portugais": "pt",
    "polski": "pl",
    "polnisch": "pl",
    "polonais": "pl",
    "suomi": "fi",
    "svenska": "sv",
    "dansk": "da",
    "norsk": "no",
    "cestina": "cs",
    "magyar": "hu",
    "ellinika": "el",
    "greek": "el",
    "romana": "ro",
    "slovenscina": "sl",
    "hrvatski": "hr",
}


# Combining marks left by NFKD decomposition (é → e + U+0301); a regex is far faster than a per-character loop.
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=1024)  # every parser folds the same description again; a small cache spares that
def fold(text: str) -> str:
    """Lower-case, strip diacritics and collapse whitespace: the key every lookup here uses."""
    # ASCII text has nothing to decompose and no combining marks (str.isascii is a flag, not a scan).
    stripped = text if text.isascii() else _COMBINING.sub("", unicodedata.normalize("NFKD", text))
    return _SPACES.sub(" ", stripped).strip().lower()


@lru_cache(maxsize=4096)
def language_code(value: str | None) -> str | None:
    """ISO 639-1 code for a code, locale, EU NAL URI or name ("en_GB", "ENG", ".../language/DEU", "Deutsch")."""
    if not value:
        return None
    text = value.strip().rstrip("/").rsplit("/", 1)[-1]
    key = fold(text)
    primary = re.split(r"[-_]", key, maxsplit=1)[0]
    if primary in LANGUAGE_NAMES_EXTRA:
        return LANGUAGE_NAMES_EXTRA[primary]
    if key in LANGUAGE_NAMES_EXTRA:
        return LANGUAGE_NAMES_EXTRA[key]
    if primary == "und":
        return None
    record = None
    if len(primary) == 2:
        record = pycountry.languages.get(alpha_2=primary)
    elif len(primary) == 3:
        record = pycountry.languages.get(alpha_3=primary) or pycountry.languages.get(bibliographic=primary)
    if record is None and len(key) > 3:
        try:
            record = pycountry.languages.lookup(key)
        except LookupError:
            record = None
    code = getattr(record, "alpha_2", None) if record is not None else None
    return code.lower() if code else None


def language_label(code: str) -> str:
    """English name of an ISO 639-1 code (the code itself when unknown)."""
    record = pycountry.languages.get(alpha_2=code)
    return record.name if record is not None else code


@lru_cache(maxsize=4096)
def country_code(value: str | None) -> str | None:
    """ISO 3166-1 alpha-2 code for a code, EU NAL URI or name; accepts EL→GR and UK→GB."""
    if not value:
        return None
    text = value.strip().rstrip("/").rsplit("/", 1)[-1]
    key = fold(text)
    if key in COUNTRY_NAMES_EXTRA:
        return COUNTRY_NAMES_EXTRA[key]
    record = None
    if len(key) == 2:
        record = pycountry.countries.get(alpha_2=key.upper())
    elif len(key) == 3:
        record = pycountry.countries.get(alpha_3=key.upper())
    if record is None and len(key) > 3:
        try:
            record = pycountry.countries.lookup(key)
        except LookupError:
            record = None
    return record.alpha_2 if record is not None else None


def country_label(code: str) -> str:
    """English short name of an ISO 3166-1 alpha-2 code (the code itself when unknown)."""
    record = pycountry.countries.get(alpha_2=code)
    if record is None:
        return code
    return str(getattr(record, "common_name", None) or record.name)


def eqf_uri(level: int) -> str:
    """The EU vocabulary URI of an EQF level."""
    return EQF_URI.format(level=level)


def mode_label(code: str) -> str:
    """Human label of a mode code."""
    return MODES.get(code, (code, ""))[0]
