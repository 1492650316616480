"""Errors as RFC 9457 problem details (``application/problem+json``) for the API, and friendly pages for people.

One set of handlers serves the whole app: under ``/api/`` and at ``/healthz`` every error is a
problem document, never an HTML page; elsewhere the same error renders ``error.html``. Bad input
is a 400 that names the parameter; anything unexpected is logged and answered with a bare 500.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, current_app, render_template, request
from werkzeug.exceptions import HTTPException

from offerings.errors import BackendUnavailable, InvalidQuery, NotFound

__all__ = ["PROBLEM_TYPE", "Gone", "init_app", "is_api_request", "problem"]

logger = logging.getLogger(__name__)

PROBLEM_MIMETYPE = "application/problem+json"
# Problem type URIs. They identify, they are not fetched (RFC 9457 §3.1.1 allows tag: URIs).
PROBLEM_TYPE = {
    "invalid-parameter": "tag:microcred,2025:problem/invalid-parameter",
    "not-found": "tag:microcred,2025:problem/not-found",
    "gone": "tag:microcred,2025:problem/gone",
    "invalid-api-key": "tag:microcred,2025:problem/invalid-api-key",
    "engine-unavailable": "tag:microcred,2025:problem/engine-unavailable",
    "store-unavailable": "tag:microcred,2025:problem/store-unavailable",
    "invalid-registration": "tag:microcred,2025:problem/invalid-registration",
    "unusable-feed": "tag:microcred,2025:problem/unusable-feed",
    "already-registered": "tag:microcred,2025:problem/already-registered",
    "illegal-transition": "tag:microcred,2025:problem/illegal-transition",
    "unauthorized": "tag:microcred,2025:problem/unauthorized",
}
API_PREFIXES = ("/api/", "/healthz")


class Gone(HTTPException):
    """The offering existed but its source withdrew it (a tombstone): 410."""

    code = 410
    description = "This offering was withdrawn by its provider and is no longer in the catalogue."


def is_api_request() -> bool:
    """True when the current request is for the JSON API (errors must then be problem documents)."""
    return request.path.startswith(API_PREFIXES)


def problem(status: int, title: str, detail: str, *, kind: str | None = None, **extra: Any) -> Response:
    """A problem-details response; ``kind`` picks a type URI from :data:`PROBLEM_TYPE` (else about:blank)."""
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE[kind] if kind else "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        **{k: v for k, v in extra.items() if v is not None},
    }
    response = current_app.response_class(current_app.json.dumps(body) + "\n", status=status, mimetype=PROBLEM_MIMETYPE)
    return response


def _page(status: int, title: str, detail: str) -> tuple[str, int]:
    return render_template("error.html", status=status, title=title, detail=detail), status


def _invalid_query(exc: InvalidQuery) -> Response | tuple[str, int]:
    if is_api_request():
        return problem(400, "Invalid parameter", exc.detail, kind="invalid-parameter", parameter=exc.parameter)
    return _page(400, "That search could not be run", f"The value of “{exc.parameter}” {exc.detail}.")


def _not_found(exc: NotFound) -> Response | tuple[str, int]:
    if is_api_request():
        return problem(404, "Not Found", str(exc), kind="not-found")
    return _page(404, "Not found", "There is nothing in the catalogue at this address.")


def _gone(exc: Gone) -> Response | tuple[str, int]:
    if is_api_request():
        return problem(410, "Gone", exc.description or "", kind="gone")
    return _page(410, "No longer offered", exc.description or "")


def _engine_unavailable(exc: BackendUnavailable) -> Response | tuple[str, int]:
    logger.warning("search engine unavailable: %s", exc)
    detail = "The search engine cannot be reached at the moment; please try again shortly."
    if is_api_request():
        response = problem(503, "Service Unavailable", detail, kind="engine-unavailable")
        response.headers["Retry-After"] = "30"
        return response
    return _page(503, "Search is unavailable", detail)


def _http_error(exc: HTTPException) -> Response | tuple[str, int]:
    status = exc.code or 500
    title = exc.name
    detail = exc.description or title
    if not is_api_request():
        return _page(status, title, detail)
    response = problem(status, title, detail)
    # Keep the headers werkzeug computed (Allow on a 405, WWW-Authenticate on a 401).
    for name, value in exc.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def _unexpected(exc: Exception) -> Response | tuple[str, int]:
    # The traceback goes to the log, never to the client.
    logger.exception("unhandled error on %s %s", request.method, request.path)
    detail = "Something went wrong on our side. It has been logged."
    if is_api_request():
        return problem(500, "Internal Server Error", detail)
    return _page(500, "Something went wrong", detail)


def init_app(app: Flask) -> None:
    """Register the error handlers on ``app``."""
    app.register_error_handler(InvalidQuery, _invalid_query)
    app.register_error_handler(NotFound, _not_found)
    app.register_error_handler(Gone, _gone)
    app.register_error_handler(BackendUnavailable, _engine_unavailable)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
