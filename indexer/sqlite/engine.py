"""The embedded search engine: SQLite FTS5 in index files of its own under the data dir.

The index lives in *generation* files (``index-<token>.db``) inside one directory; the small
pointer file ``CURRENT`` names the active one. :meth:`SqliteEngine.rebuild` writes a whole new
generation and swaps the pointer with :func:`os.replace`, so every reader, in any thread or
process, sees either the old complete index or the new one, never a half-built one. Readers look
at the pointer on every call and move to the new generation by themselves. Each generation keeps
its own ``last_seq`` next to its documents, so the sync loop resumes from what that very file holds.

Connections come from a small pool (a thread takes one per call and gives it back), which suits
Flask's thread-per-request server; writes are serialised by a lock here and by SQLite across processes.
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext, suppress
from datetime import date
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from indexer import document
from indexer.base import IndexReport, SearchPage, SearchQuery
from indexer.sqlite import sql, writes
from indexer.sqlite.files import Generations
from indexer.sqlite.search import Caches, answer
from offerings.errors import BackendUnavailable

if TYPE_CHECKING:
    from config import Settings

__all__ = ["SqliteEngine"]

logger = logging.getLogger(__name__)

_NO_LOCK = nullcontext()
# Documents written under one savepoint (see SqliteEngine._write_all): each savepoint flushes FTS5's pending
# terms as a segment, so a sync batch (indexer.sync) is one chunk, not five.
WRITE_CHUNK = 1000
# Page cache of a connection while it writes documents, KiB (restored afterwards, for it is a pooled reader
# too): a chunk dirties more pages than SQLite's default 2 MiB (every facet value's last leaf, the docs
# indexes' leaves), which then spilled into the WAL mid-transaction and were read back.
WRITE_CACHE_KIB = 64 * 1024
# WAL pages after which a write checkpoints (SQLite's default: 1,000). Each checkpoint is two fsyncs, and a
# sync of 20,000 documents made a hundred of them; a page written by several transactions is copied once per
# checkpoint, not once per transaction. Safe for the index alone: its last_seq lives in the same file, so
# what a power cut takes from it the next sync applies again.
WRITE_CHECKPOINT_PAGES = 8192
# The same when a rebuild writes a new generation: each savepoint flushes FTS5's pending terms as a
# segment, and fewer, larger segments are less merging.
BUILD_CHUNK = 2000
# Page cache of the connection writing a new generation, KiB: the facet rows of a chunk go to every
# value's last leaf page (~1,600 values), and with SQLite's default of 2 MiB those pages left the
# cache between chunks.
BUILD_CACHE_KIB = 256 * 1024
# The secondary indexes of the schema (one statement a line), created after a rebuild's documents:
# one sort per index, rather than a B-tree insert per row at a random place.
_SECONDARY_INDEX = re.compile(r"^CREATE INDEX [^;]*;$", re.MULTILINE)
# What a single bad document can raise while being written; anything else fails the whole call.
_DOCUMENT_ERRORS = (sqlite3.IntegrityError, sqlite3.DataError, ValueError, TypeError, OverflowError)


class SqliteEngine:
    """SQLite FTS5 search engine over generation files in ``path`` (a directory)."""

    name = "sqlite"
    # Optional parts of the contract this engine has: Snowball stems in the index and in queries,
    # Polish among them.
    capabilities: ClassVar[frozenset[str]] = frozenset({"stemming", "stemming:pl"})

    def __init__(self, path: Path, *, pool_size: int = 8, timeout: float = 30.0) -> None:
        self.files = Generations(path, pool_size=pool_size, timeout=timeout)
        self.path = self.files.path
        self._write_lock = threading.RLock()
        # Generations each thread wrote to since its last set_last_seq; see there.
        self._written = threading.local()
        self._caches = Caches()
        self._touched: set[int] = set()
        self.files.current()
        self._upgrade()

    @classmethod
    def from_settings(cls, settings: Settings) -> SqliteEngine:
        """The engine configured by ``settings``: its index lives in ``<data dir>/search``."""
        return cls(settings.data_dir / "search")

    @contextmanager
    def _transaction(self, *, write: bool = True) -> Iterator[tuple[str, sqlite3.Connection]]:
        """A transaction on the active generation: a write one (one writer at a time), or a read
        snapshot, so that a search's total, page and facets agree with each other."""
        with self._write_lock if write else _NO_LOCK, self.files.lend() as (name, conn), self._cache(conn, write):
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                if write:
                    # The documents this write touches (one writer at a time: the lock is held).
                    self._touched = set()
                yield name, conn
                if write:
                    self._record(conn, self._touched)
                    # Every write changes the version, which keys the cache of counts in every process.
                    conn.execute(
                        "INSERT INTO meta (key, value) VALUES ('version', '1')"
                        " ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
                    )
            except BaseException:
                if conn.in_transaction:  # SQLite already rolled back after some errors (disk full)
                    conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    @staticmethod
    @contextmanager
    def _cache(conn: sqlite3.Connection, write: bool) -> Iterator[None]:
        """For a write: the connection's page cache at :data:`WRITE_CACHE_KIB` and its checkpoints every
        :data:`WRITE_CHECKPOINT_PAGES`, as they were again afterwards."""
        if not write:
            yield
            return
        cache = int(conn.execute("PRAGMA cache_size").fetchone()[0])
        checkpoint = int(conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0])
        conn.execute(f"PRAGMA cache_size=-{WRITE_CACHE_KIB}")
        conn.execute(f"PRAGMA wal_autocheckpoint={WRITE_CHECKPOINT_PAGES}")
        try:
            yield
        finally:
            with suppress(sqlite3.Error):  # a connection that failed is not lent again anyway
                conn.execute(f"PRAGMA cache_size={cache}")
                conn.execute(f"PRAGMA wal_autocheckpoint={checkpoint}")

    def _wrote(self, name: str) -> None:
        written: set[str] = getattr(self._written, "generations", set())
        written.add(name)
        self._written.generations = written

    # ---- writing -----------------------------------------------------------------------------------

    def _write_all(
        self,
        conn: sqlite3.Connection,
        documents: Iterable[dict[str, Any]],
        touched: set[int] | None = None,
        *,
        chunk_size: int = WRITE_CHUNK,
    ) -> IndexReport:
        """Write documents; a bad document is reported and skipped, never fatal. The numbers of the
        documents written go into ``touched``.

        Documents are written WRITE_CHUNK at a time under one savepoint, with a statement per table
        (:func:`~indexer.sqlite.writes.write_chunk`), and only a chunk in which a document failed is
        written again one savepoint and a few statements per document: a savepoint makes FTS5 flush
        its pending terms as a new segment, so one per document wrote a segment per document (half
        the cost of a sync, and more merging later).
        """
        report = IndexReport()
        found = touched if touched is not None else set()
        iterator = iter(documents)
        while chunk := list(islice(iterator, chunk_size)):
            prepared: list[tuple[Any, sql.DocumentRows]] = []
            for doc in chunk:
                doc_id = doc.get("id") if isinstance(doc, dict) else None
                try:
                    prepared.append((doc_id, sql.document_rows(doc)))
                except _DOCUMENT_ERRORS as exc:
                    self._refused(report, doc_id, exc)
            conn.execute("SAVEPOINT chunk")
            try:
                written = writes.write_chunk(conn, [rows for _doc_id, rows in prepared])
            except _DOCUMENT_ERRORS:
                conn.execute("ROLLBACK TO chunk")
                conn.execute("RELEASE chunk")
                written = self._write_each(conn, prepared, report)
            else:
                conn.execute("RELEASE chunk")
            report.indexed += len(written)
            found.update(n for n in written if n is not None)
        return report

    def _write_each(
        self, conn: sqlite3.Connection, prepared: list[tuple[Any, sql.DocumentRows]], report: IndexReport
    ) -> list[int | None]:
        """Write documents one savepoint each, reporting those that fail; what the written ones
        :func:`~indexer.sqlite.writes.write_one` returned."""
        written = []
        for doc_id, rows in prepared:
            conn.execute("SAVEPOINT doc")
            try:
                written.append(writes.write_one(conn, rows))
            except _DOCUMENT_ERRORS as exc:
                conn.execute("ROLLBACK TO doc")
                self._refused(report, doc_id, exc)
            finally:
                conn.execute("RELEASE doc")
        return written

    @staticmethod
    def _refused(report: IndexReport, doc_id: Any, exc: Exception) -> None:
        logger.warning("search index refused document %s: %s", doc_id, exc)
        report.errors.append({"id": doc_id, "error": f"{type(exc).__name__}: {exc}"})

    @staticmethod
    def _record(conn: sqlite3.Connection, touched: set[int]) -> None:
        """Note which documents the write transaction under way changed, under the version it makes
        (see :data:`indexer.sqlite.sql.CHANGES_TABLE`), and that this version's changes are recorded
        (``changes_to``: a writer that records nothing, such as an older microcred, leaves it behind,
        and readers then load their bitmaps afresh). Called just before the transaction ends."""
        row = conn.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
        version = (int(row[0]) if row else 0) + 1  # what _transaction sets on the way out
        if conn.execute("SELECT 1 FROM meta WHERE key = 'changes_from'").fetchone() is None:
            conn.execute(sql.CHANGES_TABLE)
            conn.execute("INSERT INTO meta (key, value) VALUES ('changes_from', ?)", (str(version),))
        conn.executemany(
            "INSERT OR IGNORE INTO changes (version, n) VALUES (?, ?)", [(version, n) for n in sorted(touched)]
        )
        conn.execute("DELETE FROM changes WHERE version <= ?", (version - sql.CHANGES_KEPT,))
        conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('changes_to', ?)", (str(version),))

    def upsert(self, documents: Iterable[dict[str, Any]]) -> IndexReport:
        """Add or replace documents by ``id`` in one transaction; refused documents go to the report.

        Raises:
            BackendUnavailable: the index cannot be written.
        """
        with self._transaction() as (name, conn):
            self._wrote(name)
            return self._write_all(conn, documents, self._touched)

    def delete(self, ids: Iterable[str]) -> int:
        """Remove documents by id; unknown ids are ignored. Returns how many were removed.

        Raises:
            BackendUnavailable: the index cannot be written.
        """
        removed = 0
        with self._transaction() as (name, conn):
            self._wrote(name)
            iterator = iter(ids)
            while chunk := list(islice(iterator, WRITE_CHUNK)):
                gone = writes.delete_chunk(conn, chunk)
                self._touched.update(gone)
                removed += len(gone)
        return removed

    def last_seq(self) -> int:
        """The newest store change sequence applied to the active generation (0 when empty)."""
        with self.files.lend() as (_name, conn):
            row = conn.execute("SELECT value FROM meta WHERE key = 'last_seq'").fetchone()
        return int(row[0]) if row else 0

    def set_last_seq(self, seq: int) -> None:
        """Record that every change up to ``seq`` is applied.

        When a write of this thread since its previous call went to a generation that a rebuild has
        since replaced, those changes never reached the new generation: its sequence is then left
        alone, and the next sync applies them again.
        """
        written: set[str] = getattr(self._written, "generations", set())
        self._written.generations = set()
        with self._transaction() as (name, conn):
            if written - {name}:
                logger.info("search index was rebuilt during a sync; not advancing last_seq to %d", seq)
                return
            conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('last_seq', ?)", (str(int(seq)),))

    # ---- rebuilding --------------------------------------------------------------------------------

    def _build(self, name: str, documents: Iterable[dict[str, Any]], *, last_seq: int) -> IndexReport:
        """Write a complete generation file ``name``; it is removed again if anything fails."""
        conn = self.files.connect(name, create=True)
        try:
            # Nobody reads this file until the pointer names it: durability only matters at the end.
            conn.execute("PRAGMA journal_mode=MEMORY")
            conn.execute("PRAGMA synchronous=OFF")
            conn.execute(f"PRAGMA cache_size=-{BUILD_CACHE_KIB}")
            conn.executescript(_SECONDARY_INDEX.sub("", sql.SCHEMA))
            conn.execute("BEGIN")
            report = self._write_all(conn, documents, chunk_size=BUILD_CHUNK)
            conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('last_seq', ?)", (str(int(last_seq)),))
            for statement in _SECONDARY_INDEX.findall(sql.SCHEMA):
                conn.execute(statement)
            conn.execute("COMMIT")
            conn.execute("INSERT INTO docs_fts (docs_fts) VALUES ('optimize')")
            conn.execute("ANALYZE")
            conn.execute("PRAGMA journal_mode=WAL")  # readers never block the sync writer
            conn.close()
            self.files.flush(name)
        except BaseException:
            conn.close()
            self.files.remove(name)
            raise
        return report

    def rebuild(self, documents: Iterable[dict[str, Any]], *, last_seq: int) -> IndexReport:
        """Build a new generation from ``documents`` and switch to it atomically.

        Searches keep answering from the old generation throughout; it is removed after the switch.

        Raises:
            BackendUnavailable: the new generation cannot be written (the old one stays active).
        """
        started = time.monotonic()
        name = self.files.new_name()
        try:
            report = self._build(name, documents, last_seq=last_seq)
        except sqlite3.Error as exc:
            raise BackendUnavailable(f"cannot build search index {name}: {exc}") from exc
        with self._write_lock, self.files.switching():
            self.files.switch(name)
        logger.info(
            "search index rebuilt: %d documents, %d refused, generation %s, %.1fs",
            report.indexed,
            len(report.errors),
            name,
            time.monotonic() - started,
        )
        return report

    def _upgrade(self) -> None:
        """Rebuild an active generation of an older format (:data:`indexer.sqlite.sql.FORMAT`) from the
        documents it holds, keeping its ``last_seq``: an index written before the stemmed columns
        existed keeps working, and its writes and stemmed searches too.

        A failure leaves the old generation active (it still answers searches) and is logged.
        """
        with self.files.lend() as (_name, conn):
            if int(conn.execute("PRAGMA user_version").fetchone()[0]) == sql.FORMAT:
                return
        started = time.monotonic()
        try:
            # Under the switching lock, so that several processes opening an old index upgrade it once.
            with self._write_lock, self.files.switching():
                with self.files.lend() as (old, conn):
                    if int(conn.execute("PRAGMA user_version").fetchone()[0]) == sql.FORMAT:
                        return
                    name = self.files.new_name()
                    conn.execute("BEGIN")  # one snapshot: the documents and the last_seq they reflect
                    try:
                        row = conn.execute("SELECT value FROM meta WHERE key = 'last_seq'").fetchone()
                        rows = conn.execute("SELECT doc FROM docs ORDER BY n")
                        documents = (json.loads(doc) for (doc,) in rows)
                        report = self._build(name, documents, last_seq=int(row[0]) if row else 0)
                    finally:
                        conn.execute("COMMIT")
                self.files.switch(name)
        except (sqlite3.Error, BackendUnavailable, OSError) as exc:
            logger.error("cannot upgrade search index in %s to format %d: %s", self.path, sql.FORMAT, exc)
            return
        logger.info(
            "search index %s upgraded to format %d as %s: %d documents, %d refused, %.1fs",
            old,
            sql.FORMAT,
            name,
            report.indexed,
            len(report.errors),
            time.monotonic() - started,
        )

    # ---- reading -----------------------------------------------------------------------------------

    def search(self, query: SearchQuery) -> SearchPage:
        """Run a search: one page of results, the total, and disjunctive facet counts.

        Raises:
            InvalidQuery: a parameter the engine cannot use (named in the error).
            BackendUnavailable: the index cannot be read.
        """
        document.validate(query)
        today = date.today().isoformat()
        with self._transaction(write=False) as (name, conn):
            version = conn.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
            state = (name, int(version[0]) if version else 0)
            counts, results = answer(conn, query, today=today, state=state, caches=self._caches)
        return SearchPage(
            total=counts.total,
            page=query.page,
            size=query.size,
            results=results,
            facets=dict(counts.facets),
            did_you_mean=counts.did_you_mean,
        )

    def suggest(self, prefix: str, *, size: int = 10) -> list[dict[str, str]]:
        """Completions of ``prefix`` (diacritics and case ignored) over titles, providers and skills.

        Whole-text matches come before matches of a later word, then the most common texts.
        """
        bounds = document.suggestion_range(prefix)
        if bounds is None or size < 1:
            return []
        with self.files.lend() as (_name, conn):
            rows = conn.execute(
                "SELECT text, kind, max(whole) AS whole, sum(docs) AS n FROM suggestions"
                " WHERE key >= ? AND key < ? GROUP BY text, kind"
                " ORDER BY whole DESC, n DESC, length(text), text LIMIT ?",
                (*bounds, size),
            ).fetchall()
        return [{"text": text, "kind": kind} for text, kind, _whole, _n in rows]

    def get(self, doc_id: str) -> dict[str, Any] | None:
        """One indexed document exactly as it was indexed (internal keys included), or None."""
        with self.files.lend() as (_name, conn):
            row = conn.execute("SELECT doc FROM docs WHERE id = ?", (doc_id,)).fetchone()
        return json.loads(row[0]) if row else None

    def iter_indexed(self) -> Iterator[tuple[str, int]]:
        """``(id, seq)`` of every indexed document, by id: for :func:`indexer.sync.verify`."""
        with self.files.lend() as (_name, conn):
            rows = conn.execute("SELECT id, seq FROM docs ORDER BY id").fetchall()
        yield from ((doc_id, int(seq)) for doc_id, seq in rows)

    def count(self) -> int:
        """How many documents the active generation holds."""
        with self.files.lend() as (_name, conn):
            return int(conn.execute("SELECT count(*) FROM docs").fetchone()[0])

    def health(self) -> dict[str, Any]:
        """Reachability and size, for /healthz.

        Raises:
            BackendUnavailable: the index cannot be read.
        """
        with self.files.lend() as (name, conn):
            documents = int(conn.execute("SELECT count(*) FROM docs").fetchone()[0])
            row = conn.execute("SELECT value FROM meta WHERE key = 'last_seq'").fetchone()
        return {
            "engine": self.name,
            "ok": True,
            "documents": documents,
            "last_seq": int(row[0]) if row else 0,
            "generation": name,
            "path": str(self.path),
        }

    def close(self) -> None:
        """Release pooled connections (the engine stays usable and reopens on demand)."""
        self.files.close()
