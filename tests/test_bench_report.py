"""``python -m bench --million`` writes its own section of docs/benchmarks.md and keeps the others."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import bench.__main__ as bench_main
import bench.engines

logger = logging.getLogger(__name__)

REPORT = """# Benchmarks

Written by `make bench`.

## Harvest: microcred pipeline vs bare sickle

| records | rec/s |
|---:|---:|
| 20,000 | 368 |

## Search engines at 100,000 offerings

| engine | p95 |
|---|---:|
| SQLite FTS5 | 442.4 |
"""


def _measured(p95: float) -> Callable[..., dict[str, Any]]:
    def run(module: str, *args: str) -> dict[str, Any]:
        assert (module, *args) == ("bench.engines", "--engine", "sqlite", "--docs", "1000000", "--stream")
        return {
            "engine": "sqlite",
            "docs": 1_000_000,
            "seconds": 400.0,
            "docs_per_second": 2500,
            "generation_seconds": 50.0,
            "index_mib": 5120.0,
            "p50_ms": 100.0,
            "p95_ms": p95,
            "queries": 50,
            "peak_rss_mib": 300.0,
        }

    return run


def test_million_section_is_added_then_replaced_and_the_rest_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = tmp_path / "benchmarks.md"
    report.write_text(REPORT)
    monkeypatch.setattr(bench_main, "REPORT", report)
    monkeypatch.setattr(bench_main, "_run", _measured(900.0))
    bench_main.million()
    first = report.read_text()
    assert first.startswith(REPORT.rstrip("\n"))
    assert "| 1,000,000 | 2,500 | 400.0 | 5,120.0 (5.0 GiB) | 300.0 | 100.0 | 900.0 |" in first

    monkeypatch.setattr(bench_main, "_run", _measured(777.0))
    bench_main.million()
    second = report.read_text()
    assert second.count("## SQLite engine at 1,000,000 offerings") == 1
    assert "900.0 |" not in second and "| 777.0 |" in second
    assert second.startswith(REPORT.rstrip("\n"))


def test_an_ordinary_run_keeps_the_last_million_section(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    report = tmp_path / "benchmarks.md"
    report.write_text(REPORT + "\n" + "\n".join(bench.engines.million_lines(_measured(900.0))) + "\n")
    kept = bench_main._million_section(report.read_text())
    assert kept[0] == "## SQLite engine at 1,000,000 offerings"
    assert kept[-1].endswith("| 900.0 |")
    assert bench_main._million_section(REPORT) == []
