"""The command line as an operator uses it: sources add/list/show, harvest, index, errors without tracebacks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from microcred.cli import cli
from microcred.demo.server import FeedServer
from tests.harvesters.conftest import NL, feed_server, feeds  # noqa: F401 - fixtures


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data dir of its own, and loopback feeds allowed (the demo peer is on 127.0.0.1)."""
    for name in ("MICROCRED_DATABASE_URL", "MICROCRED_SEARCH_ENGINE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MICROCRED_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("MICROCRED_ALLOW_PRIVATE_FEEDS", "true")
    return tmp_path


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def test_help_lists_the_pinned_commands() -> None:
    code, output = _run("--help")
    assert code == 0
    for command in ("run", "serve", "scheduler", "sources", "harvest", "index", "demo-feeds", "keys"):
        assert f"  {command} " in output or f"  {command}\n" in output


def test_register_harvest_search(env: Path, feed_server: FeedServer) -> None:  # noqa: F811
    code, output = _run("sources", "add", feed_server.url_for(NL), "--country", "NL")
    assert code == 0, output
    assert "added hogeschool-zuiderzee" in output
    code, output = _run("harvest", "hogeschool-zuiderzee")
    assert code == 0, output
    assert "hogeschool-zuiderzee: success" in output and "added 21" in output and "deleted 3" in output
    # A second harvest adds nothing.
    code, output = _run("harvest", "--all", "--full")
    assert code == 0 and "added 0" in output and "unchanged 24" in output
    code, output = _run("sources", "list")
    assert "hogeschool-zuiderzee" in output and "21 offerings" in output
    code, output = _run("sources", "show", "hogeschool-zuiderzee", "--json")
    shown = json.loads(output)
    assert [r["status"] for r in shown["runs"]] == ["success", "success"]
    code, output = _run("index", "--verify")
    assert code == 0, output
    code, output = _run("index", "--rebuild")
    assert code == 0 and "21 offerings" in output
    # Search sees the harvest (the index was brought up to date by `harvest`).
    from config import load_settings
    from indexer.base import SearchQuery
    from microcred.wiring import Catalogue

    catalogue = Catalogue(load_settings())
    try:
        page = catalogue.engine.search(SearchQuery(q="data", filters={"country": ("NL",)}))
        assert page.total > 0 and all("NL" in r["country"] for r in page.results)
    finally:
        catalogue.close()


def test_unreachable_url_is_a_clear_error(env: Path) -> None:
    result = CliRunner().invoke(cli, ["sources", "add", "http://127.0.0.1:9/oai"])
    assert result.exit_code == 1
    assert "Error: http://127.0.0.1:9/oai did not answer an OAI-PMH Identify request" in result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_blocked_url_is_a_clear_error(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MICROCRED_ALLOW_PRIVATE_FEEDS", "false")
    result = CliRunner().invoke(cli, ["sources", "add", "http://127.0.0.1/oai"])
    assert result.exit_code == 1 and "not permitted" in result.output and "Loopback" in result.output


def test_unknown_source_is_a_clear_error(env: Path) -> None:
    result = CliRunner().invoke(cli, ["sources", "show", "nope"])
    assert result.exit_code == 1 and "no source 'nope'" in result.output


def test_country_is_a_country(env: Path, feed_server: FeedServer) -> None:  # noqa: F811
    # A name is taken as its code; something that is no country is refused before anything is stored.
    result = CliRunner().invoke(cli, ["sources", "add", feed_server.url_for(NL), "--country", "Atlantis"])
    assert result.exit_code == 1 and "country 'Atlantis' is not an ISO 3166-1 country" in result.output
    assert "Traceback" not in result.output
    code, output = _run("sources", "add", feed_server.url_for(NL), "--country", "Netherlands")
    assert code == 0, output
    code, output = _run("sources", "show", "hogeschool-zuiderzee", "--json")
    assert json.loads(output)["country"] == "NL"


def test_keys_add_list_revoke(env: Path) -> None:
    code, output = _run("keys", "add", "Europass", "--limit", "3000/minute")
    assert code == 0, output
    assert "added key 1 (Europass, 3000/minute)" in output
    token = output.rsplit(": ", 1)[1].strip()
    assert token.startswith("mck_")
    code, output = _run("keys", "add", "portal")
    assert code == 0 and "added key 2 (portal, not limited)" in output
    code, output = _run("keys", "list")
    assert code == 0 and "Europass" in output and "3000/minute" in output and token not in output
    code, output = _run("keys", "revoke", "1")
    assert code == 0 and "revoked key 1 (Europass)" in output
    code, output = _run("keys", "list", "--json")
    listed = {k["name"]: k for k in json.loads(output)}
    assert listed["Europass"]["revoked_at"] and listed["portal"]["revoked_at"] is None
    # The token is stored hashed only; the app reads the same store and refuses the revoked key.
    from config import load_settings
    from offerings.store import Store
    from offerings.store.keys import token_hash

    store = Store(load_settings().store_url)
    try:
        assert store.keys.find(token) is None
        with store.engine.connect() as conn:
            from offerings.store.tables import api_keys

            assert token_hash(token) in {row.token_hash for row in conn.execute(api_keys.select())}
    finally:
        store.close()
    # Bad input is a message, not a traceback.
    code, output = _run("keys", "add", "x", "--limit", "lots")
    assert code == 2 and "not a rate limit" in output
    code, output = _run("keys", "revoke", "99")
    assert code == 1 and "no API key 99" in output
