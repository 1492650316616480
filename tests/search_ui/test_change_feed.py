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
from search_ui import api, create_app
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


def _course(number: int, title: str | None = None) -> Any:
    return make_offering(f"nl-e{number}", title or f"Export {number}", "NL", ["en"], ["online"], 3.0, 6, None, 0)


def test_an_export_read_during_writes_plus_the_feed_from_its_cursor_is_the_catalogue(
    tmp_path: Path, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.sources.add(SOURCES[0])
    store.upsert_many([(_course(n), None) for n in range(1, 13)])
    # Small pages, so that the writes below land between two of the export's reads of the store.
    monkeypatch.setattr(api, "EXPORT_BATCH", 3)
    settings = make_settings(tmp_path, secret_key="test-secret", api={"rate_limit": ""})
    engine = SqliteEngine(tmp_path / "search")
    client = create_app(settings, store=store, engine=engine).test_client()

    response = client.get("/api/v1/export.jsonl", buffered=False)
    assert response.status_code == 200
    link = response.headers["Link"]
    lines: list[dict[str, Any]] = []
    for number, chunk in enumerate(response.response):
        lines.append(json.loads(chunk))
        if number == 4:  # two pages read, the second half-sent: 1..5 are out, 6 is in hand, 7..12 are not read
            store.upsert(_course(1, "Export 1, revised"))  # sent already
            store.upsert(_course(10, "Export 10, revised"))  # not read yet
            store.delete_many([rid("nl-e2"), rid("nl-e11")])  # one sent, one not read yet
            store.upsert(_course(13))  # new
    response.close()

    ids = [line["record_id"] for line in lines]
    # Never twice; what changed after the cursor is left to the feed (it moved past the cursor, or is new).
    assert len(ids) == len(set(ids)) == 10
    assert {rid("nl-e10"), rid("nl-e11"), rid("nl-e13")}.isdisjoint(ids)
    assert lines[0]["title"] == {"en": "Export 1"}  # as it was at the cursor

    mirror = {line["record_id"]: line for line in lines}
    since = link[link.index("since=") + len("since=") : link.index(">")]
    feed = client.get(f"/api/v1/changes?since={since}&limit=1000").json
    assert not feed["more"]
    for change in feed["changes"]:
        if change["deleted"]:
            mirror.pop(change["id"], None)
        else:
            mirror[change["id"]] = change["offering"]
    now = client.get("/api/v1/export.jsonl")
    catalogue = {line["record_id"]: line for line in map(json.loads, now.data.decode().splitlines())}
    assert mirror == catalogue and len(catalogue) == 11
    assert catalogue[rid("nl-e10")]["title"] == {"en": "Export 10, revised"}
    engine.close()
