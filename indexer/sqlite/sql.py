"""SQL and row-building helpers of the SQLite FTS5 engine (:mod:`indexer.sqlite`): pure, no I/O.

A document becomes one ``docs`` row (the JSON plus sort/range columns), one ``docs_fts`` row, one
``facets`` row per (field, value) and a few ``suggestions`` keys. This module turns documents into
those rows and a :class:`~indexer.base.SearchQuery` into SQL, so the engine module only deals with
files, connections and transactions.
"""

from __future__ import annotations

import difflib
import html
import json
import math
import re
import threading
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import snowballstemmer

from indexer.base import FACET_DOCUMENT_FIELD, FACET_FIELDS, MAX_SIZE, SORTS, SearchQuery
from offerings import vocab
from offerings.errors import InvalidQuery

__all__ = [
    "FORMAT",
    "INTERNAL_KEYS",
    "MATCHED",
    "SCHEMA",
    "SPELLING_COLUMNS",
    "STEM_LANGUAGES",
    "TEMP_TABLES",
    "VOCAB_TABLE",
    "CHANGES_TABLE",
    "CHANGES_KEPT",
    "DUPLICATE_FACET",
    "DocumentRows",
    "Where",
    "closest_term",
    "document_rows",
    "facet_label",
    "highlight",
    "index_words",
    "is_duplicate",
    "last_date",
    "match_expression",
    "order_by",
    "query_terms",
    "stem_columns",
    "stems",
    "suggestion_range",
    "title_expression",
    "validate",
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
# Languages whose Snowball stemmer stems the text of documents in them, and every query (whose
# language is unknown); the same set as the OpenSearch engine's stemmed sub-fields.
STEM_LANGUAGES: dict[str, str] = {
    "de": "german",
    "en": "english",
    "fr": "french",
    "es": "spanish",
    "it": "italian",
    "nl": "dutch",
    "pt": "portuguese",
    "pl": "polish",
}
DEFAULT_STEM_LANGUAGE = "en"

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
# Keys the index needs but the API does not return.
INTERNAL_KEYS = frozenset({"title_all", "seq"})
# A stemmed match is worth a little less than the (folded) word itself.
STEM_WEIGHT = 0.8
# bm25() weights, in docs_fts column order: title, skills+subjects, description, provider, then the
# stems of title, skills+subjects and description.
BM25_WEIGHTS = (10.0, 5.0, 2.0, 1.0, 10.0 * STEM_WEIGHT, 5.0 * STEM_WEIGHT, 2.0 * STEM_WEIGHT)
RANK = "bm25(docs_fts, {})".format(", ".join(str(w) for w in BM25_WEIGHTS))
# Private-use markers for snippet(): they cannot collide with HTML, and are swapped for <mark> after escaping.
MARK_OPEN, MARK_CLOSE = "\ue000", "\ue001"
SNIPPET = f"snippet(docs_fts, 2, '{MARK_OPEN}', '{MARK_CLOSE}', '…', 32)"
MAX_TERMS = 32
SUGGEST_KEY_LENGTH = 64
SUGGEST_WORD_STARTS = 12

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ue000\ue001]")
_TOKEN_CHAR = re.compile(r"[^\W_]")
_NON_WORD = re.compile(r"[\W_]+")
_WORD = re.compile(r"[^\W_]+")
# Snowball stemmers keep state while stemming: each thread has its own.
_STEMMERS = threading.local()
# Stems remembered per language (see _stemmed).
_STEM_CACHE: dict[str, dict[str, str]] = {}
STEM_CACHE_SIZE = 200_000
# Completion keys remembered per (text, kind, words) (see _suggestion_keys): emptied past this many.
_KEY_CACHE: dict[tuple[str, str, bool], frozenset[tuple[str, str, str, int]]] = {}
KEY_CACHE_SIZE = 100_000

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


def clean(text: Any) -> str:
    """Text without control characters (they break FTS5 strings and our snippet markers)."""
    return _CONTROL.sub(" ", str(text)) if text else ""


def _number(value: Any) -> float | None:
    return None if value is None or value == "" else float(value)


def _values(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def normalise_key(text: str) -> str:
    """Folded text with punctuation as single spaces: the form completion keys and prefixes take."""
    return _NON_WORD.sub(" ", vocab.fold(text)).strip()


def _suggestion_keys(text: str, kind: str, *, words: bool) -> frozenset[tuple[str, str, str, int]]:
    """Keys under which ``text`` completes: the whole text and, for short texts, each word onwards.

    Remembered (see :data:`KEY_CACHE_SIZE`): providers, subjects and skills recur in thousands of
    documents, and folding them again was a fifth of the cost of a document's rows.
    """
    found = _KEY_CACHE.get((text, kind, words))
    if found is None:
        found = frozenset(_new_suggestion_keys(text, kind, words=words))
        if len(_KEY_CACHE) >= KEY_CACHE_SIZE:
            _KEY_CACHE.clear()
        _KEY_CACHE[(text, kind, words)] = found
    return found


def _new_suggestion_keys(text: str, kind: str, *, words: bool) -> set[tuple[str, str, str, int]]:
    norm = normalise_key(text)
    if not norm:
        return set()
    keys = {(norm[:SUGGEST_KEY_LENGTH], kind, text, 1)}
    if words:
        parts = norm.split(" ")
        for i in range(1, min(len(parts), SUGGEST_WORD_STARTS)):
            if len(parts[i]) >= 2:
                keys.add((" ".join(parts[i:])[:SUGGEST_KEY_LENGTH], kind, text, 0))
    return keys


def document_rows(doc: Mapping[str, Any], *, encoded: str | None = None) -> DocumentRows:
    """Derive the index rows of one search document (``encoded``: its JSON, when already known).

    Raises:
        ValueError, TypeError: the document has no usable ``id`` or a value of the wrong type.
    """
    if not isinstance(doc, Mapping):
        raise TypeError(f"a document must be a mapping, not {type(doc).__name__}")
    doc_id = doc.get("id")
    if not isinstance(doc_id, str) or not doc_id:
        raise ValueError("document has no id")
    title = clean(doc.get("title"))
    skills = [clean(s) for s in [*_values(doc.get("skills") or []), *_values(doc.get("subjects") or [])] if s]
    provider = clean(doc.get("provider"))
    rows = DocumentRows(
        id=doc_id,
        seq=int(doc.get("seq") or 0),
        title_key=vocab.fold(title),
        start_date=doc.get("start_date") or None,
        ects=_number(doc.get("ects_credits")),
        price=_number(doc.get("price")),
        free=bool(doc.get("free")),
        updated=doc.get("updated") or None,
        last_date=last_date(doc),
        json=json.dumps(doc, ensure_ascii=False) if encoded is None else encoded,
        fts=(clean(doc.get("title_all") or title), " ; ".join(skills), clean(doc.get("description")), provider),
        languages=_stem_languages(doc.get("languages")),
    )
    if is_duplicate(doc):
        rows.facets.add((DUPLICATE_FACET, "1"))
        return rows
    for name in FACET_FIELDS:
        for value in _values(doc.get(FACET_DOCUMENT_FIELD.get(name, name))):
            if value is not None and value != "":
                rows.facets.add((name, str(value)))
    if title:
        rows.suggestions |= _suggestion_keys(title, "title", words=True)
    if provider:
        rows.suggestions |= _suggestion_keys(provider, "provider", words=True)
        if doc.get("provider_id"):
            rows.labels.add(("provider", str(doc["provider_id"]), provider))
    for subject in _values(doc.get("subjects") or []):
        rows.suggestions |= _suggestion_keys(clean(subject), "skill", words=True)
    for skill in _values(doc.get("skills") or []):
        # Learning outcomes are sentences: completing from their middle would only be noise.
        rows.suggestions |= _suggestion_keys(clean(skill), "skill", words=False)
    return rows


def is_duplicate(doc: Mapping[str, Any]) -> bool:
    """Whether another record of ``doc``'s cluster represents it in searches.

    A document indexed before ``duplicate`` existed says so by its ``cluster`` naming another record.
    """
    if "duplicate" in doc:
        return bool(doc["duplicate"])
    cluster = doc.get("cluster")
    return bool(cluster) and cluster != doc.get("id")


def last_date(doc: Mapping[str, Any]) -> str | None:
    """The day ``doc`` is over (its ``last_date``): ended once that is before today; None when undated.

    A document written before ``last_date`` existed falls back to its latest end or else its start,
    which is right for every offering but one whose later instance has a start and no end.
    """
    if "last_date" in doc:
        return str(doc["last_date"]) if doc["last_date"] else None
    return max((str(d) for d in (doc.get("end_date"), doc.get("start_date")) if d), default=None)


def _stem_languages(value: Any) -> tuple[str, ...]:
    """The codes of ``STEM_LANGUAGES`` among a document's languages; the default one when none is."""
    found: list[str] = []
    for language in _values(value) if value else []:
        code = str(language).strip().lower().replace("_", "-").split("-", 1)[0] if language else ""
        if code in STEM_LANGUAGES and code not in found:
            found.append(code)
    return tuple(found) or (DEFAULT_STEM_LANGUAGE,)


def _new_stem(language: str, word: str) -> str:
    stemmers: dict[str, Any] | None = getattr(_STEMMERS, "by_language", None)
    if stemmers is None:
        stemmers = _STEMMERS.by_language = {}
    stemmer = stemmers.get(language)
    if stemmer is None:
        stemmer = stemmers[language] = snowballstemmer.stemmer(STEM_LANGUAGES[language])
    return str(stemmer.stemWord(word))


def _stemmed(language: str, words: list[str]) -> str:
    """The stems of ``words`` in ``language``, space-separated.

    A plain dict per language remembers stems (a lookup per word is most of the cost once the
    vocabulary is known; an lru_cache keyed by (language, word) cost twice as much): emptied when
    it grows past STEM_CACHE_SIZE. Dict reads and writes are atomic, so threads may share it.
    """
    cache = _STEM_CACHE.get(language)
    if cache is None:
        cache = _STEM_CACHE.setdefault(language, {})
    try:
        return " ".join([cache[w] for w in words])
    except KeyError:
        pass
    if len(cache) > STEM_CACHE_SIZE:
        cache.clear()
    for w in words:
        if w not in cache:
            cache[w] = _new_stem(language, w)
    return " ".join([cache.get(w) or _new_stem(language, w) for w in words])


def _stem(language: str, word: str) -> str:
    return _stemmed(language, [word])


def _words(text: str) -> list[str]:
    """The lower-cased words of ``text`` (accents kept: the stemmers know them), as FTS5 splits it."""
    return _WORD.findall(unicodedata.normalize("NFC", text).lower())


def stems(text: str, languages: tuple[str, ...]) -> str:
    """``text`` with each word replaced by its stem, once per language (languages giving the same text once)."""
    words = _words(text)
    if not words:
        return ""
    runs = dict.fromkeys(_stemmed(language, words) for language in languages)
    return " ; ".join(runs)


def stem_columns(rows: DocumentRows) -> tuple[str, str, str]:
    """The ``title_stems``, ``skills_stems`` and ``description_stems`` values of a document."""
    title, skills, description, _provider = rows.fts
    return stems(title, rows.languages), stems(skills, rows.languages), stems(description, rows.languages)


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def query_terms(q: str) -> list[str]:
    """The searchable whitespace-separated terms of user text."""
    return [t for t in clean(q).split() if _TOKEN_CHAR.search(t)][:MAX_TERMS]


def index_words(term: str) -> list[str]:
    """The words of one query term as the index holds them (lower case, diacritics removed)."""
    return [vocab.fold(w) for w in _words(term)]


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
        words = _words(term)
        plain = " ".join(words)
        alternatives = dict.fromkeys(" ".join(_stem(language, w) for w in words) for language in STEM_LANGUAGES)
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


def _iso_date(parameter: str, value: str | None) -> None:
    if value is None:
        return
    try:
        date.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise InvalidQuery(parameter, f"not an ISO date: {value!r}") from exc


def validate(query: SearchQuery) -> None:
    """Refuse a query the engine cannot answer.

    Raises:
        InvalidQuery: naming the offending parameter.
    """
    if query.sort not in SORTS:
        raise InvalidQuery("sort", f"must be one of {', '.join(SORTS)}")
    if not 1 <= query.size <= MAX_SIZE:
        raise InvalidQuery("size", f"must be between 1 and {MAX_SIZE}")
    if query.page < 1 or (query.page - 1) * query.size > 2**62:
        raise InvalidQuery("page", "must be a positive number of reasonable size")
    for name in (*query.filters, *query.facets):
        if name not in FACET_FIELDS:
            raise InvalidQuery(name, "not a filterable field")
    for name in ("ects_min", "ects_max", "price_max"):
        value = getattr(query, name)
        if value is not None and not math.isfinite(value):
            raise InvalidQuery(name, "must be a finite number")
    _iso_date("starts_after", query.starts_after)
    _iso_date("starts_before", query.starts_before)


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


def highlight(snippet: str | None, description: str | None) -> str:
    """HTML-safe highlight: the snippet with ``<mark>`` around matches, or the description's start."""
    if snippet is None:
        text = clean(description)
        snippet = text if len(text) <= 240 else text[:240].rsplit(" ", 1)[0] + "…"
    escaped = html.escape(snippet)
    return escaped.replace(MARK_OPEN, "<mark>").replace(MARK_CLOSE, "</mark>")


def facet_label(name: str, value: str, labels: Mapping[str, str]) -> str:
    """Display label of a facet value."""
    if name == "country":
        return vocab.country_label(value)
    if name == "language":
        return vocab.language_label(value)
    if name == "mode":
        return vocab.mode_label(value)
    if name == "eqf_level":
        return f"EQF {value}"
    return labels.get(value, value)


def suggestion_range(prefix: str) -> tuple[str, str] | None:
    """The key range ``[low, high)`` holding completions of ``prefix``, or None for an empty one."""
    key = normalise_key(clean(prefix))
    if not key:
        return None
    if not _TOKEN_CHAR.match(prefix[-1:]):
        # The last word is complete: keep the space, so that "data " does not complete "database".
        key += " "
    key = key[:SUGGEST_KEY_LENGTH]
    return key, key + "\U0010ffff"
