"""What only the SQLite engine does: generation files, and resuming after its disk failed mid-sync."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from indexer.base import IndexReport
from indexer.sqlite import SqliteEngine
from indexer.sync import rebuild, sync, verify
from offerings.errors import BackendUnavailable
from offerings.store import Store
from tests.indexer.conftest import CORPUS, Catalogue, catalogue_of, fill_store, record_id


@pytest.fixture
def fresh(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Catalogue]:
    """A catalogue of the test's own on the SQLite engine."""
    yield from catalogue_of("sqlite", tmp_path, request)


class InterruptedEngine(SqliteEngine):
    """The real engine, made unreachable after a number of upserts (as when its disk fills)."""

    def __init__(self, path: Path, *, upserts: int) -> None:
        super().__init__(path)
        self.upserts_left = upserts

    def upsert(self, documents: Any) -> IndexReport:
        if self.upserts_left == 0:
            raise BackendUnavailable("disk full")
        self.upserts_left -= 1
        return super().upsert(documents)


def test_an_interrupted_sync_resumes_where_it_stopped(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path}/s.db")
    fill_store(store)
    failing = InterruptedEngine(tmp_path / "search", upserts=2)
    with pytest.raises(BackendUnavailable):
        sync(store, failing, batch=5)
    # Two batches landed and were recorded; nothing after them.
    seqs = sorted(r.seq for r in store.iter_changes(0))
    assert failing.last_seq() == seqs[9] and failing.count() == 10
    failing.close()
    engine = SqliteEngine(tmp_path / "search")
    report = sync(store, engine, batch=5)
    assert report.indexed == len(CORPUS) - 10
    assert engine.count() == len(CORPUS) and engine.last_seq() == store.max_seq()
    assert verify(store, engine)["ok"]
    engine.close()
    store.close()


def test_a_rebuild_leaves_one_generation(fresh: Catalogue) -> None:
    fresh.store.delete_many([record_id("uva-1")])
    rebuild(fresh.store, fresh.engine)
    generations = sorted(p.name for p in fresh.path.glob("index-*.db"))
    assert len(generations) == 1 and (fresh.path / "CURRENT").read_text().strip() == generations[0]
