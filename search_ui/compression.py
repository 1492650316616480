"""gzip for streamed answers: the body compressed chunk by chunk as it is produced, in constant memory.

Used by the export (:func:`search_ui.api.export`): a client sending ``Accept-Encoding: gzip`` gets
``Content-Encoding: gzip``; every answer that may be compressed says ``Vary: Accept-Encoding``.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator

from flask import Response, request

__all__ = ["CHUNK", "accepts_gzip", "encode", "gzip_chunks"]

CHUNK = 64 * 1024  # text gathered before each call to the compressor, and the most it holds back
LEVEL = 6  # zlib's default: most of level 9's ratio at a fraction of its time
_GZIP_WINDOW = 16 + zlib.MAX_WBITS  # a gzip header and trailer around the deflate stream


def accepts_gzip(header: str | None) -> bool:
    """Whether an ``Accept-Encoding`` value accepts gzip (``gzip``, ``x-gzip`` or ``*``, at a quality above 0)."""
    named: float | None = None
    wildcard: float | None = None
    for item in (header or "").split(","):
        coding, _, params = item.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        coding = coding.strip().lower()
        if coding in ("gzip", "x-gzip"):
            named = quality if named is None else max(named, quality)
        elif coding == "*":
            wildcard = quality
    chosen = named if named is not None else wildcard
    return chosen is not None and chosen > 0


def gzip_chunks(texts: Iterable[str], *, chunk: int = CHUNK) -> Iterator[bytes]:
    """``texts`` (UTF-8) as one gzip stream, compressed about ``chunk`` characters at a time."""
    compressor = zlib.compressobj(LEVEL, zlib.DEFLATED, _GZIP_WINDOW)
    pending: list[str] = []
    size = 0
    for text in texts:
        pending.append(text)
        size += len(text)
        if size >= chunk:
            out = compressor.compress("".join(pending).encode("utf-8"))
            pending, size = [], 0
            if out:
                yield out
    yield compressor.compress("".join(pending).encode("utf-8")) + compressor.flush()


def encode(response: Response, texts: Iterable[str]) -> Response:
    """Set ``response``'s streamed body to ``texts``, gzipped when the request accepts it."""
    response.vary.add("Accept-Encoding")
    response.headers.pop("Content-Length", None)
    # Else werkzeug's make_conditional (ETag/304, search_ui.http) would read the whole body into a list to
    # count its length: the stream would sit in memory after all.
    response.implicit_sequence_conversion = False
    if accepts_gzip(request.headers.get("Accept-Encoding")):
        response.response = gzip_chunks(texts)
        response.headers["Content-Encoding"] = "gzip"
    else:
        response.response = (text.encode("utf-8") for text in texts)
    return response
