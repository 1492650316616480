"""The one exception tree of microcred.

::

    CatalogueError
    ├── ConfigError          bad settings; raised at start-up only
    ├── HarvestError         this *source* failed; its run is recorded as failed and the scheduler moves on
    │   ├── FeedError        HTTP/OAI failure; the requests or sickle exception kept as __cause__
    │   └── BlockedFeedError the URL (or a redirect) points somewhere feeds may not be (SSRF policy)
    ├── CrosswalkError       this *record* cannot be normalised; skipped, logged with its id, counted
    ├── StoreError
    │   └── NotFound         no such source / offering
    └── SearchError
        ├── BackendUnavailable  cannot reach the engine → 503
        ├── IndexingError       .errors: per-document failures
        └── InvalidQuery        (also a ValueError) → 400 naming the parameter
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "BackendUnavailable",
    "BlockedFeedError",
    "CatalogueError",
    "ConfigError",
    "CrosswalkError",
    "FeedError",
    "HarvestError",
    "IndexingError",
    "InvalidQuery",
    "NotFound",
    "SearchError",
    "StoreError",
]


class CatalogueError(Exception):
    """Root of every error microcred raises on purpose."""


class ConfigError(CatalogueError):
    """A setting is unknown or has a value of the wrong type."""


class HarvestError(CatalogueError):
    """A source cannot be harvested; the run fails and is recorded.

    The message is English, for logs and the API. ``code`` (with the ``values`` it quotes) names the
    reason for the pages that say it in the reader's language; "" when no page needs to.
    """

    code: str = ""

    def __init__(self, message: str = "", *, code: str = "", **values: str) -> None:
        super().__init__(message)
        if code:
            self.code = code
        self.values = values


class FeedError(HarvestError):
    """The feed answered with something we cannot use (HTTP error, OAI error, not XML, too big)."""


class BlockedFeedError(HarvestError):
    """The feed URL, or a redirect from it, targets an address or scheme feeds may not use."""

    code = "blocked"


class CrosswalkError(CatalogueError):
    """One record cannot be normalised; the reason is the message, the field is ``field``."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class StoreError(CatalogueError):
    """The store refused an operation."""


class NotFound(StoreError, LookupError):
    """No such source or offering."""


class SearchError(CatalogueError):
    """A search engine failed."""


class BackendUnavailable(SearchError):
    """The engine cannot be reached; callers answer 503 and the sync loop catches up later."""


class IndexingError(SearchError):
    """Some documents were refused by the engine; ``errors`` lists them."""

    def __init__(self, message: str, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or []


class InvalidQuery(SearchError, ValueError):
    """A search parameter is invalid; ``parameter`` names it (→ HTTP 400)."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(f"{parameter}: {message}")
        self.parameter = parameter
        self.detail = message
