"""The export's lines are written from each record's stored JSON (search_ui.records.document_dict): byte for byte
what building every Offering again gives (record_dict), on SQLite and PostgreSQL, older rows included."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import update

from indexer.sqlite import SqliteEngine
from offerings.store import Store
from offerings.store.tables import records
from search_ui import create_app
from search_ui.api import sources_by_id
from search_ui.records import record_dict
from tests.conftest import make_settings
from tests.factories import full_offering
from tests.search_ui.conftest import SOURCES, fixture_offerings

pytestmark = pytest.mark.stores


def test_export_lines_equal_the_records_built_again(store: Store, tmp_path: Path) -> None:
    for source in SOURCES:
        store.sources.add(source)
    offerings = fixture_offerings()
    store.upsert_many((o, None) for o in offerings)
    store.upsert(full_offering(source_id="nl-uni", record_id="nl-uni:LOP-1"))
    store.delete_many([offerings[1].record_id])  # tombstones are not exported
    # A row as an older model wrote it: without a member the Offering now has (it fills in the default).
    older = offerings[2].record_id
    document = store.get(older).offering.to_dict()
    del document["stackability"]
    with store.engine.begin() as conn:
        conn.execute(update(records).where(records.c.id == older).values(document=document))
    settings = make_settings(tmp_path, secret_key="test-secret")
    app = create_app(settings, store=store, engine=SqliteEngine(tmp_path / "s"))
    body = app.test_client().get("/api/v1/export.jsonl").data.decode()
    with app.app_context():
        sources = sources_by_id(store)
        expected = "".join(app.json.dumps(record_dict(r, sources)) + "\n" for r in store.iter_live(store.max_seq()))
    assert body == expected
    assert len(body.splitlines()) == len(offerings)  # 20 live, one tombstone, one more: the full offering
    assert '"stackability": null' in body.splitlines()[1]  # the older row, filled in as the Offering does
