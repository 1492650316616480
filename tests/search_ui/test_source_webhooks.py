"""A source's own webhook, set at registration (API and form) or by the operator, with bad input refused as a
problem naming ``webhook_url``; and the report form's rate limit (Flask-Limiter, its own budget per address).
Real loopback OAI-PMH provider, real store, the real app."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from microcred.demo.server import FeedServer
from offerings.store import Store
from search_ui import create_app
from tests.conftest import make_settings
from tests.harvesters.conftest import NL, feed_server, feeds  # noqa: F401 - fixtures
from tests.search_ui.conftest import build_catalogue

pytestmark = pytest.mark.stores

TOKEN = "admin"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def app(tmp_path: Path, store: Store) -> Flask:
    return create_app(make_settings(tmp_path, admin_token=TOKEN, secret_key="t"), store=store)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match
    return match.group(1)


@pytest.mark.parametrize(
    ("webhook", "says"),
    [
        ("not a url", "is not an http or https URL"),
        ("ftp://hooks.example/x", "is not an http or https URL"),
        ("https://user:pw@hooks.example/x", "user name or password"),
    ],
)
def test_a_bad_webhook_is_a_problem_naming_it(
    client: FlaskClient,
    store: Store,
    feed_server: FeedServer,  # noqa: F811
    webhook: str,
    says: str,
) -> None:
    body = {"url": feed_server.url_for(NL), "contact_email": "a@b.eu", "webhook_url": webhook}
    refused = client.post("/api/v1/sources", json=body)
    assert refused.status_code == 422 and refused.mimetype == "application/problem+json"
    assert refused.json["parameter"] == "webhook_url" and says in refused.json["detail"]
    assert store.sources.all() == []  # nothing registered
    assert client.post("/api/v1/sources", json=body | {"webhook_url": 7}).status_code == 400


def test_a_private_webhook_address_is_refused_without_the_allowance(
    tmp_path: Path,
    store: Store,
    feed_server: FeedServer,  # noqa: F811
) -> None:
    # The webhook is checked before the feed is probed, so its refusal is the answer (the loopback feed's port
    # would be refused next).
    settings = make_settings(tmp_path, allow_private_feeds=False)
    client = create_app(settings, store=store).test_client()
    body = {"url": feed_server.url_for(NL), "contact_email": "a@b.eu", "webhook_url": "http://10.0.0.7:8080/hook"}
    refused = client.post("/api/v1/sources", json=body)
    assert refused.status_code == 422 and refused.json["parameter"] == "webhook_url", refused.json
    assert "alerts cannot be sent there" in refused.json["detail"]


def test_the_form_takes_a_webhook_and_shows_its_secret_once(
    client: FlaskClient,
    store: Store,
    feed_server: FeedServer,  # noqa: F811
) -> None:
    token = _csrf(client.get("/register").get_data(as_text=True))
    form = {
        "csrf_token": token,
        "url": feed_server.url_for(NL),
        "contact_email": "a@b.eu",
        "webhook_url": "https://hooks.example/microcred",
        "action": "register",
    }
    done = client.post("/register", data=form)
    assert done.status_code == 201, done.get_data(as_text=True)
    (source,) = store.sources.all()
    assert source.webhook_url == "https://hooks.example/microcred" and source.webhook_secret
    assert source.webhook_secret in done.get_data(as_text=True)
    assert source.webhook_secret not in client.get(f"/sources/{source.id}").get_data(as_text=True)
    bad = client.post("/register", data=form | {"url": feed_server.url_for(NL) + "?x=1", "webhook_url": "nope"})
    assert bad.status_code == 422 and 'id="webhook_url"' in bad.get_data(as_text=True)
    assert 'aria-invalid="true"' in bad.get_data(as_text=True).split('id="webhook_url"')[1].split(">")[0]


def test_the_operator_sets_and_clears_a_webhook(
    client: FlaskClient,
    store: Store,
    feed_server: FeedServer,  # noqa: F811
) -> None:
    sent = client.post("/api/v1/sources", json={"url": feed_server.url_for(NL), "contact_email": "a@b.eu"})
    source_id = sent.json["id"]
    assert "webhook" not in sent.json and store.sources.get(source_id).webhook_url is None
    path = f"/api/v1/sources/{source_id}/webhook"
    assert client.post(path, json={"url": "https://hooks.example/a"}).status_code == 401
    first = client.post(path, json={"url": "https://hooks.example/a"}, headers=AUTH)
    assert first.status_code == 200 and first.json["webhook"]["url"] == "https://hooks.example/a"
    assert store.sources.get(source_id).webhook_secret == first.json["webhook"]["secret"]
    again = client.post(path, json={"url": "https://hooks.example/b"}, headers=AUTH)
    assert again.json["webhook"]["secret"] != first.json["webhook"]["secret"]  # a new URL, a new key
    for body in ({}, {"url": 3}, [1]):
        refused = client.post(path, json=body, headers=AUTH)
        assert refused.status_code == 400 and refused.json["parameter"] == "url"
    assert client.post(path, json={"url": "gopher://x"}, headers=AUTH).status_code == 422
    assert client.post("/api/v1/sources/nope/webhook", json={"url": None}, headers=AUTH).status_code == 404
    cleared = client.post(path, json={"url": None}, headers=AUTH)
    assert cleared.status_code == 200 and cleared.json["webhook"] is None
    gone = store.sources.get(source_id)
    assert gone.webhook_url is None and gone.webhook_secret is None


def test_problem_reports_have_a_budget_of_their_own(tmp_path: Path) -> None:
    catalogue = build_catalogue(tmp_path)
    try:
        settings = replace(catalogue.settings, api=replace(catalogue.settings.api, report_rate_limit="2/hour"))
        client = create_app(settings, store=catalogue.store, engine=catalogue.engine).test_client()
        path = f"/offerings/{catalogue.offerings[0].record_id}/report"
        token = _csrf(client.get(path).get_data(as_text=True))
        report = {"csrf_token": token, "category": "dead-link", "message": "404"}
        assert [client.post(path, data=report).status_code for _ in range(2)] == [201, 201]
        refused = client.post(path, data=report)
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
        assert "try again later" in refused.get_data(as_text=True)
        assert client.get(path).status_code == 200  # reading the form is not counted
        # The probes' budget is another: a feed check from the same address still goes through to the probe.
        check = client.post("/api/v1/sources/check", json={"url": "http://127.0.0.1:9/oai"})
        assert check.status_code == 422
    finally:
        catalogue.engine.close()
        catalogue.store.close()
