"""The store: the system of record for sources, harvest runs and offerings (SQLAlchemy 2, any URL).

Every change to an offering gets the next value of one monotonically increasing change sequence;
search indexes, the change feed and exports follow the store through it. Upserting a record whose
normalised content did not change writes nothing and bumps nothing. Deleted records stay as
tombstones so that deletes reach every index and aggregator.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, bindparam, create_engine, event, func, select, update
from sqlalchemy.engine import Connection

from offerings import store_clusters
from offerings.errors import NotFound, StoreError
from offerings.model import Offering
from offerings.quality import assess
from offerings.tables import counters, harvest_runs, records, sources

__all__ = ["RunCounts", "Source", "StoredRecord", "Store", "utcnow"]

logger = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).with_name("migrations")


def utcnow() -> datetime:
    """Now, UTC, naive (the store keeps naive UTC timestamps so SQLite and PostgreSQL agree)."""
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


@dataclass(slots=True, kw_only=True)
class Source:
    """A registered feed."""

    id: str
    url: str
    kind: str = "oai"
    name: str | None = None
    sets: list[str] = field(default_factory=list)
    status: str = "active"
    every_seconds: int = 86400
    country: str | None = None
    contact_email: str | None = None
    metadata_prefix: str | None = None
    state: dict[str, Any] = field(default_factory=dict)
    probe: dict[str, Any] | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    next_due_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form for the API."""
        return {
            "id": self.id,
            "url": self.url,
            "kind": self.kind,
            "name": self.name,
            "sets": self.sets,
            "status": self.status,
            "every_seconds": self.every_seconds,
            "country": self.country,
            "metadata_prefix": self.metadata_prefix,
            "created_at": _iso(self.created_at),
            "next_due_at": _iso(self.next_due_at),
        }


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


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() + "Z" if value else None


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the web server read while a harvest writes; foreign keys for the cascades.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


class Store:
    """Sources, harvest runs and offerings in one SQL database."""

    def __init__(self, url: str, *, migrate: bool = True) -> None:
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        self.url = url
        self.engine: Engine = create_engine(url, future=True)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        if migrate:
            self.migrate()

    def migrate(self) -> None:
        """Bring the schema up to the newest Alembic revision."""
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "head")

    def close(self) -> None:
        """Release pooled connections."""
        self.engine.dispose()

    # ---- sources ----------------------------------------------------------------------------------

    def add_source(self, source: Source) -> Source:
        """Register ``source``; its id must be new.

        Raises:
            StoreError: a source with that id exists.
        """
        now = utcnow()
        values = _source_values(source) | {"created_at": now, "updated_at": now}
        with self.engine.begin() as conn:
            if conn.execute(select(sources.c.id).where(sources.c.id == source.id)).first():
                raise StoreError(f"source {source.id!r} exists")
            conn.execute(sources.insert().values(**values))
        return self.get_source(source.id)

    def get_source(self, source_id: str) -> Source:
        """The source ``source_id``.

        Raises:
            NotFound: no such source.
        """
        with self.engine.connect() as conn:
            row = conn.execute(select(sources).where(sources.c.id == source_id)).mappings().first()
        if row is None:
            raise NotFound(f"no source {source_id!r}")
        return _source(row)

    def list_sources(self, *, status: str | None = None) -> list[Source]:
        """Every source, oldest first."""
        query = select(sources).order_by(sources.c.created_at, sources.c.id)
        if status:
            query = query.where(sources.c.status == status)
        with self.engine.connect() as conn:
            return [_source(row) for row in conn.execute(query).mappings()]

    def update_source(self, source_id: str, **values: Any) -> Source:
        """Change fields of a source (``state``, ``status``, ``next_due_at`` …)."""
        with self.engine.begin() as conn:
            done = conn.execute(update(sources).where(sources.c.id == source_id).values(**values, updated_at=utcnow()))
        if done.rowcount == 0:
            raise NotFound(f"no source {source_id!r}")
        return self.get_source(source_id)

    def remove_source(self, source_id: str) -> int:
        """Tombstone every offering of the source, then drop the source and its runs.

        The tombstones are kept (owned by no source) so that indexes and aggregators see the deletes.
        Returns how many offerings were deleted.
        """
        self.get_source(source_id)
        with self.engine.begin() as conn:
            live = (
                conn.execute(select(records.c.id).where(records.c.source_id == source_id, records.c.deleted.is_(False)))
                .scalars()
                .all()
            )
            gone = self._tombstone(conn, live)
            conn.execute(harvest_runs.delete().where(harvest_runs.c.source_id == source_id))
            # Keep tombstones by moving them off the source row that is about to go.
            self._ensure_removed_source(conn)
            conn.execute(update(records).where(records.c.source_id == source_id).values(source_id="_removed"))
            conn.execute(sources.delete().where(sources.c.id == source_id))
        return gone

    def _ensure_removed_source(self, conn: Connection) -> None:
        if conn.execute(select(sources.c.id).where(sources.c.id == "_removed")).first() is None:
            now = utcnow()
            conn.execute(
                sources.insert().values(
                    id="_removed",
                    url="",
                    kind="none",
                    name="removed sources",
                    sets=[],
                    status="disabled",
                    every_seconds=0,
                    state={},
                    created_at=now,
                    updated_at=now,
                )
            )

    def due_sources(self, now: datetime | None = None) -> list[Source]:
        """Active sources whose next harvest is due."""
        moment = now or utcnow()
        query = select(sources).where(
            sources.c.status == "active",
            (sources.c.next_due_at.is_(None)) | (sources.c.next_due_at <= moment),
        )
        with self.engine.connect() as conn:
            return [_source(row) for row in conn.execute(query).mappings()]

    def claim_source(self, source_id: str, owner: str, *, lease: timedelta) -> bool:
        """Take the harvest lease of a source; False when another worker holds it."""
        now = utcnow()
        with self.engine.begin() as conn:
            done = conn.execute(
                update(sources)
                .where(
                    sources.c.id == source_id,
                    (sources.c.lease_until.is_(None))
                    | (sources.c.lease_until < now)
                    | (sources.c.lease_owner == owner),
                )
                .values(lease_owner=owner, lease_until=now + lease)
            )
        return done.rowcount == 1

    def release_source(self, source_id: str) -> None:
        """Give the harvest lease back."""
        with self.engine.begin() as conn:
            conn.execute(update(sources).where(sources.c.id == source_id).values(lease_owner=None, lease_until=None))

    # ---- harvest runs -----------------------------------------------------------------------------

    def start_run(self, source_id: str, *, full: bool) -> int:
        """Open a harvest run row; returns its id."""
        zero = {k: 0 for k in ("seen", "added", "updated", "unchanged", "deleted", "skipped", "failed", "pages")}
        with self.engine.begin() as conn:
            result = conn.execute(
                harvest_runs.insert().values(
                    source_id=source_id,
                    started_at=utcnow(),
                    status="running",
                    full=full,
                    wait_seconds=0.0,
                    problems=[],
                    notes=[],
                    **zero,
                )
            )
            return int(result.inserted_primary_key[0])

    def close_interrupted_runs(self, source_id: str) -> int:
        """Mark runs left ``running`` by a process that died as ``interrupted``; returns how many."""
        with self.engine.begin() as conn:
            done = conn.execute(
                update(harvest_runs)
                .where(harvest_runs.c.source_id == source_id, harvest_runs.c.status == "running")
                .values(status="interrupted", error="the harvest process stopped before the run ended")
            )
        return done.rowcount

    def finish_run(self, run_id: int, **values: Any) -> None:
        """Close a run with its status, counts, problems and error."""
        with self.engine.begin() as conn:
            conn.execute(update(harvest_runs).where(harvest_runs.c.id == run_id).values(finished_at=utcnow(), **values))

    def runs(self, source_id: str, *, limit: int = 20) -> list[dict[str, Any]]:
        """The newest runs of a source, newest first."""
        query = (
            select(harvest_runs)
            .where(harvest_runs.c.source_id == source_id)
            .order_by(harvest_runs.c.id.desc())
            .limit(limit)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [{k: (_iso(v) if isinstance(v, datetime) else v) for k, v in row.items()} for row in rows]

    def last_successful_run(self, source_id: str) -> dict[str, Any] | None:
        """The newest run that ended in success (or partial success)."""
        for run in self.runs(source_id, limit=50):
            if run["status"] in ("success", "partial"):
                return run
        return None

    # ---- offerings --------------------------------------------------------------------------------

    def upsert_many(self, items: Iterable[tuple[Offering, bytes | None]]) -> list[str]:
        """Write a batch of offerings (with their raw payloads) in one transaction.

        Returns the outcome of each, in order: ``added``, ``updated``, ``unchanged`` or ``deleted``.
        An unchanged record (same content hash, same tombstone flag) is not written at all.
        """
        batch = list(items)
        if not batch:
            return []
        now = utcnow()
        with self.engine.begin() as conn:
            # The same offering from another source: share its cluster (set before hashing, so a
            # record whose cluster changes is re-indexed).
            store_clusters.assign(conn, [o for o, _ in batch])
            ids = [o.record_id for o, _ in batch]
            existing = {
                row.id: (row.content_hash, row.deleted)
                for row in conn.execute(
                    select(records.c.id, records.c.content_hash, records.c.deleted).where(records.c.id.in_(ids))
                )
            }
            outcomes: list[str] = []
            inserts: list[dict[str, Any]] = []
            updates: list[dict[str, Any]] = []
            for offering, raw in batch:
                document = offering.to_dict()
                digest = offering.content_hash(document)
                before = existing.get(offering.record_id)
                if before is not None and (before == (digest, offering.deleted) or (offering.deleted and before[1])):
                    outcomes.append("unchanged")
                    continue
                values = _record_values(offering, document, raw, digest, now)
                if before is None:
                    inserts.append(values | {"created_at": now})
                    outcomes.append("deleted" if offering.deleted else "added")
                else:
                    updates.append(values | {"b_id": offering.record_id})
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
        return outcomes

    def upsert(self, offering: Offering, raw: bytes | None = None) -> str:
        """Write one offering; see :meth:`upsert_many`."""
        return self.upsert_many([(offering, raw)])[0]

    def delete_many(self, record_ids: Iterable[str]) -> int:
        """Tombstone live offerings by id; returns how many were live."""
        with self.engine.begin() as conn:
            return self._tombstone(conn, list(record_ids))

    def _tombstone(self, conn: Connection, ids: list[str]) -> int:
        count = 0
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
            count += 1
        return count

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
            row = conn.execute(select(records).where(records.c.id == record_id)).mappings().first()
        if row is None:
            raise NotFound(f"no offering {record_id!r}")
        return _stored(row, with_raw=with_raw)

    def changes_since(self, seq: int, *, limit: int = 1000) -> list[StoredRecord]:
        """Offerings changed after ``seq`` (tombstones included), in sequence order."""
        query = select(records).where(records.c.seq > seq).order_by(records.c.seq).limit(limit)
        with self.engine.connect() as conn:
            return [_stored(row) for row in conn.execute(query).mappings()]

    def iter_changes(self, seq: int = 0, *, batch: int = 1000) -> Iterator[StoredRecord]:
        """Every change after ``seq``, streamed in batches."""
        while True:
            rows = self.changes_since(seq, limit=batch)
            if not rows:
                return
            yield from rows
            seq = rows[-1].seq

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
            select(records)
            .where(records.c.cluster == cluster, records.c.deleted.is_(False))
            .order_by(records.c.created_at, records.c.seq)
        )
        with self.engine.connect() as conn:
            found = [_stored(row) for row in conn.execute(query).mappings()]
        return sorted(found, key=lambda r: r.id != cluster)

    def live_records(self, source_id: str, *, batch: int = 500) -> Iterator[StoredRecord]:
        """Every live record of a source, streamed in batches (for its quality report)."""
        last = ""
        while True:
            query = (
                select(records)
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


def _source_values(source: Source) -> dict[str, Any]:
    return {
        "id": source.id,
        "url": source.url,
        "kind": source.kind,
        "name": source.name,
        "sets": list(source.sets),
        "status": source.status,
        "every_seconds": source.every_seconds,
        "country": source.country,
        "contact_email": source.contact_email,
        "metadata_prefix": source.metadata_prefix,
        "state": dict(source.state),
        "probe": source.probe,
        "next_due_at": source.next_due_at,
    }


def _source(row: Any) -> Source:
    return Source(
        id=row["id"],
        url=row["url"],
        kind=row["kind"],
        name=row["name"],
        sets=list(row["sets"] or []),
        status=row["status"],
        every_seconds=row["every_seconds"],
        country=row["country"],
        contact_email=row["contact_email"],
        metadata_prefix=row["metadata_prefix"],
        state=dict(row["state"] or {}),
        probe=row["probe"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        next_due_at=row["next_due_at"],
    )


def _record_values(
    offering: Offering, document: dict[str, Any], raw: bytes | None, digest: str, now: datetime
) -> dict[str, Any]:
    quality = assess(offering)
    url, title = store_clusters.match_keys(offering)
    return {
        "id": offering.record_id,
        "source_id": offering.source_id,
        "original_identifier": offering.original_identifier,
        "source_format": offering.source_format,
        "raw": raw,
        "document": document,
        "content_hash": digest,
        "completeness": quality.score,
        "tier": quality.tier,
        "quality": quality.to_dict(),
        "core_present": quality.core_present,
        "status": quality.status,
        "cluster": offering.cluster_id,
        "match_url": url,
        "match_title": title,
        "deleted": offering.deleted,
        "datestamp": offering.harvest_datestamp,
        "updated_at": now,
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
