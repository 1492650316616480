"""HTTP for the API done properly: validators and 304s, Cache-Control, Link headers and CORS.

One ``after_request`` hook gives every API answer its caching and CORS headers: the searches and one
offering get a strong ``ETag`` of their body, the streamed export a weak one naming the store's last change
sequence; one offering and the export carry ``Last-Modified`` too; a conditional request that matches is answered
``304 Not Modified`` (werkzeug's :meth:`~werkzeug.wrappers.Response.make_conditional`). Errors are never
cached. Views add ``Link`` headers with :func:`link_header`.
"""

from __future__ import annotations

from datetime import UTC
from urllib.parse import urlencode

from flask import Flask, Response, request, url_for

from search_ui import services
from search_ui.problems import is_api_request

__all__ = ["CACHE_CONTROL", "init_app", "link_header", "page_links"]

# How long each resource may be reused: search and listings change with every harvest, one offering
# rarely, the change feed must always be asked again.
CACHE_CONTROL = {
    "api.search": "public, max-age=60",
    "api.offering": "public, max-age=300",
    "api.suggest": "public, max-age=300",
    "api.changes": "no-cache",
    "api.export": "public, max-age=300",
    "api.sources": "public, max-age=60",
    "api.source": "public, max-age=60",
    "openapi.openapi_json": "public, max-age=3600",
}
# Answers validated by a hash of their body, and the streamed one validated by the store's last change.
BODY_VALIDATED = frozenset({"api.search", "api.offering"})
STORE_VALIDATED = frozenset({"api.export"})
EXPOSED = "ETag, Last-Modified, Link, Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset"


def link_header(links: dict[str, str]) -> str:
    """An RFC 8288 ``Link`` header value of ``{rel: url}``."""
    return ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links.items())


def page_links(endpoint: str, page: int, size: int, total: int) -> dict[str, str]:
    """``next``/``prev`` (and ``first``) URLs of a paged answer, keeping the request's other parameters."""
    args = request.args.to_dict(flat=False)

    def at(number: int) -> str:
        query = urlencode({**args, "page": [str(number)]}, doseq=True)
        return f"{url_for(endpoint, _external=True)}?{query}"

    links = {"first": at(1)}
    if page > 1:
        links["prev"] = at(page - 1)
    if page * size < total:
        links["next"] = at(page + 1)
    return links


def _cors(response: Response) -> None:
    if request.method == "OPTIONS":
        # A browser asks before a conditional GET (If-None-Match is not a simple header).
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "Accept, If-None-Match, If-Modified-Since, X-API-Key"
        response.headers["Access-Control-Max-Age"] = "86400"
    elif request.method in ("GET", "HEAD"):
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Expose-Headers"] = EXPOSED


def _finish(response: Response) -> Response:
    if not (is_api_request() or request.path.startswith("/oai")):
        return response
    _cors(response)
    if response.status_code >= 400:
        response.headers["Cache-Control"] = "no-store"
        return response
    if request.method not in ("GET", "HEAD") or response.status_code != 200:
        return response
    endpoint = request.endpoint or ""
    if endpoint in CACHE_CONTROL:
        response.headers.setdefault("Cache-Control", CACHE_CONTROL[endpoint])
    if endpoint not in BODY_VALIDATED | STORE_VALIDATED:
        return response
    if endpoint in STORE_VALIDATED:
        store = services.store()
        response.set_etag(f"seq-{store.max_seq()}", weak=True)
        changed = store.last_change()
        if changed is not None:
            response.last_modified = changed.replace(tzinfo=UTC)
    else:
        # No store query here: a search reads the store once, for its results' sources, and no more.
        response.add_etag()
    response.make_conditional(request)  # changes the response in place (and returns it, typed as werkzeug's)
    return response


def init_app(app: Flask) -> None:
    """Register the hook on ``app``."""
    app.after_request(_finish)
