"""The API under load (issue 15 "Performance"): gunicorn with 2 workers over the SQLite engine, ``wrk`` on loopback.

``python -m bench.api --docs N [--duration S] [--connections C]`` builds a catalogue of N offerings (a SQLite
store and the SQLite FTS5 index synced from it, as ``microcred harvest`` leaves them), serves it with
``gunicorn --workers 2 "search_ui:create_app()"`` on 127.0.0.1, and measures, each in turn:

* the full export (``GET /api/v1/export.jsonl``) first, on the fresh server: seconds, lines, bytes, and the
  serving worker's peak RSS (``VmHWM``) before and after it, so the export's own memory shows;
* then ``wrk`` for S seconds at C connections against the JSON search with every facet, the HTML search page,
  one offering and an OAI-PMH ``ListRecords`` page: requests/second, p50 and p99, errors (non-2xx/3xx
  answers and socket errors; wrk's timeout is raised to 60 s so that a slow answer counts as slow, not failed);
* the same searches and single rows from Datasette (:mod:`bench.datasette`: ``datasette serve --immutable`` over
  a table of the same search documents), where the two do the same work.

Each wrk run cycles through fixed request paths (a Lua script), so no one cached answer is measured: the 50
searches of :mod:`bench.engines` (page 1), 500 offering ids, and the first 25 ListRecords pages in both formats
(their resumption tokens collected from the server first). The rate limit is off
(``MICROCRED_API__RATE_LIMIT=``): it is the server being measured, not the limiter's 429s. Prints one JSON
line; ``bench/__main__.py`` writes the report section.

``wrk`` is the Debian/Ubuntu package (``apt-get install wrk``; macOS: ``brew install wrk``). Without it the
measurement stops with that advice. ``--data-dir`` keeps (and reuses) the built catalogue between runs.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import requests

__all__ = ["build", "export_run", "main", "measure", "parse_wrk", "report_lines", "wrk"]

logger = logging.getLogger(__name__)

WORKERS = 2
SOURCES = 40
BATCH = 1000
OFFERING_PATHS = 500
OAI_PAGES = 25  # ListRecords pages a format: the first, then those of consecutive resumption tokens
WRK_TIMEOUT = "60s"
WRK_INSTALL = (
    "wrk is not installed: it is the HTTP load generator of this benchmark. Install it with "
    "`apt-get install -y wrk` (Debian/Ubuntu, as root) or `brew install wrk` (macOS), then run again."
)
SECRET = "bench-secret-shared-by-the-workers"  # both workers must sign and read the same OAI-PMH tokens


# ---- the catalogue ---------------------------------------------------------------------------------


def _offerings(count: int) -> Iterator[Any]:
    """``count`` offerings from the demo's synthetic records (the documents of :mod:`bench.engines` come from the
    same generator), with the facts the search facets on."""
    from microcred.demo.provider import synthetic_records
    from offerings.model import Instance, Offering, Organisation, Price, make_record_id

    rng = random.Random(15)
    schedules = ("part_time", "full_time", "self_paced")
    for record in synthetic_records(count, seed=7):
        if record.deleted:
            continue
        source = f"feed-{rng.randint(1, SOURCES)}"
        key = record.identifier.rsplit(":", 1)[-1]
        provider = record.publisher if rng.random() < 0.1 else f"{record.publisher}, School {rng.randint(1, 100)}"
        price = record.price_eur
        yield Offering(
            record_id=make_record_id(source, key),
            source_id=source,
            source_format="oai_dc",
            original_identifier=record.identifier,
            record_url=record.landing_url,
            default_language=record.language,
            title={record.language: record.title},
            description={record.language: record.description},
            provider=[Organisation(name={record.language: provider}, country=record.country)],
            issuer_country=[record.country],
            subjects=list(record.subjects),
            languages_of_instruction=[record.language],
            mode=[record.mode] if record.mode else [],
            learning_schedule=rng.choice(schedules),
            credential_type="micro_credential",
            ects_credits=float(record.ects) if record.ects is not None else None,
            eqf_level=record.eqf_level,
            instances=[Instance(start_date=record.start_date, end_date=record.end_date)] if record.start_date else [],
            price=[Price(amount=price)] if price is not None else [],
            is_free=price == 0 if price is not None else None,
        )


def build(data_dir: Path, count: int) -> dict[str, Any]:
    """Fill a store and the SQLite index in ``data_dir`` (kept if it holds ``count`` offerings already).

    Returns:
        ``{"offerings", "store_seconds", "index_seconds"}`` (seconds 0 when the catalogue was reused).
    """
    from config import load_settings
    from indexer.sqlite import SqliteEngine
    from indexer.sync import rebuild
    from offerings.store import Source, Store

    settings = load_settings({"data_dir": str(data_dir)}, environ={})
    settings.ensure_data_dir()
    store = Store(settings.store_url)
    engine = SqliteEngine(data_dir / "search")
    try:
        held = store.count()
        if held and held == engine.count():
            return {"offerings": held, "store_seconds": 0.0, "index_seconds": 0.0}
        started = time.perf_counter()
        for n in range(1, SOURCES + 1):
            source = Source(id=f"feed-{n}", url=f"http://127.0.0.1:9/feed-{n}", kind="oai", name=f"Feed {n}")
            store.sources.add(source)
        batch: list[Any] = []
        for offering in _offerings(count):
            batch.append((offering, None))
            if len(batch) == BATCH:
                store.upsert_many(batch)
                batch = []
        if batch:
            store.upsert_many(batch)
        stored = time.perf_counter() - started
        started = time.perf_counter()
        rebuild(store, engine)
        return {
            "offerings": store.count(),
            "store_seconds": round(stored, 1),
            "index_seconds": round(time.perf_counter() - started, 1),
        }
    finally:
        engine.close()
        store.close()


def _documents(data_dir: Path) -> list[dict[str, Any]]:
    """The search documents of the store's live records, as the engine indexed them."""
    from config import load_settings
    from offerings.store import Store

    store = Store(load_settings({"data_dir": str(data_dir)}, environ={}).store_url)
    docs: list[dict[str, Any]] = []
    seq = 0
    try:
        while changes := store.index_changes(seq, limit=5000):
            docs += [c.document for c in changes if not c.deleted and c.document is not None]
            seq = changes[-1].seq
    finally:
        store.close()
    return docs


# ---- the servers -------------------------------------------------------------------------------------


def _workers(master: int) -> list[int]:
    """The pids of gunicorn's workers (the master's children)."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


def _status_mib(pid: int, field: str) -> float:
    """``VmRSS`` or ``VmHWM`` (peak RSS) of process ``pid`` in MiB, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


@contextmanager
def gunicorn_server(data_dir: Path) -> Iterator[tuple[str, int]]:
    """``gunicorn --workers 2 "search_ui:create_app()"`` over ``data_dir`` on a free loopback port; yields its base
    URL and the master's pid."""
    from bench.datasette import _free_port, _server

    port = _free_port()
    env = {
        **os.environ,
        "MICROCRED_DATA_DIR": str(data_dir),
        "MICROCRED_SEARCH_ENGINE": "sqlite",
        "MICROCRED_API__RATE_LIMIT": "",
        "MICROCRED_SECRET_KEY": SECRET,
    }
    # The export of a large catalogue is one long answer; gunicorn's 30 s default would kill the worker mid-stream.
    command = [sys.executable, "-m", "gunicorn", "--workers", str(WORKERS), "--timeout", "600"]
    command += ["--bind", f"127.0.0.1:{port}", "--log-level", "warning", "search_ui:create_app()"]
    base = f"http://127.0.0.1:{port}"
    with _server(command, f"{base}/healthz", env=env) as process:
        yield base, process.pid


# ---- wrk -------------------------------------------------------------------------------------------


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip()).groups()  # type: ignore[union-attr]
    return round(float(number) * _UNITS[unit], 2)


def parse_wrk(output: str) -> dict[str, Any]:
    """Requests/second, p50 and p99 in ms, requests and errors from ``wrk --latency`` output."""
    latency = dict(re.findall(r"^\s+(50|99)(?:\.0+)?%\s+(\S+)\s*$", output, re.M))
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    done = re.search(r"(\d+) requests in", output)
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if not (latency and done and rate):
        raise RuntimeError(f"cannot read wrk's output:\n{output}")
    errors = (int(non_2xx.group(1)) if non_2xx else 0) + (sum(map(int, socket.groups())) if socket else 0)
    return {
        "requests_per_second": round(float(rate.group(1)), 1),
        "p50_ms": _ms(latency["50"]),
        "p99_ms": _ms(latency["99"]),
        "requests": int(done.group(1)),
        "errors": errors,
    }


def wrk(base: str, paths: list[str], *, duration: int, connections: int) -> dict[str, Any]:
    """``wrk`` for ``duration`` seconds at ``connections`` against ``base``, cycling through ``paths``."""
    binary = shutil.which("wrk")
    if binary is None:
        raise SystemExit(WRK_INSTALL)
    listed = ",\n".join(f"  [==[{path}]==]" for path in paths)
    script = (
        f"local paths = {{\n{listed}\n}}\nlocal i = math.random(#paths)\n"
        "request = function()\n  i = i % #paths + 1\n  return wrk.format('GET', paths[i])\nend\n"
    )
    # The answers still queued from the run before (wrk leaves without waiting for them) go first: this request
    # waits behind them, so the run starts on an idle server, and it warms the run's first path.
    requests.get(base + paths[0], timeout=600).raise_for_status()
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(script)
    try:
        threads = min(connections, os.cpu_count() or 1)
        command = [binary, "--latency", "-t", str(threads), "-c", str(connections), "-d", f"{duration}s"]
        command += ["--timeout", WRK_TIMEOUT, "-s", fh.name, base]
        output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    finally:
        os.unlink(fh.name)
    return parse_wrk(output)


# ---- the export ------------------------------------------------------------------------------------


def export_run(base: str, master: int) -> dict[str, Any]:
    """Stream the full export once; its time, size and the serving workers' RSS (sampled, and peak) around it."""
    with requests.Session() as session:
        for _ in range(4):  # both workers answer something first: their baseline is a working app's
            session.get(f"{base}/api/v1/offerings?q=data", timeout=300).raise_for_status()
        workers = _workers(master)
        before = {pid: _status_mib(pid, "VmHWM") for pid in workers}
        sampled = {pid: 0.0 for pid in workers}
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                for pid in workers:
                    sampled[pid] = max(sampled[pid], _status_mib(pid, "VmRSS"))
                time.sleep(0.05)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        started = time.perf_counter()
        lines = size = 0
        with session.get(f"{base}/api/v1/export.jsonl", stream=True, timeout=600) as response:
            response.raise_for_status()
            for chunk in response.iter_content(chunk_size=1 << 16):
                size += len(chunk)
                lines += chunk.count(b"\n")
        seconds = time.perf_counter() - started
        done.set()
        sampler.join()
    after = {pid: _status_mib(pid, "VmHWM") for pid in workers}
    # The worker that served the export is the one whose peak moved most.
    served = max(workers, key=lambda pid: after[pid] - before[pid])
    return {
        "lines": lines,
        "mib": round(size / 1024 / 1024, 1),
        "seconds": round(seconds, 1),
        "lines_per_second": round(lines / seconds),
        "worker_peak_before_mib": before[served],
        "worker_peak_after_mib": after[served],
        "worker_rss_sampled_max_mib": sampled[served],
    }


# ---- the measurement -------------------------------------------------------------------------------


def _paths(docs: list[dict[str, Any]]) -> dict[str, list[str]]:
    """The request paths of each wrk run (microcred's), and Datasette's for the same work."""
    from dataclasses import replace

    from datasette.utils import tilde_encode

    from bench.datasette import DATABASE, TABLE, microcred_params, translate
    from bench.engines import queries

    searches = [replace(query, page=1) for query in queries(docs, 50)]
    rng = random.Random(15)
    ids = [doc["id"] for doc in rng.sample(docs, min(OFFERING_PATHS, len(docs)))]
    table = f"/{DATABASE}/{TABLE}"
    return {
        "search": [f"/api/v1/offerings?{urlencode(microcred_params(q))}" for q in searches],
        "page": [f"/search?{urlencode(microcred_params(q))}" for q in searches],
        "offering": [f"/api/v1/offerings/{requests.utils.quote(i, safe='')}" for i in ids],
        "datasette_search": [f"{table}.json?{urlencode(translate(q))}" for q in searches],
        # Datasette's own escaping of a primary key in a row URL (":" is "~3A"), as its pages link rows.
        "datasette_row": [f"{table}/{tilde_encode(i)}.json" for i in ids],
    }


OAI_NS = "{http://www.openarchives.org/OAI/2.0/}"


def oai_pages(base: str, *, pages: int = OAI_PAGES) -> list[str]:
    """ListRecords pages spread over the catalogue, in oai_dc and mco: the first of each, then the resumption
    tokens the server hands out every ``stride`` pages (a token names a page; the run asks for those pages)."""
    from lxml import etree

    found: list[str] = []
    with requests.Session() as session:
        for prefix in ("oai_dc", "mco"):
            first = f"/oai?{urlencode({'verb': 'ListRecords', 'metadataPrefix': prefix})}"
            found.append(first)
            url = first
            while True:
                answer = etree.fromstring(session.get(base + url, timeout=300).content)
                # An OAI-PMH error is a 200 too: wrk would count it as an answer, so none may be among the pages.
                error = answer.find(f"{OAI_NS}error")
                if error is not None:
                    raise RuntimeError(f"{url}: OAI-PMH {error.get('code')}: {error.text}")
                token = answer.findtext(f".//{OAI_NS}resumptionToken")
                if not token or len(found) >= pages * (1 + (prefix == "mco")):
                    break
                url = f"/oai?{urlencode({'verb': 'ListRecords', 'resumptionToken': token})}"
                found.append(url)
    return found


def measure(count: int, *, duration: int, connections: int, data_dir: Path | None = None) -> dict[str, Any]:
    """Build (or reuse) the catalogue, then the export and every wrk run; one dict of figures."""
    from bench.datasette import DATABASE, build_database, datasette_server

    if shutil.which("wrk") is None:
        raise SystemExit(WRK_INSTALL)
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMPDIR")) as tmp:
        root = data_dir or Path(tmp)
        built = build(root / "microcred", count)
        docs = _documents(root / "microcred")
        paths = _paths(docs)
        db_path = root / f"{DATABASE}.db"
        if not db_path.exists():
            build_database(db_path, docs)
        del docs
        runs: dict[str, Any] = {}
        with gunicorn_server(root / "microcred") as (base, master):
            runs["export"] = export_run(base, master)
            paths["oai"] = oai_pages(base)
            for name in ("search", "page", "offering", "oai"):
                runs[name] = wrk(base, paths[name], duration=duration, connections=connections)
                print(f"{name}: {runs[name]}", file=sys.stderr)
        with datasette_server(db_path) as table_url:
            base = table_url.split(f"/{DATABASE}/", 1)[0]
            # Rows first: Datasette's three SQL threads would still be busy with the searches' backlog.
            for name in ("datasette_row", "datasette_search"):
                runs[name] = wrk(base, paths[name], duration=duration, connections=connections)
                print(f"{name}: {runs[name]}", file=sys.stderr)
    return {"docs": count, "duration": duration, "connections": connections, "workers": WORKERS, **built, **runs}


def _cells(m: dict[str, Any] | None) -> str:
    """One server's four cells of a row; a run in which no answer came back says so rather than 0 ms."""
    if m is None:
        return "— | — | — | —"
    if not m["requests"]:
        return f"0 (no answer within the run) | — | — | {m['errors']:,}"
    return f"{m['requests_per_second']:,} | {m['p50_ms']:,} | {m['p99_ms']:,} | {m['errors']:,}"


def _row(label: str, m: dict[str, Any], datasette: dict[str, Any] | None = None) -> str:
    return f"| {label} | {_cells(m)} | {_cells(datasette)} |"


def report_lines(run: Callable[..., dict[str, Any]], count: int, duration: int = 60) -> list[str]:
    """The docs/benchmarks.md section; ``run(module, *args)`` runs the measurement in its own process."""
    from importlib.metadata import version

    from bench.datasette import _wrapped

    if shutil.which("wrk") is None:
        print(WRK_INSTALL, file=sys.stderr)
        return [f"## The API under load at {count:,} offerings", "", f"Not measured: {WRK_INSTALL}"]
    m = run("bench.api", "--docs", str(count), "--duration", str(duration))
    print(f"api: {m}", file=sys.stderr)
    export = m["export"]
    growth = export["worker_peak_after_mib"] - export["worker_peak_before_mib"]
    datasette = f"Datasette {version('datasette')}"
    setup = (
        f"`python -m bench.api --docs {count} --duration {duration}`: gunicorn {version('gunicorn')} with "
        f"{m['workers']} sync workers (`search_ui:create_app()`) over the SQLite store and FTS5 engine, and wrk on "
        f"127.0.0.1 for {duration} s at {m['connections']} connections a row (the rate limit off). Each row cycles "
        "through fixed paths: the 50 searches of the engine table (page 1, every facet), 500 offering ids, the first "
        f"{OAI_PAGES} ListRecords pages in oai_dc and in mco (resumption tokens collected beforehand; no set: see "
        f"below). *{datasette}* serves the same search documents (`datasette serve --immutable`, as in the section "
        "above): the searches translated as there, and one row's JSON for one offering. Errors are non-2xx/3xx "
        f"answers plus socket errors (wrk's timeout raised to {WRK_TIMEOUT}). The catalogue took "
        f"{m['store_seconds']} s to store and {m['index_seconds']} s to index (0: a kept one was reused)."
    )
    exported = (
        f"The full export (`GET /api/v1/export.jsonl`, first on the fresh server): {export['lines']:,} lines, "
        f"{export['mib']:,} MiB in {export['seconds']:,} s ({export['lines_per_second']:,} lines/s). The serving "
        f"worker's peak RSS went from {export['worker_peak_before_mib']:,} MiB to "
        f"{export['worker_peak_after_mib']:,} MiB (+{growth:.1f} MiB; sampled every 50 ms, its RSS peaked at "
        f"{export['worker_rss_sampled_max_mib']:,} MiB): the export reads keyset pages of 500 records bounded by "
        "its cursor and keeps nothing between them, so its memory does not grow with the catalogue."
    )
    sets = (
        "Not in the table: ListRecords of a set (`set=country:NL`). A set's page and its `completeListSize` are "
        "a range read of the `record_sets` index (migration 0011), measured apart at 12–21 ms a page at this size "
        "(docs/api.md)."
    )
    return [
        f"## The API under load at {count:,} offerings",
        "",
        *_wrapped(setup),
        "",
        f"| request | microcred req/s | p50 ms | p99 ms | errors | {datasette} req/s | p50 ms | p99 ms | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        _row("`/api/v1/offerings?q=…` (JSON, every facet)", m["search"], m["datasette_search"]),
        _row("`/search?q=…` (HTML page)", m["page"]),
        _row("`/api/v1/offerings/{id}`", m["offering"], m["datasette_row"]),
        _row("`/oai?verb=ListRecords` (a page of 100 records)", m["oai"]),
        "",
        *_wrapped(exported),
        "",
        *_wrapped(sets),
    ]


def main() -> None:
    """Command line of the measurement."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--duration", type=int, default=60, help="seconds of each wrk run (short while developing)")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--data-dir", type=Path, help="keep the built catalogue here, and reuse it next time")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.data_dir:
        args.data_dir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    result = measure(args.docs, duration=args.duration, connections=args.connections, data_dir=args.data_dir)
    logger.info("bench.api took %s", timedelta(seconds=round(time.monotonic() - started)))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
