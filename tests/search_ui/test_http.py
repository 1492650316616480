"""HTTP done properly on the API: problem details for every error, validators with 304, Link, CORS and
Cache-Control."""

from __future__ import annotations

import json
import time
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from indexer.sync import sync
from search_ui import create_app
from tests.search_ui.conftest import build_catalogue, make_offering, rid


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/api/v1/nothing-here", 404),
        ("GET", "/api/v2/offerings", 404),
        ("POST", "/api/v1/offerings", 405),
        ("DELETE", "/api/v1/changes", 405),
        ("PUT", "/api/v1/openapi.json", 405),
    ],
)
def test_every_api_error_is_a_problem(client: FlaskClient, method: str, path: str, status: int) -> None:
    response = client.open(path, method=method)
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    assert response.json["status"] == status and response.json["title"]
    assert response.headers["Cache-Control"] == "no-store"
    if status == 405:
        assert "GET" in response.headers["Allow"]


@pytest.mark.parametrize(
    "path",
    ["/api/v1/offerings?q=data", f"/api/v1/offerings/{rid('nl-1')}", "/api/v1/export.jsonl"],
)
def test_conditional_requests_get_304(client: FlaskClient, path: str) -> None:
    first = client.get(path)
    assert first.status_code == 200
    etag, modified = first.headers["ETag"], first.headers.get("Last-Modified")
    first.close()
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag
    since = client.get(path, headers={"If-Modified-Since": modified})
    assert since.status_code == 304 and since.data == b""
    earlier = client.get(path, headers={"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"})
    assert earlier.status_code == 200 and earlier.data
    earlier.close()
    other = client.get(path, headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200 and other.data
    other.close()


def test_the_validators_change_with_the_catalogue(tmp_path: Path) -> None:
    built = build_catalogue(tmp_path)
    client = create_app(built.settings, store=built.store, engine=built.engine).test_client()
    paths = ["/api/v1/export.jsonl", f"/api/v1/offerings/{rid('nl-2')}"]
    before = {}
    for path in paths:
        response = client.get(path)
        before[path] = response.headers["ETag"]
        response.close()
    built.store.upsert(
        make_offering("nl-2", "Sustainability in Practice II", "NL", ["en"], ["blended"], 3.0, 6, None, 0)
    )
    for path in paths:
        response = client.get(path, headers={"If-None-Match": before[path]})
        assert response.status_code == 200 and response.headers["ETag"] != before[path]
        response.close()
    built.engine.close()
    built.store.close()


def test_last_modified_moves_with_the_catalogue_and_a_search_has_none_while_the_index_lags(tmp_path: Path) -> None:
    built = build_catalogue(tmp_path)
    client = create_app(built.settings, store=built.store, engine=built.engine).test_client()
    paths = ["/api/v1/offerings?q=sustainability", f"/api/v1/offerings/{rid('nl-2')}", "/api/v1/export.jsonl"]
    before = {}
    for path in paths:
        response = client.get(path)
        before[path] = response.headers["Last-Modified"]
        response.close()
    time.sleep(1.1)  # Last-Modified counts whole seconds: the change below must fall in a later one
    built.store.upsert(
        make_offering("nl-2", "Sustainability in Practice II", "NL", ["en"], ["blended"], 3.0, 6, None, 0)
    )
    # The store has the change, the search index not yet: the search cannot date its answer, the others can.
    lagging = client.get(paths[0], headers={"If-Modified-Since": before[paths[0]]})
    assert lagging.status_code == 200 and "Last-Modified" not in lagging.headers and "ETag" in lagging.headers
    sync(built.store, built.engine)
    for path in paths:
        response = client.get(path, headers={"If-Modified-Since": before[path]})
        assert response.status_code == 200, path
        assert parsedate_to_datetime(response.headers["Last-Modified"]) > parsedate_to_datetime(before[path])
        again = client.get(path, headers={"If-Modified-Since": response.headers["Last-Modified"]})
        assert again.status_code == 304, path
        response.close()
    built.engine.close()
    built.store.close()


def test_search_pages_carry_link_headers(client: FlaskClient) -> None:
    middle = client.get("/api/v1/offerings?country=NL&size=2&page=2")
    links = middle.headers["Link"]
    assert 'page=3>; rel="next"' in links and 'page=1>; rel="prev"' in links and "country=NL" in links
    last = client.get("/api/v1/offerings?country=NL&size=2&page=4")
    assert last.json["total"] == 7 and 'rel="next"' not in last.headers["Link"]


def test_the_change_feed_links_to_its_next_page(client: FlaskClient) -> None:
    page = client.get("/api/v1/changes?limit=5")
    assert page.json["more"]
    assert f"since={page.json['next']}" in page.headers["Link"] and 'rel="next"' in page.headers["Link"]
    assert page.headers["Cache-Control"] == "no-cache"
    last = client.get(f"/api/v1/changes?since={page.json['next']}&limit=1000")
    assert not last.json["more"] and "Link" not in last.headers


def test_cors_for_get_and_preflight(client: FlaskClient) -> None:
    response = client.get("/api/v1/offerings", headers={"Origin": "https://portal.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response.headers["Access-Control-Expose-Headers"]
    preflight = client.options(
        "/api/v1/offerings",
        headers={"Origin": "https://portal.example", "Access-Control-Request-Headers": "if-none-match"},
    )
    assert preflight.status_code == 200
    assert "If-None-Match" in preflight.headers["Access-Control-Allow-Headers"]
    assert "GET" in preflight.headers["Access-Control-Allow-Methods"]


@pytest.mark.parametrize(
    ("path", "policy"),
    [
        ("/api/v1/offerings", "public, max-age=60"),
        (f"/api/v1/offerings/{rid('nl-1')}", "public, max-age=300"),
        ("/api/v1/sources", "public, max-age=60"),
        ("/api/v1/openapi.json", "public, max-age=3600"),
        ("/oai?verb=Identify", "no-cache"),
    ],
)
def test_cache_control_fits_the_resource(client: FlaskClient, path: str, policy: str) -> None:
    assert client.get(path).headers["Cache-Control"] == policy


def test_the_export_links_to_the_change_feed_a_mirror_continues_from(tmp_path: Path) -> None:
    built = build_catalogue(tmp_path)
    client = create_app(built.settings, store=built.store, engine=built.engine).test_client()
    export = client.get("/api/v1/export.jsonl")
    mirror = {line["record_id"]: line for line in map(json.loads, export.data.decode().splitlines())}
    link = export.headers["Link"]
    assert link.endswith('>; rel="next"') and "/api/v1/changes?since=" in link
    built.store.upsert(
        make_offering("nl-2", "Sustainability in Practice II", "NL", ["en"], ["blended"], 3.0, 6, None, 0)
    )
    built.store.delete_many([rid("nl-3")])
    changes = client.get(link[1 : link.index(">")].removeprefix("http://localhost")).json
    for change in changes["changes"]:
        if change["deleted"]:
            mirror.pop(change["id"], None)
        else:
            mirror[change["id"]] = change["offering"]
    live = {r.id: r for r in built.store.iter_changes(0) if not r.deleted}
    assert set(mirror) == set(live) and rid("nl-3") not in mirror
    assert mirror[rid("nl-2")]["title"] == {"en": "Sustainability in Practice II"}
    built.engine.close()
    built.store.close()
