"""``GET /api/v1/offerings/{id}`` as ELM v3 LOQ XML: by ``Accept`` and by ``?format=elm-xml``, round-tripped
through our own ``elm_loq`` crosswalk; browsers and JSON clients keep getting JSON."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from lxml import etree

from indexer.sqlite import SqliteEngine
from indexer.sync import sync
from offerings.crosswalks import CROSSWALKS, SourceContext, SourceRecord
from offerings.export.elm_xml import LOQ_NS
from offerings.model import make_record_id
from offerings.store import Source, Store
from search_ui import create_app
from tests.conftest import make_settings
from tests.offerings.factories import full_offering

FULL = full_offering(source_id="elm-feed", record_id=make_record_id("elm-feed", "LOP-1"))
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FlaskClient]:
    root: Path = tmp_path_factory.mktemp("api-xml")
    settings = make_settings(root, secret_key="test-secret")
    store = Store(settings.store_url)
    store.sources.add(Source(id="elm-feed", url="http://127.0.0.1:9/loq.xml", kind="feed", name="Zed ELM feed"))
    store.upsert(FULL)
    engine = SqliteEngine(root / "search")
    sync(store, engine)
    app = create_app(settings, store=store, engine=engine)
    app.testing = True
    yield app.test_client()
    engine.close()
    store.close()


@pytest.mark.parametrize(
    ("suffix", "headers"),
    [
        ("", {"Accept": "application/xml"}),
        ("", {"Accept": "text/xml"}),
        ("", {"Accept": "application/xml, text/html;q=0.5"}),
        ("?format=elm-xml", {}),
    ],
)
def test_loq_xml_by_negotiation_round_trips(client: FlaskClient, suffix: str, headers: dict[str, str]) -> None:
    response = client.get(f"/api/v1/offerings/{FULL.record_id}{suffix}", headers=headers)
    assert response.status_code == 200 and response.mimetype == "application/xml"
    assert "Accept" in response.headers["Vary"]
    root = etree.fromstring(response.get_data())
    opportunity = root.find(f"{{{LOQ_NS}}}learningOpportunityReferences/{{{LOQ_NS}}}learningOpportunity")
    assert opportunity is not None and opportunity.get("id", "").endswith(f"/offerings/{FULL.record_id}")
    back = CROSSWALKS["elm_loq"](
        SourceRecord(identifier=opportunity.get("id", ""), payload=response.get_data()), SourceContext(source_id="x")
    )
    for name in (
        "title",
        "mode",
        "eqf_level",
        "ects_credits",
        "isced_f",
        "assessment_types",
        "issuer_country",
        "learning_outcome_summary",
        "supervision_id_verification",
    ):
        assert getattr(back, name) == getattr(FULL, name), name


@pytest.mark.parametrize("accept", [BROWSER, "application/json", "application/json, application/xml;q=0.5"])
def test_browsers_and_json_clients_still_get_json(client: FlaskClient, accept: str) -> None:
    response = client.get(f"/api/v1/offerings/{FULL.record_id}", headers={"Accept": accept})
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert json.loads(response.get_data(as_text=True))["record_id"] == FULL.record_id


def test_an_unknown_format_is_a_problem_naming_elm_xml(client: FlaskClient) -> None:
    response = client.get(f"/api/v1/offerings/{FULL.record_id}?format=xml")
    assert response.status_code == 400 and response.mimetype == "application/problem+json"
    assert "elm-xml" in response.get_data(as_text=True)
