"""A source's next due time: its cadence, moved by at most the jitter share either way."""

from __future__ import annotations

from datetime import datetime, timedelta

from harvesters.cadence import next_due

NOW = datetime(2026, 12, 4, 12, 0, 0)
DAY = 86400


def test_no_jitter_is_the_cadence_exactly() -> None:
    assert next_due(DAY, 0, now=NOW) == NOW + timedelta(days=1)


def test_jitter_spreads_within_its_share() -> None:
    times = {next_due(DAY, 0.1, now=NOW) for _ in range(200)}
    assert all(NOW + timedelta(seconds=DAY * 0.9) <= t <= NOW + timedelta(seconds=DAY * 1.1) for t in times)
    assert len(times) > 1  # spread out, not one time for everyone


def test_a_jitter_of_one_or_more_never_makes_a_source_due_at_once() -> None:
    assert all(next_due(DAY, 5, now=NOW) > NOW for _ in range(200))
