"""create_app: wiring from settings alone, secret key, headers."""

from __future__ import annotations

from pathlib import Path

from flask.testing import FlaskClient

from search_ui import create_app
from tests.conftest import make_settings


def test_create_app_builds_store_and_engine_from_settings(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, secret_key="from-settings")
    app = create_app(settings)
    assert app.config["SECRET_KEY"] == "from-settings"
    client = app.test_client()
    body = client.get("/healthz").get_json()
    assert body["status"] == "ok" and body["offerings"] == 0 and body["index_lag"] == 0
    assert client.get("/api/v1/offerings").get_json()["total"] == 0
    html = client.get("/").get_data(as_text=True)
    assert "No offerings match this search" in html


def test_generated_secret_key_is_kept_in_the_data_dir(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    first = create_app(settings).config["SECRET_KEY"]
    assert first and create_app(settings).config["SECRET_KEY"] == first
    assert (settings.data_dir / "secret_key").read_text().strip() == first


def test_api_is_readable_from_any_origin(client: FlaskClient) -> None:
    response = client.get("/api/v1/offerings?size=1")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Origin" not in client.get("/").headers
