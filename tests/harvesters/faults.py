"""A WSGI wrapper that injects faults into a real OAI-PMH provider's answers, by ListRecords call number."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

Start = Callable[..., Any]
App = Callable[[dict[str, Any], Start], Iterable[bytes]]
# A fault gets the request's environ, start_response, the inner app and the wrapper; it answers instead.
Fault = Callable[[dict[str, Any], Start, App, "FaultyApp"], Iterable[bytes]]

TOKEN = re.compile(rb"(<resumptionToken[^>]*>)([^<]*)(</resumptionToken>)")


def _inner_body(environ: dict[str, Any], inner: App) -> tuple[str, list[tuple[str, str]], bytes]:
    captured: dict[str, Any] = {}

    def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        captured["status"], captured["headers"] = status, headers

    body = b"".join(inner(environ, start))
    return captured["status"], captured["headers"], body


def _send(start: Start, status: str, body: bytes, headers: list[tuple[str, str]] | None = None) -> list[bytes]:
    start(status, [("Content-Type", "text/xml; charset=utf-8"), ("Content-Length", str(len(body))), *(headers or [])])
    return [body]


class FaultyApp:
    """Wraps ``inner``; ``faults[n]`` answers the n-th ListRecords request (1-based) instead of ``inner``."""

    def __init__(self, inner: App, faults: dict[int, Fault] | None = None, *, every: Fault | None = None) -> None:
        self.inner = inner
        self.faults = dict(faults or {})
        self.every = every
        self.list_calls = 0
        self.requests: list[dict[str, str]] = []
        self.tokens: list[bytes] = []
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start: Start) -> Iterable[bytes]:
        params = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        with self.lock:
            self.requests.append(params)
            fault = None
            if params.get("verb") == "ListRecords":
                self.list_calls += 1
                fault = self.faults.pop(self.list_calls, None) or self.every
        if fault is None:
            status, headers, body = _inner_body(environ, self.inner)
            match = TOKEN.search(body)
            if match and match.group(2):
                self.tokens.append(match.group(2))
            return _send(start, status, body)
        return fault(environ, start, self.inner, self)


def status(code: str, *, headers: list[tuple[str, str]] | None = None, body: bytes = b"busy") -> Fault:
    """Answer with an HTTP status (e.g. "503 Service Unavailable") and headers."""
    return lambda environ, start, inner, app: _send(start, code, body, headers)


def rewrite(change: Callable[[bytes, FaultyApp], bytes], code: str | None = None) -> Fault:
    """Answer with the inner body changed by ``change`` (and optionally another status)."""

    def fault(environ: dict[str, Any], start: Start, inner: App, app: FaultyApp) -> Iterable[bytes]:
        status_line, _, body = _inner_body(environ, inner)
        return _send(start, code or status_line, change(body, app))

    return fault


def reset_mid_body() -> Fault:
    """Promise the whole body, send half, then drop the connection."""

    def fault(environ: dict[str, Any], start: Start, inner: App, app: FaultyApp) -> Iterable[bytes]:
        _, _, body = _inner_body(environ, inner)
        start("200 OK", [("Content-Type", "text/xml"), ("Content-Length", str(len(body)))])

        def chunks() -> Iterable[bytes]:
            yield body[: len(body) // 2]
            raise ConnectionResetError("injected reset")

        return chunks()

    return fault


def stall(seconds: float) -> Fault:
    """Wait before answering normally (longer than the client's read timeout)."""

    def fault(environ: dict[str, Any], start: Start, inner: App, app: FaultyApp) -> Iterable[bytes]:
        time.sleep(seconds)
        status_line, _, body = _inner_body(environ, inner)
        return _send(start, status_line, body)

    return fault


def oai_error(code: str, http_status: str = "200 OK") -> Fault:
    """Answer with an OAI-PMH error envelope."""
    body = (
        '<?xml version="1.0" encoding="UTF-8"?><OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
        "<responseDate>2026-11-29T12:00:00Z</responseDate><request>x</request>"
        f'<error code="{code}">injected {code}</error></OAI-PMH>'
    ).encode()
    return status(http_status, body=body)
