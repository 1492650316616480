"""The provider page: the institution, its identifiers and sources, its offerings paged with facets."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from offerings.export.search import provider_slug
from offerings.model import pick_text
from tests.search_ui.conftest import PROVIDERS, rid


def get(client: FlaskClient, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


NL = provider_slug(pick_text(PROVIDERS["NL"].name))


def test_provider_page_names_the_institution(client: FlaskClient) -> None:
    html = get(client, f"/providers/{NL}")
    assert "<h1>" + pick_text(PROVIDERS["NL"].name) + "</h1>" in html
    assert "Netherlands" in html
    for label, value in (("Erasmus code", "NL VOORBEE01"), ("SCHAC", "uni.example.nl"), ("DEQAR", "DEQARINST0999")):
        assert re.search(label + r"[^<]*: <code>" + re.escape(value) + "</code>", html), label
    # Its source, with the last harvest (the fixture's newest run of nl-uni failed).
    assert 'href="/sources/nl-uni">Universiteit Voorbeeld</a>' in html
    assert "(7 offerings)" in html and "failed" in html
    assert "7 offerings" in html and "Data Science Foundations" in html
    assert "Grundlagen der Datenanalyse" not in html


def test_provider_offerings_are_paged_and_faceted_on_the_page(client: FlaskClient) -> None:
    html = get(client, f"/providers/{NL}?size=5&mode=online")
    assert "3 offerings" in html and "Machine Learning for Health" in html and "Water Management" not in html
    # Facets without the fixed provider; the form and the links stay on the provider page.
    assert 'name="provider"' not in html
    assert f'action="/providers/{NL}"' in html
    html = get(client, f"/providers/{NL}?size=5")
    assert f'href="/providers/{NL}?size=5&amp;page=2" rel="next"' in html
    assert "Showing 1–5 of 7" in html


def test_provider_without_identifiers_says_not_stated(client: FlaskClient) -> None:
    html = get(client, f"/providers/{provider_slug(pick_text(PROVIDERS['IT'].name))}")
    assert "Italy" in html and "Identifiers" in html and "not-stated" in html


def test_unknown_provider_is_a_404_naming_it(client: FlaskClient) -> None:
    html = get(client, "/providers/no-such-university", status=404)
    assert "no-such-university" in html and "Traceback" not in html


def test_bad_parameter_on_provider_page_is_a_400(client: FlaskClient) -> None:
    html = get(client, f"/providers/{NL}?size=0", status=400)
    assert "size" in html


def test_cards_and_detail_pages_link_the_provider(client: FlaskClient) -> None:
    html = get(client, "/search?country=NL")
    assert f'href="/providers/{NL}"' in html
    html = get(client, f"/offerings/{rid('nl-2')}")
    assert f'href="/providers/{NL}"' in html
