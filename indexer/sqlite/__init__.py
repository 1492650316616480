"""The embedded search engine: SQLite FTS5 in generation files of its own, with in-memory bitmaps.

``engine`` is :class:`SqliteEngine` (the :class:`~indexer.base.SearchEngine` seam); ``files`` the
generation files and the connection pool; ``sql`` the schema and the rows a document becomes;
``search`` answers one query; ``bits`` the bitmaps behind filters, facets and pages. May import
:mod:`indexer.base`, :mod:`indexer.document`, :mod:`offerings` and :mod:`config`; not
:mod:`indexer.elastic`.
"""

from indexer.sqlite.engine import (
    SqliteEngine,
)

__all__ = [
    "SqliteEngine",
]
