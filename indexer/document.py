"""The engine-neutral search document: what every engine derives from one, and the query helpers they share.

A search document is the flat mapping the store keeps for each record
(:func:`offerings.export.search.search_document`). Both engines index it the same way, so the
derivations that decide what a search finds live here once: the cleaned texts and their title
key, the languages whose Snowball stems are indexed, the completion keys, the day an offering is
over, whether another record of its cluster represents it. So do the parts of answering that do
not depend on the engine: validating a :class:`~indexer.base.SearchQuery`, splitting user text
into terms, the key range of a completion prefix, highlights and facet labels.

Pure, no I/O. May import :mod:`indexer.base` and :mod:`offerings`; both :mod:`indexer.sqlite`
and :mod:`indexer.elastic` import it, neither of which it may import.
"""

from __future__ import annotations

import html
import math
import re
import threading
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import snowballstemmer

from indexer.base import FACET_FIELDS, MAX_SIZE, SORTS, SearchQuery
from offerings import vocab
from offerings.errors import InvalidQuery

__all__ = [
    "DEFAULT_STEM_LANGUAGE",
    "INTERNAL_KEYS",
    "MARK_CLOSE",
    "MARK_OPEN",
    "MAX_TERMS",
    "STEM_LANGUAGES",
    "SUGGEST_KEY_LENGTH",
    "IndexedText",
    "clean",
    "facet_label",
    "highlight",
    "indexed_text",
    "is_duplicate",
    "last_date",
    "listed",
    "normalise_key",
    "query_terms",
    "stem",
    "stem_languages",
    "stems",
    "suggestion_range",
    "validate",
    "words",
]

# Languages whose Snowball stemmer stems the text of documents in them, and every query (whose
# language is unknown). The SQLite engine indexes these stems itself; the OpenSearch engine has
# analyzers for most of them and indexes client-side stems for the rest.
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
# Keys the index needs but the API does not return.
INTERNAL_KEYS = frozenset({"title_all", "seq"})
# Private-use markers around matches in a highlight: they cannot collide with HTML, and are
# swapped for <mark> after escaping.
MARK_OPEN, MARK_CLOSE = "\ue000", "\ue001"
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


@dataclass(slots=True)
class IndexedText:
    """The searchable text of one search document, as every engine indexes it.

    ``suggestions`` are completion keys ``(key, kind, text, whole)``: ``whole`` is 1 for the
    whole text, 0 for a text completed from one of its later words.
    """

    id: str
    title_key: str
    # Every language's title (``title_all``), else the title.
    title: str
    # Skills and subjects, joined by " ; ".
    skills: str
    description: str
    provider: str
    # Codes of the document's languages that have a stemmer (the default one when none has).
    languages: tuple[str, ...] = (DEFAULT_STEM_LANGUAGE,)
    suggestions: set[tuple[str, str, str, int]] = field(default_factory=set)


def clean(text: Any) -> str:
    """Text without control characters (they break FTS5 strings and the highlight markers)."""
    return _CONTROL.sub(" ", str(text)) if text else ""


def listed(value: Any) -> list[Any]:
    """A document value as a list: a list or tuple as it is, anything else as its only item."""
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


def indexed_text(doc: Mapping[str, Any]) -> IndexedText:
    """The searchable text of one search document, with its completion keys (none for a duplicate).

    Raises:
        ValueError, TypeError: the document is not a mapping or has no usable ``id``.
    """
    if not isinstance(doc, Mapping):
        raise TypeError(f"a document must be a mapping, not {type(doc).__name__}")
    doc_id = doc.get("id")
    if not isinstance(doc_id, str) or not doc_id:
        raise ValueError("document has no id")
    title = clean(doc.get("title"))
    skills = [clean(s) for s in [*listed(doc.get("skills") or []), *listed(doc.get("subjects") or [])] if s]
    provider = clean(doc.get("provider"))
    text = IndexedText(
        id=doc_id,
        title_key=vocab.fold(title),
        title=clean(doc.get("title_all") or title),
        skills=" ; ".join(skills),
        description=clean(doc.get("description")),
        provider=provider,
        languages=stem_languages(doc.get("languages")),
    )
    if is_duplicate(doc):
        # Its cluster's representative completes for it.
        return text
    if title:
        text.suggestions |= _suggestion_keys(title, "title", words=True)
    if provider:
        text.suggestions |= _suggestion_keys(provider, "provider", words=True)
    for subject in listed(doc.get("subjects") or []):
        text.suggestions |= _suggestion_keys(clean(subject), "skill", words=True)
    for skill in listed(doc.get("skills") or []):
        # Learning outcomes are sentences: completing from their middle would only be noise.
        text.suggestions |= _suggestion_keys(clean(skill), "skill", words=False)
    return text


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


def stem_languages(value: Any) -> tuple[str, ...]:
    """The codes of ``STEM_LANGUAGES`` among a document's languages; the default one when none is."""
    found: list[str] = []
    for language in listed(value) if value else []:
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


def stem(language: str, word: str) -> str:
    """The Snowball stem of one lower-cased word in ``language`` (a code of ``STEM_LANGUAGES``)."""
    return _stemmed(language, [word])


def words(text: str) -> list[str]:
    """The lower-cased words of ``text`` (accents kept: the stemmers know them), as FTS5 splits it."""
    return _WORD.findall(unicodedata.normalize("NFC", text).lower())


def stems(text: str, languages: tuple[str, ...]) -> str:
    """``text`` with each word replaced by its stem, once per language (languages giving the same text once)."""
    found = words(text)
    if not found:
        return ""
    runs = dict.fromkeys(_stemmed(language, found) for language in languages)
    return " ; ".join(runs)


def query_terms(q: str) -> list[str]:
    """The searchable whitespace-separated terms of user text (at most :data:`MAX_TERMS`)."""
    return [t for t in clean(q).split() if _TOKEN_CHAR.search(t)][:MAX_TERMS]


def _iso_date(parameter: str, value: str | None) -> None:
    if value is None:
        return
    try:
        date.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise InvalidQuery(parameter, f"not an ISO date: {value!r}") from exc


def validate(query: SearchQuery) -> None:
    """Refuse a query no engine can answer.

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
