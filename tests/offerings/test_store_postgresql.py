"""The store on a real PostgreSQL: migrations at start-up (also by processes starting together), column types,
time zones, and the change sequence under concurrent writers (never a number twice, never a change a follower
of the sequence could miss).

The tests shared with SQLite run on both backends (``pytest.mark.stores`` in test_store*.py); these are
the ones only a server with concurrent sessions and its own types can answer.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from offerings.model import Offering, Organisation, make_record_id
from offerings.store import Source, Store
from offerings.store.records import MIGRATIONS
from offerings.store.tables import counters, metadata, records
from tests.conftest import REPO

WRITERS = 2
BATCHES = 25
BATCH_SIZE = 4

pytestmark = pytest.mark.stores  # `pytest -m stores`: the whole PostgreSQL leg


def _offering(source: str, n: int, **changes: object) -> Offering:
    values: dict[str, object] = dict(
        record_id=make_record_id(source, f"id-{n}"),
        source_id=source,
        source_format="oai_dc",
        original_identifier=f"id-{n}",
        # A title and provider of the source's own: no record clusters with another source's.
        title={"en": f"Course {n} of {source}"},
        provider=[Organisation(name={"en": f"University {source}"}, country="NL")],
        ects_credits=5.0,
    )
    values.update(changes)
    return Offering(**values)


def _head() -> str:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return str(ScriptDirectory.from_config(config).get_current_head())


@pytest.fixture
def pg_store(postgres_database: str) -> Iterator[Store]:
    """A store on a fresh PostgreSQL database, migrated by its normal start-up."""
    store = Store(postgres_database)
    yield store
    store.close()


def test_start_up_migrates_a_new_postgresql_database_to_head(postgres_database: str) -> None:
    store = Store(postgres_database)
    try:
        assert store.engine.dialect.name == "postgresql"
        with store.engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == _head()
            assert conn.execute(select(counters.c.value).where(counters.c.name == "seq")).scalar_one() == 0
        inspector = inspect(store.engine)
        for table in metadata.sorted_tables:
            assert {c["name"] for c in inspector.get_columns(table.name)} == {c.name for c in table.columns}
        types = {c["name"]: str(c["type"]) for c in inspector.get_columns("records")}
        # Native types, not SQLite's loose ones: a wrong type here would surface only in production.
        assert types["deleted"] == "BOOLEAN" and types["raw"] == "BYTEA" and types["document"] == "JSON"
        assert types["updated_at"] == "TIMESTAMP" and types["seq"] == "INTEGER"
        # Migration 0005: what a provider sends as its datestamp is kept whatever its length.
        assert types["datestamp"] == "TEXT"
        assert {i["name"] for i in inspector.get_indexes("records") if i["unique"]} == {"ix_records_seq"}
    finally:
        store.close()
    # A second start-up (every process start runs it) finds the schema at head and changes nothing.
    again = Store(postgres_database)
    try:
        with again.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar_one() == 1
    finally:
        again.close()


@pytest.mark.slow  # four interpreters importing the store
def test_processes_starting_together_migrate_a_new_database_once(postgres_database: str) -> None:
    # docker-compose starts four gunicorn workers and the scheduler at once, each opening the store (and so
    # migrating it) on the same new database. Processes, not threads: Alembic's op/context are process-global.
    opening = 4
    program = "import sys; from offerings.store import Store; sys.stdin.readline(); Store(sys.argv[1]).close()"
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", program, postgres_database],
            cwd=REPO,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(opening)
    ]
    # Each has imported everything and waits for its line: all of them migrate at (nearly) the same moment.
    for process in processes:
        assert process.stdin is not None
        process.stdin.write("go\n")
        process.stdin.flush()
    outcomes = [process.communicate(timeout=120) for process in processes]
    # The exception line of each that failed (the traceback above it would drown the reason).
    failed = [
        [line for line in err.splitlines() if "Error" in line][-1:] or err[-500:]
        for process, (_, err) in zip(processes, outcomes, strict=True)
        if process.returncode
    ]
    assert not failed, failed
    check = Store(postgres_database, migrate=False)
    try:
        with check.engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == [_head()]
            assert conn.execute(select(counters.c.value)).scalars().all() == [0]  # one sequence row, not four
    finally:
        check.close()


def test_timestamps_stay_naive_utc_whatever_the_session_time_zone(postgres_database: str) -> None:
    # A client whose session runs in another zone (a server default, PGTZ) must write the same instants.
    tokyo = make_url(postgres_database).update_query_dict({"options": "-c TimeZone=Asia/Tokyo"})
    here, there = Store(postgres_database), Store(tokyo.render_as_string(hide_password=False), migrate=False)
    try:
        here.sources.add(Source(id="tz", url="http://127.0.0.1:1/oai"))
        here.upsert(_offering("tz", 1))
        there.upsert(_offering("tz", 2))
        one, two = (here.get(make_record_id("tz", f"id-{n}")).updated_at for n in (1, 2))
        assert one.tzinfo is None and two.tzinfo is None
        # Written a moment apart: a column converting through the session's zone would put 9 hours between them.
        assert abs(two - one) < timedelta(hours=1)
        assert there.get(make_record_id("tz", "id-1")).updated_at == one
    finally:
        here.close()
        there.close()


def test_the_sequence_row_stays_locked_until_the_writer_commits(pg_store: Store, postgres_database: str) -> None:
    """The claim in Store._next_seq, shown deterministically: a second writer cannot take a number while
    the first one's transaction is open, and gets the next one after it commits."""
    other = Store(postgres_database, migrate=False)
    try:
        with pg_store.engine.connect() as first:
            trans = first.begin()
            assert pg_store._next_seq(first, 5) == 5  # the method under test
            with other.engine.connect() as second:
                with second.begin():
                    # Not a wait for time to pass: without the row lock the update below would succeed at once.
                    second.execute(text("SET LOCAL lock_timeout = '200ms'"))
                    with pytest.raises(OperationalError, match="lock timeout"):
                        other._next_seq(second, 1)
            trans.commit()
        with other.engine.begin() as second:
            assert other._next_seq(second, 1) == 6
    finally:
        other.close()


def test_concurrent_writers_never_share_a_sequence_number_and_a_follower_misses_nothing(
    pg_store: Store, postgres_database: str
) -> None:
    sources = [f"w{n}" for n in range(WRITERS)]
    for source in sources:
        pg_store.sources.add(Source(id=source, url=f"http://127.0.0.1:1/{source}"))
    # Each writer has a store (an engine, a connection pool) of its own, as two harvest processes would.
    stores = [Store(postgres_database, migrate=False) for _ in sources]
    start = threading.Barrier(WRITERS + 1)
    writing = threading.Event()
    errors: list[BaseException] = []
    followed: dict[str, int] = {}

    def write(store: Store, source: str) -> None:
        try:
            start.wait()
            for batch in range(BATCHES):
                first = batch * BATCH_SIZE
                items = [(_offering(source, n), None) for n in range(first, first + BATCH_SIZE)]
                store.upsert_many(items)
                # Updates, tombstones and cluster bookkeeping take numbers too, in the same transactions.
                store.upsert(_offering(source, first, title={"en": f"Course {first} of {source}, revised"}))
                store.delete_many([make_record_id(source, f"id-{first + 1}")])
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    def follow() -> None:
        # As the index sync does: read the changes after the last sequence seen, remember the newest.
        seq = 0
        start.wait()
        while True:
            done = not writing.is_set()
            changes = pg_store.index_changes(seq, documents=False)
            for change in changes:
                followed[change.id] = change.seq
                seq = change.seq
            if done and not changes:
                return
            time.sleep(0.002)  # leave the two cores to the writers

    writing.set()
    threads = [threading.Thread(target=write, args=(s, n)) for s, n in zip(stores, sources, strict=True)]
    follower = threading.Thread(target=follow)
    for thread in [*threads, follower]:
        thread.start()
    for thread in threads:
        thread.join()
    writing.clear()
    follower.join()
    for store in stores:
        store.close()
    assert not errors, errors

    with pg_store.engine.connect() as conn:
        seqs = list(conn.execute(select(records.c.seq).order_by(records.c.seq)).scalars())
        counter = conn.execute(select(counters.c.value).where(counters.c.name == "seq")).scalar_one()
    changes = WRITERS * BATCHES * (BATCH_SIZE + 2)
    # Every number handed out exactly once, none lost: the counter moved once per change.
    assert counter == changes and pg_store.max_seq() == changes
    assert len(seqs) == len(set(seqs)) == WRITERS * BATCHES * BATCH_SIZE
    # A follower that only ever asked for "after the last sequence I saw" has every record at its newest seq:
    # a number committed after a higher one would have been skipped for ever.
    with pg_store.engine.connect() as conn:
        newest = dict(conn.execute(select(records.c.id, records.c.seq)).all())
    assert followed == newest
