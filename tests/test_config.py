"""Settings: defaults, environment overrides, errors, and the pinned names."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from config import Settings, load_settings
from offerings.errors import ConfigError
from tests.conftest import REPO

PINNED = [
    "DATA_DIR",
    "DATABASE_URL",
    "SEARCH_ENGINE",
    "SEARCH_URL",
    "SEARCH_INDEX",
    "ADMIN_TOKEN",
    "ALLOW_PRIVATE_FEEDS",
    "USER_AGENT",
    "SECRET_KEY",
]


def test_defaults() -> None:
    settings = load_settings(environ={})
    assert settings.data_dir == Path("./var")
    assert settings.search_engine == "sqlite"
    assert settings.search_index == "microcred-offerings"
    assert settings.allow_private_feeds is False
    assert settings.store_url.startswith("sqlite:///") and settings.store_url.endswith("var/microcred.db")
    assert settings.agent.startswith("microcred/")


def test_environment_overrides() -> None:
    settings = load_settings(
        environ={
            "MICROCRED_DATA_DIR": "/tmp/mc",
            "MICROCRED_ALLOW_PRIVATE_FEEDS": "true",
            "MICROCRED_HARVEST__PAGE_DELAY": "1.5",
            "MICROCRED_HARVEST__ALLOWED_PORTS": "[80, 8081]",
            "MICROCRED_USER_AGENT": "bot (+https://x.example)",
            "MICROCRED_DATABASE_URL": "postgresql+psycopg://u@h/db",
        }
    )
    assert settings.data_dir == Path("/tmp/mc")
    assert settings.allow_private_feeds is True
    assert settings.harvest.page_delay == 1.5
    assert settings.harvest.allowed_ports == (80, 8081)
    assert settings.agent == "bot (+https://x.example)"
    assert settings.store_url == "postgresql+psycopg://u@h/db"


@pytest.mark.parametrize(
    "environ",
    [{"MICROCRED_NO_SUCH_KEY": "1"}, {"MICROCRED_SEARCH_ENGINE": "lucene"}, {"MICROCRED_PORT": "eighty"}],
)
def test_bad_settings_are_config_errors(environ: dict[str, str]) -> None:
    with pytest.raises(ConfigError):
        load_settings(environ=environ)


def test_every_setting_has_help_and_a_documented_variable() -> None:
    docs = (REPO / "docs" / "operations.md").read_text()
    for f in dataclasses.fields(Settings):
        assert f.metadata.get("help"), f.name
    for name in PINNED:
        assert f"MICROCRED_{name}" in docs
        assert name.lower() in {f.name for f in dataclasses.fields(Settings)}


def test_secret_key_is_generated_once(tmp_path: Path) -> None:
    settings = load_settings({"data_dir": str(tmp_path)}, environ={})
    first = settings.session_secret()
    assert len(first) == 64 and settings.session_secret() == first
