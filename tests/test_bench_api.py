"""The API benchmark's own parts (bench/api.py): its catalogue is a real one the app serves, and wrk's report is
read right. The measurement itself runs in ``make bench``, not here (no wall-clock figures in tests)."""

from __future__ import annotations

import json
from pathlib import Path

from bench import api as bench_api
from config import load_settings
from search_ui import create_app

# What wrk 4.1 prints for `wrk --latency -t2 -c50 -d5s --timeout 60s -s paths.lua URL` (a real run, its error
# lines added; its latency lines end in a space, written \x20 here).
WRK_OUTPUT = """Running 5s test @ http://127.0.0.1:55141
  2 threads and 50 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.13s   203.40ms   1.52s    70.09%
    Req/Sec    26.81     17.60    80.00     65.63%
  Latency Distribution
     50%    1.13s\x20
     75%    1.25s\x20
     90%    1.37s\x20
     99%  950.00us
  214 requests in 5.07s, 11.95MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 3
Requests/sec:     42.19
Transfer/sec:      2.36MB
"""


def test_wrks_report_is_read_with_its_units_and_every_error() -> None:
    found = bench_api.parse_wrk(WRK_OUTPUT)
    assert found == {"requests_per_second": 42.2, "p50_ms": 1130.0, "p99_ms": 0.95, "requests": 214, "errors": 6}
    clean = WRK_OUTPUT.replace("  Socket errors: connect 0, read 2, write 0, timeout 1\n", "")
    assert bench_api.parse_wrk(clean.replace("  Non-2xx or 3xx responses: 3\n", ""))["errors"] == 0


def test_the_bench_catalogue_is_served_and_exported_whole(tmp_path: Path) -> None:
    built = bench_api.build(tmp_path / "microcred", 120)
    assert built["offerings"] > 100  # the generator withdraws about 3 %
    again = bench_api.build(tmp_path / "microcred", 120)
    assert again == {"offerings": built["offerings"], "store_seconds": 0.0, "index_seconds": 0.0}  # reused
    settings = load_settings({"data_dir": str(tmp_path / "microcred"), "api": {"rate_limit": ""}}, environ={})
    client = create_app(settings).test_client()
    lines = [json.loads(line) for line in client.get("/api/v1/export.jsonl").data.decode().splitlines()]
    assert len(lines) == built["offerings"] == len({line["record_id"] for line in lines})
    docs = bench_api._documents(tmp_path / "microcred")
    paths = bench_api._paths(docs)
    for name in ("search", "page", "offering"):
        assert paths[name], name
        for path in paths[name][:5]:
            assert client.get(path).status_code == 200, path
