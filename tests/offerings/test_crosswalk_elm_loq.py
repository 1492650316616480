"""The ELM LOQ XML crosswalk fills what its elements leave empty from the description (issue 14)."""

from __future__ import annotations

from offerings.crosswalks import SourceContext, SourceRecord, crosswalk_for
from offerings.model import Offering

NS = "http://data.europa.eu/snb/model/ap/loq-constraints/"


def _loq(description: str, specification: str = "", language: str = "en") -> Offering:
    payload = f"""<?xml version="1.0" encoding="UTF-8"?>
<Courses xmlns="{NS}">
  <learningOpportunityReferences>
    <learningOpportunity id="http://example.org/lo/1">
      <title language="{language}">Data literacy</title>
      <description language="{language}">{description}</description>
      <learningAchievementSpecification idref="http://example.org/las/1"/>
    </learningOpportunity>
  </learningOpportunityReferences>
  <learningAchievementSpecificationReferences>
    <learningAchievementSpecification id="http://example.org/las/1">
      <title language="{language}">Data literacy</title>{specification}
    </learningAchievementSpecification>
  </learningAchievementSpecificationReferences>
</Courses>"""
    record = SourceRecord(identifier="http://example.org/lo/1", payload=payload.encode("utf-8"))
    return crosswalk_for("elm_loq").normalise(record, SourceContext(source_id="loq", name="LOQ feed")).offering


def test_the_description_states_what_the_elements_do_not() -> None:
    offering = _loq(
        "A 5 ECTS course at EQF level 6, taught online. Starts 12.10.2027. Fee: 250 EUR. "
        "Assessment: a written examination. Accredited by NVAO."
    )
    assert offering.ects_credits == 5
    assert offering.eqf_level == 6
    assert offering.mode == ["online"]
    assert offering.instances and offering.instances[0].start_date is not None
    assert offering.instances[0].start_date.isoformat() == "2027-10-12"
    assert [(p.amount, p.currency) for p in offering.all_prices()] == [(250.0, "EUR")]
    assert offering.assessment_types == ["written_examination"]
    assert [qa.type for qa in offering.quality_assurance] == ["external_programme"]
    marks = offering.field_provenance
    for name in ("ects_credits", "eqf_level", "mode", "assessment_types", "quality_assurance"):
        assert marks[name].method == "parsed" and marks[name].source_path == "description", name


def test_a_national_unit_is_ects_only_on_evidence_and_marked_inferred() -> None:
    german = _loq("Umfang: 5 LP. Präsenzlehre in Berlin.", language="de")
    assert german.ects_credits == 5
    mark = german.field_provenance["ects_credits"]
    assert mark.method == "inferred" and "lp is ECTS in every EHEA country writing de" in mark.source_path
    english = _loq("Worth 3 credits.")
    assert english.ects_credits is None and "ects_credits" not in english.field_provenance


def test_the_structured_elements_win_over_the_description() -> None:
    offering = _loq(
        "Worth 10 ECTS at EQF level 7.",
        """
      <EQFLevel uri="http://data.europa.eu/snb/eqf/5"/>
      <creditPoint>
        <framework uri="http://data.europa.eu/snb/education-credit/6fcec5c5af"/>
        <point>4</point>
      </creditPoint>""",
    )
    assert offering.eqf_level == 5 and offering.ects_credits == 4
    assert offering.field_provenance.get("ects_credits") is None or (
        offering.field_provenance["ects_credits"].source_path != "description"
    )
