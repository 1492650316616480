"""Turning documents into index rows for the SQLite engine, in a worker process during a large rebuild.

Deriving a document's rows (:func:`~indexer.sqlite.sql.document_rows`: its JSON, cleaned texts,
completion keys, facet values, and its Snowball stems) is pure Python and about a third of a
rebuild's time; writing them is SQLite's. A rebuild therefore prepares its first
:data:`PARALLEL_AFTER` documents itself and then hands the rest, chunk by chunk, to one worker
process, so that the worker derives the next chunks while this process writes the current one
(two cores, two halves of the work). Small rebuilds, and every sync, never start a process.

The worker is started with ``spawn``: forking a process that holds SQLite connections and
threads (a web server's) is not safe. What the worker prepares is exactly what
:func:`prepare_chunk` prepares in this process; only where it runs differs.
"""

from __future__ import annotations

import logging
import sqlite3
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import islice
from multiprocessing import get_context
from typing import Any

from indexer.sqlite import sql

__all__ = ["DOCUMENT_ERRORS", "IN_FLIGHT", "PARALLEL_AFTER", "Prepared", "prepare_chunk", "prepared_chunks"]

logger = logging.getLogger(__name__)

# What a single bad document can raise while being prepared or written; anything else fails the whole call.
DOCUMENT_ERRORS = (sqlite3.IntegrityError, sqlite3.DataError, ValueError, TypeError, OverflowError)
# Documents a rebuild prepares itself before it starts a worker: starting one (a fresh interpreter
# importing the engine) costs about half a second, what preparing ~10,000 documents costs.
PARALLEL_AFTER = 20_000
# Chunks handed to the worker ahead of the one being written: enough that it never waits for us.
IN_FLIGHT = 3

# One document: its id (None when it has none), and its rows or why it was refused.
Prepared = tuple[Any, sql.DocumentRows | None, Exception | None]


def prepare_chunk(chunk: list[Any]) -> list[Prepared]:
    """The rows of each document of ``chunk`` (stems included), or the error refusing it.

    Raises:
        Exception: anything but a bad document's error (a bug): it fails the whole write.
    """
    prepared: list[Prepared] = []
    for doc in chunk:
        doc_id = doc.get("id") if isinstance(doc, dict) else None
        try:
            rows = sql.document_rows(doc)
            rows.stemmed = sql.stem_columns(rows)
        except DOCUMENT_ERRORS as exc:
            prepared.append((doc_id, None, exc))
            continue
        prepared.append((doc_id, rows, None))
    return prepared


def _in_worker(chunk: list[Any]) -> list[Prepared]:
    """:func:`prepare_chunk`, as the worker process runs it (named apart so that it is plain which ran where)."""
    return prepare_chunk(chunk)


def prepared_chunks(documents: Iterable[Any], chunk_size: int, *, parallel: bool = False) -> Iterator[list[Prepared]]:
    """``documents`` prepared ``chunk_size`` at a time, in order.

    With ``parallel``, chunks after the first :data:`PARALLEL_AFTER` documents are prepared by a
    worker process, :data:`IN_FLIGHT` chunks ahead of the caller. A worker's exception is raised
    here, as it would have been in this process.
    """
    iterator = iter(documents)
    done = 0
    while not parallel or done < PARALLEL_AFTER:
        chunk = list(islice(iterator, chunk_size))
        if not chunk:
            return
        yield prepare_chunk(chunk)
        done += len(chunk)
    logger.debug("preparing documents after the first %d in a worker process", done)
    pool = ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn"))
    try:
        pending: deque[Future[list[Prepared]]] = deque()
        exhausted = False
        while True:
            while not exhausted and len(pending) < IN_FLIGHT:
                chunk = list(islice(iterator, chunk_size))
                if chunk:
                    pending.append(pool.submit(_in_worker, chunk))
                else:
                    exhausted = True
            if not pending:
                return
            yield pending.popleft().result()
    finally:
        # The caller may stop early (a write failed): what is still queued is of no use.
        pool.shutdown(wait=True, cancel_futures=True)
