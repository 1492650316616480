"""Issue 14: values stated outside the usual elements, national credit units weighed by evidence, the
issuer country inferred with its basis, the notations HEIs write, and control characters removed."""

from __future__ import annotations

import json
from datetime import date

import pytest

from offerings.crosswalks import SourceContext, SourceRecord, crosswalk_for
from offerings.text import parsing, xml
from offerings.vocab import evidence

DC = (
    '<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/">{}</oai_dc:dc>'
)


def _oai(body: str, *, country: str | None = None, name: str | None = None):
    record = SourceRecord(identifier="r1", payload=DC.format(body).encode(), datestamp="2026-11-02")
    return crosswalk_for("oai_dc").normalise(record, SourceContext(source_id="s", country=country, name=name)).offering


def test_eqf_in_dc_type_is_read_with_its_element() -> None:
    offering = _oai("<dc:title>Data literacy</dc:title><dc:type>Micro-credential; EQF level 6</dc:type>")
    assert offering.eqf_level == 6
    assert offering.field_provenance["eqf_level"].source_path == "dc:type"


def test_credits_in_dc_subject_in_a_national_unit_are_inferred_from_the_language() -> None:
    offering = _oai(
        "<dc:title>Wasserstofftechnik</dc:title><dc:subject>5 LP</dc:subject><dc:language>ger</dc:language>"
    )
    assert offering.ects_credits == 5
    prov = offering.field_provenance["ects_credits"]
    assert prov.method == "inferred" and prov.confidence < 0.8 and prov.source_path.startswith("dc:subject")
    assert "de" in prov.source_path


def test_english_credits_without_a_country_stay_empty() -> None:
    offering = _oai(
        "<dc:title>Ethics</dc:title><dc:description>3 credits.</dc:description><dc:language>eng</dc:language>"
    )
    assert offering.ects_credits is None
    irish = _oai("<dc:title>Ethics</dc:title><dc:description>3 credits.</dc:description>", country="IE")
    assert irish.ects_credits == 3


@pytest.mark.parametrize(
    ("identifier", "country", "basis"),
    [
        ("<dc:identifier>erasmus:D  NORDHEI01</dc:identifier>", "DE", "provider.ids.erasmus_code"),
        ("<dc:identifier>https://www.uni-x.fi/c/1</dc:identifier>", "FI", "record_url (country-code domain)"),
        ("<dc:identifier>https://www.uni-x.eu/c/1</dc:identifier>", None, None),
    ],
)
def test_the_issuer_country_is_inferred_with_its_basis(identifier: str, country: str | None, basis: str) -> None:
    offering = _oai(f"<dc:title>Kurs</dc:title><dc:publisher>Universität X</dc:publisher>{identifier}")
    assert (offering.issuer_country or [None])[0] == country
    if basis:
        prov = offering.field_provenance["issuer_country"]
        assert prov.method == "inferred" and prov.source_path == basis


def test_control_characters_are_removed_at_parse_time() -> None:
    offering = _oai("<dc:title>Ku\x00rs\x0b X</dc:title>")
    assert offering.title == {"und": "Kurs X"}
    assert xml.parse_clean(b"<a>x\x00y&#1;</a>").text == "xy"
    with pytest.raises(xml.XmlError):
        xml.parse(b"<a>x\x00y</a>")  # the strict parse stays strict: the OAI client counts what it strips
    course = {"@context": "https://schema.org/", "@type": "Course", "name": "Ku\u0000rs X"}
    record = SourceRecord(identifier="c", payload=json.dumps(course).encode())
    assert crosswalk_for("schema_org").normalise(record, SourceContext(source_id="s")).offering.title == {
        "und": "Kurs X"
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Beginn: 11.10.2027", date(2027, 10, 11)),
        ("Inizio: 11/10/2027", date(2027, 10, 11)),  # day first
        ("Starts October 2027", date(2027, 10, 1)),
        ("Beginn: WS 2027/28", date(2027, 10, 1)),
        ("Start: SoSe 2028", date(2028, 4, 1)),
        ("Alkaa 3.2.2028", date(2028, 2, 3)),
        ("Inicio: 11 de octubre de 2027", date(2027, 10, 11)),
        ("Dauer: 6 Wochen", None),
    ],
)
def test_start_dates(text: str, expected: date | None) -> None:
    assert parsing.parse_start_date(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Anmeldeschluss: 15.09.2027", date(2027, 9, 15)),
        ("Inscriptions jusqu'au 15/09/2027", date(2027, 9, 15)),
        ("Sista anmälningsdag: 2027-09-15", date(2027, 9, 15)),
        ("Termin zgłoszeń: 1.9.2027", date(2027, 9, 1)),
        ("Beginn: 15.09.2027", None),
    ],
)
def test_deadlines(text: str, expected: date | None) -> None:
    assert parsing.parse_deadline(text) == expected
    assert parsing.parse_end_date("Anmeldung bis 15.09.2027") is None  # the end of applying, not of the course


@pytest.mark.parametrize(
    ("text", "price", "free"),
    [
        ("Gebühr: € 360,-", (360.0, "EUR"), False),
        ("Kosten: 360 EUR", (360.0, "EUR"), False),
        ("Opłata: 95 zł", (95.0, "PLN"), False),
        ("Teilnahme kostenlos", None, True),
        ("Frais : gratuit", None, True),
        ("Koulutus on maksuton.", None, True),
        ("Kurs jest bezpłatny.", None, True),
    ],
)
def test_prices(text: str, price: tuple[float, str] | None, free: bool) -> None:
    assert parsing.parse_price(text) == price
    assert parsing.says_free(text) is free


def test_a_national_framework_level_is_not_an_eqf_level() -> None:
    assert parsing.parse_eqf("NFQ Level 8 (Ireland)") is None
    assert parsing.parse_eqf("EQF-taso 6") == 6
    assert parsing.parse_eqf("poziom ERK 5") == 5


def test_assessment_is_read_from_sentences_about_assessment() -> None:
    topic = _oai("<dc:title>Projektledning</dc:title><dc:description>En kort kurs om projektledning.</dc:description>")
    assert topic.assessment_types == []
    stated = _oai("<dc:title>Kurs</dc:title><dc:description>Prüfungsform: Portfolio.</dc:description>")
    assert stated.assessment_types == ["portfolio"]


def test_evidence_tables() -> None:
    assert evidence.country_of_erasmus("SF HELSINK01") == "FI"
    assert evidence.country_of_erasmus("IRLDUBLIN01") == "IE"
    assert evidence.country_of_erasmus("DATA10") is None  # a course code, not an Erasmus code
    assert evidence.country_of_domain("https://www.x.ac.uk/") == "GB"
    assert evidence.country_of_domain("https://x.io/") is None
    assert evidence.unit_is_ects("credits", language="fr") and not evidence.unit_is_ects("credits", language="en")


def test_a_polish_fee_in_zloty_is_read_in_every_price_list() -> None:
    # XCRI's mlo:cost goes through parse_prices (every price with its label): "zł" is PLN there too.
    assert [(p.amount, p.currency) for p in parsing.parse_prices("Opłata: 95 zł")] == [(95.0, "PLN")]


def test_an_erasmus_code_whose_padding_a_feed_collapsed_still_names_the_country() -> None:
    feed = (
        '<catalog xmlns="http://xcri.org/profiles/1.2/catalog" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:mlo="http://purl.org/net/mlo"><provider><dc:title>Politecnico di Valfiora</dc:title>'
        "<dc:identifier>I  VALFIOR02</dc:identifier><course><dc:identifier>c1</dc:identifier>"
        "<dc:title>Didattica digitale</dc:title></course></provider></catalog>"
    )
    record = SourceRecord(identifier="c1", payload=feed.encode())
    offering = crosswalk_for("xcri_cap")(record, SourceContext(source_id="x"))
    assert offering.issuer_country == ["IT"]
    assert offering.field_provenance["issuer_country"].source_path == "provider.ids.erasmus_code"
    # An identifier that merely looks alike, with no country letter a code uses, names nothing.
    assert evidence.country_of_erasmus("Q XYZ12") is None
