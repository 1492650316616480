"""Search engines behind one protocol (:class:`indexer.base.SearchEngine`) and the sync loop.

Engines are named by dotted ``"module:Class"`` strings, so that an engine's client library is
imported only when that engine is configured: ``sqlite`` (FTS5, embedded, the default),
``elasticsearch`` and ``opensearch`` (:mod:`indexer.elastic`, one module, two clients).
:mod:`indexer.document` holds what both engines derive from a search document and the query
helpers they share, so neither engine imports the other; :mod:`indexer.sync` keeps any engine in
step with the store.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from indexer.base import SearchEngine
from offerings.errors import ConfigError

if TYPE_CHECKING:
    from config import Settings

__all__ = ["ENGINES", "SearchEngine", "get_engine"]

ENGINES: dict[str, str] = {
    "sqlite": "indexer.sqlite:SqliteEngine",
    "elasticsearch": "indexer.elastic:ElasticEngine",
    "opensearch": "indexer.elastic:OpenSearchEngine",
}


def get_engine(settings: Settings) -> SearchEngine:
    """The search engine ``settings.search_engine`` names, built from ``settings``.

    Raises:
        ConfigError: the engine is unknown or not available yet.
    """
    target = ENGINES.get(settings.search_engine)
    if target is None:
        available = ", ".join(sorted(ENGINES))
        raise ConfigError(f"search engine {settings.search_engine!r} is not available yet (available: {available})")
    module_name, _, class_name = target.partition(":")
    engine_class = getattr(importlib.import_module(module_name), class_name)
    engine: SearchEngine = engine_class.from_settings(settings)
    return engine
