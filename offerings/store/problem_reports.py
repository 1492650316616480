"""Problems people report on an offering (wrong details, dead link, cancelled, not a micro-credential): the
``offering_reports`` table (migration 0007), counted per source and resolved or dismissed by the operator."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Column, DateTime, ForeignKey, Integer, String, Table, Text, func, select, update

from offerings.errors import NotFound, StoreError
from offerings.store.records import Store
from offerings.store.sources import utcnow
from offerings.store.tables import metadata, records

__all__ = ["CATEGORIES", "ProblemReport", "add", "counts", "open_reports", "settle"]

CATEGORIES = {
    "wrong-details": "The details are wrong",
    "dead-link": "The link does not work",
    "cancelled": "The course is cancelled",
    "not-a-micro-credential": "This is not a micro-credential",
    "other": "Something else",
}

offering_reports = Table(
    "offering_reports",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("record_id", String(150), ForeignKey("records.id", ondelete="CASCADE"), nullable=False),
    Column("source_id", String(100), ForeignKey("sources.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("category", String(40), nullable=False),
    Column("message", Text, nullable=False),
    Column("contact", Text),
    Column("status", String(20), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("settled_by", Text),
    Column("settled_at", DateTime),
)


@dataclass(frozen=True, slots=True)
class ProblemReport:
    """One report on one offering."""

    id: int
    record_id: str
    source_id: str
    category: str
    message: str
    contact: str | None
    status: str
    created_at: datetime

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {
            "id": self.id,
            "record_id": self.record_id,
            "category": self.category,
            "message": self.message,
            "status": self.status,
            "created_at": self.created_at.isoformat() + "Z",
        }


def add(store: Store, record_id: str, category: str, message: str, contact: str | None = None) -> int:
    """Record a report on ``record_id``; returns its id.

    Raises:
        NotFound: no such offering.
        StoreError: an unknown category.
    """
    if category not in CATEGORIES:
        raise StoreError(f"{category!r} is not a kind of problem ({', '.join(CATEGORIES)})")
    with store.engine.begin() as conn:
        row = conn.execute(select(records.c.source_id).where(records.c.id == record_id)).first()
        if row is None:
            raise NotFound(f"no offering {record_id!r}")
        result = conn.execute(
            offering_reports.insert().values(
                record_id=record_id,
                source_id=row.source_id,
                category=category,
                message=message,
                contact=contact,
                status="open",
                created_at=utcnow(),
            )
        )
        key = result.inserted_primary_key
        assert key is not None
        return int(key[0])


def open_reports(store: Store, source_id: str | None = None) -> list[ProblemReport]:
    """Open reports, oldest first; of one source when ``source_id`` is given."""
    query = select(offering_reports).where(offering_reports.c.status == "open").order_by(offering_reports.c.id)
    if source_id is not None:
        query = query.where(offering_reports.c.source_id == source_id)
    with store.engine.connect() as conn:
        return [
            ProblemReport(r.id, r.record_id, r.source_id, r.category, r.message, r.contact, r.status, r.created_at)
            for r in conn.execute(query)
        ]


def counts(store: Store, source_id: str) -> dict[str, int]:
    """Reports on the source's offerings by status (``open``, ``resolved``, ``dismissed``)."""
    query = (
        select(offering_reports.c.status, func.count())
        .where(offering_reports.c.source_id == source_id)
        .group_by(offering_reports.c.status)
    )
    found = {"open": 0, "resolved": 0, "dismissed": 0}
    with store.engine.connect() as conn:
        for status, n in conn.execute(query):
            found[str(status)] = int(cast(int, n))
    return found


def settle(store: Store, report_id: int, status: str, *, actor: str) -> None:
    """Resolve or dismiss an open report.

    Raises:
        NotFound: no open report ``report_id``.
        StoreError: ``status`` is neither ``resolved`` nor ``dismissed``.
    """
    if status not in ("resolved", "dismissed"):
        raise StoreError(f"a report is resolved or dismissed, not {status!r}")
    with store.engine.begin() as conn:
        done = conn.execute(
            update(offering_reports)
            .where(offering_reports.c.id == report_id, offering_reports.c.status == "open")
            .values(status=status, settled_by=actor, settled_at=utcnow())
        )
    if done.rowcount == 0:
        raise NotFound(f"no open report {report_id}")
