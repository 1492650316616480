"""The OAI-PMH client over captured real-world responses (sickle's fixtures, DSpace captures incl. broken ones)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest

from config import Settings
from harvesters.http import FeedClient
from harvesters.oai.client import OaiClient, OaiError
from harvesters.runner import harvest_source
from microcred.demo import serve
from offerings.errors import FeedError
from offerings.store import Source, Store


def replay(files: Callable[[dict[str, str]], Path | None]) -> Callable[..., Any]:
    """A WSGI app answering each request with the captured file ``files(params)`` names (404 if none)."""

    def app(environ: dict[str, Any], start: Callable[..., Any]) -> list[bytes]:
        params = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        path = files(params)
        if path is None:
            start("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not captured"]
        body = path.read_bytes()
        start("200 OK", [("Content-Type", "text/xml"), ("Content-Length", str(len(body)))])
        return [body]

    return app


@pytest.fixture
def sickle_dir(samples: Path) -> Path:
    return samples / "oai-pmh" / "sickle"


@pytest.fixture
def dspace_dir(samples: Path) -> Path:
    return samples / "oai-pmh" / "pyoai-dspace"


def _client(url: str, settings: Settings) -> Iterator[OaiClient]:
    feed = FeedClient(settings)
    try:
        yield OaiClient(url, feed)
    finally:
        feed.close()


def test_sickle_token_chain_is_harvested_in_full(sickle_dir: Path, store: Store, settings: Settings) -> None:
    def files(params: dict[str, str]) -> Path | None:
        if "resumptionToken" in params:
            return sickle_dir / params["resumptionToken"]  # the fixture's tokens are the next file's name
        return {
            "Identify": sickle_dir / "Identify.xml",
            "ListMetadataFormats": sickle_dir / "ListMetadataFormats.xml",
            "ListRecords": sickle_dir / "ListRecords.xml",
        }.get(params.get("verb", ""))

    with serve(replay(files), port=0) as server:
        source = store.sources.add(Source(id="sickle", url=server.base_url + "/oai"))
        report = harvest_source(store, source, settings)
    assert report.status == "success", report.error
    assert report.pages == 4
    assert report.counts.seen == 8  # completeListSize="8": reconciled, not partial
    # The fixture repeats two records on every page, and its last page has a header without an identifier.
    counts = report.counts
    assert (counts.added, counts.deleted, counts.skipped, counts.unchanged) == (1, 1, 1, 5)
    assert report.problems[0].message == "record without an identifier"


def test_dspace_capture_with_deleted_records(dspace_dir: Path, store: Store, settings: Settings) -> None:
    def files(params: dict[str, str]) -> Path | None:
        verb = params.get("verb")
        if verb in ("ListRecords", "ListIdentifiers"):
            # Identify says deletedRecord=transient, so a census follows; the same capture answers it.
            return dspace_dir / "fake2" / "00002.xml"
        return {
            "Identify": dspace_dir / "fake1" / "00001.xml",
            "ListMetadataFormats": dspace_dir / "fake1" / "00002.xml",
        }.get(verb or "")

    with serve(replay(files), port=0) as server:
        source = store.sources.add(Source(id="eur", url=server.base_url + "/oai", country="NL"))
        report = harvest_source(store, source, settings)
    assert report.status == "success", report.error
    assert report.counts.seen == 81
    assert report.counts.deleted == 2
    assert report.counts.added + report.counts.skipped == 79
    assert store.count(source_id="eur") == report.counts.added


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("badArgument.xml", "badArgument"),
        ("badResumptionToken.xml", "badResumptionToken"),
        ("cannotDisseminateFormat.xml", "cannotDisseminateFormat"),
        ("idDoesNotExist.xml", "idDoesNotExist"),
        ("noRecordsMatch.xml", "noRecordsMatch"),
        ("noSetHierarchy.xml", "noSetHierarchy"),
    ],
)
def test_error_files_become_oai_errors(sickle_dir: Path, settings: Settings, name: str, code: str) -> None:
    with serve(replay(lambda params: sickle_dir / name), port=0) as server:
        for client in _client(server.base_url + "/oai", settings):
            with pytest.raises(OaiError) as caught:
                client.harvest(verb="ListRecords", metadataPrefix="oai_dc")
    assert caught.value.code == code


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("sickle/ListRecordsBroken.xml", "not an OAI-PMH response"),
        ("pyoai-dspace/fake3/00001.xml", "not well-formed"),
        ("pyoai-dspace/fake4/00001.xml", "not well-formed"),
    ],
)
def test_broken_identify_answers_fail_clearly(samples: Path, settings: Settings, path: str, message: str) -> None:
    target = samples / "oai-pmh" / path
    with serve(replay(lambda params: target), port=0) as server:
        for client in _client(server.base_url + "/oai", settings):
            with pytest.raises(FeedError) as caught:
                client.identify()
    assert message in str(caught.value)


def test_garbled_earliest_datestamp_is_reported_not_fatal(dspace_dir: Path, settings: Settings) -> None:
    with serve(replay(lambda params: dspace_dir / "fake5" / "00001.xml"), port=0) as server:
        for client in _client(server.base_url + "/oai", settings):
            identify, response_date = client.identify()
    assert identify["earliestDatestamp"] == "aaaa-bb-cc"
    assert identify["repositoryName"] == "DSpace at Erasmus" and response_date == "2006-02-10T13:21:17Z"
