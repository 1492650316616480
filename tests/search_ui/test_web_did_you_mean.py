"""'Did you mean' in the JSON API and on the HTML search page (the SQLite engine of the fixture catalogue)."""

from __future__ import annotations

from flask.testing import FlaskClient


def test_api_includes_did_you_mean_only_when_set(client: FlaskClient) -> None:
    missed = client.get("/api/v1/offerings?q=sustainabilty").get_json()
    assert missed["total"] == 0
    assert missed["did_you_mean"] == "sustainability"
    assert list(missed) == ["total", "page", "size", "results", "facets", "did_you_mean"]
    found = client.get("/api/v1/offerings?q=sustainability").get_json()
    assert found["total"] == 1
    assert list(found) == ["total", "page", "size", "results", "facets"]
    nothing = client.get("/api/v1/offerings?q=xqzwvkj").get_json()
    assert nothing["total"] == 0 and "did_you_mean" not in nothing


def test_search_page_links_the_corrected_query_keeping_filters(client: FlaskClient) -> None:
    response = client.get("/search?q=sustainabilty&mode=blended&sort=title")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "No offerings match this search." in html
    assert 'Did you mean <a href="/search?q=sustainability&amp;mode=blended&amp;sort=title">sustainability</a>?' in html


def test_search_page_without_correction_has_no_link(client: FlaskClient) -> None:
    for url in ("/search?q=sustainability", "/search?q=xqzwvkj"):
        html = client.get(url).get_data(as_text=True)
        assert "Did you mean" not in html


def test_correction_is_escaped(client: FlaskClient) -> None:
    html = client.get("/search?q=%3Cscrpt%3E").get_data(as_text=True)
    assert "<scrpt>" not in html
    assert 'Did you mean <a href="/search?q=script">script</a>?' in html
