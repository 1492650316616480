"""Answering one :class:`~indexer.base.SearchQuery` on a connection to a SQLite index.

Sets of documents are bitmaps (:mod:`indexer.sqlite.bits`): the text match is read once (and kept
per index state, so that refining a search by its facets does not match again), ranges and facet
filters are bitmaps of the state, and the total and every facet's disjunctive counts are ANDs and
popcounts, whatever the number of matches. The page is then picked in the requested order, open
offerings before ended ones: by walking that order's index and keeping the members, or by sorting
just the members when they are few; by bm25 over every match, or over just the wanted ones when
they are few. Totals and facet counts do not depend on the page, so they are cached per index
state: paging through results costs one page query.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any, Generic, TypeVar

from indexer import document
from indexer.base import LABELLED_FACETS, FacetValue, SearchQuery
from indexer.sqlite import sql
from indexer.sqlite.bits import BitmapCache, FacetBitmaps, Members, bitmap_of, members

__all__ = ["Caches", "Counts", "LruCache", "answer", "counts_key", "did_you_mean"]

logger = logging.getLogger(__name__)

V = TypeVar("V")
# A page is read by walking its order's index while at most this many rows are expected to be
# skipped; a sparser result set is sorted by itself.
STREAM_ROWS = 20_000
# Only the wanted matches are ranked (at the cost of listing them in a temporary table) when they
# are fewer than (SPARSE_FRACTION - 1) / SPARSE_FRACTION of all matches: bm25 costs ~1 µs a row,
# listing ~0.5 µs.
SPARSE_FRACTION = 3
# Rows a ranking reads beyond twice its expected need (see _ranked_numbers).
LIMIT_SLACK = 50


@dataclass(frozen=True, slots=True)
class Counts:
    """The page-independent part of an answer."""

    total: int
    facets: dict[str, list[FacetValue]]
    did_you_mean: str | None = None


class LruCache(Generic[V]):
    """A small thread-safe LRU, keyed by index state and query."""

    def __init__(self, size: int = 128) -> None:
        self.size = size
        self._entries: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> V | None:
        """The cached value of ``key``, or None."""
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, key: Hashable, value: V) -> None:
        """Remember ``value`` under ``key``, forgetting the least recently used beyond ``size``."""
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)


def counts_key(query: SearchQuery, today: str) -> Hashable:
    """What totals and facet counts depend on: everything but page, size and sort."""
    filters = tuple(sorted((name, tuple(sorted(set(map(str, v))))) for name, v in query.filters.items() if v))
    return (
        sql.match_expression(query.q),
        filters,
        query.ects_min,
        query.ects_max,
        query.price_max,
        query.starts_after,
        query.starts_before,
        query.free,
        today if query.open else None,
        tuple(query.facets),
    )


def _fill(conn: sqlite3.Connection, table: str, select: str, params: list[Any]) -> None:
    conn.execute(f"DELETE FROM temp.{table}")
    conn.execute(f"INSERT INTO temp.{table} {select}", params)


def _set_of(conn: sqlite3.Connection, where: sql.Where, table: str) -> tuple[str | None, int]:
    """The temp table holding the docs ``where`` selects (None: all of them), and their number."""
    if where.sql == "1":
        return None, int(conn.execute("SELECT count(*) FROM docs").fetchone()[0])
    if where.sql != sql.MATCHED:  # else the text match alone, already in temp.matched
        _fill(conn, table, f"SELECT d.n FROM docs d WHERE {where.sql}", where.params)
    else:
        table = "matched"
    return table, int(conn.execute(f"SELECT count(*) FROM temp.{table}").fetchone()[0])


@dataclass(slots=True)
class Caches:
    """What an engine remembers between searches, each keyed by index state: counts per query, the
    documents a text expression matches (refining a text search with filters or pages matches
    nothing again), and the state's bitmaps."""

    counts: LruCache[Counts] = field(default_factory=LruCache)
    # Two entries a text search: its matches and its title matches (the relevance groups).
    matches: LruCache[int] = field(default_factory=lambda: LruCache(64))
    bitmaps: BitmapCache = field(default_factory=BitmapCache)


def _matched(conn: sqlite3.Connection, expression: str, *, state: Hashable, caches: Caches, size: int) -> int:
    """The bitmap of the documents ``expression`` matches (cached per state)."""
    key = (state, expression)
    found = caches.matches.get(key)
    if found is None:
        # The rowids as one text (~30% less work than a Python row per match), read by the JSON
        # decoder in C (~40% less than int() per number).
        row = conn.execute("SELECT group_concat(rowid) FROM docs_fts WHERE docs_fts MATCH ?", (expression,)).fetchone()
        found = bitmap_of(json.loads(f"[{row[0]}]") if row[0] else [], size)
        caches.matches.put(key, found)
    return found


def _labelled(bitmaps: FacetBitmaps, counted: dict[str, list[tuple[str, int]]]) -> dict[str, list[FacetValue]]:
    """Facet values with their labels, most frequent first, then by label."""
    facets: dict[str, list[FacetValue]] = {}
    for name, rows in counted.items():
        labels = bitmaps.labels if name in LABELLED_FACETS else {}
        # A label and its sort key are worked out once per index state (1,500 providers per broad query).
        known = bitmaps.label_keys.setdefault(name, {})
        keyed = []
        for value, count in rows:
            label = known.get(value)
            if label is None:
                text = document.facet_label(name, value, labels)
                label = known[value] = (text, text.casefold())
            keyed.append((-count, label[1], value, label[0]))
        keyed.sort()
        facets[name] = [FacetValue(value, text, -negated) for negated, _key, value, text in keyed]
    return facets


def _segments(full: int, ended: int) -> tuple[int, ...]:
    """The result set in the order its parts are listed: open offerings, then ended ones."""
    late = full & ended
    return (full & ~late, late) if late else (full,)


def _ranked_numbers(
    conn: sqlite3.Connection,
    expression: str,
    segment: int,
    matched: int,
    titled: int,
    size: int,
    start: int,
    count: int,
) -> list[int]:
    """Results ``start`` to ``start + count`` of ``segment`` (documents ``expression`` matches): those
    with every term in their title (``titled``) first, each tier by (bm25, id) (see
    :func:`~indexer.sqlite.sql.title_expression`)."""
    numbers: list[int] = []
    for tier in (segment & titled, segment & ~titled):
        if len(numbers) >= count:
            break
        tier_count = tier.bit_count()
        if start >= tier_count:
            start -= tier_count
            continue
        numbers += _ranked_tier(conn, expression, tier, matched, size, start, count - len(numbers))
        start = 0
    return numbers


def _ranked_tier(
    conn: sqlite3.Connection, expression: str, segment: int, matched: int, size: int, start: int, count: int
) -> list[int]:
    """Results ``start`` to ``start + count`` of ``segment`` (documents ``expression`` matches) by
    (bm25, id).

    FTS5 sorts by (bm25, rowid); only ties are then put in id order, so the documents table is read
    for a handful of rows rather than joined to every match.
    """
    wanted = start + count
    segment_count, matched_count = segment.bit_count(), matched.bit_count()
    if segment_count * SPARSE_FRACTION < matched_count * (SPARSE_FRACTION - 1):
        # Few of the matches are wanted: rank only those (bm25 is most of a broad query's cost). The
        # unary + keeps the rowid out of FTS5's plan, which would run the match once per listed rowid.
        _scratch(conn, members(segment))
        rows = conn.execute(
            f"SELECT {sql.RANK}, rowid FROM docs_fts WHERE docs_fts MATCH ? AND +rowid IN temp.scratch ORDER BY 1, 2",
            (expression,),
        )
        return _tie_ordered(conn, _best(rows, None, wanted)[0], start, wanted)
    # Most matches are wanted: rank them all, keeping the wanted ones while reading. A LIMIT lets
    # SQLite keep a small heap rather than sort every match; twice the rows the wanted share of the
    # matches should need, and all of them in the rare case that is not enough.
    inside = Members(segment, size)
    limit = max(1, 2 * wanted * matched_count // max(segment_count, 1) + LIMIT_SLACK)
    select = f"SELECT {sql.RANK}, rowid FROM docs_fts WHERE docs_fts MATCH ? ORDER BY 1, 2"
    taken, complete = _best(conn.execute(f"{select} LIMIT ?", (expression, limit)), inside, wanted, limit)
    if not complete:
        taken, _complete = _best(conn.execute(select, (expression,)), inside, wanted)
    return _tie_ordered(conn, taken, start, wanted)


def _best(
    rows: Iterable[tuple[float, int]], inside: Members | None, wanted: int, limit: int | None = None
) -> tuple[list[tuple[float, int]], bool]:
    """The first ``wanted`` of ``rows`` (sorted by score) that are ``inside``, and any tying with the last;
    and whether that is certain: False when all ``limit`` rows were read without passing the last tie."""
    taken: list[tuple[float, int]] = []
    read = 0
    for score, n in rows:
        read += 1
        if inside is None or n in inside:
            if len(taken) >= wanted and score != taken[-1][0]:
                return taken, True
            taken.append((score, n))
    return taken, limit is None or read < limit


def _tie_ordered(conn: sqlite3.Connection, taken: list[tuple[float, int]], start: int, wanted: int) -> list[int]:
    """Results ``start`` to ``wanted`` of ``taken`` (by (score, n)) in (score, id) order."""
    scores = [score for score, _n in taken]
    tied = [
        n
        for i, (score, n) in enumerate(taken)
        if (i and scores[i - 1] == score) or (i + 1 < len(scores) and scores[i + 1] == score)
    ]
    ids: dict[int, str] = {}
    if tied:
        marks = ", ".join("?" * len(tied))
        ids = dict(conn.execute(f"SELECT n, id FROM docs WHERE n IN ({marks})", tied).fetchall())
    taken.sort(key=lambda pair: (pair[0], ids.get(pair[1], "")))
    return [n for _score, n in taken[start:wanted]]


def _scratch(conn: sqlite3.Connection, numbers: list[int]) -> None:
    """Put ``numbers`` in the connection's ``temp.scratch`` table."""
    for statement in sql.TEMP_TABLES:  # not executescript(): it would end our read transaction
        conn.execute(statement)
    conn.execute("DELETE FROM temp.scratch")
    # One JSON array parameter: half the work of a statement per number.
    listed = "[" + ",".join(map(str, numbers)) + "]"
    conn.execute("INSERT INTO temp.scratch (n) SELECT value FROM json_each(?)", (listed,))


def _sorted_numbers(
    conn: sqlite3.Connection, order: str, segment: int, population: int, size: int, start: int, count: int
) -> list[int]:
    """Results ``start`` to ``start + count`` of ``segment`` in ``order`` (which an index serves)."""
    members_count = segment.bit_count()
    if (start + count) * population <= STREAM_ROWS * members_count:
        # Dense enough: read the order's index from the start and keep the members.
        inside = Members(segment, size)
        found: list[int] = []
        for (n,) in conn.execute(f"SELECT d.n FROM docs d ORDER BY {order}"):
            if n in inside:
                if start:
                    start -= 1
                    continue
                found.append(n)
                if len(found) == count:
                    break
        return found
    # Sparse: sort just the members.
    _scratch(conn, members(segment))
    rows = conn.execute(
        f"SELECT d.n FROM docs d WHERE d.n IN temp.scratch ORDER BY {order} LIMIT ? OFFSET ?", (count, start)
    )
    return [int(n) for (n,) in rows]


def _page(
    conn: sqlite3.Connection,
    query: SearchQuery,
    expression: str | None,
    today: str,
    bitmaps: FacetBitmaps,
    matched: int,
    titled: int,
    full: int,
) -> list[dict[str, Any]]:
    """The requested page: open offerings first, then ended ones, each in the requested order."""
    start = (query.page - 1) * query.size
    count = query.size
    population = max(bitmaps.everything.bit_count(), 1)
    numbers: list[int] = []
    for segment in _segments(full, bitmaps.ended(conn, today)):
        if count <= 0 or not segment:
            continue
        members_count = segment.bit_count()
        if start >= members_count:
            start -= members_count
            continue
        if query.sort == "relevance" and expression:
            numbers += _ranked_numbers(conn, expression, segment, matched, titled, bitmaps.size, start, count)
        else:
            order = sql.order_by(query, ranked=False)
            numbers += _sorted_numbers(conn, order, segment, population, bitmaps.size, start, count)
        count = query.size - len(numbers)
        start = 0
    if not numbers:
        return []
    marks = ", ".join("?" * len(numbers))
    documents = dict(conn.execute(f"SELECT n, doc FROM docs WHERE n IN ({marks})", numbers).fetchall())
    snippets: dict[int, str] = {}
    if expression:
        # One pass of the match for the page (the + as above: not one per rowid).
        snippets = dict(
            conn.execute(
                f"SELECT rowid, {sql.SNIPPET} FROM docs_fts WHERE docs_fts MATCH ? AND +rowid IN ({marks})",
                [expression, *numbers],
            ).fetchall()
        )
    results = []
    for n in numbers:
        doc = json.loads(documents[n])
        result = {k: v for k, v in doc.items() if k not in document.INTERNAL_KEYS}
        result["highlight"] = document.highlight(snippets.get(n), doc.get("description"))
        results.append(result)
    return results


_IN_COLUMNS = "col IN ({})".format(", ".join(f"'{c}'" for c in sql.SPELLING_COLUMNS))


def _indexed(conn: sqlite3.Connection, word: str, *, prefix: bool) -> bool:
    """Whether ``word`` (or, with ``prefix``, a term starting with it) is in the index."""
    if prefix:
        found = conn.execute(
            f"SELECT 1 FROM temp.vocab WHERE term >= ? AND term < ? AND {_IN_COLUMNS} LIMIT 1",
            (word, word + "\U0010ffff"),
        ).fetchone()
    else:
        found = conn.execute(f"SELECT 1 FROM temp.vocab WHERE term = ? AND {_IN_COLUMNS} LIMIT 1", (word,)).fetchone()
    return found is not None


def _correction(conn: sqlite3.Connection, word: str) -> str | None:
    """The indexed term closest to ``word``: among terms of about its length sharing its first letter."""
    if len(word) < sql.SPELLING_MIN_LENGTH:
        return None
    rows = conn.execute(
        f"SELECT term, sum(doc) FROM temp.vocab WHERE term >= ? AND term < ? AND {_IN_COLUMNS}"
        " AND length(term) BETWEEN ? AND ? GROUP BY term",
        (word[0], word[0] + "\U0010ffff", len(word) - sql.SPELLING_LENGTH_SLACK, len(word) + sql.SPELLING_LENGTH_SLACK),
    ).fetchall()
    return sql.closest_term(word, {str(term): int(docs) for term, docs in rows})


def _corrected_text(conn: sqlite3.Connection, q: str) -> str | None:
    """``q`` with each word the index lacks replaced by its closest term; None when nothing (or not all) can be."""
    terms = document.query_terms(q)
    changed = False
    corrected: list[str] = []
    for i, term in enumerate(terms):
        words = sql.index_words(term)
        last = i == len(terms) - 1
        fixed = []
        for j, word in enumerate(words):
            if _indexed(conn, word, prefix=last and j == len(words) - 1):
                fixed.append(word)
                continue
            replacement = _correction(conn, word)
            if replacement is None:
                return None
            fixed.append(replacement)
            changed = True
        corrected.append(term if fixed == words else " ".join(fixed))
    return " ".join(corrected) if changed else None


def did_you_mean(conn: sqlite3.Connection, query: SearchQuery, today: str) -> str | None:
    """A corrected text of ``query`` that has hits under the same filters, or None.

    Uses (and refills) the connection's temporary tables; the caller holds a read transaction.
    """
    if not sql.match_expression(query.q):
        return None
    try:
        conn.execute(sql.VOCAB_TABLE)
        corrected = _corrected_text(conn, query.q)
        expression = sql.match_expression(corrected or "")
        if corrected is None or expression is None:
            return None
        _fill(conn, "matched", "SELECT rowid FROM docs_fts WHERE docs_fts MATCH ?", [expression])
        trial = replace(query, q=corrected, facets=(), page=1)
        _table, total = _set_of(conn, sql.where(trial, text=True, today=today), "hits")
    except sqlite3.Error as exc:  # a spelling aid must never fail the search it helps
        logger.warning("no spelling correction for %r: %s", query.q, exc)
        return None
    return corrected if total > 0 else None


def answer(
    conn: sqlite3.Connection, query: SearchQuery, *, today: str, state: tuple[str, int], caches: Caches
) -> tuple[Counts, list[dict[str, Any]]]:
    """Counts (from ``caches`` when known) and the requested page of ``query`` on index state ``state``.

    ``state`` is (generation, version). The caller holds a read transaction on that state, so that
    counts and page come from one snapshot.
    """
    expression = sql.match_expression(query.q)
    bitmaps = caches.bitmaps.get(state, conn)
    base = bitmaps.ranges(conn, query, today)
    matched = titled = bitmaps.everything
    if expression:
        matched = _matched(conn, expression, state=state, caches=caches, size=bitmaps.size)
        base &= matched
    key = (state, counts_key(query, today))
    counts = caches.counts.get(key)
    if counts is None:
        total, counted, full = bitmaps.counts(query, base)
        counts = Counts(total=total, facets=_labelled(bitmaps, counted))
        if total == 0 and expression:
            for statement in sql.TEMP_TABLES:  # not executescript(): it would end our read transaction
                conn.execute(statement)
            counts = replace(counts, did_you_mean=did_you_mean(conn, query, today))
        caches.counts.put(key, counts)
    else:
        full = bitmaps.selected(query, base)
    if expression and query.sort == "relevance":
        titled = _matched(conn, sql.title_expression(expression), state=state, caches=caches, size=bitmaps.size)
    return counts, _page(conn, query, expression, today, bitmaps, matched, titled, full)
