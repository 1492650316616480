"""V3's periodic landing-page check against a real loopback HTTP server: 200, 404, 500, redirects, HEAD refused."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from config import Settings
from harvesters.base import HarvestReport
from harvesters.landing import check_source
from harvesters.runner import harvest_source
from harvesters.scheduler import HarvestScheduler
from microcred.demo import serve
from microcred.demo.server import FeedServer
from offerings.model import Offering, make_record_id
from offerings.quality.validation import LANDING_ISSUE
from offerings.store import Source, Store
from offerings.store import landing as landing_store
from offerings.store import report as quality_report
from tests.conftest import make_settings
from tests.offerings.factories import full_offering

V3 = str(LANDING_ISSUE)


class Pages:
    """A WSGI site whose pages answer with the status set in ``statuses`` (path → status line)."""

    def __init__(self) -> None:
        self.statuses: dict[str, str] = {
            "/ok": "200 OK",
            "/gone": "404 Not Found",
            "/broken": "500 Internal Server Error",
            "/flaky": "200 OK",
            "/head-refused": "200 OK",
        }
        self.redirects: dict[str, str] = {"/moved": "/ok", "/loop": "/loop"}
        self.feed = b"[]"
        self.methods: list[tuple[str, str]] = []
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start: Any) -> Iterable[bytes]:
        path, method = environ["PATH_INFO"], environ["REQUEST_METHOD"]
        with self.lock:
            self.methods.append((method, path))
        if path == "/feed.jsonld":
            start("200 OK", [("Content-Type", "application/ld+json"), ("Content-Length", str(len(self.feed)))])
            return [self.feed]
        if path in self.redirects:
            start("302 Found", [("Location", self.redirects[path]), ("Content-Length", "0")])
            return [b""]
        if path == "/head-refused" and method == "HEAD":
            start("405 Method Not Allowed", [("Allow", "GET"), ("Content-Length", "0")])
            return [b""]
        status = self.statuses.get(path, "404 Not Found")
        body = b"<html><body>course page</body></html>"
        start(status, [("Content-Type", "text/html"), ("Content-Length", str(len(body)))])
        return [body if method != "HEAD" else b""]


@pytest.fixture
def pages() -> Pages:
    return Pages()


@pytest.fixture
def site(pages: Pages) -> Iterator[FeedServer]:
    server = serve(pages, host="127.0.0.1", port=0)
    yield server
    server.stop()


def _offering(n: int, url: str) -> Offering:
    # A well-filled record, so the V3 penalty shows in its score.
    return full_offering(
        record_id=make_record_id("s", f"id-{n}"),
        source_id="s",
        original_identifier=f"id-{n}",
        title={"en": f"Course number {n}"},
        record_url=url,
    )


def _load(store: Store, base: str, paths: list[str]) -> dict[str, str]:
    store.sources.add(Source(id="s", url=base + "/feed.jsonld", kind="feed"))
    offerings = [_offering(n, base + path) for n, path in enumerate(paths)]
    store.upsert_many((o, None) for o in offerings)
    return {path: o.record_id for path, o in zip(paths, offerings, strict=True)}


def _warned(store: Store, record_id: str) -> bool:
    return V3 in store.get(record_id).quality["warnings"]


@pytest.mark.stores  # the landing_checks table on SQLite and PostgreSQL
def test_two_failed_checks_in_a_row_warn_one_does_not(store: Store, settings: Settings, site: FeedServer) -> None:
    ids = _load(store, site.base_url, ["/ok", "/gone", "/broken", "/moved", "/head-refused"])
    first = check_source(store, "s", settings)
    assert len(first.checks) == 5
    by_id = {c.record_id: c for c in first.checks}
    assert by_id[ids["/ok"]].ok and by_id[ids["/ok"]].status == 200
    assert by_id[ids["/moved"]].ok  # a redirect to a page that answers passes
    assert by_id[ids["/head-refused"]].ok and by_id[ids["/head-refused"]].status == 200  # GET after 405
    assert by_id[ids["/gone"]].reason == "HTTP 404" and by_id[ids["/broken"]].reason == "HTTP 500"
    # One failure is not yet a warning.
    assert first.warned == 0 and not any(_warned(store, i) for i in ids.values())
    score = store.get(ids["/gone"]).completeness
    seq = store.max_seq()

    second = check_source(store, "s", settings)
    assert second.warned == 2
    assert {c.record_id for c in second.checks if c.failures == 2} == {ids["/gone"], ids["/broken"]}
    assert _warned(store, ids["/gone"]) and _warned(store, ids["/broken"]) and not _warned(store, ids["/ok"])
    warned = store.get(ids["/gone"])
    assert warned.completeness == score - 3 and warned.quality["score"] == score - 3
    # The changed quality gets new sequence numbers, so the index re-reads the score.
    assert store.max_seq() == seq + 2 and {r.id for r in store.changes_since(seq)} == {ids["/gone"], ids["/broken"]}
    # A third failure changes nothing more.
    assert check_source(store, "s", settings).warned == 0 and store.max_seq() == seq + 2


@pytest.mark.stores  # the landing_checks table on SQLite and PostgreSQL
def test_the_source_quality_report_lists_the_warning(store: Store, settings: Settings, site: FeedServer) -> None:
    ids = _load(store, site.base_url, ["/ok", "/gone"])
    check_source(store, "s", settings)
    check_source(store, "s", settings)
    report = quality_report.for_source(store, "s")
    assert {"warning": V3, "records": 1, "examples": [ids["/gone"]]} in report["warnings"]


@pytest.mark.stores  # the landing_checks table on SQLite and PostgreSQL
def test_a_recovered_page_clears_the_warning(store: Store, settings: Settings, site: FeedServer, pages: Pages) -> None:
    ids = _load(store, site.base_url, ["/flaky"])
    score = store.get(ids["/flaky"]).completeness
    pages.statuses["/flaky"] = "503 Service Unavailable"
    check_source(store, "s", settings)
    check_source(store, "s", settings)
    assert _warned(store, ids["/flaky"])
    pages.statuses["/flaky"] = "200 OK"
    report = check_source(store, "s", settings)
    assert report.cleared == 1 and not _warned(store, ids["/flaky"])
    assert store.get(ids["/flaky"]).completeness == score
    assert landing_store.states(store, ids.values())[ids["/flaky"]].failures == 0
    # Failing again starts a new streak: once is not enough.
    pages.statuses["/flaky"] = "500 Internal Server Error"
    check_source(store, "s", settings)
    assert not _warned(store, ids["/flaky"])


@pytest.mark.stores  # the landing_checks table on SQLite and PostgreSQL
def test_a_new_url_starts_a_new_streak(store: Store, settings: Settings, site: FeedServer) -> None:
    ids = _load(store, site.base_url, ["/gone"])
    check_source(store, "s", settings)
    moved = _offering(0, site.base_url + "/broken")
    store.upsert(moved)
    check_source(store, "s", settings)
    state = landing_store.states(store, ids.values())[ids["/gone"]]
    assert state.url.endswith("/broken") and state.failures == 1 and not _warned(store, ids["/gone"])


def test_a_redirect_to_a_blocked_address_fails_with_the_reason(tmp_path: Path, pages: Pages) -> None:
    with serve(pages, host="127.0.0.1", port=0) as internal, serve(pages, host="127.0.0.2", port=0) as public:
        # 127.0.0.2 plays a public host; 127.0.0.1 stays internal, as in the harvester's SSRF tests.
        pages.redirects["/sneaky"] = internal.base_url + "/ok"
        strict = make_settings(tmp_path, allow_private_feeds=False, harvest={"allowed_networks": ["127.0.0.2/32"]})
        store = Store(strict.store_url)
        try:
            ids = _load(store, public.base_url, ["/sneaky", "/ok"])
            before = len(pages.methods)
            report = check_source(store, "s", strict)
            by_id = {c.record_id: c for c in report.checks}
            blocked = by_id[ids["/sneaky"]]
            assert not blocked.ok and blocked.status is None
            assert blocked.reason.startswith("blocked by the address policy") and "127.0.0.1" in blocked.reason
            assert by_id[ids["/ok"]].ok
            # The internal page was never requested: only the public host saw requests.
            assert ("HEAD", "/sneaky") in pages.methods[before:]
            assert sum(path == "/ok" for _, path in pages.methods[before:]) == 1
            check_source(store, "s", strict)
            assert _warned(store, ids["/sneaky"])
        finally:
            store.close()


def test_a_redirect_loop_and_a_closed_port_fail_with_their_reasons(
    store: Store, settings: Settings, site: FeedServer
) -> None:
    ids = _load(store, site.base_url, ["/loop"])
    store.upsert(_offering(1, "http://127.0.0.1:1/closed"))
    by_id = {c.record_id: c for c in check_source(store, "s", settings).checks}
    assert by_id[ids["/loop"]].reason == "too many redirects"
    assert by_id[_offering(1, "").record_id].reason == "no answer: ConnectionError"


@pytest.mark.stores  # the landing_checks table on SQLite and PostgreSQL
def test_the_cap_goes_round_the_source(store: Store, settings: Settings, site: FeedServer) -> None:
    ids = _load(store, site.base_url, ["/ok", "/gone", "/broken", "/moved"])
    first = {c.record_id for c in check_source(store, "s", settings, limit=3).checks}
    second = {c.record_id for c in check_source(store, "s", settings, limit=3).checks}
    assert len(first) == 3 and len(second) == 3
    assert first | second == set(ids.values())  # the page left out first is checked first next time


def _course_feed(site: FeedServer, pages: Pages) -> None:
    courses = [
        {
            "@context": "https://schema.org",
            "@type": "Course",
            "@id": f"{site.base_url}/courses/{name}",
            "name": f"Course called {name}",
            "url": f"{site.base_url}/{name}",
            "provider": {"@type": "CollegeOrUniversity", "name": "Hogeschool Test"},
        }
        for name in ("ok", "gone")
    ]
    pages.feed = json.dumps(courses).encode()


def test_a_harvest_runs_the_check_when_asked_and_notes_it(tmp_path: Path, site: FeedServer, pages: Pages) -> None:
    _course_feed(site, pages)
    settings = make_settings(tmp_path)
    store = Store(settings.store_url)
    try:
        source = store.sources.add(Source(id="s", url=site.base_url + "/feed.jsonld", kind="feed"))
        plain = harvest_source(store, source, settings)  # an operator's harvest checks nothing
        assert plain.status == "success" and not landing_store.failing(store, "s")
        assert not any(n.startswith("landing pages") for n in plain.notes)
        assert not any(path in ("/ok", "/gone") for _, path in pages.methods)
        first = harvest_source(store, store.sources.get("s"), settings, check_links=True)
        assert any(n.startswith("landing pages: checked 2, failing 1") for n in first.notes)
        harvest_source(store, store.sources.get("s"), settings, check_links=True)
        failing = landing_store.failing(store, "s", minimum=2)
        assert [s.url for s in failing] == [f"{site.base_url}/gone"]
        assert _warned(store, failing[0].record_id)
        assert [r["notes"] for r in store.sources.runs("s", limit=1)][0][-1].startswith("landing pages: checked 2")
        # A harvest that rewrites the record (and so recomputes its quality) keeps the warning on it.
        pages.feed = pages.feed.replace(b"Course called gone", b"Course now called gone")
        rewrite = harvest_source(store, store.sources.get("s"), settings)
        assert rewrite.counts.updated == 1 and _warned(store, failing[0].record_id)
    finally:
        store.close()


@pytest.mark.parametrize("after_harvest", [True, False])
def test_scheduled_harvests_check_per_the_setting(
    tmp_path: Path, site: FeedServer, pages: Pages, after_harvest: bool
) -> None:
    _course_feed(site, pages)
    settings = make_settings(tmp_path, links={"after_harvest": after_harvest})
    store = Store(settings.store_url)
    done: list[HarvestReport] = []
    scheduler = HarvestScheduler(store, settings, after_harvest=done.append)
    try:
        store.sources.add(Source(id="s", url=site.base_url + "/feed.jsonld", kind="feed"))
        assert scheduler.tick() == ["s"]
        for _ in range(400):
            if done:
                break
            time.sleep(0.05)
        assert done and done[0].status == "success"
        checked = [n for n in done[0].notes if n.startswith("landing pages: checked 2, failing 1")]
        assert bool(checked) is after_harvest
        assert len(landing_store.failing(store, "s")) == (1 if after_harvest else 0)
    finally:
        scheduler.shutdown()
        store.close()


def test_cli_check_links(tmp_path: Path, site: FeedServer, monkeypatch: pytest.MonkeyPatch) -> None:
    from microcred.cli import cli

    settings = make_settings(tmp_path)
    store = Store(settings.store_url)
    ids = _load(store, site.base_url, ["/ok", "/gone"])
    store.close()
    for name in ("MICROCRED_DATABASE_URL", "MICROCRED_SEARCH_ENGINE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MICROCRED_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("MICROCRED_ALLOW_PRIVATE_FEEDS", "true")
    monkeypatch.setenv("MICROCRED_LINKS__DELAY", "0")
    runner = CliRunner()
    for _ in range(2):
        result = runner.invoke(cli, ["sources", "check-links", "s"])
        assert result.exit_code == 0, result.output
    assert "checked 2, failing 1" in result.output
    assert f"{ids['/gone']}" in result.output and "HTTP 404" in result.output and "2 in a row" in result.output
    missing = runner.invoke(cli, ["sources", "check-links", "nope"])
    assert missing.exit_code == 1 and "nope" in missing.output
