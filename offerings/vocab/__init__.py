"""Controlled vocabularies: codes the record stores and what they mean.

``codes`` turns what feeds write into codes (language, country, EQF, mode, schedule) and back into
labels; the package re-exports it, so ``from offerings import vocab`` reads ``vocab.country_code``.
``schemes`` maps every other coded element to its EU vocabulary URI and back; ``isced`` is the
ISCED-F 2013 classification; ``esco`` the pinned ESCO skills version. Pure lookups over tables
shipped in the package or by pycountry; ``esco`` reads a pinned file. Imports nothing else of ours
but :mod:`offerings.errors`.
"""

from offerings.vocab.codes import (
    COUNTRY_NAMES_EXTRA,
    EQF_URI,
    MODES,
    SCHEDULES,
    country_code,
    country_label,
    eqf_uri,
    fold,
    language_code,
    language_label,
    mode_label,
)

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
