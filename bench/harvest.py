"""Harvest benchmark: the full microcred pipeline against bare sickle iteration of the same feed.

Run one measurement per process (``python -m bench.harvest --mode sickle|microcred --records N``) so
that peak RSS is the measurement's own; ``bench/__main__.py`` runs them and writes the report.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

from bench.replay import record_feed, replay_app
from microcred.demo import serve
from microcred.demo.provider import synthetic_provider

BATCH = 100  # records per page, a common repository default


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


def measure(mode: str, records: int) -> dict[str, float | int | str]:
    """Record the feed, serve it from memory on loopback, and time one full harvest."""
    provider = synthetic_provider(records, batch_size=BATCH)
    # The base URL only appears in <request> and Identify; the harvesters do not depend on it.
    responses = record_feed(provider, "http://127.0.0.1/oai")
    del provider
    with tempfile.TemporaryDirectory() as tmp, serve(replay_app(responses), port=0) as server:
        url = server.base_url + "/oai"
        started = time.perf_counter()
        seen = _bare_sickle(url) if mode == "sickle" else _microcred(url, Path(tmp))
        elapsed = time.perf_counter() - started
    rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "mode": mode,
        "records": seen,
        "seconds": round(elapsed, 3),
        "records_per_second": round(seen / elapsed, 1),
        "peak_rss_mib": round(rss_kib / 1024, 1),
        "pages": len(responses) - 2,
    }


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point: print one measurement as JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mode", choices=("sickle", "microcred"), required=True)
    parser.add_argument("--records", type=int, default=20_000)
    args = parser.parse_args(argv)
    json.dump(measure(args.mode, args.records), sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
