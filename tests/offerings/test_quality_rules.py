"""Validation rules (§4.1) and the completeness score and tiers (§4.2) over the full record."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from offerings.errors import CrosswalkError
from offerings.model import Contact, Instance, Organisation, Price, Provenance, QualityAssurance
from offerings.quality import assess, record_status, warnings
from offerings.quality.completeness import TIER_COMPLETE, TIER_DERIVED, TIER_INCOMPLETE
from offerings.quality.validation import reject_invalid, validate
from tests.factories import full_offering

TODAY = date(2027, 1, 15)


def _rules(**changes: Any) -> set[str]:
    return {str(i) for i in validate(full_offering(**changes), today=TODAY)}


def test_the_full_record_breaks_no_rule() -> None:
    assert validate(full_offering(), today=TODAY) == []


@pytest.mark.parametrize(
    ("changes", "issue"),
    [
        ({"original_identifier": ""}, "V1 original_identifier: missing"),
        ({"title": {}, "credential_title": {}}, "V2 title: missing"),
        ({"title": {"en": "AI"}}, "V2 title: shorter than 3 characters"),
        ({"title": {"en": "x" * 301}}, "V2 title: longer than 300 characters"),
        ({"record_url": "www.uniz.example.edu/mc"}, "V3 record_url: not an absolute http(s) URL"),
        ({"title": {"english": "A course"}}, "V4 langmap: a language key is not ISO 639-1 or 'und'"),
        ({"issuer_country": ["Ireland"]}, "V6 country: not ISO 3166-1 alpha-2"),
        ({"ects_credits": 90.0}, "V8 ects_credits: more than 60"),
        ({"ects_credits": -1.0}, "V8 ects_credits: negative"),
        ({"ects_credits": 2.33}, "V8 ects_credits: more than one decimal place"),
        ({"eqf_level": 9}, "V10 eqf_level: not an integer 1–8"),
        ({"isced_f": ["12345"]}, "V11 isced_f: not an ISCED-F 2013 code"),
        ({"mode": ["telepathy"]}, "V13 mode: not in its controlled vocabulary"),
        ({"assessment_types": ["vibes"]}, "V13 assessment: not in its controlled vocabulary"),
        (
            {"instances": [Instance(start_date=date(2027, 3, 1), end_date=date(2027, 2, 1))]},
            "V14 instances.end_date: before start_date",
        ),
        ({"duration": "four months"}, "V15 duration: not an ISO 8601 duration"),
        ({"price": [Price(amount=-5.0)]}, "V16 price: negative amount"),
        ({"price": [Price(amount=5.0, currency="ZZZ")]}, "V16 price: currency not ISO 4217"),
    ],
)
def test_errors(changes: dict[str, Any], issue: str) -> None:
    found = [i for i in validate(full_offering(**changes), today=TODAY) if i.severity == "error"]
    assert issue in {str(i) for i in found}
    with pytest.raises(CrosswalkError, match="rejected: V"):
        reject_invalid(full_offering(**changes))


@pytest.mark.parametrize(
    ("changes", "issue"),
    [
        ({"harvest_datestamp": None}, "V1 harvest_datestamp: missing"),
        ({"title": {"en": "DIGITAL CREDENTIALS"}}, "V2 title: all upper case"),
        ({"record_url": None}, "V3 record_url: missing"),
        ({"languages_of_instruction": []}, "V5 languages_of_instruction: missing"),
        ({"issuer_country": ["US"]}, "V6 country: outside the EHEA"),
        (
            {"provider": [Organisation(name={"en": "U"}, country="IE", ids={"ror": "https://ror.org/x"})]},
            "V7 ids.ror: malformed identifier",
        ),
        ({"ects_credits": 40.0, "workload_hours": 1000.0}, "V8 ects_credits: large for a micro-credential (> 30)"),
        ({"ects_credits": 0.0}, "V8 ects_credits: zero"),
        ({"workload_hours": 300.0}, "V9 workload_hours: not 20–35 hours per ECTS credit"),
        ({"qf_ehea_cycle": "third"}, "V10 qf_ehea_cycle: inconsistent with the EQF level"),
        ({"required_competencies": [], "esco_skills": []} | {"learning_outcomes": []}, None),
        (
            {"instances": [Instance(start_date=date(2027, 3, 1), application_deadline=date(2027, 4, 1))]},
            "V14 instances.application_deadline: after start_date",
        ),
        ({"instances": [Instance(start_date=date(2031, 3, 1))]}, "V14 instances.start_date: more than 3 years ahead"),
        ({"mode": []}, "V18 mode: missing"),
        ({"assessment_types": ["level_of_attendance"]}, "V19 assessment_types: attendance only for a micro-credential"),
        ({"description": {"en": "Digital micro-credential creation"}}, "V23 description: equals the title"),
        ({"contact": Contact(email="jane.doe@uniz.example.edu")}, "V24 contact: personal e-mail address"),
        ({"crosswalk_warnings": ["mode: unknown value dropped"]}, "V0 crosswalk: mode: unknown value dropped"),
    ],
)
def test_warnings(changes: dict[str, Any], issue: str | None) -> None:
    found = validate(full_offering(**changes), today=TODAY)
    assert all(i.severity == "warning" for i in found)
    if issue:
        assert issue in {str(i) for i in found}
    reject_invalid(full_offering(**changes))  # kept


def test_full_record_is_annex1_complete() -> None:
    quality = assess(full_offering(), today=TODAY)
    assert quality.tier == TIER_COMPLETE and quality.core_present == quality.core_declared == 9
    assert quality.missing == [] and quality.optional_present == 4 and quality.score == 100
    assert quality.status == "active"
    stored = quality.to_dict()
    assert stored["core_total"] == 9 and stored["tier"] == TIER_COMPLETE and stored["warnings"] == []


def test_inferred_and_converted_values_are_present_but_not_declared() -> None:
    converted = full_offering(
        ects_credits=None,
        ects_range=[2.0, 2.4],
        workload_basis="converted_from_hours",
        field_provenance={
            "awarding_body": Provenance(source_path="provider", method="inferred"),
            "workload_hours": Provenance(source_path="duracaoEN", method="parsed"),
        },
    )
    quality = assess(converted, today=TODAY)
    assert quality.tier == TIER_DERIVED and quality.core_present == 9 and quality.core_declared == 7
    assert quality.core["M4 awarding body"] == "parsed" and quality.core["M7 ECTS credits or workload"] == "parsed"
    assert quality.score < 100


def test_inferred_quality_assurance_does_not_satisfy_m11() -> None:
    registry = QualityAssurance(type="external_institutional", basis="inferred_from_registry")
    quality = assess(full_offering(quality_assurance=[registry]), today=TODAY)
    assert quality.tier == TIER_INCOMPLETE and quality.missing == ["M11 quality assurance"]


def test_level_not_applicable_and_cycle_satisfy_m8() -> None:
    bare: dict[str, Any] = {"eqf_level": None, "qf_ehea_cycle": None, "nqf_level": []}
    assert "M8 EQF level" in assess(full_offering(**bare), today=TODAY).missing
    nqf = full_offering().nqf_level
    for changes in ({"level_not_applicable": True}, {"qf_ehea_cycle": "first"}, {"nqf_level": nqf}):
        quality = assess(full_offering(**(bare | changes)), today=TODAY)
        assert "M8 EQF level" not in quality.missing


def test_score_is_penalised_for_warnings_at_most_15() -> None:
    clean = assess(full_offering(), today=TODAY).score
    noisy = assess(full_offering(crosswalk_warnings=[f"w{i}" for i in range(9)]), today=TODAY).score
    assert clean - noisy == 15
    assert warnings(full_offering(crosswalk_warnings=["x"])) == ["V0 crosswalk: x"]


def test_optional_o5_needs_the_url_and_further_information() -> None:
    quality = assess(full_offering(further_information={}, supplementary_documents=[]), today=TODAY)
    assert quality.optional_missing == ["O5 further information"]


@pytest.mark.parametrize(
    ("changes", "status"),
    [
        ({}, "active"),
        ({"instances": [Instance(start_date=date(2026, 10, 1), end_date=date(2026, 12, 1))]}, "inactive"),
        ({"instances": [Instance(start_date=date(2024, 10, 1), end_date=date(2024, 12, 1))]}, "archived"),
        ({"instances": [Instance(start_date=date(2024, 10, 1))], "enrolment_model": "rolling"}, "active"),
        ({"deleted": True}, "archived"),
        ({"instances": []}, "active"),
    ],
)
def test_status(changes: dict[str, Any], status: str) -> None:
    assert record_status(full_offering(**changes), TODAY) == status
