"""The feed harvester against catalogue documents served on loopback: conditional GET, formats,
tombstones for records that vanish, broken records skipped and reported."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from config import Settings
from harvesters.base import HarvestReport
from harvesters.feed import FeedHarvester, describe_feed
from microcred.demo.server import FeedServer, serve
from offerings.crosswalks import CROSSWALKS
from offerings.store import Source, Store

XCRI_NS = (
    'xmlns="http://xcri.org/profiles/1.2/catalog" xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:mlo="http://purl.org/net/mlo"'
)


@dataclass
class Document:
    """A document the test server serves, with its validators."""

    body: bytes
    content_type: str = "application/xml"
    etag: str | None = '"v1"'
    last_modified: str | None = "Wed, 01 Jan 2031 10:00:00 GMT"


@dataclass
class CatalogueApp:
    """A WSGI app serving documents by path and answering conditional GETs with 304."""

    documents: dict[str, Document] = field(default_factory=dict)
    requests: list[dict[str, str]] = field(default_factory=list)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
        self.requests.append({"path": path, **headers})
        doc = self.documents.get(path)
        if doc is None:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found"]
        validators = [("ETag", doc.etag)] if doc.etag else []
        validators += [("Last-Modified", doc.last_modified)] if doc.last_modified else []
        fresh = (doc.etag and headers.get("if-none-match") == doc.etag) or (
            not doc.etag and doc.last_modified and headers.get("if-modified-since") == doc.last_modified
        )
        if fresh:
            start_response("304 Not Modified", validators)
            return [b""]
        start_response("200 OK", [("Content-Type", doc.content_type), *validators])
        return [doc.body]


@pytest.fixture
def app() -> CatalogueApp:
    return CatalogueApp()


@pytest.fixture
def server(app: CatalogueApp) -> Iterator[FeedServer]:
    running = serve(app, host="127.0.0.1", port=0)
    yield running
    running.stop()


def _source(store: Store, server: FeedServer, path: str, **values: Any) -> Source:
    return store.sources.add(Source(id=values.pop("id", "feed"), url=server.base_url + path, kind="feed", **values))


def _harvest(settings: Settings, store: Store, source_id: str = "feed", *, full: bool = False) -> HarvestReport:
    source = store.sources.get(source_id)
    report = HarvestReport(source_id=source_id)
    FeedHarvester(settings).harvest(source, store, report, full=full)
    return report


def _course(identifier: str, title: str = "A course title") -> str:
    title_element = f"<dc:title>{title}</dc:title>" if title else ""
    return (
        f"<course><dc:identifier>{identifier}</dc:identifier>{title_element}"
        f"<mlo:url>https://uni.example.eu/courses/{identifier}</mlo:url></course>"
    )


def _catalogue(*courses: str) -> bytes:
    provider = "<dc:title>Universiteit Voorbeeld</dc:title><mlo:url>https://uni.example.eu/</mlo:url>"
    return f"<catalog {XCRI_NS}><provider>{provider}{''.join(courses)}</provider></catalog>".encode()


def test_xcri_feed_then_304_means_an_empty_run(
    settings: Settings, store: Store, app: CatalogueApp, server: FeedServer, samples: Path
) -> None:
    app.documents["/ou.xml"] = Document((samples / "xcri-cap" / "ou-example.xml").read_bytes())
    _source(store, server, "/ou.xml", country="GB", name="The Open University")
    first = _harvest(settings, store)
    assert (first.status, first.counts.seen, first.counts.added) == ("success", 2, 2)
    state = store.sources.get("feed").state
    assert state["etag"] == '"v1"' and state["format"] == "xcri_cap" and state["records"] == 2
    assert "if-none-match" not in app.requests[0]
    second = _harvest(settings, store)
    assert app.requests[-1]["if-none-match"] == '"v1"'
    assert app.requests[-1]["if-modified-since"] == "Wed, 01 Jan 2031 10:00:00 GMT"
    assert (second.counts.seen, second.counts.added, second.counts.deleted) == (0, 0, 0)
    assert any("304" in note for note in second.notes)
    assert store.count(source_id="feed") == 2
    # XCRI's catalog/@generated is the records' harvest datestamp.
    record = next(store.live_records("feed"))
    assert record.offering.harvest_datestamp == "2011-03-24T09:32:50.827Z"
    assert record.offering.issuer_country == ["GB"]


def test_a_full_run_ignores_the_validators(
    settings: Settings, store: Store, app: CatalogueApp, server: FeedServer
) -> None:
    app.documents["/c.xml"] = Document(_catalogue(_course("c1")))
    _source(store, server, "/c.xml")
    _harvest(settings, store)
    # Without a datestamp of its own, a record carries the document's Last-Modified.
    assert next(store.live_records("feed")).offering.harvest_datestamp == "2031-01-01T10:00:00Z"
    again = _harvest(settings, store, full=True)
    assert "if-none-match" not in app.requests[-1] and again.counts.unchanged == 1


def test_a_record_missing_from_the_new_snapshot_becomes_a_tombstone(
    settings: Settings, store: Store, app: CatalogueApp, server: FeedServer, samples: Path
) -> None:
    body = (samples / "ewp-courses-api" / "response-example.xml").read_bytes()
    app.documents["/courses"] = Document(body, etag='"a"')
    _source(store, server, "/courses?hei_id=hei.example.no", name="EWP example HEI", country="NO")
    first = _harvest(settings, store)
    assert first.counts.added == 2
    provider = next(store.live_records("feed")).offering.provider[0]
    assert provider.ids == {"schac": "hei.example.no"}
    # The degree programme leaves the catalogue.
    start = body.index(b"<learningOpportunitySpecification>\n        <los-id>DEP/")
    end = body.index(b"</learningOpportunitySpecification>", start) + len(b"</learningOpportunitySpecification>")
    app.documents["/courses"] = Document(body[:start] + body[end:], etag='"b"')
    second = _harvest(settings, store)
    assert (second.counts.seen, second.counts.unchanged, second.counts.deleted) == (1, 1, 1)
    assert store.count(source_id="feed") == 1 and store.count(source_id="feed", deleted=True) == 1
    assert store.changes_since(0)[-1].deleted


def test_a_broken_record_is_skipped_and_reported(
    settings: Settings, store: Store, app: CatalogueApp, server: FeedServer
) -> None:
    app.documents["/c.xml"] = Document(_catalogue(_course("good"), _course("no-title", title=""), _course("x", "AI")))
    _source(store, server, "/c.xml")
    report = _harvest(settings, store)
    assert (report.counts.seen, report.counts.added, report.counts.skipped) == (3, 1, 2)
    problems = {p.identifier: p.message for p in report.problems}
    assert problems["no-title"] == "course has no dc:title"
    assert problems["x"] == "rejected: V2 title: shorter than 3 characters"
    # Still listed, so not withdrawn when the next snapshot has it broken again.
    app.documents["/c.xml"] = Document(_catalogue(_course("good"), _course("no-title", title="")), etag='"v2"')
    assert _harvest(settings, store).counts.deleted == 0


def test_an_empty_snapshot_withdraws_nothing(
    settings: Settings, store: Store, app: CatalogueApp, server: FeedServer
) -> None:
    app.documents["/c.xml"] = Document(_catalogue(_course("c1"), _course("c2")))
    _source(store, server, "/c.xml")
    _harvest(settings, store)
    app.documents["/c.xml"] = Document(_catalogue(), etag='"empty"')
    with pytest.raises(Exception, match="lists no offerings"):
        _harvest(settings, store)
    assert store.count(source_id="feed") == 2


@pytest.mark.parametrize(
    ("path", "files", "content_type", "format_name", "count"),
    [
        ("/loq.xml", ["elm-v3/loq.xml"], "application/xml", "elm_loq", 2),
        (
            "/graph.json",
            ["ctdl/Course-1a.json", "ctdl/LearningProgram-1.json", "ctdl/Organization-1.json"],
            "application/ld+json",
            "ctdl",
            2,
        ),
        ("/wychwolf.xml", ["xcri-cap/wychwolf-moodle.xml"], "text/xml", "xcri_cap", 1),
    ],
)
def test_formats_are_detected_from_the_document(
    settings: Settings,
    store: Store,
    app: CatalogueApp,
    server: FeedServer,
    samples: Path,
    path: str,
    files: list[str],
    content_type: str,
    format_name: str,
    count: int,
) -> None:
    if len(files) == 1:
        body = (samples / files[0]).read_bytes()
    else:
        body = json.dumps({"@graph": [json.loads((samples / f).read_text(encoding="utf-8")) for f in files]}).encode()
    app.documents[path] = Document(body, content_type=content_type, etag=None)
    _source(store, server, path)
    report = _harvest(settings, store)
    assert report.status == "success" and report.counts.added == count, report.problems
    assert store.sources.get("feed").state["format"] == format_name
    # Without an ETag the Last-Modified date does the conditional GET.
    assert _harvest(settings, store).counts.seen == 0


def test_a_json_ld_list_of_schema_org_courses(
    settings: Settings, store: Store, app: CatalogueApp, server: FeedServer
) -> None:
    if "schema_org" not in CROSSWALKS:
        pytest.skip("the schema.org crosswalk is not installed")
    courses = [
        {
            "@context": "https://schema.org",
            "@type": "Course",
            "@id": f"#c{n}",
            "name": f"Data literacy {n}",
            "description": "Reading data critically.",
            "provider": {"@type": "CollegeOrUniversity", "name": "Uni"},
        }
        for n in (1, 2)
    ]
    app.documents["/courses.jsonld"] = Document(json.dumps(courses).encode(), content_type="application/ld+json")
    _source(store, server, "/courses.jsonld")
    report = _harvest(settings, store)
    assert report.counts.added == 2 and store.sources.get("feed").state["format"] == "schema_org"
    ids = sorted(r.offering.original_identifier for r in store.live_records("feed"))
    assert ids == [f"{server.base_url}/courses.jsonld#c1", f"{server.base_url}/courses.jsonld#c2"]


def test_a_web_page_is_not_a_feed(settings: Settings, store: Store, app: CatalogueApp, server: FeedServer) -> None:
    app.documents["/"] = Document(b"<!DOCTYPE html><html><body>Courses</body></html>", content_type="text/html")
    _source(store, server, "/")
    with pytest.raises(Exception, match="not a catalogue document"):
        _harvest(settings, store)


def test_the_runner_harvests_feed_sources(
    settings: Settings, store: Store, app: CatalogueApp, server: FeedServer
) -> None:
    from harvesters.runner import HARVESTERS, harvest_source

    assert HARVESTERS["feed"] is FeedHarvester
    app.documents["/c.xml"] = Document(_catalogue(_course("c1")))
    source = _source(store, server, "/c.xml")
    report = harvest_source(store, source, settings)
    assert report.status == "success" and report.counts.added == 1
    assert store.sources.runs("feed")[0]["status"] == "success"


def test_probe_feed_reports_the_format_and_a_preview(samples: Path) -> None:
    from harvesters.probe import probe_feed

    found = probe_feed((samples / "ewp-courses-api" / "response-example.xml").read_bytes(), url="http://x/c")
    assert found is not None and found["format"] == "ewp_courses" and found["url"] == "http://x/c"
    assert found["preview"][0]["title"] == "Introductory calculus"
    assert probe_feed(b"<OAI-PMH xmlns='http://www.openarchives.org/OAI/2.0/'/>") is None


def test_describe_feed(samples: Path) -> None:
    found = describe_feed((samples / "xcri-cap" / "ou-example.xml").read_bytes())
    assert found is not None and found["format"] == "xcri_cap" and found["records"] == 2
    assert [p["title"] for p in found["preview"]] == ["Start writing fiction", "BA (Honours) History"]
    assert describe_feed(b"<html><body>hello</body></html>") is None
    broken = describe_feed(b"<catalog xmlns='http://xcri.org/profiles/1.2/catalog'>")
    assert broken is not None and broken["ok"] is False
