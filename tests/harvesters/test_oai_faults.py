"""Every fault real repositories produce, injected into a real OAI-PMH provider; each has its documented outcome,
and a run after it ends with exactly the records the feed holds."""

from __future__ import annotations

import email.utils
import re
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from config import Settings
from harvesters.runner import harvest_source
from microcred.demo import load_demo_feeds, make_app, serve
from microcred.demo.provider import Provider
from microcred.demo.server import FeedServer
from offerings.model import make_record_id
from offerings.store import Source, Store
from tests.conftest import make_settings
from tests.harvesters import faults
from tests.harvesters.conftest import NL

PAGES = 5  # 24 records, 5 a page


@pytest.fixture
def provider() -> Provider:
    return load_demo_feeds(batch_size=5)[NL]


@pytest.fixture
def app(provider: Provider) -> faults.FaultyApp:
    return faults.FaultyApp(make_app({NL: provider}))


@pytest.fixture
def server(app: faults.FaultyApp) -> Iterator[FeedServer]:
    with serve(app, host="127.0.0.1", port=0) as running:
        yield running


@pytest.fixture
def quick(tmp_path: Path) -> Settings:
    """Short timeouts and backoff so faults resolve quickly."""
    return make_settings(tmp_path, harvest={"read_timeout": 1.5, "connect_timeout": 1.5, "max_retries": 2})


def _source(store: Store, server: FeedServer) -> Source:
    return store.sources.add(Source(id="nl", url=server.url_for(NL), country="NL"))


def _live(provider: Provider) -> set[str]:
    return {make_record_id("nl", r.identifier) for r in provider.records() if not r.deleted}


def _assert_store_equals_feed(store: Store, provider: Provider) -> None:
    assert store.live_ids("nl") == _live(provider)


def _harvest_clean(store: Store, settings: Settings, app: faults.FaultyApp) -> None:
    app.faults.clear()
    app.every = None
    report = harvest_source(store, store.sources.get("nl"), settings)
    assert report.status == "success", report.error


RECOVERED = {
    "503 with Retry-After seconds": {2: faults.status("503 Service Unavailable", headers=[("Retry-After", "1")])},
    "503 with Retry-After HTTP date": {
        2: faults.status(
            "503 Service Unavailable",
            headers=[("Retry-After", email.utils.formatdate(time.time() + 1, usegmt=True))],
        )
    },
    "429 Too Many Requests": {3: faults.status("429 Too Many Requests", headers=[("Retry-After", "0")])},
    "500 then success": {2: faults.status("500 Internal Server Error"), 3: faults.status("502 Bad Gateway")},
    "connection reset mid-body": {3: faults.reset_mid_body()},
    "truncated XML": {2: faults.rewrite(lambda body, app: body[: len(body) // 2])},
    "a server that stalls once": {4: faults.stall(3)},
}


@pytest.mark.parametrize("injected", RECOVERED.values(), ids=RECOVERED.keys())
def test_transient_faults_are_retried(
    injected: dict[int, faults.Fault],
    store: Store,
    quick: Settings,
    app: faults.FaultyApp,
    server: FeedServer,
    provider: Provider,
) -> None:
    app.faults.update(injected)
    report = harvest_source(store, _source(store, server), quick)
    assert report.status == "success", report.error
    assert report.pages == PAGES
    _assert_store_equals_feed(store, provider)
    assert report.counts.seen == len(provider.records())


def test_retry_after_is_counted_as_waiting(store: Store, quick: Settings, app: faults.FaultyApp, server: FeedServer):
    app.faults[2] = faults.status("503 Service Unavailable", headers=[("Retry-After", "1")])
    report = harvest_source(store, _source(store, server), quick)
    assert report.status == "success"
    assert report.wait_seconds >= 1.0
    assert store.sources.runs("nl")[0]["wait_seconds"] >= 1.0


FAILED = {
    "Retry-After beyond the cap": (
        {2: faults.status("503 Service Unavailable", headers=[("Retry-After", "86400")])},
        "asks to wait 86400 s, more than the cap",
    ),
    "503 forever": ({}, "HTTP 503"),
    "a repeated resumption token": (
        {2: faults.rewrite(lambda body, app: faults.TOKEN.sub(rb"\g<1>" + app.tokens[0] + rb"\g<3>", body))},
        "repeated",
    ),
    "a server that always stalls": ({}, "Timeout"),
    "truncated every time": ({}, "truncated"),
    "HTML instead of XML": ({2: faults.rewrite(lambda body, app: b"<html><body>Login</body></html>")}, "OAI-PMH"),
    "a DOCTYPE": (
        {2: faults.rewrite(lambda body, app: b'<!DOCTYPE x [<!ENTITY e "x">]>' + body.split(b"?>", 1)[1])},
        "DOCTYPE",
    ),
    "an unexpected OAI error": ({2: faults.oai_error("badArgument")}, "badArgument"),
}
EVERY = {
    "503 forever": faults.status("503 Service Unavailable", headers=[("Retry-After", "0")]),
    "a server that always stalls": faults.stall(2),
    "truncated every time": faults.rewrite(lambda body, app: body[: len(body) // 2]),
}


@pytest.mark.parametrize("name", FAILED.keys())
def test_source_faults_fail_the_run_and_a_later_run_completes(
    name: str, store: Store, quick: Settings, app: faults.FaultyApp, server: FeedServer, provider: Provider
) -> None:
    injected, message = FAILED[name]
    app.faults.update(injected)
    app.every = EVERY.get(name)
    report = harvest_source(store, _source(store, server), quick)
    assert report.status == "failed"
    assert message in report.error
    # Nothing half-written: each stored page is complete, and the next run resumes and finishes the job.
    assert store.sources.get("nl").state.get("checkpoint") is not None or store.count() == 0
    _harvest_clean(store, quick, app)
    _assert_store_equals_feed(store, provider)


def test_bad_resumption_token_reharvests_the_window(
    store: Store, quick: Settings, app: faults.FaultyApp, server: FeedServer, provider: Provider
) -> None:
    app.faults[3] = faults.oai_error("badResumptionToken")
    report = harvest_source(store, _source(store, server), quick)
    assert report.status == "success", report.error
    assert any("rejected a resumption token" in note for note in report.notes)
    # The window was restarted (closed with `until`), not the whole repository silently.
    restarted = [r for r in app.requests if r.get("verb") == "ListRecords" and "until" in r]
    assert len(restarted) == 1
    _assert_store_equals_feed(store, provider)


def test_noRecordsMatch_as_http_422_is_an_empty_run(  # the protocol's name
    store: Store, quick: Settings, app: faults.FaultyApp, server: FeedServer, provider: Provider
) -> None:
    harvest_source(store, _source(store, server), quick)
    app.every = faults.oai_error("noRecordsMatch", "422 Unprocessable Entity")  # as InvenioRDM/Zenodo send it
    report = harvest_source(store, store.sources.get("nl"), quick)
    assert report.status == "success" and report.counts.seen == 0
    assert "no records changed since the last run" in report.notes


def test_control_characters_are_stripped_and_counted(
    store: Store, quick: Settings, app: faults.FaultyApp, server: FeedServer, provider: Provider
) -> None:
    app.faults[1] = faults.rewrite(
        lambda body, app: body.replace(b"<dc:title", b"<dc:title", 1).replace(b"</dc:title>", b"\x0b\x1a</dc:title>", 2)
    )
    report = harvest_source(store, _source(store, server), quick)
    assert report.status == "success"
    assert any("characters illegal in XML removed" in p.message for p in report.problems)
    _assert_store_equals_feed(store, provider)


def test_a_broken_record_is_skipped_and_the_rest_of_the_page_kept(
    store: Store, quick: Settings, app: faults.FaultyApp, server: FeedServer, provider: Provider
) -> None:
    def break_second_title(body: bytes, app: faults.FaultyApp) -> bytes:
        titles = [m.end() for m in re.finditer(rb"<dc:title[^>]*>", body)]
        return body[: titles[1]] + b"R&D " + body[titles[1] :]  # an unescaped ampersand

    app.faults[1] = faults.rewrite(break_second_title)
    report = harvest_source(store, _source(store, server), quick)
    assert report.status == "success"
    assert report.counts.skipped == 1
    assert "not well-formed" in report.problems[0].message
    assert store.count() == len(_live(provider)) - 1
    _harvest_clean(store, quick, app)  # the next full run is incremental, so force the record back:
    report = harvest_source(store, store.sources.get("nl"), quick, full=True)
    _assert_store_equals_feed(store, provider)


def test_an_11_mb_text_node_does_not_lose_the_token(
    store: Store, quick: Settings, app: faults.FaultyApp, server: FeedServer, provider: Provider
) -> None:
    big = b"x" * (11 * 1024 * 1024)
    app.faults[2] = faults.rewrite(lambda body, app: body.replace(b"</dc:description>", big + b"</dc:description>", 1))
    report = harvest_source(store, _source(store, server), quick)
    assert report.status == "success", report.error
    assert report.pages == PAGES  # with recover=True parsing the token would vanish and the run end early
    _assert_store_equals_feed(store, provider)


def test_a_body_over_the_cap_fails_the_run(
    tmp_path: Path, app: faults.FaultyApp, server: FeedServer, provider: Provider
) -> None:
    capped = make_settings(tmp_path, harvest={"max_response_bytes": 4000})
    store = Store(capped.store_url)
    report = harvest_source(store, _source(store, server), capped)
    assert report.status == "failed" and "over the cap of 4000 bytes" in report.error
    _harvest_clean(store, make_settings(tmp_path), app)
    _assert_store_equals_feed(store, provider)
    store.close()


def test_redirect_to_an_internal_address_is_blocked(tmp_path: Path, server: FeedServer, provider: Provider) -> None:
    hits: list[str] = []

    def redirector(environ, start):  # a WSGI callable
        hits.append(environ["PATH_INFO"])
        start("302 Found", [("Location", server.url_for(NL) + "?" + environ.get("QUERY_STRING", ""))])
        return [b""]

    with serve(redirector, host="127.0.0.2", port=0) as public:
        # 127.0.0.2 plays a public host; 127.0.0.1 stays internal.
        strict = make_settings(tmp_path, allow_private_feeds=False, harvest={"allowed_networks": ["127.0.0.2/32"]})
        store = Store(strict.store_url)
        before = len(provider.records())
        source = store.sources.add(Source(id="nl", url=public.url_for(NL)))
        report = harvest_source(store, source, strict)
        assert report.status == "failed"
        assert "not permitted" in report.error and "127.0.0.1" in report.error
        assert hits and store.count() == 0 and len(provider.records()) == before
        # Allowed explicitly (demo and tests), the same redirect is followed.
        allowed = make_settings(tmp_path, allow_private_feeds=True)
        assert harvest_source(store, store.sources.get("nl"), allowed).status == "success"
        _assert_store_equals_feed(store, provider)
        store.close()


def test_deletions_beyond_the_share_are_held(
    store: Store, quick: Settings, app: faults.FaultyApp, server: FeedServer, provider: Provider
) -> None:
    harvest_source(store, _source(store, server), quick)
    live = [r for r in provider.records() if not r.deleted]
    for record in live[:15]:
        provider.delete(record.identifier)
    report = harvest_source(store, store.sources.get("nl"), quick)
    assert report.status == "success"
    assert any("held 15 deletions" in note for note in report.notes)
    assert store.count(source_id="nl") == len(live)  # nothing deleted yet
    from harvesters.oai import apply_held_deletions

    assert apply_held_deletions(store, store.sources.get("nl")) == 15
    _assert_store_equals_feed(store, provider)


def test_census_finds_records_a_no_deletions_repository_dropped(
    store: Store,
    quick: Settings,
    feed_server_factory=None,
) -> None:
    feeds = load_demo_feeds(batch_size=5)
    provider = feeds[NL]
    provider.deleted_record_policy = "no"
    with serve(make_app(feeds), port=0) as srv:
        harvest_source(store, _source(store, srv), quick)
        gone = [r for r in provider.records() if not r.deleted][0]
        # A repository with deletedRecord=no simply stops listing the record.
        provider.drop(gone.identifier)
        report = harvest_source(store, store.sources.get("nl"), quick, full=True)
        assert report.status == "success", report.error
        assert any(note.startswith("census:") for note in report.notes)
        assert store.get(make_record_id("nl", gone.identifier)).deleted
        _assert_store_equals_feed(store, provider)


def test_changes_reach_the_store_exactly_once(
    store: Store, quick: Settings, app: faults.FaultyApp, server: FeedServer, provider: Provider
) -> None:
    harvest_source(store, _source(store, server), quick)
    live = [r for r in provider.records() if not r.deleted]
    provider.put(replace(live[3], title="Changed title"))
    report = harvest_source(store, store.sources.get("nl"), quick)
    assert report.counts.updated == 1 and report.counts.added == 0
    _assert_store_equals_feed(store, provider)


def _announce(total: int, drop_first_record: bool = False) -> faults.Fault:
    """Add completeListSize to the token; optionally lose the page's first live record (a silent gap)."""

    def change(body: bytes, app: faults.FaultyApp) -> bytes:
        body = body.replace(b"<resumptionToken>", f'<resumptionToken completeListSize="{total}">'.encode())
        if drop_first_record:
            body = re.sub(rb"<record>\s*<header>.*?</record>", b"", body, count=1, flags=re.S)
        return body

    return faults.rewrite(change)


def test_a_silent_gap_makes_the_run_partial(
    store: Store, quick: Settings, app: faults.FaultyApp, server: FeedServer, provider: Provider
) -> None:
    total = len(provider.records())
    app.faults.update({1: _announce(total), 2: _announce(total, drop_first_record=True), 3: _announce(total)})
    report = harvest_source(store, _source(store, server), quick)
    assert report.status == "partial"
    assert any("listed records are not stored" in note for note in report.notes)
    assert store.sources.runs("nl")[0]["status"] == "partial"
    _harvest_clean(store, quick, app)
    report = harvest_source(store, store.sources.get("nl"), quick, full=True)
    assert report.status == "success"
    _assert_store_equals_feed(store, provider)


def test_a_wrong_complete_list_size_is_checked_by_census(
    store: Store, quick: Settings, app: faults.FaultyApp, server: FeedServer, provider: Provider
) -> None:
    app.faults.update({1: _announce(500)})
    report = harvest_source(store, _source(store, server), quick)
    assert report.status == "success"
    assert any("announced 500 records" in note and "all of them are stored" in note for note in report.notes)
    _assert_store_equals_feed(store, provider)
