"""Pages normalised in a worker process: the same outcomes as here, in order, and a dead worker loses nothing."""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from config import Settings
from harvesters.http import FeedClient
from harvesters.oai import harvester
from harvesters.oai.client import OaiClient, OaiPage
from harvesters.oai.pages import Outcomes, PageNormaliser, outcomes
from harvesters.runner import harvest_source
from microcred.demo import load_demo_feeds, serve
from offerings.crosswalks import CROSSWALKS, SourceContext
from offerings.normalise import Normalised
from offerings.store import Source, Store
from tests.conftest import make_settings
from tests.harvesters.conftest import NL

CONTEXT = SourceContext(source_id="nl", name="Hogeschool Zuiderzee", country="NL")


@pytest.fixture
def pages(settings: Settings) -> list[OaiPage]:
    """Every ListRecords page of a demo feed served three records a page (deleted records among them)."""
    providers = load_demo_feeds(batch_size=3)
    with serve(providers, port=0) as server:
        feed = FeedClient(settings)
        client = OaiClient(server.url_for(NL), feed)
        found = [client.harvest(verb="ListRecords", metadataPrefix="oai_dc")]
        while found[-1].token:
            found.append(client.harvest(verb="ListRecords", resumptionToken=found[-1].token))
        feed.close()
    assert len(found) >= 4
    return found


def _here(pages: list[OaiPage]) -> list[Outcomes]:
    return [outcomes(page.items, CROSSWALKS["oai_dc"], CONTEXT) for page in pages]


def test_the_worker_gives_the_outcomes_normalising_here_gives(pages: list[OaiPage]) -> None:
    settled: list[Outcomes] = []
    with PageNormaliser("oai_dc", CONTEXT, "http://127.0.0.1/oai", workers=1) as normaliser:
        normaliser.put(pages[0], settled.append)  # a page with a token asks for the worker, and does not wait
        assert normaliser.wait_started(timeout=120)
        for page in pages[1:]:
            normaliser.put(page, settled.append)
        normaliser.flush()
        assert normaliser.pages_in_worker == len(pages) - 1
    expected = _here(pages)
    assert settled == expected  # each page once, in order, every record equal (offering, issues, raw payload)
    normalised = [o for page in expected for _, o in page if isinstance(o, Normalised)]
    assert any(n.offering.deleted for n in normalised) and any(n.offering.title for n in normalised)


def test_a_single_page_never_starts_the_worker(pages: list[OaiPage]) -> None:
    last = pages[-1]
    assert last.token is None
    settled: list[Outcomes] = []
    with PageNormaliser("oai_dc", CONTEXT, "http://127.0.0.1/oai", workers=1) as normaliser:
        normaliser.put(last, settled.append)
        assert not normaliser.wait_started(timeout=1)
    assert settled == _here([last])


def test_pages_of_a_worker_that_died_are_normalised_here(
    pages: list[OaiPage], caplog: pytest.LogCaptureFixture
) -> None:
    settled: list[Outcomes] = []
    with PageNormaliser("oai_dc", CONTEXT, "http://127.0.0.1/oai", workers=1) as normaliser:
        normaliser.put(pages[0], settled.append)
        assert normaliser.wait_started(timeout=120)
        normaliser.put(pages[1], settled.append)
        for child in multiprocessing.active_children():  # the worker is this process's only child
            child.kill()
        with caplog.at_level(logging.WARNING, logger="harvesters.oai.pages"):
            for page in pages[2:]:
                normaliser.put(page, settled.append)
            normaliser.flush()
    assert settled == _here(pages)
    assert any("worker died" in r.getMessage() for r in caplog.records)


class _WaitingNormaliser(PageNormaliser):
    """Waits for its worker, so that every page after the first is normalised there (a run does not wait)."""

    used: list[int] = []

    def put(self, page: OaiPage, settle: Any) -> None:
        super().put(page, settle)
        self.wait_started(timeout=120)

    def close(self) -> None:
        _WaitingNormaliser.used.append(self.pages_in_worker)
        super().close()


def _stored(store: Store) -> list[dict[str, Any]]:
    with store.engine.connect() as conn:
        rows = conn.execute(text("select * from records order by id")).mappings().all()
        runs = conn.execute(text("select * from harvest_runs order by id")).mappings().all()
    kept = [{k: v for k, v in row.items() if k not in ("created_at", "updated_at")} for row in rows]
    timing = ("id", "started_at", "finished_at", "duration_seconds", "wait_seconds", "response_date", "from_date")
    return kept + [{k: v for k, v in run.items() if k not in timing} for run in runs]


def test_a_harvest_through_the_worker_stores_what_one_without_it_stores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(harvester, "PageNormaliser", _WaitingNormaliser)
    monkeypatch.setattr(_WaitingNormaliser, "used", [])
    stored = []
    for workers in (0, 1):
        settings = make_settings(tmp_path / str(workers), harvest={"normalise_workers": workers})
        store = Store(settings.store_url)
        providers = load_demo_feeds(batch_size=3)
        providers[NL].clock = lambda: datetime(2027, 1, 5, 12, 0, tzinfo=UTC)  # the same change in both
        with serve(providers, port=0) as server:
            source = store.sources.add(Source(id="nl", url=server.url_for(NL), name="Hogeschool Zuiderzee"))
            report = harvest_source(store, source, settings)
            # Again, with a record changed: updated and unchanged records through the worker too.
            first = providers[NL].records(include_deleted=False)[0]
            providers[NL].put(replace(first, title=first.title + " (revised)"))
            again = harvest_source(store, store.sources.get("nl"), settings, full=True)
            port = str(server.port)
        assert report.status == again.status == "success"
        assert (again.counts.updated, again.counts.unchanged) == (1, again.counts.seen - 1)
        # URLs name the server's port, which differs between the two harvests.
        stored.append(repr(_stored(store)).replace(f"127.0.0.1:{port}", "127.0.0.1:PORT"))
        store.close()
    assert _WaitingNormaliser.used[:2] == [0, 0] and all(_WaitingNormaliser.used[2:])  # runs 3 and 4 used it
    assert stored[0] == stored[1]


# A harvesting process that starts its normalising pool, says its worker's pid, then waits to be killed.
_POOL_OWNER = """
import multiprocessing, sys, time
from concurrent.futures import ProcessPoolExecutor
from harvesters.oai import pages

if __name__ == "__main__":
    pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"), initializer=pages._start_worker,
                               initargs=(None,))
    print(pool.submit(__import__("os").getpid).result(), flush=True)
    time.sleep(600)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead too, only not yet reaped by whoever adopted it.
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().rsplit(")", 1)[1].split()[0] != "Z"


def test_a_worker_ends_when_its_harvesting_process_is_killed(tmp_path: Path) -> None:
    script = tmp_path / "owner.py"
    script.write_text(_POOL_OWNER)
    root = Path(__file__).resolve().parents[2]
    owner = subprocess.Popen(
        [sys.executable, str(script)],
        cwd=root,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    assert owner.stdout is not None
    worker = int(owner.stdout.readline())
    assert worker != owner.pid and _alive(worker)
    owner.send_signal(signal.SIGKILL)  # no clean shutdown of the pool can run
    owner.wait()
    owner.stdout.close()
    # A bounded wait for the worker's own check (once a second), not a measure of speed.
    give_up = time.monotonic() + 60
    while _alive(worker) and time.monotonic() < give_up:
        time.sleep(0.2)
    assert not _alive(worker)
