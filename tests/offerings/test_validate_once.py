"""A harvested record is validated once: the issues travel with it to the store's quality score.

:meth:`Crosswalk.normalise` returns a :class:`Normalised` carrying every issue the rules found; the store's
``assess`` takes them instead of validating again, unless they were found on another day. Nothing is
remembered anywhere else: an offering changed after normalising (the DEQAR enrichment) is checked again
by whoever changed it.
"""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest

from harvesters.enrichment import Enrichment
from offerings.crosswalks import CROSSWALKS, SourceContext, SourceRecord
from offerings.errors import CrosswalkError
from offerings.model import Offering, Organisation
from offerings.normalise import Normalised, check
from offerings.quality import assess, deqar, validation
from offerings.quality.validation import validate
from offerings.store import Source, Store
from tests.conftest import REPO
from tests.offerings.factories import full_offering


def _warned() -> Offering:
    """A valid offering with warnings (no languages, no URL), so a stale answer would be visible."""
    return full_offering(languages_of_instruction=[], record_url=None)


def test_normalise_returns_the_offering_with_its_issues() -> None:
    record = SourceRecord(
        identifier="oai:x:1",
        payload=(
            b'<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
            b'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>Data literacy</dc:title>'
            b"<dc:description>5 ECTS, EQF level 6</dc:description></oai_dc:dc>"
        ),
        datestamp="2026-01-01",
    )
    normalised = CROSSWALKS["oai_dc"].normalise(record, SourceContext(source_id="x"))
    assert normalised.offering.ects_credits == 5.0
    assert list(normalised.issues) == validate(normalised.offering)
    assert normalised.issues and normalised.checked_on == date.today()
    assert normalised.raw == record.payload


def test_the_score_uses_the_issues_given_and_they_are_what_validate_finds() -> None:
    offering = _warned()
    normalised = check(offering)
    assert [str(i) for i in normalised.issues] == [str(i) for i in validate(offering)]
    given = assess(offering, issues=normalised.issues_for(date.today()))
    assert given == assess(offering)
    # Proof that the given issues are what is used (no second validation): a list that says less scores higher.
    assert assess(offering, issues=[]).score > given.score


def test_issues_found_on_another_day_are_found_again() -> None:
    normalised = check(_warned())
    assert normalised.issues_for(date.today()) is not None
    assert normalised.issues_for(date.today() + timedelta(days=1)) is None


def test_an_enriched_offering_is_validated_again() -> None:
    registry = deqar.load(REPO / "tests" / "data" / "deqar" / "institutions.json")
    bare = full_offering(
        quality_assurance=[],
        provider=[Organisation(name={"en": "Provider"}, country="PL", ids={"deqar": "DEQARINST0034"})],
    )
    normalised = check(bare)
    enriched = Enrichment(registry).apply(normalised)
    assert enriched is not normalised and enriched.offering.quality_assurance
    assert list(enriched.issues) == validate(enriched.offering)
    assert normalised.offering is bare and not bare.quality_assurance  # the input is left as it was


def test_rejected_offerings_raise() -> None:
    with pytest.raises(CrosswalkError, match="V8"):
        check(full_offering(ects_credits=500.0))


def test_there_is_no_module_memory_of_offerings() -> None:
    assert not any(isinstance(v, dict) and k.isupper() and "REMEMBER" in k for k, v in vars(validation).items())


def test_the_store_does_not_change_what_it_is_given(store: Store) -> None:
    store.sources.add(Source(id="a", url="http://127.0.0.1/a"))
    store.sources.add(Source(id="b", url="http://127.0.0.1/b"))
    first = full_offering(source_id="a", record_id="a:1")
    same = dataclasses.replace(full_offering(source_id="b", record_id="b:1"))
    before = same.to_dict()
    assert store.upsert_many([Normalised(first), check(same)]) == ["added", "added"]
    assert same.to_dict() == before and same.cluster_id is None
    assert store.get("b:1").cluster == "a:1"  # the store gave it the cluster, in its own row
