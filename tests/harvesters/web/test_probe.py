"""Auto-detection (OAI-PMH or web) and the operator's path: `sources add --kind auto`, `harvest`, search."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from config import Settings, load_settings
from harvesters.probe import probe
from indexer.base import SearchQuery
from microcred.cli import cli
from microcred.demo.server import FeedServer
from microcred.wiring import Catalogue
from offerings.errors import HarvestError
from tests.harvesters.conftest import NL, feed_server, feeds  # noqa: F401 - fixtures
from tests.harvesters.web.conftest import DATA_SCIENCE, MAX_PAGE_BYTES, PUBLIC
from tests.harvesters.web.site import Page, Site


def test_a_catalogue_site_is_a_web_source(web_settings: Settings, catalogue: Site) -> None:
    report = probe(catalogue.url("/"), web_settings)
    assert report["kind"] == "web" and report["ok"]
    assert report["sitemap"] == catalogue.url("/sitemap-index.xml")
    assert report["pages_sampled"] == 3 and report["courses_found"] >= 1
    assert report["samples"][0] == {
        "url": catalogue.url("/"),
        "courses": 0,
        "syntax": None,
        "problem": "no schema.org Course markup",
    }
    assert report["preview"][0] == {
        "title": "The Data Scientist's Toolbox",
        "provider": "Johns Hopkins University",
        "url": catalogue.url("/courses/data-science"),
    }
    assert report["repository_name"] == "Johns Hopkins University"
    assert report["formats"] == ["json-ld"] and report["readable_formats"] == ["schema_org"]
    assert catalogue.hits("/private/secret-course") == 0


def test_a_sitemap_url_is_a_web_source(web_settings: Settings, catalogue: Site) -> None:
    report = probe(catalogue.url("/sitemaps/more.xml"), web_settings, kind="web")
    assert report["sitemap"] == catalogue.url("/sitemaps/more.xml") and report["sitemap_urls"] == 9
    sampled = [s["url"] for s in report["samples"]]
    assert sampled[0] == catalogue.url("/courses/datenethik") and report["formats"] == ["microdata", "rdfa"]


def test_a_page_without_markup_or_sitemap_is_accepted_with_warnings(web_settings: Settings, site: Site) -> None:
    site.html("/", "<html><head><title>Hochschule X</title></head><body><p>Willkommen</p></body></html>")
    report = probe(site.url("/"), web_settings)
    assert report["kind"] == "web" and report["courses_found"] == 0 and report["repository_name"] == "Hochschule X"
    assert any("no schema.org Course markup" in w for w in report["warnings"])
    assert any("no sitemap" in w for w in report["warnings"])


def test_an_oai_endpoint_is_still_found_first(settings: Settings, feed_server: FeedServer) -> None:  # noqa: F811
    report = probe(feed_server.url_for(NL), settings)
    assert report["kind"] == "oai" and "oai_dc" in report["readable_formats"]


def test_what_is_neither_fails_with_both_reasons(web_settings: Settings, site: Site) -> None:
    site.pages["/data.json"] = Page(body=b"{}", content_type="application/json")
    with pytest.raises(HarvestError) as caught:
        probe(site.url("/data.json"), web_settings)
    message = str(caught.value)
    assert message.startswith(f"{site.url('/data.json')} did not answer an OAI-PMH Identify request")
    assert "is neither an HTML page nor a sitemap (application/json)" in message
    with pytest.raises(HarvestError, match="not supported"):
        probe(site.url("/"), web_settings, kind="rss")


def test_a_catalogue_document_is_a_feed_and_a_page_is_not(web_settings: Settings, catalogue: Site) -> None:
    courses = json.dumps([{**DATA_SCIENCE, "@id": catalogue.url("/courses/data-science")}])
    catalogue.pages["/courses.jsonld"] = Page(body=courses.encode(), content_type="application/ld+json")
    report = probe(catalogue.url("/courses.jsonld"), web_settings)
    assert report["kind"] == "feed" and report["format"] == "schema_org" and report["records"] == 1
    assert probe(catalogue.url("/courses/data-science"), web_settings)["kind"] == "web"  # a page, not a feed
    with pytest.raises(HarvestError, match="is not a catalogue document microcred reads"):
        probe(catalogue.url("/courses/data-science"), web_settings, kind="feed")


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The CLI's environment: its own data dir, the real address policy with the test's public address."""
    for name in ("MICROCRED_DATABASE_URL", "MICROCRED_SEARCH_ENGINE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MICROCRED_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("MICROCRED_ALLOW_PRIVATE_FEEDS", "false")
    monkeypatch.setenv("MICROCRED_HARVEST__ALLOWED_NETWORKS", json.dumps([f"{PUBLIC}/32"]))
    monkeypatch.setenv("MICROCRED_WEB__DELAY", "0")
    monkeypatch.setenv("MICROCRED_WEB__MAX_PAGE_BYTES", str(MAX_PAGE_BYTES))
    return tmp_path


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def test_register_harvest_and_search_a_web_catalogue(env: Path, catalogue: Site) -> None:
    code, output = _run("sources", "add", catalogue.url("/"), "--kind", "auto")
    assert code == 0, output
    assert "added johns-hopkins-university: web source" in output
    assert "formats offered: json-ld; readable: schema_org" in output
    code, output = _run("harvest", "johns-hopkins-university")
    assert code == 0, output
    assert "johns-hopkins-university: success — seen 7, added 7" in output
    code, output = _run("sources", "show", "johns-hopkins-university")
    assert "note: discovery: sitemap; 8 pages fetched: 6 with courses" in output
    assert f"problem: {catalogue.url('/about')} : no schema.org Course markup" in output

    code, output = _run("sources", "add", catalogue.url("/sitemaps/more.xml"), "--kind", "web", "--name", "More")
    assert code == 0 and "added more: web source" in output, output

    catalogue_ = Catalogue(load_settings())
    try:
        page = catalogue_.engine.search(SearchQuery(q="proofreading"))
        assert {r["title"] for r in page.results} == {"Basic Proofreading", "Advanced Proofreading"}
        page = catalogue_.engine.search(SearchQuery(q="Datenethik"))
        assert [r["country"] for r in page.results] == [["DE"]]
    finally:
        catalogue_.close()
