"""`microcred run --demo`'s set-up: the demo feeds and web catalogue are served, registered and harvested."""

from __future__ import annotations

import socket
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from indexer.base import SearchQuery
from microcred.demo import setup as demo_setup
from microcred.demo.setup import start_demo
from microcred.wiring import Catalogue, demo_settings
from tests.conftest import make_settings


def test_demo_populates_the_catalogue_and_survives_a_restart(tmp_path: Path) -> None:
    settings = demo_settings(make_settings(tmp_path, allow_private_feeds=False))
    catalogue = Catalogue(settings)
    server = start_demo(catalogue)
    try:
        sources = {s.id: s for s in catalogue.store.sources.all()}
        assert {s.kind for s in sources.values()} == {"oai", "web"} and len(sources) == 6
        runs = {sid: catalogue.store.sources.runs(sid)[0] for sid in sources}
        assert all(run["status"] == "success" for run in runs.values()), runs
        page = catalogue.engine.search(SearchQuery(q="data", filters={"country": ("NL",)}))
        assert page.total > 0 and page.facets["country"]
        spanish = catalogue.engine.search(SearchQuery(filters={"source": ("demo-universidad-alcarria",)}))
        assert spanish.total == runs["demo-universidad-alcarria"]["added"] > 10
        # The well-described institution (microcred.demo.rich) reaches the catalogue Annex I complete.
        rich = catalogue.engine.search(SearchQuery(filters={"source": ("demo-lough-corrib",)}))
        assert rich.total == 3 and rich.facets["tier"] == [rich.facets["tier"][0]]
        assert rich.facets["tier"][0].value == "annex1_complete"
        total = catalogue.engine.search(SearchQuery()).total
        assert total >= 60
    finally:
        server.stop()
        catalogue.close()
    # A restart keeps the data, and the incremental harvests add nothing.
    catalogue = Catalogue(settings)
    server = start_demo(catalogue)
    try:
        assert catalogue.engine.search(SearchQuery()).total == total
        for source in catalogue.store.sources.all():
            assert catalogue.store.sources.runs(source.id)[0]["added"] == 0
    finally:
        server.stop()
        catalogue.close()


def test_a_restart_keeps_the_port_when_the_usual_one_is_taken(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the usual port held by another process, the demo serves elsewhere, and a restart serves on
    that same port again: the web catalogue's records are known by their page URLs, which must not change."""
    settings = demo_settings(make_settings(tmp_path, allow_private_feeds=False))
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        usual = blocker.getsockname()[1]
        monkeypatch.setattr(demo_setup, "DEMO_PORT", usual)
        ports = []
        for _start in range(2):
            catalogue = Catalogue(settings)
            server = start_demo(catalogue)
            try:
                ports.append(server.port)
                web = catalogue.store.sources.get("demo-universidad-alcarria")
                assert urlsplit(web.url).port == server.port != usual
                run = catalogue.store.sources.runs(web.id)[0]
                assert run["status"] == "success" and (run["added"] > 10 if _start == 0 else run["added"] == 0)
            finally:
                server.stop()
                catalogue.close()
    assert ports[0] == ports[1]
