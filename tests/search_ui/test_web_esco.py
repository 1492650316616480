"""The ESCO skills facet: the records' ESCO skill URIs, counted, labelled as the records label them, filterable."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.search_ui.conftest import ESCO_COLLABORATION, ESCO_DIGITAL_CONTENT, rid


def test_the_api_counts_and_labels_esco_skills(client: FlaskClient) -> None:
    facets = client.get("/api/v1/offerings").get_json()["facets"]
    skills = {v["value"]: (v["label"], v["count"]) for v in facets["esco_skill"]}
    # One record labels the skill and another does not: the label is the one a record gives.
    assert skills == {
        ESCO_DIGITAL_CONTENT: ("develop digital content", 2),
        ESCO_COLLABORATION: ("establish collaborative relations", 1),
    }


def test_the_api_filters_by_esco_skill(client: FlaskClient) -> None:
    body = client.get("/api/v1/offerings", query_string={"esco_skill": ESCO_COLLABORATION}).get_json()
    assert [r["id"] for r in body["results"]] == [rid("fr-1")]
    both = client.get("/api/v1/offerings", query_string={"esco_skill": ESCO_DIGITAL_CONTENT}).get_json()
    assert {r["id"] for r in both["results"]} == {rid("fr-1"), rid("fr-2")}


def test_the_search_page_has_a_skills_facet(client: FlaskClient) -> None:
    html = client.get("/search?lang=de").get_data(as_text=True)
    assert "Kompetenzen (ESCO)" in html
    assert f'name="esco_skill" value="{ESCO_COLLABORATION}"' in html
    assert "establish collaborative relations" in html
    chosen = client.get("/search", query_string={"esco_skill": ESCO_COLLABORATION, "lang": "en"}).get_data(as_text=True)
    assert "Skills (ESCO): establish collaborative relations" in chosen
