"""Issue 5's promise, end to end: an ELM feed, an XCRI-CAP feed and a schema.org web catalogue, harvested
into one catalogue, answer one search with the same fields, facets and completeness, and each source's
quality report (GET /api/v1/sources/<id>) says what its records lack."""

from __future__ import annotations

from pathlib import Path

from indexer.base import SearchQuery
from microcred.demo import serve
from microcred.demo.server import demo_app
from microcred.demo.web import WEB_SLUG
from microcred.wiring import Catalogue
from search_ui import create_app
from search_ui.records import PINNED_RESULT_KEYS
from tests.conftest import make_settings
from tests.harvesters.test_feed import CatalogueApp, Document


def test_elm_xcri_and_schema_org_side_by_side(tmp_path: Path, samples: Path) -> None:
    documents = CatalogueApp()
    documents.documents["/elm/loq.xml"] = Document((samples / "elm-v3" / "loq.xml").read_bytes())
    documents.documents["/xcri/catalog.xml"] = Document((samples / "xcri-cap" / "ou-example.xml").read_bytes())
    settings = make_settings(tmp_path)
    catalogue = Catalogue(settings)
    with serve(documents, port=0) as feeds, serve(demo_app(), port=0) as site:
        sources = {
            "elm": catalogue.add_source(feeds.base_url + "/elm/loq.xml", kind="feed", source_id="elm"),
            "xcri": catalogue.add_source(feeds.base_url + "/xcri/catalog.xml", kind="feed", source_id="xcri"),
            "web": catalogue.add_source(f"{site.base_url}/web/{WEB_SLUG}/", kind="web", source_id="web", country="ES"),
        }
        reports = {name: catalogue.harvest(source) for name, source in sources.items()}
    try:
        for name, report in reports.items():
            assert report.status == "success", (name, report.error, report.problems[:3])
            assert report.counts.added > 0, name
        page = catalogue.engine.search(SearchQuery(size=100))
        by_source = {r["source"] for r in page.results}
        assert by_source == {"elm", "xcri", "web"}
        # The same fields on every result, whatever format it came from.
        keys = {frozenset(r) for r in page.results}
        assert len(keys) == 1
        assert set(PINNED_RESULT_KEYS) <= next(iter(keys))
        assert all(isinstance(r["completeness"], int) for r in page.results)
        assert {v.value for v in page.facets["source"]} == {"elm", "xcri", "web"}
        # Each source's quality report says what its records lack.
        client = create_app(settings, store=catalogue.store, engine=catalogue.engine).test_client()
        for source_id in ("elm", "xcri", "web"):
            body = client.get(f"/api/v1/sources/{source_id}").get_json()
            quality = body["quality"]
            assert quality["records"] == catalogue.store.count(source_id=source_id) > 0, source_id
            lacking = {e["element"] for e in quality["annex1"] if e["missing"]}
            assert lacking, source_id  # none of the three samples declares every Annex I element
            assert {f["field"] for f in quality["fields"]} >= {"title", "ects_credits", "eqf_level"}
    finally:
        catalogue.close()
