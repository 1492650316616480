"""The lifecycle and the operator's console: approval by API (admin token), CLI and the /admin page, every
transition recorded and shown, harvest now through the real scheduler, removal tombstoning the offerings.
Real loopback OAI-PMH provider, real SQLite store, the real app."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from harvesters.scheduler import HarvestScheduler
from microcred.cli import cli
from microcred.demo.server import FeedServer
from offerings.store import Store, lifecycle
from search_ui import create_app
from tests.conftest import make_settings
from tests.harvesters.conftest import NL, feed_server, feeds  # noqa: F401 - fixtures

TOKEN = "s3cret-admin"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def app(tmp_path: Path, store: Store) -> Flask:
    return create_app(make_settings(tmp_path, admin_token=TOKEN), store=store)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def pending(client: FlaskClient, feed_server: FeedServer) -> str:  # noqa: F811
    response = client.post("/api/v1/sources", json={"url": feed_server.url_for(NL), "contact_email": "a@b.eu"})
    assert response.status_code == 202, response.json
    return str(response.json["id"])


def _csrf(client: FlaskClient, path: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True))
    assert match
    return match.group(1)


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}])
def test_admin_calls_need_the_token(client: FlaskClient, store: Store, pending: str, headers: dict[str, str]) -> None:
    response = client.post(f"/api/v1/sources/{pending}/approve", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert store.sources.get(pending).status == "pending"


def test_admin_calls_are_off_without_a_token(tmp_path: Path, store: Store, feed_server: FeedServer) -> None:  # noqa: F811
    client = create_app(make_settings(tmp_path), store=store).test_client()
    sent = client.post("/api/v1/sources", json={"url": feed_server.url_for(NL), "contact_email": "a@b.eu"})
    response = client.post(f"/api/v1/sources/{sent.json['id']}/approve", headers={"Authorization": "Bearer "})
    assert response.status_code == 403 and "MICROCRED_ADMIN_TOKEN" in response.json["detail"]


def test_approval_then_harvest_now_through_the_scheduler(
    app: Flask, client: FlaskClient, store: Store, pending: str
) -> None:
    # A pending source is not harvested, even when asked.
    assert client.post(f"/api/v1/sources/{pending}/harvest", headers=AUTH).status_code == 409
    approved = client.post(f"/api/v1/sources/{pending}/approve", headers=AUTH, json={"reason": "looks right"})
    assert approved.status_code == 200, approved.json
    assert approved.json["source"]["status"] == "active"
    assert client.post(f"/api/v1/sources/{pending}/approve", headers=AUTH).status_code == 409
    now = client.post(f"/api/v1/sources/{pending}/harvest", headers=AUTH)
    assert now.status_code == 202 and now.json["source"]["next_due_at"]
    scheduler = HarvestScheduler(store, app.extensions["microcred"].settings)
    assert scheduler.tick() == [pending]
    scheduler.shutdown()
    shown = client.get(f"/api/v1/sources/{pending}").json
    assert shown["runs"][0]["status"] == "success" and shown["offerings"]["live"] > 0
    steps = [(t["from"], t["to"], t["by"], t["why"]) for t in shown["transitions"]]
    assert steps[0][:2] == (None, "pending")
    assert steps[1] == ("pending", "active", "operator (admin API)", "looks right")
    page = client.get(f"/sources/{pending}").get_data(as_text=True)
    assert "Status history" in page and "looks right" in page and "operator (admin API)" in page


def test_illegal_moves_are_409s_and_change_nothing(client: FlaskClient, store: Store, pending: str) -> None:
    response = client.post(f"/api/v1/sources/{pending}/transition", headers=AUTH, json={"to": "failing"})
    assert response.status_code == 409 and "cannot become failing" in response.json["detail"]
    assert client.post(f"/api/v1/sources/{pending}/transition", headers=AUTH, json={"to": "x"}).status_code == 400
    assert client.post("/api/v1/sources/nope/approve", headers=AUTH).status_code == 404
    assert store.sources.get(pending).status == "pending"
    assert [t.to_status for t in lifecycle.history(store, pending)] == ["pending"]


def test_removal_withdraws_the_offerings_and_keeps_the_history(
    app: Flask, client: FlaskClient, store: Store, pending: str
) -> None:
    client.post(f"/api/v1/sources/{pending}/approve", headers=AUTH)
    scheduler = HarvestScheduler(store, app.extensions["microcred"].settings)
    scheduler.tick()
    scheduler.shutdown()
    live = store.count(source_id=pending)
    assert live > 0
    gone = client.post(f"/api/v1/sources/{pending}/transition", headers=AUTH, json={"to": "removed", "reason": "spam"})
    assert gone.status_code == 200
    assert store.count(source_id=pending) == 0 and store.count(source_id=pending, deleted=True) >= live
    assert [t.to_status for t in lifecycle.history(store, pending)] == ["pending", "active", "removed"]
    # A removed source harvests no more, and its endpoint may be registered again.
    assert store.sources.due() == []


def test_the_admin_page_signs_in_and_approves(client: FlaskClient, store: Store, pending: str) -> None:
    token = _csrf(client, "/admin")
    assert client.post("/admin/login", data={"csrf_token": token, "token": "wrong"}).status_code == 401
    assert client.post("/admin/login", data={"token": TOKEN}).status_code == 400  # no CSRF token
    signed = client.post("/admin/login", data={"csrf_token": token, "token": TOKEN})
    assert signed.status_code == 303
    page = client.get("/admin").get_data(as_text=True)
    assert "Waiting for approval" in page and pending in page
    assert client.post(f"/admin/sources/{pending}/approve", data={}).status_code == 400
    done = client.post(f"/admin/sources/{pending}/approve", data={"csrf_token": token}, follow_redirects=True)
    assert done.status_code == 200 and "is active" in done.get_data(as_text=True)
    assert store.sources.get(pending).status == "active"
    assert lifecycle.history(store, pending)[-1].actor == "operator (admin page)"


def test_the_admin_page_refuses_actions_before_sign_in(client: FlaskClient, store: Store, pending: str) -> None:
    token = _csrf(client, "/admin")
    assert client.post(f"/admin/sources/{pending}/approve", data={"csrf_token": token}).status_code == 403
    assert store.sources.get(pending).status == "pending"


def test_cli_approve_records_the_transition(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    feed_server: FeedServer,  # noqa: F811
) -> None:
    for name in ("MICROCRED_DATABASE_URL", "MICROCRED_SEARCH_ENGINE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MICROCRED_DATA_DIR", str(tmp_path / "cli"))
    monkeypatch.setenv("MICROCRED_ALLOW_PRIVATE_FEEDS", "true")
    settings = make_settings(tmp_path, data_dir=str(tmp_path / "cli"))
    client = create_app(settings).test_client()
    sent = client.post("/api/v1/sources", json={"url": feed_server.url_for(NL), "contact_email": "a@b.eu"})
    source_id = sent.json["id"]
    result = CliRunner().invoke(cli, ["sources", "approve", source_id], catch_exceptions=False)
    assert result.exit_code == 0 and f"{source_id} is active" in result.output
    shown = client.get(f"/api/v1/sources/{source_id}").json
    assert shown["status"] == "active"
    assert shown["transitions"][-1]["by"] == "operator (microcred sources approve)"
    result = CliRunner().invoke(cli, ["sources", "remove", source_id], catch_exceptions=False)
    assert result.exit_code == 0
    assert client.get(f"/api/v1/sources/{source_id}").json["status"] == "removed"
