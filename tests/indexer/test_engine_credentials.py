"""An engine with security on: the configured user and password go with every request as HTTP basic auth (both
clients), and a cluster that refuses them is an error of ours, never a traceback of the client's. The cluster is a
small HTTP server on loopback that checks credentials the way a secured node does (401 with
``WWW-Authenticate: Basic`` without them); no Elasticsearch 9 node can be started here (see docs/deploy.md)."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from indexer import get_engine
from indexer.elastic import ElasticEngine, OpenSearchEngine
from microcred.demo.server import FeedServer, serve
from offerings.errors import CatalogueError
from tests.conftest import make_settings

PASSWORD = "s3cret:with/odd@chars"


class SecuredNode:
    """Answers ``GET /<index>/_count`` to the ``elastic`` user with ``PASSWORD`` only; keeps what was sent."""

    def __init__(self) -> None:
        self.authorizations: list[str | None] = []

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        sent = environ.get("HTTP_AUTHORIZATION")
        self.authorizations.append(sent)
        # The official client checks that it talks to Elasticsearch.
        headers = [("Content-Type", "application/json"), ("X-Elastic-Product", "Elasticsearch")]
        expected = "Basic " + base64.b64encode(f"elastic:{PASSWORD}".encode()).decode()
        if sent != expected:
            start_response("401 Unauthorized", [*headers, ("WWW-Authenticate", 'Basic realm="security"')])
            error = {"type": "security_exception", "reason": "missing authentication credentials"}
            return [json.dumps({"error": {"root_cause": [error], **error}, "status": 401}).encode()]
        start_response("200 OK", headers)
        return [json.dumps({"count": 7, "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0}}).encode()]


@pytest.fixture
def node() -> Iterator[tuple[FeedServer, SecuredNode]]:
    app = SecuredNode()
    server = serve(app, host="127.0.0.1", port=0)
    yield server, app
    server.stop()


@pytest.mark.parametrize("kind", ["elasticsearch", "opensearch"])
def test_the_password_setting_is_sent_as_basic_auth(
    tmp_path: Path, node: tuple[FeedServer, SecuredNode], kind: str
) -> None:
    server, app = node
    settings = make_settings(
        tmp_path, search_engine=kind, search_url=server.base_url, search_index="mc", search_password=PASSWORD
    )
    engine = get_engine(settings)
    try:
        assert isinstance(engine, ElasticEngine if kind == "elasticsearch" else OpenSearchEngine)
        assert engine.count() == 7
        assert PASSWORD not in engine.url  # never in messages or /healthz
    finally:
        engine.close()


@pytest.mark.parametrize("kind", ["elasticsearch", "opensearch"])
def test_without_or_with_the_wrong_password_the_refusal_is_ours(
    tmp_path: Path, node: tuple[FeedServer, SecuredNode], kind: str
) -> None:
    server, app = node
    for password in ("", "wrong"):
        settings = make_settings(
            tmp_path, search_engine=kind, search_url=server.base_url, search_index="mc", search_password=password
        )
        engine = get_engine(settings)
        try:
            with pytest.raises(CatalogueError) as caught:
                engine.count()
            assert PASSWORD not in str(caught.value)
        finally:
            engine.close()
    assert app.authorizations[0] is None and app.authorizations[-1] is not None
