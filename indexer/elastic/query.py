"""Documents, request bodies and answers of the Elasticsearch/OpenSearch engine: pure, no I/O.

Both clients of :mod:`indexer.elastic` send exactly these bodies, so the search contract is
written once. It follows the SQLite engine's (the contract tests hold both to it):

* every whitespace-separated term must match (terms are ANDed) in some field, the last one also
  as a prefix, so results follow the user's typing;
* a term scores in each field group (title, skills, subjects, description, provider) by the best
  of the folded field and its per-language stemmed sub-fields, the groups weighted by
  :data:`SEARCH_BOOSTS`, and the group scores add up;
* facet filters are OR within a field and AND across fields, applied as a ``post_filter`` so
  that each facet's aggregation can leave out its own filter (disjunctive facets);
* every sort ends on the id, so pages are stable and never overlap.

Suggestions use keyword fields of completion *keys*, the same keys the SQLite engine stores
(:func:`indexer.document.indexed_text`): a terms aggregation over the keys that start with the
typed prefix counts documents per distinct text, so a provider named by 5,000 offerings is one
suggestion, which a completion suggester (one option per document) cannot do.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import config.mappings
from indexer import document
from indexer.base import FACET_DOCUMENT_FIELD, FACET_FIELDS, LABELLED_FACETS, FacetValue, SearchPage, SearchQuery

__all__ = [
    "CLIENT_STEM_LANGUAGES",
    "ENGINE_KEYS",
    "FACET_SIZE",
    "LANGUAGES",
    "MAX_WINDOW",
    "SEARCH_BOOSTS",
    "STEM_FIELDS",
    "bulk_error",
    "client_stems",
    "corrected_from",
    "corrections_from",
    "ended_sort",
    "index_document",
    "known_body",
    "known_from",
    "mapping",
    "page_from",
    "safe_url",
    "search_body",
    "spelling_body",
    "suggest_body",
    "suggestions_from",
]

MAPPING_FILE = Path(config.mappings.__file__).with_name("offering.json")
# Field groups searched, with their weights: title > skills/subjects > description > provider.
SEARCH_BOOSTS: dict[str, float] = {
    "title_text": 10.0,
    "skills": 5.0,
    "subjects": 5.0,
    "description": 2.0,
    "provider": 1.0,
}
# Languages with a stemmed sub-field on every text field but the provider's name.
LANGUAGES: tuple[str, ...] = ("de", "en", "fr", "es", "it", "nl", "pt")
# Languages the cluster has no analyzer for: their stemmer (Polish: Stempel) is a plugin that a stock
# cluster lacks -- and that Maven Central does not carry (org.opensearch.plugin:analysis-stempel is
# published elsewhere), so the test node cannot have it. Documents in them get the Snowball stems the
# SQLite engine indexes (:func:`indexer.document.stems`), computed here, in :data:`STEM_FIELDS`,
# and every query term is stemmed the same way to match them.
CLIENT_STEM_LANGUAGES: tuple[str, ...] = tuple(lang for lang in document.STEM_LANGUAGES if lang not in LANGUAGES)
# Field group -> its field of client-side stems (only documents in CLIENT_STEM_LANGUAGES have them).
STEM_FIELDS: dict[str, str] = {
    "title_text": "title_stems",
    "skills": "skills_stems",
    "subjects": "subjects_stems",
    "description": "description_stems",
}
# A stemmed match is worth a little less than the (folded) word itself.
STEM_WEIGHT = 0.8
# Values returned per facet; more than any catalogue field we know of has (providers: ~5,000 HEIs in the EHEA).
FACET_SIZE = 10_000
# Deepest result the engine pages to (index.max_result_window in the mapping).
MAX_WINDOW = 100_000
# Fields only the engine needs: indexed, never stored in _source, never returned.
ENGINE_KEYS = frozenset(
    {
        "title_key",
        "title_text",
        "provider_facet",
        "esco_skill_facet",
        "suggest_whole",
        "suggest_word",
        *STEM_FIELDS.values(),
    }
)
# Separates key, kind and text in a suggestion entry; clean() removes it from texts.
_SEP = "\x01"
_LUCENE_REGEX_SPECIAL = re.compile(r"[^\w]")
FACET_FIELD: dict[str, str] = {name: FACET_DOCUMENT_FIELD.get(name, name) for name in FACET_FIELDS}
# Providers are counted on "<provider_id><_SEP><name>" values, so that each count brings its label
# (a sub-aggregation for the label cost more than all other facets together at 100,000 offerings).
# ESCO skills likewise, on "<uri><_SEP><label>" (the label the record gives the skill, else the URI).
_COUNTED_FIELD = {**FACET_FIELD, "provider": "provider_facet", "esco_skill": "esco_skill_facet"}
_ASC_MISSING_LAST = {"order": "asc", "missing": "_last"}
_DESC_MISSING_LAST = {"order": "desc", "missing": "_last"}
_BY_ID = {"id": {"order": "asc"}}
_SORTS: dict[str, list[dict[str, Any]]] = {
    "start_date": [{"start_date": _ASC_MISSING_LAST}, {"title_key": {"order": "asc"}}, _BY_ID],
    "-start_date": [{"start_date": _DESC_MISSING_LAST}, {"title_key": {"order": "asc"}}, _BY_ID],
    "ects": [{"ects_credits": _ASC_MISSING_LAST}, _BY_ID],
    "-ects": [{"ects_credits": _DESC_MISSING_LAST}, _BY_ID],
    "title": [{"title_key": {"order": "asc"}}, _BY_ID],
    "updated": [{"updated": _DESC_MISSING_LAST}, _BY_ID],
    # Without a text query there is no score: by date, then title.
    "relevance": [{"start_date": _ASC_MISSING_LAST}, {"title_key": {"order": "asc"}}, _BY_ID],
}
# Ended offerings (their ``last_date`` -- the latest, over the instances, of the end or else the
# start -- before today) sort after open ones whatever the order. "Today" cannot be indexed, so it is
# a parameter of a sort script (epoch milliseconds of today's start, UTC, as the dates are indexed).
# A document indexed without ``last_date`` (an index mapped before it, or an older document) falls
# back to the latest end or else the start, as :func:`indexer.document.last_date` does.
_ENDED_SCRIPT = (
    "boolean dated = false; long last = 0L;"
    " if (doc.containsKey('last_date') && doc['last_date'].size() != 0) {"
    " last = doc['last_date'].value.toInstant().toEpochMilli(); dated = true; } else {"
    " if (doc['end_date'].size() != 0) { last = doc['end_date'].value.toInstant().toEpochMilli(); dated = true; }"
    " if (doc['start_date'].size() != 0) {"
    " long start = doc['start_date'].value.toInstant().toEpochMilli();"
    " if (!dated || start > last) { last = start; dated = true; } } }"
    " return dated && last < params.today ? 1 : 0;"
)
_HIGHLIGHT_FIELD = {"fragment_size": 200, "number_of_fragments": 1}
# Records another one of their cluster represents: in the query itself (not the post_filter), so that
# no total, facet count or page counts them.
_NOT_DUPLICATE = {"term": {"duplicate": True}}
# Folded (unstemmed) fields whose terms a misspelt word may be corrected to, by "did you mean".
SPELLING_FIELDS: tuple[str, ...] = ("title_text", "description")


@cache
def _mapping_text() -> str:
    return MAPPING_FILE.read_text(encoding="utf-8")


def mapping() -> dict[str, Any]:
    """A fresh copy of ``config/mappings/offering.json``: index settings and mappings."""
    loaded: dict[str, Any] = json.loads(_mapping_text())
    return loaded


def index_document(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The body indexed for one search document: the document plus the engine's own keys.

    The engine's keys are excluded from ``_source``, so a stored document reads back unchanged.

    Raises:
        ValueError, TypeError: the document has no usable ``id`` or a value of the wrong type.
    """
    text = document.indexed_text(doc)
    body = dict(doc)
    body["title_key"] = text.title_key
    body["title_text"] = text.title
    if doc.get("provider_id"):
        body["provider_facet"] = _SEP.join((str(doc["provider_id"]), text.provider or str(doc["provider_id"])))
    labels = _listed(doc.get("esco_skill_labels"))
    skills = {
        _SEP.join((str(uri), str(labels[i] if i < len(labels) and labels[i] else uri)))
        for i, uri in enumerate(_listed(doc.get("esco_skills")))
        if uri
    }
    if skills:
        body["esco_skill_facet"] = sorted(skills)
    for field, whole in (("suggest_whole", 1), ("suggest_word", 0)):
        body[field] = sorted({_SEP.join((key, kind, t)) for key, kind, t, w in text.suggestions if w == whole})
    languages = tuple(lang for lang in text.languages if lang in CLIENT_STEM_LANGUAGES)
    if languages:
        # Only documents in those languages pay for the stems (a few per cent of a catalogue).
        texts = {
            "title_text": text.title,
            "skills": " ; ".join(document.clean(s) for s in _listed(doc.get("skills")) if s),
            "subjects": " ; ".join(document.clean(s) for s in _listed(doc.get("subjects")) if s),
            "description": text.description,
        }
        for group, field in STEM_FIELDS.items():
            if texts[group]:
                body[field] = document.stems(texts[group], languages)
    return body


def _listed(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else [value] if value else []


def _group_fields(name: str) -> list[str]:
    if name == "provider":
        return [name]
    return [name, *(f"{name}.{lang}^{STEM_WEIGHT}" for lang in LANGUAGES)]


def client_stems(term: str) -> list[str]:
    """The Snowball stems of one query term in each of :data:`CLIENT_STEM_LANGUAGES` (distinct, non-empty)."""
    return [s for s in dict.fromkeys(document.stems(term, (lang,)) for lang in CLIENT_STEM_LANGUAGES) if s]


def _term_clause(term: str, *, last: bool) -> dict[str, Any]:
    """One term: matched in some field group; the last term may also be the start of a word."""
    groups = []
    stemmed = client_stems(term)
    for name, boost in SEARCH_BOOSTS.items():
        queries: list[dict[str, Any]] = [
            {"multi_match": {"query": term, "fields": _group_fields(name), "type": "best_fields", "operator": "and"}}
        ]
        if name in STEM_FIELDS:
            # Weighted as the cluster-stemmed sub-fields are (STEM_WEIGHT within the group).
            queries += [
                {"match": {STEM_FIELDS[name]: {"query": s, "operator": "and", "boost": STEM_WEIGHT}}} for s in stemmed
            ]
        if last:
            queries.append({"match_bool_prefix": {name: {"query": term, "operator": "and"}}})
        groups.append({"dis_max": {"queries": queries, "boost": boost}})
    return {"bool": {"should": groups, "minimum_should_match": 1}}


def text_query(q: str) -> dict[str, Any] | None:
    """The full-text part of a search, or None when the text holds no searchable term."""
    words = document.query_terms(q)
    if not words:
        return None
    return {"bool": {"must": [_term_clause(t, last=i == len(words) - 1) for i, t in enumerate(words)]}}


def _facet_filter(name: str, values: tuple[str, ...]) -> dict[str, Any]:
    return {"terms": {FACET_FIELD[name]: sorted({str(v) for v in values})}}


def _either(*clauses: dict[str, Any]) -> dict[str, Any]:
    return {"bool": {"should": list(clauses), "minimum_should_match": 1}}


def range_filters(query: SearchQuery, today: str) -> list[dict[str, Any]]:
    """The filters every facet obeys: ranges, ``free`` and ``open``."""
    filters: list[dict[str, Any]] = []
    ects = {k: v for k, v in (("gte", query.ects_min), ("lte", query.ects_max)) if v is not None}
    if ects:
        filters.append({"range": {"ects_credits": ects}})
    if query.price_max is not None:
        # A free offering costs nothing even when no price is stated.
        filters.append(_either({"range": {"price": {"lte": query.price_max}}}, {"term": {"free": True}}))
    starts = {k: v for k, v in (("gte", query.starts_after), ("lte", query.starts_before)) if v is not None}
    if starts:
        filters.append({"range": {"start_date": starts}})
    if query.free:
        filters.append({"term": {"free": True}})
    if query.open:
        # Not ended: no last date, or one today or later (the documents' ``last_date``, as the sort).
        filters.append({"bool": {"must_not": {"range": {"last_date": {"lt": today}}}}})
    return filters


def _facet_aggregations(query: SearchQuery) -> dict[str, Any]:
    """One terms aggregation per requested facet, under every facet filter but its own (if any)."""
    aggs: dict[str, Any] = {}
    for name in query.facets:
        others = [_facet_filter(n, v) for n, v in sorted(query.filters.items()) if v and n != name]
        values = {"terms": {"field": _COUNTED_FIELD[name], "size": FACET_SIZE}}
        # An empty filter wrapper is not free: ~1 ms per facet at 100,000 offerings.
        aggs[name] = {"filter": {"bool": {"filter": others}}, "aggs": {"values": values}} if others else values
    return aggs


def ended_sort(today: str) -> dict[str, Any]:
    """The first sort key of every search: 0 for open offerings, 1 for ended ones (see ``_ENDED_SCRIPT``)."""
    midnight = datetime.combine(date.fromisoformat(today), time(), tzinfo=UTC)
    return {
        "_script": {
            "type": "number",
            "order": "asc",
            "script": {
                "lang": "painless",
                "source": _ENDED_SCRIPT,
                "params": {"today": int(midnight.timestamp() * 1000)},
            },
        }
    }


def search_body(query: SearchQuery, *, today: str, offset: int, size: int) -> dict[str, Any]:
    """The search request of ``query`` (already validated) for results ``offset`` to ``offset + size``."""
    text = text_query(query.q)
    body: dict[str, Any] = {
        "query": {
            "bool": {
                "must": [text] if text else [{"match_all": {}}],
                "filter": range_filters(query, today),
                "must_not": [_NOT_DUPLICATE],
            }
        },
        "sort": [
            ended_sort(today),
            *([{"_score": {"order": "desc"}}, _BY_ID] if text and query.sort == "relevance" else _SORTS[query.sort]),
        ],
        "from": offset,
        "size": size,
        "track_total_hits": True,
        "_source": {"excludes": sorted(document.INTERNAL_KEYS)},
    }
    facet_filters = [_facet_filter(n, v) for n, v in sorted(query.filters.items()) if v]
    if facet_filters:
        body["post_filter"] = {"bool": {"filter": facet_filters}}
    if query.facets:
        body["aggs"] = _facet_aggregations(query)
    if text:
        body["highlight"] = {
            "encoder": "html",
            "pre_tags": ["<mark>"],
            "post_tags": ["</mark>"],
            "fields": {"description": _HIGHLIGHT_FIELD, "description.*": _HIGHLIGHT_FIELD},
        }
    return body


def spelling_text(q: str) -> str:
    """The text whose words "did you mean" corrects: the searchable terms of ``q``."""
    return " ".join(document.query_terms(q))


def spelling_body(q: str) -> dict[str, Any] | None:
    """A term-suggester request proposing indexed terms for the words of ``q`` no document holds."""
    text = spelling_text(q)
    if not text:
        return None
    # Like the SQLite engine: a correction shares the word's first letter; words under 3 letters stay.
    options = {"suggest_mode": "missing", "sort": "score", "size": 5, "prefix_length": 1, "min_word_length": 3}
    return {
        "size": 0,
        "track_total_hits": False,
        "query": {"match_none": {}},
        "suggest": {"text": text, **{field: {"term": {"field": field, **options}} for field in SPELLING_FIELDS}},
    }


def corrections_from(response: Mapping[str, Any]) -> dict[tuple[int, int], tuple[str, str]]:
    """``{(offset, length): (word, replacement)}``: each word of :func:`spelling_text` a suggester
    corrected, to its best option over all fields (the closest, then the most frequent)."""
    best: dict[tuple[int, int], tuple[float, int, str, str]] = {}
    for entries in (response.get("suggest") or {}).values():
        for entry in entries or []:
            span = (int(entry["offset"]), int(entry["length"]))
            for option in entry.get("options") or []:
                candidate = (
                    float(option.get("score", 0)),
                    int(option.get("freq", 0)),
                    str(option["text"]),
                    str(entry.get("text", "")),
                )
                if candidate[2] and (span not in best or candidate[:2] > best[span][:2]):
                    best[span] = candidate
    return {span: (word, replacement) for span, (_score, _freq, replacement, word) in best.items()}


def known_body(words: list[str]) -> dict[str, Any]:
    """A request counting, per (analysed) word, the documents holding it in any spelling field.

    The term suggester proposes a correction for a word missing from *its* field, which may be a word of
    another field: such a word is no misspelling.
    """
    return {
        "size": 0,
        "track_total_hits": False,
        "query": {"match_all": {}},
        "aggs": {
            f"w{i}": {"filter": _either(*({"term": {field: word}} for field in SPELLING_FIELDS))}
            for i, word in enumerate(words)
        },
    }


def known_from(response: Mapping[str, Any], words: list[str]) -> set[str]:
    """The words of :func:`known_body` that some document holds."""
    aggregations = response.get("aggregations") or {}
    return {word for i, word in enumerate(words) if int((aggregations.get(f"w{i}") or {}).get("doc_count", 0)) > 0}


def corrected_from(
    response: Mapping[str, Any], q: str, *, known: set[str] | frozenset[str] = frozenset()
) -> str | None:
    """``q`` with each word the suggester corrected (unless ``known``) replaced by its best option,
    or None when no word was corrected."""
    text = spelling_text(q)
    corrected = text
    for (offset, length), (word, replacement) in sorted(corrections_from(response).items(), reverse=True):
        if word not in known and 0 <= offset and offset + length <= len(corrected):
            corrected = corrected[:offset] + replacement + corrected[offset + length :]
    return corrected if corrected != text else None


def _highlight(found: Mapping[str, list[str]] | None, description: str | None) -> str:
    """The first marked fragment (the folded field first, then the stemmed ones), else the description's start."""
    for field in sorted(found or {}, key=lambda f: (f != "description", f)):
        for fragment in (found or {})[field]:
            if "<mark>" in fragment:
                return fragment
    return document.highlight(None, description)


def _facets(aggregations: Mapping[str, Any], query: SearchQuery) -> dict[str, list[FacetValue]]:
    facets: dict[str, list[FacetValue]] = {}
    for name in query.facets:
        found = aggregations.get(name, {})
        counts: dict[str, int] = {}
        labels: dict[str, str] = {}
        for bucket in found.get("values", found).get("buckets", []):
            value = str(bucket.get("key_as_string", bucket["key"]))
            if name in LABELLED_FACETS:
                value, _, label = value.partition(_SEP)
                # An id named differently by two records counts once, under its commonest name.
                labels.setdefault(value, label)
            counts[value] = counts.get(value, 0) + int(bucket["doc_count"])
        values = [FacetValue(v, document.facet_label(name, v, labels), c) for v, c in counts.items()]
        values.sort(key=lambda v: (-v.count, v.label.casefold(), v.value))
        facets[name] = values
    return facets


def page_from(response: Mapping[str, Any], query: SearchQuery, *, with_results: bool = True) -> SearchPage:
    """The :class:`SearchPage` of a search response."""
    hits = response.get("hits", {})
    total = hits.get("total", 0)
    results = []
    for hit in hits.get("hits", []) if with_results else []:
        result = {k: v for k, v in hit["_source"].items() if k not in document.INTERNAL_KEYS}
        result["highlight"] = _highlight(hit.get("highlight"), result.get("description"))
        results.append(result)
    return SearchPage(
        total=int(total["value"] if isinstance(total, Mapping) else total),
        page=query.page,
        size=query.size,
        results=results,
        facets=_facets(response.get("aggregations", {}), query),
    )


def empty_page(query: SearchQuery) -> SearchPage:
    """The answer of an index that does not exist yet."""
    return SearchPage(total=0, page=query.page, size=query.size, results=[], facets={n: [] for n in query.facets})


def suggest_body(prefix: str, size: int) -> dict[str, Any] | None:
    """The request counting documents per completion of ``prefix``, or None when there is none to look for."""
    bounds = document.suggestion_range(prefix)
    if bounds is None or size < 1:
        return None
    key = bounds[0]
    # Lucene regular expressions take a backslash before any character as that character.
    include = _LUCENE_REGEX_SPECIAL.sub(lambda m: "\\" + m.group(0), key) + ".*"
    # Ask for more distinct keys than wanted: the final order also weighs whole-text matches and length.
    wanted = max(size * 5, 50)
    # "map": count the keys of the few documents the prefix query found, instead of filtering the
    # global ordinals of all keys (also OpenSearch 2.19 fails on a prefix past the last key there).
    terms = {"include": include, "size": wanted, "execution_hint": "map"}
    return {
        "size": 0,
        # A duplicate has no completion keys (indexed_text); the clause keeps the rule visible here.
        "query": {
            "bool": {
                "filter": [_either({"prefix": {"suggest_whole": key}}, {"prefix": {"suggest_word": key}})],
                "must_not": [_NOT_DUPLICATE],
            }
        },
        "aggs": {field: {"terms": {"field": field, **terms}} for field in ("suggest_whole", "suggest_word")},
    }


def suggestions_from(response: Mapping[str, Any], size: int) -> list[dict[str, str]]:
    """``[{"text", "kind"}]``: whole-text matches first, then the most common texts, then the shortest."""
    found: dict[tuple[str, str], list[int]] = {}
    aggregations = response.get("aggregations", {})
    for field, whole in (("suggest_whole", 1), ("suggest_word", 0)):
        for bucket in aggregations.get(field, {}).get("buckets", []):
            _key, kind, text = str(bucket["key"]).split(_SEP, 2)
            entry = found.setdefault((text, kind), [0, 0])
            entry[0] = max(entry[0], whole)
            entry[1] += int(bucket["doc_count"])
    ordered = sorted(found.items(), key=lambda item: (-item[1][0], -item[1][1], len(item[0][0]), item[0][0]))
    return [{"text": text, "kind": kind} for (text, kind), _counts in ordered[:size]]


def safe_url(url: str) -> str:
    """The URL without credentials, for messages and /healthz."""
    parts = urlsplit(url)
    netloc = parts.hostname or ""
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def bulk_error(item: dict[str, Any]) -> dict[str, Any]:
    """A per-document bulk failure as an :class:`~indexer.base.IndexReport` error: ``{"id", "error", "status"}``."""
    result = next(iter(item.values())) if item else {}
    error = result.get("error")
    if isinstance(error, dict):
        error = f"{error.get('type', 'error')}: {error.get('reason', '')}"
    return {"id": result.get("_id"), "error": str(error or result.get("result")), "status": result.get("status")}
