"""A real PostgreSQL for the store tests: one server per session, one fresh database per test.

The server is started by ``scripts/postgres-test-server`` (``initdb`` + ``pg_ctl`` on 127.0.0.1, in a
temporary directory) under a lease of the session, and stopped when the last session holding one ends
(a server started by hand keeps running). ``POSTGRES_TEST_URL`` names a server to use instead
(loopback only, a superuser's URL to its ``postgres`` database). A PostgreSQL that cannot be had is a
visible skip, or a failure when ``MICROCRED_REQUIRE_SERVICES`` is set (CI).
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
from collections.abc import Iterator
from glob import glob
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.services import is_loopback, leased, unavailable

__all__ = ["SERVER_SCRIPT", "database", "initdb_available", "server"]

logger = logging.getLogger(__name__)

SERVER_SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "postgres-test-server"
START_TIMEOUT = 120


def initdb_available() -> bool:
    """Whether the script can find ``initdb`` (on the PATH or in Debian's /usr/lib/postgresql/*/bin)."""
    given = os.environ.get("POSTGRES_TEST_BINDIR")
    if given:
        return Path(given, "initdb").is_file()
    return shutil.which("initdb") is not None or bool(glob("/usr/lib/postgresql/*/bin/initdb"))


def _given() -> str | None:
    url = os.environ.get("POSTGRES_TEST_URL", "").strip()
    if not url:
        return None
    host = make_url(url).host or ""
    if not is_loopback(host):
        unavailable(f"POSTGRES_TEST_URL names {host!r}, not loopback; tests only talk to this machine")
    return url


def server() -> Iterator[str]:
    """The SQLAlchemy URL of a PostgreSQL superuser's ``postgres`` database, for the whole session."""
    given = _given()
    if given:
        yield given
        return
    if not initdb_available():
        unavailable("PostgreSQL is not installed (no initdb on the PATH or in /usr/lib/postgresql/*/bin)")
    yield from leased(SERVER_SCRIPT, "the PostgreSQL test server", START_TIMEOUT)


def database(server_url: str) -> Iterator[str]:
    """A new, empty database on the server of ``server_url``, dropped afterwards; yields its URL."""
    name = f"microcred_test_{secrets.token_hex(6)}"
    # CREATE/DROP DATABASE cannot run inside a transaction.
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            # FILE_COPY (PostgreSQL 15+) copies template1's files instead of logging every page of it:
            # about half the time of the default for a database this small, with fsync off.
            modern = int(conn.execute(text("SHOW server_version_num")).scalar_one()) >= 150000
            conn.execute(text(f'CREATE DATABASE "{name}"' + (" STRATEGY FILE_COPY" if modern else "")))
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            # FORCE: a connection a failed test left open must not keep the database (PostgreSQL 13+).
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
