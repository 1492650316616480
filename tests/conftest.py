"""Shared fixtures: isolated settings, a real store (SQLite; PostgreSQL too for tests marked ``stores``), the
sample records folder (tests/data/samples)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings as hypothesis_settings

from config import Settings, load_settings
from offerings.store import Store
from tests import postgres
from tests.mailbox import smtp  # noqa: F401 - the real SMTP server fixture, for every test

# Hypothesis' default 200 ms deadline per example is a wall-clock threshold: on a loaded 2-core machine a correct
# parser misses it. Correctness is what these tests judge; speed is for bench/.
hypothesis_settings.register_profile("microcred", deadline=None)
hypothesis_settings.load_profile("microcred")

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data"
SAMPLES = DATA / "samples"


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


# The store backends a test marked ``stores`` runs on, each a real database (see tests/postgres.py).
STORE_BACKENDS = ("sqlite", "postgresql")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run each test marked ``stores`` that uses the ``store`` fixture once per store backend."""
    if metafunc.definition.get_closest_marker("stores") and "store_backend" in metafunc.fixturenames:
        metafunc.parametrize("store_backend", STORE_BACKENDS, indirect=True)


@pytest.fixture
def store_backend(request: pytest.FixtureRequest) -> str:
    """The backend of the ``store`` fixture: both for tests marked ``stores``, else SQLite, or the one
    ``STORE_TEST_BACKEND`` names (``postgresql``: every test's store on PostgreSQL, for a one-off run)."""
    return str(getattr(request, "param", os.environ.get("STORE_TEST_BACKEND") or "sqlite"))


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A real PostgreSQL for the session (scripts/postgres-test-server): its ``postgres`` database's URL."""
    yield from postgres.server()


@pytest.fixture
def postgres_database(postgres_server: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database of the test's own (dropped afterwards): its URL."""
    yield from postgres.database(postgres_server)


@pytest.fixture
def store(settings: Settings, store_backend: str, request: pytest.FixtureRequest) -> Iterator[Store]:
    """A real store, migrated: SQLite in tmp_path, or a fresh PostgreSQL database (tests marked ``stores``)."""
    url = settings.store_url if store_backend == "sqlite" else request.getfixturevalue("postgres_database")
    s = Store(url)
    yield s
    s.close()


@pytest.fixture(scope="session")
def samples() -> Path:
    """The sample records folder, tests/data/samples (provenance and licences in its README.md)."""
    return SAMPLES
