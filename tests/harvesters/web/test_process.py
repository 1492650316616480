"""The crawl subprocess boundary: a child that hangs is stopped, a child that dies is reported, cleanly."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from config import Settings
from harvesters.base import HarvestReport
from harvesters.runner import HARVESTERS, harvest_source
from harvesters.web import WebHarvester
from harvesters.web.plan import CrawlPlan, plan_for
from harvesters.web.process import CrawlProcess
from offerings.store import Source, Store
from tests.harvesters.web.conftest import COURSE_PATHS, DATA_SCIENCE
from tests.harvesters.web.site import Site


def _child(script: str) -> list[str]:
    """A stand-in for the crawl module: a Python child running ``script`` (it gets the plan path as argv[1])."""
    return [sys.executable, "-c", script]


def _page(url: str) -> str:
    message = {"type": "page", "url": url, "requested": url, "status": 200, "courses": [DATA_SCIENCE]}
    return json.dumps(message)


def test_a_hanging_child_is_stopped_at_its_limit(tmp_path: Path) -> None:
    script = f"import time; print({_page('http://127.0.0.2/a')!r}, flush=True); time.sleep(120)"
    crawl = CrawlProcess(
        CrawlPlan(source_id="s", start_url="http://127.0.0.2/"), tmp_path, limit=1.0, command=_child(script)
    )
    messages = list(crawl.messages())
    assert [m["type"] for m in messages] == ["page"]  # what came before the limit is kept
    assert crawl.outcome.timed_out and crawl.outcome.died
    assert crawl.outcome.returncode is not None and crawl.outcome.returncode < 0  # signalled
    assert crawl.outcome.explain(1.0) == "the crawl exceeded its wall-clock limit of 1 s and was stopped"


def test_a_dying_child_is_explained_from_its_log(tmp_path: Path) -> None:
    script = "import sys; print('not json'); sys.stderr.write('ImportError: no module named twisted\\n'); sys.exit(3)"
    crawl = CrawlProcess(
        CrawlPlan(source_id="s", start_url="http://127.0.0.2/"), tmp_path, limit=60, command=_child(script)
    )
    assert list(crawl.messages()) == []  # the stray line is skipped, not fatal
    assert crawl.outcome.died and not crawl.outcome.timed_out and crawl.outcome.returncode == 3
    assert crawl.outcome.explain(60) == "the crawl process died (exit status 3): ImportError: no module named twisted"


def test_a_crawl_that_dies_fails_its_run_but_keeps_what_it_stored(
    store: Store, web_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = "http://127.0.0.2:8080/courses/a"
    script = f"import os; print({_page(url)!r}, flush=True); os._exit(9)"
    monkeypatch.setitem(HARVESTERS, "web", lambda settings: WebHarvester(settings, command=_child(script)))
    source = store.sources.add(Source(id="dies", url="http://127.0.0.2:8080/", kind="web"))
    report: HarvestReport = harvest_source(store, source, web_settings)
    assert report.status == "failed"
    assert report.error == "http://127.0.0.2:8080/: the crawl process died (exit status 9): no output"
    assert report.counts.added == 1 and store.count(source_id="dies") == 1
    run = store.sources.runs("dies")[0]
    assert run["status"] == "failed" and run["added"] == 1


def test_two_crawls_in_a_row_in_one_process(store: Store, web_settings: Settings, catalogue: Site) -> None:
    """The Twisted reactor cannot restart in a process: each crawl has its own, so both work."""
    first = store.sources.add(Source(id="one", url=catalogue.url("/"), kind="web"))
    second = store.sources.add(Source(id="two", url=catalogue.url("/sitemap-index.xml"), kind="web"))
    reports = [harvest_source(store, s, web_settings) for s in (first, second)]
    assert [r.status for r in reports] == ["success", "success"], [r.error for r in reports]
    assert reports[0].counts.added == reports[1].counts.added == 7


def test_a_real_crawl_ends_cleanly(web_settings: Settings, catalogue: Site, tmp_path: Path) -> None:
    source = Source(id="real", url=catalogue.url("/sitemaps/courses.xml"), kind="web")
    crawl = CrawlProcess(plan_for(source, web_settings, full=True, known_lastmod={}), tmp_path, limit=120)
    pages = [m["url"] for m in crawl.messages() if m["type"] == "page"]
    assert sorted(pages) == sorted(catalogue.url(p) for p in COURSE_PATHS)
    assert crawl.outcome.returncode == 0 and not crawl.outcome.died
    assert crawl.outcome.done is not None and crawl.outcome.done["reason"] == "finished"
    assert crawl.outcome.done["mode"] == "sitemap" and crawl.outcome.done["capped"] == 0
