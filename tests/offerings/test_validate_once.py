"""The crosswalk's validation is reused by the store's quality score, and never where it could differ.

``reject_invalid`` (which every crosswalk ends with) remembers the issues of the offering it passed;
``assess`` at store time takes them instead of validating again, unless the offering is another object
(the DEQAR enrichment replaces what it changes), the day or the ESCO pin changed, or it was forgotten.
"""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest

from offerings.errors import CrosswalkError
from offerings.model import Offering, Organisation
from offerings.quality import assess, deqar, validation
from offerings.quality.validation import forget, issues_of, reject_invalid, validate
from offerings.store import Source, Store
from offerings.vocab import esco
from tests.conftest import REPO
from tests.offerings.factories import full_offering


def _warned() -> Offering:
    """A valid offering with warnings (no languages, no URL), so a stale answer would be visible."""
    return full_offering(languages_of_instruction=[], record_url=None)


def test_the_store_takes_the_crosswalks_issues_once() -> None:
    offering = reject_invalid(_warned())
    expected = validate(offering)
    assert expected and id(offering) in validation._REMEMBERED
    quality = assess(offering)
    assert [str(i) for i in quality.issues] == [str(i) for i in expected]
    assert id(offering) not in validation._REMEMBERED  # used once, then gone
    assert quality == assess(dataclasses.replace(offering))  # the same score as a fresh validation


def test_remembered_issues_are_what_is_used() -> None:
    # Proof that the second validation is skipped: an in-place change nobody announced is not seen ...
    offering = reject_invalid(_warned())
    before = issues_of(dataclasses.replace(offering))
    offering.languages_of_instruction = ["en"]
    offering.record_url = "https://example.eu/course"
    assert issues_of(offering) == before
    # ... and forget() is how a caller that changes an offering in place announces it.
    again = reject_invalid(_warned())
    again.ects_credits = 500.0
    forget(again)
    assert issues_of(again) == validate(again) and any(i.rule == "V8" for i in issues_of(again))


def test_an_enriched_offering_is_validated_again() -> None:
    registry = deqar.load(REPO / "tests" / "data" / "deqar" / "institutions.json")
    bare = full_offering(
        quality_assurance=[],
        provider=[Organisation(name={"en": "Provider"}, country="PL", ids={"deqar": "DEQARINST0034"})],
    )
    offering = reject_invalid(bare)
    enriched = deqar.enrich(offering, registry)
    assert enriched is not offering and enriched.quality_assurance
    # The original never reaches the store: what was remembered for it is dropped, not left to pile up.
    assert id(offering) not in validation._REMEMBERED
    assert issues_of(enriched) == validate(enriched)
    assert assess(enriched) == assess(dataclasses.replace(enriched))


def test_another_day_or_esco_pin_is_validated_again() -> None:
    offering = reject_invalid(_warned())
    later = date.today() + timedelta(days=4000)
    assert issues_of(offering, today=later) == validate(offering, today=later)
    offering = reject_invalid(_warned())
    pinned = esco.pinned()
    try:
        skills = REPO / "tests" / "data" / "esco" / "skills_en_v1.2.0.csv"
        esco.pin(None if pinned is not None else esco.load(skills))
        assert id(offering) in validation._REMEMBERED
        assert issues_of(offering) == validate(offering)
    finally:
        esco.pin(pinned)


def test_rejected_offerings_are_not_remembered() -> None:
    broken = full_offering(ects_credits=500.0)
    with pytest.raises(CrosswalkError):
        reject_invalid(broken)
    assert id(broken) not in validation._REMEMBERED


def test_memory_is_bounded() -> None:
    for _ in range(validation._REMEMBER_MAX + 10):
        reject_invalid(full_offering())
    assert len(validation._REMEMBERED) <= validation._REMEMBER_MAX


def test_an_unchanged_offering_leaves_nothing_remembered(store: Store) -> None:
    """A harvest that finds most records unchanged must not keep their issues (nor the offerings) until
    the memory's bound: that grew a harvest's memory with the feed's size."""
    store.add_source(Source(id=_warned().source_id, url="http://127.0.0.1/oai"))
    store.upsert(reject_invalid(_warned()))
    again = reject_invalid(_warned())
    assert id(again) in validation._REMEMBERED
    assert store.upsert(again) == "unchanged"
    assert id(again) not in validation._REMEMBERED


def test_a_tombstone_is_not_remembered() -> None:
    # Deleted records go to the store as deletions, never assessed: remembering them pinned each one
    # (with its lists) until the memory's bound, a harvest's memory growing with the feed.
    tombstone = dataclasses.replace(_warned(), deleted=True)
    assert reject_invalid(tombstone) is tombstone
    assert id(tombstone) not in validation._REMEMBERED
