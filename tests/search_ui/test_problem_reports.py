"""Report a problem on an offering: the form (CSRF, bad input a 422 message), the report counted on its source's
page and API, settled by the operator on /admin. A real store and engine built per test (reports are writes)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from offerings.store import problem_reports
from search_ui import create_app
from tests.search_ui.conftest import Catalogue, build_catalogue


@pytest.fixture
def built(tmp_path: Path) -> Iterator[Catalogue]:
    catalogue = build_catalogue(tmp_path)
    yield catalogue
    catalogue.engine.close()
    catalogue.store.close()


@pytest.fixture
def app(built: Catalogue) -> Flask:
    settings = replace(built.settings, admin_token="tok")
    return create_app(settings, store=built.store, engine=built.engine)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def _csrf(client: FlaskClient, path: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True))
    assert match
    return match.group(1)


def test_a_report_is_recorded_counted_and_settled(client: FlaskClient, built: Catalogue) -> None:
    record_id = built.offerings[0].record_id
    source_id = built.store.get(record_id).source_id
    page = client.get(f"/offerings/{record_id}").get_data(as_text=True)
    assert f"/offerings/{record_id}/report" in page
    path = f"/offerings/{record_id}/report"
    token = _csrf(client, path)
    assert client.post(path, data={"category": "dead-link", "message": "404"}).status_code == 400  # no CSRF token
    bad = client.post(path, data={"csrf_token": token, "category": "nonsense", "message": "x"})
    assert bad.status_code == 422 and "Choose what is wrong" in bad.get_data(as_text=True)
    empty = client.post(path, data={"csrf_token": token, "category": "dead-link", "message": "  "})
    assert empty.status_code == 422
    sent = client.post(path, data={"csrf_token": token, "category": "dead-link", "message": "The page is a 404"})
    assert sent.status_code == 201 and "Thank you" in sent.get_data(as_text=True)
    assert client.get(f"/api/v1/sources/{source_id}").json["problem_reports"] == {
        "open": 1,
        "resolved": 0,
        "dismissed": 0,
    }
    assert "1 open" in client.get(f"/sources/{source_id}").get_data(as_text=True)
    (report,) = problem_reports.open_reports(built.store, source_id)
    assert report.message == "The page is a 404" and report.category == "dead-link"
    # The operator sees it on /admin and resolves it.
    assert client.post(f"/admin/reports/{report.id}/resolve", data={"csrf_token": token}).status_code == 403
    client.post("/admin/login", data={"csrf_token": token, "token": "tok"})
    assert "The page is a 404" in client.get("/admin").get_data(as_text=True)
    done = client.post(f"/admin/reports/{report.id}/resolve", data={"csrf_token": token})
    assert done.status_code == 303
    assert problem_reports.counts(built.store, source_id) == {"open": 0, "resolved": 1, "dismissed": 0}
    assert client.post(f"/admin/reports/{report.id}/dismiss", data={"csrf_token": token}).status_code == 404


def test_reports_on_unknown_or_withdrawn_offerings_are_refused(client: FlaskClient, built: Catalogue) -> None:
    assert client.get("/offerings/nope/report").status_code == 404
    assert client.get(f"/offerings/{built.withdrawn_id}/report").status_code == 410
