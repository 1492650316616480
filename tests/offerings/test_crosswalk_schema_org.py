"""The schema.org Course crosswalk: goldens over every official example (tests/data/samples), then each rule of §3.2."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from offerings.crosswalks import CROSSWALKS, SourceContext, SourceRecord, crosswalk_for
from offerings.errors import CrosswalkError
from offerings.model import Offering, make_record_id

to_offering = crosswalk_for("schema_org")
# The page each example was marked up from (tests/data/samples/README.md).
PAGES = {
    "eg-0332": "https://www.coursera.org/course/datascitoolbox",
    "eg-0333": "http://www.fife.ac.uk/student/courses/course/HCACC",
    "eg-0334": "http://www.train4publishing.co.uk/courses/distance-learning/basic-proofreading",
    "eg-0335": "http://www.fife.ac.uk/student/courses/course/HCACC",
    "eg-0336": "http://www.train4publishing.co.uk/courses/distance-learning/basic-proofreading",
    "eg-0337": "https://www.coursera.org/course/datascitoolbox",
    "eg-0338": "http://search.ucas.com/course/summary/463149/physics",
}


def _sample(samples: Path, example: str, **context: Any) -> Offering:
    path = next((samples / "schema-org").glob(f"{example}-*.jsonld"))
    record = SourceRecord(identifier=PAGES[example], payload=path.read_bytes(), url=PAGES[example])
    return to_offering(record, SourceContext(source_id="s", **context))


def _course(data: dict[str, Any], url: str = "https://uni.example/courses/ethics", **context: Any) -> Offering:
    payload = json.dumps({"@context": "https://schema.org", "@type": "Course", "name": "Data ethics", **data})
    return to_offering(
        SourceRecord(identifier=url, payload=payload.encode(), url=url), SourceContext(source_id="s", **context)
    )


def test_every_sample_is_covered(samples: Path) -> None:
    assert {p.name[:7] for p in (samples / "schema-org").glob("*.jsonld")} == set(PAGES)
    assert "schema_org" in CROSSWALKS


def test_eg_0332_has_no_name_and_is_refused(samples: Path) -> None:
    with pytest.raises(CrosswalkError) as caught:
        _sample(samples, "eg-0332")
    assert str(caught.value) == "Course has no name" and caught.value.field == "name"


def test_eg_0333_fife_three_instances(samples: Path) -> None:
    offering = _sample(samples, "eg-0333", name="Fife College", country="GB", extra={"page_language": "en-GB"})
    page = PAGES["eg-0333"]
    # "@id": "./" means this page, so the id and the landing page are the page itself.
    assert offering.original_identifier == page and offering.record_url == page
    assert offering.record_id == make_record_id("s", page)
    assert offering.title == {"en": "HNC Accounting"} and offering.default_language == "en"
    assert offering.description == {
        "en": "This course is designed for those wishing to take up a career in Accounting and Financial "
        "Administration within a range of organisations...."
    }
    assert [(i.start_date, i.end_date, i.location) for i in offering.instances] == [
        (date(2016, 8, 31), date(2017, 6, 21), "St Brycedale Campus Kirkcaldy"),
        (date(2016, 8, 29), date(2017, 6, 23), "Halbeath Campus Dunfermline"),
        (date(2016, 8, 29), date(2017, 6, 23), "St Brycedale Campus Kirkcaldy"),
    ]
    assert offering.learning_schedule is None  # part-time and full-time runs: no one schedule for the offering
    # A campus name is no declared mode, but runs held at a campus are on site: parsed, not declared (issue 14).
    assert offering.mode == ["onsite"] and offering.field_provenance["mode"].method == "parsed"
    assert [p.name for p in offering.provider] == [{"en": "Fife College"}]
    assert offering.field_provenance["provider"].method == "inferred"
    assert offering.issuer_country == ["GB"] and offering.field_provenance["issuer_country"].method == "inferred"


def test_eg_0334_train4publishing_prices_per_instance(samples: Path) -> None:
    offering = _sample(samples, "eg-0334")
    assert offering.title == {"und": "Basic Proofreading"} and offering.default_language is None
    assert offering.original_identifier == PAGES["eg-0334"]
    assert offering.mode == ["online"]  # "distance learning" and "Online"; "Posted" is not a mode
    assert [[(p.amount, p.currency) for p in i.price] for i in offering.instances] == [
        [(395.0, "GBP")],
        [(440.0, "GBP")],
    ]
    assert offering.price == [] and offering.is_free is None
    assert offering.description["und"].startswith("The distance learning training course that takes you from")


@pytest.mark.parametrize("name", ["eg-0335", "eg-0336"])
def test_credential_awarded_as_text(samples: Path, name: str) -> None:
    offering = _sample(samples, name)
    assert offering.credential_type == "certificate"
    assert offering.field_provenance["credential_type"].method == "parsed"
    assert offering.ects_credits is None and offering.instances == []


def test_eg_0337_coursera_provider_and_seller(samples: Path) -> None:
    offering = _sample(samples, "eg-0337")
    assert offering.main_title == "The Data Scientist's Toolbox"
    assert [p.name["und"] for p in offering.provider] == ["Johns Hopkins University", "Coursera"]
    assert [a.name["und"] for a in offering.awarding_body] == ["Johns Hopkins University"]  # the seller awards nothing
    assert offering.field_provenance["awarding_body"].method == "inferred"
    assert offering.offering_type == ["course", "mooc"] and offering.mode == ["online"]
    assert offering.is_free is True  # price "0"
    assert len(offering.instances) == 1 and offering.instances[0].price == []  # no currency: no fee invented
    assert "Jeff Leek" not in json.dumps(offering.to_dict())  # instructors are people: never stored


def test_eg_0338_ucas_provider_url_resolved(samples: Path) -> None:
    offering = _sample(samples, "eg-0338")
    assert offering.main_title == "Physics"
    [provider] = offering.provider
    assert provider.name == {"und": "University of Bristol"}
    assert provider.homepage == "http://search.ucas.com/provider/324/university-of-bristol"
    assert offering.issuer_country == []  # nothing says where Bristol is, and nothing is guessed


def test_a_rich_european_course() -> None:
    offering = _course(
        {
            "name": {"@value": "Data-etik", "@language": "sv"},
            "inLanguage": [{"@type": "Language", "name": "Swedish", "alternateName": "sv"}, "en-GB"],
            "url": "/en/course/data-ethics",
            "numberOfCredits": {"@type": "StructuredValue", "value": "7,5", "unitText": "hp"},
            "provider": {
                "@type": "CollegeOrUniversity",
                "name": "Lunds universitet",
                "address": {"@type": "PostalAddress", "addressCountry": {"@type": "Country", "name": "Sweden"}},
                "sameAs": ["https://ror.org/012a77v79"],
            },
            "educationalLevel": {"@type": "DefinedTerm", "@id": "http://data.europa.eu/snb/eqf/6", "name": "EQF 6"},
            "timeRequired": "PT200H",
            "teaches": [
                {
                    "@type": "DefinedTerm",
                    "name": "use spreadsheet software",
                    "@id": "http://data.europa.eu/esco/skill/1973c966",
                },
                "Explain the GDPR",
            ],
            "about": [
                {"@type": "DefinedTerm", "termCode": "0688", "inDefinedTermSet": "http://data.europa.eu/snb/isced-f/"}
            ],
            "keywords": "data, ethics; law",
            "coursePrerequisites": [
                "Basic statistics",
                {"@type": "AlignmentObject", "targetName": "A bachelor degree"},
            ],
            "dateModified": "2027-01-05",
            "hasCourseInstance": {
                "@type": "CourseInstance",
                "eventAttendanceMode": "https://schema.org/MixedEventAttendanceMode",
                "startDate": "2027-02-01",
                "endDate": "2027-04-11",
                "location": {"@type": "Place", "name": "Campus Lund", "address": {"addressLocality": "Lund"}},
                "offers": {"@type": "AggregateOffer", "lowPrice": "1250", "priceCurrency": "SEK"},
            },
            "educationalCredentialAwarded": {
                "@type": "EducationalOccupationalCredential",
                "name": "Micro-credential in data ethics",
                "credentialCategory": "micro-credential",
                "recognizedBy": {"@type": "Organization", "name": "UKÄ"},
                "offers": {
                    "@type": "Offer",
                    "offeredBy": {
                        "@type": "CollegeOrUniversity",
                        "name": "LU Uppdragsutbildning",
                        "address": {"addressCountry": "SE"},
                    },
                },
            },
        }
    )
    assert offering.record_url == "https://uni.example/en/course/data-ethics" == offering.original_identifier
    assert offering.title == {"sv": "Data-etik"} and offering.languages_of_instruction == ["sv", "en"]
    assert offering.ects_credits == 7.5 and offering.workload_basis == "declared_ects"  # hp counts: provider is in SE
    assert offering.workload_hours == 200 and offering.eqf_level == 6
    assert offering.field_provenance["eqf_level"].method == "declared"
    assert offering.provider[0].ids == {"ror": "https://ror.org/012a77v79"} and offering.provider[0].country == "SE"
    assert [a.name["sv"] for a in offering.awarding_body] == ["LU Uppdragsutbildning"]
    assert offering.field_provenance["awarding_body"].method == "declared" and offering.issuer_country == ["SE"]
    assert offering.credential_type == "micro_credential"
    assert [(q.type, q.description) for q in offering.quality_assurance] == [
        ("professional_recognition", {"sv": "Recognised by UKÄ"})
    ]
    assert [(lo.text, lo.esco_skills) for lo in offering.learning_outcomes] == [
        ({"sv": "use spreadsheet software"}, ["http://data.europa.eu/esco/skill/1973c966"]),
        ({"sv": "Explain the GDPR"}, []),
    ]
    assert offering.isced_f == ["0688"] and offering.subjects == ["data", "ethics", "law"]
    assert offering.prerequisites == {"sv": "Basic statistics; A bachelor degree"}
    assert offering.source_last_modified == "2027-01-05" and offering.mode == ["blended"]
    [instance] = offering.instances
    assert (instance.start_date, instance.end_date, instance.location) == (
        date(2027, 2, 1),
        date(2027, 4, 11),
        "Campus Lund, Lund",
    )
    assert [(p.amount, p.currency) for p in instance.price] == [(1250.0, "SEK")]


@pytest.mark.parametrize(
    ("credits", "country", "expected", "method"),
    [
        ({"@type": "StructuredValue", "value": 5, "unitText": "ECTS"}, None, 5.0, "declared"),
        (6, None, None, None),  # a bare integer is never assumed to be ECTS
        ({"@type": "StructuredValue", "value": "7,5", "unitText": "hp"}, None, None, None),  # hp only counts in SE
        ({"@type": "StructuredValue", "value": "Ongoing", "unitText": "ECTS"}, None, None, None),
        ("3-6 ECTS", None, 6.0, "parsed"),
        ({"@type": "StructuredValue", "value": 10, "unitText": "EC"}, "NL", 10.0, "declared"),
    ],
)
def test_number_of_credits(credits: Any, country: str | None, expected: float | None, method: str | None) -> None:
    offering = _course({"numberOfCredits": credits}, country=country)
    assert offering.ects_credits == expected
    assert (offering.field_provenance["ects_credits"].method if expected else None) == method


def test_ects_named_in_the_credential_or_description_is_parsed() -> None:
    offering = _course({"educationalCredentialAwarded": "Certificate (5 ECTS)"})
    assert (
        offering.ects_credits == 5
        and offering.field_provenance["ects_credits"].source_path == "educationalCredentialAwarded"
    )
    offering = _course({"description": "<p>A module of <b>3&nbsp;ECTS</b> credits.</p>"})
    assert offering.ects_credits == 3 and offering.description == {"und": "A module of 3 ECTS credits."}


@pytest.mark.parametrize(
    ("level", "expected"),
    [("EQF level 7", 7), ("http://data.europa.eu/snb/eqf/4", 4), ("Level 6", None), ("Beginner", None)],
)
def test_educational_level(level: str, expected: int | None) -> None:
    assert _course({"educationalLevel": level}).eqf_level == expected


def test_workload_and_schedule_from_instances() -> None:
    weekly = _course(
        {
            "hasCourseInstance": {
                "courseWorkload": "3 hours per week",
                "startDate": "2027-01-04",
                "endDate": "2027-03-14",
            }
        }
    )
    assert weekly.workload_hours == 30 and weekly.field_provenance["workload_hours"].method == "parsed"
    paced = _course(
        {"hasCourseInstance": [{"courseWorkload": "Self-paced", "courseMode": "ONLINE"}], "timeRequired": "P10W"}
    )
    assert paced.learning_schedule == "self_paced" and paced.workload_hours is None and paced.mode == ["online"]
    assert _course({"hasCourseInstance": {"courseMode": "Full-time"}}).learning_schedule == "full_time"


def test_offers_and_free() -> None:
    assert _course({"isAccessibleForFree": True}).is_free is True
    assert _course({"offers": {"@type": "Offer", "category": "Free"}}).is_free is True
    euro = _course({"offers": {"@type": "Offer", "price": "€ 1.250,00"}})
    assert [(p.amount, p.currency) for p in euro.price] == [(1250.0, "EUR")] and euro.is_free is None
    virtual = _course({"hasCourseInstance": {"location": {"@type": "VirtualLocation", "url": "https://meet.example"}}})
    assert virtual.instances[0].location == "online"


def test_iri_keys_are_read() -> None:
    payload = {
        "@type": "https://schema.org/Course",
        "https://schema.org/name": [{"@value": "Kurs", "@language": "de"}],
        "schema:provider": {"@type": "schema:CollegeOrUniversity", "schema:name": "Hochschule"},
    }
    record = SourceRecord(
        identifier="https://h.example/k", payload=json.dumps(payload).encode(), url="https://h.example/k"
    )
    offering = to_offering(record, SourceContext(source_id="s"))
    assert offering.title == {"de": "Kurs"} and offering.provider[0].name == {"de": "Hochschule"}


@pytest.mark.parametrize(
    ("payload", "field"),
    [(b"{not json", "payload"), (b'{"@type": "Event", "name": "Open day"}', "@type"), (b"[1, 2]", "@type")],
)
def test_what_is_not_a_course_is_refused(payload: bytes, field: str) -> None:
    with pytest.raises(CrosswalkError) as caught:
        to_offering(SourceRecord(identifier="x", payload=payload), SourceContext(source_id="s"))
    assert caught.value.field == field


def test_a_deleted_record_is_a_tombstone() -> None:
    offering = to_offering(SourceRecord(identifier="https://uni.example/c", deleted=True), SourceContext(source_id="s"))
    assert offering.deleted and offering.record_id == make_record_id("s", "https://uni.example/c")


def test_a_run_at_a_named_campus_is_on_site_and_a_stated_mode_wins() -> None:
    # Fife College's HNC (schema.org eg-0333): no courseMode but a campus, so on site (issue 14, real records).
    offering = _course(
        {"hasCourseInstance": [{"@type": "CourseInstance", "location": "St Brycedale Campus Kirkcaldy"}]}
    )
    assert offering.mode == ["onsite"]
    assert offering.field_provenance["mode"].method == "parsed"
    stated = _course(
        {"hasCourseInstance": [{"@type": "CourseInstance", "courseMode": "online", "location": "Main Campus"}]}
    )
    assert stated.mode == ["online"]
    assert _course({"hasCourseInstance": [{"@type": "CourseInstance", "location": "Kirkcaldy"}]}).mode == []
