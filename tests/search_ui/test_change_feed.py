"""The change feed under concurrent writes: a client paging ``/api/v1/changes?since=`` while offerings are added,
retitled and withdrawn from another thread misses no change and sees none twice, so the mirror it builds equals
the store at the end. On SQLite and PostgreSQL (the real store, the real app)."""

from __future__ import annotations

import json
import random
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from indexer.sqlite import SqliteEngine
from offerings.store import Store
from search_ui import create_app
from tests.conftest import make_settings
from tests.search_ui.conftest import SOURCES, make_offering, rid

pytestmark = pytest.mark.stores

OPERATIONS = 240
PAGE = 7


def _write(store: Store, done: threading.Event, failures: list[BaseException]) -> None:
    """Add, retitle and withdraw offerings of one source, in small transactions, with the reader between them."""
    rng = random.Random(15)
    live: list[str] = []
    made = 0
    try:
        for step in range(OPERATIONS):
            action = rng.random()
            if action < 0.45 or len(live) < 3:
                batch = []
                for _ in range(rng.randint(1, 3)):
                    made += 1
                    batch.append(
                        (
                            make_offering(f"nl-c{made}", f"Course {made}", "NL", ["en"], ["online"], 3.0, 6, None, 0),
                            None,
                        )
                    )
                    live.append(f"nl-c{made}")
                store.upsert_many(batch)
            elif action < 0.8:
                key = rng.choice(live)
                number = key.removeprefix("nl-c")
                store.upsert(
                    make_offering(key, f"Course {number}, rev {step}", "NL", ["en"], ["online"], 3.0, 6, None, 0)
                )
            else:
                key = live.pop(rng.randrange(len(live)))
                store.delete_many([rid(key)])
            time.sleep(0.002)
    except BaseException as exc:  # reported by the test, not lost in the thread
        failures.append(exc)
    finally:
        done.set()


def _page(client: FlaskClient, since: str) -> dict[str, Any]:
    response = client.get(f"/api/v1/changes?since={since}&limit={PAGE}")
    assert response.status_code == 200, response.data
    return dict(response.json)


def test_a_mirror_paging_the_feed_during_writes_equals_the_store(tmp_path: Path, store: Store) -> None:
    store.sources.add(SOURCES[0])
    settings = make_settings(tmp_path, secret_key="test-secret", api={"rate_limit": ""})
    engine = SqliteEngine(tmp_path / "search")
    client = create_app(settings, store=store, engine=engine).test_client()

    done = threading.Event()
    failures: list[BaseException] = []
    writer = threading.Thread(target=_write, args=(store, done, failures), daemon=True)
    mirror: dict[str, dict[str, Any]] = {}
    seen: list[tuple[str, int]] = []
    since, pages_during_writes = "0", 0

    def read_until_caught_up() -> None:
        nonlocal since
        while True:
            page = _page(client, since)
            seqs = [change["seq"] for change in page["changes"]]
            assert seqs == sorted(seqs) and all(seq > int(since) for seq in seqs)
            for change in page["changes"]:
                seen.append((change["id"], change["seq"]))
                if change["deleted"]:
                    mirror.pop(change["id"], None)
                else:
                    mirror[change["id"]] = change["offering"]
            assert page["next"] == (str(seqs[-1]) if seqs else since)
            since = page["next"]
            if not page["more"]:
                return

    writer.start()
    while not done.is_set():
        read_until_caught_up()
        pages_during_writes += 1
    writer.join(timeout=120)
    assert not failures, failures
    read_until_caught_up()

    # The client really read while the writer wrote, and saw many changes on the way.
    assert pages_during_writes > 10
    # Repeated: never the same change twice, and the sequence only goes up.
    assert len(seen) == len(set(seen)) and [s for _, s in seen] == sorted({s for _, s in seen})
    # Skipped: every record's last change (tombstones too) reached the client.
    final = {(record.id, record.seq) for record in store.iter_changes(0)}
    assert final <= set(seen)
    # The mirror is the catalogue: the export of the store at the end, line for line.
    export = client.get("/api/v1/export.jsonl")
    catalogue = {line["record_id"]: line for line in map(json.loads, export.data.decode().splitlines())}
    assert mirror == catalogue and len(catalogue) == store.count()
    assert store.count(deleted=True) > 0 and len(seen) > len(final)  # deletes and updates happened too
    engine.close()
