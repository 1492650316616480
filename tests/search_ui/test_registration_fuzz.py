"""Registration API and form fuzzed with bad URLs and bodies: every answer is a 2xx/4xx, never a 500.

URLs that would pass the checks point at a closed loopback port, so nothing leaves the machine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from offerings.store import Store
from search_ui import create_app
from tests.conftest import make_settings

pytestmark = pytest.mark.stores  # the store the registrations land in: SQLite and PostgreSQL

CLOSED = "http://127.0.0.1:9"
urls = st.one_of(
    st.text(max_size=60).filter(lambda t: not t.strip().lower().startswith(("http:", "https:"))),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=40).map(lambda t: f"{CLOSED}/{t}"),
    st.sampled_from(["http://[::1", "http://127.0.0.1:99999/", "https://:80/", "http://u:p@127.0.0.1:9/", "http:///x"]),
)
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=30))
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)
bodies = st.one_of(
    values,
    st.fixed_dictionaries(
        {"url": urls},
        optional={
            "contact_email": scalars,
            "kind": scalars,
            "country": scalars,
            "sets": values,
            "name": scalars,
            "webhook_url": st.one_of(scalars, urls),
        },
    ),
)


@pytest.fixture
def app(tmp_path: Path, store: Store) -> Flask:
    # Hundreds of probes from one address: the forms' rate limit is off here (tested in test_registration).
    return create_app(make_settings(tmp_path, api={"probe_rate_limit": ""}), store=store)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=bodies)
def test_the_api_never_answers_500(app: Flask, body: object) -> None:
    client = app.test_client()
    for path in ("/api/v1/sources", "/api/v1/sources/check"):
        response = client.post(path, data=json.dumps(body), content_type="application/json")
        assert response.status_code < 500, (body, response.get_data(as_text=True))
        assert response.status_code in (200, 202) or response.mimetype == "application/problem+json"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    url=urls,
    email=st.text(max_size=40),
    kind=st.text(max_size=8),
    country=st.text(max_size=10),
    sets=st.text(max_size=20),
    action=st.sampled_from(["check", "register", "", "x"]),
)
def test_the_form_never_answers_500(
    app: Flask, url: str, email: str, kind: str, country: str, sets: str, action: str
) -> None:
    client = app.test_client()
    page = client.get("/register").get_data(as_text=True)
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    form = {"csrf_token": token, "url": url, "contact_email": email, "kind": kind, "country": country, "sets": sets}
    response = client.post("/register", data={**form, "action": action})
    assert response.status_code < 500, response.get_data(as_text=True)
