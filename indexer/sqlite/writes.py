"""Writing documents' rows into a generation of the SQLite engine (:mod:`indexer.sqlite`).

:func:`write_chunk` writes the rows of a chunk of documents with one statement per table (one
SELECT of the chunk's ids, one executemany each for ``docs``, ``docs_fts``, ``facets``,
``suggestions`` and ``labels``), where :func:`write_one` takes about twenty statements per
document (most of them completion keys). Its outcome is exactly that of :func:`write_one` for each
document in turn: the same rows, the same document numbers, the same completion counts and flags,
the same labels. When any document of a chunk fails, the caller rolls the chunk back and writes it
again with :func:`write_one`, one savepoint per document, so that the failure is that document's
and its report is the same as ever.

:func:`delete_chunk` removes documents the same way.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

from indexer.sqlite import sql

__all__ = ["delete_chunk", "remove_one", "write_chunk", "write_one"]

_DOC_VALUES = "seq, title_key, start_date, ects, price, free, updated, last_date, doc"
_INSERT_DOC = f"INSERT INTO docs ({_DOC_VALUES}, id, n) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
_UPDATE_DOC = (
    "UPDATE docs SET seq = ?, title_key = ?, start_date = ?, ects = ?, price = ?, free = ?,"
    " updated = ?, last_date = ?, doc = ? WHERE n = ?"
)
_INSERT_FTS = (
    "INSERT INTO docs_fts (rowid, title, skills, description, provider, title_stems, skills_stems,"
    " description_stems) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
_INSERT_FACET = "INSERT INTO facets (field, value, doc) VALUES (?, ?, ?)"
_ADD_SUGGESTION = (
    "INSERT INTO suggestions (key, kind, text, whole, docs) VALUES (?, ?, ?, ?, 1)"
    " ON CONFLICT (key, kind, text) DO UPDATE SET docs = docs + 1"
)
_ADD_SUGGESTIONS = (
    "INSERT INTO suggestions (key, kind, text, whole, docs) VALUES (?, ?, ?, ?, ?)"
    " ON CONFLICT (key, kind, text) DO UPDATE SET docs = docs + excluded.docs"
)
_SET_SUGGESTION = "INSERT OR REPLACE INTO suggestions (key, kind, text, whole, docs) VALUES (?, ?, ?, ?, ?)"
_SET_LABEL = "INSERT OR REPLACE INTO labels (field, value, label) VALUES (?, ?, ?)"

Key = tuple[str, str, str]  # (key, kind, text): a suggestions row's primary key


def _values(rows: sql.DocumentRows) -> tuple[Any, ...]:
    return (
        rows.seq,
        rows.title_key,
        rows.start_date,
        rows.ects,
        rows.price,
        int(rows.free),
        rows.updated,
        rows.last_date,
        rows.json,
    )


# ---- one document at a time (the reference, and the path of a chunk in which a document failed) ----


def write_one(conn: sqlite3.Connection, rows: sql.DocumentRows) -> int | None:
    """Insert or replace one document's rows (the caller holds a transaction); its number, or
    None when it was already indexed as it is."""
    found = conn.execute("SELECT n, doc FROM docs WHERE id = ?", (rows.id,)).fetchone()
    if found is not None and found[1] == rows.json:
        return None  # unchanged: an idempotent re-sync writes nothing
    values = _values(rows)
    if found is None:
        cursor = conn.execute(
            f"INSERT INTO docs ({_DOC_VALUES}, id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", (*values, rows.id)
        )
        n = int(cursor.lastrowid or 0)
    else:
        n = int(found[0])
        remove_one(conn, n, found[1])
        conn.execute(_UPDATE_DOC, (*values, n))
    conn.execute(_INSERT_FTS, (n, *rows.fts, *sql.stem_columns(rows)))
    conn.executemany(_INSERT_FACET, [(*f, n) for f in rows.facets])
    conn.executemany(_ADD_SUGGESTION, sorted(rows.suggestions))
    conn.executemany(_SET_LABEL, sorted(rows.labels))
    return n


def remove_one(conn: sqlite3.Connection, n: int, old_json: str) -> None:
    """Drop a document's full-text, facet and completion rows, keeping its ``docs`` row."""
    conn.execute("DELETE FROM docs_fts WHERE rowid = ?", (n,))
    conn.execute("DELETE FROM facets WHERE doc = ?", (n,))
    keys = [s[:3] for s in sorted(_old_rows(old_json).suggestions)]
    conn.executemany("UPDATE suggestions SET docs = docs - 1 WHERE key = ? AND kind = ? AND text = ?", keys)
    conn.executemany("DELETE FROM suggestions WHERE key = ? AND kind = ? AND text = ? AND docs <= 0", keys)


def _delete_one(conn: sqlite3.Connection, doc_id: Any) -> int | None:
    found = conn.execute("SELECT n, doc FROM docs WHERE id = ?", (doc_id,)).fetchone()
    if found is None:
        return None
    remove_one(conn, int(found[0]), found[1])
    conn.execute("DELETE FROM docs WHERE n = ?", (found[0],))
    return int(found[0])


def _old_rows(old_json: str) -> sql.DocumentRows:
    """The rows an indexed document wrote (its JSON is known: not encoded again)."""
    return sql.document_rows(json.loads(old_json), encoded=old_json)


# ---- a chunk at a time ------------------------------------------------------------------------------


class _Suggestions:
    """The completion-count changes of a run of documents, kept in order and then written as
    writing the documents one by one would have left the ``suggestions`` table.

    Keys only ever added in the run are summed up and written with one upsert each (a row that
    already exists keeps its ``whole``, a new one takes that of its first occurrence). Keys a
    document's old version loses are rows that may reach zero and go, and then come back with the
    ``whole`` of whoever adds them next: those rows are read first and the run replayed on them.
    """

    def __init__(self) -> None:
        # In order: (True, keys lost, duplicates included) or (False, sorted (key, kind, text, whole)).
        self.steps: list[tuple[bool, Sequence[Any]]] = []
        self.lost: set[Key] = set()

    def remove(self, rows: sql.DocumentRows) -> None:
        keys = [s[:3] for s in sorted(rows.suggestions)]
        self.steps.append((True, keys))
        self.lost.update(keys)

    def add(self, rows: sql.DocumentRows) -> None:
        if rows.suggestions:
            self.steps.append((False, sorted(rows.suggestions)))

    def _rows_of(self, conn: sqlite3.Connection) -> dict[Key, list[int]]:
        listed = json.dumps([list(k) for k in self.lost], ensure_ascii=False)
        found = conn.execute(
            "SELECT s.key, s.kind, s.text, s.whole, s.docs FROM json_each(?) AS j CROSS JOIN suggestions AS s"
            " ON s.key = json_extract(j.value, '$[0]') AND s.kind = json_extract(j.value, '$[1]')"
            " AND s.text = json_extract(j.value, '$[2]')",
            (listed,),
        )
        return {(key, kind, text): [whole, docs] for key, kind, text, whole, docs in found}

    def write(self, conn: sqlite3.Connection) -> None:
        lost = self.lost
        state = self._rows_of(conn) if lost else {}
        before = {k: tuple(v) for k, v in state.items()}
        added: dict[Key, list[int]] = {}
        for removing, keys in self.steps:
            if removing:
                for k in keys:  # UPDATE ... SET docs = docs - 1, once per key (twice for a key held twice)
                    entry = state.get(k)
                    if entry is not None:
                        entry[1] -= 1
                for k in keys:  # DELETE ... AND docs <= 0
                    entry = state.get(k)
                    if entry is not None and entry[1] <= 0:
                        del state[k]
                continue
            for key, kind, text, whole in keys:
                k = (key, kind, text)
                table = state if k in lost else added
                entry = table.get(k)
                if entry is None:
                    table[k] = [whole, 1]
                else:
                    entry[1] += 1
        gone = sorted(k for k in before if k not in state)
        if gone:
            conn.executemany("DELETE FROM suggestions WHERE key = ? AND kind = ? AND text = ?", gone)
        changed = sorted((*k, whole, docs) for k, (whole, docs) in state.items() if before.get(k) != (whole, docs))
        if changed:
            conn.executemany(_SET_SUGGESTION, changed)
        if added:
            conn.executemany(_ADD_SUGGESTIONS, sorted((*k, whole, docs) for k, (whole, docs) in added.items()))


def _found(conn: sqlite3.Connection, ids: list[Any]) -> dict[Any, tuple[int, str]]:
    """``{id: (n, doc)}`` of those of ``ids`` that are indexed."""
    found: dict[Any, tuple[int, str]] = {}
    for first in range(0, len(ids), 500):  # well below any SQLite's limit of parameters
        part = ids[first : first + 500]
        marks = ", ".join("?" * len(part))
        for doc_id, n, doc in conn.execute(f"SELECT id, n, doc FROM docs WHERE id IN ({marks})", part):
            found[doc_id] = (int(n), doc)
    return found


def write_chunk(conn: sqlite3.Connection, chunk: Iterable[sql.DocumentRows]) -> list[int | None]:
    """Write documents' rows as :func:`write_one` would one after the other, with a statement per
    table: what it returns for each. Raises whatever a document's rows make SQLite raise (the
    caller then rolls back and writes them one by one)."""
    written: list[int | None] = []
    run: list[sql.DocumentRows] = []
    ids: set[str] = set()
    for rows in chunk:
        if rows.id in ids:  # a document given twice: the first one is written before the second is read
            written += _write_run(conn, run)
            run, ids = [], set()
        run.append(rows)
        ids.add(rows.id)
    if run:
        written += _write_run(conn, run)
    return written


def _write_run(conn: sqlite3.Connection, run: list[sql.DocumentRows]) -> list[int | None]:
    """:func:`write_chunk` of documents with distinct ids."""
    found = _found(conn, [rows.id for rows in run])
    next_n: int | None = None
    written: list[int | None] = []
    inserts: list[tuple[Any, ...]] = []
    updates: list[tuple[Any, ...]] = []
    replaced: list[tuple[int]] = []
    texts: list[tuple[Any, ...]] = []
    facets: list[tuple[str, str, int]] = []
    labels: dict[tuple[str, str], str] = {}
    suggestions = _Suggestions()
    for rows in run:
        old = found.get(rows.id)
        if old is not None and old[1] == rows.json:
            written.append(None)
            continue
        if old is None:
            if next_n is None:
                # What SQLite gives a row inserted without a number: one more than the largest.
                next_n = int(conn.execute("SELECT coalesce(max(n), 0) + 1 FROM docs").fetchone()[0])
            n = next_n
            next_n += 1
            inserts.append((*_values(rows), rows.id, n))
        else:
            n = old[0]
            replaced.append((n,))
            suggestions.remove(_old_rows(old[1]))
            updates.append((*_values(rows), n))
        texts.append((n, *rows.fts, *sql.stem_columns(rows)))
        facets += [(*f, n) for f in rows.facets]
        suggestions.add(rows)
        for field, value, label in sorted(rows.labels):
            labels[(field, value)] = label
        written.append(n)
    if replaced:
        conn.executemany("DELETE FROM docs_fts WHERE rowid = ?", replaced)
        conn.executemany("DELETE FROM facets WHERE doc = ?", replaced)
    if updates:
        conn.executemany(_UPDATE_DOC, updates)
    if inserts:
        conn.executemany(_INSERT_DOC, inserts)
    if texts:
        conn.executemany(_INSERT_FTS, texts)
    if facets:
        conn.executemany(_INSERT_FACET, facets)
    suggestions.write(conn)
    if labels:
        conn.executemany(_SET_LABEL, [(*k, label) for k, label in labels.items()])
    return written


def delete_chunk(conn: sqlite3.Connection, ids: list[Any]) -> list[int]:
    """Remove the documents of ``ids`` (unknown ones ignored) with a statement per table; their numbers."""
    if not all(isinstance(doc_id, str) for doc_id in ids):
        # SQLite compares a number with the text ids as text: one at a time, as SQLite sees them.
        return [n for doc_id in ids if (n := _delete_one(conn, doc_id)) is not None]
    found = _found(conn, ids)
    removed: list[int] = []
    suggestions = _Suggestions()
    done: set[Any] = set()
    for doc_id in ids:
        old = found.get(doc_id)
        if old is None or doc_id in done:
            continue
        done.add(doc_id)
        suggestions.remove(_old_rows(old[1]))
        removed.append(old[0])
    if removed:
        numbers = [(n,) for n in removed]
        conn.executemany("DELETE FROM docs_fts WHERE rowid = ?", numbers)
        conn.executemany("DELETE FROM facets WHERE doc = ?", numbers)
        suggestions.write(conn)
        conn.executemany("DELETE FROM docs WHERE n = ?", numbers)
    return removed
