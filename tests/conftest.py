"""Shared fixtures: isolated settings, a real SQLite store, the shared samples folder."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from config import Settings, load_settings
from offerings.store import Store

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO.parent / "shared" / "samples"
REQUIRE_SERVICES = os.environ.get("MICROCRED_REQUIRE_SERVICES", "") not in ("", "0", "false")


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    """Settings isolated from the developer's environment, with the data dir under tmp_path."""
    values: dict[str, Any] = {
        "data_dir": str(tmp_path / "var"),
        "allow_private_feeds": True,
        "harvest": {"max_retries": 2, "connect_timeout": 5, "read_timeout": 10, "page_delay": 0},
        # Test feeds' landing pages are fictional hosts; the link-check tests turn the check on.
        "links": {"after_harvest": False, "delay": 0},
    }
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(values.get(key), dict):
            values[key] = {**values[key], **value}
        else:
            values[key] = value
    return load_settings(values, environ={})


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings for one test: data in tmp_path, private feed addresses allowed (loopback peers)."""
    return make_settings(tmp_path)


@pytest.fixture
def store(settings: Settings) -> Store:
    """A real SQLite store, migrated."""
    s = Store(settings.store_url)
    yield s
    s.close()


@pytest.fixture(scope="session")
def samples() -> Path:
    """The shared samples folder (../shared/samples beside the repository)."""
    if not SAMPLES.is_dir():
        if REQUIRE_SERVICES:
            pytest.fail(f"{SAMPLES} is missing")
        pytest.skip(f"{SAMPLES} is missing")
    return SAMPLES
