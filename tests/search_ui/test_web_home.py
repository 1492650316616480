"""The home page browses the catalogue by field of education, country and provider, with counts."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from offerings.export.search import provider_slug
from offerings.model import pick_text
from offerings.vocab.isced import isced_f_within
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


def test_a_broad_field_is_one_short_link_and_one_filter(client: FlaskClient) -> None:
    fields = home(client)
    # The broad field links to its own code, not to the list of codes found under it.
    assert re.search(r'<a href="/search\?isced_f=05">Natural sciences, mathematics and statistics</a>', fields)
    html = home(client, "/search?isced_f=05")
    # nl-1 is filed under 0541 only: the broad field finds it all the same.
    assert "1 offering" in html
    chips = re.findall(r'<ul class="active-filters".*?</ul>', html, re.S)
    assert len(chips) == 1 and chips[0].count("<li>") == 1, chips
    assert "Natural sciences, mathematics and statistics" in chips[0] and 'href="/search"' in chips[0]
    # The facet ticks the field once, with no made-up count of 0.
    ticked = re.findall(r'name="isced_f" value="([^"]+)"[^>]*checked', html)
    assert ticked == ["05"], ticked
    assert "Natural sciences, mathematics and statistics</label>" in html


def test_the_api_widens_a_field_as_the_page_does(client: FlaskClient) -> None:
    assert client.get("/api/v1/offerings?isced_f=05").get_json()["total"] == 1
    assert client.get("/api/v1/offerings?isced_f=054").get_json()["total"] == 1
    assert client.get("/api/v1/offerings?isced_f=06").get_json()["total"] == 0


def test_isced_f_within_lists_the_codes_under_a_field() -> None:
    within = isced_f_within("05")
    assert within[0] == "05" and {"054", "0541", "058", "0588"} <= set(within)
    assert not any(code.startswith("06") for code in within)
    assert isced_f_within("0541") == ("0541",)
    assert isced_f_within("x1") == ("x1",)
