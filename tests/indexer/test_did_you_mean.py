"""'Did you mean', on every engine: a text query without hits proposes a corrected query that has hits."""

from __future__ import annotations

import pytest

from indexer.base import FacetValue, SearchPage, SearchQuery
from indexer.elastic.query import corrected_from
from tests.indexer.conftest import Catalogue


@pytest.mark.parametrize(
    ("q", "corrected"),
    [
        ("pyhton", "python"),  # two letters swapped in an English title word
        ("Pyhton", "python"),
        ("datenanalyze", "datenanalyse"),  # one letter changed in a German title word
        ("Statistik mit pyhton", "Statistik mit python"),  # only the misspelt word changes
    ],
)
def test_misspelt_word_is_corrected_to_a_query_with_hits(shared: Catalogue, q: str, corrected: str) -> None:
    found = shared.engine.search(SearchQuery(q=q))
    assert (found.total, found.results) == (0, [])
    assert found.did_you_mean == corrected
    proposed = shared.engine.search(SearchQuery(q=corrected))
    assert proposed.total > 0
    assert proposed.did_you_mean is None


@pytest.mark.parametrize("q", ["python", "Datenanalyse", "Statistik mit Python", ""])
def test_query_with_hits_has_no_correction(shared: Catalogue, q: str) -> None:
    found = shared.engine.search(SearchQuery(q=q))
    assert found.total > 0
    assert found.did_you_mean is None
    assert "did_you_mean" not in found.to_dict()


@pytest.mark.parametrize("q", ["xqzwvkj", "pyhton xqzwvkj", "zzzzzz qqqqqq"])
def test_gibberish_has_no_correction(shared: Catalogue, q: str) -> None:
    found = shared.engine.search(SearchQuery(q=q))
    assert found.total == 0
    assert found.did_you_mean is None


def test_correction_must_have_hits_under_the_same_filters(shared: Catalogue) -> None:
    found = shared.engine.search(SearchQuery(q="pyhton", filters={"country": ("XX",)}))
    assert found.total == 0
    assert found.did_you_mean is None
    kept = shared.engine.search(SearchQuery(q="pyhton", filters={"country": ("DE",)}))
    assert kept.did_you_mean == "python"


@pytest.mark.parametrize(
    "q",
    [
        "\x00\x01",
        '"*( AND OR NEAR(',
        "pyhton*",
        "p",
        "é" * 300,
        "ü-ö_ä",
        "\ue000pyhton\ue001",
        " ".join(["xyzq"] * 50),
        "'; DROP TABLE docs; --",
        'pyhton"',
        "%_\\",
    ],
)
def test_odd_input_never_raises(shared: Catalogue, q: str) -> None:
    found = shared.engine.search(SearchQuery(q=q))
    assert found.did_you_mean is None or shared.engine.search(SearchQuery(q=found.did_you_mean)).total > 0


def test_to_dict_has_did_you_mean_only_when_set() -> None:
    page = SearchPage(total=0, page=1, size=20, results=[], facets={"country": [FacetValue("DE", "Germany", 0)]})
    assert list(page.to_dict()) == ["total", "page", "size", "results", "facets"]
    page.did_you_mean = "python"
    assert list(page.to_dict()) == ["total", "page", "size", "results", "facets", "did_you_mean"]
    assert page.to_dict()["did_you_mean"] == "python"


def test_suggester_answer_is_read_defensively() -> None:
    assert corrected_from({}, "pyhton") is None
    assert (
        corrected_from(
            {"suggest": {"title_text": [{"text": "pyhton", "offset": 0, "length": 6, "options": []}]}}, "pyhton"
        )
        is None
    )
    response = {
        "suggest": {
            "title_text": [
                {"text": "statistik", "offset": 0, "length": 9, "options": []},
                {
                    "text": "pyhton",
                    "offset": 14,
                    "length": 6,
                    "options": [
                        {"text": "python", "score": 0.8, "freq": 3},
                        {"text": "pylon", "score": 0.6, "freq": 9},
                    ],
                },
            ],
            "description": [
                {"text": "pyhton", "offset": 14, "length": 6, "options": [{"text": "phyton", "score": 0.8, "freq": 1}]},
            ],
        }
    }
    assert corrected_from(response, "Statistik mit pyhton") == "Statistik mit python"
    # A word of another field is no misspelling, though the suggester of this one proposes a change.
    response["suggest"]["description"].append(
        {"text": "statistik", "offset": 0, "length": 9, "options": [{"text": "statistiek", "score": 0.9, "freq": 2}]}
    )
    assert corrected_from(response, "Statistik mit pyhton") == "statistiek mit python"
    assert corrected_from(response, "Statistik mit pyhton", known={"statistik"}) == "Statistik mit python"
