"""Harvest runs in the store: the newest successful run, however many failures came after it."""

from __future__ import annotations

import pytest

from offerings.store import Source, Store

pytestmark = pytest.mark.stores


@pytest.fixture
def src(store: Store) -> Source:
    return store.sources.add(Source(id="src", url="http://127.0.0.1/oai"))


def _run(store: Store, status: str) -> int:
    run = store.sources.start_run("src", full=False)
    store.sources.finish_run(run, status=status)
    return run


def test_no_successful_run_is_none(store: Store, src: Source) -> None:
    assert store.sources.last_successful_run("src") is None
    _run(store, "failed")
    assert store.sources.last_successful_run("src") is None


def test_the_newest_success_or_partial_run(store: Store, src: Source) -> None:
    _run(store, "success")
    partial = _run(store, "partial")
    _run(store, "failed")
    found = store.sources.last_successful_run("src")
    assert found is not None and found["id"] == partial and found["status"] == "partial"


def test_a_success_older_than_fifty_failures_is_still_found(store: Store, src: Source) -> None:
    success = _run(store, "success")
    for _ in range(51):
        _run(store, "failed")
    found = store.sources.last_successful_run("src")
    assert found is not None and found["id"] == success
