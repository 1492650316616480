"""The missing-runs rule and the crawl plan, without a crawl."""

from __future__ import annotations

from pathlib import Path

import pytest

from harvesters.web.lifecycle import Ledger
from harvesters.web.plan import MAX_CONCURRENCY_PER_DOMAIN, CrawlPlan, plan_for, scrapy_settings, site_settings
from offerings.errors import HarvestError
from offerings.store import Source
from tests.conftest import make_settings

A, B, C = "http://s.example/a", "http://s.example/b", "http://s.example/c"


def _previous(**pages: str) -> dict[str, dict[str, object]]:
    return {record: {"page": page, "missing": 0} for record, page in pages.items()}


def test_a_record_missing_n_runs_in_a_row_is_deleted() -> None:
    previous = _previous(ra=A, rb=B)
    ledger = Ledger(previous=previous)
    ledger.read(A, ["ra"])
    doomed, records, _ = ledger.settle({"ra", "rb"}, complete=True, missing_runs=2)
    assert doomed == set() and records["rb"] == {"page": B, "missing": 1}
    again = Ledger(previous=records)
    again.read(A, ["ra"])
    doomed, records, _ = again.settle({"ra", "rb"}, complete=True, missing_runs=2)
    assert doomed == {"rb"} and set(records) == {"ra"}


def test_coming_back_resets_the_count() -> None:
    ledger = Ledger(previous={"ra": {"page": A, "missing": 1}})
    ledger.read(A, ["ra"])
    assert ledger.settle({"ra"}, complete=True, missing_runs=2)[1]["ra"]["missing"] == 0


def test_an_incomplete_run_counts_only_explicit_disappearances() -> None:
    ledger = Ledger(previous=_previous(ra=A, rb=B, rc=C))
    ledger.gone.add(B)  # 404/410
    ledger.failed[C] = False  # robots.txt now forbids it
    doomed, records, _ = ledger.settle({"ra", "rb", "rc"}, complete=False, missing_runs=1)
    assert doomed == {"rb", "rc"} and records["ra"] == {"page": A, "missing": 0}


def test_transient_failures_hold_a_record_as_it_is() -> None:
    ledger = Ledger(previous={"ra": {"page": A, "missing": 1}})
    ledger.failed[A] = True  # blocked, 5xx, too large: not the site's word that it is gone
    doomed, records, _ = ledger.settle({"ra"}, complete=True, missing_runs=2)
    assert doomed == set() and records["ra"]["missing"] == 1


def test_pages_unchanged_by_lastmod_keep_their_records_and_lastmod() -> None:
    ledger = Ledger(previous=_previous(ra=A), known_lastmod={A: "2027-01-01"})
    ledger.listed = {A: "2027-01-01", B: "2027-01-02"}
    ledger.read(B, ["rb"])
    doomed, records, lastmod = ledger.settle({"ra"}, complete=True, missing_runs=1)
    assert doomed == set() and set(records) == {"ra", "rb"}
    assert lastmod == {A: "2027-01-01", B: "2027-01-02"}


def test_records_the_state_lost_track_of_are_known_through_the_store() -> None:
    doomed, _, _ = Ledger().settle({"orphan"}, complete=True, missing_runs=1)
    assert doomed == {"orphan"}


def test_site_settings_are_checked() -> None:
    def source(**web: object) -> Source:
        return Source(id="s", url="http://s.example/", kind="web", state={"web_settings": web})

    assert site_settings(source(depth=2, page_pattern="/courses/")) == {"depth": 2, "page_pattern": "/courses/"}
    for bad, message in [({"depht": 2}, "unknown web settings"), ({"discovery": "rss"}, "discovery must be")]:
        with pytest.raises(HarvestError, match=message):
            site_settings(source(**bad))
    with pytest.raises(HarvestError, match="not a valid regular expression"):
        site_settings(source(follow_pattern="(unclosed"))


def test_the_plan_enforces_politeness_and_safety(tmp_path: Path) -> None:
    public = make_settings(tmp_path, allow_private_feeds=False, web={"delay": 0.0, "concurrency_per_domain": 8})
    source = Source(id="s", url="https://www.uni.example/courses", kind="web", state={"web_settings": {"max_pages": 9}})
    plan = plan_for(source, public, full=False, known_lastmod={A: "x"})
    assert plan.concurrency == MAX_CONCURRENCY_PER_DOMAIN and plan.delay > 0  # floors hold for public sites
    assert plan.allowed_domains == ["uni.example"] and plan.max_pages == 9 and plan.known_lastmod == {A: "x"}
    assert plan.cache_dir == str((tmp_path / "var").resolve() / "web-cache" / "s")
    assert plan_for(source, public, full=True, known_lastmod={A: "x"}).known_lastmod == {}
    loopback = make_settings(tmp_path, web={"delay": 0.0})
    assert plan_for(source, loopback, full=False, known_lastmod={}).delay == 0.0

    settings = scrapy_settings(plan)
    assert settings["ROBOTSTXT_OBEY"] and settings["AUTOTHROTTLE_ENABLED"] and not settings["HTTPPROXY_ENABLED"]
    assert not settings["TELNETCONSOLE_ENABLED"] and not settings["REMOTE_CONTROL_ENABLED"]
    assert settings["DOWNLOAD_DELAY"] == plan.delay and settings["CONCURRENT_REQUESTS_PER_DOMAIN"] <= 2
    assert settings["USER_AGENT"] == public.agent and settings["DOWNLOAD_MAXSIZE"] == public.web.max_page_bytes
    assert settings["TWISTED_DNS_RESOLVER"] == "harvesters.web.policy.GuardedResolver"
    assert {k for k, v in settings["DOWNLOAD_HANDLERS"].items() if v is None} == {"file", "data", "s3", "ftp"}
    assert settings["HTTPCACHE_ENABLED"] and settings["HTTPCACHE_DIR"].startswith(str(tmp_path))


def test_the_plan_survives_its_json_round_trip(tmp_path: Path) -> None:
    plan = CrawlPlan(source_id="s", start_url=A, known_lastmod={B: "2027"}, allowed_networks=["127.0.0.2/32"])
    plan.dump(tmp_path / "plan.json")
    assert CrawlPlan.load(tmp_path / "plan.json") == plan
