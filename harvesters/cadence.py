"""A source's next due time: its cadence (``every_seconds``, daily by default) with jitter.

Sources registered together would otherwise stay due together for ever and hit the scheduler's caps in
one burst every day; moving each next due time by a random share of the cadence spreads them out while
keeping the average cadence what the source asked for.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from offerings.store import utcnow

__all__ = ["next_due"]


def next_due(every_seconds: int, jitter: float, *, now: datetime | None = None) -> datetime:
    """When a source harvested ``now`` is due next: ``every_seconds`` later, moved by up to ``jitter`` of it
    either way (0 for none; clamped to [0, 1) so a cadence never turns into "due at once")."""
    share = min(max(jitter, 0.0), 0.99)
    factor = 1 + random.uniform(-share, share) if share else 1.0  # spreading load, not a secret
    return (now or utcnow()) + timedelta(seconds=round(every_seconds * factor))
