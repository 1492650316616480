"""Client exceptions become ours in one place (indexer.elastic.client), for the engine's calls and namespaces.

The client here is a real opensearch-py client pointed at a closed loopback port (nothing answers), and a
stand-in raising the library's own exceptions for the statuses a live node would answer.
"""

from __future__ import annotations

from typing import Any

import pytest
from opensearchpy import OpenSearch, exceptions

from indexer.elastic import OpenSearchEngine
from indexer.elastic.client import IndexMissing, TranslatingClient
from offerings.errors import BackendUnavailable, SearchError


class _Raising:
    """Raises the client library's exception for ``status`` from every call, as a node answering it would."""

    def __init__(self, status: int) -> None:
        self.status = status
        self.indices = self
        self.limit = 7

    def get(self, **_: Any) -> Any:
        raise exceptions.TransportError(self.status, "error", {"status": self.status})


def _client(raw: Any) -> TranslatingClient:
    engine = OpenSearchEngine("http://127.0.0.1:9")
    return TranslatingClient(raw, engine._classify, "opensearch at test")


@pytest.mark.parametrize(
    ("status", "ours"), [(404, IndexMissing), (503, BackendUnavailable), (429, BackendUnavailable), (400, SearchError)]
)
def test_statuses_become_our_exceptions(status: int, ours: type[Exception]) -> None:
    client = _client(_Raising(status))
    with pytest.raises(ours) as caught:
        client.indices.get(index="x")  # through a namespace, as client.indices.* calls go
    assert type(caught.value) is ours and isinstance(caught.value.__cause__, exceptions.TransportError)
    assert "indices.get" in str(caught.value)
    assert client.limit == 7  # plain values of the client are read as they are


def test_an_unreachable_cluster_is_unavailable() -> None:
    client = _client(OpenSearch(hosts=["http://127.0.0.1:9"], timeout=2, max_retries=0))
    with pytest.raises(BackendUnavailable, match="unavailable"):
        client.cluster.health()


def test_errors_that_are_not_the_clients_pass_through() -> None:
    class Buggy:
        def get(self) -> None:
            raise KeyError("ours")

    with pytest.raises(KeyError):
        _client(Buggy()).get()
