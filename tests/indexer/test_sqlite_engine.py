"""What only the SQLite engine does: generation files, resuming after its disk failed mid-sync, stemming
in each of its languages, and upgrading an index of an older format."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from indexer.base import IndexReport, SearchQuery
from indexer.sqlite import SqliteEngine, sql
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


def _first_title(engine: SqliteEngine, q: str) -> str | None:
    results = engine.search(SearchQuery(q=q)).results
    return results[0]["title"] if results else None


@pytest.mark.parametrize(
    ("language", "title", "q"),
    [
        # Each query word is another form of the title's, and no prefix of it (the last word is a prefix).
        ("es", "Gestión de un proyecto sostenible", "proyectos"),
        ("it", "Progettazione di edifici sostenibili", "edificio"),
        ("pt", "Introdução às políticas públicas", "político"),
        ("de", "Grundlagen der Datenbank", "Datenbanken"),
        ("fr", "L'énergie renouvelable", "énergies"),
        ("nl", "Een duurzaam gebouw ontwerpen", "gebouwen"),
        ("en", "Managing teams remotely", "manage"),
    ],
)
def test_a_document_is_stemmed_in_its_own_language(tmp_path: Path, language: str, title: str, q: str) -> None:
    engine = SqliteEngine(tmp_path / "search")
    noise = {"id": "noise", "title": "Something else", "languages": [language]}
    engine.upsert([{"id": "doc", "title": title, "languages": [language]}, noise])
    assert _first_title(engine, q) == title
    engine.close()


def test_stemmed_queries_are_never_a_syntax_error(tmp_path: Path) -> None:
    engine = SqliteEngine(tmp_path / "search")
    engine.upsert([{"id": "doc", "title": "Programming (basics)", "languages": ["xx"]}])  # English by default
    for q in ('programs "AND"', "programs OR NEAR(", "program*s -", 'c++ "', "programs:title", "ÉCONOMIES^"):
        engine.search(SearchQuery(q=q))
    assert engine.search(SearchQuery(q="programs")).total == 1
    engine.close()


def _make_old_format(path: Path) -> None:
    """Turn the active generation into the format before stems: four FTS columns, user_version 0."""
    name = (path / "CURRENT").read_text().strip()
    conn = sqlite3.connect(path / name)
    conn.executescript(
        "DROP TABLE docs_fts;"
        " CREATE VIRTUAL TABLE docs_fts USING fts5(title, skills, description, provider,"
        " tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3');"
        " PRAGMA user_version = 0;"
    )
    for n, doc in conn.execute("SELECT n, doc FROM docs").fetchall():
        rows = sql.document_rows(json.loads(doc))
        conn.execute(
            "INSERT INTO docs_fts (rowid, title, skills, description, provider) VALUES (?, ?, ?, ?, ?)", (n, *rows.fts)
        )
    conn.commit()
    conn.close()


def test_an_index_of_the_old_format_is_upgraded_when_opened(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path}/s.db")
    fill_store(store)
    engine = SqliteEngine(tmp_path / "search")
    sync(store, engine)
    engine.close()
    _make_old_format(tmp_path / "search")
    old = (tmp_path / "search" / "CURRENT").read_text().strip()
    upgraded = SqliteEngine(tmp_path / "search")
    assert (tmp_path / "search" / "CURRENT").read_text().strip() != old
    assert not (tmp_path / "search" / old).exists()
    assert upgraded.count() == len(CORPUS) and upgraded.last_seq() == store.max_seq()
    assert upgraded.search(SearchQuery(q="Datenanalysen")).results[0]["id"] == record_id("tum-1")
    # Syncing and rebuilding keep working on the upgraded index; a second opening changes nothing.
    store.delete_many([record_id("uva-1")])
    sync(store, upgraded)
    assert verify(store, upgraded)["ok"]
    current = (tmp_path / "search" / "CURRENT").read_text().strip()
    assert SqliteEngine(tmp_path / "search").files.current() == current
    assert rebuild(store, upgraded).indexed == len(CORPUS) - 1
    upgraded.close()
    store.close()


def test_a_document_failing_mid_write_is_refused_whole_and_the_rest_written(tmp_path: Path) -> None:
    """Documents are written a chunk per savepoint; a failure inside a chunk (here a change sequence
    SQLite cannot store, met after the old version's rows were already removed) must leave neither a
    half-written document nor a lost neighbour."""
    from bench.engines import documents
    from indexer.sqlite import engine as engine_module

    engine = SqliteEngine(tmp_path / "search")
    docs = documents(3 * engine_module.WRITE_CHUNK)
    assert engine.upsert(docs).indexed == len(docs)
    victim = docs[engine_module.WRITE_CHUNK + 7]
    title_word = sql.index_words(victim["title"])[0]
    before = engine.search(SearchQuery(q=title_word, size=100))
    changed = [dict(doc, title_all=doc["title"] + " Zyxwvut") for doc in docs]
    changed[engine_module.WRITE_CHUNK + 7] = dict(victim, title_all="Replaced Zyxwvut", seq=2**70)
    report = engine.upsert(changed)
    assert report.indexed == len(docs) - 1
    assert [e["id"] for e in report.errors] == [victim["id"]] and "OverflowError" in report.errors[0]["error"]
    # The refused document is still its old self, in every table; every other one is the new version.
    assert engine.get(victim["id"]) == json.loads(json.dumps(victim))
    assert engine.search(SearchQuery(q=title_word, size=100)).total == before.total
    assert engine.search(SearchQuery(q="Zyxwvut", size=1)).total == len(docs) - 1
    assert engine.search(SearchQuery(q="Replaced")).total == 0
    engine.close()


def test_a_write_leaves_the_pooled_connection_as_it_found_it(tmp_path: Path) -> None:
    """A write raises the connection's page cache and checkpoint interval for itself only: the connection
    goes back to the pool of readers with SQLite's defaults (a reader holding 64 MiB each would not do)."""
    from bench.engines import documents
    from indexer.sqlite import engine as engine_module

    engine = SqliteEngine(tmp_path / "search")
    with engine.files.lend() as (_name, conn):
        defaults = [conn.execute(f"PRAGMA {name}").fetchone()[0] for name in ("cache_size", "wal_autocheckpoint")]
    assert engine.upsert(documents(50)).indexed == 50
    assert engine.delete([documents(1)[0]["id"]]) == 1
    with engine.files.lend() as (_name, conn):
        after = [conn.execute(f"PRAGMA {name}").fetchone()[0] for name in ("cache_size", "wal_autocheckpoint")]
    assert after == defaults
    assert defaults != [-engine_module.WRITE_CACHE_KIB, engine_module.WRITE_CHECKPOINT_PAGES]
