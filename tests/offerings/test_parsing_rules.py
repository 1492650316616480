"""Table-driven tests of the §3.7 parsing rules added for the full record, and property tests.

Inputs are written the way European HEIs write them; every parser must answer a valid value or
nothing, for any text whatsoever.
"""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from offerings.text import parsing
from offerings.vocab import schemes
from offerings.vocab.isced import ISCED_F


@pytest.mark.parametrize(
    ("text", "country", "expected"),
    [
        ("5 ECTS", None, (5.0, "ects", True)),
        ("6 ECTS-Punkte", "DE", (6.0, "ects", True)),
        ("3 crédits ECTS", "FR", (3.0, "ects", True)),
        ("4 créditos ECTS", "ES", (4.0, "ects", True)),
        ("6 crediti (ECTS)", "IT", (6.0, "ects", True)),
        ("Omfattning: 7,5 hp", "SE", (7.5, "hp", True)),
        ("7,5 hp", "DE", (7.5, "hp", False)),  # Swedish credits from a German provider: not taken as ECTS
        ("5 op", "FI", (5.0, "op", True)),
        ("5 opintopistettä", "FI", (5.0, "op", True)),
        ("10 studiepoeng", "NO", (10.0, "sp", True)),
        ("15 EC", "NL", (15.0, "ec", True)),
        ("6 studiepunten", "BE", (6.0, "ec", True)),
        ("6 CFU", "IT", (6.0, "cfu", True)),
        ("5 LP", "DE", (5.0, "lp", True)),
        ("10 Leistungspunkte", "AT", (10.0, "lp", True)),
        ("4 credit points", "DE", (4.0, "cp", True)),
        ("3–6 ECTS", None, ((3.0, 6.0), "ects", True)),
        ("10 CATS points", "GB", (10.0, "cats", False)),
        ("20 SCQF credits", "GB", (20.0, "scqf", False)),
        ("3 credit hours", "US", (3.0, "us_credit_hours", False)),
        ("3 credits", None, (3.0, "credits", False)),
        ("level 2 Python course", None, None),
        ("ECTS: to be confirmed", None, None),
        ("", None, None),
    ],
)
def test_credits(text: str, country: str | None, expected: tuple[object, str, bool] | None) -> None:
    found = parsing.parse_credits(text, country)
    assert (tuple(found)[:3] if found else None) == expected


@pytest.mark.parametrize(
    ("text", "country", "language", "expected"),
    [
        # Issue 14: with no country, a unit is ECTS when every EHEA country writing the language counts it so.
        ("5 LP", None, "de", (5.0, "lp", True, "language")),
        ("3 EC", None, "nl", (3.0, "ec", True, "language")),
        ("5 op", None, "fi", (5.0, "op", True, "language")),
        ("7,5 hp", None, "sv", (7.5, "hp", True, "language")),
        ("6 CFU", None, "it", (6.0, "cfu", True, "language")),
        ("2 crédits", None, "fr", (2.0, "credits", True, "language")),
        ("4 créditos", None, "es", (4.0, "credits", True, "language")),
        ("Créditos: 7,5", None, "pt", (7.5, "credits", True, "language")),
        # The UK's credits are not ECTS: "3 credits" in English says nothing without a country.
        ("3 credits", None, "en", (3.0, "credits", False, None)),
        ("Credits: 5", "IE", "en", (5.0, "credits", True, "country")),
        ("15 credits", "GB", "en", (15.0, "credits", False, None)),
        # A unit of another language's countries says nothing by language; a known country decides.
        ("5 op", None, "de", (5.0, "op", False, None)),
        ("5 LP", "FI", "de", (5.0, "lp", False, None)),
        ("5 ECTS", None, None, (5.0, "ects", True, None)),
    ],
)
def test_credits_weigh_the_evidence(
    text: str, country: str | None, language: str | None, expected: tuple[object, str, bool, str | None]
) -> None:
    assert tuple(parsing.parse_credits(text, country, language) or ()) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("81 hours", 81.0),
        ("81 horas", 81.0),
        ("Arbeitsaufwand: 150 Stunden", 150.0),
        ("125 heures", 125.0),
        ("60 ore", 60.0),
        ("84 uur", 84.0),
        ("80–100 h", (80.0, 100.0)),
        ("PT60H", 60.0),
        ("3-5 hours per week for 10 weeks", (30.0, 50.0)),
        ("This 12-week online course needs 4 hours a week", 48.0),
        ("4 Stunden pro Woche, 6 Wochen", 24.0),
        ("3-5 hours per week", None),  # no number of weeks: the total is unknown
        ("Self-paced", None),
        ("9999 hours", None),
    ],
)
def test_workload(text: str, expected: object) -> None:
    assert parsing.parse_workload(text) == expected


def test_hours_and_ects_convert_as_ranges() -> None:
    assert parsing.hours_to_ects(81) == (2.7, 3.24)  # docs/normalisation.md §3.7's own example
    assert parsing.hours_to_ects((30, 50)) == (1.0, 2.0)
    assert parsing.ects_to_hours(5) == (125, 150)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("P4M", ("P4M", False, None)),
        ("p10w", ("P10W", False, None)),
        ("10 weeks", ("P10W", False, None)),
        ("12-week", ("P12W", False, None)),
        ("4 months (approx); NLD Duration Code: F", ("P4M", True, None)),
        ("1 month (approx)", ("P1M", True, None)),
        ("ca. 6 Wochen", ("P6W", True, None)),
        ("3 mois", ("P3M", False, None)),
        ("6 meses", ("P6M", False, None)),
        ("3–6 months", ("P3M", False, "P6M")),
        ("1 semester", ("P6M", True, None)),
        ("2 Semester", ("P12M", True, None)),
        ("AN", ("P1Y", False, None)),
        ("P60M", None),  # 60 months: beyond the three-year bound
        ("PT60M", ("PT60M", False, None)),
        ("Variable; NLD Duration Code: J", None),
        ("P", None),
        ("", None),
    ],
)
def test_duration(text: str, expected: tuple[str, bool, str | None] | None) -> None:
    found = parsing.parse_duration(text)
    assert (tuple(found) if found else None) == expected


@pytest.mark.parametrize(
    ("text", "hours"),
    [("PT60H", 60.0), ("PT90M", 1.5), ("PT1H30M", 1.5), ("P60M", None), ("P2D", None), ("60 hours", None)],
)
def test_iso_duration_hours(text: str, hours: float | None) -> None:
    assert parsing.iso_duration_hours(text) == hours


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2027-02-01", date(2027, 2, 1)),
        ("2027-02-01T09:00:00Z", date(2027, 2, 1)),
        ("01.03.2027", date(2027, 3, 1)),
        ("15/09/2027", date(2027, 9, 15)),
        ("1 Aug 2012", date(2012, 8, 1)),
        ("31 August 2011", date(2011, 8, 31)),
        ("February 15, 2027", date(2027, 2, 15)),
        ("15. März 2027", date(2027, 3, 15)),
        ("15 mars 2027", date(2027, 3, 15)),
        ("2 de febrero de 2027", date(2027, 2, 2)),
        ("3 settembre 2027", date(2027, 9, 3)),
        ("12 oktober 2027", date(2027, 10, 12)),
        ("1900-01-01", None),
        ("31 February 2027", None),
        ("next spring", None),
    ],
)
def test_dates(text: str, expected: date | None) -> None:
    assert parsing.parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("UK fee: GBP155.00; Ireland fee: GBP340.00", [(155.0, "GBP", "UK fee"), (340.0, "GBP", "Ireland fee")]),
        ("Teilnahmegebühr: 1.250,00 €", [(1250.0, "EUR", "Teilnahmegebühr")]),
        ("Prix : 450 EUR", [(450.0, "EUR", "Prix")]),
        ("CHF 90", [(90.0, "CHF", "")]),
        ("₹ 1,25,000 + 18% GST", [(125000.0, "INR", "+ 18% GST")]),
        ("free", []),
    ],
)
def test_prices(text: str, expected: list[tuple[float, str, str]]) -> None:
    assert [tuple(p) for p in parsing.parse_prices(text)] == expected


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("English", ["en"]),
        ("English, German", ["en", "de"]),
        ("Español y Inglés", ["es", "en"]),
        ("en/fr", ["en", "fr"]),
        ("Deutsch und Englisch", ["de", "en"]),
        ("http://publications.europa.eu/resource/authority/language/ENG", ["en"]),
        ("pt-BR", ["pt"]),
        ("Klingon", []),
    ],
)
def test_languages(text: str, codes: list[str]) -> None:
    assert parsing.parse_languages(text) == codes


@pytest.mark.parametrize(
    ("text", "codes"),
    [("Belgium, NL", ["BE", "NL"]), ("IRL; EL", ["IE", "GR"]), ("UK", ["GB"]), ("Österreich", ["AT"]), ("Mars", [])],
)
def test_countries(text: str, codes: list[str]) -> None:
    assert parsing.parse_countries(text) == codes


@pytest.mark.parametrize(
    ("text", "level"),
    [("EQF 6", 6), ("Level 6", 6), ("niveau 6", 6), ("EQR-Niveau 5", 5), ("livello EQF 7", 7), ("nivel 4", 4)],
)
def test_eqf(text: str, level: int) -> None:
    assert parsing.parse_eqf(text) == level


@pytest.mark.parametrize(
    ("text", "cycle"),
    [
        ("first cycle", "first"),
        ("Bachelor", "first"),
        ("premier cycle", "first"),
        ("Laurea magistrale", "second"),
        ("Master", "second"),
        ("second cycle (QF-EHEA)", "second"),
        ("PhD", "third"),
        ("Doktoratsstudium", "third"),
        ("short cycle", "short_cycle"),
        ("https://data.ec2u.eu/concepts/isced-2011/7", "second"),
        ("Bachelor and Master", None),
        ("beginner", None),
    ],
)
def test_qf_ehea_cycle(text: str, cycle: str | None) -> None:
    assert parsing.parse_qf_ehea_cycle(text) == cycle


@pytest.mark.parametrize(
    ("text", "modes"),
    [
        ("Distance without attendance", ["online"]),
        ("Distance with attendance", ["blended"]),
        ("OnlineOnly", ["online"]),
        ("deliveryType:InPerson", ["onsite"]),
        ("Presencial", ["onsite"]),
        ("in presenza", ["onsite"]),
        ("Fernstudium", ["online"]),
        ("semipresencial", ["blended"]),
        ("etäopetus", ["online"]),
        ("duales Studium", ["work_based"]),
    ],
)
def test_modes_in_many_languages(text: str, modes: list[str]) -> None:
    assert parsing.parse_modes(text) == modes


@pytest.mark.parametrize(
    ("text", "schedule"),
    [
        ("Part time distance education course", "part_time"),
        ("Vollzeit", "full_time"),
        ("berufsbegleitend", "part_time"),
        ("temps partiel", "part_time"),
        ("Self-paced", "self_paced"),
        ("full-time or part-time", None),
        ("", None),
    ],
)
def test_schedule(text: str, schedule: str | None) -> None:
    assert parsing.parse_schedule(text) == schedule


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("You can submit your tutor-marked assignments (TMAs) on paper or online", ["marked_assignment"]),
        ("No assessment", ["none"]),
        ("Continuous assessment; partial exams.", ["written_examination", "continuous_evaluation"]),
        ("Avaliação contínua e teste final", ["written_examination", "continuous_evaluation"]),
        ("Klausur (90 Minuten)", ["written_examination"]),
        ("Mündliche Prüfung", ["oral_examination"]),
        ("Oral examination and a written exam", ["oral_examination", "written_examination"]),
        ("contrôle continu", ["continuous_evaluation"]),
        ("Portfolio and project work", ["portfolio", "project_work"]),
        ("Peer review of essays", ["peer_review", "marked_assignment"]),
        ("Multiple-choice quiz", ["quiz"]),
        ("Attendance only", ["level_of_attendance"]),
        ("Testing your creativity", []),
    ],
)
def test_assessment(text: str, codes: list[str]) -> None:
    assert parsing.parse_assessment(text) == codes


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("This micro-credential is stackable towards the MSc", "stackable"),
        ("Die Leistung ist anrechenbar auf den Master", "stackable"),
        ("May lead to a variety of qualifications", "stackable"),
        ("A module of the BSc Computing", "integrated"),
        ("A stand-alone course", "stand_alone"),
        ("A course about stacks", None),
    ],
)
def test_stackability(text: str, code: str | None) -> None:
    assert parsing.parse_stackability(text) == code


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Accredited by NVAO", [("external_programme", "NVAO")]),
        ("The university is reviewed by A3ES", [("external_institutional", "A3ES")]),
        ("Quality assured following the ESG", [("external_institutional", None)]),
        ("Great quality!", []),
    ],
)
def test_quality_assurance(text: str, found: list[tuple[str, str | None]]) -> None:
    assert parsing.parse_qa(text) == found


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Online proctored exam with photo ID check", "supervised_with_id_online"),
        ("Invigilated exam on campus; bring your identity card", "supervised_with_id_onsite"),
        ("Supervised exam", "supervised_no_id"),
        ("Unsupervised online quiz", "unsupervised_no_id"),
        ("Written exam", None),
    ],
)
def test_supervision(text: str, code: str | None) -> None:
    assert parsing.parse_supervision(text) == code


def test_clean_text_and_personal_email() -> None:
    assert parsing.clean_text("<p>Data &amp; AI</p>\r\n<p>for   all</p>") == "Data & AI\nfor all"
    assert parsing.is_personal_email("jane.doe@uni.example") and parsing.is_personal_email("mailto:j_doe@x.eu")
    assert not parsing.is_personal_email("info@uni.example")
    assert not parsing.is_personal_email("weiterbildung@hs.example")


# ---- properties: no input crashes a parser; every output is valid or empty -------------------------

MODES = set(schemes.SCHEMES["mode"])
TEXT = st.text(max_size=300) | st.sampled_from(
    ["5 ECTS", "3–6 ECTS", "PT60H", "P4M", "1 Aug 2012", "UK fee: GBP155.00", "€ 1.250,00", "Level 6", "0613"]
).flatmap(lambda seed: st.builds(lambda a, b: a + seed + b, st.text(max_size=20), st.text(max_size=20)))


# No deadline: a test never holds a wall-clock threshold (the first example loads reference tables).
@settings(max_examples=300, deadline=None)
@given(TEXT, st.sampled_from([None, "SE", "DE", "NL", "IT"]))
def test_text_parsers_answer_valid_values_or_nothing(text: str, country: str | None) -> None:
    credits = parsing.parse_credits(text, country)
    if credits is not None:
        values = credits.value if isinstance(credits.value, tuple) else (credits.value,)
        assert all(0 < v <= 400 for v in values) and isinstance(credits.is_ects, bool)
    workload = parsing.parse_workload(text)
    if workload is not None:
        assert all(1 <= v <= 3000 for v in (workload if isinstance(workload, tuple) else (workload,)))
    duration = parsing.parse_duration(text)
    if duration is not None:
        assert parsing.parse_iso_duration(duration.iso) is not None
    for price in parsing.parse_prices(text):
        assert price.amount >= 0 and schemes.currency_code(price.currency) == price.currency
    assert all(len(c) == 2 for c in parsing.parse_languages(text))
    assert all(len(c) == 2 and c.isupper() for c in parsing.parse_countries(text))
    assert parsing.parse_qf_ehea_cycle(text) in (None, *schemes.QF_EHEA_CYCLES)
    assert parsing.parse_schedule(text) in (None, *schemes.SCHEMES["schedule"])
    assert set(parsing.parse_assessment(text)) <= set(schemes.ASSESSMENT_TYPES)
    assert parsing.parse_stackability(text) in (None, *schemes.STACKABILITY)
    assert parsing.parse_supervision(text) in (None, *schemes.SUPERVISION)
    assert set(parsing.parse_modes(text)) <= MODES
    assert all(t in schemes.QA_TYPES for t, _ in parsing.parse_qa(text))
    day = parsing.parse_date(text)
    assert day is None or day.year >= 1950
    assert "<" not in parsing.clean_text(text) or "<" in text
    assert isinstance(parsing.is_personal_email(text), bool)


@given(st.text(max_size=8))
def test_isced_lookup_answers_a_real_code_or_nothing(text: str) -> None:
    from offerings.vocab.isced import isced_f_code

    assert isced_f_code(text) in (None, *ISCED_F)
