"""The API over the full record: ELM and schema.org export by negotiation (round-tripped through our
own crosswalks), every source of one offering in its detail, and a source's quality report."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import event

from indexer.sqlite import SqliteEngine
from indexer.sync import sync
from offerings.crosswalks import CROSSWALKS, SourceContext, SourceRecord
from offerings.export.elm_jsonld import ELM_PROFILE
from offerings.model import Organisation, make_record_id
from offerings.store import Source, Store
from search_ui import create_app
from search_ui.services import EXTENSION
from tests import factories
from tests.conftest import make_settings
from tests.factories import full_offering

ELM_ACCEPT = f'application/ld+json; profile="{ELM_PROFILE}"'
FULL = full_offering(source_id="elm-feed", record_id=make_record_id("elm-feed", "LOP-1"))
TWIN = factories.offering(
    source="oai-repo",
    key="oai:zed:1",
    title={"en": "Digital micro-credential creation"},
    ects_credits=None,
    record_url=FULL.record_url,
    provider=[Organisation(name={"en": "University of Zed"}, country="IE")],
    languages_of_instruction=["en"],
    mode=["blended"],
)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FlaskClient]:
    root: Path = tmp_path_factory.mktemp("api")
    settings = make_settings(root, secret_key="test-secret")
    store = Store(settings.store_url)
    store.sources.add(Source(id="elm-feed", url="http://127.0.0.1:9/loq.json", kind="feed", name="Zed ELM feed"))
    store.sources.add(Source(id="oai-repo", url="http://127.0.0.1:9/oai", name="Zed repository"))
    store.upsert(FULL)
    store.upsert(TWIN)
    engine = SqliteEngine(root / "search")
    sync(store, engine)
    app = create_app(settings, store=store, engine=engine)
    app.testing = True
    yield app.test_client()
    engine.close()
    store.close()


@pytest.mark.parametrize(("suffix", "headers"), [("", {"Accept": ELM_ACCEPT}), ("?format=elm", {})])
def test_elm_export_by_negotiation_round_trips(client: FlaskClient, suffix: str, headers: dict[str, str]) -> None:
    response = client.get(f"/api/v1/offerings/{FULL.record_id}{suffix}", headers=headers)
    assert response.status_code == 200
    assert response.mimetype == "application/ld+json" and ELM_PROFILE in response.headers["Content-Type"]
    assert "Accept" in response.headers["Vary"]
    document = json.loads(response.get_data(as_text=True))
    assert document["type"] == "LearningOpportunity" and document["id"].endswith(f"/offerings/{FULL.record_id}")
    back = CROSSWALKS["elm_jsonld"](
        SourceRecord(identifier=document["id"], payload=response.get_data()), SourceContext(source_id="x")
    )
    for name in ("title", "mode", "eqf_level", "ects_credits", "isced_f", "assessment_types", "issuer_country"):
        assert getattr(back, name) == getattr(FULL, name), name


def test_plain_jsonld_stays_schema_org_and_round_trips(client: FlaskClient) -> None:
    response = client.get(f"/api/v1/offerings/{FULL.record_id}", headers={"Accept": "application/ld+json"})
    document = response.get_json(force=True)
    assert document["@type"] == "Course" and "profile" not in response.headers["Content-Type"]
    record = SourceRecord(identifier=document["@id"], payload=response.get_data(), url=document["@id"])
    back = CROSSWALKS["schema_org"](record, SourceContext(source_id="x"))
    assert back.title == {"en": FULL.main_title} and back.ects_credits == FULL.ects_credits
    assert back.eqf_level == FULL.eqf_level and back.languages_of_instruction == FULL.languages_of_instruction
    assert back.instances[0].start_date == FULL.instances[0].start_date
    assert {p.amount for p in back.all_prices()} == {p.amount for p in FULL.all_prices()}


def test_the_detail_lists_every_source_of_the_offering(client: FlaskClient) -> None:
    for record_id in (FULL.record_id, TWIN.record_id):
        data = client.get(f"/api/v1/offerings/{record_id}").get_json()
        assert data["cluster"]["id"] == FULL.record_id
        assert [(r["id"], r["source"]["name"]) for r in data["cluster"]["records"]] == [
            (FULL.record_id, "Zed ELM feed"),
            (TWIN.record_id, "Zed repository"),
        ]
        assert data["cluster"]["records"][0]["tier"] == "annex1_complete"


def test_a_source_shows_its_quality_report(client: FlaskClient) -> None:
    data = client.get("/api/v1/sources/oai-repo").get_json()
    report = data["quality"]
    assert report["records"] == 1 and report["tiers"] == {"incomplete": 1}
    by_field = {f["field"]: f["records"] for f in report["fields"]}
    assert by_field["title"] == 1 and by_field["ects_credits"] == 0
    assert {w["warning"] for w in report["warnings"]} >= {"V1 harvest_datestamp: missing"}
    assert report["warnings"][0]["examples"] == [TWIN.record_id]


def test_unknown_format_names_the_choices(client: FlaskClient) -> None:
    response = client.get(f"/api/v1/offerings/{FULL.record_id}?format=rdf")
    assert response.status_code == 400 and "elm" in response.get_json(force=True)["detail"]


def test_a_search_result_lists_every_source_of_its_offering(client: FlaskClient) -> None:
    store: Store = client.application.extensions[EXTENSION].store
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(store.engine, "before_cursor_execute", record)
    try:
        page = client.get("/api/v1/offerings").get_json()
    finally:
        event.remove(store.engine, "before_cursor_execute", record)
    # FULL and TWIN are one offering (same landing page): one result, counted once, both sources.
    assert page["total"] == 1 and [r["id"] for r in page["results"]] == [FULL.record_id]
    assert page["results"][0]["sources"] == [
        {
            "id": "elm-feed",
            "name": "Zed ELM feed",
            "url": "http://127.0.0.1:9/loq.json",
            "record_id": FULL.record_id,
            "record_url": FULL.record_url,
        },
        {
            "id": "oai-repo",
            "name": "Zed repository",
            "url": "http://127.0.0.1:9/oai",
            "record_id": TWIN.record_id,
            "record_url": TWIN.record_url,
        },
    ]
    # The sources of a whole page come from one query of the records (beside it, the catalogue's head: the
    # newest change, for Last-Modified, reads no record's sources).
    assert len([s for s in statements if "FROM records" in s and "records.source_id" in s]) == 1


def test_the_search_page_shows_the_other_source(client: FlaskClient) -> None:
    html = client.get("/search").get_data(as_text=True)
    assert html.count('class="result"') == 1
    assert "Also offered via" in html
    assert f'href="/offerings/{TWIN.record_id}">Zed repository</a>' in html


def test_the_detail_page_lists_every_source_of_the_offering(client: FlaskClient) -> None:
    for here, other in ((FULL.record_id, TWIN.record_id), (TWIN.record_id, FULL.record_id)):
        html = client.get(f"/offerings/{here}").get_data(as_text=True)
        assert "Where this offering is published" in html
        assert "Zed repository" in html
        assert f'href="/offerings/{other}">{other}</a>' in html
        assert f'href="/offerings/{here}">' not in html.split("Where this offering is published")[1]
