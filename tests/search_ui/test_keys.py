"""API keys: issued into the real store (SQLite and PostgreSQL), honoured by the real app's rate limit.

A key's requests count against the key, at its own limit, from any address; an unknown or revoked key is a 401
problem; the admin token and the admin paths are not API keys.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from indexer.sqlite import SqliteEngine
from offerings.store import Store
from offerings.store.keys import token_hash
from offerings.store.tables import api_keys
from search_ui import create_app
from tests.conftest import make_settings

pytestmark = pytest.mark.stores  # the api_keys table on SQLite and PostgreSQL


@pytest.fixture
def app(tmp_path: Path, store: Store) -> Iterator[Flask]:
    """The app over the test's store, three requests an hour per address, with an admin token."""
    limit = {"rate_limit": "3/hour"}
    settings = make_settings(tmp_path, secret_key="test-secret", admin_token="admin-secret", api=limit)
    engine = SqliteEngine(tmp_path / "search")
    yield create_app(settings, store=store, engine=engine)
    engine.close()


def test_keys_are_stored_hashed_and_revocable(store: Store) -> None:
    key, token = store.keys.add("Europass", rate_limit="3000/minute")
    assert token.startswith("mck_") and len(token) > 40
    with store.engine.connect() as conn:
        (stored,) = conn.execute(api_keys.select()).all()
    assert stored.token_hash == token_hash(token) and token not in str(tuple(stored))
    assert store.keys.find(token) == key and key.active and key.rate_limit == "3000/minute"
    assert store.keys.find(token + "x") is None
    revoked = store.keys.revoke(key.id)
    assert not revoked.active and store.keys.find(token) is None
    assert store.keys.revoke(key.id).revoked_at == revoked.revoked_at  # the first revocation's time stays
    assert [k.name for k in store.keys.all()] == ["Europass"]


def test_a_key_has_its_own_budget_at_its_own_limit(app: Flask, store: Store) -> None:
    _, token = store.keys.add("portal", rate_limit="5/hour")
    client = app.test_client()
    for _ in range(3):
        assert client.get("/api/v1/sources").status_code == 200
    assert client.get("/api/v1/sources").status_code == 429  # the address's budget is spent
    # The key, from the same address: its own five, with either header.
    seen = []
    for n in range(5):
        headers = {"X-API-Key": token} if n % 2 else {"Authorization": f"Bearer {token}"}
        response = client.get("/oai?verb=Identify" if n == 4 else "/api/v1/sources", headers=headers)
        assert response.status_code == 200
        seen.append((response.headers["RateLimit-Limit"], response.headers["RateLimit-Remaining"]))
    assert seen == [("5", "4"), ("5", "3"), ("5", "2"), ("5", "1"), ("5", "0")]
    refused = client.get("/api/v1/sources", headers={"X-API-Key": token})
    assert refused.status_code == 429 and refused.mimetype == "application/problem+json"
    # The same key from another address shares the key's budget, not the address's.
    elsewhere = client.get("/api/v1/sources", headers={"X-API-Key": token}, environ_base={"REMOTE_ADDR": "192.0.2.9"})
    assert elsewhere.status_code == 429


def test_a_key_without_a_limit_lifts_it(app: Flask, store: Store) -> None:
    _, token = store.keys.add("national portal")
    client = app.test_client()
    for _ in range(6):
        response = client.get("/api/v1/sources", headers={"X-API-Key": token})
        assert response.status_code == 200 and "RateLimit-Limit" not in response.headers


def test_unknown_and_revoked_keys_are_401_problems(app: Flask, store: Store) -> None:
    key, token = store.keys.add("old mirror", rate_limit="100/hour")
    client = app.test_client()
    assert client.get("/api/v1/sources", headers={"X-API-Key": token}).status_code == 200
    store.keys.revoke(key.id)
    for headers in ({"X-API-Key": token}, {"Authorization": f"Bearer {token}"}, {"X-API-Key": "mck_guessed"}):
        response = client.get("/api/v1/offerings", headers=headers)
        assert response.status_code == 401, headers
        assert response.mimetype == "application/problem+json" and response.json["status"] == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert response.headers["Cache-Control"] == "no-store"
    # A refused key spent nothing of the address's budget; pages for people ignore the header.
    assert client.get("/api/v1/sources").headers["RateLimit-Remaining"] == "2"
    assert client.get("/", headers={"X-API-Key": "mck_guessed"}).status_code == 200


def test_the_admin_token_is_not_an_api_key(app: Flask) -> None:
    client = app.test_client()
    response = client.get("/api/v1/sources", headers={"Authorization": "Bearer admin-secret"})
    assert response.status_code == 200 and response.headers["RateLimit-Remaining"] == "2"  # the address's budget
    # On the admin paths a bearer token is the admin's: never looked up (nor refused) as an API key.
    # The admin's own refusal (wrong admin token), not the API keys' "unknown key".
    admin_call = client.post("/api/v1/sources/nl-uni/approve", headers={"Authorization": "Bearer mck_unknown"})
    assert admin_call.status_code == 401
    assert admin_call.json["detail"] == "this call needs the admin bearer token"
    assert admin_call.headers["WWW-Authenticate"] == 'Bearer realm="microcred admin"'
