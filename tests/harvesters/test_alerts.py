"""Alerts beyond failures, and "harvest now" while a harvest runs, on real parts on loopback (SQLite and
PostgreSQL): a catalogue feed whose records lose most of their fields raises a completeness-drop alert, mailed
through a real SMTP server (aiosmtpd) and POSTed to the operator's webhook and the source's own, each signed with
its own key; a "harvest now" that arrives while the source's harvest is running is kept, and the scheduler
harvests the source again right after that run."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from config import Settings
from harvesters import health
from harvesters.registration import Registration, add
from harvesters.scheduler import HarvestScheduler
from microcred.demo.server import FeedServer, serve
from offerings.store import Store, utcnow
from search_ui import create_app
from tests.conftest import make_settings
from tests.mailbox import Inbox

pytestmark = pytest.mark.stores

SECRET = "operator-secret"
ADMIN = "admin-token"
XCRI = "{http://xcri.org/profiles/1.2/catalog}"
KEPT = {"{http://purl.org/dc/elements/1.1/}identifier", "{http://purl.org/dc/elements/1.1/}title"}

Received = list[tuple[str, dict[str, str], bytes]]


class Catalogue:
    """One XCRI-CAP document at ``/catalogue.xml`` with an ETag; ``hold`` makes GETs wait for ``release``."""

    def __init__(self, body: bytes, etag: str = '"v1"') -> None:
        self.body, self.etag = body, etag
        self.hold = False
        self.arrived = threading.Event()
        self.release = threading.Event()
        self.gets = 0

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        self.gets += 1
        self.arrived.set()
        if self.hold:
            # Bounded only so that a broken test ends; the test releases it long before.
            self.release.wait(timeout=120)
        if environ.get("HTTP_IF_NONE_MATCH") == self.etag:
            start_response("304 Not Modified", [("ETag", self.etag)])
            return [b""]
        start_response("200 OK", [("Content-Type", "application/xml"), ("ETag", self.etag)])
        return [self.body]


def _poorer(rich: bytes) -> bytes:
    """The same catalogue with every course stripped to its identifier and title."""
    tree = etree.fromstring(rich)
    poor = copy.deepcopy(tree)
    for course in poor.iter(f"{XCRI}course"):
        for child in list(course):
            if child.tag not in KEPT:
                course.remove(child)
    return bytes(etree.tostring(poor))


@pytest.fixture
def catalogue(samples: Path) -> Iterator[tuple[FeedServer, Catalogue]]:
    app = Catalogue((samples / "xcri-cap" / "ou-example.xml").read_bytes())
    server = serve(app, host="127.0.0.1", port=0)
    yield server, app
    app.release.set()
    server.stop()


@pytest.fixture
def hooks() -> Iterator[tuple[str, Received]]:
    """A real webhook receiver on loopback: every POST kept with its path, headers and body."""
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
def alert_settings(tmp_path: Path, smtp: tuple[Inbox, int], hooks: tuple[str, Received]) -> Settings:
    return make_settings(
        tmp_path,
        admin_token=ADMIN,
        mail={"host": "127.0.0.1", "port": smtp[1]},
        health={"webhook_url": f"{hooks[0]}/operator", "webhook_secret": SECRET, "completeness_drop_share": 0.1},
    )


def _tick(store: Store, settings: Settings) -> list[str]:
    """One tick of a real scheduler, waiting for what it started."""
    scheduler = HarvestScheduler(store, settings)
    started = scheduler.tick()
    scheduler.shutdown()
    return started


def _signed(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_a_drop_in_completeness_marks_the_run_and_alerts_contact_operator_and_source_webhook(
    store: Store,
    alert_settings: Settings,
    smtp: tuple[Inbox, int],
    hooks: tuple[str, Received],
    catalogue: tuple[FeedServer, Catalogue],
) -> None:
    inbox, _ = smtp
    server, feed = catalogue
    wanted = Registration(
        url=f"{server.base_url}/catalogue.xml",
        kind="feed",
        contact_email="ops@uni.example",
        webhook_url=f"{hooks[0]}/source",
    )
    source = add(store, alert_settings, wanted, status="active")
    assert source.webhook_url == f"{hooks[0]}/source" and source.webhook_secret
    assert source.webhook_secret != SECRET

    assert _tick(store, alert_settings) == [source.id]
    first = store.sources.runs(source.id)[0]
    assert first["status"] == "success" and first["completeness"] is not None and first["completeness"] > 0
    assert inbox.messages == [] and hooks[1] == []  # a good first run alerts nobody

    feed.body, feed.etag = _poorer(feed.body), '"v2"'
    store.sources.update(source.id, next_due_at=None)
    assert _tick(store, alert_settings) == [source.id]
    second = store.sources.runs(source.id)[0]
    assert second["status"] == "success" and second["updated"] > 0
    assert second["completeness"] < 0.9 * first["completeness"]
    words = f"dropped from {first['completeness']:g} to {second['completeness']:g}"
    # The run is marked, so the source's history says what was wrong.
    assert any(note.startswith("alert: ") and words in note for note in second["notes"])
    page = create_app(alert_settings, store=store).test_client().get(f"/sources/{source.id}")
    assert page.status_code == 200 and words in page.get_data(as_text=True)
    ((to, message),) = inbox.messages
    assert to == ["ops@uni.example"] and words in message.get_payload()  # type: ignore[operator]
    by_path = {path: (headers, body) for path, headers, body in hooks[1]}
    assert sorted(by_path) == ["/operator", "/source"]
    for path, secret in (("/operator", SECRET), ("/source", source.webhook_secret)):
        headers, body = by_path[path]
        assert headers["x-microcred-signature"] == _signed(secret, body)
        payload = json.loads(body)
        assert payload["source"] == source.id and any(words in p for p in payload["problems"])
    # Neither key verifies the other's body: the HEI never learns the operator's secret.
    assert by_path["/source"][0]["x-microcred-signature"] != _signed(SECRET, by_path["/source"][1])

    # The same poor catalogue again (304): no further drop, no further alert.
    store.sources.update(source.id, next_due_at=None)
    assert _tick(store, alert_settings) == [source.id]
    assert len(inbox.messages) == 1 and len(hooks[1]) == 2


def test_the_drop_is_a_share_of_the_last_good_run(tmp_path: Path) -> None:
    from harvesters.base import HarvestReport

    settings = make_settings(tmp_path, health={"completeness_drop_share": 0.25})
    report = HarvestReport(source_id="s")
    report.counts.seen = 5
    report.completeness = 60.0
    assert health.alerts_for(report, 5, settings, completeness_before=80.0) == []  # 25 % exactly: not more
    report.completeness = 59.0
    assert health.alerts_for(report, 5, settings, completeness_before=80.0) == [
        "the mean completeness of your offerings dropped from 80 to 59 (of 100)"
    ]
    assert (
        health.alerts_for(report, 5, settings, completeness_before=None) == []
    )  # a first run has nothing to drop from


def test_harvest_now_during_a_running_harvest_runs_again_right_after(
    store: Store, alert_settings: Settings, catalogue: tuple[FeedServer, Catalogue]
) -> None:
    server, feed = catalogue
    source = add(store, alert_settings, Registration(url=f"{server.base_url}/catalogue.xml", kind="feed"))
    client = create_app(alert_settings, store=store).test_client()
    admin = {"Authorization": f"Bearer {ADMIN}"}

    # Without a request during the run, the next harvest is a cadence away.
    assert _tick(store, alert_settings) == [source.id]
    calm = store.sources.get(source.id).next_due_at
    assert calm is not None and (calm - utcnow()).total_seconds() > source.every_seconds / 2

    assert client.post(f"/api/v1/sources/{source.id}/harvest", headers=admin).status_code == 202
    feed.hold, feed.arrived = True, threading.Event()
    scheduler = HarvestScheduler(store, alert_settings)
    try:
        assert scheduler.tick() == [source.id]
        assert feed.arrived.wait(timeout=120)  # the harvest is under way, held at its GET
        # The operator asks again while it runs: the claim that started this run took up the first request.
        assert client.post(f"/api/v1/sources/{source.id}/harvest", headers=admin).status_code == 202
        assert scheduler.tick() == []  # not twice at once
        feed.release.set()
    finally:
        scheduler.shutdown()  # waits for the held harvest to end
    after = store.sources.get(source.id)
    assert after.next_due_at is not None and after.next_due_at <= utcnow()  # due again at once, not lost
    assert [r["status"] for r in store.sources.runs(source.id)] == ["success", "success"]

    feed.hold = False
    assert _tick(store, alert_settings) == [source.id]  # the queued harvest
    assert len(store.sources.runs(source.id)) == 3
    rested = store.sources.get(source.id).next_due_at
    assert rested is not None and (rested - utcnow()).total_seconds() > source.every_seconds / 2
    assert _tick(store, alert_settings) == []  # and only once
