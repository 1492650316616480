"""``make bench``: run every benchmark, each measurement in its own process, and write docs/benchmarks.md."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
REPORT = REPO / "docs" / "benchmarks.md"
SIZES = [int(n) for n in os.environ.get("BENCH_HARVEST_SIZES", "20000,100000").split(",")]


def _run(module: str, *args: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", module, *args], cwd=REPO, check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def harvest_section() -> list[str]:
    """Bare sickle vs the full microcred pipeline on the same recorded loopback feed."""
    lines = [
        "## Harvest: microcred pipeline vs bare sickle",
        "",
        "Same synthetic oai_dc feed (100 records a page), recorded once and replayed from memory on 127.0.0.1",
        "by a separate process, so that the server costs almost nothing. *Bare sickle* iterates `ListRecords`",
        "(parsing each record to a dict). *microcred* is `Catalogue.harvest`: fetch through the SSRF-guarded",
        "client, strict parse, oai_dc crosswalk with text mining, quality score, store upsert (SQLite) and the",
        "FTS5 index sync.",
        "Each measurement runs in its own process; peak RSS is that process's (the harvester's alone).",
        "",
        "| records | bare sickle rec/s | microcred rec/s | ratio (microcred / sickle) "
        "| sickle peak RSS MiB | microcred peak RSS MiB |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for size in SIZES:
        bare = _run("bench.harvest", "--mode", "sickle", "--records", str(size))
        ours = _run("bench.harvest", "--mode", "microcred", "--records", str(size))
        ratio = ours["records_per_second"] / bare["records_per_second"]
        lines.append(
            f"| {size:,} | {bare['records_per_second']:,.0f} | {ours['records_per_second']:,.0f} | {ratio:.2f}× | "
            f"{bare['peak_rss_mib']} | {ours['peak_rss_mib']} |"
        )
        print(f"harvest {size}: sickle {bare} microcred {ours} ratio {ratio:.3f}", file=sys.stderr)
    return lines


def main() -> None:
    """Run the benchmarks and write the report."""
    lines = [
        "# Benchmarks",
        "",
        f"Written by `make bench` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {platform.python_implementation()} "
        f"{platform.python_version()}, {os.cpu_count()} cores, {platform.machine()}. Numbers from one run on a",
        "shared 2-core machine: compare rows within a run, not across runs.",
        "",
        *harvest_section(),
        "",
    ]
    REPORT.write_text("\n".join(lines))
    print(f"wrote {REPORT}", file=sys.stderr)


if __name__ == "__main__":
    main()
