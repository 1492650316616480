"""The store's source registry: registered feeds, their harvest leases and their runs.

:class:`SourceRegistry` is a part of :class:`~offerings.store.Store`, not a kind of it: the store
makes one over its own database and hands it the one thing it needs of the offerings' half
(tombstoning a removed source's records), and callers reach it as ``store.sources``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, case, func, select, update
from sqlalchemy.engine import Connection

from offerings.errors import NotFound, StoreError
from offerings.store.tables import harvest_runs, records, sources

__all__ = ["Source", "SourceRegistry", "Tombstone", "utcnow"]


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
    # The HEI's own alert webhook and the secret its bodies are signed with (never in to_dict: not public).
    webhook_url: str | None = None
    webhook_secret: str | None = None

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


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() + "Z" if value else None


# Sources the scheduler harvests: failing ones too, later and later (harvesters/health.py).
_HARVESTABLE = sources.c.status.in_(("active", "failing"))

# Tombstones the live records among ``ids`` inside the caller's transaction; returns how many it
# tombstoned. The store's own, so that a removed source's deletes take change sequence numbers and
# hand their clusters on exactly as any other delete does.
Tombstone = Callable[[Connection, list[str]], int]


class SourceRegistry:
    """Sources, leases and harvest runs, in the database of the :class:`~offerings.store.Store` holding it."""

    def __init__(self, engine: Engine, tombstone: Tombstone) -> None:
        self.engine = engine
        self._tombstone = tombstone

    # ---- sources ----------------------------------------------------------------------------------

    def add(self, source: Source) -> Source:
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
        return self.get(source.id)

    def get(self, source_id: str) -> Source:
        """The source ``source_id``.

        Raises:
            NotFound: no such source.
        """
        with self.engine.connect() as conn:
            row = conn.execute(select(sources).where(sources.c.id == source_id)).mappings().first()
        if row is None:
            raise NotFound(f"no source {source_id!r}")
        return _source(row)

    def all(self, *, status: str | None = None) -> list[Source]:
        """Every source, oldest first."""
        query = select(sources).order_by(sources.c.created_at, sources.c.id)
        if status:
            query = query.where(sources.c.status == status)
        with self.engine.connect() as conn:
            return [_source(row) for row in conn.execute(query).mappings()]

    def update(self, source_id: str, **values: Any) -> Source:
        """Change fields of a source (``state``, ``status``, ``next_due_at`` …)."""
        with self.engine.begin() as conn:
            done = conn.execute(update(sources).where(sources.c.id == source_id).values(**values, updated_at=utcnow()))
        if done.rowcount == 0:
            raise NotFound(f"no source {source_id!r}")
        return self.get(source_id)

    def remove(self, source_id: str) -> int:
        """Tombstone every offering of the source, then drop the source and its runs.

        The tombstones are kept (owned by no source) so that indexes and aggregators see the deletes.
        Returns how many offerings were deleted.
        """
        self.get(source_id)
        with self.engine.begin() as conn:
            live: list[str] = list(
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

    def request_harvest(self, source_id: str) -> Source:
        """Harvest now: make the source due at once, and remember the request until a claim takes it up.

        A run already under way (claimed before the request) reschedules the source when it ends; the kept
        request makes that rescheduling "due now" (:meth:`schedule`), so the request is not lost to it.

        Raises:
            NotFound: no such source.
        """
        return self.update(source_id, next_due_at=utcnow(), harvest_requested=True)

    def schedule(self, source_id: str, next_due_at: datetime | None) -> None:
        """Set the next due time after a run, unless a "harvest now" came in since the run's claim: then the
        source is due at once, so the scheduler harvests it again right after this run.

        One UPDATE, so a request arriving while the run ends is either seen here or lands after it.
        """
        now = utcnow()
        with self.engine.begin() as conn:
            conn.execute(
                update(sources)
                .where(sources.c.id == source_id)
                .values(
                    next_due_at=case((sources.c.harvest_requested.is_(True), now), else_=next_due_at),
                    updated_at=now,
                )
            )

    def completeness(self, source_id: str) -> float | None:
        """Mean completeness score of the source's live offerings; None when it has none."""
        query = select(func.avg(records.c.completeness)).where(
            records.c.source_id == source_id, records.c.deleted.is_(False)
        )
        with self.engine.connect() as conn:
            found = conn.execute(query).scalar()
        return None if found is None else round(float(found), 2)

    def due(self, now: datetime | None = None) -> list[Source]:
        """Active (and failing: retried with backoff) sources whose next harvest is due, longest due first."""
        moment = now or utcnow()
        query = (
            select(sources)
            .where(_HARVESTABLE, (sources.c.next_due_at.is_(None)) | (sources.c.next_due_at <= moment))
            .order_by(sources.c.next_due_at.is_not(None), sources.c.next_due_at, sources.c.id)
        )
        with self.engine.connect() as conn:
            return [_source(row) for row in conn.execute(query).mappings()]

    def claim(self, source_id: str, owner: str, *, lease: timedelta, now: datetime | None = None) -> bool:
        """Take the harvest lease of a due source; False when another worker holds it or it is not due.

        One conditional UPDATE, never read-then-write: two schedulers racing for a source cannot both win
        (SQLite serialises writers; PostgreSQL re-checks the WHERE clause on a row it waited for). The
        due-time condition is part of it because a source read as due may have been harvested and released
        by another worker since: without it the loser would harvest the same due time a second time.
        """
        moment = now or utcnow()
        with self.engine.begin() as conn:
            done = conn.execute(
                update(sources)
                .where(
                    sources.c.id == source_id,
                    _HARVESTABLE,
                    (sources.c.next_due_at.is_(None)) | (sources.c.next_due_at <= moment),
                    (sources.c.lease_until.is_(None))
                    | (sources.c.lease_until < moment)
                    | (sources.c.lease_owner == owner),
                )
                # The run this claim starts covers every "harvest now" asked for until now.
                .values(lease_owner=owner, lease_until=moment + lease, harvest_requested=False)
            )
        return done.rowcount == 1

    def renew(self, source_ids: list[str], owner: str, *, lease: timedelta) -> int:
        """Extend the leases ``owner`` holds on ``source_ids`` (the scheduler's heartbeat); returns how many."""
        if not source_ids:
            return 0
        with self.engine.begin() as conn:
            done = conn.execute(
                update(sources)
                .where(sources.c.id.in_(source_ids), sources.c.lease_owner == owner)
                .values(lease_until=utcnow() + lease)
            )
        return done.rowcount

    def release(self, source_id: str) -> None:
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
            key = result.inserted_primary_key  # a single-row insert() always has one
            assert key is not None
            return int(key[0])

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

    def note_last_run(self, source_id: str, notes: list[str]) -> None:
        """Add ``notes`` to the newest run of the source (what the health check found after it ended)."""
        with self.engine.begin() as conn:
            row = conn.execute(
                select(harvest_runs.c.id, harvest_runs.c.notes)
                .where(harvest_runs.c.source_id == source_id)
                .order_by(harvest_runs.c.id.desc())
                .limit(1)
            ).first()
            if row is not None:
                conn.execute(
                    update(harvest_runs).where(harvest_runs.c.id == row.id).values(notes=[*(row.notes or []), *notes])
                )

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
        """The newest run that ended in success (or partial success); None when no run did."""
        query = (
            select(harvest_runs)
            .where(harvest_runs.c.source_id == source_id, harvest_runs.c.status.in_(("success", "partial")))
            .order_by(harvest_runs.c.id.desc())
            .limit(1)
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        return {k: (_iso(v) if isinstance(v, datetime) else v) for k, v in row.items()} if row else None


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
        "webhook_url": source.webhook_url,
        "webhook_secret": source.webhook_secret,
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
        webhook_url=row["webhook_url"],
        webhook_secret=row["webhook_secret"],
    )
