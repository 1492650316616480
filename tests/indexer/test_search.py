"""The search contract, on every engine: ranking, folding, prefixes, filters, facets, sorts, pages, suggestions.

Expected answers are computed from the store's documents in plain Python (:mod:`tests.indexer.corpus`).
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from indexer.base import FACET_FIELDS, SORTS, SearchQuery
from offerings import vocab
from offerings.errors import InvalidQuery
from tests.indexer.conftest import CORPUS, TODAY, Catalogue, field_values, matches, record_id
from tests.indexer.corpus import ended


def ids(page: Any) -> list[str]:
    return [r["id"] for r in page.results]


def everything(catalogue: Catalogue, **kwargs: Any) -> list[dict[str, Any]]:
    """Every result of a query, page by page."""
    results: list[dict[str, Any]] = []
    page = 1
    while True:
        found = catalogue.engine.search(SearchQuery(page=page, size=100, **kwargs))
        results += found.results
        if len(found.results) < 100:
            return results
        page += 1


def test_every_offering_is_indexed(shared: Catalogue) -> None:
    assert shared.engine.count() == len(CORPUS)
    assert shared.engine.search(SearchQuery()).total == len(CORPUS)


def test_title_matches_rank_before_other_matches(shared: Catalogue) -> None:
    page = shared.engine.search(SearchQuery(q="python", size=50))
    titles = [r["title"].lower() for r in page.results]
    in_title = [("python" in t) for t in titles]
    assert page.total == len(titles) >= 8
    assert in_title[0] and not in_title[-1]
    # Once a result without "python" in its title appears, no titled one follows.
    assert in_title == sorted(in_title, reverse=True)


def test_exact_title_ranks_first(shared: Catalogue) -> None:
    assert ids(shared.engine.search(SearchQuery(q="Robotik kompakt")))[0] == record_id("tum-3")
    assert ids(shared.engine.search(SearchQuery(q="circulaire")))[0] == record_id("sorbonne-2")


@pytest.mark.parametrize("q", ["universita", "Università", "UNIVERSITA", "università"])
def test_diacritics_are_folded(shared: Catalogue, q: str) -> None:
    page = shared.engine.search(SearchQuery(q=q, size=50))
    titles = [r["title"] for r in page.results]
    assert "Università e sostenibilità urbana" in titles
    assert "Didattica digitale all'università" in titles
    # Title matches first, then offerings that only have the university as provider.
    assert set(titles[:2]) == {"Università e sostenibilità urbana", "Didattica digitale all'università"}
    assert all("universita" in vocab.fold(r["title"] + " " + (r["provider"] or "")) for r in page.results)


def test_folding_works_in_the_other_direction(shared: Catalogue) -> None:
    assert record_id("sorbonne-2") in ids(shared.engine.search(SearchQuery(q="economie circulaire")))
    assert record_id("univie-3") in ids(shared.engine.search(SearchQuery(q="osterreichische")))


def test_last_term_is_a_prefix(shared: Catalogue) -> None:
    assert record_id("tum-1") in ids(shared.engine.search(SearchQuery(q="datenana")))
    assert ids(shared.engine.search(SearchQuery(q="maschinelles ler")))[0] == record_id("tum-2")
    # Only the last term is a prefix: "kompa" is no word (nor a stem) of any offering, but the start of one.
    assert shared.engine.search(SearchQuery(q="kompa robotik")).total == 0
    assert ids(shared.engine.search(SearchQuery(q="robotik kompa"))) == [record_id("tum-3")]


def test_terms_are_anded(shared: Catalogue) -> None:
    page = shared.engine.search(SearchQuery(q="python statistik"))
    assert ids(page) == [record_id("univie-4")]


def test_other_languages_of_a_title_are_searchable(shared: Catalogue) -> None:
    assert ids(shared.engine.search(SearchQuery(q="urban sustainability")))[0] == record_id("unibo-1")


def test_results_have_the_public_shape(shared: Catalogue) -> None:
    page = shared.engine.search(SearchQuery(q="python"))
    assert page.results  # the shape of no result would be no check at all
    for result in page.results:
        assert "title_all" not in result and "seq" not in result
        for key in (
            "id",
            "title",
            "provider",
            "country",
            "ects_credits",
            "eqf_level",
            "languages",
            "mode",
            "url",
            "start_date",
            "completeness",
            "highlight",
        ):
            assert key in result


def test_highlight_marks_matches_and_escapes_html(shared: Catalogue) -> None:
    page = shared.engine.search(SearchQuery(q="cryptographie"))
    assert ids(page) == [record_id("sorbonne-4")]
    highlight = page.results[0]["highlight"]
    assert "<mark>cryptographie</mark>" in highlight
    assert "&lt;sécurité&gt; &amp; conformité" in highlight
    assert "<sécurité>" not in highlight
    # Without a text query the highlight is the (escaped) start of the description.
    plain = shared.engine.search(SearchQuery(filters={"source": ("sorbonne",)}, size=10))
    by_id = {r["id"]: r["highlight"] for r in plain.results}
    assert "<mark>" not in by_id[record_id("sorbonne-4")]
    assert "&lt;sécurité&gt;" in by_id[record_id("sorbonne-4")]


FILTERS = [
    {"country": ("IT",)},
    {"country": ("IT", "DE")},
    {"country": ("DE", "AT"), "mode": ("online",)},
    {"language": ("en",), "eqf_level": ("6", "7")},
    {"provider": ("universita-di-bologna",), "credential_type": ("micro_credential",)},
    {"schedule": ("self_paced",), "qa_type": ("internal_institutional",)},
    {"isced_f": ("0613",), "source": ("tum", "uva", "tcd")},
    {"mode": ("blended", "onsite"), "language": ("de", "fr"), "country": ("FR", "AT")},
    {"country": ("XX",)},
]


@pytest.mark.parametrize("filters", FILTERS)
def test_filters_or_within_and_across_fields(shared: Catalogue, filters: dict[str, tuple[str, ...]]) -> None:
    query = SearchQuery(filters=filters, size=100)
    expected = {d["id"] for d in shared.documents if matches(d, query)}
    page = shared.engine.search(query)
    assert set(ids(page)) == expected
    assert page.total == len(expected)


def expected_facets(docs: list[dict[str, Any]], query: SearchQuery, text_ids: set[str] | None) -> dict[str, Any]:
    facets = {}
    for name in FACET_FIELDS:
        counts: Counter[str] = Counter()
        for doc in docs:
            if (text_ids is None or doc["id"] in text_ids) and matches(doc, query, exclude=name):
                counts.update(set(field_values(doc, name)))
        facets[name] = dict(counts)
    return facets


@pytest.mark.parametrize("q", ["", "python", "sostenibilita"])
@pytest.mark.parametrize("filters", FILTERS[:8])
def test_facet_counts_are_disjunctive(shared: Catalogue, q: str, filters: dict[str, tuple[str, ...]]) -> None:
    query = SearchQuery(q=q, filters=filters, ects_max=6.0)
    text_ids = set(ids(shared.engine.search(SearchQuery(q=q, size=100)))) if q else None
    expected = expected_facets(shared.documents, query, text_ids)
    page = shared.engine.search(query)
    got = {name: {v.value: v.count for v in values} for name, values in page.facets.items()}
    assert got == expected


def test_facet_values_are_labelled_and_ordered(shared: Catalogue) -> None:
    facets = shared.engine.search(SearchQuery()).facets
    assert set(facets) == set(FACET_FIELDS)
    for values in facets.values():
        keys = [(-v.count, v.label.casefold()) for v in values]
        assert keys == sorted(keys)
    labels = {name: {v.value: v.label for v in values} for name, values in facets.items()}
    assert labels["country"]["IT"] == "Italy" and labels["country"]["AT"] == "Austria"
    assert labels["language"]["de"] == "German"
    assert labels["mode"]["onsite"] == "On site"
    assert labels["eqf_level"]["6"] == "EQF 6"
    assert labels["provider"]["universita-di-bologna"] == "Università di Bologna"
    assert labels["source"]["tum"] == "tum"


def test_only_the_requested_facets_are_counted(shared: Catalogue) -> None:
    page = shared.engine.search(SearchQuery(facets=("country", "mode")))
    assert set(page.facets) == {"country", "mode"}
    assert shared.engine.search(SearchQuery(facets=())).facets == {}


@pytest.mark.parametrize(
    "ranges",
    [
        {"ects_min": 5.0},
        {"ects_max": 3.0},
        {"ects_min": 3.0, "ects_max": 5.0},
        {"price_max": 200.0},
        {"free": True},
        {"open": True},
        {"starts_after": (TODAY + timedelta(days=30)).isoformat()},
        {"starts_before": TODAY.isoformat()},
        {"starts_after": TODAY.isoformat(), "starts_before": (TODAY + timedelta(days=60)).isoformat()},
        {"ects_min": 4.0, "price_max": 500.0, "open": True, "filters": {"language": ("en",)}},
    ],
)
def test_range_filters(shared: Catalogue, ranges: dict[str, Any]) -> None:
    query = SearchQuery(size=100, **ranges)
    expected = {d["id"] for d in shared.documents if matches(d, query)}
    page = shared.engine.search(query)
    assert expected and set(ids(page)) == expected and page.total == len(expected)


def sort_key(sort: str) -> Any:
    def key(doc: dict[str, Any]) -> tuple[Any, ...]:
        start, ects = doc["start_date"], doc["ects_credits"]
        title = vocab.fold(doc["title"])
        # Ended offerings come after open ones whatever the order.
        if sort in ("relevance", "start_date"):
            return (ended(doc), start is None, start or "", title, doc["id"])
        if sort == "-start_date":
            # Descending dates: negate the ordinal; titles and ids stay ascending.
            ordinal = -TODAY.fromisoformat(start).toordinal() if start else 0
            return (ended(doc), start is None, ordinal, title, doc["id"])
        if sort == "ects":
            return (ended(doc), ects is None, ects or 0, doc["id"])
        if sort == "-ects":
            return (ended(doc), ects is None, -(ects or 0), doc["id"])
        if sort == "title":
            return (ended(doc), title, doc["id"])
        return (ended(doc), doc["id"])  # updated: every record was written at once, so ties, broken by id

    return key


@pytest.mark.parametrize("sort", SORTS)
def test_sorts(shared: Catalogue, sort: str) -> None:
    docs = shared.documents
    if sort == "updated" and len({d["updated"] for d in docs}) > 1:
        expected = [d["id"] for d in sorted(docs, key=lambda d: (ended(d), _desc(d["updated"]), d["id"]))]
    else:
        expected = [d["id"] for d in sorted(docs, key=sort_key(sort))]
    assert [r["id"] for r in everything(shared, sort=sort)] == expected


def _desc(text: str) -> list[int]:
    return [-ord(ch) for ch in text]


def test_sort_applies_to_text_queries_too(shared: Catalogue) -> None:
    results = everything(shared, q="python", sort="-ects")
    credits = [r["ects_credits"] for r in results]
    assert credits == sorted(credits, reverse=True)


@pytest.mark.parametrize("sort", SORTS)
@pytest.mark.parametrize("q", ["", "python"])
def test_pages_are_stable_and_do_not_overlap(shared: Catalogue, sort: str, q: str) -> None:
    first = shared.engine.search(SearchQuery(q=q, sort=sort, size=100))
    seen: list[str] = []
    for page_number in range(1, 100):
        page = shared.engine.search(SearchQuery(q=q, sort=sort, page=page_number, size=7))
        assert page.total == first.total and page.page == page_number and page.size == 7
        if not page.results:
            break
        seen += ids(page)
    assert seen == ids(first)
    assert len(set(seen)) == len(seen) == first.total


def test_a_page_beyond_the_end_is_empty(shared: Catalogue) -> None:
    page = shared.engine.search(SearchQuery(page=50, size=10))
    assert page.results == [] and page.total == len(CORPUS)


WEIRD = [
    '"',
    '""',
    "AND",
    "OR",
    "NOT",
    "*",
    "(",
    ")",
    "NEAR",
    "NEAR(",
    "NEAR(a b",
    "a OR",
    "-",
    "^",
    "title:",
    "title:python",
    '"unbalanced',
    "'",
    "{",
    "}",
    ":",
    "+",
    "\x00",
    "😀",
    "_",
    "a AND (b OR",
    "python*",
    "^python",
    "col:val NEAR/2",
    "\\",
    "%",
    "' OR 1=1 --",
    "   ",
    "\t\n",
]


@pytest.mark.parametrize("q", WEIRD)
def test_odd_query_text_never_raises(shared: Catalogue, q: str) -> None:
    page = shared.engine.search(SearchQuery(q=q))
    assert page.total >= 0
    assert shared.engine.suggest(q) is not None


def test_punctuation_only_is_match_all_and_operators_are_words(shared: Catalogue) -> None:
    assert shared.engine.search(SearchQuery(q='" * ( )')).total == len(CORPUS)
    assert shared.engine.search(SearchQuery(q="python*")).total == shared.engine.search(SearchQuery(q="python")).total
    assert shared.engine.search(SearchQuery(q="NOT python")).total == 0  # "not" is a word nobody wrote


@hypothesis_settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=st.text(max_size=40), prefix=st.text(max_size=12))
def test_any_text_is_a_valid_query(shared: Catalogue, q: str, prefix: str) -> None:
    shared.engine.search(SearchQuery(q=q, filters={"country": ("DE", "IT")}, size=5))
    shared.engine.suggest(prefix, size=3)


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        ({"sort": "price"}, "sort"),
        ({"size": 0}, "size"),
        ({"size": 101}, "size"),
        ({"page": 0}, "page"),
        ({"filters": {"colour": ("red",)}}, "colour"),
        ({"facets": ("colour",)}, "colour"),
        ({"starts_after": "next week"}, "starts_after"),
        ({"ects_min": float("nan")}, "ects_min"),
    ],
)
def test_invalid_queries_name_the_parameter(shared: Catalogue, kwargs: dict[str, Any], parameter: str) -> None:
    with pytest.raises(InvalidQuery) as caught:
        shared.engine.search(SearchQuery(**kwargs))
    assert caught.value.parameter == parameter


def test_suggest_titles_providers_and_skills(shared: Catalogue) -> None:
    assert {"text": "Datenanalyse mit Python", "kind": "title"} in shared.engine.suggest("datenan")
    assert {"text": "Università di Bologna", "kind": "provider"} in shared.engine.suggest("universita di")
    assert {"text": "Università e sostenibilità urbana", "kind": "title"} in shared.engine.suggest("UNIVERSITÀ")
    assert {"text": "Maschinelles Lernen", "kind": "skill"} in shared.engine.suggest("maschinelles")
    # Completion from a later word of a title, and from a learning outcome.
    assert {"text": "Datenanalyse mit Python", "kind": "title"} in shared.engine.suggest("pyth", size=20)
    assert {"text": "Daten mit pandas bereinigen und auswerten", "kind": "skill"} in shared.engine.suggest("daten m")


def test_suggest_orders_and_limits(shared: Catalogue) -> None:
    suggestions = shared.engine.suggest("pyth", size=3)
    assert len(suggestions) == 3
    # "Python" as a subject starts with the prefix and is shared by five offerings: it comes first.
    assert suggestions[0] == {"text": "Python", "kind": "skill"}
    assert shared.engine.suggest("") == [] and shared.engine.suggest("   ") == []
    assert shared.engine.suggest("zzzz") == []
    assert shared.engine.suggest("data ", size=50) and all(
        "data " in vocab.fold(s["text"]) + " " for s in shared.engine.suggest("data ", size=50)
    )


def test_get_returns_the_indexed_document(shared: Catalogue) -> None:
    doc = shared.engine.get(record_id("tcd-1"))
    assert doc is not None and doc["title"] == "Python Programming for Everyone" and doc["seq"] > 0
    assert shared.engine.get("nobody:nothing") is None


def test_health(shared: Catalogue) -> None:
    health = shared.engine.health()
    assert health["ok"] is True and health["engine"] == shared.engine.name
    assert health["documents"] == len(CORPUS) and health["last_seq"] == shared.store.max_seq()
