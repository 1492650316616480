"""The search contract: what every engine (sqlite, elasticsearch, opensearch) accepts and answers.

Engines hold derived, disposable copies of the store's offerings as flat documents
(:func:`offerings.export.search.search_document`). They remember the last change sequence they applied
(``last_seq``) so that :mod:`indexer.sync` can resume after an outage without losing anything.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

__all__ = [
    "FACET_FIELDS",
    "LABELLED_FACETS",
    "SORTS",
    "FacetValue",
    "IndexReport",
    "SearchEngine",
    "SearchPage",
    "SearchQuery",
]

# Filterable fields of the pinned API; every one is also a facet.
FACET_FIELDS: tuple[str, ...] = (
    "country",
    "provider",
    "eqf_level",
    "language",
    "mode",
    "schedule",
    "isced_f",
    "credential_type",
    "qa_type",
    "source",
    # The completeness tier of docs/normalisation.md §4.2 (Annex I complete, partly derived, incomplete).
    "tier",
    # ESCO skills the record names (their concept URIs), labelled with the labels the record gives them.
    "esco_skill",
)
# Document field holding each facet's values (the API says `language`, the document `languages`).
FACET_DOCUMENT_FIELD: dict[str, str] = {"language": "languages", "provider": "provider_id", "esco_skill": "esco_skills"}
# Facets whose values are identifiers that the documents label (a provider's name, a skill's label).
LABELLED_FACETS: tuple[str, ...] = ("provider", "esco_skill")
SORTS: tuple[str, ...] = ("relevance", "start_date", "-start_date", "ects", "-ects", "title", "updated")
MAX_SIZE = 100


@dataclass(frozen=True, slots=True, kw_only=True)
class SearchQuery:
    """One search: text, filters (OR within a field, AND across fields), ranges, sort, page."""

    q: str = ""
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    ects_min: float | None = None
    ects_max: float | None = None
    price_max: float | None = None
    starts_after: str | None = None  # ISO date, inclusive
    starts_before: str | None = None  # ISO date, inclusive
    free: bool = False
    open: bool = False  # leave out ended offerings (every instance past); undated ones stay
    sort: str = "relevance"
    page: int = 1
    size: int = 20
    facets: tuple[str, ...] = FACET_FIELDS


@dataclass(frozen=True, slots=True)
class FacetValue:
    """One value of a facet with its count under the other filters (disjunctive faceting)."""

    value: str
    label: str
    count: int

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"value": self.value, "label": self.label, "count": self.count}


@dataclass(slots=True)
class SearchPage:
    """One page of results with facet counts."""

    total: int
    page: int
    size: int
    results: list[dict[str, Any]]
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    # A corrected text query that has hits, proposed when this one has none ("did you mean").
    did_you_mean: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The pinned response shape of ``GET /api/v1/offerings`` (``did_you_mean`` only when set)."""
        answer: dict[str, Any] = {
            "total": self.total,
            "page": self.page,
            "size": self.size,
            "results": self.results,
            "facets": {name: [v.to_dict() for v in values] for name, values in self.facets.items()},
        }
        if self.did_you_mean:
            answer["did_you_mean"] = self.did_you_mean
        return answer


@dataclass(slots=True)
class IndexReport:
    """What an upsert or rebuild did."""

    indexed: int = 0
    deleted: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)


class SearchEngine(Protocol):
    """A search engine holding derived copies of the store's offerings.

    Every method raises :class:`offerings.errors.BackendUnavailable` when the engine cannot be
    reached; ``search`` raises :class:`offerings.errors.InvalidQuery` for a query it refuses.
    """

    name: str

    def upsert(self, documents: Iterable[dict[str, Any]]) -> IndexReport:
        """Add or replace documents (keyed by ``id``); per-document failures go to the report."""
        ...

    def delete(self, ids: Iterable[str]) -> int:
        """Remove documents by id; unknown ids are ignored. Returns how many were removed."""
        ...

    def search(self, query: SearchQuery) -> SearchPage:
        """Run a search with facet counts.

        When a text query has no hits, ``did_you_mean`` proposes the query with each term that
        occurs nowhere in the index replaced by the closest indexed term, if that query has hits.
        """
        ...

    def suggest(self, prefix: str, *, size: int = 10) -> list[dict[str, str]]:
        """Completions of ``prefix`` over titles, providers and skills: ``[{"text", "kind"}]``."""
        ...

    def get(self, doc_id: str) -> dict[str, Any] | None:
        """One indexed document, or None."""
        ...

    def last_seq(self) -> int:
        """The newest store change sequence applied to this index (0 when empty)."""
        ...

    def set_last_seq(self, seq: int) -> None:
        """Record that every change up to ``seq`` is applied."""
        ...

    def rebuild(self, documents: Iterable[dict[str, Any]], *, last_seq: int) -> IndexReport:
        """Build a fresh index from ``documents`` and swap it in atomically; searches keep answering."""
        ...

    def count(self) -> int:
        """How many documents the index holds."""
        ...

    def health(self) -> dict[str, Any]:
        """Reachability and size, for /healthz."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...
