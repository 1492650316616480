"""The store: the system of record for sources, harvest runs and offerings (SQLAlchemy 2, any URL).

Every change to an offering gets the next value of one monotonically increasing change sequence;
search indexes, the change feed and exports follow the store through it. Upserting a record whose
normalised content did not change writes nothing and bumps nothing. Deleted records stay as
tombstones so that deletes reach every index and aggregator.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import orjson
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, TypeDecorator, bindparam, create_engine, event, func, select, text, type_coerce, update
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.types import NullType

from offerings.errors import NotFound
from offerings.export.search import completed, search_document
from offerings.model import Offering, with_cluster
from offerings.normalise import Normalised
from offerings.quality import assess
from offerings.store import clusters as store_clusters
from offerings.store import sets as store_sets
from offerings.store.keys import KeyRing
from offerings.store.sources import Source, SourceRegistry, utcnow
from offerings.store.tables import counters, record_sets, records

__all__ = ["ClusterMember", "IndexChange", "RunCounts", "Source", "StoredDocument", "StoredRecord", "Store", "utcnow"]

logger = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).with_name("migrations")
# The PostgreSQL advisory lock key migrations take (any constant of our own; per database).
_MIGRATION_LOCK = 0x6D6963726F637265  # "microcre"


@dataclass(slots=True)
class RunCounts:
    """What one harvest run did, by record."""

    seen: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    skipped: int = 0
    failed: int = 0

    def add(self, outcome: str) -> None:
        """Count one record outcome (a field name of this class)."""
        setattr(self, outcome, getattr(self, outcome) + 1)


@dataclass(slots=True, frozen=True)
class StoredRecord:
    """An offering as the store holds it."""

    id: str
    source_id: str
    seq: int
    deleted: bool
    offering: Offering
    completeness: int
    tier: str
    quality: dict[str, Any]
    updated_at: datetime
    raw: bytes | None = None
    cluster: str | None = None


@dataclass(slots=True, frozen=True)
class StoredDocument:
    """A live record as :meth:`Store.iter_live_documents` reads it: its offering's stored JSON, decoded
    (:meth:`Offering.to_dict` form, as the store wrote it), and the columns beside it."""

    id: str
    source_id: str
    seq: int
    document: dict[str, Any]
    completeness: int
    tier: str
    quality: dict[str, Any]
    updated_at: datetime


@dataclass(slots=True, frozen=True)
class ClusterMember:
    """One record of a cluster, as a search result lists it among the offering's sources."""

    id: str
    source_id: str
    record_url: str | None


@dataclass(slots=True, frozen=True)
class IndexChange:
    """A change as a search index needs it: the record's search document, without the record itself.

    ``document`` is :func:`offerings.export.search.search_document` of a live record (None for a tombstone, or
    when the documents were not asked for). ``error`` says why a live record has no document: it could
    not become one, and the sync reports it and skips it.
    """

    id: str
    seq: int
    deleted: bool
    document: dict[str, Any] | None = None
    error: str | None = None


# Page cache of a SQLite connection while it writes a batch of offerings, KiB (restored afterwards: the
# connection goes back to the pool). A batch of 100 records dirties about SQLite's default of 2 MiB (two
# overflow pages a record, a leaf of each match-key index), which then spilled into the WAL mid-transaction.
WRITE_CACHE_KIB = 32 * 1024


@contextmanager
def _write_cache(conn: Connection) -> Iterator[None]:
    """A SQLite connection's page cache at :data:`WRITE_CACHE_KIB`, outside any transaction (other databases:
    nothing)."""
    if conn.dialect.name != "sqlite":
        yield
        return
    # The driver's own connection: a PRAGMA through SQLAlchemy would begin the transaction already.
    driver = conn.connection.driver_connection
    assert driver is not None  # a connection checked out of the pool
    before = int(driver.execute("PRAGMA cache_size").fetchone()[0])
    driver.execute(f"PRAGMA cache_size=-{WRITE_CACHE_KIB}")
    try:
        yield
    finally:
        driver.execute(f"PRAGMA cache_size={before}")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the web server read while a harvest writes; foreign keys for the cascades.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


# PostgreSQL text cannot hold U+0000, and its json type stores a "\u0000" escape but cannot extract it (->>
# fails for the whole query), while SQLite keeps both. Feeds are JSON too and may carry one: on PostgreSQL it
# becomes U+FFFD (the replacement character) instead of failing the batch (and every landing check of the
# source). Only PostgreSQL: SQLite keeps every string as it was.
_NUL = "\x00"
_REPLACEMENT = "\ufffd"
# A \u0000 escape in json.dumps output: preceded by an even run of backslashes (escaped backslashes), so not
# the text "\u0000" itself.
_NUL_ESCAPE = re.compile(r"(?<!\\)((?:\\\\)*)\\u0000")


def _json(value: Any) -> str:
    """The JSON columns' serialiser: ``bytes`` are JSON serialised already (:meth:`Offering.to_json`, the
    search document), anything else goes through ``json.dumps`` (SQLAlchemy's default)."""
    return value.decode() if isinstance(value, bytes) else json.dumps(value)


def _json_loads(text: str | bytes) -> Any:
    """The JSON columns' reader: orjson (several times faster on records), ``json.loads`` for what only it
    reads (a ``NaN`` that ``json.dumps`` wrote)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def _json_for_postgresql(value: Any) -> str:
    """:func:`_json` with U+0000 escapes turned into U+FFFD."""
    dumped = _json(value)
    # The regular expression only where an escape is (a plain substring test is ten times cheaper).
    return _NUL_ESCAPE.sub(r"\1\\ufffd", dumped) if "\\u0000" in dumped else dumped


def _no_nul(value: Any) -> Any:
    return value.replace(_NUL, _REPLACEMENT) if isinstance(value, str) and _NUL in value else value


def _no_nul_for_postgresql(
    _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _executemany: bool
) -> tuple[str, Any]:
    """Replace U+0000 in every string bound to a statement (dict, positional or executemany parameters)."""
    if isinstance(parameters, dict):
        # A new dict only when needed: a batch insert binds thousands of values, nearly never with a NUL.
        if any(isinstance(value, str) and _NUL in value for value in parameters.values()):
            return statement, {key: _no_nul(value) for key, value in parameters.items()}
        return statement, parameters
    if isinstance(parameters, (list, tuple)):
        rows = [
            {key: _no_nul(value) for key, value in row.items()}
            if isinstance(row, dict)
            else tuple(_no_nul(value) for value in row)
            if isinstance(row, (list, tuple))
            else _no_nul(row)
            for row in parameters
        ]
        return statement, rows if isinstance(parameters, list) else tuple(rows)
    return statement, parameters


class Store:
    """Offerings, and (in :attr:`sources`) sources and harvest runs, in one SQL database."""

    def __init__(self, url: str, *, migrate: bool = True) -> None:
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        self.url = url
        postgresql = make_url(url).get_backend_name() == "postgresql"
        options: dict[str, Any] = {
            "json_serializer": _json_for_postgresql if postgresql else _json,
            "json_deserializer": _json_loads,
        }
        self.engine: Engine = create_engine(url, future=True, **options)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        if postgresql:
            event.listen(self.engine, "before_cursor_execute", _no_nul_for_postgresql, retval=True)
        # Registered feeds, their leases and runs; removing a source tombstones its records here.
        self.sources = SourceRegistry(self.engine, self._tombstone)
        # API keys issued to aggregators (their tokens' hashes and rate limits).
        self.keys = KeyRing(self.engine)
        if migrate:
            self.migrate()

    def migrate(self) -> None:
        """Bring the schema up to the newest Alembic revision."""
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                # Processes opening a new database together (gunicorn workers and the scheduler) would each
                # create its tables, and all but one fail on the catalogue's unique keys: they take turns here
                # (the lock goes with the transaction), and the later ones find the schema at head. SQLite's
                # single writer lock has them take turns already.
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
            config.attributes["connection"] = conn
            command.upgrade(config, "head")

    def close(self) -> None:
        """Release pooled connections."""
        self.engine.dispose()

        return None

    # ---- offerings --------------------------------------------------------------------------------

    def upsert_many(self, items: Iterable[Normalised | tuple[Offering, bytes | None]]) -> list[str]:
        """Write a batch of offerings (with their raw payloads) in one transaction.

        Each item is a :class:`~offerings.normalise.Normalised` (the harvest path: its validation issues
        are reused by the quality score) or an ``(offering, raw)`` pair (validated here). Nothing passed in
        is changed. Returns the outcome of each, in order: ``added``, ``updated``, ``unchanged`` or
        ``deleted``. An unchanged record (same content hash, same tombstone flag) is not written at all.
        """
        batch = [item if isinstance(item, Normalised) else Normalised(item[0], raw=item[1]) for item in items]
        if not batch:
            return []
        now = utcnow()
        today = date.today()  # the day the validation rules run on (Normalised.checked_on)
        with self.engine.connect() as conn, _write_cache(conn), conn.begin():
            self._lock_writers(conn)
            # The same offering from another source: share its cluster (part of what is hashed, so a
            # record whose cluster changes is re-indexed).
            match_keys, clusters = store_clusters.assign(conn, [n.offering for n in batch])
            ids = [n.offering.record_id for n in batch]
            existing: dict[str, tuple[str, bool]] = {}
            # Records that represented a cluster before this batch: writing one may leave its cluster
            # without a representative (see store_clusters.succeed).
            representatives: set[str] = set()
            for row in conn.execute(
                select(records.c.id, records.c.content_hash, records.c.deleted, records.c.cluster).where(
                    records.c.id.in_(ids)
                )
            ):
                existing[row.id] = (row.content_hash, row.deleted)
                if not row.deleted and (row.cluster or row.id) == row.id:
                    representatives.add(row.id)
            outcomes: list[str] = []
            inserts: list[dict[str, Any]] = []
            updates: list[dict[str, Any]] = []
            inserted: list[Offering] = []
            updated: list[Offering] = []
            for item, keys, cluster in zip(batch, match_keys, clusters, strict=True):
                offering = item.offering
                document = with_cluster(offering.to_json(), offering, cluster)
                digest = offering.content_hash(document)
                before = existing.get(offering.record_id)
                if before is not None and (before == (digest, offering.deleted) or (offering.deleted and before[1])):
                    outcomes.append("unchanged")
                    representatives.discard(offering.record_id)
                    continue
                values = _record_values(item, document, digest, now, keys, cluster, today)
                if before is None:
                    inserts.append(values | {"created_at": now})
                    inserted.append(offering)
                    outcomes.append("deleted" if offering.deleted else "added")
                else:
                    updates.append(values | {"b_id": offering.record_id})
                    updated.append(offering)
                    outcomes.append("deleted" if offering.deleted else "updated")
                existing[offering.record_id] = (digest, offering.deleted)
            writes = [*inserts, *updates]
            if writes:
                # One block of sequence numbers per batch.
                first = self._next_seq(conn, len(writes)) - len(writes) + 1
                for seq, values in enumerate(writes, start=first):
                    values["seq"] = seq
            if inserts:
                conn.execute(records.insert(), inserts)
            if updates:
                conn.execute(update(records).where(records.c.id == bindparam("b_id")), updates)
            store_sets.write(conn, zip(inserted, (v["seq"] for v in inserts), strict=True), replace=False)
            store_sets.write(conn, zip(updated, (v["seq"] for v in updates), strict=True), replace=True)
            representatives.intersection_update(values["id"] for values in updates)
            store_clusters.succeed(conn, representatives, lambda count: self._next_seq(conn, count), now)
        return outcomes

    def upsert(self, offering: Offering, raw: bytes | None = None) -> str:
        """Write one offering; see :meth:`upsert_many`."""
        return self.upsert_many([(offering, raw)])[0]

    def delete_many(self, record_ids: Iterable[str]) -> int:
        """Tombstone live offerings by id; returns how many were live."""
        with self.engine.begin() as conn:
            self._lock_writers(conn)
            return self._tombstone(conn, list(record_ids))

    @staticmethod
    def _lock_writers(conn: Connection) -> None:
        """Make the transaction the only writer of offerings from here to its end, before it reads.

        Two sources storing the same offering at once would otherwise each look for the other's
        record before either had written it, and form two clusters (one offering, two results).
        Writing the sequence row without changing it takes SQLite's write lock, or PostgreSQL's
        row lock, which the next writer then waits for.
        """
        conn.execute(update(counters).where(counters.c.name == "seq").values(value=counters.c.value))

    def _tombstone(self, conn: Connection, ids: list[str]) -> int:
        tombstoned: list[str] = []
        now = utcnow()
        for record_id in ids:
            row = conn.execute(select(records.c.deleted).where(records.c.id == record_id)).first()
            if row is None or row.deleted:
                continue
            conn.execute(
                update(records)
                .where(records.c.id == record_id)
                .values(deleted=True, seq=self._next_seq(conn), updated_at=now)
            )
            tombstoned.append(record_id)
        # The other members of a cluster this record represented get a new representative.
        store_clusters.succeed(conn, tombstoned, lambda count: self._next_seq(conn, count), now)
        return len(tombstoned)

    def _next_seq(self, conn: Connection, count: int = 1) -> int:
        """Reserve ``count`` sequence numbers; returns the last one reserved.

        One row, incremented inside the writing transaction: it stays locked until commit on
        PostgreSQL and SQLite is single-writer, so numbers are never handed out twice.
        """
        return int(
            conn.execute(
                update(counters)
                .where(counters.c.name == "seq")
                .values(value=counters.c.value + count)
                .returning(counters.c.value)
            ).scalar_one()
        )

    def get(self, record_id: str, *, with_raw: bool = False) -> StoredRecord:
        """One stored offering (tombstones included).

        Raises:
            NotFound: no such offering.
        """
        with self.engine.connect() as conn:
            # Not the search document: only the index reads it (index_changes).
            row = conn.execute(select(*_WITHOUT_RAW, records.c.raw).where(records.c.id == record_id)).mappings().first()
        if row is None:
            raise NotFound(f"no offering {record_id!r}")
        return _stored(row, with_raw=with_raw)

    def changes_since(self, seq: int, *, limit: int = 1000) -> list[StoredRecord]:
        """Offerings changed after ``seq`` (tombstones included), in sequence order (without raw payloads)."""
        # The raw payload is not part of a StoredRecord unless asked for: reading it for every change
        # the index sync applies would only cost I/O.
        query = select(*_WITHOUT_RAW).where(records.c.seq > seq).order_by(records.c.seq).limit(limit)
        with self.engine.connect() as conn:
            return [_stored(row) for row in conn.execute(query).mappings()]

    def changes_between(
        self, seq: int, *, start: datetime | None = None, end: datetime | None = None, limit: int = 1000
    ) -> list[StoredRecord]:
        """Like :meth:`changes_since`, only records last changed at ``start`` or later and before ``end``: a
        keyset page of a date window (OAI-PMH ``from``/``until``), tombstones included."""
        query = select(*_WITHOUT_RAW).where(records.c.seq > seq, *_window(start, end))
        with self.engine.connect() as conn:
            return [_stored(row) for row in conn.execute(query.order_by(records.c.seq).limit(limit)).mappings()]

    def count_between(self, *, start: datetime | None = None, end: datetime | None = None) -> int:
        """How many records (tombstones included) last changed in ``[start, end)``."""
        query = select(func.count()).select_from(records).where(*_window(start, end))
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def changes_in_set(
        self, spec: str, seq: int, *, start: datetime | None = None, end: datetime | None = None, limit: int = 1000
    ) -> list[StoredRecord]:
        """Like :meth:`changes_between`, only the records in set ``spec`` (tombstones included; see
        :mod:`offerings.store.sets`): a keyset page of one OAI-PMH set, read through its membership rows."""
        # A range of the set's (spec, seq) index, in its order: the page reads its own rows, not the set.
        query = (
            select(*_WITHOUT_RAW)
            .select_from(record_sets)
            .join(records, records.c.id == record_sets.c.record_id)
            .where(record_sets.c.spec == spec, record_sets.c.seq > seq, *_window(start, end))
            .order_by(record_sets.c.seq)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [_stored(row) for row in conn.execute(query).mappings()]

    def count_in_set(self, spec: str, *, start: datetime | None = None, end: datetime | None = None) -> int:
        """How many records (tombstones included) of set ``spec`` last changed in ``[start, end)``."""
        query = select(func.count()).select_from(record_sets).where(record_sets.c.spec == spec)
        if start is not None or end is not None:
            query = query.join(records, records.c.id == record_sets.c.record_id).where(*_window(start, end))
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def set_specs(self, record_ids: Iterable[str]) -> dict[str, list[str]]:
        """The sets each of ``record_ids`` is stored in, in header order (a record in none is absent)."""
        with self.engine.connect() as conn:
            return store_sets.stored_specs(conn, record_ids)

    def last_change(self) -> datetime | None:
        """When the newest change was made (the row with the highest sequence number); None for an empty store."""
        query = select(records.c.updated_at).order_by(records.c.seq.desc()).limit(1)
        with self.engine.connect() as conn:
            found: datetime | None = conn.execute(query).scalar()
        return found

    def first_change(self) -> datetime | None:
        """When the oldest record still held (live or tombstone) last changed; None for an empty store."""
        with self.engine.connect() as conn:
            found: datetime | None = conn.execute(select(func.min(records.c.updated_at))).scalar_one()
        return found

    def index_changes(self, seq: int, *, limit: int = 1000, documents: bool = True) -> list[IndexChange]:
        """Changes after ``seq`` in sequence order, as the search index applies them (see :class:`IndexChange`).

        The search document is the one the store computed when it wrote the record, with the columns that
        change without a rewrite (sequence, time, completeness, tier) taken from the row; a record written
        without one (before migration 0004, or since rewritten by a cluster move) gets it computed from its
        stored offering here. ``documents=False`` reads only ids, sequences and tombstone flags.
        """
        columns: list[Any] = [records.c.id, records.c.seq, records.c.deleted]
        if documents:
            # The timestamp and the search document as the driver gives them, without SQLAlchemy's
            # per-row type processing (half of what reading a change cost): _index_change decodes them.
            columns += [
                records.c.completeness,
                records.c.tier,
                type_coerce(records.c.updated_at, _Verbatim).label("updated_at"),
                records.c.content_hash,
                type_coerce(records.c.search, _Verbatim).label("search"),
                records.c.search_hash,
            ]
        query = select(*columns).where(records.c.seq > seq).order_by(records.c.seq).limit(limit)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
            if not documents:
                return [IndexChange(id=row.id, seq=row.seq, deleted=bool(row.deleted)) for row in rows]
            # A live row's stored search document (JSON null when it could not become one), None for a tombstone.
            searches = [None if r.deleted else _json_value(r.search) for r in rows]
            stale = [
                r.id
                for r, search in zip(rows, searches, strict=True)
                if not r.deleted and (search is None or r.search_hash != r.content_hash)
            ]
            offerings: dict[str, Any] = {}
            if stale:
                query = select(records.c.id, records.c.document).where(records.c.id.in_(stale))
                offerings = dict(conn.execute(query).all())
        return [_index_change(r, search, offerings.get(r.id)) for r, search in zip(rows, searches, strict=True)]

    def iter_changes(self, seq: int = 0, *, batch: int = 1000) -> Iterator[StoredRecord]:
        """Every change after ``seq``, streamed in batches."""
        while True:
            rows = self.changes_since(seq, limit=batch)
            if not rows:
                return
            yield from rows
            seq = rows[-1].seq

    def iter_live(self, upto: int, *, batch: int = 1000) -> Iterator[StoredRecord]:
        """Every live offering whose last change is at or before sequence ``upto``, in sequence order, streamed
        in keyset pages of ``batch`` (constant memory, whatever the size of the catalogue).

        A record changed after ``upto`` while the pages are read has left the range, so none comes twice; the
        change feed after ``upto`` holds its newer state (the export, :func:`search_ui.api.export`).
        """
        for page in self._live_pages(_WITHOUT_RAW, upto, batch):
            yield from (_stored(row._mapping) for row in page)

    def _live_pages(self, columns: Sequence[Any], upto: int, batch: int) -> Iterator[Sequence[Any]]:
        """The live rows with ``seq <= upto`` as keyset pages of ``batch`` rows of ``columns`` (``seq`` among
        them), in sequence order: each page one short query, nothing kept between pages."""
        seq = 0
        while True:
            query = (
                select(*columns)
                .where(records.c.seq > seq, records.c.seq <= upto, records.c.deleted.is_(False))
                .order_by(records.c.seq)
                .limit(batch)
            )
            with self.engine.connect() as conn:
                rows = conn.execute(query).all()
            if not rows:
                return
            yield rows
            seq = rows[-1].seq

    def iter_live_documents(self, upto: int, *, batch: int = 1000) -> Iterator[StoredDocument]:
        """:meth:`iter_live`, each record as its stored JSON decoded (a :class:`StoredDocument`), without
        building its :class:`Offering`: the export's read, which writes the JSON out again."""
        # The JSON and the timestamp as the driver gives them, decoded here: SQLAlchemy's per-row type
        # processing was most of this read (see index_changes).
        columns = [
            records.c.id,
            records.c.source_id,
            records.c.seq,
            type_coerce(records.c.document, _Verbatim).label("document"),
            records.c.completeness,
            records.c.tier,
            type_coerce(records.c.quality, _Verbatim).label("quality"),
            type_coerce(records.c.updated_at, _Verbatim).label("updated_at"),
        ]
        for page in self._live_pages(columns, upto, batch):
            yield from (
                StoredDocument(
                    id=row.id,
                    source_id=row.source_id,
                    seq=row.seq,
                    document=_json_value(row.document),
                    completeness=row.completeness,
                    tier=row.tier,
                    quality=_json_value(row.quality) or {},
                    updated_at=_timestamp(row.updated_at),
                )
                for row in page
            )

    def head(self) -> tuple[int, datetime | None]:
        """The newest change: its sequence number and when it was made, read together ((0, None): empty store)."""
        query = select(records.c.seq, records.c.updated_at).order_by(records.c.seq.desc()).limit(1)
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return (0, None) if row is None else (int(row.seq), row.updated_at)

    def max_seq(self) -> int:
        """The newest change sequence number (0 for an empty store)."""
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.coalesce(func.max(records.c.seq), 0))).scalar_one())

    def count(self, *, source_id: str | None = None, deleted: bool = False) -> int:
        """How many offerings (live by default) the store holds, optionally of one source."""
        query = select(func.count()).select_from(records).where(records.c.deleted.is_(deleted))
        if source_id:
            query = query.where(records.c.source_id == source_id)
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def live_among(self, record_ids: Iterable[str], *, chunk: int = 500) -> set[str]:
        """Which of ``record_ids`` are live offerings (memory bounded by the argument, not the store)."""
        wanted = list(record_ids)
        found: set[str] = set()
        with self.engine.connect() as conn:
            for start in range(0, len(wanted), chunk):
                part = wanted[start : start + chunk]
                query = select(records.c.id).where(records.c.id.in_(part), records.c.deleted.is_(False))
                found.update(conn.execute(query).scalars())
        return found

    def cluster_members(self, cluster: str) -> list[StoredRecord]:
        """The live records of one cluster (the same offering from every source): the record that
        names the cluster first, then the others oldest first."""
        query = (
            select(*_WITHOUT_RAW)
            .where(records.c.cluster == cluster, records.c.deleted.is_(False))
            .order_by(records.c.created_at, records.c.seq)
        )
        with self.engine.connect() as conn:
            found = [_stored(row) for row in conn.execute(query).mappings()]
        return sorted(found, key=lambda r: r.id != cluster)

    def cluster_sources(self, clusters: Iterable[str]) -> dict[str, list[ClusterMember]]:
        """Where each of ``clusters`` reached us from: its live records' ids, sources and landing pages
        (ordered as :meth:`cluster_members`), read in one query without loading the records themselves,
        which is all a page of search results shows of them."""
        wanted = sorted(set(clusters))
        found: dict[str, list[ClusterMember]] = {cluster: [] for cluster in wanted}
        if not wanted:
            return found
        query = (
            select(
                records.c.id,
                records.c.source_id,
                records.c.cluster,
                records.c.document["record_url"].as_string().label("record_url"),
            )
            .where(records.c.cluster.in_(wanted), records.c.deleted.is_(False))
            .order_by(records.c.created_at, records.c.seq)
        )
        with self.engine.connect() as conn:
            for row in conn.execute(query):
                found[row.cluster].append(ClusterMember(row.id, row.source_id, row.record_url))
        for cluster, members in found.items():
            # The representative first, the others in the query's order.
            found[cluster] = [m for m in members if m.id == cluster] + [m for m in members if m.id != cluster]
        return found

    def live_records(self, source_id: str, *, batch: int = 500) -> Iterator[StoredRecord]:
        """Every live record of a source, streamed in batches (for its quality report)."""
        last = ""
        while True:
            query = (
                select(*_WITHOUT_RAW)
                .where(records.c.source_id == source_id, records.c.deleted.is_(False), records.c.id > last)
                .order_by(records.c.id)
                .limit(batch)
            )
            with self.engine.connect() as conn:
                rows = [_stored(row) for row in conn.execute(query).mappings()]
            if not rows:
                return
            yield from rows
            last = rows[-1].id

    def live_ids(self, source_id: str) -> set[str]:
        """Ids of the live offerings of a source."""
        query = select(records.c.id).where(records.c.source_id == source_id, records.c.deleted.is_(False))
        with self.engine.connect() as conn:
            return set(conn.execute(query).scalars())


def _window(start: datetime | None, end: datetime | None) -> list[Any]:
    conditions: list[Any] = []
    if start is not None:
        conditions.append(records.c.updated_at >= start)
    if end is not None:
        conditions.append(records.c.updated_at < end)
    return conditions


# Every column of a stored record except its raw payload (and its search document, which only the index reads).
_WITHOUT_RAW = [column for column in records.c if column.name not in ("raw", "search", "search_hash")]


class _Verbatim(TypeDecorator[Any]):
    """A column read as the driver returns it: SQLite's text of a timestamp or a JSON value, PostgreSQL's
    ``datetime`` and (psycopg decodes json itself) Python value; see :func:`_timestamp` and :func:`_json_value`."""

    impl = NullType
    cache_ok = True


def _timestamp(value: Any) -> datetime:
    """A ``DateTime`` column's value as read through :class:`_Verbatim`."""
    # SQLAlchemy keeps SQLite timestamps as "YYYY-MM-DD HH:MM:SS.ffffff", which fromisoformat reads exactly.
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def _json_value(value: Any) -> Any:
    """A ``JSON`` column's value as read through :class:`_Verbatim` (None for SQL NULL)."""
    return _json_loads(value) if isinstance(value, (str, bytes)) else value


def _index_change(row: Any, search: dict[str, Any] | None, stored: dict[str, Any] | None) -> IndexChange:
    """The :class:`IndexChange` of a row of :meth:`Store.index_changes` (``search``: its stored search document,
    decoded; ``stored``: its offering's JSON, read only when the row has no current search document)."""
    if row.deleted:
        return IndexChange(id=row.id, seq=row.seq, deleted=True)
    updated = _timestamp(row.updated_at).isoformat() + "Z"
    if stored is None:
        assert search is not None  # index_changes reads the offering of a row without one
        document = completed(search, completeness=row.completeness, tier=row.tier, seq=row.seq, updated=updated)
        return IndexChange(id=row.id, seq=row.seq, deleted=False, document=document)
    try:
        document = search_document(
            Offering.from_dict(stored), completeness=row.completeness, tier=row.tier, seq=row.seq, updated=updated
        )
    except Exception as exc:  # a bad record is skipped and counted by the sync, never the end of its run
        logger.warning("cannot build search document for %s: %s", row.id, exc)
        return IndexChange(id=row.id, seq=row.seq, deleted=False, error=f"{type(exc).__name__}: {exc}")
    return IndexChange(id=row.id, seq=row.seq, deleted=False, document=document)


def _search_values(
    offering: Offering, completeness: int, tier: str, digest: str, cluster: str | None
) -> dict[str, Any]:
    """The ``search`` and ``search_hash`` columns of a record being written.

    A record that cannot become a search document is stored all the same, without one: the index sync
    then tries again from the record and reports it there, as it always did.
    """
    if offering.deleted:
        return {"search": None, "search_hash": None}
    try:
        # seq and updated are not known yet (the row gets them below); index_changes() puts them in.
        document = search_document(offering, completeness=completeness, tier=tier, seq=0, updated="", cluster=cluster)
        serialised = orjson.dumps(document)
    except Exception:  # reported by the sync, see above
        logger.debug("no search document for %s", offering.record_id, exc_info=True)
        return {"search": None, "search_hash": None}
    return {"search": serialised, "search_hash": digest}


def _record_values(
    item: Normalised,
    document: bytes,
    digest: str,
    now: datetime,
    keys: tuple[str | None, str | None],
    cluster: str | None,
    today: date,
) -> dict[str, Any]:
    offering = item.offering
    quality = assess(offering, today=today, issues=item.issues_on(today))
    url, title = keys  # store_clusters.match_keys(offering), computed by assign()
    return {
        "id": offering.record_id,
        "source_id": offering.source_id,
        "original_identifier": offering.original_identifier,
        "source_format": offering.source_format,
        "raw": item.raw,
        "document": document,
        "content_hash": digest,
        "completeness": quality.score,
        "tier": quality.tier,
        "quality": quality.to_dict(),
        "core_present": quality.core_present,
        "status": quality.status,
        "cluster": cluster,
        "match_url": url,
        "match_title": title,
        "deleted": offering.deleted,
        "datestamp": offering.harvest_datestamp,
        "updated_at": now,
        **_search_values(offering, quality.score, quality.tier, digest, cluster),
    }


def _stored(row: Any, *, with_raw: bool = False) -> StoredRecord:
    return StoredRecord(
        id=row["id"],
        source_id=row["source_id"],
        seq=row["seq"],
        deleted=bool(row["deleted"]),
        offering=Offering.from_dict(row["document"]),
        completeness=row["completeness"],
        tier=row["tier"],
        quality=dict(row["quality"] or {}),
        updated_at=row["updated_at"],
        raw=row["raw"] if with_raw else None,
        cluster=row["cluster"],
    )
