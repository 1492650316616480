"""The scheduler's leader lock: one row per lock name in ``scheduler_leaders`` (migration 0009).

Of several ``microcred scheduler`` (or ``microcred run``) processes on one database only the holder of
the lock harvests. The holder renews the row's expiry on every tick (its heartbeat); a process that
dies stops renewing, the row expires and the next process to ask takes it. Taking and renewing is one
conditional UPDATE, so it is atomic on SQLite (writers serialise) and on PostgreSQL (a concurrent
UPDATE re-checks the WHERE clause on the row it waited for); only the very first take is an INSERT,
and the primary key turns a race between two first takes into one winner.

Expiry is compared against the asking process's clock: hosts sharing a database need synchronised
clocks (NTP), and the lock's time to live should be well above any skew between them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from offerings.store.tables import scheduler_leaders

__all__ = ["Leadership", "LeaderLock"]


def _now() -> datetime:
    # Naive UTC like the rest of the store, but keeping microseconds: expiries are seconds apart.
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass(frozen=True, slots=True)
class Leadership:
    """Who holds a lock and until when."""

    holder: str
    expires_at: datetime


class LeaderLock:
    """The lock ``name`` in the database behind ``engine``."""

    def __init__(self, engine: Engine, name: str = "harvest") -> None:
        self.engine = engine
        self.name = name

    def acquire(self, holder: str, ttl: timedelta) -> bool:
        """Take the lock for ``holder`` or renew it, for ``ttl`` from now; False while another holds it."""
        now = _now()
        table = scheduler_leaders
        with self.engine.begin() as conn:
            done = conn.execute(
                update(table)
                .where(table.c.name == self.name, (table.c.holder == holder) | (table.c.expires_at < now))
                .values(holder=holder, expires_at=now + ttl)
            )
            if done.rowcount == 1:
                return True
            if conn.execute(select(table.c.name).where(table.c.name == self.name)).first() is not None:
                return False
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(table).values(name=self.name, holder=holder, expires_at=now + ttl))
        except IntegrityError:  # another process made the row first: it holds the lock
            return False
        return True

    def release(self, holder: str) -> None:
        """Give the lock up (a clean shutdown), so that another process need not wait for the expiry."""
        with self.engine.begin() as conn:
            conn.execute(
                delete(scheduler_leaders).where(
                    scheduler_leaders.c.name == self.name, scheduler_leaders.c.holder == holder
                )
            )

    def current(self) -> Leadership | None:
        """The lock's holder and expiry, expired or not; None when nobody ever took it (or it was released)."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(scheduler_leaders.c.holder, scheduler_leaders.c.expires_at).where(
                    scheduler_leaders.c.name == self.name
                )
            ).first()
        return Leadership(row.holder, row.expires_at) if row is not None else None
