"""The format crosswalks beyond their golden files: rejections with reasons, tombstones, inference marks,
and that no input whatsoever makes a crosswalk raise anything but CrosswalkError."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from offerings.crosswalks import CROSSWALKS, SourceContext, SourceRecord, catalogue
from offerings.errors import CrosswalkError, FeedError
from offerings.quality import assess

CONTEXT = SourceContext(source_id="t", name="Test University", country="NL")
FORMATS = ["oai_dc", "xcri_cap", "ewp_courses", "elm_loq", "elm_jsonld", "ctdl"]
XCRI = (
    '<catalog xmlns="http://xcri.org/profiles/1.2/catalog" xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:mlo="http://purl.org/net/mlo" xmlns:credit="http://purl.org/net/cm">{}</catalog>'
)


def _record(payload: bytes | str, identifier: str = "r1") -> SourceRecord:
    return SourceRecord(identifier=identifier, payload=payload.encode() if isinstance(payload, str) else payload)


@pytest.mark.parametrize(
    ("format_name", "payload", "field"),
    [
        ("xcri_cap", b"<catalog", "metadata"),
        ("xcri_cap", b'<x xmlns="urn:other"/>', "metadata"),
        ("xcri_cap", XCRI.format("<provider><course><dc:identifier>c</dc:identifier></course></provider>"), "title"),
        ("ewp_courses", b"not xml", "metadata"),
        ("ewp_courses", XCRI.format(""), "metadata"),
        ("elm_loq", b'<Courses xmlns="http://data.europa.eu/snb/model/ap/loq-constraints/"/>', "learningOpportunity"),
        ("elm_jsonld", b"{", "metadata"),
        ("elm_jsonld", json.dumps({"type": ["VerifiableCredential"]}), "type"),
        ("elm_jsonld", json.dumps({"id": "x", "type": "LearningOpportunity"}), "title"),
        ("ctdl", json.dumps({"@type": "ceterms:Organization", "ceterms:name": "X"}), "@type"),
        ("ctdl", json.dumps({"@type": "ceterms:Course", "@id": "c"}), "name"),
    ],
)
def test_malformed_records_are_rejected_with_a_reason(format_name: str, payload: bytes | str, field: str) -> None:
    with pytest.raises(CrosswalkError) as caught:
        CROSSWALKS[format_name](_record(payload), CONTEXT)
    assert caught.value.field == field


def test_records_breaking_an_error_rule_are_rejected() -> None:
    course = (
        "<provider><dc:title>U</dc:title><course><dc:identifier>c</dc:identifier><dc:title>Big degree</dc:title>"
        "<mlo:credit><credit:scheme>ECTS</credit:scheme><credit:value>180</credit:value></mlo:credit>"
        "</course></provider>"
    )
    with pytest.raises(CrosswalkError, match="V8 ects_credits: more than 60") as caught:
        CROSSWALKS["xcri_cap"](_record(XCRI.format(course)), CONTEXT)
    assert caught.value.field == "ects_credits"


@pytest.mark.parametrize("format_name", FORMATS)
def test_a_deleted_record_is_a_tombstone(format_name: str) -> None:
    offering = CROSSWALKS[format_name](SourceRecord(identifier="gone", deleted=True), CONTEXT)
    assert offering.deleted and offering.record_id.startswith("t:")


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(FORMATS), st.binary(max_size=400) | st.text(max_size=400).map(str.encode))
def test_no_bytes_make_a_crosswalk_raise_anything_but_crosswalk_error(format_name: str, payload: bytes) -> None:
    try:
        CROSSWALKS[format_name](_record(payload), CONTEXT)
    except CrosswalkError:
        pass


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "id",
                    "type",
                    "title",
                    "mode",
                    "creditPoint",
                    "learningAchievementSpecification",
                    "providedBy",
                    "temporal",
                    "priceDetail",
                    "ceterms:name",
                    "@type",
                    "ceterms:estimatedCost",
                    "homepage",
                    "eqfLevel",
                    "learningOutcome",
                    "en",
                    "@id",
                    "value",
                ]
            ),
            children,
            max_size=5,
        )
    ),
    max_leaves=25,
)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(JSON, st.sampled_from(["LearningOpportunity", "ceterms:Course"]))
def test_no_json_shape_makes_the_json_crosswalks_crash(data: object, kind: str) -> None:
    node = {
        "id": "r1",
        "@id": "r1",
        "type": kind,
        "@type": kind,
        "title": {"en": "A course"},
        "ceterms:name": {"en": "A course"},
        "extra": data,
    }
    if isinstance(data, dict):
        node.update(data)
    for format_name in ("elm_jsonld", "ctdl"):
        try:
            offering = CROSSWALKS[format_name](_record(json.dumps(node)), CONTEXT)
        except CrosswalkError:
            continue
        assess(offering)
    for document in (data, [node], {"@graph": [node, data]}):
        parsed = catalogue.parse(json.dumps(document).encode())
        for record in catalogue.split(parsed) if parsed else []:
            try:
                CROSSWALKS[parsed.format](record, CONTEXT) if parsed.format in CROSSWALKS else None
            except CrosswalkError:
                pass


@settings(max_examples=150)
@given(st.binary(max_size=300) | st.sampled_from([b"<catalog", b"{", b"[1,", b"<x/>", b"\xef\xbb\xbf<a/>"]))
def test_documents_refuse_garbage_with_feed_error_only(content: bytes) -> None:
    try:
        parsed = catalogue.parse(content)
    except FeedError:
        return
    for record in catalogue.split(parsed) if parsed else []:
        assert record.identifier


def test_xcri_inferences_are_marked(samples: Path) -> None:
    document = catalogue.parse((samples / "xcri-cap" / "ou-example.xml").read_bytes())
    assert document is not None
    a174 = CROSSWALKS["xcri_cap"](next(catalogue.split(document)), SourceContext(source_id="ou", country="GB"))
    # SCQF 10 credits → 5 ECTS, converted (never declared); the OU's own scheme stays as it is.
    assert a174.ects_credits is None and a174.ects_range == [5.0, 5.0]
    assert a174.workload_basis == "converted_from_hours"
    assert [(c.system, c.value, c.level) for c in a174.other_credits] == [
        ("The Open University", 10.0, "1"),
        ("SCQF", 10.0, "7"),
    ]
    assert a174.field_provenance["ects_range"].method == "inferred"
    assert a174.field_provenance["issuer_country"].method == "inferred"  # XCRI has no country: configuration
    assert assess(a174).core["M7 ECTS credits or workload"] == "parsed"


def test_xcri_interval_and_text_disagreeing_is_flagged(samples: Path) -> None:
    document = catalogue.parse((samples / "xcri-cap" / "wychwolf-moodle.xml").read_bytes())
    assert document is not None
    course = CROSSWALKS["xcri_cap"](next(catalogue.split(document)), SourceContext(source_id="w", country="GB"))
    assert course.instances[0].duration == "P4M"  # @interval="P4M" against "1 month (approx)"
    assert "instances.duration: @interval and the text disagree; @interval kept" in course.crosswalk_warnings
    assert course.is_free and course.assessment_types == ["none"]


def test_ewp_engagement_hours_are_contact_hours_not_workload(samples: Path) -> None:
    document = catalogue.parse((samples / "ewp-courses-api" / "response-example.xml").read_bytes())
    assert document is not None
    context = SourceContext(source_id="e", name="HEI", country="NO", extra={"hei_id": "hei.example.no"})
    course = CROSSWALKS["ewp_courses"](next(catalogue.split(document)), context)
    assert course.contact_hours == 60.0 and course.workload_hours is None
    assert course.ects_credits == 15.0 and course.qf_ehea_cycle == "first"
    assert course.provider[0].ids == {"schac": "hei.example.no"}


def test_ctdl_credential_requiring_the_course_gives_its_type() -> None:
    graph = {
        "@graph": [
            {"@id": "urn:c", "@type": "ceterms:Course", "ceterms:name": {"en-US": "Data literacy for managers"}},
            {
                "@id": "urn:m",
                "@type": "ceterms:MicroCredential",
                "ceterms:name": {"en-US": "Data literacy micro-credential"},
                "ceterms:requires": [
                    {"@type": "ceterms:ConditionProfile", "ceterms:targetLearningOpportunity": ["urn:c"]}
                ],
            },
        ]
    }
    document = catalogue.parse(json.dumps(graph).encode())
    assert document is not None and document.format == "ctdl"
    (record,) = catalogue.split(document)
    course = CROSSWALKS["ctdl"](record, CONTEXT)
    assert course.credential_type == "micro_credential" and course.is_micro_credential
    assert course.credential_title == {"en": "Data literacy micro-credential"}


def test_oai_dc_relations_identifiers_and_codes() -> None:
    payload = (
        '<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/">'
        "<dc:title>Klimaatadaptatie in de praktijk</dc:title><dc:language>nl</dc:language>"
        "<dc:subject>0521</dc:subject><dc:subject>2024</dc:subject>"
        "<dc:identifier>https://hs.example.nl/mc/klimaat</dc:identifier><dc:identifier>KL-101</dc:identifier>"
        "<dc:relation>https://hs.example.nl/mc/klimaat/syllabus.pdf</dc:relation>"
        "<dc:relation>https://hs.example.nl/master-water</dc:relation>"
        "<dc:description>3–6 EC, 84–168 uur. Toetsing: portfolio en mondeling examen. Deeltijd. "
        "Geaccrediteerd door NVAO.</dc:description>"
        "</oai_dc:dc>"
    )
    course = CROSSWALKS["oai_dc"](_record(payload, "oai:hs:1"), CONTEXT)
    assert course.isced_f == ["0521"] and "2024" in course.subjects
    assert [i.value for i in course.other_identifiers] == ["KL-101"]
    assert course.supplementary_documents == ["https://hs.example.nl/mc/klimaat/syllabus.pdf"]
    assert [p.url for p in course.part_of] == ["https://hs.example.nl/master-water"]
    assert course.ects_credits is None and course.ects_range == [3.0, 6.0]
    assert course.workload_range == [84.0, 168.0]
    assert course.assessment_types == ["oral_examination", "portfolio"]
    assert course.learning_schedule == "part_time"
    assert [(q.type, q.qa_body.name if q.qa_body else None) for q in course.quality_assurance] == [
        ("external_programme", {"und": "NVAO"})
    ]
    assert course.field_provenance["quality_assurance"].method == "parsed"
    assert assess(course).core["M11 quality assurance"] == "parsed"
