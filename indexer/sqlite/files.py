"""Generation files of the SQLite engine and the pool of connections to the active one.

An index directory holds generation files ``index-<token>.db`` and the pointer file ``CURRENT``
naming the active one. The pointer is only ever replaced whole, with :func:`os.replace`, so a
reader sees the old name or the new one, never half of either. Readers read the pointer on every
call (a few microseconds) and so follow a rebuild made by any thread or process.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from indexer.sqlite.sql import SCHEMA
from offerings.errors import BackendUnavailable

try:  # POSIX: serialise generation switches between processes too.
    import fcntl
except ImportError:  # pragma: no cover - Windows keeps the in-process lock only
    fcntl = None  # type: ignore[assignment]

__all__ = ["POINTER", "Generations"]

logger = logging.getLogger(__name__)

POINTER = "CURRENT"
_NAME = re.compile(r"index-[0-9a-f]+-[0-9a-f]+\.db")
_SUFFIXES = ("", "-wal", "-shm", "-journal")
# Failures of the index itself (file gone, locked, corrupt, disk full), as opposed to our own bugs.
_CALLER_BUGS = (sqlite3.ProgrammingError, sqlite3.IntegrityError, sqlite3.InterfaceError)


class Generations:
    """The generation files in ``path`` and a pool of connections to the active generation."""

    def __init__(self, path: Path, *, pool_size: int = 8, timeout: float = 30.0) -> None:
        self.path = Path(path).resolve()
        self.path.mkdir(parents=True, exist_ok=True)
        self.pool_size = pool_size
        self.timeout = timeout
        self._idle: list[tuple[str, sqlite3.Connection]] = []
        self._pool_lock = threading.Lock()
        self._switch_lock = threading.Lock()

    # ---- files -------------------------------------------------------------------------------------

    @contextmanager
    def switching(self) -> Iterator[None]:
        """Hold the lock under which the pointer is created or replaced, in this process and others."""
        with self._switch_lock, open(self.path / ".lock", "a+b") as handle:
            if fcntl is not None:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            yield

    def current(self) -> str:
        """File name of the active generation; an empty first one is created when there is none.

        Raises:
            BackendUnavailable: the pointer cannot be read or names no generation.
        """
        try:
            name = (self.path / POINTER).read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            with self.switching():
                if not (self.path / POINTER).exists():
                    fresh = self.new_name()
                    conn = self.connect(fresh, create=True)
                    conn.executescript(SCHEMA)
                    conn.execute("PRAGMA journal_mode=WAL")
                    conn.close()
                    self._point_to(fresh)
            return self.current()
        except OSError as exc:
            raise BackendUnavailable(f"cannot read search index pointer in {self.path}: {exc}") from exc
        if not _NAME.fullmatch(name):
            raise BackendUnavailable(f"search index pointer {self.path / POINTER} is corrupt: {name!r}")
        return name

    def new_name(self) -> str:
        """A fresh generation file name, unique across processes."""
        return f"index-{time.time_ns():x}-{secrets.token_hex(4)}.db"

    def connect(self, name: str, *, create: bool = False) -> sqlite3.Connection:
        """A new connection to generation ``name`` (autocommit; usable by one thread at a time).

        Without ``create`` a missing file is an error rather than a new empty database, so a reader
        racing a rebuild that just removed its generation notices instead of indexing nothing.
        """
        uri = (self.path / name).as_uri() + ("?mode=rwc" if create else "?mode=rw")
        conn = sqlite3.connect(uri, uri=True, timeout=self.timeout, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    def flush(self, name: str) -> None:
        """Force generation ``name`` to disk: it was written without syncing, and the pointer is next."""
        with open(self.path / name, "rb") as handle:
            os.fsync(handle.fileno())

    def _point_to(self, name: str) -> None:
        temporary = self.path / f".{POINTER}.{secrets.token_hex(4)}"
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.write(name + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.path / POINTER)

    def switch(self, name: str) -> str:
        """Make generation ``name`` the active one, then remove the one it replaces (returned).

        The caller holds :meth:`switching`.
        """
        old = self.current()
        self._point_to(name)
        with self._pool_lock:
            stale = [conn for gen, conn in self._idle if gen == old]
            self._idle = [(gen, conn) for gen, conn in self._idle if gen != old]
        for conn in stale:
            conn.close()
        self.remove(old)
        return old

    def remove(self, name: str) -> None:
        """Delete a generation's files; connections still open on it keep reading it (POSIX)."""
        for suffix in _SUFFIXES:
            try:
                (self.path / (name + suffix)).unlink()
            except FileNotFoundError:
                continue
            except OSError as exc:  # pragma: no cover - e.g. Windows refuses to delete open files
                logger.warning("cannot remove old search index file %s: %s", name + suffix, exc)

    # ---- connections -------------------------------------------------------------------------------

    def _take(self) -> tuple[str, sqlite3.Connection]:
        for _attempt in range(3):
            name = self.current()
            with self._pool_lock:
                for i in range(len(self._idle) - 1, -1, -1):
                    if self._idle[i][0] == name:
                        return self._idle.pop(i)
                # Connections to replaced generations are of no further use.
                stale = [conn for gen, conn in self._idle if gen != name]
                self._idle = [(gen, conn) for gen, conn in self._idle if gen == name]
            for conn in stale:
                conn.close()
            try:
                return name, self.connect(name)
            except sqlite3.OperationalError:
                # A rebuild may have replaced and removed this generation since we read the pointer.
                if self.current() == name:
                    raise
        raise BackendUnavailable(f"search index in {self.path} keeps changing; try again")

    def _give_back(self, name: str, conn: sqlite3.Connection) -> None:
        with self._pool_lock:
            if len(self._idle) < self.pool_size:
                self._idle.append((name, conn))
                return
        conn.close()

    @contextmanager
    def lend(self) -> Iterator[tuple[str, sqlite3.Connection]]:
        """Lend a connection to the active generation for one call, with that generation's name.

        Raises:
            BackendUnavailable: SQLite could not open or use the index.
        """
        try:
            name, conn = self._take()
        except sqlite3.Error as exc:
            raise BackendUnavailable(f"cannot open search index in {self.path}: {exc}") from exc
        healthy = False
        try:
            yield name, conn
            healthy = not conn.in_transaction
        except sqlite3.DatabaseError as exc:
            if isinstance(exc, _CALLER_BUGS):
                raise
            raise BackendUnavailable(f"search index {name} failed: {exc}") from exc
        finally:
            # A connection that failed may hold a half-done transaction: it is not lent again.
            if healthy:
                self._give_back(name, conn)
            else:
                conn.close()

    def close(self) -> None:
        """Close the idle connections; those lent out are closed when given back."""
        with self._pool_lock:
            idle, self._idle = self._idle, []
            self.pool_size = 0
        for _name, conn in idle:
            conn.close()
