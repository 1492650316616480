"""The harvest runner applies the pinned reference data: DEQAR-inferred QA and the ESCO version of V12."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from harvesters.runner import harvest_source
from microcred.demo import serve
from microcred.demo.server import FeedServer
from offerings.store import Source, Store
from offerings.vocab import esco
from tests.conftest import REPO, make_settings

DATA = REPO / "tests" / "data"


@pytest.fixture(autouse=True)
def unpinned() -> Iterator[None]:
    """The ESCO pin is process-wide: leave none behind."""
    yield
    esco.pin(None)


@pytest.fixture
def ewp(samples: Path) -> Iterator[FeedServer]:
    """The EWP Courses API sample served as a catalogue document on loopback."""
    body = (samples / "ewp-courses-api" / "response-example.xml").read_bytes()

    def app(environ: dict[str, Any], start: Any) -> Iterable[bytes]:
        start("200 OK", [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))])
        return [body]

    server = serve(app, host="127.0.0.1", port=0)
    yield server
    server.stop()


def _harvest(tmp_path: Path, server: FeedServer, hei_id: str, **quality: str) -> Store:
    settings = make_settings(tmp_path, quality=quality)
    store = Store(settings.store_url)
    # An EWP response names no institution: the hei_id of the URL (a SCHAC code) becomes the provider's.
    source = store.sources.add(Source(id="ewp", url=f"{server.base_url}/courses?hei_id={hei_id}", kind="feed"))
    report = harvest_source(store, source, settings)
    assert report.status == "success", report.error
    return store


def test_a_harvest_infers_qa_from_the_deqar_snapshot(tmp_path: Path, ewp: FeedServer) -> None:
    store = _harvest(tmp_path, ewp, "uw.edu.pl", deqar_registry=str(DATA / "deqar" / "institutions.json"))
    try:
        records = list(store.live_records("ewp"))
        assert records
        for record in records:
            (qa,) = record.offering.quality_assurance
            assert (qa.type, qa.basis) == ("external_institutional", "inferred_from_registry")
            assert qa.report_url == "https://www.deqar.eu/reports/institutional/34"
            assert record.quality["core"]["M11 quality assurance"] == "missing"  # never counts as declared
    finally:
        store.close()


def test_no_match_and_no_snapshot_infer_nothing(tmp_path: Path, ewp: FeedServer) -> None:
    store = _harvest(tmp_path / "a", ewp, "h-rheinau.de", deqar_registry=str(DATA / "deqar" / "institutions.csv"))
    plain = _harvest(tmp_path / "b", ewp, "uw.edu.pl")
    try:
        for s in (store, plain):
            assert all(not r.offering.quality_assurance for r in s.live_records("ewp"))
    finally:
        store.close()
        plain.close()


def test_a_missing_snapshot_fails_the_run_with_the_reason(tmp_path: Path, ewp: FeedServer) -> None:
    settings = make_settings(tmp_path, quality={"deqar_registry": str(tmp_path / "nope.json")})
    store = Store(settings.store_url)
    try:
        source = store.sources.add(Source(id="ewp", url=f"{ewp.base_url}/courses?hei_id=uw.edu.pl", kind="feed"))
        report = harvest_source(store, source, settings)
        assert report.status == "failed" and "deqar_registry" in report.error and "nope.json" in report.error
        assert store.count(source_id="ewp") == 0
    finally:
        store.close()


def test_the_runner_pins_the_configured_esco_version(tmp_path: Path, ewp: FeedServer) -> None:
    _harvest(tmp_path / "a", ewp, "uw.edu.pl", esco_skills=str(DATA / "esco" / "skills_en_v1.2.0.csv")).close()
    pinned = esco.pinned()
    assert pinned is not None and pinned.version == "1.2.0"
    _harvest(tmp_path / "b", ewp, "uw.edu.pl").close()
    assert esco.pinned() is None
