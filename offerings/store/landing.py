"""The store side of the V3 landing-page check: the ``landing_checks`` table and the V3 warning on records.

One row per checked record: the URL checked, when, the last HTTP status, why the last check failed and how
many checks in a row failed. :func:`apply_warnings` turns a failure streak of
:data:`~offerings.quality.validation.LANDING_FAILURES` into the V3 warning in the record's stored ``quality`` (and its
completeness score), and takes it away once the page answers again. It works on a :class:`Store`'s engine and
change sequence and leaves the ``Store`` class alone.

Why the warning is written here and not by :func:`offerings.quality.validation.validate`: validation is pure over
the offering, while a landing page's history lives in this table. An upsert whose content changed recomputes
``quality`` without it; the harvest runner calls :func:`apply_warnings` after every harvest to put it back.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select, update

from offerings.quality.validation import LANDING_ISSUE, landing_issue
from offerings.store import Store
from offerings.store.sources import utcnow
from offerings.store.tables import landing_checks, records

__all__ = ["LandingState", "apply_warnings", "due", "failing", "record_results", "states"]

logger = logging.getLogger(__name__)

_PENALTY_PER_WARNING = 3  # as offerings.quality.assess: 3 points a warning …
_PENALTY_CAP = 15  # … at most 15


@dataclass(slots=True, frozen=True)
class LandingState:
    """The last landing-page check of one record."""

    record_id: str
    url: str
    checked_at: datetime
    status: int | None
    reason: str | None
    failures: int


def _state(row: Any) -> LandingState:
    return LandingState(
        record_id=row.record_id,
        url=row.url,
        checked_at=row.checked_at,
        status=row.status,
        reason=row.reason,
        failures=row.failures,
    )


def due(store: Store, source_id: str, limit: int) -> list[tuple[str, str]]:
    """Up to ``limit`` (record id, record_url) pairs of a source's live offerings, never checked first, then
    least recently checked, so a capped run and the next ones go round the whole source."""
    url = records.c.document["record_url"].as_string()
    query = (
        select(records.c.id, url.label("url"))
        .select_from(records.outerjoin(landing_checks, landing_checks.c.record_id == records.c.id))
        .where(records.c.source_id == source_id, records.c.deleted.is_(False), url.is_not(None), url != "")
        .order_by(landing_checks.c.checked_at.asc().nulls_first(), records.c.id)
        .limit(limit)
    )
    with store.engine.connect() as conn:
        return [(row.id, row.url) for row in conn.execute(query)]


def record_results(
    store: Store, source_id: str, results: Iterable[tuple[str, str, int | None, str | None]]
) -> dict[str, int]:
    """Store checks as (record id, url, status, reason — None when the page answered 2xx/3xx).

    Returns each record's consecutive failures after this check. A record whose URL changed since its last
    check starts a new streak: the old page's failures say nothing about the new one.
    """
    batch = list(results)
    if not batch:
        return {}
    now = utcnow()
    streaks: dict[str, int] = {}
    with store.engine.begin() as conn:
        before = {
            row.record_id: row
            for row in conn.execute(select(landing_checks).where(landing_checks.c.record_id.in_([r[0] for r in batch])))
        }
        for record_id, url, status, reason in batch:
            old = before.get(record_id)
            previous = old.failures if old is not None and old.url == url else 0
            failures = previous + 1 if reason else 0
            values = {"url": url, "checked_at": now, "status": status, "reason": reason, "failures": failures}
            if old is None:
                conn.execute(landing_checks.insert().values(record_id=record_id, source_id=source_id, **values))
            else:
                conn.execute(update(landing_checks).where(landing_checks.c.record_id == record_id).values(**values))
            streaks[record_id] = failures
    return streaks


def states(store: Store, record_ids: Iterable[str]) -> dict[str, LandingState]:
    """The last check of each of ``record_ids`` that has been checked."""
    wanted = list(record_ids)
    found: dict[str, LandingState] = {}
    with store.engine.connect() as conn:
        for start in range(0, len(wanted), 500):
            query = select(landing_checks).where(landing_checks.c.record_id.in_(wanted[start : start + 500]))
            found.update((row.record_id, _state(row)) for row in conn.execute(query))
    return found


def failing(store: Store, source_id: str, *, minimum: int = 1) -> list[LandingState]:
    """A source's checked records whose last ``minimum`` or more checks failed, longest streak first."""
    query = (
        select(landing_checks)
        .where(landing_checks.c.source_id == source_id, landing_checks.c.failures >= minimum)
        .order_by(landing_checks.c.failures.desc(), landing_checks.c.record_id)
    )
    with store.engine.connect() as conn:
        return [_state(row) for row in conn.execute(query)]


def _penalty(warnings: int) -> int:
    return min(_PENALTY_CAP, _PENALTY_PER_WARNING * warnings)


def apply_warnings(store: Store, source_id: str, checked: Iterable[str] = ()) -> tuple[int, int]:
    """Put the V3 warning on every live record of the source whose landing page is failing and take it off
    the ``checked`` records whose page recovered; returns (records warned now, records cleared now).

    A record whose quality changes gets a new change sequence number, so search indexes pick up the new
    completeness score. The score moves by the same 3-points-a-warning (at most 15) as in
    :func:`offerings.quality.assess`.
    """
    message = str(LANDING_ISSUE)
    checked_ids = list(checked)
    warned = cleared = 0
    with store.engine.begin() as conn:
        streaks = and_(landing_checks.c.source_id == source_id, records.c.deleted.is_(False))
        condition = landing_checks.c.failures >= 1
        if checked_ids:
            condition = or_(condition, landing_checks.c.record_id.in_(checked_ids))
        query = (
            select(records.c.id, records.c.quality, records.c.completeness, landing_checks.c.failures)
            .select_from(records.join(landing_checks, landing_checks.c.record_id == records.c.id))
            .where(streaks, condition)
        )
        changes: list[dict[str, Any]] = []
        for row in conn.execute(query):
            quality = dict(row.quality or {})
            before = list(quality.get("warnings", []))
            has = message in before
            wants = landing_issue(row.failures) is not None
            if has == wants:
                continue
            after = [*before, message] if wants else [w for w in before if w != message]
            # Clamped at 0 like assess(); a record already at 0 stays a little low when cleared (rare, harmless).
            score = max(0, min(100, int(row.completeness) + _penalty(len(before)) - _penalty(len(after))))
            quality["warnings"] = after
            quality["score"] = score
            changes.append({"id": row.id, "quality": quality, "completeness": score})
            warned += wants
            cleared += not wants
        if changes:
            now = utcnow()
            # The store's own sequence: the one counter every index and the change feed follow.
            last = store._next_seq(conn, len(changes))  # shared sequence, see above
            for seq, change in enumerate(changes, start=last - len(changes) + 1):
                conn.execute(
                    update(records)
                    .where(records.c.id == change["id"])
                    .values(quality=change["quality"], completeness=change["completeness"], seq=seq, updated_at=now)
                )
    if warned or cleared:
        logger.info("%s: V3 landing-page warning on %d records, cleared on %d", source_id, warned, cleared)
    return warned, cleared
