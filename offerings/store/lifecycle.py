"""A source's lifecycle: its states, every transition with who, when and why, and its proof of ownership.

States: ``pending`` (registered by an HEI, nothing harvested) → ``verified`` (ownership proved: a token on the
feed's host, a mailed link followed, or an operator's word) → ``active`` (approved by the operator, harvested)
→ ``failing`` → ``suspended`` (harvests kept failing), and ``removed`` from any of them (its offerings become
tombstones, the row and its history stay). :func:`transition` checks the move is one of :data:`ALLOWED`, writes
the new status and the transition in one transaction. The tables are this module's own (migration 0007), so the
source registry in :mod:`offerings.store.sources` is left alone.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Column, DateTime, ForeignKey, Integer, String, Table, Text, select, update
from sqlalchemy.engine import Connection

from offerings.errors import NotFound, StoreError
from offerings.store.records import Store
from offerings.store.sources import utcnow
from offerings.store.tables import metadata, records, sources

__all__ = [
    "ALLOWED",
    "STATES",
    "IllegalTransition",
    "Transition",
    "Verification",
    "confirm_verification",
    "history",
    "note_mailed",
    "record",
    "remove",
    "start_verification",
    "transition",
    "verification",
]

STATES = ("pending", "verified", "active", "failing", "suspended", "removed")
# Where each state may go. The operator's approval may skip ``verified``: approving is the operator's word.
ALLOWED: dict[str, tuple[str, ...]] = {
    "pending": ("verified", "active", "removed"),
    "verified": ("active", "removed"),
    "active": ("failing", "suspended", "removed"),
    "failing": ("active", "suspended", "removed"),
    "suspended": ("active", "removed"),
    "removed": (),
}

source_transitions = Table(
    "source_transitions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source_id", String(100), ForeignKey("sources.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("from_status", String(20)),
    Column("to_status", String(20), nullable=False),
    Column("actor", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("at", DateTime, nullable=False),
)

source_verifications = Table(
    "source_verifications",
    metadata,
    Column("source_id", String(100), ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True),
    Column("token", String(100), nullable=False),  # published at the well-known address: the registrant sees it
    Column("mail_token", String(100), nullable=False),  # only in the mailed link: the registrant never sees it
    Column("email", Text),
    Column("created_at", DateTime, nullable=False),
    Column("mailed_at", DateTime),
    Column("confirmed_at", DateTime),
    Column("method", String(20)),
)


class IllegalTransition(StoreError):
    """The source cannot go from its status to the one asked for."""


@dataclass(frozen=True, slots=True)
class Transition:
    """One change of a source's status."""

    from_status: str | None
    to_status: str
    actor: str
    reason: str
    at: datetime

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form for the API."""
        return {
            "from": self.from_status,
            "to": self.to_status,
            "by": self.actor,
            "why": self.reason,
            "at": self.at.isoformat() + "Z",
        }


@dataclass(frozen=True, slots=True)
class Verification:
    """The ownership proof of a source: its token, where a link was mailed, and when it was confirmed."""

    source_id: str
    token: str
    mail_token: str
    email: str | None
    created_at: datetime
    mailed_at: datetime | None
    confirmed_at: datetime | None
    method: str | None


def _insert(conn: Connection, source_id: str, old: str | None, new: str, actor: str, reason: str) -> None:
    conn.execute(
        source_transitions.insert().values(
            source_id=source_id, from_status=old, to_status=new, actor=actor, reason=reason, at=utcnow()
        )
    )


def record(store: Store, source_id: str, old: str | None, new: str, *, actor: str, reason: str) -> None:
    """Write down a transition that has happened already (a source stored in its first status)."""
    with store.engine.begin() as conn:
        _insert(conn, source_id, old, new, actor, reason)


def transition(store: Store, source_id: str, new: str, *, actor: str, reason: str, **values: Any) -> str:
    """Move the source to ``new`` (with other column ``values``, e.g. ``next_due_at``); returns the old status.

    Raises:
        NotFound: no such source.
        IllegalTransition: ``new`` is not reachable from the source's status.
    """
    if new not in STATES:
        raise IllegalTransition(f"{new!r} is not a source status ({', '.join(STATES)})")
    with store.engine.begin() as conn:
        row = conn.execute(select(sources.c.status).where(sources.c.id == source_id)).first()
        if row is None:
            raise NotFound(f"no source {source_id!r}")
        old = str(row.status)
        if new not in ALLOWED.get(old, ("active", "removed")):
            raise IllegalTransition(f"source {source_id!r} is {old}; it cannot become {new}")
        conn.execute(
            update(sources)
            .where(sources.c.id == source_id, sources.c.status == old)
            .values(status=new, updated_at=utcnow(), **values)
        )
        _insert(conn, source_id, old, new, actor, reason)
    return old


def remove(store: Store, source_id: str, *, actor: str, reason: str) -> int:
    """Make the source ``removed``: its live offerings become tombstones, its row and history stay.

    Returns how many offerings were withdrawn.

    Raises:
        NotFound: no such source.
        IllegalTransition: the source is removed already.
    """
    transition(store, source_id, "removed", actor=actor, reason=reason, next_due_at=None)
    with store.engine.begin() as conn:
        live: list[str] = list(
            conn.execute(select(records.c.id).where(records.c.source_id == source_id, records.c.deleted.is_(False)))
            .scalars()
            .all()
        )
        return store._tombstone(conn, live)  # the store's own tombstone write: sequence numbers and all


def history(store: Store, source_id: str) -> list[Transition]:
    """Every transition of the source, oldest first."""
    query = (
        select(source_transitions).where(source_transitions.c.source_id == source_id).order_by(source_transitions.c.id)
    )
    with store.engine.connect() as conn:
        return [
            Transition(row.from_status, row.to_status, row.actor, row.reason, row.at) for row in conn.execute(query)
        ]


def start_verification(store: Store, source_id: str) -> Verification:
    """The source's verification, made with two new random tokens when it has none."""
    with store.engine.begin() as conn:
        found = conn.execute(
            select(source_verifications.c.source_id).where(source_verifications.c.source_id == source_id)
        ).first()
        if found is None:
            conn.execute(
                source_verifications.insert().values(
                    source_id=source_id,
                    token=secrets.token_urlsafe(24),
                    mail_token=secrets.token_urlsafe(24),
                    created_at=utcnow(),
                )
            )
    made = verification(store, source_id)
    assert made is not None
    return made


def note_mailed(store: Store, source_id: str, email: str) -> None:
    """Write down that the confirmation link was mailed to ``email``, now."""
    with store.engine.begin() as conn:
        conn.execute(
            update(source_verifications)
            .where(source_verifications.c.source_id == source_id)
            .values(email=email, mailed_at=utcnow())
        )


def verification(store: Store, source_id: str) -> Verification | None:
    """The source's verification row, if one was started."""
    with store.engine.connect() as conn:
        row = conn.execute(select(source_verifications).where(source_verifications.c.source_id == source_id)).first()
    if row is None:
        return None
    return Verification(
        row.source_id, row.token, row.mail_token, row.email, row.created_at, row.mailed_at, row.confirmed_at, row.method
    )


def confirm_verification(store: Store, source_id: str, token: str | None, *, method: str, actor: str) -> None:
    """Mark ownership proved (``method``: ``well-known``, ``email`` or ``operator``) and make the source
    ``verified``. ``token`` must be the source's published token (``well-known``) or its mailed one (``email``);
    None only for the operator's word.

    Raises:
        NotFound: no such source.
        IllegalTransition: the token is wrong, or the source is not ``pending``.
    """
    found = verification(store, source_id)
    expected = (found.mail_token if method == "email" else found.token) if found else ""
    if token is not None and (found is None or not secrets.compare_digest(expected.encode(), token.encode())):
        raise IllegalTransition(f"that is not the verification token of source {source_id!r}")
    if token is None and method != "operator":
        raise IllegalTransition("a token is needed to verify ownership")
    transition(store, source_id, "verified", actor=actor, reason=f"ownership proved ({method})")
    if found is None:
        found = start_verification(store, source_id)
    with store.engine.begin() as conn:
        conn.execute(
            update(source_verifications)
            .where(source_verifications.c.source_id == source_id)
            .values(confirmed_at=utcnow(), method=method)
        )
