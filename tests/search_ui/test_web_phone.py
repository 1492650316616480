"""Small screens and keyboards: filters fold behind "Filters (n)", long facets behind "show more", landmarks."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from indexer.sqlite import SqliteEngine
from indexer.sync import sync
from offerings.model import Organisation
from offerings.store import Store
from search_ui import create_app
from tests.conftest import make_settings
from tests.search_ui.conftest import SOURCES, make_offering

STYLE = Path(__file__).parents[2] / "search_ui" / "static" / "style.css"


def get(client: FlaskClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_data(as_text=True)


@pytest.fixture(scope="module")
def many_providers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """A catalogue of twelve offerings from twelve providers: one facet with more than ten values."""
    root = tmp_path_factory.mktemp("many")
    settings = make_settings(root, secret_key="test-secret")
    store = Store(settings.store_url)
    for source in SOURCES:
        store.sources.add(source)
    offerings = [
        make_offering(
            f"nl-{100 + n}",
            f"Course {n}",
            "NL",
            ["en"],
            ["online"],
            3.0,
            6,
            "2030-02-01",
            0,
            provider=[Organisation(name={"en": f"Provider {n:02d}"}, country="NL")],
        )
        for n in range(12)
    ]
    store.upsert_many((o, None) for o in offerings)
    engine = SqliteEngine(root / "search")
    sync(store, engine)
    app = create_app(settings, store=store, engine=engine)
    app.testing = True
    yield app
    engine.close()
    store.close()


def test_filters_fold_behind_one_control_before_the_results(client: FlaskClient) -> None:
    html = get(client, "/search")
    panel = html.index('<details class="filters-panel">')
    assert "<summary>Filters (0)</summary>" in html
    # Everything of the filters is inside the panel; the results follow it.
    assert panel < html.index('name="country"') < html.index("</details>\n    </aside>") < html.index('class="results"')
    html = get(client, "/search?country=NL&mode=online")
    assert "<summary>Filters (2)</summary>" in html


def test_the_style_shows_the_panel_on_wide_screens_and_folds_it_on_phones() -> None:
    css = STYLE.read_text()
    assert "@media (max-width: 600px)" in css
    assert re.search(r"min-width: 601px\)[^@]*\.filters-panel::details-content \{[^}]*content-visibility: visible", css)


def test_long_facets_show_ten_values_and_the_rest_behind_show_more(many_providers: Flask) -> None:
    client = many_providers.test_client()
    html = get(client, "/search")
    facet = html[html.index(">Provider</summary>") :]
    facet = facet[: facet.index("</fieldset>")]
    shown, _, more = facet.partition('<details class="more">')
    assert shown.count('name="provider"') == 10 and more.count('name="provider"') == 2
    assert "Show 2 more" in more
    # A ticked value among the rest opens "show more", so the choice stays visible.
    html = get(client, "/search?provider=provider-11")
    assert '<details class="more" open>' in html
    html = get(client, "/search?provider=provider-11&lang=de")
    assert "2 weitere anzeigen" in html


def test_landmarks_skip_link_and_labels(client: FlaskClient) -> None:
    html = get(client, "/search")
    assert '<a class="skip-link" href="#content">' in html and '<main id="content"' in html
    assert "<header" in html and "<footer" in html and 'role="search"' in html
    assert '<nav class="lang-switch" aria-label="Language">' in html
    # Every form control has a label.
    for control in re.findall(r'<(?:input|select)[^>]*id="([^"]+)"', html):
        assert f'for="{control}"' in html, control
