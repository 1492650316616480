"""Rate limits of the API and ``/oai`` (Flask-Limiter): one budget per client address across those paths.

``settings.api.rate_limit`` ("300/minute"; empty: no limit) and ``settings.api.rate_limit_storage``
(``memory://`` for one process, a shared storage URI for several workers). Every limited answer carries
``RateLimit-Limit``, ``RateLimit-Remaining`` and ``RateLimit-Reset``; past the limit the answer is a 429 problem
document (:mod:`search_ui.problems`) with ``Retry-After`` in seconds. The HTML pages and ``/healthz`` are not
limited.
"""

from __future__ import annotations

from flask import Flask, request
from flask_limiter import HeaderNames, Limiter
from flask_limiter.util import get_remote_address

from config import Settings
from search_ui.problems import is_api_request

__all__ = ["HEADERS", "init_app"]

HEADERS = {
    HeaderNames.LIMIT: "RateLimit-Limit",
    HeaderNames.REMAINING: "RateLimit-Remaining",
    HeaderNames.RESET: "RateLimit-Reset",
    HeaderNames.RETRY_AFTER: "Retry-After",
}


def _exempt() -> bool:
    """Whether the request is outside the limit: pages for people, the health check, CORS preflights."""
    limited = (is_api_request() and request.path != "/healthz") or request.path.startswith("/oai")
    return not limited or request.method == "OPTIONS"


def init_app(app: Flask, settings: Settings) -> Limiter | None:
    """Put the configured limit on ``app``; returns the limiter (None when the limit is off)."""
    if not settings.api.rate_limit:
        return None
    return Limiter(
        get_remote_address,
        app=app,
        application_limits=[settings.api.rate_limit],
        application_limits_exempt_when=_exempt,
        storage_uri=settings.api.rate_limit_storage,
        headers_enabled=True,
        header_name_mapping=HEADERS,
        retry_after="delta-seconds",
    )
