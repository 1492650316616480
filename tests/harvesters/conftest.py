"""A real OAI-PMH data provider (the ``oaipmh`` package, via the demo feeds) served on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from microcred.demo import load_demo_feeds, serve
from microcred.demo.provider import Provider
from microcred.demo.server import FeedServer

NL = "hogeschool-zuiderzee"


@pytest.fixture
def feeds() -> dict[str, Provider]:
    """Fresh, mutable demo providers (10 records a page)."""
    return load_demo_feeds(batch_size=10)


@pytest.fixture
def feed_server(feeds: dict[str, Provider]) -> Iterator[FeedServer]:
    """The demo feeds on 127.0.0.1, on a free port."""
    server = serve(feeds, host="127.0.0.1", port=0)
    yield server
    server.stop()
