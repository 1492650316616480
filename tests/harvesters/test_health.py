"""A broken feed, end to end on loopback: scheduled harvests through the real scheduler, failures counted into
failing and suspended, alerts by mail (aiosmtpd) and by an HMAC-signed webhook, recovery on success."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from config import Settings
from harvesters import health
from harvesters.registration import Registration, register
from harvesters.scheduler import HarvestScheduler
from microcred.demo.provider import Provider
from microcred.demo.server import FeedServer, make_app, serve
from offerings.store import Store, lifecycle, problem_reports, utcnow
from offerings.store.tables import records
from tests.conftest import make_settings
from tests.harvesters.conftest import NL
from tests.mailbox import Inbox

pytestmark = pytest.mark.stores  # runs, transitions and reports on SQLite and PostgreSQL

SECRET = "hook-secret"


class Switchable:
    """The demo feeds, which answer 404 to everything while ``broken``."""

    def __init__(self, feeds: dict[str, Provider]) -> None:
        self.app = make_app(feeds)
        self.broken = False

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if self.broken:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"gone"]
        return self.app(environ, start_response)


@pytest.fixture
def feed(feeds: dict[str, Provider]) -> Iterator[tuple[FeedServer, Switchable]]:
    app = Switchable(feeds)
    server = serve(app, host="127.0.0.1", port=0)
    yield server, app
    server.stop()


@pytest.fixture
def hook() -> Iterator[tuple[str, list[tuple[dict[str, str], bytes]]]]:
    received: list[tuple[dict[str, str], bytes]] = []

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
        received.append((headers, body))
        start_response("204 No Content", [])
        return [b""]

    server = serve(app, host="127.0.0.1", port=0)
    yield f"{server.base_url}/alerts", received
    server.stop()


@pytest.fixture
def health_settings(tmp_path: Path, smtp: tuple[Inbox, int], hook: tuple[str, Any]) -> Settings:
    return make_settings(
        tmp_path,
        mail={"host": "127.0.0.1", "port": smtp[1]},
        health={"failing_after": 2, "suspend_after": 3, "webhook_url": hook[0], "webhook_secret": SECRET},
    )


def _run_due(store: Store, settings: Settings, source_id: str) -> list[str]:
    """Make the source due and let the real scheduler take it; returns what the tick started."""
    store.sources.update(source_id, next_due_at=None)
    scheduler = HarvestScheduler(store, settings)
    started = scheduler.tick()
    scheduler.shutdown()  # waits for the harvest, and gives up the leader lock for the next tick's scheduler
    return started


def test_a_broken_feed_alerts_then_fails_then_is_suspended_and_recovers(
    store: Store,
    health_settings: Settings,
    smtp: tuple[Inbox, int],
    hook: tuple[str, list[tuple[dict[str, str], bytes]]],
    feed: tuple[FeedServer, Switchable],
) -> None:
    inbox, _ = smtp
    server, app = feed
    source, _ = register(
        store, health_settings, Registration(url=server.url_for(NL), contact_email="ops@zuiderzee.example")
    )
    inbox.messages.clear()  # the ownership mail
    lifecycle.transition(store, source.id, "active", actor="operator", reason="test")
    assert _run_due(store, health_settings, source.id) == [source.id]
    assert store.count(source_id=source.id) > 0 and store.sources.get(source.id).status == "active"
    assert inbox.messages == [] and hook[1] == []  # a good run alerts nobody

    with store.engine.connect() as conn:
        record_id = conn.execute(select(records.c.id).where(records.c.source_id == source.id)).scalars().first()
    assert record_id is not None
    problem_reports.add(store, record_id, "dead-link", "the landing page is gone")

    app.broken = True
    _run_due(store, health_settings, source.id)
    assert store.sources.get(source.id).status == "active"  # one failure is not yet failing
    ((to, message),) = inbox.messages
    assert to == ["ops@zuiderzee.example"] and "the harvest failed" in message.get_payload()  # type: ignore[operator]
    assert "the landing page is gone" in message.get_payload()  # type: ignore[operator]  # reports travel with alerts
    headers, body = hook[1][0]
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert headers["x-microcred-signature"] == expected
    assert json.loads(body)["source"] == source.id and json.loads(body)["status"] == "active"

    _run_due(store, health_settings, source.id)
    failing = store.sources.get(source.id)
    assert failing.status == "failing"
    # Failing sources are retried later than their interval (backoff), and still harvested.
    assert failing.next_due_at is not None
    assert (failing.next_due_at - utcnow()).total_seconds() > source.every_seconds

    app.broken = False
    _run_due(store, health_settings, source.id)
    assert store.sources.get(source.id).status == "active"

    app.broken = True
    for _ in range(3):
        _run_due(store, health_settings, source.id)
    assert store.sources.get(source.id).status == "suspended"
    assert _run_due(store, health_settings, source.id) == []  # suspended sources are not harvested
    assert len(hook[1]) == 5 and len(inbox.messages) == 5  # one alert per failed run
    steps = [(t.from_status, t.to_status, t.actor) for t in lifecycle.history(store, source.id)]
    assert steps[-4:] == [
        ("active", "failing", "health check"),
        ("failing", "active", "health check"),
        ("active", "failing", "health check"),
        ("failing", "suspended", "health check"),
    ]
    assert "3 harvests in a row failed" in lifecycle.history(store, source.id)[-1].reason


def test_a_webhook_on_a_private_address_is_refused_without_the_allowance(
    tmp_path: Path, hook: tuple[str, list[Any]]
) -> None:
    from offerings.store import Source

    strict = make_settings(tmp_path, allow_private_feeds=False, health={"webhook_url": hook[0]})
    health.notify(strict, Source(id="s", url="http://x.example/oai"), "failing", ["it broke"])
    assert hook[1] == []
    lenient = make_settings(tmp_path, health={"webhook_url": hook[0]})
    health.notify(lenient, Source(id="s", url="http://x.example/oai"), "failing", ["it broke"])
    assert len(hook[1]) == 1 and SECRET not in hook[1][0][0].get("x-microcred-signature", "")


def test_shrinking_and_empty_runs_are_alerts(tmp_path: Path) -> None:
    from harvesters.base import HarvestReport

    settings = make_settings(tmp_path)
    report = HarvestReport(source_id="s")
    report.counts.seen = 10
    report.counts.deleted = 6
    assert health.alerts_for(report, 10, settings) == ["the harvest deleted 6 of 10 offerings"]
    empty = HarvestReport(source_id="s", full=True)
    assert health.alerts_for(empty, 10, settings) == ["a full harvest found no records at all"]
    assert health.alerts_for(empty, 0, settings) == []
    # An incremental run that sees nothing new is no alert.
    assert health.alerts_for(HarvestReport(source_id="s"), 10, settings) == []
