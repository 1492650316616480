"""Harvest benchmark: the full microcred pipeline against bare sickle iteration of the same feed.

``python -m bench.harvest --mode sickle|microcred --records N`` measures one harvest; ``--mode writes``
only the store and index writes its normalised records need (the floor of any pipeline that keeps them);
``--mode normalise`` the harvest without them: the same client fetching and parsing each page (one page
ahead) and the same worker process normalising it, every record counted and nothing stored. The feed is a
synthetic oai_dc repository recorded once and replayed from memory by a *separate* process
(``--serve``), so the server costs almost nothing and the measuring process's peak RSS is the
harvester's own. ``bench/__main__.py`` runs the measurements and writes the report.
"""

from __future__ import annotations

import argparse
import json
import pickle
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

BATCH = 100  # records per page, a common repository default


def serve_feed(records: int, latency: float = 0.0) -> None:
    """Record the synthetic feed, serve it on loopback (each answer ``latency`` seconds late), print the
    base URL, and serve until stdin closes."""
    from bench.replay import record_feed, replay_app
    from microcred.demo import serve
    from microcred.demo.provider import synthetic_provider

    # Recording walks the oaipmh provider, which rebuilds its list for every page (minutes at 100k):
    # record once per size and reuse it for every measurement.
    cache = Path(__file__).resolve().parent / "out" / f"feed-{records}-{BATCH}.pickle"
    if cache.exists():
        responses = pickle.loads(cache.read_bytes())
    else:
        responses = record_feed(synthetic_provider(records, batch_size=BATCH), "http://127.0.0.1/oai")
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_bytes(pickle.dumps(responses))
    with serve(replay_app(responses, latency=latency), port=0) as server:
        print(server.base_url + "/oai", flush=True)
        sys.stdin.read()


def _bare_sickle(url: str) -> int:
    from sickle import Sickle

    count = 0
    for record in Sickle(url).ListRecords(metadataPrefix="oai_dc", ignore_deleted=False):
        count += 1 if record.header.identifier else 0
    return count


def _microcred(url: str, data_dir: Path) -> int:
    from config import load_settings
    from microcred.wiring import Catalogue

    settings = load_settings({"data_dir": str(data_dir), "allow_private_feeds": True}, environ={})
    catalogue = Catalogue(settings)
    try:
        source = catalogue.add_source(url, kind="oai", name="Synthetic", country="NL", source_id="bench")
        report = catalogue.harvest(source)  # fetch, parse, normalise, store and index
        if report.status != "success":
            raise SystemExit(f"harvest failed: {report.error}")
        return report.counts.seen
    finally:
        catalogue.close()


def _normalise(url: str) -> int:
    """The OAI harvest without the store: fetch and parse each page (the next one fetched meanwhile), its
    records normalised by the harvest's worker process, in order; returns the records normalised."""
    from concurrent.futures import ThreadPoolExecutor

    from config import load_settings
    from harvesters.http import FeedClient
    from harvesters.oai.client import OaiClient
    from harvesters.oai.pages import Outcomes, PageNormaliser
    from offerings.crosswalks import SourceContext

    settings = load_settings({"allow_private_feeds": True}, environ={})
    feed = FeedClient(settings)
    client = OaiClient(url, feed)
    context = SourceContext(source_id="bench", name="Synthetic", country="NL")
    count = 0

    def settle(found: Outcomes) -> None:
        nonlocal count
        count += len(found)

    workers = settings.harvest.normalise_workers
    try:
        with (
            ThreadPoolExecutor(max_workers=1) as prefetch,
            PageNormaliser("oai_dc", context, url, workers=workers) as normaliser,
        ):
            pending = prefetch.submit(client.harvest, verb="ListRecords", metadataPrefix="oai_dc")
            while True:
                page = pending.result()
                if page.token:
                    pending = prefetch.submit(client.harvest, verb="ListRecords", resumptionToken=page.token)
                normaliser.put(page, settle)
                if not page.token:
                    break
    finally:
        feed.close()
    return count


def _watch_workers(stop: threading.Event, peak: list[int], cpu: dict[int, float]) -> None:
    """Until ``stop``: the largest peak RSS (KiB) of this process's multiprocessing children (the
    normalising worker) and the CPU seconds each has used, read from /proc every half second."""
    import multiprocessing
    import os

    ticks = os.sysconf("SC_CLK_TCK")
    while not stop.wait(0.5):
        for child in multiprocessing.active_children():
            try:
                status = Path(f"/proc/{child.pid}/status").read_text()
                stat = Path(f"/proc/{child.pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            cpu[child.pid] = (int(stat[11]) + int(stat[12])) / ticks  # utime and stime, after the name
            for line in status.splitlines():
                if line.startswith("VmHWM:"):
                    peak[0] = max(peak[0], int(line.split()[1]))


def _writes(url: str, data_dir: Path) -> tuple[int, float]:
    """Only what every harvested record must end in: the normalised offerings of the feed (harvested
    first, untimed) written again to a fresh store and index, in pages of BATCH, then the index
    sync. Returns the records written and the seconds that took: the pipeline's floor, whatever the
    fetching, parsing and normalising cost."""
    from config import load_settings
    from microcred.wiring import Catalogue
    from offerings.normalise import check

    def catalogue_in(path: Path) -> Catalogue:
        return Catalogue(load_settings({"data_dir": str(path), "allow_private_feeds": True}, environ={}))

    harvested = catalogue_in(data_dir / "harvested")
    try:
        source = harvested.add_source(url, kind="oai", name="Synthetic", country="NL", source_id="bench")
        harvested.harvest(source)
        # As the harvest hands them to the store: each with the issues its validation found.
        offerings = [check(stored.offering) for stored in harvested.store.iter_changes(0)]
    finally:
        harvested.close()
    fresh = catalogue_in(data_dir / "fresh")
    try:
        fresh.add_source(url, kind="oai", name="Synthetic", country="NL", source_id="bench")
        started = time.perf_counter()
        for first in range(0, len(offerings), BATCH):
            fresh.store.upsert_many(offerings[first : first + BATCH])
        fresh.sync_index()
        return len(offerings), time.perf_counter() - started
    finally:
        fresh.close()


def measure(mode: str, records: int, latency: float = 0.0) -> dict[str, float | int | str]:
    """Time one full harvest of an ``records``-record feed served by a child process (each answer
    ``latency`` seconds late)."""
    server = subprocess.Popen(
        [sys.executable, "-m", "bench.harvest", "--serve", "--records", str(records), "--latency", str(latency)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    stop, worker_peak, worker_cpu = threading.Event(), [0], dict[int, float]()
    sampler = threading.Thread(target=_watch_workers, args=(stop, worker_peak, worker_cpu), daemon=True)
    sampler.start()
    try:
        url = server.stdout.readline().strip()
        with tempfile.TemporaryDirectory() as tmp:
            started = time.perf_counter()
            if mode == "writes":
                seen, elapsed = _writes(url, Path(tmp))
            else:
                if mode == "sickle":
                    seen = _bare_sickle(url)
                else:
                    seen = _normalise(url) if mode == "normalise" else _microcred(url, Path(tmp))
                elapsed = time.perf_counter() - started
    finally:
        stop.set()
        server.stdin.close()
        server.wait(timeout=30)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    rss_kib = usage.ru_maxrss
    return {
        "mode": mode,
        "records": seen,
        "seconds": round(elapsed, 3),
        "records_per_second": round(seen / elapsed, 1),
        "peak_rss_mib": round(rss_kib / 1024, 1),
        "worker_peak_rss_mib": round(worker_peak[0] / 1024, 1),
        # CPU a record, whatever else the machine runs: the harvesting process's (setting up included)
        # and the worker's (last read up to half a second before it stopped).
        "cpu_ms_per_record": round(1000 * (usage.ru_utime + usage.ru_stime) / max(seen, 1), 3),
        "worker_cpu_ms_per_record": round(1000 * sum(worker_cpu.values()) / max(seen, 1), 3),
    }


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point: print one measurement as JSON (or serve the feed with --serve)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mode", choices=("sickle", "microcred", "writes", "normalise"))
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--serve", action="store_true", help="serve the recorded feed (used by --mode)")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds the server takes to answer each request")
    args = parser.parse_args(argv)
    if args.serve:
        serve_feed(args.records, args.latency)
        return
    json.dump(measure(args.mode or "microcred", args.records, args.latency), sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
