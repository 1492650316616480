"""``bench.harvest --mode writes``: the store and index writes of a feed's normalised records, alone."""

from __future__ import annotations

from pathlib import Path

from bench.harvest import _writes
from config import load_settings
from microcred.demo.server import FeedServer
from microcred.wiring import Catalogue
from tests.harvesters.conftest import NL, feed_server, feeds  # noqa: F401 - fixtures


def test_writes_store_and_index_what_the_harvest_stored(tmp_path: Path, feed_server: FeedServer) -> None:  # noqa: F811
    written, seconds = _writes(feed_server.url_for(NL), tmp_path)
    assert seconds > 0

    def opened(name: str) -> Catalogue:
        return Catalogue(load_settings({"data_dir": str(tmp_path / name), "allow_private_feeds": True}, environ={}))

    harvested, fresh = opened("harvested"), opened("fresh")
    try:
        # Every record of the harvest (tombstones too) was written again, and the fresh index holds the
        # same live offerings as the harvest's.
        assert written == harvested.store.count() + harvested.store.count(deleted=True) > 20
        assert fresh.store.count() == harvested.store.count()
        assert fresh.store.count(deleted=True) == harvested.store.count(deleted=True)
        assert fresh.engine.count() == harvested.engine.count() == harvested.store.count()
    finally:
        harvested.close()
        fresh.close()
