"""Search engine benchmark: index build rate and search latency per engine at 100,000 offerings.

``python -m bench.engines --engine sqlite|opensearch|bulk --docs N [--url URL]`` measures one
engine in its own process and prints one JSON line:

* ``sqlite`` and ``opensearch``: the engine's ``rebuild()`` of N documents (documents/second),
  then 50 fixed searches with every facet requested, each timed on its first run (p50/p95 ms);
* ``bulk``: bare ``opensearchpy.helpers.bulk`` of the same documents into an index with the same
  mapping and build settings, the yardstick for the OpenSearch engine's build rate;
* ``bulk-prepared``: the same, of the bodies the engine sends (its own keys added beforehand, untimed),
  which leaves only the engine's client-side overhead to compare;
* ``sqlite --stream`` (for 1,000,000 documents, ``python -m bench --million``): the documents streamed
  into ``rebuild()`` in chunks, with the index size on disk and peak RSS reported as well.

Documents are generated, reproducibly, from :func:`microcred.demo.provider.synthetic_records`
(realistic multilingual titles and descriptions) with facet values spread like a real
catalogue's. ``bench/__main__.py`` runs the measurements and writes docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
NODE_SCRIPT = REPO / "scripts" / "opensearch-test-node"
DOCS = 100_000
MILLION = 1_000_000
# Records generated at a time: a million documents held at once would cost gigabytes the engine never needs.
CHUNK = 100_000
SEED = 7
WARM_UP = 10
SCHEDULES = ("part_time", "full_time", "self_paced")
CREDENTIALS = ("micro_credential", "certificate", "digital_badge", "certificate_of_participation")
QA_TYPES = ("internal_institutional", "external_institutional", "external_programme")
ISCED = ("0111", "0222", "0311", "0413", "0421", "0533", "0542", "0611", "0613", "0713", "0731", "0988")

logger = logging.getLogger(__name__)


def documents(count: int, *, seed: int = SEED) -> list[dict[str, Any]]:
    """``count`` search documents shaped like :func:`offerings.export.search.search_document`'s."""
    return list(iter_documents(count, seed=seed))


def iter_documents(count: int, *, seed: int = SEED, chunk: int = CHUNK) -> Iterator[dict[str, Any]]:
    """The documents of :func:`documents`, generated ``chunk`` records at a time (for 1,000,000 of them).

    The first ``chunk`` documents are exactly those of ``documents(chunk)``; later chunks draw their
    records with seeds of their own and number their identifiers on, so that no two ids collide.
    """
    from microcred.demo.provider import synthetic_records
    from offerings import vocab

    rng = random.Random(seed)
    seq = 0
    for first in range(0, count, chunk):
        # Chunk 0 keeps the seed, so that the 100,000-document runs see the same documents.
        records = synthetic_records(min(chunk, count - first), seed=seed + first)
        for record in records:
            seq += 1
            # ~1,500 providers: the feed's institutions with their schools and faculties.
            provider = record.publisher if rng.random() < 0.1 else f"{record.publisher}, School {rng.randint(1, 100)}"
            price = record.price_eur
            languages = [record.language] + (["en"] if record.language != "en" and rng.random() < 0.3 else [])
            yield {
                "id": f"synthetic:mc-{seq:07d}" if first else f"synthetic:{record.identifier.rsplit(':', 1)[-1]}",
                "source": f"feed-{rng.randint(1, 40)}",
                "title": record.title,
                "title_all": record.title,
                "description": record.description,
                "subjects": list(record.subjects),
                "skills": [f"{record.subjects[0]}: {rng.choice(('apply', 'analyse', 'design', 'evaluate'))}"],
                "provider": provider,
                "provider_id": "-".join(vocab.fold(provider).replace(",", "").split()),
                "country": [record.country],
                "ects_credits": float(record.ects) if record.ects is not None else None,
                "workload_hours": None,
                "eqf_level": record.eqf_level,
                "languages": languages,
                "mode": [record.mode] if record.mode else [],
                "schedule": rng.choice(SCHEDULES),
                "isced_f": [rng.choice(ISCED)],
                "credential_type": rng.choice(CREDENTIALS),
                "qa_type": [rng.choice(QA_TYPES)],
                "url": record.landing_url,
                "start_date": record.start_date.isoformat() if record.start_date else None,
                "end_date": record.end_date.isoformat() if record.end_date else None,
                "price": price,
                "currency": "EUR" if price is not None else None,
                "free": price == 0,
                "completeness": rng.randint(40, 100),
                # The completeness tiers of offerings/quality/completeness.py (one draw, as before, so the documents
                # after it are unchanged).
                "tier": rng.choice(("incomplete", "annex1_complete_derived", "annex1_complete")),
                "updated": record.datestamp.isoformat() + "Z",
                "seq": seq,
            }
        del records  # let the chunk go before the next one is drawn


def queries(docs: list[dict[str, Any]], count: int, *, seed: int = SEED) -> list[Any]:
    """``count`` fixed searches: words of real titles, some with filters, ranges and sorts; all facets."""
    from indexer.base import SORTS, SearchQuery

    rng = random.Random(seed + 1)
    found = []
    for i in range(count):
        doc = rng.choice(docs)
        words = [w for w in doc["title"].split() if len(w) > 3] or [doc["title"]]
        q = " ".join(rng.sample(words, min(len(words), 1 + i % 2))) if i % 5 else ""
        if i % 7 == 3:
            q = q[: max(3, len(q) - 2)]  # typing: the last word is a prefix
        filters: dict[str, tuple[str, ...]] = {}
        if i % 3 == 0:
            filters["country"] = tuple(doc["country"])
        if i % 4 == 1:
            filters["mode"] = ("online", "blended")
        if i % 6 == 2:
            filters["language"] = tuple(doc["languages"])
        found.append(
            SearchQuery(
                q=q,
                filters=filters,
                ects_max=10.0 if i % 8 == 5 else None,
                free=i % 11 == 4,
                sort=SORTS[i % len(SORTS)] if i % 4 == 0 else "relevance",
                page=1 + (i % 3 == 2),
                size=20,
            )
        )
    return found


def _latencies(engine: Any, searches: list[Any]) -> dict[str, float]:
    """p50/p95 of each search's first run, after a warm-up with other searches."""
    for query in searches[:WARM_UP]:
        engine.search(query)
    times = []
    for query in searches[WARM_UP:]:
        started = time.perf_counter()
        engine.search(query)
        times.append((time.perf_counter() - started) * 1000)
    cuts = statistics.quantiles(times, n=100)
    return {"p50_ms": round(cuts[49], 1), "p95_ms": round(cuts[94], 1), "queries": len(times)}


def _timed(build: Callable[[], int], count: int) -> dict[str, Any]:
    started = time.perf_counter()
    indexed = build()
    seconds = time.perf_counter() - started
    if indexed != count:
        raise SystemExit(f"indexed {indexed} of {count} documents")
    return {"docs": count, "seconds": round(seconds, 1), "docs_per_second": round(count / seconds)}


def _bare_bulk(url: str, docs: list[dict[str, Any]], *, prepared: bool) -> dict[str, Any]:
    from opensearchpy import helpers

    from indexer.elastic import OpenSearchEngine
    from indexer.elastic.query import index_document

    if prepared:
        docs = [index_document(d) for d in docs]

    # The engine creates (untimed) an index with its own mapping and build settings; the bulk itself is
    # opensearch-py's, on the engine's bare client.
    engine = OpenSearchEngine(url, index="bench-bare", timeout=120)
    index = engine.indices
    name = index.new_name()
    index.create(name, last_seq=0, building=True)
    try:
        actions = ({"_index": name, "_id": d["id"], "_source": d} for d in docs)
        result = _timed(lambda: helpers.bulk(engine.raw_client, actions, chunk_size=500)[0], len(docs))
    finally:
        index.drop(name)
        engine.close()
    return result


def measure(engine_name: str, count: int, url: str | None) -> dict[str, Any]:
    """One engine's build rate and search latency (``bulk``: the bare build only)."""
    docs = documents(count)
    if engine_name.startswith("bulk"):
        assert url is not None
        result = _bare_bulk(url, docs, prepared=engine_name == "bulk-prepared")
    else:
        with tempfile.TemporaryDirectory() as tmp:
            if engine_name == "sqlite":
                from indexer.sqlite import SqliteEngine

                engine: Any = SqliteEngine(Path(tmp) / "search")
            else:
                from indexer.elastic import OpenSearchEngine

                engine = OpenSearchEngine(url or "", index="bench-engine", timeout=120)
            result = _timed(lambda: engine.rebuild(iter(docs), last_seq=count).indexed, count)
            result |= _latencies(engine, queries(docs, 50 + WARM_UP))
            if engine_name == "opensearch":
                for index in engine.indices.aliased():
                    engine.indices.drop(index)
            engine.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"engine": engine_name, **result, "peak_rss_mib": round(peak, 1)}


def _disk_mib(path: Path) -> float:
    """Size on disk of every file under ``path`` (the index's generation files, WAL and pointer), MiB."""
    return round(sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20, 1)


def measure_streamed(count: int) -> dict[str, Any]:
    """The SQLite engine at ``count`` documents streamed in chunks: build time, index size, peak RSS, latency.

    Generating the documents is not the engine's work, so the time spent inside the generator is
    measured apart and taken out of the build time (both are reported). The 50 searches are the
    same as at 100,000 documents: they are drawn from the first chunk, which is those documents.
    """
    from indexer.sqlite import SqliteEngine

    # Only what queries() reads of a document, for the first DOCS of them: a few MiB, not gigabytes.
    pool: list[dict[str, Any]] = []
    generating = 0.0

    def stream() -> Iterator[dict[str, Any]]:
        nonlocal generating
        source = iter_documents(count)
        while True:
            started = time.perf_counter()
            doc = next(source, None)
            generating += time.perf_counter() - started
            if doc is None:
                return
            if len(pool) < DOCS:
                pool.append({k: doc[k] for k in ("title", "country", "languages")})
            yield doc

    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMPDIR")) as tmp:
        engine = SqliteEngine(Path(tmp) / "search")
        started = time.perf_counter()
        indexed = engine.rebuild(stream(), last_seq=count).indexed
        total = time.perf_counter() - started
        if indexed != count:
            raise SystemExit(f"indexed {indexed} of {count} documents")
        build = total - generating
        result: dict[str, Any] = {
            "docs": count,
            "seconds": round(build, 1),
            "docs_per_second": round(count / build),
            "generation_seconds": round(generating, 1),
            "index_mib": _disk_mib(Path(tmp) / "search"),
        }
        result |= _latencies(engine, queries(pool, 50 + WARM_UP))
        engine.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"engine": "sqlite", **result, "peak_rss_mib": round(peak, 1)}


def million_lines(run: Callable[..., dict[str, Any]], count: int = MILLION) -> list[str]:
    """The docs/benchmarks.md section of the SQLite engine at ``count`` (a million) offerings."""
    m = run("bench.engines", "--engine", "sqlite", "--docs", str(count), "--stream")
    print(f"sqlite at {count}: {m}", file=sys.stderr)
    gib = m["index_mib"] / 1024
    return [
        f"## SQLite engine at {count:,} offerings",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `make bench BENCH_ARGS=--million` (a separate, long run;",
        "`make bench` keeps this section as it is). The same generator as above, streamed into the engine's",
        f"`rebuild()` {CHUNK:,} records at a time, so that the documents are never all in memory; the first",
        f"{DOCS:,} are the documents of the 100,000 runs and the 50 searches are the same. *Build s* leaves out",
        f"the time spent generating documents ({m['generation_seconds']} s, measured apart). *Index size* is",
        "every file of the index directory after the build (generation file, WAL, pointer). Peak RSS is the",
        "measuring process's: generator chunk, engine and SQLite page cache together.",
        "",
        "| offerings | build docs/s | build s | index size MiB | peak RSS MiB | search p50 ms | search p95 ms |",
        "|---:|---:|---:|---:|---:|---:|---:|",
        f"| {count:,} | {m['docs_per_second']:,} | {m['seconds']:,} | {m['index_mib']:,} ({gib:.1f} GiB) "
        f"| {m['peak_rss_mib']:,} | {m['p50_ms']} | {m['p95_ms']} |",
    ]


def opensearch_node() -> Iterator[str | None]:
    """The test node's URL for the benchmark (started under a lease of ours, released after), or None."""
    lease = str(os.getpid())
    started = subprocess.run([str(NODE_SCRIPT), "start", "--lease", lease], capture_output=True, text=True)
    if started.returncode != 0:
        print(f"no OpenSearch node: {started.stderr.strip()[-500:]}", file=sys.stderr)
        yield None
        return
    try:
        yield started.stdout.strip().splitlines()[-1]
    finally:
        subprocess.run([str(NODE_SCRIPT), "release", lease], capture_output=True)


def report_lines(run: Callable[..., dict[str, Any]], count: int = DOCS) -> list[str]:
    """The docs/benchmarks.md section; ``run(module, *args)`` runs one measurement in its own process."""
    lines = [
        f"## Search engines at {count:,} offerings",
        "",
        f"{count:,} generated offerings (multilingual titles and descriptions from the demo's synthetic feed,",
        "~1,500 providers, 11 countries, 6 languages). *Build* is the engine's `rebuild()` (documents",
        "prepared, indexed, swapped in); for OpenSearch it is compared with a bare `helpers.bulk` of the same",
        "documents into an index with the same mapping and build settings (the engine keeps two bulk requests",
        "in flight, `helpers.bulk` one). *Latency* is each of 50 fixed",
        "searches (text, filters, ranges, sorts, page 1 or 2) with all eleven facets, timed on its first run",
        f"after {WARM_UP} warm-up searches. The OpenSearch node is the test node (one node, 768 MiB heap) on",
        "the same 2 cores as the client. Peak RSS is the measuring Python process's.",
        "",
        "| engine | build docs/s | build s | search p50 ms | search p95 ms | peak RSS MiB |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    sqlite = run("bench.engines", "--engine", "sqlite", "--docs", str(count))
    lines.append(_row("SQLite FTS5", sqlite))
    for url in opensearch_node():
        if url is None:
            lines.append("| OpenSearch | (no node could be started) | | | | |")
            break
        # A fresh JVM indexes slowly until its JIT warms up: one untimed run first.
        run("bench.engines", "--engine", "bulk", "--docs", str(min(count, 20_000)), "--url", url)
        bare = run("bench.engines", "--engine", "bulk", "--docs", str(count), "--url", url)
        engine = run("bench.engines", "--engine", "opensearch", "--docs", str(count), "--url", url)
        prepared = run("bench.engines", "--engine", "bulk-prepared", "--docs", str(count), "--url", url)
        lines.append(_row("OpenSearch 2.19 (microcred engine)", engine))
        for label, bulk in (("same documents", bare), ("the engine's prepared bodies", prepared)):
            lines.append(
                f"| bare `helpers.bulk`, {label} | {bulk['docs_per_second']:,} | {bulk['seconds']} | – | – "
                f"| {bulk['peak_rss_mib']} |"
            )
        ratio = engine["docs_per_second"] / bare["docs_per_second"]
        overhead = engine["docs_per_second"] / prepared["docs_per_second"]
        lines += [
            "",
            f"OpenSearch engine build rate / bare bulk of the same documents: **{ratio:.2f}×** (target ≥ 0.8×);",
            f"/ bare bulk of the bodies it sends (its title, sort and completion keys added): **{overhead:.2f}×**.",
        ]
        print(f"engines: sqlite {sqlite} opensearch {engine} bulk {bare} prepared {prepared}", file=sys.stderr)
    return lines


def _row(label: str, m: dict[str, Any]) -> str:
    return (
        f"| {label} | {m['docs_per_second']:,} | {m['seconds']} | {m['p50_ms']} | {m['p95_ms']} | {m['peak_rss_mib']} |"
    )


def main() -> None:
    """Command line of one measurement."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=("sqlite", "opensearch", "bulk", "bulk-prepared"), required=True)
    parser.add_argument("--docs", type=int, default=DOCS)
    parser.add_argument("--url")
    parser.add_argument("--stream", action="store_true", help="sqlite only: stream the documents (1,000,000)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.stream:
        if args.engine != "sqlite":
            parser.error("--stream measures the sqlite engine only")
        print(json.dumps(measure_streamed(args.docs)))
    else:
        print(json.dumps(measure(args.engine, args.docs, args.url)))


if __name__ == "__main__":
    main()
