"""Rate limits of the API and ``/oai`` (Flask-Limiter): one budget per client address, or per API key.

``settings.api.rate_limit`` ("300/minute"; empty: no limit) and ``settings.api.rate_limit_storage``
(``memory://`` for one process, a shared storage URI for several workers). Every limited answer carries
``RateLimit-Limit``, ``RateLimit-Remaining`` and ``RateLimit-Reset``; past the limit the answer is a 429 problem
document (:mod:`search_ui.problems`) with ``Retry-After`` in seconds. The HTML pages and ``/healthz`` are not
limited.

A request carrying an API key (``X-API-Key: TOKEN`` or ``Authorization: Bearer TOKEN``; issued by
``microcred keys add``) is counted against the key, at the key's own limit (none: not limited), wherever it comes
from. An unknown or revoked key is a 401 problem, never a silent fall-back to the address's budget. The admin
calls keep their bearer token: on their paths, and for the admin token itself, the header is not an API key.

The public forms that make us work for a stranger have budgets of their own per client address, in the same
storage (so shared by the workers when it is): ``settings.api.probe_rate_limit`` for a feed check or registration
(API and ``/register``), ``settings.api.report_rate_limit`` for a problem report. They count POSTs only.
"""

from __future__ import annotations

import hmac
import re
from typing import Any

from flask import Flask, Response, g, request
from flask_babel import gettext as _
from flask_limiter import HeaderNames, Limiter
from flask_limiter.util import get_remote_address

from config import Settings
from offerings.store import ApiKey
from search_ui.problems import is_api_request, problem
from search_ui.services import services, store

__all__ = ["ADMIN_PATHS", "FORMS", "HEADERS", "init_app", "presented_token"]

HEADERS = {
    HeaderNames.LIMIT: "RateLimit-Limit",
    HeaderNames.REMAINING: "RateLimit-Remaining",
    HeaderNames.RESET: "RateLimit-Reset",
    HeaderNames.RETRY_AFTER: "Retry-After",
}
# The admin calls of the pinned API (bearer MICROCRED_ADMIN_TOKEN) and the operator's pages.
ADMIN_PATHS = re.compile(r"^/(admin(/|$)|api/v1/sources/[^/]+/(approve|harvest|verify|transition)$)")
# The forms' budgets (scope -> the endpoints sharing it); the limit of each is the setting of its name.
FORMS = {
    "probe_rate_limit": ("registration_api.register", "registration_api.check", "registration.register_page"),
    "report_rate_limit": ("problem_reports.report",),
}


def _limited_path() -> bool:
    """Whether the request's path is under the limit: the API (not ``/healthz``) and ``/oai``."""
    return (is_api_request() and request.path != "/healthz") or request.path.startswith("/oai")


def presented_token() -> str | None:
    """The API key the request presents (``X-API-Key``, else a bearer token), or None.

    None too on the admin paths and for the admin token: those are the admin's, not an aggregator's.
    """
    if ADMIN_PATHS.match(request.path):
        return None
    token = request.headers.get("X-API-Key", "").strip()
    if not token:
        scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
        token = credentials.strip() if scheme.lower() == "bearer" else ""
    admin = services().settings.admin_token
    if not token or (admin and hmac.compare_digest(token.encode(), admin.encode())):
        return None
    return token


def _identify() -> Response | None:
    """Resolve the request's API key into ``g.api_key``; a 401 problem when the key is unknown or revoked."""
    g.api_key = None
    if not _limited_path() or request.method == "OPTIONS":
        return None
    token = presented_token()
    if token is None:
        return None
    key = store().keys.find(token)
    if key is None:
        response = problem(401, "Unauthorized", "The API key is unknown or has been revoked.", kind="invalid-api-key")
        response.headers["WWW-Authenticate"] = 'Bearer realm="microcred"'
        return response
    g.api_key = key
    return None


def _key() -> ApiKey | None:
    return g.get("api_key")


def _client() -> str:
    """The budget the request counts against: its API key's, else its address's."""
    key = _key()
    return f"key:{key.id}" if key is not None else f"addr:{get_remote_address()}"


def _address() -> str:
    return f"addr:{get_remote_address()}"


def _too_many() -> str:
    return _("Too many requests from your address for this form; please try again later.")


def _limit_forms(app: Flask, limiter: Limiter, settings: Settings) -> None:
    """Wrap the forms' views (registered already) in their budgets; a form whose setting is empty is not limited."""
    for scope, endpoints in FORMS.items():
        value = getattr(settings.api, scope)
        if not value:
            continue
        # Keyed by address even for an API key: a key lifts the read limit, not the work a stranger can cause.
        shared = limiter.shared_limit(value, scope, key_func=_address, methods=["POST"], error_message=_too_many)
        for endpoint in endpoints:
            view: Any = app.view_functions[endpoint]
            app.view_functions[endpoint] = shared(view)


def init_app(app: Flask, settings: Settings) -> Limiter:
    """Check API keys, put the configured limit on ``app`` and the forms' budgets on their views; returns the
    limiter. Call it after the blueprints are registered."""
    # Registered before the limiter's own check, so the limit knows the key (and a bad key is refused first).
    app.before_request(_identify)
    default = settings.api.rate_limit

    def limit() -> str:
        key = _key()
        return key.rate_limit or default if key is not None else default

    def exempt() -> bool:
        """Outside the limit: pages for people, the health check, CORS preflights, keys without a limit."""
        key = _key()
        unlimited_key = key is not None and not key.rate_limit
        return not _limited_path() or request.method == "OPTIONS" or unlimited_key

    limiter = Limiter(
        _client,
        app=app,
        application_limits=[limit] if default else [],
        application_limits_exempt_when=exempt,
        storage_uri=settings.api.rate_limit_storage,
        headers_enabled=True,
        header_name_mapping=HEADERS,
        retry_after="delta-seconds",
    )
    _limit_forms(app, limiter, settings)
    return limiter
