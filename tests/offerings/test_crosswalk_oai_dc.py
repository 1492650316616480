"""The oai_dc crosswalk over real records (tests/data/samples) and demo-shaped records."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from lxml import etree

from offerings.crosswalks import SourceContext, SourceRecord, crosswalk_for
from offerings.errors import CrosswalkError
from offerings.quality import assess

OAI = "{http://www.openarchives.org/OAI/2.0/}"
CONTEXT = SourceContext(source_id="test", name="Test University", country="NL")
to_offering = crosswalk_for("oai_dc")


def _dc(body: str, lang: str = "") -> bytes:
    return (
        '<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
        f'xmlns:dc="http://purl.org/dc/elements/1.1/">{body}</oai_dc:dc>'
    ).encode()


def test_skillscommons_record(samples: Path) -> None:
    payload = (samples / "oai_dc" / "skillscommons-taaccct-82-oai_dc.xml").read_bytes()
    record = SourceRecord(
        identifier="oai:www.skillscommons.org:taaccct/82", payload=payload, datestamp="2014-07-16T15:59:36Z"
    )
    offering = to_offering(record, SourceContext(source_id="sc"))
    assert offering.title == {"en": "WEL101: Allied Cutting Processes"}
    assert offering.languages_of_instruction == ["en"]
    # The publisher is the institution; the creator is a person and must not become the provider.
    assert [p.name["en"] for p in offering.provider] == ["Colorado Community College System"]
    assert offering.record_url == "http://taaccct.org/handle/taaccct/82"
    assert offering.offering_type == ["course"]
    assert "Welding" in offering.subjects and "blended learning" in offering.subjects
    assert offering.source_last_modified == "2014-07-16T15:59:36Z"
    # oai_dc says nothing of ECTS, EQF or country here: nothing is invented.
    assert offering.ects_credits is None and offering.eqf_level is None and offering.issuer_country == []
    assert offering.field_provenance["awarding_body"].method == "inferred"


def test_sickle_list_records_page(samples: Path) -> None:
    root = etree.parse(str(samples / "oai-pmh" / "sickle" / "ListRecords.xml")).getroot()
    outcomes = []
    for element in root.iter(f"{OAI}record"):
        header = element.find(f"{OAI}header")
        identifier = header.findtext(f"{OAI}identifier")
        deleted = header.get("status") == "deleted"
        metadata = element.find(f"{OAI}metadata")
        payload = etree.tostring(metadata[0]) if metadata is not None else b""
        offering = to_offering(SourceRecord(identifier=identifier, payload=payload, deleted=deleted), CONTEXT)
        outcomes.append((identifier, offering.deleted, offering.main_title))
    assert outcomes[0] == ("oai:test.example.com:1585310", True, "")
    assert all(title for _, deleted, title in outcomes if not deleted)
    assert len(outcomes) == 2


def test_dspace_records_with_deletes(samples: Path) -> None:
    root = etree.parse(str(samples / "oai-pmh" / "pyoai-dspace" / "fake2" / "00002.xml")).getroot()
    records = list(root.iter(f"{OAI}record"))
    offerings = []
    for element in records:
        header = element.find(f"{OAI}header")
        metadata = element.find(f"{OAI}metadata")
        offerings.append(
            to_offering(
                SourceRecord(
                    identifier=header.findtext(f"{OAI}identifier"),
                    payload=etree.tostring(metadata[0]) if metadata is not None else b"",
                    deleted=header.get("status") == "deleted",
                ),
                CONTEXT,
            )
        )
    assert len(offerings) == len(records) > 0
    assert all(o.record_id.startswith("test:") for o in offerings)


def test_facts_mined_from_description() -> None:
    payload = _dc(
        '<dc:title xml:lang="nl">Data-analyse met Python</dc:title>'
        "<dc:description>Leer data analyseren. 5 ECTS · EQF level 6 · Mode: online · Starts 2027-02-01 · "
        "Ends 2027-04-30 · Fee: EUR 450</dc:description>"
        "<dc:publisher>Hogeschool Zuiderzee</dc:publisher><dc:coverage>Netherlands</dc:coverage>"
        "<dc:language>nl</dc:language><dc:subject>data science; python</dc:subject><dc:subject>0613</dc:subject>"
        "<dc:identifier>https://www.hogeschool-zuiderzee.example/mc/1</dc:identifier><dc:type>Course</dc:type>"
    )
    offering = to_offering(SourceRecord(identifier="oai:x:1", payload=payload), CONTEXT)
    assert offering.title == {"nl": "Data-analyse met Python"}
    assert offering.ects_credits == 5.0 and offering.workload_basis == "parsed_text"
    assert offering.eqf_level == 6
    assert offering.mode == ["online"]
    assert offering.instances[0].start_date == date(2027, 2, 1)
    assert offering.instances[0].end_date == date(2027, 4, 30)
    assert offering.instances[0].price[0].amount == 450.0
    assert offering.issuer_country == ["NL"] and offering.provider[0].country == "NL"
    assert offering.subjects == ["data science", "python"] and offering.isced_f == ["0613"]
    assert offering.field_provenance["ects_credits"].method == "parsed"
    assert offering.field_provenance["issuer_country"].source_path == "dc:coverage"
    quality = assess(offering)
    assert "M7 ECTS credits or workload" not in quality.missing
    assert "M11 quality assurance" in quality.missing
    assert 0 < quality.score < 100 and quality.tier == "incomplete"


def test_country_falls_back_to_source_configuration() -> None:
    payload = _dc("<dc:title>Kurs</dc:title><dc:publisher>Hochschule Nord</dc:publisher>")
    offering = to_offering(SourceRecord(identifier="x", payload=payload), SourceContext(source_id="s", country="DE"))
    assert offering.issuer_country == ["DE"]
    assert offering.field_provenance["issuer_country"].method == "inferred"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (b"<not-closed>", "metadata"),
        (_dc("<dc:description>no title</dc:description>"), "title"),
        (b'<lom xmlns="http://ltsc.ieee.org/xsd/LOM"/>', "metadata"),
        (b'<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>', "metadata"),
    ],
)
def test_broken_records_are_rejected_with_a_reason(payload: bytes, field: str) -> None:
    with pytest.raises(CrosswalkError) as caught:
        to_offering(SourceRecord(identifier="bad", payload=payload), CONTEXT)
    assert caught.value.field == field


def test_deleted_record_is_a_tombstone() -> None:
    offering = to_offering(SourceRecord(identifier="gone", deleted=True), CONTEXT)
    assert offering.deleted and offering.record_id.startswith("test:")


def test_a_publication_is_not_mined_for_course_facts() -> None:
    """A repository's papers (dc:type Working Paper, Article …) describe research: "a small test case" is no
    written examination, "default-free interest rates" no free course (issue 14, the real EUR records)."""
    text = (
        "<dc:title>Pricing default swaps: empirical evidence</dc:title><dc:type>{type}</dc:type>"
        "<dc:description>We test the model on 5 years of data, with default-free interest rates, "
        "starting 01.10.2027. Assessment: a written exam.</dc:description>"
    )
    paper = to_offering(SourceRecord(identifier="r", payload=_dc(text.format(type="Working Paper"))), CONTEXT)
    assert paper.assessment_types == [] and paper.is_free is None and paper.instances == []
    assert "dc:type: a publication, not a course; its text was not mined" in paper.crosswalk_warnings
    course = to_offering(SourceRecord(identifier="r", payload=_dc(text.format(type="Course"))), CONTEXT)
    assert course.assessment_types == ["written_examination"] and course.instances


def test_a_person_named_as_publisher_is_no_provider() -> None:
    body = "<dc:title>Journalistiek en Geschiedenis</dc:title><dc:publisher>Rooijen, M. van</dc:publisher>"
    offering = to_offering(SourceRecord(identifier="r", payload=_dc(body)), CONTEXT)
    assert [p.name for p in offering.provider] == [{"und": "Test University"}]
    erim = "Erasmus Research Institute of Management (ERIM), Erasmus University Rotterdam"
    body = f"<dc:title>X studies</dc:title><dc:publisher>{erim}</dc:publisher>"
    offering = to_offering(SourceRecord(identifier="r", payload=_dc(body)), CONTEXT)
    assert list(offering.provider[0].name.values()) == [erim]
