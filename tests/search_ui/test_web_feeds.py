"""Change feed, bulk export, sources and /healthz over a real store and the real SQLite engine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from indexer.sqlite import SqliteEngine
from search_ui import create_app
from tests.search_ui.conftest import ROWS, Catalogue, build_catalogue, make_offering

PROBLEM = "application/problem+json"


# ---- change feed -----------------------------------------------------------------------------------


def test_changes_feed_pages_through_everything_including_the_delete(client: FlaskClient, catalogue: Catalogue) -> None:
    changes: list[dict] = []
    cursor, pages = None, 0
    while True:
        url = "/api/v1/changes?limit=6" + (f"&since={cursor}" if cursor is not None else "")
        body = client.get(url).get_json()
        assert set(body) == {"changes", "next", "more"} and isinstance(body["next"], str)
        changes += body["changes"]
        cursor, pages = body["next"], pages + 1
        if not body["more"]:
            break
    assert pages == 4  # 21 changes in pages of 6
    assert [c["seq"] for c in changes] == sorted(c["seq"] for c in changes)
    assert cursor == str(catalogue.store.max_seq())
    assert len(changes) == len(ROWS) + 1
    gone = [c for c in changes if c["deleted"]]
    assert [c["id"] for c in gone] == [catalogue.withdrawn_id]
    assert "offering" not in gone[0]
    live = [c for c in changes if not c["deleted"]]
    assert all(c["offering"]["record_id"] == c["id"] and "completeness" in c["offering"] for c in live)
    # Caught up: nothing more, and the cursor stays put.
    body = client.get(f"/api/v1/changes?since={cursor}").get_json()
    assert body == {"changes": [], "next": cursor, "more": False}


def test_changes_cursor_resumes_after_a_change(tmp_path: Path) -> None:
    catalogue = build_catalogue(tmp_path)
    client = create_app(catalogue.settings, store=catalogue.store, engine=catalogue.engine).test_client()
    cursor = client.get("/api/v1/changes?limit=1000").get_json()["next"]
    changed = make_offering(*ROWS[0])
    changed.title = {"en": "Data Science Foundations, revised"}
    catalogue.store.upsert(changed)
    catalogue.store.delete_many([make_offering(*ROWS[1]).record_id])
    body = client.get(f"/api/v1/changes?since={cursor}").get_json()
    assert [(c["id"], c["deleted"]) for c in body["changes"]] == [
        (changed.record_id, False),
        (make_offering(*ROWS[1]).record_id, True),
    ]
    assert body["changes"][0]["offering"]["title"] == {"en": "Data Science Foundations, revised"}


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("since=abc", "since"),
        ("since=-1", "since"),
        ("since=1.5", "since"),
        ("since=١٢", "since"),
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("limit=x", "limit"),
        ("cursor=3", "cursor"),
    ],
)
def test_bad_cursor_or_limit_is_400(client: FlaskClient, query: str, parameter: str) -> None:
    response = client.get(f"/api/v1/changes?{query}")
    assert response.status_code == 400 and response.mimetype == PROBLEM
    assert response.get_json(force=True)["parameter"] == parameter


# ---- export ----------------------------------------------------------------------------------------


def test_export_streams_every_live_offering_once(client: FlaskClient, catalogue: Catalogue) -> None:
    response = client.get("/api/v1/export.jsonl")
    assert response.status_code == 200 and response.mimetype == "application/x-ndjson"
    assert response.is_streamed
    lines = response.get_data(as_text=True).splitlines()
    assert len(lines) == catalogue.store.count() == len(ROWS)
    records = [json.loads(line) for line in lines]
    assert len({r["record_id"] for r in records}) == len(ROWS)
    assert catalogue.withdrawn_id not in {r["record_id"] for r in records}
    assert all(not r["deleted"] and "completeness" in r and r["source"]["id"] for r in records)


# ---- sources ---------------------------------------------------------------------------------------


def test_sources_list_with_counts(client: FlaskClient) -> None:
    body = client.get("/api/v1/sources").get_json()
    counts = {s["id"]: s["offerings"]["live"] for s in body["sources"]}
    assert counts == {"nl-uni": 7, "de-hs": 7, "fr-univ": 6}
    assert all("contact_email" not in s for s in body["sources"])


def test_source_detail_with_runs_newest_first(client: FlaskClient) -> None:
    body = client.get("/api/v1/sources/nl-uni").get_json()
    assert body["id"] == "nl-uni" and body["kind"] == "oai"
    assert body["offerings"] == {"live": 7, "withdrawn": 1}
    assert [run["status"] for run in body["runs"]] == ["failed", "success"]
    assert body["runs"][0]["error"] == "OAI-PMH badArgument: from"


def test_unknown_source_is_a_404_problem(client: FlaskClient) -> None:
    response = client.get("/api/v1/sources/nope")
    assert response.status_code == 404 and response.mimetype == PROBLEM


# ---- health ----------------------------------------------------------------------------------------


def test_healthz_ok(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["store"]["status"] == "ok"
    assert body["engine"]["documents"] == len(ROWS) and body["engine"]["engine"] == "sqlite"
    assert body["offerings"] == len(ROWS) and body["index_lag"] == 0


def test_healthz_reports_index_lag(tmp_path: Path) -> None:
    catalogue = build_catalogue(tmp_path)
    catalogue.store.upsert(make_offering("nl-99", "Brand new", "NL", ["en"], ["online"], 1.0, 5, None, None))
    client = create_app(catalogue.settings, store=catalogue.store, engine=catalogue.engine).test_client()
    body = client.get("/healthz").get_json()
    assert body["index_lag"] == 1 and body["offerings"] == len(ROWS) + 1


def test_engine_down_is_degraded_and_search_is_503(tmp_path: Path) -> None:
    catalogue = build_catalogue(tmp_path)
    broken = SqliteEngine(tmp_path / "broken")
    (tmp_path / "broken" / "CURRENT").write_text("not a generation\n")
    client = create_app(catalogue.settings, store=catalogue.store, engine=broken).test_client()
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "degraded" and body["engine"]["status"] == "unavailable"
    assert body["index_lag"] is None and body["offerings"] == len(ROWS)
    response = client.get("/api/v1/offerings")
    assert response.status_code == 503 and response.mimetype == PROBLEM
    assert "Retry-After" in response.headers
    # The store still answers what it holds.
    assert client.get("/api/v1/changes").status_code == 200
    page = client.get("/search")
    assert page.status_code == 503 and page.mimetype == "text/html"


def test_store_unreachable_is_503(tmp_path: Path) -> None:
    catalogue = build_catalogue(tmp_path)
    client = create_app(catalogue.settings, store=catalogue.store, engine=catalogue.engine).test_client()
    catalogue.store.close()
    Path(catalogue.settings.store_url.removeprefix("sqlite:///")).write_bytes(b"this is not a database" * 100)
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "degraded" and body["store"]["status"] == "unavailable"
    assert body["offerings"] is None
