"""The home page browses the catalogue by field of education, country and provider, with counts."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from offerings.export.search import provider_slug
from offerings.model import pick_text
from tests.search_ui.conftest import PROVIDERS


def home(client: FlaskClient, url: str = "/") -> str:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_data(as_text=True)


def test_browse_by_field_with_broad_and_narrow_levels(client: FlaskClient) -> None:
    html = home(client)
    fields = html[html.index('id="browse-fields"') : html.index('id="browse-countries"')]
    # nl-1 carries ISCED-F 0541 (Mathematics): its broad field 05 and the code itself, each counted once.
    assert re.search(r'<a href="/search\?isced_f=0541">Mathematics</a> <span class="count">\(1\)</span>', fields)
    assert re.search(r'Natural sciences, mathematics and statistics</a> <span class="count">\(1\)</span>', fields)


def test_browse_by_country_and_provider(client: FlaskClient) -> None:
    html = home(client)
    countries = html[html.index('id="browse-countries"') : html.index('id="browse-providers"')]
    assert '<a href="/search?country=NL">Netherlands</a> <span class="count">(7)</span>' in countries
    providers = html[html.index('id="browse-providers"') :]
    slug = provider_slug(pick_text(PROVIDERS["DE"].name))
    assert f'<a href="/providers/{slug}">' in providers and '<span class="count">(6)</span>' in providers


def test_home_in_german_and_still_a_search_page(client: FlaskClient) -> None:
    html = home(client, "/?lang=de")
    assert "Nach Fachgebiet" in html and ">Niederlande</a>" in html
    assert 'action="/search"' in html and "20 Angebote" in html
