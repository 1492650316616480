"""Proof of ownership against real parts on loopback: the confirmation link mailed through a real SMTP server
(aiosmtpd) to the feed's Identify adminEmail, the token fetched from /.well-known/microcred-verification on the
feed's host through the SSRF-guarded client, and the operator's confirmation; then approval."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from microcred.demo.provider import Provider
from microcred.demo.server import FeedServer, make_app, serve
from offerings.store import Store, lifecycle
from search_ui import create_app
from tests.conftest import make_settings
from tests.harvesters.conftest import NL, feeds  # noqa: F401 - fixtures
from tests.mailbox import Inbox

TOKEN = "admin-token"


@pytest.fixture
def host(feeds: dict[str, Provider]) -> Iterator[tuple[FeedServer, dict[str, bytes]]]:  # noqa: F811
    """The demo OAI-PMH feeds, and a well-known file on the same host whose body the test sets."""
    published: dict[str, bytes] = {}
    oai = make_app(feeds)

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        if environ["PATH_INFO"] == "/.well-known/microcred-verification":
            if "body" not in published:
                start_response("404 Not Found", [("Content-Type", "text/plain")])
                return [b"no"]
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [published["body"]]
        return oai(environ, start_response)

    server = serve(app, host="127.0.0.1", port=0)
    yield server, published
    server.stop()


@pytest.fixture
def app(tmp_path: Path, store: Store, smtp: tuple[Inbox, int]) -> Flask:
    settings = make_settings(
        tmp_path, admin_token=TOKEN, mail={"host": "127.0.0.1", "port": smtp[1]}, public_url="http://catalogue.test"
    )
    return create_app(settings, store=store)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def _register(client: FlaskClient, url: str, contact: str = "someone@elsewhere.example") -> dict[str, Any]:
    response = client.post("/api/v1/sources", json={"url": url, "contact_email": contact})
    assert response.status_code == 202, response.json
    return dict(response.json)


def _csrf(client: FlaskClient, path: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True))
    assert match
    return match.group(1)


def test_mailed_link_confirms_then_the_operator_approves(
    client: FlaskClient, store: Store, smtp: tuple[Inbox, int], host: tuple[FeedServer, dict[str, bytes]]
) -> None:
    inbox, _ = smtp
    body = _register(client, host[0].url_for(NL))
    source_id = body["id"]
    # The link goes to the address the feed itself names (Identify adminEmail), not to the registrant's.
    assert body["verification"]["mailed_to"] == ["oai-beheer@hogeschool-zuiderzee.example"]
    ((recipients, message),) = inbox.messages
    assert recipients == ["oai-beheer@hogeschool-zuiderzee.example"]
    text = message.get_payload(decode=True).decode()  # type: ignore[union-attr]
    match = re.search(r"http://catalogue\.test(/sources/[^/]+/confirm\?token=\S+)", text)
    assert match, text
    link = match.group(1)
    # The mailed token is not the published one the registrant was shown.
    assert body["verification"]["token"] not in link
    # Opening the link confirms nothing (mail scanners follow links); the button does.
    page = client.get(link)
    assert page.status_code == 200 and store.sources.get(source_id).status == "pending"
    token = re.search(r'name="token" value="([^"]+)"', page.get_data(as_text=True))
    assert token
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
    assert csrf
    done = client.post(f"/sources/{source_id}/confirm", data={"csrf_token": csrf.group(1), "token": token.group(1)})
    assert done.status_code == 200 and "ownership is confirmed" in done.get_data(as_text=True)
    assert store.sources.get(source_id).status == "verified"
    approved = client.post(f"/api/v1/sources/{source_id}/approve", headers={"Authorization": f"Bearer {TOKEN}"})
    assert approved.status_code == 200
    steps = [(t["from"], t["to"]) for t in approved.json["source"]["transitions"]]
    assert steps == [(None, "pending"), ("pending", "verified"), ("verified", "active")]
    assert approved.json["source"]["transitions"][1]["why"] == "ownership proved (email)"


def test_a_wrong_mailed_token_proves_nothing(client: FlaskClient, store: Store, host: tuple[FeedServer, Any]) -> None:
    body = _register(client, host[0].url_for(NL))
    # The published token is not the mailed one: the registrant cannot confirm with what it was shown.
    for token in ("guess", body["verification"]["token"]):
        response = client.post(f"/api/v1/sources/{body['id']}/ownership", json={"method": "email", "token": token})
        assert response.status_code == 409
    assert store.sources.get(body["id"]).status == "pending"


def test_the_well_known_token_proves_ownership(
    client: FlaskClient, store: Store, host: tuple[FeedServer, dict[str, bytes]]
) -> None:
    server, published = host
    body = _register(client, server.url_for(NL))
    source_id = body["id"]
    assert body["verification"]["well_known_url"] == f"{server.base_url}/.well-known/microcred-verification"
    # Not published yet: a 422 saying why, still pending.
    missing = client.post(f"/api/v1/sources/{source_id}/ownership", json={"method": "well-known"})
    assert missing.status_code == 422 and "could not be read" in missing.json["detail"]
    published["body"] = b"some-other-token\n"
    wrong = client.post(f"/api/v1/sources/{source_id}/ownership", json={"method": "well-known"})
    assert wrong.status_code == 422 and "does not hold the token" in wrong.json["detail"]
    assert store.sources.get(source_id).status == "pending"
    published["body"] = body["verification"]["token"].encode() + b"\n"
    csrf = _csrf(client, f"/sources/{source_id}")
    page = client.post(f"/sources/{source_id}/verify", data={"csrf_token": csrf})
    assert page.status_code == 200 and "ownership is confirmed" in page.get_data(as_text=True)
    assert store.sources.get(source_id).status == "verified"
    assert lifecycle.history(store, source_id)[-1].reason == "ownership proved (well-known)"


def test_the_well_known_fetch_is_ssrf_guarded(
    tmp_path: Path, store: Store, host: tuple[FeedServer, dict[str, bytes]]
) -> None:
    server, published = host
    lenient = create_app(make_settings(tmp_path, admin_token=TOKEN), store=store).test_client()
    body = _register(lenient, server.url_for(NL))
    published["body"] = body["verification"]["token"].encode()
    strict = create_app(make_settings(tmp_path, allow_private_feeds=False), store=store).test_client()
    refused = strict.post(f"/api/v1/sources/{body['id']}/ownership", json={"method": "well-known"})
    assert refused.status_code == 422 and "not permitted" in refused.json["detail"]
    assert store.sources.get(body["id"]).status == "pending"


def test_the_operator_confirms_ownership(client: FlaskClient, store: Store, host: tuple[FeedServer, Any]) -> None:
    body = _register(client, host[0].url_for(NL))
    auth = {"Authorization": f"Bearer {TOKEN}"}
    assert client.post(f"/api/v1/sources/{body['id']}/verify").status_code == 401
    done = client.post(f"/api/v1/sources/{body['id']}/verify", headers=auth)
    assert done.status_code == 200 and done.json["source"]["status"] == "verified"
    assert client.post(f"/api/v1/sources/{body['id']}/verify", headers=auth).status_code == 409


def test_a_contact_on_the_feeds_domain_is_mailed_too(
    client: FlaskClient, smtp: tuple[Inbox, int], host: tuple[FeedServer, Any]
) -> None:
    # The loopback feed's host is 127.0.0.1: an address "on its domain" cannot exist, so only adminEmail is mailed;
    # the rule itself is checked on names.
    from harvesters.ownership import mail_candidates
    from offerings.store import Source

    source = Source(id="x", url="https://oai.uni-example.eu/oai", contact_email="registrar@uni-example.eu")
    assert mail_candidates(source, {"admin_email": "oai@uni-example.eu"}) == [
        "oai@uni-example.eu",
        "registrar@uni-example.eu",
    ]
    stranger = Source(id="y", url="https://oai.uni-example.eu/oai", contact_email="me@gmail.example")
    assert mail_candidates(stranger, {}) == []
    assert mail_candidates(Source(id="z", url="https://example.eu/", contact_email="a@badexample.eu"), {}) == []
