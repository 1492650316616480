"""The HTML UI renders search (with filters), the credit-supplement page and the sources pages."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.search_ui.conftest import MINIMAL, Catalogue, rid


def page(client: FlaskClient, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/", "/search"])
def test_home_browses_the_catalogue(client: FlaskClient, url: str) -> None:
    html = page(client, url)
    assert "catalogue" in html and "20 offerings" in html
    assert 'Netherlands <span class="count">(7)</span>' in html
    assert 'name="q"' in html and 'name="sort"' in html
    assert "Traceback" not in html


def test_search_with_filters(client: FlaskClient) -> None:
    html = page(client, "/search?country=FR&language=fr&sort=title")
    assert "5 offerings" in html
    assert "Gestion de projet agile" in html and "Data Science Foundations" not in html
    # The chosen facet values stay ticked and can be removed one by one.
    assert 'name="country" value="FR" checked' in html
    assert "Remove filter Country: France" in html
    assert '<option value="title" selected>' in html


def test_search_highlights_safely(client: FlaskClient) -> None:
    html = page(client, "/search?q=alert&country=NL")
    assert "<mark>alert</mark>" in html
    assert "<script>alert" not in html and "&lt;script&gt;" in html


def test_pagination_links(client: FlaskClient) -> None:
    html = page(client, "/search?size=5&page=2")
    assert 'aria-current="page">2</a>' in html
    assert 'rel="next"' in html and 'rel="prev"' in html
    assert "Showing 6–10 of 20" in html


def test_no_results_message(client: FlaskClient) -> None:
    html = page(client, "/search?q=zzzyzzy")
    assert "No offerings match this search" in html
    html = page(client, "/search?size=10&page=3")
    assert "no more results after page 2" in html


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("size=0", "size"),
        ("eqf_level=9", "eqf_level"),
        ("starts_after=2027-13-01", "starts_after"),
        ("bogus=1", "bogus"),
    ],
)
def test_bad_parameters_get_a_friendly_page(client: FlaskClient, query: str, parameter: str) -> None:
    html = page(client, f"/search?{query}", status=400)
    assert "That search could not be run" in html and f"“{parameter}”" in html
    assert "Traceback" not in html


def test_offering_page_is_a_credit_supplement(client: FlaskClient) -> None:
    html = page(client, f"/offerings/{rid('nl-1')}")
    for element in ("M2", "M3", "M4", "M6", "M7", "M8", "M9", "M10", "M11", "O1", "O2", "O4", "O5"):
        assert f'<span class="code">{element}</span>' in html
    assert "Data Science Foundations" in html and "Example University" in html
    assert "5 ECTS credits" in html and "EQF level 6" in html and "Written examination" in html
    # How each value not read from a structured field was come by, with its basis (issue 14).
    assert "Note: read from the description." in html
    assert "Note: the provider is taken to award it." in html
    assert "1 February 2030" in html and "Free" in html
    assert "completeness" in html.lower() and '<script type="application/ld+json">' in html
    assert "<script>alert" not in html


def test_sparse_offering_says_not_stated(client: FlaskClient) -> None:
    html = page(client, f"/offerings/{rid(MINIMAL)}")
    assert html.count("not stated") >= 10
    assert "Incomplete" in html and "M11 quality assurance" in html
    assert "Storia dell&#39;arte" in html


def test_titles_are_escaped(client: FlaskClient) -> None:
    html = page(client, f"/offerings/{rid('nl-7')}")
    assert "Data &amp; Society &lt;intro&gt;" in html and "<intro>" not in html


def test_missing_and_withdrawn_offerings(client: FlaskClient, catalogue: Catalogue) -> None:
    assert "Not found" in page(client, "/offerings/nl-uni:nothing", status=404)
    assert "withdrawn" in page(client, f"/offerings/{catalogue.withdrawn_id}", status=410)


def test_sources_pages(client: FlaskClient) -> None:
    html = page(client, "/sources")
    assert "Universiteit Voorbeeld" in html and "Hochschule Beispiel" in html and "Université Exemple" in html
    html = page(client, "/sources/nl-uni")
    assert "Harvest history" in html and "OAI-PMH badArgument: from" in html and "failed" in html
    assert page(client, "/sources/nope", status=404)


def test_pages_carry_security_headers(client: FlaskClient) -> None:
    response = client.get("/")
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    with client.get("/static/style.css") as stylesheet:
        assert stylesheet.status_code == 200 and stylesheet.mimetype == "text/css"
