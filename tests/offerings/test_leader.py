"""The leader lock and the harvest lease on a real database, SQLite and PostgreSQL: taking, renewing, expiry,
and races between threads, each with its own connection, where exactly one may win."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

import pytest

from offerings.store import Source, Store, utcnow
from offerings.store.leader import LeaderLock

pytestmark = pytest.mark.stores

RACERS = 8


def _race(attempt: Callable[[str], bool]) -> list[str]:
    """Run ``attempt(name)`` in RACERS threads released at once; the names of those that won."""
    barrier = threading.Barrier(RACERS)
    won: list[str] = []
    errors: list[BaseException] = []

    def racer(name: str) -> None:
        try:
            barrier.wait()
            if attempt(name):
                won.append(name)
        except BaseException as exc:  # reported below: a racer's crash must fail the test, not vanish
            errors.append(exc)

    threads = [threading.Thread(target=racer, args=(f"racer-{i}",)) for i in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    return won


def test_lock_is_taken_renewed_and_expires(store: Store) -> None:
    lock = LeaderLock(store.engine)
    assert lock.current() is None
    assert lock.acquire("a", timedelta(hours=1))
    assert not lock.acquire("b", timedelta(hours=1))
    first = lock.current()
    assert first is not None and first.holder == "a"
    assert lock.acquire("a", timedelta(hours=2))  # the heartbeat renews
    renewed = lock.current()
    assert renewed is not None and renewed.expires_at > first.expires_at
    assert lock.acquire("a", timedelta(seconds=-1))  # as if "a" stopped renewing long ago
    assert lock.acquire("b", timedelta(hours=1))  # an expired lock is free
    assert not lock.acquire("a", timedelta(hours=1))
    lock.release("a")  # not the holder: nothing happens
    assert (lock.current() or pytest.fail("released")).holder == "b"
    lock.release("b")
    assert lock.current() is None


def test_one_winner_when_many_take_a_new_lock_at_once(store: Store) -> None:
    lock = LeaderLock(store.engine)
    won = _race(lambda name: lock.acquire(name, timedelta(hours=1)))
    assert len(won) == 1 and (lock.current() or pytest.fail("no holder")).holder == won[0]


def test_one_winner_when_many_take_an_expired_lock_at_once(store: Store) -> None:
    lock = LeaderLock(store.engine)
    assert lock.acquire("dead", timedelta(seconds=-1))
    won = _race(lambda name: lock.acquire(name, timedelta(hours=1)))
    assert len(won) == 1 and (lock.current() or pytest.fail("no holder")).holder == won[0]


def test_one_worker_claims_a_due_source(store: Store) -> None:
    store.sources.add(Source(id="src", url="https://oai.example.org/oai", next_due_at=utcnow()))
    won = _race(lambda name: store.sources.claim("src", name, lease=timedelta(hours=1)))
    assert len(won) == 1
    assert store.sources.renew(["src"], won[0], lease=timedelta(hours=2)) == 1
    assert store.sources.renew(["src"], "someone-else", lease=timedelta(hours=2)) == 0


def test_a_released_source_harvested_meanwhile_is_not_claimed_again(store: Store) -> None:
    # Two schedulers read "src" as due; one claims, harvests (the due time moves on) and releases.
    store.sources.add(Source(id="src", url="https://oai.example.org/oai", next_due_at=utcnow()))
    assert [s.id for s in store.sources.due()] == ["src"]
    assert store.sources.claim("src", "a", lease=timedelta(hours=1))
    store.sources.update("src", next_due_at=utcnow() + timedelta(days=1))
    store.sources.release("src")
    assert not store.sources.claim("src", "b", lease=timedelta(hours=1))  # the late one finds it not due


def test_not_harvestable_sources_are_not_claimed(store: Store) -> None:
    store.sources.add(Source(id="src", url="https://oai.example.org/oai", status="pending"))
    assert not store.sources.claim("src", "a", lease=timedelta(hours=1))
