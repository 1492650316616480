"""Language and country normalisation."""

from __future__ import annotations

import pytest

from offerings import vocab


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("en", "en"),
        ("en_US", "en"),
        ("en-GB", "en"),
        ("ENG", "en"),
        ("eng", "en"),
        ("English", "en"),
        ("Deutsch", "de"),
        ("ger", "de"),
        ("http://publications.europa.eu/resource/authority/language/DEU", "de"),
        ("Français", "fr"),
        ("Nederlands", "nl"),
        ("Español", "es"),
        ("italiano", "it"),
        ("und", None),
        ("", None),
        ("Klingon-ish", None),
    ],
)
def test_language_code(value: str, code: str | None) -> None:
    assert vocab.language_code(value) == code


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("NL", "NL"),
        ("nl", "NL"),
        ("Netherlands", "NL"),
        ("The Netherlands", "NL"),
        ("Nederland", "NL"),
        ("EL", "GR"),
        ("UK", "GB"),
        ("Deutschland", "DE"),
        ("Österreich", "AT"),
        ("IRL", "IE"),
        ("http://publications.europa.eu/resource/authority/country/IRL", "IE"),
        ("Atlantis", None),
        ("", None),
    ],
)
def test_country_code(value: str, code: str | None) -> None:
    assert vocab.country_code(value) == code


def test_labels() -> None:
    assert vocab.country_label("NL") == "Netherlands"
    assert vocab.language_label("de") == "German"
    assert vocab.eqf_uri(6) == "http://data.europa.eu/snb/eqf/6"
