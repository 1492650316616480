"""The SQLite engine behind microcred's HTTP API, side by side with Datasette serving the same documents.

``python -m bench.datasette --docs N`` builds, from the same generated documents as
:mod:`bench.engines`:

* microcred's SQLite FTS5 index (the engine's ``rebuild()``), served by ``microcred serve`` (the
  Flask app on werkzeug's threaded server, as deployed without gunicorn) on 127.0.0.1;
* a plain SQLite database for Datasette: one ``offerings`` table with the facet columns (the
  multi-valued ones as JSON arrays, which Datasette facets with ``_facet_array``), indexes on the
  single-valued facet and sort columns, and an FTS5 table over title, description, provider,
  subjects and skills made with sqlite-utils' ``enable_fts`` (the same ``unicode61
  remove_diacritics 2`` tokenizer as ours), served by ``datasette serve --immutable`` on 127.0.0.1;

then times the 50 fixed searches of :mod:`bench.engines` through both JSON APIs, one after the
other for each search so that both see the same machine load, and prints one JSON line.

What each side computes differs, and the report says so (see :data:`DIFFERENCES`): Datasette has no
stemming, no field boosts and no relevance order (0.65 lists search hits in primary-key order), and
its facet counts are conjunctive (a facet's own filter applies to its counts). Filters Datasette
has no parameter for (several values of a multi-valued field, ``price_max`` with free offerings,
``open``) are translated to its documented ``_where=`` SQL clauses with the same meaning.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import requests

from indexer import document
from indexer.base import FACET_FIELDS, SearchQuery

__all__ = [
    "DIFFERENCES",
    "TABLE",
    "build_database",
    "datasette_page",
    "datasette_server",
    "main",
    "measure",
    "microcred_page",
    "microcred_params",
    "microcred_server",
    "report_lines",
    "translate",
]

logger = logging.getLogger(__name__)

TABLE = "offerings"
DATABASE = "catalogue"  # Datasette names a database after its file
# Facets whose document values are lists (JSON arrays in Datasette's table), API name → column.
ARRAY_FACETS: dict[str, str] = {
    "country": "country",
    "language": "languages",
    "mode": "mode",
    "isced_f": "isced_f",
    "qa_type": "qa_type",
    "esco_skill": "esco_skills",
}
# Facets with one value per document, API name → column.
PLAIN_FACETS: dict[str, str] = {
    "provider": "provider_id",
    "eqf_level": "eqf_level",
    "schedule": "schedule",
    "credential_type": "credential_type",
    "source": "source",
    "tier": "tier",
}
FTS_COLUMNS = ("title", "description", "provider", "subjects", "skills")
SCALAR_COLUMNS = (
    "id",
    "title",
    "description",
    "provider",
    "provider_id",
    "eqf_level",
    "schedule",
    "credential_type",
    "source",
    "tier",
    "ects_credits",
    "price",
    "free",
    "start_date",
    "end_date",
    "last_date",
    "updated",
    "url",
)
LIST_COLUMNS = ("country", "languages", "mode", "isced_f", "qa_type", "esco_skills", "subjects", "skills")
# microcred's sorts as Datasette sort parameters; "relevance" has no equivalent with a text query.
SORTS: dict[str, tuple[str, str]] = {
    "start_date": ("_sort", "start_date"),
    "-start_date": ("_sort_desc", "start_date"),
    "ects": ("_sort", "ects_credits"),
    "-ects": ("_sort_desc", "ects_credits"),
    "title": ("_sort", "title"),
    "updated": ("_sort_desc", "updated"),
}
# microcred returns every value of every facet; Datasette returns ``_facet_size`` of them.
FACET_SIZE = 5000
# Datasette cuts queries off after 1 s (facets after 0.2 s) by default and reports them as timed
# out: the comparison is of complete answers, so the limits are lifted and suggestions (work
# microcred does not do) are off.
DATASETTE_SETTINGS = {
    "sql_time_limit_ms": "120000",
    "facet_time_limit_ms": "120000",
    "suggest_facets": "off",
    "max_returned_rows": str(FACET_SIZE),
}
TERMS_MAX = 32  # as microcred's engine: longer queries are cut there too
WARM_UP = 10
START_TIMEOUT = 120.0
REPORT_WIDTH = 110

DIFFERENCES = (
    "Text: both sides AND the query's words and treat the last one as a prefix (Datasette through "
    "`_searchmode=raw` with the same quoted FTS5 expression microcred builds); microcred also matches each "
    "word's Snowball stems in every language it stems, so its hit counts can only be larger.",
    "Order: microcred ranks text hits with every word in the title first, then the others, each group by bm25 "
    "with field boosts (title > skills and subjects > description > provider, stems a little below words); "
    "Datasette 0.65 has no relevance order and lists hits by primary key. "
    "Relevance without text is by start date in microcred, `_sort=start_date` in Datasette; the other sorts "
    "map onto `_sort`/`_sort_desc` of the same columns; microcred also puts ended offerings "
    "(every date past) after the others under every sort, which a one-column Datasette sort cannot.",
    "Facets: microcred's counts are disjunctive (a facet's own filter is left out of its counts, so the other "
    "values of a filtered field keep their counts); Datasette's apply every filter, so a filtered single-valued "
    "field shows only the chosen values. Both count every value (`_facet_size` raised past the largest facet).",
    "Filters: one value of a single-valued field is `col__exact`, several `col__in`; one value of a list field "
    "is `col__arraycontains`, several a `_where=` over `json_each` (same meaning); ECTS ranges `__gte`/`__lte`; "
    "`free` is `free__exact=1`; `price_max` and `open` would be `_where=` clauses (not in the 50 searches).",
    "Page 2: Datasette pages by key (`_next=`), so its page 2 is asked for with the token of page 1, fetched "
    "untimed just before (when page 1 is the last, page 1 again is timed); microcred takes `page=2`. On a "
    "`_next` page Datasette counts facets over the rows after the cursor only (its total stays whole), and "
    "after a descending first page (ties in index order) it may skip rows tied with the page's last.",
    "Answers: microcred returns each hit's full document with a highlighted snippet and facet labels; "
    "Datasette each row's columns and facet toggle URLs.",
)


# ---- the Datasette database ----------------------------------------------------------------------


def _row(doc: dict[str, Any]) -> dict[str, Any]:
    """One ``offerings`` row: scalar columns as they are, list columns as JSON arrays."""
    row = {name: doc.get(name) for name in SCALAR_COLUMNS}
    row["last_date"] = document.last_date(doc)  # as microcred's index reads it (documents may predate the field)
    row["free"] = int(bool(doc.get("free")))
    for name in LIST_COLUMNS:
        row[name] = json.dumps(list(doc.get(name) or []), ensure_ascii=False)
    return row


def build_database(path: Path, docs: Iterable[dict[str, Any]]) -> int:
    """Write the documents to a new SQLite database at ``path`` the way Datasette users do (sqlite-utils).

    Returns:
        How many rows the table holds.
    """
    import sqlite_utils

    db = sqlite_utils.Database(path)
    table = db.table(TABLE)
    types = {name: str for name in (*SCALAR_COLUMNS, *LIST_COLUMNS)}
    types |= {"eqf_level": int, "ects_credits": float, "price": float, "free": int}
    table.insert_all((_row(d) for d in docs), pk="id", columns=types, batch_size=1000)
    table.enable_fts(list(FTS_COLUMNS), fts_version="FTS5", tokenize="unicode61 remove_diacritics 2")
    # What Datasette's documentation advises for faceted and sorted columns (`sqlite-utils create-index`).
    for column in (*PLAIN_FACETS.values(), "start_date", "ects_credits", "title", "updated", "free"):
        table.create_index([column])
    db.execute("ANALYZE")  # as microcred's rebuild does: the planner then knows how selective each index is
    count = table.count
    db.close()
    return count


# ---- query translation ---------------------------------------------------------------------------


def _terms(q: str) -> list[str]:
    """The searchable terms of user text, as microcred's engine splits it."""
    return [t for t in q.split() if any(ch.isalnum() for ch in t)][:TERMS_MAX]


def _quote_fts(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _quote_sql(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def translate(query: SearchQuery, *, facet_size: int = FACET_SIZE) -> list[tuple[str, str]]:
    """The Datasette table JSON API parameters closest to ``query`` (see :data:`DIFFERENCES`).

    Page 2 and later need the ``_next`` token of the page before, which the caller adds.
    """
    params: list[tuple[str, str]] = []
    terms = _terms(query.q)
    if terms:
        # The expression microcred's engine builds, less the stems: ANDed quoted words, the last a prefix.
        expression = " ".join(_quote_fts(t) for t in terms) + "*"
        params += [("_search", expression), ("_searchmode", "raw")]
    for name, values in sorted(query.filters.items()):
        wanted = sorted({str(v) for v in values})
        if not wanted:
            continue
        if name in PLAIN_FACETS:
            column = PLAIN_FACETS[name]
            if len(wanted) == 1:
                params.append((f"{column}__exact", wanted[0]))
            else:
                params.append((f"{column}__in", json.dumps(wanted, ensure_ascii=False)))
        else:
            column = ARRAY_FACETS[name]
            if len(wanted) == 1:
                params.append((f"{column}__arraycontains", wanted[0]))
            else:
                listed = ", ".join(_quote_sql(v) for v in wanted)
                params.append(("_where", f"exists (select 1 from json_each([{column}]) where value in ({listed}))"))
    for suffix, column, value in (
        ("gte", "ects_credits", query.ects_min),
        ("lte", "ects_credits", query.ects_max),
        ("gte", "start_date", query.starts_after),
        ("lte", "start_date", query.starts_before),
    ):
        if value is not None:
            params.append((f"{column}__{suffix}", f"{value:g}" if isinstance(value, float) else str(value)))
    if query.price_max is not None:
        # A free offering costs nothing even when no price is stated, as in microcred's engine.
        params.append(("_where", f"(price <= {query.price_max!r} or free = 1)"))
    if query.free:
        params.append(("free__exact", "1"))
    if query.open:
        params.append(("_where", f"(last_date is null or last_date >= '{date.today().isoformat()}')"))
    if query.sort in SORTS:
        params.append(SORTS[query.sort])
    elif not terms:
        # microcred's relevance order without a text query is by start date.
        params.append(SORTS["start_date"])
    for name in query.facets:
        if name in PLAIN_FACETS:
            params.append(("_facet", PLAIN_FACETS[name]))
        else:
            params.append(("_facet_array", ARRAY_FACETS[name]))
    params += [("_facet_size", str(facet_size)), ("_size", str(query.size))]
    return params


def microcred_params(query: SearchQuery) -> list[tuple[str, str]]:
    """The ``GET /api/v1/offerings`` parameters of ``query``."""
    params: list[tuple[str, str]] = [("q", query.q)] if query.q else []
    for name, values in sorted(query.filters.items()):
        # Provider ids are not split at commas by the API: one parameter per value.
        params += [(name, v) for v in values] if name == "provider" else [(name, ",".join(values))]
    for name in ("ects_min", "ects_max", "price_max", "starts_after", "starts_before"):
        value = getattr(query, name)
        if value is not None:
            params.append((name, f"{value:g}" if isinstance(value, float) else str(value)))
    if query.free:
        params.append(("free", "true"))
    if query.open:
        params.append(("open", "true"))
    params += [("sort", query.sort), ("page", str(query.page)), ("size", str(query.size))]
    return params


# ---- the two servers -----------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _server(command: list[str], ready_url: str, env: dict[str, str] | None = None) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``command`` until the block ends, once ``ready_url`` answers 200; yields the process."""
    log = tempfile.TemporaryFile()
    # Access logs go to a file, not a pipe nobody reads: a full pipe would stall the server.
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if process.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"{command[2:4]} exited: {log.read().decode(errors='replace')[-2000:]}")
            try:
                if requests.get(ready_url, timeout=5).status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):
                pass  # not up yet, or still loading its first answer (a gunicorn worker builds the app on its first)
            if time.monotonic() > deadline:
                raise RuntimeError(f"{command[2:4]} did not answer {ready_url} within {START_TIMEOUT:g} s")
            time.sleep(0.2)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@contextmanager
def datasette_server(db_path: Path) -> Iterator[str]:
    """``datasette serve --immutable db_path`` on a free loopback port; yields the table's JSON URL."""
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "datasette",
        "serve",
        "--immutable",
        str(db_path),
        "-h",
        "127.0.0.1",
        "-p",
        str(port),
    ]
    for name, value in DATASETTE_SETTINGS.items():
        command += ["--setting", name, value]
    base = f"http://127.0.0.1:{port}"
    with _server(command, f"{base}/-/versions.json"):
        yield f"{base}/{db_path.stem}/{TABLE}.json"


@contextmanager
def microcred_server(data_dir: Path) -> Iterator[str]:
    """``microcred serve`` over the SQLite index in ``data_dir/search``; yields the search URL."""
    port = _free_port()
    env = {**os.environ, "MICROCRED_DATA_DIR": str(data_dir), "MICROCRED_SEARCH_ENGINE": "sqlite"}
    command = [sys.executable, "-m", "microcred", "serve", "--host", "127.0.0.1", "--port", str(port)]
    base = f"http://127.0.0.1:{port}"
    with _server(command, f"{base}/healthz", env=env):
        yield f"{base}/api/v1/offerings"


def build_microcred_index(data_dir: Path, docs: Iterable[dict[str, Any]], count: int) -> int:
    """microcred's SQLite index of ``docs`` where ``microcred serve`` with ``data_dir`` looks for it."""
    from indexer.sqlite import SqliteEngine

    engine = SqliteEngine(data_dir / "search")
    try:
        return engine.rebuild(iter(docs), last_seq=count).indexed
    finally:
        engine.close()


# ---- asking ---------------------------------------------------------------------------------------


def microcred_page(session: requests.Session, url: str, query: SearchQuery) -> dict[str, Any]:
    """microcred's answer to ``query``: ``{"total", "facets": {name: {value: count}}, "ids", "ms"}``.

    ``ms`` is the time from sending the request to the parsed JSON.
    """
    started = time.perf_counter()
    response = session.get(url, params=microcred_params(query), timeout=300)
    response.raise_for_status()
    found = response.json()
    ms = (time.perf_counter() - started) * 1000
    return {
        "ms": ms,
        "total": found["total"],
        "facets": {name: {v["value"]: v["count"] for v in values} for name, values in found["facets"].items()},
        "ids": [r["id"] for r in found["results"]],
    }


def _datasette_get(session: requests.Session, url: str, params: list[tuple[str, str]]) -> dict[str, Any]:
    response = session.get(url, params=params, timeout=300)
    response.raise_for_status()
    found: dict[str, Any] = response.json()
    if found.get("facets_timed_out"):
        raise RuntimeError(f"Datasette facets timed out: {found['facets_timed_out']}")
    return found


def datasette_page(session: requests.Session, url: str, query: SearchQuery) -> dict[str, Any]:
    """Datasette's answer to the translation of ``query``, in the shape of :func:`microcred_page`.

    For page 2 and later the pages before are fetched first, untimed (keyset paging). When there
    is no such page, the last page's request is the timed one (it counts and facets the same set)
    and its rows are dropped: the answer is an empty page, as microcred's.
    """
    params = translate(query)
    beyond = False
    for _ in range(query.page - 1):
        token = _datasette_get(session, url, params).get("next")
        if token is None:
            beyond = True
            break
        params = [*translate(query), ("_next", str(token))]
    started = time.perf_counter()
    found = _datasette_get(session, url, params)
    ms = (time.perf_counter() - started) * 1000
    names = {**{c: n for n, c in PLAIN_FACETS.items()}, **{c: n for n, c in ARRAY_FACETS.items()}}
    facets = {
        names[name]: {str(v["value"]): v["count"] for v in result["results"]}
        for name, result in found["facet_results"].items()
    }
    columns = found["columns"]
    return {
        "ms": ms,
        "total": found["filtered_table_rows_count"],
        "facets": {name: facets.get(name, {}) for name in FACET_FIELDS if name in query.facets},
        "ids": [] if beyond else [dict(zip(columns, row, strict=False))["id"] for row in found["rows"]],
    }


# ---- the measurement ------------------------------------------------------------------------------


def describe(query: SearchQuery) -> str:
    """A short human description of a search, for the report."""
    parts = [f"q={query.q!r}" if query.q else "no text"]
    parts += [f"{name}={','.join(values)}" for name, values in sorted(query.filters.items())]
    parts += [
        f"{name}={getattr(query, name):g}"
        for name in ("ects_min", "ects_max", "price_max")
        if getattr(query, name) is not None
    ]
    parts += ["free"] if query.free else []
    parts += [f"sort={query.sort}", f"page {query.page}"]
    return ", ".join(parts)


def _cuts(times: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(times, n=100)
    return {"p50_ms": round(cuts[49], 1), "p95_ms": round(cuts[94], 1)}


def measure(count: int) -> dict[str, Any]:
    """Both sides over the same ``count`` documents: build seconds, p50/p95 per side, agreement of totals."""
    from bench.engines import documents, queries

    docs = documents(count)
    searches = queries(docs, 50 + WARM_UP)
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMPDIR")) as tmp:
        data_dir, db_path = Path(tmp) / "microcred", Path(tmp) / f"{DATABASE}.db"
        started = time.perf_counter()
        build_microcred_index(data_dir, docs, count)
        microcred_build = time.perf_counter() - started
        started = time.perf_counter()
        rows = build_database(db_path, docs)
        datasette_build = time.perf_counter() - started
        if rows != count:
            raise SystemExit(f"Datasette table holds {rows} of {count} documents")
        del docs
        ours: list[float] = []
        theirs: list[float] = []
        same_total = 0
        fewer = 0
        slowest: dict[str, Any] = {"datasette_ms": -1.0}
        with (
            microcred_server(data_dir) as ours_url,
            datasette_server(db_path) as theirs_url,
            requests.Session() as session,
        ):
            for i, query in enumerate(searches):
                mine = microcred_page(session, ours_url, query)
                other = datasette_page(session, theirs_url, query)
                if i < WARM_UP:
                    continue
                ours.append(mine["ms"])
                theirs.append(other["ms"])
                if other["ms"] > slowest["datasette_ms"]:
                    slowest = {
                        "query": describe(query),
                        "datasette_ms": round(other["ms"], 1),
                        "microcred_ms": round(mine["ms"], 1),
                        "total": mine["total"],
                    }
                same_total += mine["total"] == other["total"]
                fewer += other["total"] < mine["total"]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "docs": count,
        "queries": len(ours),
        "microcred": {**_cuts(ours), "build_seconds": round(microcred_build, 1)},
        "datasette": {**_cuts(theirs), "build_seconds": round(datasette_build, 1)},
        "same_total": same_total,
        "datasette_fewer": fewer,
        "slowest_datasette": slowest,
        "client_peak_rss_mib": round(peak, 1),
    }


def _wrapped(text: str, *, bullet: bool = False) -> list[str]:
    """``text`` as Markdown lines of the report's width (a list item with ``bullet``)."""
    if bullet:
        return textwrap.wrap(text, REPORT_WIDTH, initial_indent="* ", subsequent_indent="  ", break_on_hyphens=False)
    return textwrap.wrap(text, REPORT_WIDTH, break_on_hyphens=False)


def report_lines(run: Callable[..., dict[str, Any]], count: int) -> list[str]:
    """The docs/benchmarks.md section; ``run(module, *args)`` runs the measurement in its own process."""
    from importlib.metadata import version

    m = run("bench.datasette", "--docs", str(count))
    print(f"datasette: {m}", file=sys.stderr)
    ours, theirs, slow = m["microcred"], m["datasette"], m["slowest_datasette"]
    datasette = f"Datasette {version('datasette')}"
    setup = (
        "The documents of the engine table above, served over HTTP on 127.0.0.1 by *microcred* (`microcred serve`: "
        f"the Flask app on werkzeug's threaded server, SQLite engine) and by *{datasette}* (`datasette serve "
        "--immutable`) over a plain SQLite table of the same documents built with sqlite-utils: facet columns "
        "(lists as JSON arrays, faceted with `_facet_array`), indexes on the single-valued facet and sort columns, "
        "FTS5 over title, description, provider, subjects and skills with the same tokenizer. Datasette's time "
        "limits are lifted and its facet suggestions off, so that both compute complete answers. One client "
        f"process asks both for each of the 50 searches of the engine table in turn (all eleven facets, page size 20) "
        f"after {WARM_UP} warm-up searches; a time runs from the request to the parsed JSON. *Build* is microcred's "
        "`rebuild()`, and sqlite-utils' insert, FTS table and indexes."
    )
    outcome = (
        f"p95 Datasette / microcred: **{theirs['p95_ms'] / ours['p95_ms']:.1f}×**; p50: "
        f"**{theirs['p50_ms'] / ours['p50_ms']:.1f}×**. Same total on {m['same_total']} of {m['queries']} searches; "
        f"Datasette found fewer on {m['datasette_fewer']} (no stems, below). Its slowest search ({slow['query']}; "
        f"{slow['total']:,} hits) took {slow['datasette_ms']:,} ms, microcred's answer {slow['microcred_ms']:,} ms. "
        "Datasette counts each facet with its own SQL query over the filtered rows: a list facet (`_facet_array`) "
        "expands every matching row's JSON array and de-duplicates whole rows, and a list filter "
        "(`__arraycontains`) is a `json_each` scan of the table, repeated in the count and in every facet's query. "
        "microcred's index keeps one indexed row per (facet, value, offering) and computes the filtered set once."
    )
    return [
        f"## SQLite engine vs Datasette at {count:,} offerings",
        "",
        *_wrapped(setup),
        "",
        "| server | search p50 ms | search p95 ms | build s |",
        "|---|---:|---:|---:|",
        f"| microcred (SQLite FTS5 engine) | {ours['p50_ms']:,} | {ours['p95_ms']:,} | {ours['build_seconds']:,} |",
        f"| {datasette} | {theirs['p50_ms']:,} | {theirs['p95_ms']:,} | {theirs['build_seconds']:,} |",
        "",
        *_wrapped(outcome),
        "",
        "What each side computes, and how the searches were translated:",
        "",
        *(line for text in DIFFERENCES for line in _wrapped(text, bullet=True)),
    ]


def main() -> None:
    """Command line of the measurement."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=100_000)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    print(json.dumps(measure(args.docs)))


if __name__ == "__main__":
    main()
