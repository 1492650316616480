"""The ELM code tables: every code has its EU URI, and every URI reads back as its code."""

from __future__ import annotations

import pytest

from offerings.vocab import schemes as v
from offerings.vocab.isced import ISCED_F, isced_f_code, isced_f_label


def test_isced_f_has_the_220_codes_of_the_classification() -> None:
    assert len(ISCED_F) == 220
    assert {"00", "0011", "0688", "0541", "1041", "99", "9999"} <= set(ISCED_F)
    # Single-detailed narrow fields have no "nfd"/"nec" codes; Education and ICT no broad ones.
    assert not {"0420", "0429", "010", "0100", "019", "060", "069", "0549", "0739"} & set(ISCED_F)
    assert isced_f_label("0613") == "Software and applications development and analysis"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("0613", "0613"),
        ("http://data.europa.eu/snb/isced-f/0688", "0688"),
        ("http://data.europa.eu/esco/isced-f/003", "003"),
        ("12345", None),
        ("0420", None),
        ("", None),
    ],
)
def test_isced_f_code(value: str, code: str | None) -> None:
    assert isced_f_code(value) == code


@pytest.mark.parametrize("scheme", sorted(v.SCHEMES))
def test_every_uri_reads_back_as_a_code_of_its_scheme(scheme: str) -> None:
    assert v.SCHEMES[scheme], scheme
    for code, (label, uri) in v.SCHEMES[scheme].items():
        assert label
        assert v.uri_for(scheme, code) == uri
        if uri:
            assert v.code_for(scheme, uri) in v.SCHEMES[scheme]
            assert v.uri_for(scheme, v.code_for(scheme, uri)) == uri


@pytest.mark.parametrize(
    ("scheme", "uri", "code"),
    [
        ("assessment", "http://data.europa.eu/snb/assessment/de4d165a6c", "artefact_assessment"),
        ("mode", "http://data.europa.eu/snb/learning-assessment/920fbb3cbe", "online"),
        ("mode", "https://data.europa.eu/snb/learning-assessment/e92d221e4d/", "blended"),
        ("schedule", "http://data.europa.eu/snb/learning-schedule/f230bae523", "part_time_intensive"),
        ("setting", "http://data.europa.eu/snb/learning-setting/e207a81fc7", "non_formal"),
        ("offering_type", "http://data.europa.eu/snb/learning-opportunity/74a4a268e8", "short_learning_programme"),
        ("accreditation", "http://data.europa.eu/snb/accreditation/820101cba6", "programme_qa"),
        ("credit_system", "http://data.europa.eu/snb/education-credit/6fcec5c5af", "ects"),
        ("eqf", "http://data.europa.eu/snb/eqf/6", "6"),
        ("supervision", "http://data.europa.eu/snb/supervision-verification/c598449d64", "unsupervised_no_id"),
        ("isced_f", "http://data.europa.eu/snb/isced-f/0541", "0541"),
        ("mode", "http://example.org/other", None),
        ("assessment", "written_examination", "written_examination"),
    ],
)
def test_code_for(scheme: str, uri: str, code: str | None) -> None:
    assert v.code_for(scheme, uri) == code


def test_the_fourteen_elm_assessment_types_have_uris() -> None:
    assert sum(1 for _, uri in v.ASSESSMENT_TYPES.values() if uri) == 14


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("EUR", "EUR"),
        ("eur", "EUR"),
        ("€", "EUR"),
        ("http://publications.europa.eu/resource/authority/currency/GBP", "GBP"),
        ("US Dollar", "USD"),
        ("Swiss Franc", "CHF"),
        ("zł", "PLN"),
        ("doubloons", None),
        ("", None),
    ],
)
def test_currency_code(value: str, code: str | None) -> None:
    assert v.currency_code(value) == code


def test_nal_uris_and_cycles() -> None:
    assert v.language_nal_uri("de") == "http://publications.europa.eu/resource/authority/language/DEU"
    assert v.country_nal_uri("GR") == "http://publications.europa.eu/resource/authority/country/GRC"
    assert v.currency_uri("EUR") == "http://publications.europa.eu/resource/authority/currency/EUR"
    assert [v.cycle_for_eqf(n) for n in (4, 5, 6, 7, 8)] == [None, "short_cycle", "first", "second", "third"]
    assert v.eqf_for_cycle("second") == 7 and v.eqf_for_cycle(None) is None
