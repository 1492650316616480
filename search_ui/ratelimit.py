"""A small per-client rate limit on the public write paths (registration, "check my feed"): each probe fetches a
stranger's URL on the caller's behalf, so one address may ask only so often.

A sliding window per client address, kept in the app (one per worker process under gunicorn: the limit is per
worker, which bounds the work a client can cause without shared state). Over the limit is a 429 with
``Retry-After``, a problem document in the API and the error page elsewhere.
"""

from __future__ import annotations

import threading
import time
from collections import deque

from flask import Flask, current_app, request
from werkzeug.exceptions import TooManyRequests

__all__ = ["EXTENSION", "Limiter", "init_app", "limit"]

EXTENSION = "microcred.ratelimit"
# Probes a client address may ask for per window.
PROBES_PER_WINDOW = 10
WINDOW_SECONDS = 3600.0


class Limiter:
    """Sliding-window counts of requests per key."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> float | None:
        """Count one request of ``key``; None when it is allowed, else the seconds until it would be."""
        now = time.monotonic()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return max(1.0, hits[0] + self.window - now)
            hits.append(now)
            return None


def init_app(app: Flask, *, limit: int = PROBES_PER_WINDOW, window: float = WINDOW_SECONDS) -> None:
    """Give ``app`` its limiter."""
    app.extensions[EXTENSION] = Limiter(limit, window)


def limit() -> None:
    """Count this request against its client address; abort with 429 when over the limit."""
    limiter: Limiter = current_app.extensions[EXTENSION]
    wait = limiter.hit(request.remote_addr or "unknown")
    if wait is not None:
        minutes = int(wait / 60) + 1
        raise TooManyRequests(
            description=f"Too many feed checks from your address; try again in {minutes} minutes.",
            retry_after=int(wait) + 1,
        )
