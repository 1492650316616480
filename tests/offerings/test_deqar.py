"""QA inferred from a pinned DEQAR snapshot: matching, what is left alone, the score, the snapshot formats."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from offerings.errors import ConfigError
from offerings.model import Offering, Organisation
from offerings.quality import assess, deqar
from offerings.store import report
from tests.conftest import REPO
from tests.factories import full_offering

DATA = REPO / "tests" / "data" / "deqar"
WARSAW_REPORT = "https://www.deqar.eu/reports/institutional/34"


@pytest.fixture(scope="module", params=["institutions.json", "institutions.csv"])
def registry(request: pytest.FixtureRequest) -> deqar.Registry:
    return deqar.load(DATA / request.param)


def _bare(*, provider_ids: dict[str, str] | None = None, awarding_ids: dict[str, str] | None = None) -> Offering:
    """An otherwise complete offering that declares no quality assurance."""
    provider = [Organisation(name={"en": "Provider"}, country="PL", ids=provider_ids or {})]
    awarding = [Organisation(name={"en": "Awarding"}, country="PL", ids=awarding_ids)] if awarding_ids else []
    return full_offering(quality_assurance=[], provider=provider, awarding_body=awarding)


@pytest.mark.parametrize(
    "ids",
    [
        {"deqar": "DEQARINST0034"},
        {"erasmus_code": "PL WARSZAW01"},
        {"erasmus_code": "PL  WARSZAW01"},  # padding written differently
        {"schac": "UW.edu.pl"},
    ],
)
def test_a_match_by_any_identifier_adds_inferred_external_qa(registry: deqar.Registry, ids: dict[str, str]) -> None:
    offering = _bare(provider_ids=ids)
    enriched = deqar.enrich(offering, registry)
    assert [(q.type, q.basis, q.report_url) for q in enriched.quality_assurance] == [
        ("external_institutional", "inferred_from_registry", WARSAW_REPORT)
    ]
    assert enriched.field_provenance["quality_assurance"].method == "enriched"
    assert offering.quality_assurance == []  # pure: the input is not changed
    assert deqar.enrich(enriched, registry) is enriched  # enriching twice adds nothing


def test_the_awarding_body_is_matched_before_the_provider(registry: deqar.Registry) -> None:
    offering = _bare(provider_ids={"schac": "uw.edu.pl"}, awarding_ids={"erasmus_code": "P  COIMBRA01"})
    (qa,) = deqar.enrich(offering, registry).quality_assurance
    assert qa.report_url.endswith("/100")


@pytest.mark.parametrize(
    "offering",
    [
        full_offering(),  # declared QA: nothing inferred
        _bare(provider_ids={"schac": "h-rheinau.de"}),  # in DEQAR, but no valid institutional review
        _bare(provider_ids={"schac": "unknown.example.edu"}),
        _bare(),
        dataclasses.replace(_bare(provider_ids={"deqar": "DEQARINST0034"}), deleted=True),
    ],
    ids=["declared", "no-valid-review", "unknown", "no-ids", "tombstone"],
)
def test_left_alone(registry: deqar.Registry, offering: Offering) -> None:
    assert deqar.enrich(offering, registry) is offering


def test_without_a_registry_nothing_changes() -> None:
    offering = _bare(provider_ids={"deqar": "DEQARINST0034"})
    assert deqar.enrich(offering, None) is offering


def test_inferred_qa_never_counts_as_declared(registry: deqar.Registry) -> None:
    offering = _bare(provider_ids={"deqar": "DEQARINST0034"})
    before, after = assess(offering), assess(deqar.enrich(offering, registry))
    assert after.core["M11 quality assurance"] == "missing" and "M11 quality assurance" in after.missing
    assert (after.score, after.tier, after.core_declared) == (before.score, before.tier, before.core_declared)
    declared = assess(full_offering())
    assert declared.core["M11 quality assurance"] == "declared"


def test_the_quality_report_does_not_count_inferred_qa_as_carried(registry: deqar.Registry) -> None:
    enriched = deqar.enrich(_bare(provider_ids={"deqar": "DEQARINST0034"}), registry)
    assert not report._carries(enriched, "quality_assurance")


def test_json_and_csv_snapshots_read_the_same() -> None:
    from_json, from_csv = deqar.load(DATA / "institutions.json"), deqar.load(DATA / "institutions.csv")
    assert from_json.institutions == from_csv.institutions
    warsaw = from_json.by_deqar["DEQARINST0034"]
    assert warsaw.country == "PL" and warsaw.valid_review and warsaw.schac_codes == ("uw.edu.pl",)


def test_a_bad_snapshot_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="deqar_registry"):
        deqar.load(tmp_path / "missing.json")
    bad = tmp_path / "bad.csv"
    bad.write_text("deqar_id,name_primary\n34,Warsaw\n")
    with pytest.raises(ConfigError, match="not a DEQAR institution id"):
        deqar.load(bad)
