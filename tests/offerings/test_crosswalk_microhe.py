"""The MicroHE crosswalk (docs/normalisation.md §3.6): every row of the table, detection, and rejections.

There is no MicroHE sample in tests/data/samples. ``tests/data/microhe/uniz-digital-content-creation.jsonld``
is CONSTRUCTED by hand for these tests, using only the properties §1.2 and §3.6 name. The values are
realistic but invented (a fictional University of Zed). The ESCO skills and the RQF level are the ones
the Commission's Annex I sample uses. Two things the draft does not name had to be chosen: the
``microhe`` namespace IRI (the crosswalk matches ``microhe:`` terms by prefix, whatever the IRI), and
how the "awarding activity with country/region" is written (``microhe:AwardingActivity`` holding the
``microhe:AwardingBody`` and a ``dcterms:spatial`` place).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from config import Settings
from harvesters.base import HarvestReport
from harvesters.feed import FeedHarvester
from microcred.demo.server import serve
from offerings.crosswalks import CROSSWALKS, SourceContext, SourceRecord, catalogue
from offerings.errors import CrosswalkError
from offerings.model import Offering
from offerings.store import Source, Store
from tests.harvesters.test_feed import CatalogueApp, Document
from tests.offerings.test_golden import _compare, _normalised

RECORD = Path(__file__).resolve().parents[1] / "data" / "microhe" / "uniz-digital-content-creation.jsonld"
IDENT = "https://credentify.example.eu/microcredentials/uniz-dcce-2027"
SKILL = "http://data.europa.eu/esco/skill/"


def _record() -> dict[str, Any]:
    return json.loads(RECORD.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _read(data: Any, identifier: str = IDENT) -> Offering:
    payload = json.dumps(data).encode()
    return CROSSWALKS["microhe"](SourceRecord(identifier=identifier, payload=payload), SourceContext(source_id="uniz"))


def test_the_constructed_record_normalises_to_its_golden_file() -> None:
    document = catalogue.parse(RECORD.read_bytes())
    assert document is not None and document.format == "microhe"
    records = list(catalogue.split(document))
    assert [r.identifier for r in records] == [IDENT]
    _compare("microhe/uniz-digital-content-creation", _normalised(records, "microhe", SourceContext(source_id="uniz")))


# One line per row of §3.6: (MicroHE property, MCO field, value read from the constructed record).
ROWS: list[tuple[str, str, Any]] = [
    ("adms:identifier", "other_identifiers", [("UNIZ-MC-DCCE-01", "University of Zed")]),
    (
        "skos:prefLabel",
        "title",
        {"en": "Digital Content Creation for Educators", "es": "Creación de contenido digital para docentes"},
    ),
    ("skos:altLabel", "alternative_titles", [{"en": "DCCE"}]),
    ("skos:definition", "description", "A part-time micro-credential for school and college teachers"),
    ("dcterms:description", "learning_outcome_summary", "Participants can develop digital learning content"),
    (
        "esco:hasAssociation (skills)",
        "learning_outcomes",
        [
            ({"en": "develop digital content"}, [SKILL + "5fd5c985-eaaa-47aa-8314-62359c54505a"]),
            ({"en": "establish collaborative relations"}, [SKILL + "326809fc-238d-40c2-881e-40042f7f2f0d"]),
            ({"en": "communicate with target community"}, [SKILL + "80f308e6-0e09-404a-80cd-ec5f50f6f304"]),
        ],
    ),
    ("esco:hasISCED-FCode", "isced_f", ["0114", "0611"]),
    ("esco:hasAssociation (EQF)", "eqf_level", 6),
    ("esco:hasAssociation (NQF)", "nqf_level", [("http://data.europa.eu/snb/qdr/c_c392e7a2", {"en": "RQF Level 6"})]),
    ("esco:hasECTSCreditPoints", "ects_credits", 5.0),
    ("microhe:hasCreditPoints + microhe:CreditSystem*", "other_credits", [(10.0, "CATS (University of Zed)")]),
    ("esco:volumeOfLearning", "workload_hours", 125.0),
    ("esco:isPartialQualification, microhe:consistsof", "has_parts", [IDENT + "/module-1", IDENT + "/module-2"]),
    ("microhe:consistsof", "stackability", "stackable"),
    ("esco:hasEntryRequirement", "prerequisites", "A teaching qualification, or two years of teaching practice."),
    ("esco:hasAccreditation", "quality_assurance", [("external_institutional", "QAA", "2026-06-01")]),
    ("microhe:AwardingBody", "awarding_body", [({"en": "University of Zed"}, "GB")]),
    ("awarding activity (country)", "issuer_country", ["GB"]),
    ("awarding activity (region)", "issuer_region", ["http://data.europa.eu/nuts/code/UKN06"]),
    ("microhe:mode", "mode", ["online", "onsite"]),
    ("microhe:Assessmentmethod", "assessment_types", ["peer_review", "portfolio"]),
    (
        "microhe:Assessmentmethod + AwardingMethod",
        "assessment_description",
        {
            "en": "Portfolio of digital learning resources and a peer-reviewed lesson plan. "
            "An assessment of competence acquired."
        },
    ),
    ("microhe:GradeScheme", "grading_scheme", {"en": "Pass/Fail"}),
    ("dcat:landingPage", "record_url", "https://www.uniz.example.ac.uk/microcredentials/digital-content-creation"),
    (
        "esco:supplementaryDoc",
        "supplementary_documents",
        ["https://www.uniz.example.ac.uk/microcredentials/digital-content-creation/credit-supplement.pdf"],
    ),
    ("esco:referenceLanguage", "default_language", "en"),
    ("dcterms:modified", "source_last_modified", "2026-09-15"),
    ("iso-thes:status", "source_status", "released"),
    ("dcterms:publisher", "provider", [({"und": "University of Zed"}, "https://www.uniz.example.ac.uk")]),
]


def _shape(field: str, value: Any) -> Any:
    """The part of a field a row checks (whole values for plain fields)."""
    if field == "other_identifiers":
        return [(i.value, i.scheme) for i in value]
    if field == "learning_outcomes":
        return [(lo.text, lo.esco_skills) for lo in value]
    if field == "nqf_level":
        return [(c.uri, c.label) for c in value]
    if field == "other_credits":
        return [(c.value, c.system) for c in value]
    if field == "quality_assurance":
        return [
            (q.type, next(iter(q.qa_body.name.values())) if q.qa_body else None, str(q.decision_date)) for q in value
        ]
    if field == "awarding_body":
        return [(o.name, o.country) for o in value]
    if field == "provider":
        return [(o.name, o.homepage) for o in value]
    return value


@pytest.mark.parametrize(("prop", "field", "expected"), ROWS, ids=[f"{r[0]}→{r[1]}" for r in ROWS])
def test_every_row_of_section_3_6_is_mapped(prop: str, field: str, expected: Any) -> None:
    value = _shape(field, getattr(_read(_record()), field))
    if isinstance(expected, str) and isinstance(value, dict):
        assert value["en"].startswith(expected), prop
    else:
        assert value == expected, prop


def test_inferred_values_are_marked_inferred() -> None:
    offering = _read(_record())
    assert offering.field_provenance["provider"].method == "inferred"  # from dcterms:publisher
    assert offering.field_provenance["stackability"].method == "inferred"
    assert offering.field_provenance["ects_credits"].method == "declared"


def test_terms_resolve_through_the_context_whatever_the_prefixes() -> None:
    data = _record()
    iris = {"skos:": "http://www.w3.org/2004/02/skos/core#", "esco:": "http://data.europa.eu/esco/model#"}
    # Other prefixes (dct:, mh:), full IRIs, and an alias the context declares for skos:prefLabel.
    context = {
        "dct": "http://purl.org/dc/terms/",
        "mh": "https://example.org/MicroHE/terms/",
        "title": {"@id": "skos:prefLabel"},
        "skos": iris["skos:"],
    }
    expanded: dict[str, Any] = {"@context": context}
    for key, value in data.items():
        if key == "@context":
            continue
        if key == "skos:prefLabel":
            key = "title"
        for prefix, iri in iris.items():
            key = key.replace(prefix, iri) if key.startswith(prefix) else key
        key = key.replace("dcterms:", "dct:").replace("microhe:", "mh:")
        expanded[key] = value
    offering = _read(expanded)
    original = _read(data)
    for field in (
        "title",
        "ects_credits",
        "eqf_level",
        "isced_f",
        "mode",
        "awarding_body",
        "source_last_modified",
        "learning_outcome_summary",
        "has_parts",
        "grading_scheme",
    ):
        assert getattr(offering, field) == getattr(original, field), field


def test_awarded_for_taking_part_is_attendance_inferred() -> None:
    data = _record()
    del data["microhe:Assessmentmethod"]
    data["microhe:AwardingMethod"] = "Undergoing the learning activity"
    offering = _read(data)
    assert offering.assessment_types == ["level_of_attendance"]
    assert offering.field_provenance["assessment_types"].method == "inferred"


def test_a_graph_of_records_splits_into_one_record_each() -> None:
    first, second = _record(), _record()
    context = first.pop("@context")
    second.pop("@context")
    second["@id"] = IDENT + "-b"
    document = catalogue.parse(json.dumps({"@context": context, "@graph": [first, second]}).encode())
    assert document is not None and document.format == "microhe"
    records = list(catalogue.split(document))
    assert [r.identifier for r in records] == [IDENT, IDENT + "-b"]
    assert CROSSWALKS["microhe"](records[1], SourceContext(source_id="uniz")).ects_credits == 5.0


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"{not json", "not JSON"),
        (json.dumps({"@type": "Course", "name": "x"}).encode(), "no MicroHE record"),
        (json.dumps({"microhe:mode": "Online"}).encode(), "no skos:prefLabel"),
        (json.dumps({**_record(), "esco:hasECTSCreditPoints": 240}).encode(), "V8"),
    ],
)
def test_malformed_records_are_rejected_with_a_reason(payload: bytes, reason: str) -> None:
    with pytest.raises(CrosswalkError, match=reason):
        CROSSWALKS["microhe"](SourceRecord(identifier=IDENT, payload=payload), SourceContext(source_id="uniz"))


@pytest.mark.parametrize("junk", [None, 42, -3, True, [], {}, [[{"@value": None}]], {"@id": 7}, "", "P60M", "∞"])
def test_a_crosswalk_never_raises_anything_but_a_rejection(junk: Any) -> None:
    for key in _record():
        if key.startswith("@"):
            continue
        data = copy.deepcopy(_record())
        data[key] = junk
        try:
            offering = _read(data)
        except CrosswalkError:
            continue
        assert offering.title, key


def test_a_feed_of_microhe_records_is_harvested(settings: Settings, store: Store) -> None:
    app = CatalogueApp()
    app.documents["/microhe.jsonld"] = Document(RECORD.read_bytes(), content_type="application/ld+json")
    server = serve(app, host="127.0.0.1", port=0)
    try:
        store.sources.add(Source(id="uniz", url=server.base_url + "/microhe.jsonld", kind="feed"))
        report = HarvestReport(source_id="uniz")
        FeedHarvester(settings).harvest(store.sources.get("uniz"), store, report, full=True)
    finally:
        server.stop()
    assert report.status == "success" and report.counts.added == 1, report.problems
    assert store.sources.get("uniz").state["format"] == "microhe"
    (stored,) = store.live_records("uniz")
    assert stored.offering.source_format == "microhe_jsonld" and stored.offering.ects_credits == 5.0
    assert stored.tier == "annex1_complete_derived"
