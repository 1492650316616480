"""The Datasette side of the search benchmark answers the same questions as microcred (bench/datasette.py).

Both real servers run on loopback over the same 200 generated documents: microcred's index built by
the SQLite engine behind ``microcred serve``, and the sqlite-utils database behind ``datasette
serve``. Where the translation is exact (filters, ranges, sorts, keyset paging) the totals, facet
counts and pages must agree; where it is not (text without stems, conjunctive facets), the
difference must go the way the report says.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("datasette", reason="datasette is not installed (pip install -e '.[bench]')")
pytest.importorskip("sqlite_utils", reason="sqlite-utils is not installed (pip install -e '.[bench]')")

import requests

from bench import datasette as ds
from bench.engines import documents
from indexer.base import SearchQuery

logger = logging.getLogger(__name__)

DOCS = 200


class Servers:
    """Both servers over the same documents, and one HTTP session to ask them."""

    def __init__(self, session: requests.Session, microcred: str, datasette: str, docs: list[dict[str, Any]]) -> None:
        self.session = session
        self.microcred_url = microcred
        self.datasette_url = datasette
        self.docs = docs

    def both(self, query: SearchQuery) -> tuple[dict[str, Any], dict[str, Any]]:
        """microcred's and Datasette's answers to ``query``."""
        return (
            ds.microcred_page(self.session, self.microcred_url, query),
            ds.datasette_page(self.session, self.datasette_url, query),
        )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, list[dict[str, Any]]]:
    """microcred's index and Datasette's database of the same documents."""
    tmp = tmp_path_factory.mktemp("bench-datasette")
    docs = documents(DOCS)
    assert ds.build_microcred_index(tmp / "microcred", docs, DOCS) == DOCS
    assert ds.build_database(tmp / "catalogue.db", docs) == DOCS
    return tmp / "microcred", tmp / "catalogue.db", docs


@pytest.fixture(scope="module")
def servers(built: tuple[Path, Path, list[dict[str, Any]]]) -> Iterator[Servers]:
    data_dir, db_path, docs = built
    with (
        ds.microcred_server(data_dir) as microcred,
        ds.datasette_server(db_path) as datasette,
        requests.Session() as session,
    ):
        yield Servers(session, microcred, datasette, docs)


def test_database_holds_every_document_with_lists_as_json_and_full_text(
    built: tuple[Path, Path, list[dict[str, Any]]],
) -> None:
    _data_dir, db_path, docs = built
    conn = sqlite3.connect(db_path)
    try:
        row = conn.execute(
            "SELECT languages, country, eqf_level FROM offerings WHERE id = ?", (docs[0]["id"],)
        ).fetchone()
        assert json.loads(row[0]) == docs[0]["languages"]
        assert json.loads(row[1]) == docs[0]["country"]
        assert row[2] == docs[0]["eqf_level"]
        word = docs[0]["title"].split()[-1]
        hits = conn.execute("SELECT count(*) FROM offerings_fts WHERE offerings_fts MATCH ?", (f'"{word}"',)).fetchone()
        assert hits[0] >= 1
    finally:
        conn.close()


def test_translation_uses_datasette_filters_and_where_for_several_values_of_a_list() -> None:
    query = SearchQuery(
        q='data "big',
        filters={"mode": ("online", "blended"), "country": ("NL",), "provider": ("a-b", "c-d"), "eqf_level": ("6",)},
        ects_max=10.0,
        free=True,
        sort="-ects",
    )
    params = ds.translate(query)
    assert ("_search", '"data" """big"*') in params
    assert ("_searchmode", "raw") in params
    assert ("country__arraycontains", "NL") in params
    assert ("provider_id__in", '["a-b", "c-d"]') in params
    assert ("eqf_level__exact", "6") in params
    assert ("_where", "exists (select 1 from json_each([mode]) where value in ('blended', 'online'))") in params
    assert ("ects_credits__lte", "10") in params
    assert ("free__exact", "1") in params
    assert ("_sort_desc", "ects_credits") in params
    assert [v for k, v in params if k == "_facet_array"] == [
        "country",
        "languages",
        "mode",
        "isced_f",
        "qa_type",
        "esco_skills",
    ]
    assert [v for k, v in params if k == "_facet"] == list(ds.PLAIN_FACETS.values())


def _filter_queries(docs: list[dict[str, Any]]) -> list[SearchQuery]:
    first, other = docs[0], next(d for d in docs if d["provider_id"] != docs[0]["provider_id"])
    return [
        SearchQuery(),
        SearchQuery(filters={"country": tuple(first["country"])}),
        SearchQuery(filters={"mode": ("online", "blended")}),
        SearchQuery(filters={"provider": (first["provider_id"], other["provider_id"])}),
        SearchQuery(filters={"credential_type": ("certificate",), "language": ("en",)}),
        SearchQuery(ects_max=5.0, free=True),
        SearchQuery(price_max=200.0, starts_after="2027-01-01", open=True),
    ]


def test_filters_give_the_same_totals_and_facet_counts(servers: Servers) -> None:
    queries = list(_filter_queries(servers.docs))
    assert queries  # no query, no comparison
    for query in queries:
        ours, theirs = servers.both(query)
        assert ours["total"] == theirs["total"] > 0, query
        for name, counts in ours["facets"].items():
            chosen = query.filters.get(name, ())
            if name in ds.PLAIN_FACETS and chosen:
                # Datasette's counts are conjunctive: only the chosen values are left, counted as
                # microcred's disjunctive counts count them.
                assert set(theirs["facets"][name]) <= set(chosen), (query, name)
                assert theirs["facets"][name] == {v: counts[v] for v in theirs["facets"][name]}, (query, name)
            elif chosen:
                # A list field: documents holding a chosen value hold others too, counted under the filter.
                for value in chosen:
                    assert theirs["facets"][name].get(value, 0) <= counts.get(value, 0), (query, name)
                if len(chosen) == 1:
                    assert theirs["facets"][name][chosen[0]] == counts[chosen[0]] == ours["total"], (query, name)
            else:
                assert theirs["facets"][name] == counts, (query, name)


def test_sorted_pages_hold_the_same_sort_keys_and_never_overlap(servers: Servers) -> None:
    docs = {doc["id"]: doc for doc in servers.docs}
    for sort, key in (("ects", "ects_credits"), ("-ects", "ects_credits"), ("updated", "updated")):
        seen: dict[str, set[str]] = {"microcred": set(), "datasette": set()}
        for page in (1, 2):
            # Open offerings only: microcred puts ended ones last under every sort, which Datasette cannot.
            query = SearchQuery(filters={"mode": ("online", "blended")}, open=True, sort=sort, page=page, size=10)
            ours, theirs = servers.both(query)
            assert len(ours["ids"]) == 10
            # Ties may come in another order: Datasette breaks them by index order on a first page but
            # pages on by primary key, so that after a descending first page it may skip tied rows.
            if page == 1 or not sort.startswith("-"):
                assert [docs[i][key] for i in theirs["ids"]] == [docs[i][key] for i in ours["ids"]], (sort, page)
            for side, answer in (("microcred", ours), ("datasette", theirs)):
                assert not seen[side] & set(answer["ids"]), (side, sort, page)
                seen[side] |= set(answer["ids"])
    beyond = SearchQuery(filters={"country": tuple(servers.docs[0]["country"])}, page=50, size=100)
    ours, theirs = servers.both(beyond)
    assert ours["ids"] == theirs["ids"] == []


def test_text_hits_of_datasette_are_microcreds_without_the_stemmed_ones(servers: Servers) -> None:
    checked = 0
    for doc in servers.docs[:40:4]:
        words = [w for w in doc["title"].split() if len(w) > 3][:2]
        query = SearchQuery(q=" ".join(words), size=100)
        ours, theirs = servers.both(query)
        assert doc["id"] in theirs["ids"], query
        assert ours["total"] <= 100
        assert set(theirs["ids"]) <= set(ours["ids"]), query
        checked += 1
        # The prefix of the last word is a prefix on both sides.
        typed = replace(query, q=query.q[:-1])
        assert servers.both(typed)[1]["total"] >= theirs["total"]
    assert checked == 10
