"""Table-driven tests of the free-text parsers (docs/normalisation.md §3.7)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from offerings.text import parsing


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5 ECTS", 5.0),
        ("6 ECTS-Punkte", 6.0),
        ("3 crédits ECTS", 3.0),
        ("Workload: 7,5 hp", 7.5),
        ("2.5 ECTS credits", 2.5),
        ("15 EC", 15.0),
        ("6 CFU", 6.0),
        ("5 op", 5.0),
        ("10 Leistungspunkte", 10.0),
        ("3–6 ECTS", (3.0, 6.0)),
        ("4 créditos ECTS", 4.0),
        ("The course runs for 6 weeks", None),
        ("ECTS: unknown", None),
        ("", None),
        ("999 ECTS", None),
    ],
)
def test_ects(text: str, expected: object) -> None:
    assert parsing.parse_ects(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("EQF 6", 6),
        ("EQF level 7", 7),
        ("Level 5", 5),
        ("niveau 6", 6),
        ("EQR-Niveau 4", 4),
        ("level 9", None),
        ("", None),
    ],
)
def test_eqf(text: str, expected: int | None) -> None:
    assert parsing.parse_eqf(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mode: online", ["online"]),
        ("Blended learning with two campus days", ["blended"]),
        ("Präsenzveranstaltung", []),
        ("in Präsenz am Campus", ["onsite"]),
        ("à distance", ["online"]),
        ("face-to-face", ["onsite"]),
        ("hybrid", ["blended"]),
        ("a course about online marketing on campus", ["online", "onsite"]),
        ("", []),
    ],
)
def test_modes(text: str, expected: list[str]) -> None:
    assert parsing.parse_modes(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Starts 2027-02-01", date(2027, 2, 1)),
        ("Beginn: 01.03.2027", date(2027, 3, 1)),
        ("Début 15/09/2027", date(2027, 9, 15)),
        ("Start date: 1900-01-01", None),
        ("no date here", None),
    ],
)
def test_start_date(text: str, expected: date | None) -> None:
    assert parsing.parse_start_date(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Fee: EUR 450", (450.0, "EUR")),
        ("€ 1.250,00", (1250.0, "EUR")),
        ("1,250.00 GBP", (1250.0, "GBP")),
        ("Kosten: 300 €", (300.0, "EUR")),
        ("CHF 90", (90.0, "CHF")),
        ("no price", None),
    ],
)
def test_price(text: str, expected: tuple[float, str] | None) -> None:
    assert parsing.parse_price(text) == expected


@pytest.mark.parametrize("text", ["free of charge", "Kostenlos", "gratuit pour les étudiants", "Gratis"])
def test_free(text: str) -> None:
    assert parsing.says_free(text)


@given(st.text())
def test_parsers_never_crash(text: str) -> None:
    ects = parsing.parse_ects(text)
    assert ects is None or isinstance(ects, (float, tuple))
    assert parsing.parse_eqf(text) in (None, 1, 2, 3, 4, 5, 6, 7, 8)
    assert set(parsing.parse_modes(text)) <= {"online", "onsite", "blended", "work_based"}
    parsing.parse_start_date(text)
    price = parsing.parse_price(text)
    assert price is None or price[0] >= 0


@pytest.mark.parametrize("text", ["default-free interest rates", "a risk-free rate", "barrier-free access"])
def test_a_free_compound_is_no_fee(text: str) -> None:
    # "X-free" means without X (issue 14: a real repository abstract read as a free course).
    assert not parsing.says_free(text)
    assert parsing.says_free(f"{text}; the course is free of charge")
