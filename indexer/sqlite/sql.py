"""SQL and row-building helpers of the SQLite FTS5 engine (:mod:`indexer.sqlite`): pure, no I/O.

A document becomes one ``docs`` row (the JSON plus sort/range columns), one ``docs_fts`` row, one
``facets`` row per (field, value) and a few ``suggestions`` keys. This module turns documents into
those rows and a :class:`~indexer.base.SearchQuery` into SQL, so the engine module only deals with
files, connections and transactions.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from indexer.base import FACET_DOCUMENT_FIELD, FACET_FIELDS, SearchQuery
from indexer.document import (
    DEFAULT_STEM_LANGUAGE,
    MARK_CLOSE,
    MARK_OPEN,
    STEM_LANGUAGES,
    indexed_text,
    is_duplicate,
    last_date,
    listed,
    query_terms,
    stem,
    stems,
    words,
)
from offerings import vocab

__all__ = [
    "FORMAT",
    "MATCHED",
    "SCHEMA",
    "SPELLING_COLUMNS",
    "TEMP_TABLES",
    "VOCAB_TABLE",
    "CHANGES_TABLE",
    "CHANGES_KEPT",
    "DUPLICATE_FACET",
    "DocumentRows",
    "Where",
    "closest_term",
    "document_rows",
    "index_words",
    "match_expression",
    "order_by",
    "stem_columns",
    "title_expression",
    "where",
]

# The documents (``docs.n``) each write transaction touched, by the index version it made: a process
# whose bitmaps are of an older version of the same generation re-reads just those documents rather
# than every facet row (see indexer.sqlite.bits.patch). Created by the first write that records into
# it, which also sets ``meta.changes_from``; rows older than CHANGES_KEPT versions are dropped.
CHANGES_TABLE = (
    "CREATE TABLE IF NOT EXISTS changes (version INTEGER NOT NULL, n INTEGER NOT NULL,"
    " PRIMARY KEY (version, n)) WITHOUT ROWID"
)
CHANGES_KEPT = 1000

# Layout of a generation file, kept in its ``PRAGMA user_version``: a generation of another format
# (0: before the stemmed columns; 2: before ``last_date`` and Polish stems; 3: ``last_date`` from the
# earliest start and latest end rather than the document's own ``last_date``; 4: before the ``tier``
# facet) is rebuilt from its own documents when the engine opens it.
FORMAT = 5

SCHEMA = (
    """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS docs (
    n INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    seq INTEGER NOT NULL DEFAULT 0,
    title_key TEXT NOT NULL DEFAULT '',
    start_date TEXT,
    ects REAL,
    price REAL,
    free INTEGER NOT NULL DEFAULT 0,
    updated TEXT,
    -- The document's last_date (latest over its instances of the end, else the start): ended once past.
    last_date TEXT,
    doc TEXT NOT NULL
);
-- One index per sort order (expressions and all), so that an unfiltered page is read in order.
CREATE INDEX IF NOT EXISTS docs_start ON docs ((start_date IS NULL), start_date, title_key, id);
CREATE INDEX IF NOT EXISTS docs_start_desc ON docs ((start_date IS NULL), start_date DESC, title_key, id);
CREATE INDEX IF NOT EXISTS docs_ects ON docs ((ects IS NULL), ects, id);
CREATE INDEX IF NOT EXISTS docs_ects_desc ON docs ((ects IS NULL), ects DESC, id);
CREATE INDEX IF NOT EXISTS docs_title ON docs (title_key, id);
CREATE INDEX IF NOT EXISTS docs_updated ON docs (updated DESC, id);
-- The *_stems columns hold the Snowball stems of the column of that name, in the document's languages.
CREATE VIRTUAL TABLE IF NOT EXISTS docs_fts USING fts5(
    title, skills, description, provider, title_stems, skills_stems, description_stems,
    tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3'
);
-- One row per facet value of a document: (field, value) leads so that unfiltered counts are an
-- index-only scan; the (doc, field) index serves deletes and counting small result sets.
CREATE TABLE IF NOT EXISTS facets (
    field TEXT NOT NULL, value TEXT NOT NULL, doc INTEGER NOT NULL,
    PRIMARY KEY (field, value, doc)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS facets_doc ON facets (doc, field);
CREATE TABLE IF NOT EXISTS labels (
    field TEXT NOT NULL, value TEXT NOT NULL, label TEXT NOT NULL, PRIMARY KEY (field, value)
) WITHOUT ROWID;
-- Completion keys with a document count, so that a provider named in 5,000 offerings is one row.
CREATE TABLE IF NOT EXISTS suggestions (
    key TEXT NOT NULL, kind TEXT NOT NULL, text TEXT NOT NULL, whole INTEGER NOT NULL,
    docs INTEGER NOT NULL, PRIMARY KEY (key, kind, text)
) WITHOUT ROWID;
"""
    + f"PRAGMA user_version = {FORMAT};\n"
)

# The ``facets`` row marking a document that another record of its cluster represents (no schema
# change: a field no query may name). Such a document has no other facet or completion rows, and the
# bitmaps leave it out of every search (docs/normalisation.md §3.7: one offering, one result).
DUPLICATE_FACET = "_duplicate"
# A stemmed match is worth a little less than the (folded) word itself.
STEM_WEIGHT = 0.8
# bm25() weights, in docs_fts column order: title, skills+subjects, description, provider, then the
# stems of title, skills+subjects and description.
BM25_WEIGHTS = (10.0, 5.0, 2.0, 1.0, 10.0 * STEM_WEIGHT, 5.0 * STEM_WEIGHT, 2.0 * STEM_WEIGHT)
RANK = "bm25(docs_fts, {})".format(", ".join(str(w) for w in BM25_WEIGHTS))
# snippet() marks matches with indexer.document's markers, which highlight() turns into <mark>.
SNIPPET = f"snippet(docs_fts, 2, '{MARK_OPEN}', '{MARK_CLOSE}', '…', 32)"
# Each matches one index of SCHEMA exactly; missing values sort last either way.
_ORDERS = {
    "start_date": "(d.start_date IS NULL), d.start_date, d.title_key, d.id",
    "-start_date": "(d.start_date IS NULL), d.start_date DESC, d.title_key, d.id",
    "ects": "(d.ects IS NULL), d.ects, d.id",
    "-ects": "(d.ects IS NULL), d.ects DESC, d.id",
    "title": "d.title_key, d.id",
    "updated": "d.updated DESC, d.id",
    # Without a text query there is no score: by date, then title.
    "relevance": "(d.start_date IS NULL), d.start_date, d.title_key, d.id",
}
# Scratch tables of one connection holding sets of docs.n while one search is answered.
TEMP_TABLES = (
    "CREATE TEMP TABLE IF NOT EXISTS matched (n INTEGER PRIMARY KEY)",
    "CREATE TEMP TABLE IF NOT EXISTS hits (n INTEGER PRIMARY KEY)",
    "CREATE TEMP TABLE IF NOT EXISTS scratch (n INTEGER PRIMARY KEY)",
)
MATCHED = "d.n IN temp.matched"
# The indexed terms per column of the connection's generation, for "did you mean" (a view, no storage).
VOCAB_TABLE = "CREATE VIRTUAL TABLE IF NOT EXISTS temp.vocab USING fts5vocab(main, docs_fts, 'col')"
# Columns whose terms a misspelt word may be corrected to: the words as written, not their stems.
SPELLING_COLUMNS = ("title", "skills", "description", "provider")
# A word is corrected only when it has at least this many letters, to a term at most this many
# letters longer or shorter, that is at least this similar (difflib ratio: one letter of six changed is 0.83).
SPELLING_MIN_LENGTH = 3
SPELLING_LENGTH_SLACK = 2
SPELLING_CUTOFF = 0.75


@dataclass(slots=True)
class DocumentRows:
    """Everything one document writes into the index."""

    id: str
    seq: int
    title_key: str
    start_date: str | None
    ects: float | None
    price: float | None
    free: bool
    updated: str | None
    last_date: str | None
    json: str
    fts: tuple[str, str, str, str]
    # Codes of the document's languages that have a stemmer (the default one when none has).
    languages: tuple[str, ...] = (DEFAULT_STEM_LANGUAGE,)
    facets: set[tuple[str, str]] = field(default_factory=set)
    suggestions: set[tuple[str, str, str, int]] = field(default_factory=set)
    labels: set[tuple[str, str, str]] = field(default_factory=set)


@dataclass(slots=True)
class Where:
    """A WHERE clause over ``docs d`` and its parameters."""

    sql: str
    params: list[Any]


def _number(value: Any) -> float | None:
    return None if value is None or value == "" else float(value)


def document_rows(doc: Mapping[str, Any], *, encoded: str | None = None) -> DocumentRows:
    """Derive the index rows of one search document (``encoded``: its JSON, when already known).

    Its text and completion keys are :func:`indexer.document.indexed_text`'s, as in every engine.

    Raises:
        ValueError, TypeError: the document has no usable ``id`` or a value of the wrong type.
    """
    text = indexed_text(doc)
    rows = DocumentRows(
        id=text.id,
        seq=int(doc.get("seq") or 0),
        title_key=text.title_key,
        start_date=doc.get("start_date") or None,
        ects=_number(doc.get("ects_credits")),
        price=_number(doc.get("price")),
        free=bool(doc.get("free")),
        updated=doc.get("updated") or None,
        last_date=last_date(doc),
        json=json.dumps(doc, ensure_ascii=False) if encoded is None else encoded,
        fts=(text.title, text.skills, text.description, text.provider),
        languages=text.languages,
        suggestions=text.suggestions,
    )
    if is_duplicate(doc):
        rows.facets.add((DUPLICATE_FACET, "1"))
        return rows
    for name in FACET_FIELDS:
        for value in listed(doc.get(FACET_DOCUMENT_FIELD.get(name, name))):
            if value is not None and value != "":
                rows.facets.add((name, str(value)))
    if text.provider and doc.get("provider_id"):
        rows.labels.add(("provider", str(doc["provider_id"]), text.provider))
    for uri, label in zip(listed(doc.get("esco_skills")), listed(doc.get("esco_skill_labels")), strict=False):
        if uri and label:
            rows.labels.add(("esco_skill", str(uri), str(label)))
    return rows


def stem_columns(rows: DocumentRows) -> tuple[str, str, str]:
    """The ``title_stems``, ``skills_stems`` and ``description_stems`` values of a document."""
    title, skills, description, _provider = rows.fts
    return stems(title, rows.languages), stems(skills, rows.languages), stems(description, rows.languages)


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def index_words(term: str) -> list[str]:
    """The words of one query term as the index holds them (lower case, diacritics removed)."""
    return [vocab.fold(w) for w in words(term)]


def closest_term(word: str, candidates: Mapping[str, int]) -> str | None:
    """The indexed term closest to ``word`` among ``candidates`` (term: documents holding it), or None.

    Among the close ones (by edit similarity), a clearly closer term wins; of about equally close
    terms, the most frequent one.
    """
    if len(word) < SPELLING_MIN_LENGTH or not candidates:
        return None
    close = difflib.get_close_matches(word, list(candidates), n=8, cutoff=SPELLING_CUTOFF)
    if not close:
        return None
    ratios = {t: difflib.SequenceMatcher(None, word, t).ratio() for t in close}
    best = max(ratios.values())
    return max(close, key=lambda t: (ratios[t] >= best - 0.05, candidates[t], ratios[t], t))


def match_expression(q: str) -> str | None:
    """An FTS5 MATCH expression for user text, or None when it holds no searchable term.

    Every whitespace-separated term becomes a quoted string (so ``AND``, ``NEAR``, ``*``, ``(``
    and ``"`` are plain text and can never be a syntax error) and the last one is a prefix, so
    results follow the user's typing. A term also matches its stems in every language of
    ``STEM_LANGUAGES`` (the query's language is unknown), which the index holds for every document
    in its own languages. Terms are ANDed.
    """
    terms = query_terms(q)
    if not terms:
        return None
    groups = []
    for i, term in enumerate(terms):
        quoted = _quote(term) + ("*" if i == len(terms) - 1 else "")
        found = words(term)
        plain = " ".join(found)
        alternatives = dict.fromkeys(" ".join(stem(language, w) for w in found) for language in STEM_LANGUAGES)
        stemmed = [_quote(s) for s in alternatives if s and s != plain]
        groups.append("(" + " OR ".join([quoted, *stemmed]) + ")" if stemmed else quoted)
    return " AND ".join(groups)


def title_expression(expression: str) -> str:
    """``expression`` restricted to the title columns: the documents of the first relevance tier.

    Relevance ranks documents with every query term in their title (as written or stemmed) above
    the rest, each tier by bm25. bm25 alone nearly always does so already (a title hit weighs five
    times a description hit and tf saturates), and the tier lets a broad query rank only its
    title matches (a fifth of the matches for a common word) instead of every match.
    """
    return f"{{title title_stems}} : ({expression})"


def where(query: SearchQuery, *, text: bool, exclude: str | None = None, today: str | None = None) -> Where:
    """The conditions of ``query`` over ``docs d``, leaving out the filter on ``exclude``.

    With ``text`` the full-text match is a condition too, as membership of ``temp.matched``,
    which the caller has filled; without it the caller joins ``docs_fts`` itself (to rank and
    highlight).
    """
    clauses: list[str] = []
    params: list[Any] = []
    if text and match_expression(query.q):
        clauses.append(MATCHED)
    # Duplicates are never a result (the bitmaps leave them out the same way).
    clauses.append(f"d.n NOT IN (SELECT doc FROM facets WHERE field = '{DUPLICATE_FACET}')")
    for name, values in sorted(query.filters.items()):
        wanted = sorted({str(v) for v in values})
        if name == exclude or not wanted:
            continue
        marks = ", ".join("?" * len(wanted))
        clauses.append(f"d.n IN (SELECT doc FROM facets WHERE field = ? AND value IN ({marks}))")
        params += [name, *wanted]
    ranges = (
        ("d.ects >= ?", query.ects_min),
        ("d.ects <= ?", query.ects_max),
        # A free offering costs nothing even when no price is stated.
        ("(d.price <= ? OR d.free = 1)", query.price_max),
        ("d.start_date >= ?", query.starts_after),
        ("d.start_date <= ?", query.starts_before),
    )
    for clause, value in ranges:
        if value is not None:
            clauses.append(clause)
            params.append(value)
    if query.free:
        clauses.append("d.free = 1")
    if query.open:
        clauses.append("(d.last_date IS NULL OR d.last_date >= ?)")
        params.append(today or date.today().isoformat())
    return Where(" AND ".join(clauses) or "1", params)


def order_by(query: SearchQuery, *, ranked: bool) -> str:
    """ORDER BY clause; every order ends on the id so that pages never overlap."""
    if query.sort == "relevance" and ranked:
        return f"{RANK}, d.id"
    return _ORDERS[query.sort]
