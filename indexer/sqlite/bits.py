"""Sets of documents of the SQLite engine as in-memory bitmaps: facet counts, filters and pages.

Counting a facet with SQL means visiting one ``facets`` row per matched document and value
(over a million rows for a broad query at 100,000 offerings, ~300 ms). Here each facet value is
a Python integer used as a bitmap over ``docs.n``: a set of documents is an integer too, and a
count is ``(matched & value).bit_count()`` -- a few microseconds in C per value, ~10 ms for every
value of every facet at 100,000 offerings, however many documents match. Disjunctive counts
(each facet under every filter but its own) are a few more ANDs; range filters are slices of a
column sorted once.

The bitmaps of one index state are loaded once (``facets`` grouped by value, ~0.4 s at 100,000
offerings) and shared by every search of that state. Any write makes a new state; the bitmaps of
the state before are then patched (:func:`patch`): the documents the writes touched, which the
``changes`` table lists per version, are re-read, rather than every facet row.
"""

from __future__ import annotations

import bisect
import heapq
import logging
import sqlite3
import struct
import threading
import time
from array import array
from collections.abc import Iterable
from typing import Any

from pyroaring import BitMap

from indexer.base import SearchQuery
from indexer.sqlite.sql import CHANGES_KEPT, DUPLICATE_FACET

__all__ = ["BitmapCache", "FacetBitmaps", "Members", "bitmap_of", "load", "members", "patch", "roaring_of"]

logger = logging.getLogger(__name__)
# The labels of the labelled facets' values (provider ids, ESCO skill URIs: the two never collide).
_LABELS = "SELECT value, label FROM labels WHERE field IN ('provider', 'esco_skill')"

# Sortable columns of ``docs`` a range filter may slice (the column names are ours, never user input).
RANGE_COLUMNS = ("ects", "price", "start_date", "last_date")
# A list of numbers is packed bit by bit below one number per this many documents (see bitmap_of).
SPARSE_BITS = 64
# A sorted column is patched change by change while there are fewer changes than one per this many
# values; else it is merged anew.
COLUMN_EDITS = 100
_ABSENT = object()
# Bitmaps are patched when the writes since their state touched at most one document in this many;
# beyond, loading them afresh costs less.
PATCH_FRACTION = 4
# A roaring bitmap's containers: 2**16 numbers each, a bitmap of 8 KiB when it holds more than 4,096
# of them, else a sorted array of 16-bit numbers (the portable serialisation of CRoaring).
_CONTAINER_BYTES = 8192
_ARRAY_MAX = 4096
_NO_RUN_COOKIE = 12346


def bitmap_of(numbers: Iterable[int], size: int) -> int:
    """The bitmap (bit ``n`` set for each ``n``) of document numbers below ``size``."""
    if isinstance(numbers, list) and len(numbers) * SPARSE_BITS < size:
        # Few numbers: or them into a byte per 8 documents (work per number, not per document).
        packed = bytearray(size // 8 + 1)
        for n in numbers:
            packed[n >> 3] |= 1 << (n & 7)
        return int.from_bytes(packed, "little")
    # One byte per document, "0" or "1", read as a base-2 numeral: a plain byte store per member
    # is ~6x faster in CPython than or-ing bits into a bytearray, and parsing is linear in C.
    digits = bytearray(b"0") * size
    for n in numbers:
        digits[n] = 49  # "1"
    digits.reverse()  # the numeral's last digit is bit 0
    return int(digits, 2) if size else 0


def members(bits: int) -> list[int]:
    """The document numbers in a bitmap, ascending.

    Through the roaring bitmap of the same numbers (:func:`roaring_of` copies the containers in C, and
    CRoaring lists them): ~8x faster than searching the binary numeral for each member in turn.
    """
    if bits <= 0:
        return []
    return list(roaring_of(bits, bits.bit_length()).to_array())


def _scanned(bits: int) -> list[int]:
    """The numbers in a bitmap, ascending, by one C search per member in its binary numeral (what a
    container of at most 4,096 members needs)."""
    text = bin(bits)[:1:-1]  # bit n at index n
    found = []
    n = text.find("1")
    while n >= 0:
        found.append(n)
        n = text.find("1", n + 1)
    return found


def roaring_of(bits: int, size: int) -> BitMap:
    """The roaring bitmap of the same documents as ``bits`` (numbers below ``size``).

    Written in CRoaring's portable format and read back: the integer's bytes are the bitmap
    containers as they are, so a dense set costs a copy, where listing its members would cost a
    Python step per member.
    """
    raw = bits.to_bytes(((size >> 16) + 1) * _CONTAINER_BYTES, "little")
    keys: list[bytes] = []
    payloads: list[bytes] = []
    for key in range(len(raw) // _CONTAINER_BYTES):
        chunk = raw[key * _CONTAINER_BYTES : (key + 1) * _CONTAINER_BYTES]
        value = int.from_bytes(chunk, "little")
        cardinality = value.bit_count()
        if not cardinality:
            continue
        keys.append(struct.pack("<HH", key, cardinality - 1))
        payloads.append(chunk if cardinality > _ARRAY_MAX else array("H", _scanned(value)).tobytes())
    offsets = []
    offset = 8 + 8 * len(keys)
    for payload in payloads:
        offsets.append(struct.pack("<I", offset))
        offset += len(payload)
    return BitMap.deserialize(b"".join([struct.pack("<II", _NO_RUN_COOKIE, len(keys)), *keys, *offsets, *payloads]))


class Members:
    """Constant-time membership test of a bitmap (testing a bit of a big integer costs its size)."""

    __slots__ = ("_bytes",)

    def __init__(self, bits: int, size: int) -> None:
        self._bytes = bits.to_bytes(size // 8 + 1, "little")

    def __contains__(self, n: int) -> bool:
        return bool(self._bytes[n >> 3] >> (n & 7) & 1)


class _Column:
    """One ``docs`` column's non-null values, sorted (ties by document), with their documents in
    the same order, and each document's value."""

    __slots__ = ("documents", "value_of", "values")

    def __init__(self, rows: list[tuple[Any, int]]) -> None:
        self.values = [value for value, _n in rows]
        self.documents = [n for _value, n in rows]
        self.value_of = dict(zip(self.documents, self.values, strict=True))

    def _position(self, value: Any, n: int) -> int:
        # Within a run of equal values the documents ascend: a second bisection finds n's place.
        low = bisect.bisect_left(self.values, value)
        high = bisect.bisect_right(self.values, value, low)
        return bisect.bisect_left(self.documents, n, low, high)

    def patched(self, changed: list[int], fresh: list[tuple[Any, int]]) -> _Column:
        """A copy with the documents ``changed`` taking the values ``fresh`` (sorted; a changed
        document missing from it has no value any more). ``self`` is left as it is."""
        if not any(n in self.value_of for n in changed) and not fresh:
            return self
        if len(changed) * COLUMN_EDITS > len(self.values):
            # Many changes: one merge (linear) beats an edit per change (each moves the lists' tails).
            gone = set(changed)
            kept = [(v, n) for v, n in zip(self.values, self.documents, strict=True) if n not in gone]
            return _Column(list(heapq.merge(kept, fresh)))
        column = _Column.__new__(_Column)
        column.values, column.documents, column.value_of = list(self.values), list(self.documents), dict(self.value_of)
        for n in changed:
            old = column.value_of.pop(n, _ABSENT)
            if old is not _ABSENT:
                at = column._position(old, n)
                del column.values[at], column.documents[at]
        for value, n in fresh:
            at = column._position(value, n)
            column.values.insert(at, value)
            column.documents.insert(at, n)
            column.value_of[n] = value
        return column


class FacetBitmaps:
    """Bitmaps over ``docs.n`` of one index state: every document, the free ones, each facet value
    (and the display labels of provider values).

    Sorted columns for range filters are read the first time a search of this state needs them,
    through that search's connection (whose snapshot is this state).
    """

    def __init__(
        self,
        size: int,
        everything: int,
        free: int,
        values: dict[str, dict[str, int]],
        labels: dict[str, str],
        sets: dict[str, dict[str, BitMap]] | None = None,
    ) -> None:
        self.size = size
        self.labels = labels
        # Per facet, value -> (label, its casefold): filled by the searches of this state.
        self.label_keys: dict[str, dict[str, tuple[str, str]]] = {}
        self.everything = everything
        self.free = free
        self.values = values
        # The same values as roaring bitmaps, which counting uses: an intersection's size costs per
        # member of the smaller set, where an AND of integers costs per document of the index (a
        # provider's 700 documents among a million: ~3 µs rather than ~100 µs, times 1,500 providers).
        self._sets = sets
        self._columns: dict[str, _Column] = {}
        self._ended: dict[str, int] = {}
        self._lock = threading.Lock()

    def of(self, name: str, wanted: Iterable[str]) -> int:
        """The documents having any of the ``wanted`` values of facet ``name``."""
        found = 0
        by_value = self.values.get(name, {})
        for value in wanted:
            found |= by_value.get(str(value), 0)
        return found

    @property
    def sets(self) -> dict[str, dict[str, BitMap]]:
        """Each facet value's documents as a roaring bitmap (made from :attr:`values` when not given)."""
        with self._lock:
            if self._sets is None:
                self._sets = {
                    name: {value: roaring_of(bits, self.size) for value, bits in by_value.items()}
                    for name, by_value in self.values.items()
                }
            return self._sets

    def columns(self) -> dict[str, _Column]:
        """The sorted columns read so far."""
        with self._lock:
            return dict(self._columns)

    def set_column(self, name: str, column: _Column) -> None:
        """Use ``column`` as the sorted column ``name`` (patched from an older state's)."""
        with self._lock:
            self._columns[name] = column

    def _column(self, conn: sqlite3.Connection, name: str) -> _Column:
        if name not in RANGE_COLUMNS:
            raise ValueError(f"not a range column: {name}")
        with self._lock:
            column = self._columns.get(name)
            if column is None:
                rows = conn.execute(f"SELECT {name}, n FROM docs WHERE {name} IS NOT NULL ORDER BY {name}, n")
                column = self._columns[name] = _Column(rows.fetchall())
            return column

    def between(self, conn: sqlite3.Connection, name: str, low: Any = None, high: Any = None) -> int:
        """The documents whose column ``name`` is within ``[low, high]`` (either bound optional; never null)."""
        column = self._column(conn, name)
        start = 0 if low is None else bisect.bisect_left(column.values, low)
        end = len(column.values) if high is None else bisect.bisect_right(column.values, high)
        return bitmap_of(column.documents[start:end], self.size)

    def stated(self, conn: sqlite3.Connection, name: str) -> int:
        """The documents whose column ``name`` is not null."""
        return self.between(conn, name)

    def ended(self, conn: sqlite3.Connection, today: str) -> int:
        """The documents whose last date (every instance's end, or start) is before ``today``."""
        with self._lock:
            found = self._ended.get(today)
        if found is None:
            column = self._column(conn, "last_date")
            found = bitmap_of(column.documents[: bisect.bisect_left(column.values, today)], self.size)
            with self._lock:
                self._ended = {today: found}
        return found

    def ranges(self, conn: sqlite3.Connection, query: SearchQuery, today: str) -> int:
        """The documents meeting the range conditions of ``query`` (ECTS, price, dates, ``free``, ``open``)."""
        found = self.everything
        if query.free:
            found &= self.free
        if query.ects_min is not None or query.ects_max is not None:
            found &= self.between(conn, "ects", query.ects_min, query.ects_max)
        if query.price_max is not None:
            # A free offering costs nothing even when no price is stated.
            found &= self.between(conn, "price", None, query.price_max) | self.free
        if query.starts_after is not None or query.starts_before is not None:
            found &= self.between(conn, "start_date", query.starts_after, query.starts_before)
        if query.open:
            found &= ~self.ended(conn, today)
        return found

    def counts(self, query: SearchQuery, base: int) -> tuple[int, dict[str, list[tuple[str, int]]], int]:
        """The total of ``query``, its disjunctive facet counts (values counted > 0, unordered) and its
        documents, given ``base``: the documents meeting every condition but the facet filters."""
        filters = {name: self.of(name, values) for name, values in sorted(query.filters.items()) if values}
        full = base
        for bits in filters.values():
            full &= bits
        facets: dict[str, list[tuple[str, int]]] = {}
        sets = self.sets if query.facets else {}
        full_set: BitMap | None = None
        for name in query.facets:
            within = full
            if name in filters:
                # Disjunctive: this facet's own filter does not narrow its counts.
                within = base
                for other, bits in filters.items():
                    if other != name:
                        within &= bits
            rows = []
            if within:
                if within is full:
                    if full_set is None:
                        full_set = roaring_of(full, self.size)
                    counted = full_set
                else:
                    counted = roaring_of(within, self.size)
                for value, documents in sets.get(name, {}).items():
                    count = counted.intersection_cardinality(documents)
                    if count:
                        rows.append((value, count))
            facets[name] = rows
        return full.bit_count(), facets, full

    def selected(self, query: SearchQuery, base: int) -> int:
        """The documents of ``query`` given ``base`` (as in :meth:`counts`), without counting facets."""
        for name, values in query.filters.items():
            if values:
                base &= self.of(name, values)
        return base


def load(conn: sqlite3.Connection) -> FacetBitmaps:
    """Read the bitmaps of the index state ``conn`` sees (the caller holds a read transaction)."""
    started = time.perf_counter()
    size = int(conn.execute("SELECT coalesce(max(n), 0) + 1 FROM docs").fetchone()[0])
    everything = bitmap_of((n for (n,) in conn.execute("SELECT n FROM docs")), size)
    free = bitmap_of((n for (n,) in conn.execute("SELECT n FROM docs WHERE free = 1")), size)
    values: dict[str, dict[str, int]] = {}
    sets: dict[str, dict[str, BitMap]] = {}
    # One row per value with its documents as text: ~3x faster than a row per (value, document).
    rows = conn.execute("SELECT field, value, group_concat(doc) FROM facets GROUP BY field, value")
    for name, value, docs in rows:
        numbers = list(map(int, str(docs).split(",")))
        values.setdefault(str(name), {})[str(value)] = bitmap_of(numbers, size)
        sets.setdefault(str(name), {})[str(value)] = BitMap(numbers)
    sets.pop(DUPLICATE_FACET, None)
    # Records another one of their cluster represents are in no search: out of the base set, they are
    # out of every total, facet count and page.
    duplicates = values.pop(DUPLICATE_FACET, {}).get("1", 0)
    everything &= ~duplicates
    free &= ~duplicates
    logger.debug(
        "facet bitmaps of %d documents loaded in %.0f ms",
        everything.bit_count(),
        (time.perf_counter() - started) * 1000,
    )
    rows = conn.execute(_LABELS)
    labels = {str(value): str(label) for value, label in rows}
    return FacetBitmaps(size, everything, free, values, labels, sets)


def _listed(numbers: list[int]) -> str:
    """A JSON array of numbers: one parameter for ``IN (SELECT value FROM json_each(?))``."""
    return "[" + ",".join(map(str, numbers)) + "]"


def patch(old: FacetBitmaps, conn: sqlite3.Connection, since: int, now: int) -> FacetBitmaps | None:
    """``old`` (the bitmaps of version ``since`` of the generation ``conn`` reads) brought to version
    ``now`` by re-reading only the documents the writes in between touched; None when those are not
    all recorded (a version before the ``changes`` table, or trimmed away) or too many to pay.

    ``old`` is left as it is: searches of its state may still be using it.
    """
    recorded = dict(conn.execute("SELECT key, value FROM meta WHERE key IN ('changes_from', 'changes_to')").fetchall())
    if len(recorded) < 2 or int(recorded["changes_to"]) != now:
        return None  # some write since did not record its changes
    if since + 1 < int(recorded["changes_from"]) or since <= now - CHANGES_KEPT or since > now:
        return None
    started = time.perf_counter()
    changed = [
        int(n)
        for (n,) in conn.execute(
            "SELECT DISTINCT n FROM changes WHERE version > ? AND version <= ? ORDER BY n", (since, now)
        )
    ]
    if len(changed) * PATCH_FRACTION > max(old.everything.bit_count(), 1):
        return None
    size = max(old.size, changed[-1] + 1 if changed else 0)
    listed = _listed(changed)
    keep = ~bitmap_of(changed, size)
    present: dict[int, bool] = {
        int(n): bool(free)
        for n, free in conn.execute("SELECT n, free FROM docs WHERE n IN (SELECT value FROM json_each(?))", (listed,))
    }
    facet_rows = conn.execute(
        "SELECT field, value, doc FROM facets WHERE doc IN (SELECT value FROM json_each(?))", (listed,)
    ).fetchall()
    duplicates = {int(doc) for name, _value, doc in facet_rows if name == DUPLICATE_FACET}
    searchable = [n for n in present if n not in duplicates]
    everything = (old.everything & keep) | bitmap_of(searchable, size)
    free = (old.free & keep) | bitmap_of([n for n in searchable if present[n]], size)
    # A value no document has any more is not a value (as when loaded).
    values = {
        name: {v: kept for v, bits in by_value.items() if (kept := bits & keep)}
        for name, by_value in old.values.items()
    }
    added: dict[tuple[str, str], list[int]] = {}
    for name, value, doc in facet_rows:
        if name != DUPLICATE_FACET:
            added.setdefault((str(name), str(value)), []).append(int(doc))
    for (name, value), docs in added.items():
        by_value = values.setdefault(name, {})
        by_value[value] = by_value.get(value, 0) | bitmap_of(docs, size)
    # The roaring bitmaps of the same values, patched the same way.
    gone = BitMap(changed)
    old_sets = old.sets
    sets: dict[str, dict[str, BitMap]] = {}
    for name, by_value in values.items():
        before = old_sets.get(name, {})
        patched = sets[name] = {}
        for value in by_value:
            documents = before.get(value)
            documents = documents - gone if documents is not None else BitMap()
            joining = added.get((name, value))
            if joining:
                documents |= BitMap(joining)
            patched[value] = documents
    rows = conn.execute(_LABELS)
    labels = {str(value): str(label) for value, label in rows}
    bitmaps = FacetBitmaps(size, everything, free, values, labels, sets)
    # Labels of the fixed vocabularies stay right; a provider's may have changed.
    bitmaps.label_keys = {name: dict(keys) for name, keys in old.label_keys.items() if name != "provider"}
    for name, column in old.columns().items():
        fresh = conn.execute(
            f"SELECT {name}, n FROM docs WHERE n IN (SELECT value FROM json_each(?)) AND {name} IS NOT NULL"
            f" ORDER BY {name}, n",
            (listed,),
        ).fetchall()
        bitmaps.set_column(name, column.patched(changed, fresh))
    logger.debug(
        "facet bitmaps patched from version %d to %d (%d documents) in %.1f ms",
        since,
        now,
        len(changed),
        (time.perf_counter() - started) * 1000,
    )
    return bitmaps


class BitmapCache:
    """The bitmaps of the most recently searched index state (older states are not searched again)."""

    def __init__(self) -> None:
        self._entry: tuple[tuple[str, int], FacetBitmaps] | None = None
        self._lock = threading.Lock()

    def get(self, key: tuple[str, int], conn: sqlite3.Connection) -> FacetBitmaps:
        """The bitmaps of state ``key`` (generation, version), through ``conn`` (inside its read
        transaction on that state) if they are not at hand: patched from an older version of the same
        generation when its changes are recorded, else loaded."""
        with self._lock:
            entry = self._entry
            if entry is not None and entry[0] == key:
                return entry[1]
            # Under the lock: concurrent first searches of a new state load or patch it once.
            bitmaps = None
            if entry is not None and entry[0][0] == key[0]:
                bitmaps = patch(entry[1], conn, entry[0][1], key[1])
            if bitmaps is None:
                bitmaps = load(conn)
            self._entry = (key, bitmaps)
            return bitmaps
