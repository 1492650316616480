"""Rate limits: a client past the limit gets 429 problem details with Retry-After; headers say where it stands."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from search_ui import create_app
from tests.conftest import make_settings
from tests.search_ui.conftest import Catalogue, build_catalogue


@pytest.fixture
def limited(tmp_path: Path) -> Iterator[tuple[Catalogue, Flask]]:
    built = build_catalogue(tmp_path)
    settings = make_settings(tmp_path, secret_key="test-secret", api={"rate_limit": "3/hour"})
    yield built, create_app(settings, store=built.store, engine=built.engine)
    built.engine.close()
    built.store.close()


def test_past_the_limit_is_a_429_problem(limited: tuple[Catalogue, Flask]) -> None:
    _, app = limited
    client = app.test_client()
    paths = ["/api/v1/offerings", "/oai?verb=Identify", "/api/v1/sources"]
    remaining = []
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200
        assert response.headers["RateLimit-Limit"] == "3"
        remaining.append(response.headers["RateLimit-Remaining"])
    assert remaining == ["2", "1", "0"]
    refused = client.get("/api/v1/offerings/anything")
    assert refused.status_code == 429
    assert refused.mimetype == "application/problem+json" and refused.json["status"] == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 3600
    assert refused.headers["RateLimit-Remaining"] == "0"
    # Another client has its own budget; pages for people and the health check are not limited.
    other = client.get("/api/v1/offerings", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other.status_code == 200 and other.headers["RateLimit-Remaining"] == "2"
    assert client.get("/").status_code == 200
    assert client.get("/healthz").status_code == 200


def test_no_limit_when_switched_off(tmp_path: Path) -> None:
    built = build_catalogue(tmp_path)
    settings = make_settings(tmp_path, secret_key="test-secret", api={"rate_limit": ""})
    client = create_app(settings, store=built.store, engine=built.engine).test_client()
    for _ in range(5):
        response = client.get("/api/v1/suggest?q=da")
        assert response.status_code == 200 and "RateLimit-Limit" not in response.headers
    built.engine.close()
    built.store.close()
