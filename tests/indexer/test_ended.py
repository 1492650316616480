"""Ended offerings (every instance past) come after open ones, on every engine and in every order;
``open=true`` leaves them out; pages stay stable across the two parts. Polish text is stemmed where
the engine stems Polish."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from indexer.base import SORTS, SearchEngine, SearchQuery
from offerings.export.search import search_document
from offerings.model import Instance, make_record_id
from tests.indexer.conftest import TODAY, capable, discard, make_engine, make_offering

# key, source, titles, description, subjects, outcomes, isced, ects, eqf, mode, schedule, languages,
# start (days from today), price, free, qa, credential type -- as tests/indexer/corpus.py's rows.
ROWS: list[tuple[Any, ...]] = [
    # Ended (60 days from a start 200 days ago), and the best match for "quantenoptik": title, subject, outcome.
    (
        "ended-best",
        "tum",
        {"de": "Quantenoptik Quantenoptik"},
        "Quantenoptik im Labor.",
        ["Quantenoptik"],
        ["Quantenoptik anwenden"],
        "0533",
        5.0,
        7,
        ["online"],
        "part_time",
        ["de"],
        -200,
        100.0,
        False,
        "internal_institutional",
        "micro_credential",
    ),
    # Open: "quantenoptik" only once, in a long description.
    (
        "open-weak",
        "tum",
        {"de": "Physik für Ingenieure"},
        "Mechanik, Thermodynamik, Elektrodynamik, Festkörperphysik und ein Ausblick auf die Quantenoptik.",
        ["Physik"],
        ["Physik anwenden"],
        "0533",
        3.0,
        6,
        ["online"],
        "part_time",
        ["de"],
        30,
        100.0,
        False,
        "internal_institutional",
        "micro_credential",
    ),
    # Started yesterday, ends in two months: open.
    (
        "running",
        "tum",
        {"de": "Quantenoptik für Fortgeschrittene"},
        "Laborpraktikum Quantenoptik.",
        ["Quantenoptik"],
        ["Quantenoptik vertiefen"],
        "0533",
        6.0,
        7,
        ["blended"],
        "part_time",
        ["de"],
        -1,
        None,
        True,
        "internal_institutional",
        "micro_credential",
    ),
    # Ended long ago, and undated: the undated one counts as open.
    (
        "ended-old",
        "tum",
        {"de": "Quantenoptik Grundlagen"},
        "Quantenoptik.",
        ["Quantenoptik"],
        [],
        "0533",
        2.0,
        6,
        ["online"],
        "self_paced",
        ["de"],
        -400,
        50.0,
        False,
        "internal_institutional",
        "micro_credential",
    ),
    (
        "undated",
        "tum",
        {"de": "Quantenoptik kompakt"},
        "Quantenoptik ohne Termin.",
        ["Quantenoptik"],
        [],
        "0533",
        1.0,
        6,
        ["online"],
        "self_paced",
        ["de"],
        None,
        None,
        False,
        "internal_institutional",
        "micro_credential",
    ),
    # Polish, for stemming: an inflected query must find it.
    # Two instances: one that ended (60 days from a start 200 days ago) and one starting in a month
    # with no end stated (LATER_INSTANCES): open, though its earliest start and latest end are past.
    (
        "reprise",
        "tum",
        {"de": "Quantenoptik Sommerkurs"},
        "Quantenoptik, zweiter Durchgang.",
        ["Quantenoptik"],
        [],
        "0533",
        2.0,
        6,
        ["online"],
        "part_time",
        ["de"],
        -200,
        80.0,
        False,
        "internal_institutional",
        "micro_credential",
    ),
    (
        "polish",
        "tum",
        {"pl": "Zarządzanie projektami w administracji publicznej"},
        "Kurs dla pracowników urzędów: planowanie projektów, budżety i harmonogramy.",
        ["Zarządzanie projektami"],
        [],
        "0413",
        4.0,
        6,
        ["online"],
        "part_time",
        ["pl"],
        90,
        0.0,
        True,
        "internal_institutional",
        "micro_credential",
    ),
]
ENDED = {"ended-best", "ended-old"}
# Instances added to a row's one instance, by key.
LATER_INSTANCES = {"reprise": [Instance(start_date=TODAY + timedelta(days=30))]}


def documents() -> list[dict[str, Any]]:
    """The search documents of ROWS, as sync builds them."""
    found = []
    for i, row in enumerate(ROWS, start=1):
        offering = make_offering(row)
        offering.instances += LATER_INSTANCES.get(row[0], [])
        found.append(search_document(offering, completeness=80, tier="gold", seq=i, updated="2026-01-01T00:00:00Z"))
    return found


KEYS = {make_record_id(row[1], row[0]): str(row[0]) for row in ROWS}


def key_of(result: dict[str, Any]) -> str:
    return KEYS[result["id"]]


@pytest.fixture(scope="module", params=["sqlite", "opensearch"])
def engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SearchEngine]:
    """An engine holding ROWS (and nothing else)."""
    built = make_engine(request.param, Path(tmp_path_factory.mktemp("ended")), request)
    report = built.upsert(documents())
    assert report.indexed == len(ROWS) and not report.errors
    yield built
    discard(built)


def keys(engine: SearchEngine, **kwargs: Any) -> list[str]:
    return [key_of(r) for r in engine.search(SearchQuery(size=100, **kwargs)).results]


def test_a_better_matching_ended_offering_comes_after_open_ones(engine: SearchEngine) -> None:
    found = keys(engine, q="quantenoptik")
    assert set(found) == {"ended-best", "open-weak", "running", "ended-old", "undated", "reprise"}
    # Without the ended rule "ended-best" (the word in title, subject and outcome) would rank first.
    assert set(found[:4]) == {"open-weak", "running", "undated", "reprise"}
    assert set(found[4:]) == ENDED


def test_an_offering_with_a_later_undated_end_is_open(engine: SearchEngine) -> None:
    # "reprise": its earliest start and latest end are both past, but its second instance starts in a
    # month (no end stated), so its last date is in the future: it is listed with the open ones.
    reprise = next(d for d in documents() if KEYS[d["id"]] == "reprise")
    assert reprise["last_date"] == (TODAY + timedelta(days=30)).isoformat()
    for sort in SORTS:
        found = keys(engine, sort=sort)
        assert found.index("reprise") < min(found.index(k) for k in ENDED), (sort, found)


@pytest.mark.parametrize("sort", SORTS)
def test_every_order_lists_open_offerings_first(engine: SearchEngine, sort: str) -> None:
    for q in ("", "quantenoptik"):
        found = keys(engine, q=q, sort=sort)
        flags = [k in ENDED for k in found]
        assert flags == sorted(flags), (q, sort, found)
        assert ENDED <= set(found)


def test_open_filter_leaves_ended_offerings_out(engine: SearchEngine) -> None:
    found = keys(engine, q="quantenoptik", open=True)
    assert found and not set(found) & ENDED


@pytest.mark.parametrize("sort", SORTS)
@pytest.mark.parametrize("q", ["", "quantenoptik"])
def test_pages_across_open_and_ended_neither_overlap_nor_miss(engine: SearchEngine, sort: str, q: str) -> None:
    whole = keys(engine, q=q, sort=sort)
    paged: list[str] = []
    for page in range(1, len(whole) + 2):
        paged += [key_of(r) for r in engine.search(SearchQuery(q=q, sort=sort, size=2, page=page)).results]
    assert paged == whole


def test_a_polish_inflected_query_finds_the_polish_offering(engine: SearchEngine) -> None:
    if not capable(engine, "stemming:pl"):
        pytest.skip(f"{engine.name} does not stem Polish")
    # OpenSearch has no Polish analyzer without a plugin: it indexes and queries client-side Snowball stems.
    # Title: "Zarządzanie projektami"; query: other cases of both words (and without diacritics).
    assert keys(engine, q="zarządzania projektów")[:1] == ["polish"]
    assert keys(engine, q="zarzadzaniu projektow")[:1] == ["polish"]
