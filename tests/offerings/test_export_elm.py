"""ELM v3 JSON-LD export, round-tripped through our own ELM JSON-LD crosswalk."""

from __future__ import annotations

import json
from pathlib import Path

from offerings.crosswalks import CROSSWALKS, SourceContext, SourceRecord
from offerings.crosswalks import catalogue as documents
from offerings.export.elm_jsonld import ELM_CONTEXT, learning_opportunity
from offerings.model import Offering
from offerings.quality import assess
from tests.factories import SKILL_1, full_offering

# Everything of the MCO record that ELM has a place for.
ELM_FIELDS = (
    "title",
    "description",
    "offering_type",
    "record_url",
    "default_language",
    "source_last_modified",
    "source_status",
    "credential_title",
    "learning_outcome_summary",
    "isced_f",
    "ects_credits",
    "workload_hours",
    "eqf_level",
    "nqf_level",
    "mode",
    "learning_schedule",
    "learning_setting",
    "languages_of_instruction",
    "languages_of_assessment",
    "max_duration",
    "duration",
    "schedule_info",
    "admission_procedure",
    "assessment_types",
    "assessment_description",
    "supervision_id_verification",
    "prerequisites",
    "further_information",
    "supplementary_documents",
    "learning_activity_types",
    "contact_hours",
    "has_parts",
    "issuer_country",
    "issuer_region",
    "target_groups",
    "stackability",
)
# Not among them: image_url. LOQ's bannerImage is a MediaObject with the image's bytes embedded, which a
# link cannot give, so the export leaves it out (it passes the LOQ SHACL shapes, test_export_shacl.py).


def _round_trip(offering: Offering, page: str = "https://catalogue.example/offerings/x") -> Offering:
    document = json.loads(json.dumps(learning_opportunity(offering, page_url=page)))
    record = SourceRecord(identifier=document["id"], payload=json.dumps(document).encode())
    return CROSSWALKS["elm_jsonld"](record, SourceContext(source_id=offering.source_id))


def test_export_speaks_elm() -> None:
    document = learning_opportunity(full_offering(), page_url="https://catalogue.example/offerings/x")
    assert document["@context"] == ELM_CONTEXT and document["type"] == "LearningOpportunity"
    assert document["mode"][0]["id"] == "http://data.europa.eu/snb/learning-assessment/e92d221e4d"
    spec = document["learningAchievementSpecification"]
    assert spec["type"] == "Qualification" and spec["eqfLevel"]["id"] == "http://data.europa.eu/snb/eqf/6"
    assert spec["creditPoint"][0] == {
        "id": "https://catalogue.example/offerings/x#specification:credit-ects",
        "type": "CreditPoint",
        "point": "2",
        "framework": {
            "id": "http://data.europa.eu/snb/education-credit/6fcec5c5af",
            "type": "Concept",
            "inScheme": {"id": "http://data.europa.eu/snb/education-credit/25831c2", "type": "ConceptScheme"},
            "prefLabel": {"en": "ECTS"},
        },
    }
    assert [t["id"] for t in spec["thematicArea"]] == [
        "http://data.europa.eu/snb/isced-f/0688",
        "http://data.europa.eu/snb/isced-f/0031",
    ]
    assert spec["provenBy"][0]["dcType"][0]["id"] == "http://data.europa.eu/snb/assessment/de4d165a6c"
    assert spec["accreditation"][0]["dcType"]["id"] == "http://data.europa.eu/snb/accreditation/bb4618238e"
    assert spec["learningOutcome"][0]["relatedESCOSkill"][0]["id"] == SKILL_1
    assert document["providedBy"][0]["location"][0]["address"]["countryCode"]["id"].endswith("/country/IRL")
    assert document["defaultLanguage"]["id"].endswith("/language/ENG")
    assert "null" not in json.dumps(document)


def test_full_record_round_trips_through_the_elm_crosswalk() -> None:
    original = full_offering()
    back = _round_trip(original)
    for name in ELM_FIELDS:
        assert getattr(back, name) == getattr(original, name), name
    assert [(o.name, o.country, o.homepage) for o in back.provider] == [
        (o.name, o.country, o.homepage) for o in original.provider
    ]
    assert back.provider[0].ids == original.provider[0].ids
    assert [(o.name, o.country) for o in back.awarding_body] == [(o.name, o.country) for o in original.awarding_body]
    assert [lo.text for lo in back.learning_outcomes] == [lo.text for lo in original.learning_outcomes]
    assert [lo.esco_skills for lo in back.learning_outcomes] == [lo.esco_skills for lo in original.learning_outcomes]
    qa, qa_back = original.quality_assurance[0], back.quality_assurance[0]
    assert (qa_back.type, qa_back.elm_type, qa_back.decision_date, qa_back.expiry_date, qa_back.report_url) == (
        qa.type,
        qa.elm_type,
        qa.decision_date,
        qa.expiry_date,
        qa.report_url,
    )
    assert qa_back.qa_body is not None and qa_back.qa_body.name == qa.qa_body.name  # type: ignore[union-attr]
    run, run_back = original.instances[0], back.instances[0]
    assert (run_back.start_date, run_back.end_date, run_back.application_deadline) == (
        run.start_date,
        run.end_date,
        run.application_deadline,
    )
    prices = {(p.amount, p.currency) for p in original.all_prices()}
    assert {(p.amount, p.currency) for p in back.all_prices()} == prices
    assert [p.id for p in back.part_of] == ["Q-9"] and back.grants[0].url == "https://springboardcourses.ie"
    assert assess(back).tier == assess(original).tier == "annex1_complete"


def test_registry_inferred_quality_assurance_is_not_exported_as_a_statement() -> None:
    original = full_offering()
    original.quality_assurance[0].basis = "inferred_from_registry"
    assert "accreditation" not in learning_opportunity(original)["learningAchievementSpecification"]


def test_every_elm_sample_survives_export_and_reimport(samples: Path) -> None:
    for name in ("loq.xml", "loq_withLearningAchievementSpecification.xml"):
        document = documents.parse((samples / "elm-v3" / name).read_bytes())
        assert document is not None
        records = list(documents.split(document))
        assert records, name  # a sample that splits into nothing would round-trip nothing
        for record in records:
            imported = CROSSWALKS["elm_loq"](record, SourceContext(source_id="qdr"))
            again = _round_trip(imported)
            for field in (
                "title",
                "mode",
                "assessment_types",
                "isced_f",
                "eqf_level",
                "learning_setting",
                "learning_schedule",
                "offering_type",
                "prerequisites",
                "issuer_country",
            ):
                assert getattr(again, field) == getattr(imported, field), (name, record.identifier, field)
