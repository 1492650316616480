"""The OAI-PMH harvester against a real data provider on loopback: full, incremental, deletes, failures."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from config import Settings
from harvesters.runner import harvest_source
from microcred.demo.provider import Provider
from microcred.demo.server import FeedServer
from offerings.model import make_record_id
from offerings.store import Source, Store
from tests.conftest import make_settings
from tests.harvesters.conftest import NL


def _register(store: Store, url: str, source_id: str = "nl") -> Source:
    return store.sources.add(Source(id=source_id, url=url, name="Hogeschool Zuiderzee", country="NL"))


def test_full_then_incremental(
    store: Store, settings: Settings, feeds: dict[str, Provider], feed_server: FeedServer
) -> None:
    provider = feeds[NL]
    records = provider.records()
    live = [r for r in records if not r.deleted]
    source = _register(store, feed_server.url_for(NL))

    first = harvest_source(store, source, settings)
    assert first.status == "success", first.error
    assert first.full and first.pages >= 3
    assert first.counts.seen == len(records)
    assert first.counts.added == len(live)
    assert first.counts.deleted == len(records) - len(live)
    assert store.count(source_id="nl") == len(live)
    offering = store.get(make_record_id("nl", live[0].identifier)).offering
    assert offering.main_title == live[0].title and offering.issuer_country == ["NL"]

    # Nothing changed: the incremental run asks `from` the first run's responseDate and gets nothing.
    source = store.sources.get("nl")
    assert source.state["next_from"] and "checkpoint" not in source.state
    second = harvest_source(store, source, settings)
    assert second.status == "success" and not second.full
    assert second.from_date is not None
    assert (second.counts.added, second.counts.updated, second.counts.seen) == (0, 0, 0)

    # A forced full run sees everything and finds it unchanged.
    third = harvest_source(store, store.sources.get("nl"), settings, full=True)
    assert third.counts.added == 0 and third.counts.updated == 0
    assert third.counts.unchanged == len(records)
    runs = store.sources.runs("nl")
    assert [r["status"] for r in runs] == ["success"] * 3 and runs[0]["pages"] >= 3


def test_incremental_fetches_only_changes(
    store: Store, settings: Settings, feeds: dict[str, Provider], feed_server: FeedServer
) -> None:
    provider = feeds[NL]
    live = [r for r in provider.records() if not r.deleted]
    source = _register(store, feed_server.url_for(NL))
    harvest_source(store, source, settings)

    changed = provider.put(replace(live[0], title=live[0].title + " (revised)"))
    provider.delete(live[1].identifier)
    added = provider.put(replace(live[2], identifier=live[2].identifier + "-new", title="Nieuwe cursus data-ethiek"))
    before = store.max_seq()

    report = harvest_source(store, store.sources.get("nl"), settings)
    assert report.status == "success", report.error
    assert report.counts.seen == 3
    assert (report.counts.added, report.counts.updated, report.counts.deleted) == (1, 1, 1)
    assert store.max_seq() == before + 3
    assert store.get(make_record_id("nl", changed.identifier)).offering.main_title.endswith("(revised)")
    assert store.get(make_record_id("nl", live[1].identifier)).deleted
    assert store.get(make_record_id("nl", added.identifier)).offering.main_title == "Nieuwe cursus data-ethiek"


def test_broken_record_is_skipped_and_reported(
    store: Store, settings: Settings, feeds: dict[str, Provider], feed_server: FeedServer
) -> None:
    provider = feeds[NL]
    live = [r for r in provider.records() if not r.deleted]
    provider.put(replace(live[0], title=""))  # no dc:title: the crosswalk must reject it
    report = harvest_source(store, _register(store, feed_server.url_for(NL)), settings)
    assert report.status == "success"
    assert report.counts.skipped == 1
    assert report.problems[0].identifier == live[0].identifier and report.problems[0].field == "title"
    assert store.count(source_id="nl") == len(live) - 1
    (run,) = store.sources.runs("nl")
    assert run["skipped"] == 1 and run["problems"][0]["field"] == "title"


def test_unreachable_feed_fails_its_run(store: Store, settings: Settings) -> None:
    report = harvest_source(store, _register(store, "http://127.0.0.1:9/oai"), settings)
    assert report.status == "failed"
    assert "ConnectionError" in report.error
    (run,) = store.sources.runs("nl")
    assert run["status"] == "failed" and run["error"] == report.error


def test_private_address_is_blocked_without_the_setting(tmp_path: Path, feed_server: FeedServer) -> None:
    strict = make_settings(tmp_path, allow_private_feeds=False, harvest={"allowed_ports": [feed_server.port]})
    store = Store(strict.store_url)
    report = harvest_source(store, _register(store, feed_server.url_for(NL)), strict)
    assert report.status == "failed"
    assert "not permitted" in report.error and "Loopback" in report.error
    assert store.count() == 0
    store.close()


def test_not_an_oai_endpoint(store: Store, settings: Settings, feed_server: FeedServer) -> None:
    # The feed server's index page is HTML: a silent empty harvest would be the sickle default.
    report = harvest_source(store, _register(store, feed_server.base_url + "/"), settings)
    assert report.status == "failed"
    assert "not an OAI-PMH response" in report.error or "not well-formed" in report.error


@pytest.mark.parametrize("sets", [["no-such-set"]])
def test_unknown_set_is_an_empty_run_or_a_clear_error(
    store: Store, settings: Settings, feed_server: FeedServer, sets: list[str]
) -> None:
    source = store.sources.add(Source(id="nl", url=feed_server.url_for(NL), sets=sets))
    report = harvest_source(store, source, settings)
    assert report.status in ("success", "failed")
    if report.status == "failed":
        assert "OAI-PMH error" in report.error
    assert store.count() == 0
