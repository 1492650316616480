"""Relevance on a fixed corpus, on every engine: title words first, folding, stemming where the engine stems,
and searches that keep answering while the index is rebuilt under them."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from indexer.base import SearchQuery
from indexer.sync import rebuild, sync
from offerings.store import Store
from tests.indexer.conftest import Catalogue, capable, discard, fill_store, make_engine, record_id
from tests.indexer.corpus import many_offerings


def first(catalogue: Catalogue, q: str) -> str | None:
    results = catalogue.engine.search(SearchQuery(q=q)).results
    return results[0]["id"] if results else None


@pytest.mark.parametrize(
    ("q", "key"),
    [
        ("circulaire", "sorbonne-2"),
        ("Musikwissenschaft", "univie-5"),
        ("klimaatadaptatie", "uva-2"),
        ("entrepreneurship", "tcd-5"),
        ("épidémiologie", "sorbonne-3"),
        ("Robotik", "tum-3"),
    ],
)
def test_a_title_word_finds_its_offering_first(shared: Catalogue, q: str, key: str) -> None:
    assert first(shared, q) == record_id(key)


def test_title_beats_skills_beats_description(shared: Catalogue) -> None:
    # "Python" is in three titles, in the subjects of two more, and only in the description of others.
    results = shared.engine.search(SearchQuery(q="python", size=50)).results
    place = {r["id"]: i for i, r in enumerate(results)}
    titled = [record_id(k) for k in ("tcd-1", "tum-1", "univie-4")]
    subject_only = [record_id(k) for k in ("uva-1", "uva-5")]
    description_only = [record_id(k) for k in ("tum-2", "unibo-4")]
    assert max(place[i] for i in titled) < min(place[i] for i in subject_only)
    assert max(place[i] for i in subject_only) < min(place[i] for i in description_only)


@pytest.mark.parametrize(
    ("q", "title"),
    [
        ("universita", "Università e sostenibilità urbana"),
        ("UNIVERSITA sostenibilita", "Università e sostenibilità urbana"),
        ("economie circulaire", "Économie circulaire"),
        ("osterreichische", "Österreichische Geschichte"),
        ("cybersecurite", "Cybersécurité : les fondamentaux"),
    ],
)
def test_folding_finds_accented_titles(shared: Catalogue, q: str, title: str) -> None:
    titles = [r["title"] for r in shared.engine.search(SearchQuery(q=q)).results]
    assert title in titles[:2]


@pytest.mark.parametrize(
    ("q", "key"),
    [
        ("Datenanalysen", "tum-1"),  # German: plural of the title's noun
        ("Energiesystem", "tum-4"),
        ("économies", "sorbonne-2"),  # French, with the accent
        ("programs", "tcd-1"),  # English: "Programming"
        ("klimaten", "uva-2"),  # Dutch
    ],
)
def test_stemming_finds_other_forms_of_a_word(shared: Catalogue, q: str, key: str) -> None:
    if not capable(shared.engine, "stemming"):
        pytest.skip(f"the {shared.engine.name} engine does not stem (it matches words and prefixes only)")
    assert first(shared, q) == record_id(key)


QUERIES: list[dict[str, Any]] = [
    {"q": "python", "filters": {"language": ("en", "de")}},
    {"q": "", "filters": {"country": ("IT", "FR")}, "ects_max": 5.0},
    {"q": "data", "sort": "-ects"},
]


def test_searches_keep_answering_during_rebuilds(
    engine_name: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    store = Store(f"sqlite:///{tmp_path}/s.db")
    fill_store(store)
    store.upsert_many((o, None) for o in many_offerings(2000))
    engine = make_engine(engine_name, tmp_path, request)
    sync(store, engine)
    expected = [engine.search(SearchQuery(**q)).total for q in QUERIES]
    stop = threading.Event()
    answers: list[list[int]] = []
    errors: list[BaseException] = []

    def search() -> None:
        while not stop.is_set():
            try:
                answers.append([engine.search(SearchQuery(**q)).total for q in QUERIES])
                engine.suggest("pyth")
            except BaseException as exc:  # collected: the test fails on any of them
                errors.append(exc)
                return

    threads = [threading.Thread(target=search) for _ in range(2)]
    for thread in threads:
        thread.start()
    try:
        for _ in range(2):
            assert rebuild(store, engine).indexed == 2030
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    assert errors == []
    assert len(answers) > 2 and all(a == expected for a in answers)
    assert engine.count() == 2030
    discard(engine)
    store.close()
