"""The export gzipped: streamed chunk by chunk, the same lines as the plain export once decompressed."""

from __future__ import annotations

import gzip
import itertools
import json
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from search_ui import create_app
from search_ui.compression import accepts_gzip, gzip_chunks
from tests.search_ui.conftest import build_catalogue


def test_the_gzipped_export_decompresses_to_the_plain_one(tmp_path: Path) -> None:
    built = build_catalogue(tmp_path)
    client = create_app(built.settings, store=built.store, engine=built.engine).test_client()
    streamed = client.get("/api/v1/export.jsonl", buffered=False)
    assert streamed.is_streamed and "Content-Length" not in streamed.headers  # not read into memory to count it
    streamed.close()
    plain = client.get("/api/v1/export.jsonl")
    assert "Content-Encoding" not in plain.headers and plain.headers["Vary"] == "Accept-Encoding"
    zipped = client.get("/api/v1/export.jsonl", headers={"Accept-Encoding": "br;q=1.0, gzip;q=0.8"}, buffered=False)
    assert zipped.status_code == 200 and zipped.is_streamed and "Content-Length" not in zipped.headers
    assert zipped.headers["Content-Encoding"] == "gzip" and zipped.headers["Vary"] == "Accept-Encoding"
    assert zipped.mimetype == "application/x-ndjson" and 'rel="next"' in zipped.headers["Link"]
    body = b"".join(zipped.response)
    zipped.close()
    assert body[:2] == b"\x1f\x8b" and gzip.decompress(body) == plain.data
    lines = [json.loads(line) for line in gzip.decompress(body).splitlines()]
    assert len(lines) == len([r for r in built.store.iter_changes(0) if not r.deleted]) == 20
    # A conditional request still gets its 304, and the cache is told the answer varies with the encoding.
    again = client.get(
        "/api/v1/export.jsonl", headers={"Accept-Encoding": "gzip", "If-None-Match": plain.headers["ETag"]}
    )
    assert again.status_code == 304 and again.headers["Vary"] == "Accept-Encoding" and not again.data
    built.engine.close()
    built.store.close()


def test_compression_is_chunk_by_chunk_in_constant_memory() -> None:
    consumed = 0

    def endless() -> Iterator[str]:
        nonlocal consumed
        for n in itertools.count():
            consumed += 1
            yield json.dumps({"id": n, "title": f"offering {n}", "noise": str(n * 7919) * 20}) + "\n"

    stream = gzip_chunks(endless(), chunk=4096)
    pieces = list(itertools.islice(stream, 5))
    # Five compressed pieces came out of a bounded prefix of an endless input: nothing waits for the end.
    assert all(pieces) and consumed < 100_000
    decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
    text = b"".join(decoder.decompress(piece) for piece in pieces).decode()
    first = text.splitlines()[0]
    assert json.loads(first)["id"] == 0


def test_a_short_stream_is_a_whole_gzip_member() -> None:
    texts = ["a line\n", "ünïcödé line\n", ""]
    assert gzip.decompress(b"".join(gzip_chunks(texts))) == "".join(texts).encode()
    assert gzip.decompress(b"".join(gzip_chunks([]))) == b""


@pytest.mark.parametrize(
    ("header", "accepted"),
    [
        ("gzip", True),
        ("gzip, deflate, br", True),
        ("x-gzip", True),
        ("*", True),
        ("br;q=1, gzip;q=0.5", True),
        ("gzip;q=0", False),
        ("gzip;q=0, *", False),
        ("identity", False),
        ("", False),
        (None, False),
        ("deflate", False),
    ],
)
def test_accept_encoding(header: str | None, accepted: bool) -> None:
    assert accepts_gzip(header) is accepted
