"""Issue 13's proof, end to end on real parts on loopback, on SQLite and on PostgreSQL: an HEI registers its
OAI-PMH feed through the API (with a webhook of its own), confirms ownership with the link mailed through a real
SMTP server (aiosmtpd), the operator approves it, the real scheduler harvests it and the catalogue finds its
offerings; then the feed breaks: every failed run alerts by mail and by both webhooks (each signed with its own
key), the source becomes ``failing``, recovers on a good run, breaks again and is ``suspended``; the operator
reactivates it and it is harvested again. Every step is visible in ``GET /api/v1/sources/{id}`` and ``/sources``."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from config import Settings
from harvesters.scheduler import HarvestScheduler
from indexer.sync import sync
from microcred.demo.provider import Provider
from microcred.demo.server import FeedServer, make_app, serve
from offerings.store import Store
from search_ui import create_app
from search_ui.services import Services
from tests.conftest import make_settings
from tests.harvesters.conftest import NL, feeds  # noqa: F401 - fixtures
from tests.mailbox import Inbox

pytestmark = pytest.mark.stores

ADMIN = "operator-token"
OPERATOR_SECRET = "operator-hook-secret"
CONTACT = "registrar@elsewhere.example"
ADMIN_EMAIL = "oai-beheer@hogeschool-zuiderzee.example"  # the demo feed's Identify adminEmail

Received = list[tuple[str, dict[str, str], bytes]]


class Breakable:
    """The demo feeds, answering 503 to everything while ``broken``."""

    def __init__(self, providers: dict[str, Provider]) -> None:
        self.app = make_app(providers)
        self.broken = False

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if self.broken:
            start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"down for maintenance"]
        return self.app(environ, start_response)


@pytest.fixture
def feed(feeds: dict[str, Provider]) -> Iterator[tuple[FeedServer, Breakable]]:  # noqa: F811
    app = Breakable(feeds)
    server = serve(app, host="127.0.0.1", port=0)
    yield server, app
    server.stop()


@pytest.fixture
def hooks() -> Iterator[tuple[str, Received]]:
    received: Received = []

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
        received.append((environ["PATH_INFO"], headers, body))
        start_response("204 No Content", [])
        return [b""]

    server = serve(app, host="127.0.0.1", port=0)
    yield server.base_url, received
    server.stop()


@pytest.fixture
def door_settings(tmp_path: Path, smtp: tuple[Inbox, int], hooks: tuple[str, Received]) -> Settings:
    return make_settings(
        tmp_path,
        admin_token=ADMIN,
        secret_key="door",
        public_url="http://catalogue.test",
        mail={"host": "127.0.0.1", "port": smtp[1]},
        # Few retries, so a broken feed fails its run quickly.
        harvest={"max_retries": 0},
        health={
            "failing_after": 2,
            "suspend_after": 3,
            "webhook_url": f"{hooks[0]}/operator",
            "webhook_secret": OPERATOR_SECRET,
        },
    )


@pytest.fixture
def app(door_settings: Settings, store: Store) -> Flask:
    return create_app(door_settings, store=store)


def _tick(app: Flask, store: Store, settings: Settings) -> list[str]:
    """One tick of the real scheduler (with the index sync the wiring gives it), waiting for what it started."""
    services: Services = app.extensions["microcred"]
    scheduler = HarvestScheduler(store, settings, after_harvest=lambda _report: sync(store, services.engine))
    started = scheduler.tick()
    scheduler.shutdown()
    return started


def _due_now(store: Store, source_id: str) -> None:
    # The cadence is a day and a failing source backs off further; the test does not wait for either.
    store.sources.update(source_id, next_due_at=None)


def _signed(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, page
    return match.group(1)


def test_register_prove_approve_harvest_break_fail_suspend_recover(
    app: Flask,
    store: Store,
    door_settings: Settings,
    smtp: tuple[Inbox, int],
    hooks: tuple[str, Received],
    feed: tuple[FeedServer, Breakable],
) -> None:
    inbox, _ = smtp
    server, broken = feed
    client: FlaskClient = app.test_client()
    admin = {"Authorization": f"Bearer {ADMIN}"}

    # 1. The HEI registers: probe, preview, pending, and its webhook's secret, shown once.
    answer = client.post(
        "/api/v1/sources",
        json={"url": server.url_for(NL), "contact_email": CONTACT, "webhook_url": f"{hooks[0]}/hei"},
    )
    assert answer.status_code == 202, answer.json
    registered = answer.json
    source_id = registered["id"]
    assert registered["status"] == "pending" and registered["preview"]
    hei_secret = registered["webhook"]["secret"]
    assert registered["webhook"]["url"] == f"{hooks[0]}/hei" and hei_secret != OPERATOR_SECRET
    assert "secret" not in json.dumps(client.get(f"/api/v1/sources/{source_id}").json)  # never shown again

    # 2. Ownership: the link mailed to the feed's adminEmail, confirmed with the page's button.
    ((recipients, message),) = inbox.messages
    assert recipients == [ADMIN_EMAIL]
    text = message.get_payload(decode=True).decode()  # type: ignore[union-attr]
    link = re.search(r"http://catalogue\.test(/sources/[^/]+/confirm\?token=\S+)", text)
    assert link, text
    page = client.get(link.group(1)).get_data(as_text=True)
    token = re.search(r'name="token" value="([^"]+)"', page)
    assert token
    done = client.post(f"/sources/{source_id}/confirm", data={"csrf_token": _csrf(page), "token": token.group(1)})
    assert done.status_code == 200 and store.sources.get(source_id).status == "verified"
    inbox.messages.clear()

    # 3. The operator approves; 4. the scheduler harvests it and the catalogue finds its offerings.
    assert client.post(f"/api/v1/sources/{source_id}/approve", headers=admin).status_code == 200
    assert _tick(app, store, door_settings) == [source_id]
    live = store.count(source_id=source_id)
    assert live > 0 and store.sources.get(source_id).status == "active"
    found = client.get("/api/v1/offerings", query_string={"source": source_id}).json
    assert found["total"] == live
    assert inbox.messages == [] and hooks[1] == []  # a good run alerts nobody

    # 5. The feed breaks: each failed run alerts the contact, the operator's webhook and the HEI's.
    broken.broken = True
    _due_now(store, source_id)
    _tick(app, store, door_settings)
    assert store.sources.get(source_id).status == "active"  # one failure is not yet failing
    ((to, alert),) = inbox.messages
    assert to == [CONTACT] and "the harvest failed" in alert.get_payload()  # type: ignore[operator]
    by_path = {path: (headers, body) for path, headers, body in hooks[1]}
    assert sorted(by_path) == ["/hei", "/operator"]
    for path, secret in (("/operator", OPERATOR_SECRET), ("/hei", hei_secret)):
        headers, body = by_path[path]
        assert headers["x-microcred-signature"] == _signed(secret, body)
        assert json.loads(body)["source"] == source_id and json.loads(body)["event"] == "source.alert"

    # 6. A second failure in a row: failing (still harvested, later each time).
    _due_now(store, source_id)
    _tick(app, store, door_settings)
    assert store.sources.get(source_id).status == "failing"

    # 7. A good run recovers it.
    broken.broken = False
    _due_now(store, source_id)
    assert _tick(app, store, door_settings) == [source_id]
    assert store.sources.get(source_id).status == "active"

    # 8. Three failures in a row: suspended, and no longer harvested.
    broken.broken = True
    for _ in range(3):
        _due_now(store, source_id)
        _tick(app, store, door_settings)
    assert store.sources.get(source_id).status == "suspended"
    _due_now(store, source_id)
    assert _tick(app, store, door_settings) == []
    assert len(inbox.messages) == 5 and len(hooks[1]) == 10  # one alert per failed run, to each of the two hooks
    # The offerings stay findable while their feed is down.
    assert client.get("/api/v1/offerings", query_string={"source": source_id}).json["total"] == live

    # 9. The operator reactivates it once the feed is back; it is harvested again.
    broken.broken = False
    moved = client.post(
        f"/api/v1/sources/{source_id}/transition", headers=admin, json={"to": "active", "reason": "feed fixed"}
    )
    assert moved.status_code == 200
    _due_now(store, source_id)
    assert _tick(app, store, door_settings) == [source_id]

    # Everything on the record: transitions with who and why, runs with their counts and errors, the pages.
    shown = client.get(f"/api/v1/sources/{source_id}").json
    steps = [(t["from"], t["to"]) for t in shown["transitions"]]
    assert steps == [
        (None, "pending"),
        ("pending", "verified"),
        ("verified", "active"),
        ("active", "failing"),
        ("failing", "active"),
        ("active", "failing"),
        ("failing", "suspended"),
        ("suspended", "active"),
    ]
    statuses = [run["status"] for run in reversed(shown["runs"])]
    assert statuses == ["success", "failed", "failed", "success", "failed", "failed", "failed", "success"]
    assert all(run["error"] for run in shown["runs"] if run["status"] == "failed")
    assert shown["status"] == "active"
    listing = client.get("/sources").get_data(as_text=True)
    assert source_id in listing
