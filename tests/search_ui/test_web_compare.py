"""The comparison page: up to four offerings side by side from the URL, problems named on the page."""

from __future__ import annotations

import re
from urllib.parse import quote

from flask import Flask, url_for
from flask.testing import FlaskClient

from tests.search_ui.conftest import MINIMAL, Catalogue, rid


def page(client: FlaskClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


def compare_href(app: Flask, *ids: str) -> str:
    """The comparison link of ``ids``, encoded as the app encodes it."""
    with app.test_request_context():
        return 'href="' + url_for("compare.page", ids=",".join(ids)).replace("&", "&amp;") + '"'


def row(html: str, label: str) -> str:
    """The table row of ``label``, from its <tr to its </tr>."""
    found = re.search(r"<tr[^>]*>\s*<th scope=\"row\">" + re.escape(label) + r".*?</tr>", html, re.S)
    assert found, f"no row {label!r}"
    return found.group(0)


def test_side_by_side_with_differences_marked(client: FlaskClient) -> None:
    ids = ",".join([rid("nl-1"), rid("de-1"), rid(MINIMAL)])
    html = page(client, f"/compare?ids={quote(ids)}")
    assert "3 offerings side by side" in html
    for title in ("Data Science Foundations", "Grundlagen der Datenanalyse", "Storia dell"):
        assert title in html
    languages = row(html, "Languages of instruction")
    assert 'class="differs"' in languages and "English" in languages and "German" in languages
    # The sparse offering states no price, no assessment and no start: "not stated", and the rows differ.
    for label in ("Price", "Assessment", "Next start", "Prerequisites"):
        assert "not-stated" in row(html, label), label
    assert "Written examination" in row(html, "Assessment")
    assert "1 February 2030" in row(html, "Next start")


def test_rows_that_agree_are_not_marked(client: FlaskClient) -> None:
    html = page(client, f"/compare?ids={rid('nl-1')},{rid('de-1')}")
    assert 'class="differs"' not in row(html, "Workload (ECTS or hours)")
    assert "5 ECTS" in row(html, "Workload (ECTS or hours)")
    assert 'class="differs"' not in row(html, "EQF level")
    assert 'class="differs"' in row(html, "Languages of instruction")


def test_unknown_and_withdrawn_ids_are_named(app: Flask, client: FlaskClient, catalogue: Catalogue) -> None:
    html = page(client, f"/compare?ids={rid('nl-1')},no-such:thing,{catalogue.withdrawn_id}")
    assert "<code>no-such:thing</code>" in html
    assert "Withdrawn by its provider" in html and f"<code>{catalogue.withdrawn_id}</code>" in html
    assert "1 offering side by side" in html and "Data Science Foundations" in html
    assert compare_href(app, rid("nl-1")) + ">Compare only the offerings found" in html


def test_more_than_four_is_told_and_four_are_kept(client: FlaskClient) -> None:
    keys = ["nl-1", "nl-2", "de-1", "de-2", "fr-1"]
    html = page(client, "/compare?ids=" + ",".join(rid(k) for k in keys))
    assert "at most 4 offerings" in html
    assert f"<code>{rid('fr-1')}</code>" in html
    assert "4 offerings side by side" in html
    assert "Find more offerings to compare" not in html


def test_empty_comparison_explains_itself(client: FlaskClient) -> None:
    html = page(client, "/compare")
    assert "Nothing to compare yet" in html
    html = page(client, "/compare?ids=,,")
    assert "Nothing to compare yet" in html


def test_search_cards_build_the_list_in_the_url(app: Flask, client: FlaskClient) -> None:
    html = page(client, "/search?country=DE&sort=title")
    first = rid("de-1")
    assert compare_href(app, first) + ">Add to comparison" in html
    # Carrying the comparison along, a card adds to it, and the search still runs with its filters.
    html = page(client, f"/search?country=DE&compare={quote(first)}")
    assert "6 offerings" in html
    assert f'name="compare" value="{first}"' in html
    second = rid("de-2")
    assert compare_href(app, first, second) + ">Add to comparison" in html
    assert "In the comparison" in html and "View the comparison (1)" in html
    # The API link shows the search alone.
    assert "compare" not in re.search(r'href="(/api/v1/offerings[^"]*)"', html).group(1)


def test_detail_page_adds_to_the_comparison(app: Flask, client: FlaskClient) -> None:
    first, second = rid("nl-1"), rid("nl-2")
    html = page(client, f"/offerings/{second}?compare={quote(first)}")
    assert compare_href(app, first, second) + ">Add to comparison" in html
    html = page(client, f"/offerings/{second}")
    assert compare_href(app, second) + ">Add to comparison" in html


def test_main_navigation_leads_to_the_comparison_being_built(app: Flask, client: FlaskClient) -> None:
    html = page(client, f"/search?compare={quote(rid('nl-1'))}")
    assert compare_href(app, rid("nl-1")) + ">Compare (1)</a>" in html
    assert '<a href="/compare" aria-current="page">Compare</a>' in page(client, "/compare")
