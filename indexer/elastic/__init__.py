"""The scale search engines: Elasticsearch 8/9 and OpenSearch 2/3, one module, two clients.

``engine`` holds :class:`ElasticEngine` and :class:`OpenSearchEngine`; ``query`` builds request
bodies and reads answers (pure); ``bulk`` the bulk writes; ``index`` the versioned indices behind
one alias. May import :mod:`indexer.base`, :mod:`indexer.document`, :mod:`offerings` and
:mod:`config`; not :mod:`indexer.sqlite`.
"""

from indexer.elastic.engine import (
    ClusterEngine,
    ElasticEngine,
    OpenSearchEngine,
    node_urls,
)

__all__ = [
    "ClusterEngine",
    "ElasticEngine",
    "OpenSearchEngine",
    "node_urls",
]
