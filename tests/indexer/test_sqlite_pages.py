"""The SQLite engine's bitmap counts and page paths against plain SQL over the same index file.

The engine counts facets with in-memory bitmaps and picks a page by one of several paths (walking an
order's index or sorting the members; ranking every match or only the wanted ones). Each path,
forced here, must give exactly what one straightforward SQL query over the same file gives: ended
offerings last, then the requested order, ties by id.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bench.engines import documents
from indexer.base import FACET_FIELDS, SORTS, SearchQuery
from indexer.sqlite import SqliteEngine, sql
from indexer.sqlite import search as sqlite_search
from indexer.sqlite.bits import Members, bitmap_of, members

COUNT = 600


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqliteEngine]:
    """600 generated offerings and 30 exact copies of some (so that scores and sort keys tie)."""
    docs = documents(COUNT)
    copies = [dict(doc, id=f"copy:{i:03d}") for i, doc in enumerate(docs[:30])]
    built = SqliteEngine(Path(tmp_path_factory.mktemp("pages")) / "search")
    built.rebuild(iter(docs + copies), last_seq=1)
    yield built
    built.close()


@pytest.fixture(scope="module")
def reference(engine: SqliteEngine) -> Iterator[sqlite3.Connection]:
    """A plain connection to the engine's active generation file."""
    name = (engine.path / "CURRENT").read_text(encoding="utf-8").strip()
    conn = sqlite3.connect(engine.path / name)
    yield conn
    conn.close()


def expected_ids(conn: sqlite3.Connection, query: SearchQuery, today: str) -> list[str]:
    """Every result of ``query`` in order, by one SQL query."""
    expression = sql.match_expression(query.q)
    filters = sql.where(query, text=False, today=today)
    ended = "(d.last_date IS NOT NULL AND d.last_date < ?)"
    if expression:
        order = sql.order_by(query, ranked=True)
        # Relevance: documents with every term in the title first.
        tier = "d.n NOT IN (SELECT rowid FROM docs_fts WHERE docs_fts MATCH ?), " if query.sort == "relevance" else ""
        tier_params = [sql.title_expression(expression)] if tier else []
        rows = conn.execute(
            f"SELECT d.id FROM docs_fts JOIN docs d ON d.n = docs_fts.rowid WHERE docs_fts MATCH ? AND {filters.sql}"
            f" ORDER BY {ended}, {tier}{order}",
            [expression, *filters.params, today, *tier_params],
        )
    else:
        rows = conn.execute(
            f"SELECT d.id FROM docs d WHERE {filters.sql} ORDER BY {ended}, {sql.order_by(query, ranked=False)}",
            [*filters.params, today],
        )
    return [doc_id for (doc_id,) in rows]


def expected_facets(conn: sqlite3.Connection, query: SearchQuery, today: str) -> dict[str, dict[str, int]]:
    """Each facet's counts under every filter but its own, by SQL."""
    expression = sql.match_expression(query.q)
    found = {}
    for name in FACET_FIELDS:
        filters = sql.where(query, text=False, exclude=name, today=today)
        text = "d.n IN (SELECT rowid FROM docs_fts WHERE docs_fts MATCH ?) AND " if expression else ""
        rows = conn.execute(
            f"SELECT f.value, count(*) FROM facets f JOIN docs d ON d.n = f.doc WHERE f.field = ? AND {text}"
            f"{filters.sql} GROUP BY f.value",
            [name, *([expression] if expression else []), *filters.params],
        )
        found[name] = dict(rows.fetchall())
    return found


QUERIES = [
    SearchQuery(),
    SearchQuery(q="data"),
    SearchQuery(q="management"),
    SearchQuery(q="digital", filters={"mode": ("online", "blended")}),
    SearchQuery(q="introduction", filters={"language": ("en", "de")}, ects_max=10.0),
    SearchQuery(filters={"country": ("DE", "NL")}, free=True),
    SearchQuery(filters={"mode": ("online",), "schedule": ("part_time",)}, price_max=200.0),
    SearchQuery(q="appl", open=True),
    SearchQuery(starts_after="2025-01-01", ects_min=3.0),
]
# (STREAM_ROWS, SPARSE_FRACTION, LIMIT_SLACK): read the order's index / sort the members; rank all
# matches (reading a few / reading too few at first, then all) / rank only the wanted ones.
PATHS = [(10**9, 1, 50), (10**9, 1, -(10**9)), (0, 10**6, 50)]


@pytest.mark.parametrize("paths", PATHS, ids=["walk-index+rank-all", "rank-all-again", "sort-members+rank-wanted"])
@pytest.mark.parametrize("sort", SORTS)
@pytest.mark.parametrize("query", QUERIES, ids=range(len(QUERIES)))
def test_pages_equal_plain_sql(
    engine: SqliteEngine,
    reference: sqlite3.Connection,
    query: SearchQuery,
    sort: str,
    paths: tuple[int, int, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sqlite_search, "STREAM_ROWS", paths[0])
    monkeypatch.setattr(sqlite_search, "SPARSE_FRACTION", paths[1])
    monkeypatch.setattr(sqlite_search, "LIMIT_SLACK", paths[2])
    today = date.today().isoformat()
    query = replace(query, sort=sort)
    expected = expected_ids(reference, query, today)
    assert expected, "every query has results"
    found: list[str] = []
    for page in (1, 2, 3, 40):
        result = engine.search(replace(query, page=page, size=7))
        assert result.total == len(expected)
        found += [r["id"] for r in result.results]
    assert found == expected[:21] + expected[273:280]


@pytest.mark.parametrize("query", QUERIES, ids=range(len(QUERIES)))
def test_bitmap_facet_counts_equal_plain_sql(
    engine: SqliteEngine, reference: sqlite3.Connection, query: SearchQuery
) -> None:
    today = date.today().isoformat()
    page = engine.search(query)
    counted: dict[str, Any] = {name: {v.value: v.count for v in values} for name, values in page.facets.items()}
    assert counted == expected_facets(reference, query, today)


@given(
    st.integers(min_value=1, max_value=5000).flatmap(
        lambda size: st.tuples(st.just(size), st.sets(st.integers(min_value=0, max_value=size - 1), max_size=200))
    )
)
def test_bitmaps_hold_exactly_their_members(case: tuple[int, set[int]]) -> None:
    size, numbers = case
    expected = sum(1 << n for n in numbers)
    ordered = sorted(numbers)
    # Both ways of packing (a list of few numbers, any iterable) give the same bitmap.
    assert bitmap_of(ordered, size) == bitmap_of(iter(ordered), size) == expected
    assert members(expected) == ordered
    inside = Members(expected, size)
    assert [n for n in range(size) if n in inside] == ordered
